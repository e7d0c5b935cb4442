// An explorer's picture, drawn by the browser (convlab.explorers.scene).
// The kernel computes every number with PyTorch and sends one `scene` per setting: cells,
// numbers, titles and lines in cell units. Drawing it here takes a millisecond or two, where a
// PNG painted by matplotlib took hundreds; the newest scene is laid over the old one (draw).

const NS = "http://www.w3.org/2000/svg";

function fmt(v) { return Math.round(v * 100) / 100; }

// A grid's colours: one CSS colour (null here), or a palette and an index per cell.
function colours(fill) {
  return typeof fill === "string" ? null : fill;
}

// A grid of many plain cells (a digit, a feature map) as one pixelated image.
function gridImage(item) {
  const canvas = document.createElement("canvas");
  canvas.width = item.cols; canvas.height = item.rows;
  const ctx = canvas.getContext("2d");
  const fill = item.fill;
  if (typeof fill === "string") {
    ctx.fillStyle = fill; ctx.fillRect(0, 0, item.cols, item.rows);
  } else {
    const image = ctx.createImageData(item.cols, item.rows);
    const { palette, index } = colours(fill);
    const rgb = palette.map((h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)));
    index.forEach((p, i) => {
      image.data.set(rgb[p], 4 * i);
      image.data[4 * i + 3] = 255;
    });
    ctx.putImageData(image, 0, 0);
  }
  return canvas.toDataURL();
}

// The picture is a flat list of SVG elements, each [key, tag, attributes, text]. A new scene
// is laid over the elements already drawn: an element whose key and tag are already there
// keeps its node and changes only the attributes and text that differ. A slider move changes
// numbers and colours, rarely the cells themselves, so the browser restyles and lays out only
// what changed instead of a whole new picture (innerHTML), which cost the page more than the
// kernel's round trip.
//
// A grid's cells are one path per colour and its cell lines one more path, not a rectangle
// each: a few elements for any number of cells (the receptive field's maps drew 691
// rectangles, and laying them out was most of a slider move's time in the page).
function drawGrid(item, key, X, Y, unit, out) {
  const cell = unit * item.scale;
  const x = X(item.x), y = Y(item.y), w = item.cols * cell, h = item.rows * cell;
  const n = item.rows * item.cols;
  const plain = !item.lines && !(item.labels.length && item.font);
  const fills = colours(item.fill);
  if (plain && n > 64) {
    out.push([`${key}/image`, "image", { x: fmt(x), y: fmt(y), width: fmt(w), height: fmt(h),
      preserveAspectRatio: "none", style: "image-rendering:pixelated", href: gridImage(item) }]);
  } else if (!fills) {
    out.push([`${key}/fill`, "rect", { x: fmt(x), y: fmt(y), width: fmt(w), height: fmt(h),
      fill: item.fill }]);
  } else {
    const parts = fills.palette.map(() => []);
    const side = fmt(cell);
    for (let i = 0; i < n; i++) {
      const r = Math.floor(i / item.cols), c = i % item.cols;
      parts[fills.index[i]].push(`M${fmt(x + c * cell)} ${fmt(y + r * cell)}h${side}v${side}h-${side}z`);
    }
    parts.forEach((d, p) => {
      if (d.length) out.push([`${key}/fill${p}`, "path", { d: d.join(""), fill: fills.palette[p] }]);
    });
  }
  if (item.lines) {
    const d = [];
    for (let r = 0; r <= item.rows; r++) d.push(`M${fmt(x)} ${fmt(y + r * cell)}h${fmt(w)}`);
    for (let c = 0; c <= item.cols; c++) d.push(`M${fmt(x + c * cell)} ${fmt(y)}v${fmt(h)}`);
    out.push([`${key}/lines`, "path", { d: d.join(""), fill: "none", stroke: "#b0b0b0",
      "stroke-width": "0.5" }]);
  }
  if (item.border) {
    out.push([`${key}/border`, "rect", { x: fmt(x), y: fmt(y), width: fmt(w), height: fmt(h),
      fill: "none", stroke: item.border, "stroke-width": "1.5" }]);
  }
  if (item.labels.length && item.font) {
    for (let i = 0; i < item.labels.length; i++) {
      if (item.labels[i] === "") continue;
      const r = Math.floor(i / item.cols), c = i % item.cols;
      out.push([`${key}/${i}`, "text", { class: "cl-scene-number", x: fmt(x + (c + 0.5) * cell),
        y: fmt(y + (r + 0.5) * cell), "font-size": `${item.font}px`, "text-anchor": "middle",
        "dominant-baseline": "central",
        fill: typeof item.ink === "string" ? item.ink : item.ink[i] }, String(item.labels[i])]);
    }
  }
}

const BASELINE = { middle: "central", top: "hanging", bottom: "auto" };

function points(pts, X, Y) {
  return pts.map(([a, b]) => `${fmt(X(a))},${fmt(Y(b))}`).join(" ");
}

// Lines of one stroke, and solid rectangles of one fill and outline, that follow each other
// in the scene are drawn as one path: the groups explorer's connections and channel squares
// are a few elements, not one each to move every time a slider moves them all. (A
// dashed outline keeps its own element: a dash pattern starts anew on each piece of a path.)
function runStyle(item) {
  if (item.t === "line") return `line ${item.colour} ${item.width} ${item.opacity}`;
  if (item.t === "rect" && !item.dash) {
    return `rect ${item.fill || "none"} ${item.stroke || "none"} ${item.width}`;
  }
  return null;
}

function runPath(items, X, Y, cell) {
  return items.map((item) => {
    if (item.t === "line") {
      return item.pts.map(([a, b], i) => `${i ? "L" : "M"}${fmt(X(a))} ${fmt(Y(b))}`).join("");
    }
    const w = fmt(item.w * cell), h = fmt(item.h * cell);
    return `M${fmt(X(item.x))} ${fmt(Y(item.y))}h${w}v${h}h${-w}z`;
  }).join("");
}

// The scene's elements, in drawing order.
function elements(scene) {
  const cell = scene.cell, X = (v) => scene.ox + v * cell, Y = (v) => scene.oy + v * cell;
  const items = scene.items || [];
  const out = [];
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    const style = runStyle(item);
    if (style !== null) {
      let end = k + 1;
      while (end < items.length && runStyle(items[end]) === style) end++;
      const d = runPath(items.slice(k, end), X, Y, cell);
      out.push([`${k}`, "path", item.t === "line"
        ? { d, fill: "none", stroke: item.colour, "stroke-width": item.width,
          "stroke-opacity": item.opacity }
        : { d, fill: item.fill || "none", stroke: item.stroke || "none",
          "stroke-width": item.width }]);
      k = end - 1;
      continue;
    }
    switch (item.t) {
      case "grid": drawGrid(item, `${k}`, X, Y, cell, out); break;
      case "rect": {   // dashed
        out.push([`${k}`, "rect", { x: fmt(X(item.x)), y: fmt(Y(item.y)),
          width: fmt(item.w * cell), height: fmt(item.h * cell), fill: item.fill || "none",
          stroke: item.stroke || "none", "stroke-width": item.width,
          "stroke-dasharray": "4 3" }]);
        break;
      }
      case "poly":
        out.push([`${k}`, "polygon", { points: points(item.pts, X, Y), fill: item.fill, stroke: "none" }]);
        break;
      case "dot":
        out.push([`${k}`, "circle", { cx: fmt(X(item.x)), cy: fmt(Y(item.y)), r: item.r,
          fill: item.colour }]);
        break;
      case "text": {
        const a = { class: "cl-scene-text", x: fmt(X(item.x)), y: fmt(Y(item.y) + item.dy),
          "font-size": `${item.size}px`, fill: item.colour, "text-anchor": item.anchor,
          "dominant-baseline": BASELINE[item.baseline] || "central" };
        if (item.bold) a["font-weight"] = "bold";
        out.push([`${k}`, "text", a, String(item.s)]);
        break;
      }
    }
  }
  return out;
}

// Lay `wanted` ([key, tag, attributes, text] each) over the children of `svg`: a node of the
// same key and tag is kept and changes only what differs (it remembers what it was given); a
// node whose key is no longer wanted, or was already placed, is removed where it stands, so
// one element more or less shifts nothing after it.
function draw(scene, svg) {
  const wanted = elements(scene);
  const pending = new Set(wanted.map((w) => w[0]));
  let node = svg.firstChild;
  const drop = () => { const next = node.nextSibling; svg.removeChild(node); node = next; };
  for (const [key, tag, attrs, text] of wanted) {
    while (node && (!pending.has(node.__key) || (node.__key === key && node.localName !== tag))) {
      drop();
    }
    let target = node;
    if (node && node.__key === key) {
      node = node.nextSibling;
    } else {
      target = document.createElementNS(NS, tag);
      target.__cl = {};
      target.__key = key;
      svg.insertBefore(target, node);
    }
    pending.delete(key);
    const had = target.__cl;
    for (const name in had) if (!(name in attrs)) target.removeAttribute(name);
    for (const name in attrs) {
      const value = String(attrs[name]);
      if (had[name] !== value) target.setAttribute(name, value);
      attrs[name] = value;
    }
    target.__cl = attrs;
    if (text !== undefined && target.textContent !== text) target.textContent = text;
  }
  while (node) drop();
}

// New HTML laid over a text box's nodes: a node of the same kind and attributes is kept and
// its text changes only where it differs, so the lines a slider move leaves alone (the Korean
// words of a readout among them) are not laid out again.
function sameKind(a, b) {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
  if (a.nodeType !== Node.ELEMENT_NODE) return true;
  if (a.attributes.length !== b.attributes.length) return false;
  for (const { name, value } of b.attributes) if (a.getAttribute(name) !== value) return false;
  return true;
}

function patch(parent, source) {
  let node = parent.firstChild;
  for (const want of Array.from(source.childNodes)) {
    if (node && sameKind(node, want)) {
      if (want.nodeType === Node.ELEMENT_NODE) patch(node, want);
      else if (node.nodeValue !== want.nodeValue) node.nodeValue = want.nodeValue;
      node = node.nextSibling;
    } else {
      parent.insertBefore(want, node);
    }
  }
  while (node) { const next = node.nextSibling; parent.removeChild(node); node = next; }
}

function morph(box, html) {
  const fresh = document.createElement("template");
  fresh.innerHTML = html;
  patch(box, fresh.content);
}

// The picture, then the colour key and the readout: the readout comes in the same message as
// the picture it describes. The two text boxes carry ipywidgets' HTML class, so the course's
// styles (the projector's font sizes) apply to them as to any HTML widget.
function textBox(className) {
  const box = document.createElement("div");
  box.className = `${className} widget-html-content`;
  return box;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "convlab-scene";
  root.setAttribute("role", "img");
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("xmlns", NS);
  svg.style.fontFamily = "var(--jp-ui-font-family, sans-serif)";
  svg.style.display = "block";
  root.appendChild(svg);
  const key = textBox("convlab-key");
  const readout = textBox("convlab-readout-view");
  readout.style.minHeight = "3em";
  el.append(root, key, readout);

  function update() {
    const raw = model.get("scene");
    const scene = (typeof raw === "string" ? JSON.parse(raw) : raw) || {};   // JSON text
    const label = model.get("label");
    if (label) root.setAttribute("aria-label", label);
    if (!scene.items) { svg.innerHTML = ""; root.dataset.frame = ""; return; }
    const size = `${scene.width} ${scene.height}`;
    if (svg.dataset.size !== size) {       // the same box: nothing to restyle
      svg.dataset.size = size;
      svg.setAttribute("width", scene.width);
      svg.setAttribute("height", scene.height);
      svg.setAttribute("viewBox", `0 0 ${size}`);
      root.style.width = `${scene.width}px`;
      root.style.height = `${scene.height}px`;
    }
    draw(scene, svg);
    root.dataset.frame = String(scene.frame);
  }

  const shown = { key: null, readout: null };   // the HTML each box shows now
  const text = () => {
    for (const [name, box] of [["key", key], ["readout", readout]]) {
      const html = model.get(name);
      if (shown[name] !== html) { morph(box, html); shown[name] = html; }
    }
  };
  model.on("change:scene", update);
  model.on("change:label", update);
  model.on("change:key change:readout", text);
  text();
  update();
}

export default { render };
