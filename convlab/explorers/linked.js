// Linked cells, drawn and answered in the browser (convlab.explorers.linked, lessons 02-03).
// The kernel sends one `data` object per setting; hovering, tapping and arrow keys are
// answered here, with no round trip, so a highlight follows the pointer within a frame.

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

function render({ model, el }) {
  addStyle(el);
  const root = document.createElement("div");
  root.className = "cl-linked convlab-linked";
  el.appendChild(root);
  let cells = [];        // cells[panel][index] -> div
  let readers = [];      // readers[panel][index] -> output indices reading that cell
  let data = null;
  let current = -1;      // the output cell shown (keyboard / tap), -1: none
  let sum = null;
  let grid = null;

  function clear() {
    for (const panel of cells) for (const c of panel) c.classList.remove("cl-hl", "cl-current");
  }

  function showOutput(k) {
    clear();
    if (!data || k < 0 || k >= data.sums.length) { sum.textContent = ""; return; }
    const target = cells[data.target][k];
    target.classList.add("cl-current");
    for (const [p, i] of data.links[k]) cells[p][i].classList.add("cl-hl");
    sum.textContent = data.sums[k];
    root.dataset.current = String(k);
  }

  function showInput(p, i) {
    clear();
    cells[p][i].classList.add("cl-current");
    const outs = readers[p][i];
    for (const k of outs) cells[data.target][k].classList.add("cl-hl");
    sum.textContent = data.readers_text.replace("{n}", String(outs.length));
  }

  function build() {
    const raw = model.get("data");
    data = typeof raw === "string" ? JSON.parse(raw) : raw;   // sent as JSON text
    root.replaceChildren();
    cells = []; readers = [];
    if (!data || !data.panels) return;
    root.style.setProperty("--cl-padding-bg", data.colours.padding_bg);
    root.style.setProperty("--cl-dropped-bg", data.colours.dropped_bg);
    root.style.setProperty("--cl-hl", data.colours.highlight);
    root.style.setProperty("--cl-current", data.colours.current);
    const row = document.createElement("div");
    row.className = "cl-row";
    root.appendChild(row);
    data.panels.forEach((panel, p) => {
      const box = document.createElement("div");
      const title = document.createElement("div");
      title.className = "cl-panel-title";
      title.style.color = panel.colour;
      title.textContent = panel.title;
      const g = document.createElement("div");
      g.className = "cl-grid";
      g.dataset.panel = panel.id;
      g.style.gridTemplateColumns = `repeat(${panel.cols}, auto)`;
      g.setAttribute("role", "group");
      g.setAttribute("aria-label", panel.title);
      const list = [];
      for (let i = 0; i < panel.rows * panel.cols; i++) {
        const c = document.createElement("div");
        c.className = "cl-cell" + (panel.kinds[i] ? " cl-" + panel.kinds[i] : "");
        if (!panel.kinds[i]) c.style.background = panel.fill;
        c.textContent = panel.labels[i];
        c.dataset.row = String(Math.floor(i / panel.cols));
        c.dataset.col = String(i % panel.cols);
        c.dataset.index = String(i);
        if (p === data.target) {
          c.addEventListener("pointerenter", () => { current = i; showOutput(i); });
          c.addEventListener("click", () => { current = i; showOutput(i); grid.focus(); });
        } else {
          c.addEventListener("pointerenter", () => showInput(p, i));
        }
        g.appendChild(c);
        list.push(c);
      }
      cells.push(list);
      readers.push(list.map(() => []));
      box.append(title, g);
      row.appendChild(box);
      if (p === data.target) {
        grid = g;
        g.tabIndex = 0;
        g.setAttribute("aria-label", data.grid_label);
        g.addEventListener("keydown", (event) => {
          const cols = panel.cols, n = panel.rows * panel.cols;
          let k = current < 0 ? 0 : current;
          const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols };
          if (!(event.key in moves)) return;
          event.preventDefault();
          event.stopPropagation();
          const next = k + moves[event.key];
          const sameRow = Math.floor(next / cols) === Math.floor(k / cols);
          if (current >= 0 && next >= 0 && next < n && (Math.abs(moves[event.key]) > 1 || sameRow)) k = next;
          current = k;
          showOutput(k);
        });
        g.addEventListener("focus", () => { if (current < 0) { current = 0; } showOutput(current); });
      }
    });
    data.links.forEach((sources, k) => {
      for (const [p, i] of sources) readers[p][i].push(k);
    });
    sum = document.createElement("div");
    sum.className = "cl-sum";
    sum.setAttribute("aria-live", "polite");
    const hint = document.createElement("div");
    hint.className = "cl-hint";
    hint.textContent = data.hint;
    root.append(sum, hint);
    root.addEventListener("pointerleave", () => {
      if (current >= 0 && current < data.sums.length) showOutput(current); else { clear(); sum.textContent = ""; }
    });
    if (current >= data.sums.length) current = -1;
    if (current >= 0) showOutput(current);
  }

  model.on("change:data", build);
  build();
}

export default { render };
