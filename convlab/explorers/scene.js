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

// The picture is a flat list of SVG elements, each [tag, attributes, text]. A new scene is
// laid over the elements already drawn, one by one: an element of the same kind keeps its
// node and changes only the attributes and text that differ. A slider move changes numbers
// and colours, rarely the cells themselves, so the browser restyles and lays out only what
// changed instead of a whole new picture (innerHTML), which cost the page more than the
// kernel's round trip.
function drawGrid(item, X, Y, unit, out) {
  const cell = unit * item.scale;
  const x = X(item.x), y = Y(item.y), w = item.cols * cell, h = item.rows * cell;
  const n = item.rows * item.cols;
  const plain = !item.lines && !(item.labels.length && item.font);
  if (plain && n > 64) {
    out.push(["image", { x: fmt(x), y: fmt(y), width: fmt(w), height: fmt(h),
      preserveAspectRatio: "none", style: "image-rendering:pixelated", href: gridImage(item) }]);
  } else {
    const fills = colours(item.fill);
    for (let i = 0; i < n; i++) {
      const r = Math.floor(i / item.cols), c = i % item.cols;
      const a = { x: fmt(x + c * cell), y: fmt(y + r * cell), width: fmt(cell), height: fmt(cell),
        fill: fills ? fills.palette[fills.index[i]] : item.fill };
      if (item.lines) { a.stroke = "#b0b0b0"; a["stroke-width"] = "0.5"; }
      out.push(["rect", a]);
    }
  }
  if (item.border) {
    out.push(["rect", { x: fmt(x), y: fmt(y), width: fmt(w), height: fmt(h), fill: "none",
      stroke: item.border, "stroke-width": "1.5" }]);
  }
  if (item.labels.length && item.font) {
    for (let i = 0; i < item.labels.length; i++) {
      if (item.labels[i] === "") continue;
      const r = Math.floor(i / item.cols), c = i % item.cols;
      out.push(["text", { class: "cl-scene-number", x: fmt(x + (c + 0.5) * cell),
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

// The scene's elements, in drawing order.
function elements(scene) {
  const cell = scene.cell, X = (v) => scene.ox + v * cell, Y = (v) => scene.oy + v * cell;
  const out = [];
  for (const item of scene.items || []) {
    switch (item.t) {
      case "grid": drawGrid(item, X, Y, cell, out); break;
      case "rect": {
        const a = { x: fmt(X(item.x)), y: fmt(Y(item.y)), width: fmt(item.w * cell),
          height: fmt(item.h * cell), fill: item.fill || "none", stroke: item.stroke || "none",
          "stroke-width": item.width };
        if (item.dash) a["stroke-dasharray"] = "4 3";
        out.push(["rect", a]);
        break;
      }
      case "line":
        out.push(["polyline", { points: points(item.pts, X, Y), fill: "none",
          stroke: item.colour, "stroke-width": item.width, "stroke-opacity": item.opacity }]);
        break;
      case "poly":
        out.push(["polygon", { points: points(item.pts, X, Y), fill: item.fill, stroke: "none" }]);
        break;
      case "dot":
        out.push(["circle", { cx: fmt(X(item.x)), cy: fmt(Y(item.y)), r: item.r,
          fill: item.colour }]);
        break;
      case "text": {
        const a = { class: "cl-scene-text", x: fmt(X(item.x)), y: fmt(Y(item.y) + item.dy),
          "font-size": `${item.size}px`, fill: item.colour, "text-anchor": item.anchor,
          "dominant-baseline": BASELINE[item.baseline] || "central" };
        if (item.bold) a["font-weight"] = "bold";
        out.push(["text", a, String(item.s)]);
        break;
      }
    }
  }
  return out;
}

// Lay `wanted` ([tag, attributes, text] each) over the children of `svg`, keeping every node
// whose tag matches and changing only what differs (each node remembers what it was given).
function draw(scene, svg) {
  const wanted = elements(scene);
  let node = svg.firstChild;
  for (const [tag, attrs, text] of wanted) {
    if (!node || node.localName !== tag) {
      const fresh = document.createElementNS(NS, tag);
      fresh.__cl = {};
      svg.insertBefore(fresh, node);
      node = fresh;
    }
    const had = node.__cl || {};
    for (const name in had) if (!(name in attrs)) node.removeAttribute(name);
    for (const name in attrs) {
      const value = String(attrs[name]);
      if (had[name] !== value) node.setAttribute(name, value);
      attrs[name] = value;
    }
    node.__cl = attrs;
    if (text !== undefined && node.textContent !== text) node.textContent = text;
    node = node.nextSibling;
  }
  while (node) { const next = node.nextSibling; svg.removeChild(node); node = next; }
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
    svg.setAttribute("width", scene.width);
    svg.setAttribute("height", scene.height);
    svg.setAttribute("viewBox", `0 0 ${scene.width} ${scene.height}`);
    root.style.width = `${scene.width}px`;
    root.style.height = `${scene.height}px`;
    draw(scene, svg);
    root.dataset.frame = String(scene.frame);
  }

  const text = () => {
    if (key.innerHTML !== model.get("key")) key.innerHTML = model.get("key");
    readout.innerHTML = model.get("readout");
  };
  model.on("change:scene", update);
  model.on("change:label", update);
  model.on("change:key change:readout", text);
  text();
  update();
}

export default { render };
