// The line of PyTorch for the explorer's current setting, with a copy button
// (convlab.explorers.linked.CodeLine). Copying needs no kernel: the text is already here.

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "convlab-code-line";
  box.style.cssText = "display:flex;gap:8px;align-items:center;margin:4px 0;font-size:12px";
  const code = document.createElement("code");
  code.style.cssText = "font-family:var(--jp-code-font-family,monospace);font-size:12px;" +
    "background:#f3f3f3;padding:2px 6px;border-radius:3px;white-space:pre-wrap";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "convlab-copy jupyter-button";
  button.style.cssText = "font-size:12px;min-width:5em";
  const status = document.createElement("span");
  status.setAttribute("aria-live", "polite");
  status.style.cssText = "font-size:12px;color:#2a6a2a";
  box.append(code, button, status);
  el.appendChild(box);

  // Only what differs is written: the same words written again are laid out again.
  function update() {
    const set = (node, name, value) => { if (node[name] !== value) node[name] = value; };
    set(code, "textContent", model.get("line"));
    set(button, "textContent", model.get("button"));
    if (button.getAttribute("aria-label") !== model.get("button_label")) {
      button.setAttribute("aria-label", model.get("button_label"));
    }
    set(button, "disabled", !model.get("copy_text"));
    set(button, "title", button.disabled ? model.get("disabled_reason") : model.get("button_label"));
    set(status, "textContent", "");
  }

  async function copy() {
    const value = model.get("copy_text");
    try {
      await navigator.clipboard.writeText(value);
    } catch (error) {   // no clipboard permission: copy through a selected text area
      const area = document.createElement("textarea");
      area.value = value;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    box.dataset.copied = value;
    status.textContent = model.get("copied");
  }

  button.addEventListener("click", copy);
  model.on("change", update);
  update();
  nameControls(el);
}

// ipywidgets shows each control's label but does not tie it to the slider handle, menu or
// box a screen reader lands on: give those the visible label (in the student's language) as
// their accessible name, now and whenever the explorer's controls are redrawn.
function nameControls(el) {
  let explorer = null;
  const apply = () => {
    explorer = explorer || el.closest(".convlab-explorer");
    if (!explorer) return false;
    for (const row of explorer.querySelectorAll(".widget-inline-hbox")) {
      const label = row.querySelector(":scope > .widget-label");
      const name = label && label.textContent.trim();
      if (!name) continue;
      for (const target of row.querySelectorAll(".noUi-handle, select, input")) {
        if (target.getAttribute("aria-label") !== name) target.setAttribute("aria-label", name);
      }
    }
    return true;
  };
  const start = () => {
    if (!apply()) { requestAnimationFrame(start); return; }
    new MutationObserver(apply).observe(explorer, { childList: true, subtree: true });
  };
  requestAnimationFrame(start);
}

export default { render };
