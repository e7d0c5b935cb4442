"""The explorers in a real JupyterLab in Chromium: pictures follow a drag, hover links cells.

- every explorer of ``convlab.explorers.registry`` (so one added later is checked too), in both
  languages: while a slider's handle is held and swept, new pictures arrive (the speed is
  reported by ``benchmarks/bench_browser.py``, never asserted here), and every text the
  browser draws in its picture is at least 11 px;
- the sliding-window, groups and receptive-field explorers' linked view: hovering an output
  cell lights exactly the input cells ``convlab.conv.geometry`` says it reads, hovering an
  input cell lights every output cell that reads it, and arrow keys move the highlighted cell;
  a new setting updates the view's cells in place;
- a new setting changes the elements of a picture in place (the same nodes, new numbers), not a
  new picture, and rewrites only the changed words of its readout; a grid is a few elements
  (a path per colour), not one per cell, and lines drawn alike are one path;
- the page keeps its tab icon while the kernel works (the busy icon is left out: its swap held up
  every picture of a drag), and the kernel's progress shows in the status bar, not in the
  notebook's toolbar, which measured all its buttons again at each busy and idle status.

One JupyterLab, one notebook, one kernel; the harness is the benchmark's.
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

from convlab.conv.geometry import geometry, receptive_fields
from convlab.course.lab import running_lab
from convlab.figures import style
from convlab.explorers.registry import SETUP, demos

pytestmark = pytest.mark.browser

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_browser.py"
_spec = importlib.util.spec_from_file_location("bench_browser", BENCH)
harness = importlib.util.module_from_spec(_spec)
sys.modules["bench_browser"] = harness
_spec.loader.exec_module(harness)

#: The window explorer under the pointer: padding, stride and dilation all at work.
WINDOW = dict(height=5, width=6, kernel_size=(2, 3), stride=(2, 1), padding=(1, 1),
              dilation=(1, 2))
#: The receptive-field explorer under the pointer: two convolutions, the second with stride 2
#: and padding (no dilation, so each output cell reads every cell of its region).
RECEPTIVE = dict(size=10, layers=[{"kind": "conv", "kernel": 3},
                                  {"kind": "conv", "kernel": 3, "stride": 2, "padding": 1}])
CELLS = [SETUP,
         f"convlab.sliding_window_explorer('en', **{WINDOW!r})",
         "convlab.groups_explorer('ko', in_channels=6, out_channels=4, groups=2)",
         f"convlab.receptive_field_explorer('en', **{RECEPTIVE!r})"]
#: (explorer's place on the page, name, language, the slider dragged): every explorer of the
#: registry in both languages, after the two above (left at their setting for the hover tests).
DRAGGED = []
for _lang in ("en", "ko"):
    for _demo in demos():
        DRAGGED.append((len(CELLS) - 1, _demo.name, _lang, _demo.control))
        CELLS.append(_demo.source(_lang))
SHAPE = {lang: place for place, name, lang, _ in DRAGGED if name == "shape_explorer"}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if not os.path.exists(harness.CHROMIUM):
        message = f"Chromium not found at {harness.CHROMIUM}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("explorers")
    (root / "explorers.ipynb").write_text(json.dumps(harness.notebook(CELLS)))
    with running_lab(root) as (url, token), harness.chromium() as browser:
        page = harness.open_and_run(browser, url, token, "explorers.ipynb")
        page.wait_for_function("() => document.querySelectorAll('.convlab-explorer').length"
                               f" === {len(CELLS) - 1}", timeout=60_000)
        yield page
        page.close()


def _explorer(page, index: int):
    return page.locator(".convlab-explorer").nth(index)


@pytest.mark.parametrize("index", range(len(DRAGGED)),
                         ids=[f"{lang}/{name}" for _, name, lang, _ in DRAGGED])
def test_pictures_arrive_while_a_slider_is_dragged(page, index):
    place, name, lang, control = DRAGGED[index]
    explorer = _explorer(page, place)
    dragged = harness.drag(page, explorer, control, seconds=0.6, settle_ms=0)
    assert dragged["pictures"] >= 1, f"{lang}/{name}: no picture while {control} was dragged"


def test_a_new_setting_redraws_the_picture_in_place(page):
    explorer = _explorer(page, 0)            # the sliding window: a seed redraws every number
    scene = explorer.locator(".convlab-scene svg")
    before = scene.evaluate("""svg => { const nodes = [...svg.children];
      nodes.forEach((node, i) => { node.__mark = i; });
      return nodes.map(node => node.textContent); }""")
    assert len(harness.press_latencies(page, explorer, "seed", 1)) == 1
    kept, texts = scene.evaluate("""svg => [[...svg.children].filter((node, i) => node.__mark === i)
      .length, [...svg.children].map(node => node.textContent)]""")
    assert kept >= 0.9 * len(before), (kept, len(before))
    assert texts != before                   # and the numbers are the new seed's


def test_a_grid_is_a_few_elements_however_many_cells_it_has(page):
    # the receptive field at size 10: a 10 x 10 input with its cell lines, and the maps after
    # each layer; a rectangle a cell made hundreds of elements to restyle on every slider move
    explorer = _explorer(page, 2)
    elements = explorer.locator(".convlab-scene svg").evaluate("svg => svg.children.length")
    assert elements < RECEPTIVE["size"] ** 2, elements


def test_lines_drawn_alike_are_one_element(page):
    # the groups explorer at 6 inputs, 4 outputs and 2 groups: 12 connections in the kernel's
    # colour, all of which move when a channel count does
    svg = _explorer(page, 1).locator(".convlab-scene svg")
    drawn = svg.evaluate("svg => [...svg.children].map(e => [e.getAttribute('stroke'),"
                         " e.getAttribute('d')])")
    connections = [d for stroke, d in drawn if stroke == style.KERNEL]
    assert len(connections) == 1, drawn
    assert connections[0].count("M") == 6 * 4 // 2, connections


def test_a_new_setting_rewrites_only_the_changed_words_of_the_readout(page):
    explorer = _explorer(page, 0)            # the sliding window: a seed changes its numbers
    readout = explorer.locator(".convlab-readout-view")
    words = """box => { const nodes = [];
      const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      while (walk.nextNode()) nodes.push(walk.currentNode);
      return nodes; }"""
    before = readout.evaluate(f"box => ({words})(box).map((node, i) => {{ node.__mark = i;"
                              " return node.data; })")
    assert len(harness.press_latencies(page, explorer, "seed", 1)) == 1
    after = readout.evaluate(f"box => ({words})(box).map(node => [node.data, node.__mark])")
    assert [data for data, _ in after] != before                 # the new seed's numbers
    kept = [data for data, mark in after if mark is not None and before[mark] == data]
    assert kept, "every word of the readout was written anew"


def test_the_tab_icon_stays_put_while_a_slider_makes_the_kernel_busy(page):
    # the icon's links changing, or being added or taken away (other nodes of the head, such
    # as the styles a widget brings, come and go as they like)
    page.evaluate("""() => { window.__icon_changes = [];
      const icon = node => node.nodeName === 'LINK' && /icon/.test(node.rel + node.className);
      new MutationObserver(ms => { for (const m of ms) {
        const nodes = [m.target, ...m.addedNodes, ...m.removedNodes];
        if (nodes.some(icon)) window.__icon_changes.push(m.type + ' ' + m.attributeName); } })
        .observe(document.head, {subtree: true, childList: true, attributes: true,
                                 attributeFilter: ['rel', 'href']}); }""")
    explorer = _explorer(page, SHAPE["en"])
    pictures = len(harness.press_latencies(page, explorer, None, 3))   # busy, then idle, 3 times
    assert pictures == 3
    assert page.evaluate("window.__icon_changes") == []
    icons = page.evaluate("[...document.querySelectorAll('link[rel=\"icon\"]')]"
                          ".map(l => l.className)")
    assert len(icons) == 1 and "idle" in icons[0], icons


def test_the_kernel_at_work_shows_in_the_status_bar_and_leaves_the_notebook_toolbar_still(page):
    # In the toolbar, the execution indicator was drawn anew at each busy and idle status, and
    # the toolbar then measured every one of its buttons again (keyboard focus), 6-8 ms of the
    # page's time before it could draw the picture; the status bar shows it instead.
    page.evaluate("""() => { window.__toolbar = []; window.__status = [];
      const toolbar = document.querySelector('.jp-NotebookPanel-toolbar');
      new MutationObserver(ms => { for (const m of ms) window.__toolbar.push(m.type); })
        .observe(toolbar, {subtree: true, childList: true, attributes: true,
                           characterData: true});
      const shown = document.querySelector('.jp-Notebook-ExecutionIndicator');
      window.__where = shown && shown.closest('#jp-main-statusbar') ? 'status bar' : 'elsewhere';
      new MutationObserver(() => window.__status.push(shown.dataset.status))
        .observe(shown, {attributes: true, attributeFilter: ['data-status']}); }""")
    assert page.evaluate("window.__where") == "status bar"
    explorer = _explorer(page, SHAPE["en"])
    assert len(harness.press_latencies(page, explorer, None, 3)) == 3   # busy, then idle, 3 times
    assert page.evaluate("window.__toolbar") == []
    statuses = page.evaluate("window.__status")
    assert "busy" in statuses and statuses[-1] == "idle", statuses


#: Every text a browser-drawn picture shows, with its size on screen (px at the default zoom).
PICTURE_TEXT = """el => [...el.querySelectorAll('.convlab-scene svg text')]
  .filter(t => t.textContent.trim())
  .map(t => [t.textContent, t.getBoundingClientRect().height,
             parseFloat(getComputedStyle(t).fontSize)])"""


@pytest.mark.parametrize("index", range(len(DRAGGED)),
                         ids=[f"{lang}/{name}" for _, name, lang, _ in DRAGGED])
def test_text_in_every_picture_is_at_least_11_px(page, index):
    place, name, lang, _ = DRAGGED[index]
    explorer = _explorer(page, place)
    explorer.scroll_into_view_if_needed()
    assert explorer.locator(".convlab-scene").count(), f"{name}: no picture drawn by the browser"
    texts = explorer.evaluate(PICTURE_TEXT)
    assert texts, f"{lang}/{name}: a picture without a word"
    small = [(s, size) for s, _, size in texts if size < 11]
    assert not small, f"{lang}/{name}: {small[:5]}"


def _highlighted(view, panel: str) -> set[tuple[int, int]]:
    cells = view.locator(f".cl-grid[data-panel='{panel}'] .cl-cell.cl-hl")
    return {(int(r), int(c)) for r, c in cells.evaluate_all(
        "els => els.map(e => [e.dataset.row, e.dataset.col])")}


def _window_geometry():
    return geometry((WINDOW["height"], WINDOW["width"]), WINDOW["kernel_size"],
                    WINDOW["stride"], WINDOW["padding"], WINDOW["dilation"])


def test_hovering_an_output_cell_lights_the_cells_geometry_says_it_reads(page):
    geo = _window_geometry()
    view = _explorer(page, 0).locator(".convlab-linked")
    view.scroll_into_view_if_needed()
    out_h, out_w = geo.out_size
    assert view.locator(".cl-grid[data-panel='output'] .cl-cell").count() == out_h * out_w
    for r, c in [(0, 0), (out_h - 1, out_w - 1), (1, 2)]:
        view.locator(f".cl-grid[data-panel='output'] .cl-cell[data-index='{r * out_w + c}']"
                     ).hover()
        assert _highlighted(view, "input0") == set(geo.window(r, c))
        kh, kw = geo.kernel
        assert len(_highlighted(view, "kernel0")) == kh * kw
        assert f"output[0, 0, {r}, {c}]" in view.locator(".cl-sum").inner_text()


def test_hovering_an_input_cell_lights_every_output_that_reads_it(page):
    geo = _window_geometry()
    view = _explorer(page, 0).locator(".convlab-linked")
    out_h, out_w = geo.out_size
    hp, wp = geo.padded_size
    for cell in [(0, 0), (1, 2), (hp - 1, wp - 1), (2, 3)]:
        view.locator(f".cl-grid[data-panel='input0'] .cl-cell[data-index='{cell[0] * wp + cell[1]}']"
                     ).hover()
        readers = {(r, c) for r in range(out_h) for c in range(out_w) if cell in geo.window(r, c)}
        assert _highlighted(view, "output") == readers, cell


def test_arrow_keys_move_the_highlighted_output_cell(page):
    geo = _window_geometry()
    view = _explorer(page, 0).locator(".convlab-linked")
    grid = view.locator(".cl-grid[data-panel='output']")
    out_w = geo.out_size[1]
    grid.locator(".cl-cell").first.click()
    for key, (r, c) in [("ArrowRight", (0, 1)), ("ArrowDown", (1, 1)), ("ArrowLeft", (1, 0))]:
        page.mouse.move(0, 0)      # the pointer leaves: the keyboard's cell stays shown
        grid.press(key)
        assert view.get_attribute("data-current") == str(r * out_w + c)
        assert _highlighted(view, "input0") == set(geo.window(r, c))
    assert grid.get_attribute("tabindex") == "0" and grid.get_attribute("aria-label")


def test_groups_hover_lights_the_inputs_of_the_output_channels_group(page):
    view = _explorer(page, 1).locator(".convlab-linked")
    view.scroll_into_view_if_needed()
    for out in range(4):     # 6 inputs, 4 outputs, 2 groups: outputs 0-1 read inputs 0-2
        view.locator(f".cl-grid[data-panel='outputs'] .cl-cell[data-index='{out}']").hover()
        group = out // 2
        assert _highlighted(view, "inputs") == {(i, 0) for i in range(3 * group, 3 * group + 3)}
        assert "그룹" in view.locator(".cl-sum").inner_text()


def _receptive_regions(size: int) -> list[tuple[int, int]]:
    """Each output row's (= column's) input span, from the recurrence: ``receptive_fields``."""
    axes = [(spec["kernel"], spec.get("stride", 1), spec.get("padding", 0), 1)
            for spec in RECEPTIVE["layers"]]
    field = receptive_fields(axes)[-1]
    out = size
    for kernel, stride, padding, _ in axes:
        out = (out + 2 * padding - kernel) // stride + 1
    return [field.region(i, size) for i in range(out)]


def _check_receptive_hover(view, size: int) -> None:
    spans = _receptive_regions(size)
    out = len(spans)
    assert view.locator(".cl-grid[data-panel='output'] .cl-cell").count() == out * out
    assert view.locator(".cl-grid[data-panel='input'] .cl-cell").count() == size * size
    for r, c in [(0, 0), (out - 1, out - 1), (1, out - 2)]:
        view.locator(f".cl-grid[data-panel='output'] .cl-cell[data-index='{r * out + c}']").hover()
        (r0, r1), (c0, c1) = spans[r], spans[c]
        assert _highlighted(view, "input") == {(i, j) for i in range(r0, r1 + 1)
                                               for j in range(c0, c1 + 1)}, (r, c)
        said = view.locator(".cl-sum").inner_text()
        assert said.startswith(f"output[0, 0, {r}, {c}]: ")
        assert said.count(f"rows {r0}–{r1}, columns {c0}–{c1}") == 2, said   # gradient, formula
    for i, j in [(0, 0), (size // 2, 1), (size - 1, size - 1)]:
        view.locator(f".cl-grid[data-panel='input'] .cl-cell[data-index='{i * size + j}']").hover()
        readers = {(r, c) for r, (r0, r1) in enumerate(spans) for c, (c0, c1) in enumerate(spans)
                   if r0 <= i <= r1 and c0 <= j <= c1}
        assert _highlighted(view, "output") == readers, (i, j)
        assert view.locator(".cl-sum").inner_text().startswith(str(len(readers)))


def test_receptive_hover_lights_the_region_the_recurrence_gives(page):
    view = _explorer(page, 2).locator(".convlab-linked")
    view.scroll_into_view_if_needed()
    _check_receptive_hover(view, RECEPTIVE["size"])
    grid = view.locator(".cl-grid[data-panel='output']")
    grid.locator(".cl-cell").first.click()
    page.mouse.move(0, 0)      # the pointer leaves: the keyboard's cell stays shown
    grid.press("ArrowDown")    # to output cell (1, 0)
    spans = _receptive_regions(RECEPTIVE["size"])
    assert view.get_attribute("data-current") == str(len(spans))
    (r0, r1), (c0, c1) = spans[1], spans[0]
    assert _highlighted(view, "input") == {(i, j) for i in range(r0, r1 + 1)
                                           for j in range(c0, c1 + 1)}


def test_receptive_view_keeps_its_cells_when_the_input_grows(page):
    """A larger input adds cells to the grids; the cells already there stay (no rebuild)."""
    explorer = _explorer(page, 2)
    view = explorer.locator(".convlab-linked")
    before = view.evaluate("v => { const cells = v.querySelectorAll('.cl-cell');"
                           " cells.forEach(c => { c.clKept = true; }); return cells.length; }")
    handle = explorer.locator(".convlab-control-size .noUi-handle")
    handle.focus()
    handle.press("ArrowRight")
    size = RECEPTIVE["size"] + 1
    page.wait_for_function(f"v => v.querySelectorAll('.cl-grid[data-panel=input] .cl-cell')"
                           f".length === {size * size}", arg=view.element_handle())
    kept = view.evaluate("v => [...v.querySelectorAll('.cl-cell')].filter(c => c.clKept).length")
    assert kept == before
    _check_receptive_hover(view, size)


def test_the_copied_code_line_runs_and_gives_the_shape_shown(page):
    """The copy button's text, run as it is, prints the shape the explorer shows."""
    import contextlib
    import io
    import re

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    explorer = _explorer(page, SHAPE["en"])
    line = explorer.locator(".convlab-code-line")
    line.scroll_into_view_if_needed()
    shown = line.locator("code").inner_text()
    button = line.locator("button")
    assert button.get_attribute("aria-label")
    button.click()
    page.wait_for_function("el => el.dataset.copied", arg=line.element_handle())
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == line.get_attribute("data-copied")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(copied, {})                      # noqa: S102 - the student's paste, run as is
    size = printed.getvalue().strip()
    assert shown.endswith(f"# → {size}")
    dims = tuple(int(d) for d in re.findall(r"\d+", size))
    assert str(dims) in explorer.locator(".convlab-readout").first.inner_text()


def test_every_control_has_its_visible_label_as_accessible_name(page):
    """A screen reader names each slider and menu by the label a sighted student reads, in
    the student's language."""
    from convlab.i18n import text

    for lang, index in SHAPE.items():
        explorer = _explorer(page, index)       # the shape explorer
        for key in ("height", "kernel_h", "padding_type"):
            label = text(key, lang)
            role = "combobox" if key == "padding_type" else "slider"
            assert explorer.get_by_role(role, name=label, exact=True).count() == 1, (lang, key)


def test_text_of_the_linked_view_and_code_line_is_at_least_11_px(page):
    """At the default zoom (the pictures themselves are PNGs, not checked here)."""
    sizes = _explorer(page, 0).evaluate(
        "el => [...el.querySelectorAll('.cl-cell, .cl-sum, .cl-hint, .cl-panel-title,"
        " .convlab-code-line code, .convlab-code-line button')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 11, min(sizes)
