// Linked cells, drawn and answered in the browser (convlab.explorers.linked, lessons 02-03, 09).
// The kernel sends one `data` object per setting; hovering, tapping and arrow keys are
// answered here, with no round trip, so a highlight follows the pointer within a frame.
// A new setting updates the cells in place (numbers, colours, links); a grid that changes size
// gains or loses cells at its end; nothing is torn down and rebuilt.

const CSS = `
.cl-linked { font-family: var(--jp-ui-font-family, sans-serif); font-size: 12px; }
.cl-linked .cl-row { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.cl-linked .cl-panel-title { font-size: 12px; margin: 2px 0 3px; font-weight: 600; }
.cl-linked .cl-grid { display: grid; gap: 1px; }
.cl-linked .cl-cell { min-width: 26px; height: 22px; line-height: 22px; text-align: center;
  font-size: 11px; font-family: var(--jp-code-font-family, monospace); color: #111;
  border: 1px solid #d0d0d0; box-sizing: border-box; cursor: default; user-select: none; }
.cl-linked .cl-cell.cl-padding { background: var(--cl-padding-bg); border-style: dashed; }
.cl-linked .cl-cell.cl-dropped { background: var(--cl-dropped-bg); }
.cl-linked .cl-cell.cl-hl { outline: 3px solid var(--cl-hl); outline-offset: -3px; font-weight: 700; }
.cl-linked .cl-cell.cl-current { outline: 3px solid var(--cl-current); outline-offset: -3px; }
.cl-linked .cl-grid:focus { outline: 2px solid #222; outline-offset: 2px; }
.cl-linked .cl-sum { margin-top: 6px; min-height: 1.5em; font-size: 12px;
  font-family: var(--jp-code-font-family, monospace); white-space: pre-wrap; }
.cl-linked .cl-hint { font-size: 11px; color: #444; margin-top: 2px; }
`;

function addStyle(el) {
  const style = document.createElement("style");
  style.textContent = CSS;
  el.appendChild(style);
}

// One output cell's sentence from a template (convlab.explorers.linked.sentence): {row},
// {col}, {k}, per-row and per-column values, nested parts; a missing value gives `empty`.
function fill(spec, row, col, k) {
  const values = { row, col, k };
  for (const [table, at] of [[spec.rows, row], [spec.cols, col]]) {
    if (!table) continue;
    for (const name in table) {
      const v = table[name][at];
      if (v === null || v === undefined) return spec.empty;
      values[name] = v;
    }
  }
  for (const name in spec.parts || {}) values[name] = fill(spec.parts[name], row, col, k);
  return spec.template.replace(/\{(\w+)\}/g,
                              (m, name) => (name in values ? String(values[name]) : m));
}

// Text and attributes are written only when they differ: writing the same words again still
// makes the browser lay them out again, and a new setting keeps most of them (titles, hints).
function setText(node, value) {
  if (node.textContent !== value) node.textContent = value;
}

function setAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

// The entry of a per-row (or per-column) list for index i: one entry serves them all.
const at = (list, i) => (list.length > 1 ? list[i] : list[0]);

function render({ model, el }) {
  addStyle(el);
  const root = document.createElement("div");
  root.className = "cl-linked convlab-linked";
  const row = document.createElement("div");
  row.className = "cl-row";
  const sum = document.createElement("div");
  sum.className = "cl-sum";
  sum.setAttribute("aria-live", "polite");
  const hint = document.createElement("div");
  hint.className = "cl-hint";
  root.append(row, sum, hint);
  el.appendChild(root);
  const boxes = [];      // one per panel: {box, title, grid, cells}
  let data = null;
  let count = 0;         // output cells
  let current = -1;      // the output cell shown (keyboard / tap), -1: none
  let lit = [];          // cells highlighted now
  let readers = null;    // built on the first input hover of a setting

  function clear() {
    for (const c of lit) c.classList.remove("cl-hl", "cl-current");
    lit = [];
  }

  // A lit cell says its row and column (data-row, data-col), set here rather than on every
  // cell of a grid that changed width: a resize renumbers nothing.
  function light(cell, name) {
    const cols = Number(cell.parentNode.dataset.cols), i = Number(cell.dataset.index);
    cell.dataset.row = String(Math.floor(i / cols));
    cell.dataset.col = String(i % cols);
    cell.classList.add(name);
    lit.push(cell);
  }

  function outputCols() { return data.panels[data.target].cols; }

  function showOutput(k) {
    clear();
    if (!data || k < 0 || k >= count) { sum.textContent = ""; return; }
    light(boxes[data.target].cells[k], "cl-current");
    for (const [p, i] of (data.links ? data.links[k] : [])) light(boxes[p].cells[i], "cl-hl");
    const r = Math.floor(k / outputCols()), c = k % outputCols();
    for (const block of data.products || []) {
      const cells = boxes[block.panel].cells, width = data.panels[block.panel].cols;
      for (const i of at(block.rows, r)) {
        for (const j of at(block.cols, c)) light(cells[i * width + j], "cl-hl");
      }
    }
    sum.textContent = Array.isArray(data.sums) ? data.sums[k] : fill(data.sums, r, c, k);
    root.dataset.current = String(k);
  }

  // readers.links[p][i]: output cells listing (p, i); readers.products[b]: for each input
  // row (column) of block b, the output rows (columns) that read it.
  function buildReaders() {
    readers = { links: data.panels.map(() => new Map()), products: [] };
    (data.links || []).forEach((sources, k) => {
      for (const [p, i] of sources) {
        const m = readers.links[p];
        if (!m.has(i)) m.set(i, []);
        m.get(i).push(k);
      }
    });
    for (const block of data.products || []) {
      const panel = data.panels[block.panel], out = data.panels[data.target];
      const invert = (lists, size, outSize) => {
        const by = Array.from({ length: size }, () => []);
        for (let o = 0; o < outSize; o++) for (const i of at(lists, o)) by[i].push(o);
        return by;
      };
      readers.products.push({ rows: invert(block.rows, panel.rows, out.rows),
                              cols: invert(block.cols, panel.cols, out.cols) });
    }
  }

  function showInput(p, i) {
    clear();
    if (!readers) buildReaders();
    light(boxes[p].cells[i], "cl-current");
    const outs = new Set(readers.links[p].get(i) || []);
    const width = data.panels[p].cols, cols = outputCols();
    (data.products || []).forEach((block, b) => {
      if (block.panel !== p) return;
      const { rows: byRow, cols: byCol } = readers.products[b];
      for (const r of byRow[Math.floor(i / width)]) {
        for (const c of byCol[i % width]) outs.add(r * cols + c);
      }
    });
    const cells = boxes[data.target].cells;
    for (const k of outs) light(cells[k], "cl-hl");
    sum.textContent = data.readers_text.replace("{n}", String(outs.size));
  }

  function cellOf(event) {
    const cell = event.target;
    return cell.classList && cell.classList.contains("cl-cell") ? cell : null;
  }

  // One panel's box, its grid answering the pointer and the keyboard for all its cells
  // (whatever panel it shows after later updates).
  function newBox() {
    const box = document.createElement("div");
    const title = document.createElement("div");
    title.className = "cl-panel-title";
    const grid = document.createElement("div");
    grid.className = "cl-grid";
    grid.setAttribute("role", "group");
    box.append(title, grid);
    const entry = { box, title, grid, cells: [] };
    const place = () => boxes.indexOf(entry);
    // pointerenter does not bubble: the capture phase sees it on its way to each cell
    grid.addEventListener("pointerenter", (event) => {
      const cell = cellOf(event);
      if (!cell || !data) return;
      const p = place(), i = Number(cell.dataset.index);
      if (p === data.target) { current = i; showOutput(i); } else showInput(p, i);
    }, true);
    grid.addEventListener("click", (event) => {
      const cell = cellOf(event);
      if (!cell || !data || place() !== data.target) return;
      current = Number(cell.dataset.index);
      showOutput(current);
      grid.focus();
    });
    grid.addEventListener("keydown", (event) => {
      if (!data || place() !== data.target) return;
      const cols = outputCols();
      const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols };
      if (!(event.key in moves)) return;
      event.preventDefault();
      event.stopPropagation();
      let k = current < 0 ? 0 : current;
      const next = k + moves[event.key];
      const sameRow = Math.floor(next / cols) === Math.floor(k / cols);
      const inside = next >= 0 && next < count && (Math.abs(moves[event.key]) > 1 || sameRow);
      if (current >= 0 && inside) k = next;
      current = k;
      showOutput(k);
    });
    grid.addEventListener("focus", () => {
      if (!data || place() !== data.target) return;
      if (current < 0) current = 0;
      showOutput(current);
    });
    return entry;
  }

  // Make box `entry` show `panel`: cells added or removed at the end, the rest updated in
  // place, and only where something changed (blank cells of the same colour: none of them).
  function show(entry, panel, p) {
    const { title, grid, cells } = entry;
    if (entry.colour !== panel.colour) { title.style.color = panel.colour; entry.colour = panel.colour; }
    setText(title, panel.title);
    setAttr(grid, "data-panel", String(panel.id));
    if (grid.dataset.cols !== String(panel.cols)) {
      grid.dataset.cols = String(panel.cols);
      grid.style.gridTemplateColumns = `repeat(${panel.cols}, auto)`;
    }
    const target = p === data.target;
    setAttr(grid, "aria-label", target ? data.grid_label : panel.title);
    if (target) setAttr(grid, "tabindex", "0"); else grid.removeAttribute("tabindex");
    const n = panel.rows * panel.cols;
    while (cells.length > n) cells.pop().remove();
    const kept = cells.length;
    const added = document.createDocumentFragment();
    while (cells.length < n) {
      const c = document.createElement("div");
      c.dataset.index = String(cells.length);
      cells.push(c);
      added.appendChild(c);
    }
    grid.appendChild(added);
    const blank = !panel.kinds && !panel.labels;
    const same = blank && entry.blank && entry.fill === panel.fill;
    for (let i = same ? kept : 0; i < n; i++) {
      const c = cells[i];
      const kind = panel.kinds ? panel.kinds[i] : "";
      const name = kind ? "cl-cell cl-" + kind : "cl-cell";
      if (c.className !== name) c.className = name;
      const background = kind ? "" : panel.fill;   // kept as given: the style reads as rgb()
      if (c.clFill !== background) { c.style.background = background; c.clFill = background; }
      const label = panel.labels ? panel.labels[i] : "";
      if (c.textContent !== label) c.textContent = label;
    }
    Object.assign(entry, { blank, fill: panel.fill });
  }

  function update() {
    const raw = model.get("data");
    data = typeof raw === "string" ? JSON.parse(raw) : raw;   // sent as JSON text
    readers = null;
    clear();
    if (!data || !data.panels) {
      data = null;
      count = 0;
      while (boxes.length) boxes.pop().box.remove();
      sum.textContent = hint.textContent = "";
      return;
    }
    for (const [name, colour] of [["--cl-padding-bg", data.colours.padding_bg],
      ["--cl-dropped-bg", data.colours.dropped_bg], ["--cl-hl", data.colours.highlight],
      ["--cl-current", data.colours.current]]) {
      if (root.style.getPropertyValue(name) !== colour) root.style.setProperty(name, colour);
    }
    while (boxes.length > data.panels.length) boxes.pop().box.remove();
    data.panels.forEach((panel, p) => {
      if (p === boxes.length) {
        boxes.push(newBox());
        row.appendChild(boxes[p].box);
      }
      show(boxes[p], panel, p);
    });
    const out = data.panels[data.target];
    count = out.rows * out.cols;
    setText(hint, data.hint);
    if (current >= count) current = -1;
    if (current >= 0) showOutput(current); else setText(sum, "");
  }

  root.addEventListener("pointerleave", () => {
    if (data && current >= 0 && current < count) showOutput(current);
    else { clear(); sum.textContent = ""; }
  });
  model.on("change:data", update);
  update();
}

export default { render };
