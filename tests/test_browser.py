"""Every Korean lesson, and one English lesson (:func:`_runs` says why one), runs in a real
JupyterLab in a real browser, its sliders respond, and every Korean character on the screen is
drawn by a font that has it.

nbval proves the code runs; only a browser proves a student sees working sliders (a mismatched
widget extension shows "Error displaying widget" and nothing else) and Hangul instead of boxes.
The server is started the way ``make lab`` starts it (``convlab.course.lab.lab_command``), once
per language (the Korean lessons in the Korean interface), on a copy of the lessons so that
JupyterLab's autosave never writes outputs into ``notebooks/``, with settings and workspaces of
its own. Chromium runs with a fontconfig that offers DejaVu only (``font_oracle``): what a
machine without Korean fonts shows. Screenshots land in ``build/screenshots/``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from convlab.course.handouts import CHROMIUM, CHROMIUM_FLAGS  # Debian's Chromium, closed-network flags
from convlab.course.lab import running_lab
from convlab.course.manifest import LESSONS as MANIFEST
from convlab.i18n import LANGS

from font_oracle import HANGUL, fonts_conf_without_korean, hangul_font_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = Path(os.environ.get("CONVLAB_NOTEBOOKS_DIR", ROOT / "notebooks"))
SCREENSHOTS = ROOT / "build" / "screenshots"
WIDGET_FAILURES = ["Error displaying widget", "Model not found", "Failed to load model class",
                   "Error creating widget"]
LESSONS = [f"{item.name}.ipynb" for item in MANIFEST]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        message = (f"Chromium not found at {CHROMIUM}; install it with "
                   "`sudo apt-get install chromium` to run the browser tests")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    conf = fonts_conf_without_korean(tmp_path_factory.mktemp("fontconfig"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                              headless=True,
                                              env={**os.environ, "FONTCONFIG_FILE": str(conf)})
        yield chromium
        chromium.close()


# Every cell laid out, also those scrolled out of view, so the font check sees all of them.
TEST_USER_SETTINGS = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
                      {"windowingMode": "none"}}


@pytest.fixture(scope="module")
def lab(request, tmp_path_factory):
    """A JupyterLab server in ``request.param``'s language on 127.0.0.1 with a random token,
    serving a copy of the lessons."""
    lang = request.param
    root = tmp_path_factory.mktemp(f"lab-{lang}")
    state = tmp_path_factory.mktemp(f"lab-state-{lang}")
    for name, values in TEST_USER_SETTINGS.items():
        (state / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (state / "settings" / name).write_text(json.dumps(values), encoding="utf-8")
    for folder in LANGS:
        (root / folder).mkdir()
        for notebook in (NOTEBOOKS / folder).glob("*.ipynb"):
            shutil.copy(notebook, root / folder / notebook.name)
    options = [f"--LabApp.user_settings_dir={state / 'settings'}",
               f"--LabApp.workspaces_dir={state / 'workspaces'}"]
    with running_lab(root, *options, lang=lang, log_dir=state) as (url, token):
        yield url, token, lang


#: The open notebook's kernel has started and answered everything sent to it.
KERNEL_IDLE = ("() => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
               " return p && p.sessionContext && p.sessionContext.session &&"
               " p.sessionContext.session.kernel &&"
               " p.sessionContext.session.kernel.status === 'idle'; }")

NOTEBOOK_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [];
  for (const cell of panel.content.model.cells) {
    if (cell.type !== 'code') continue;
    const outputs = cell.outputs ? cell.outputs.toJSON() : [];
    cells.push({count: cell.executionCount, tags: cell.getMetadata('tags') || [],
                errors: outputs.filter(o => o.output_type === 'error')
                               .map(o => o.ename + ': ' + o.evalue)});
  }
  return {status: kernel ? kernel.status : 'none', cells};
}"""


#: Resolves after the browser has drawn two more frames (what was changed is on screen).
TWO_FRAMES = ("() => new Promise(done => requestAnimationFrame(() =>"
              " requestAnimationFrame(() => done(true))))")


def _settled(page) -> None:
    """Wait until the kernel is idle (every message of the last change has been sent) and the
    page has drawn what they brought."""
    page.wait_for_function(KERNEL_IDLE, timeout=30_000)
    page.evaluate(TWO_FRAMES)


def _panel_text(page) -> str:
    """All text of the open notebook, also of cells scrolled out of view."""
    return page.locator(".jp-NotebookPanel:visible").evaluate("el => el.textContent")


def _explorers_in(path: Path) -> int:
    """How many explorers the lesson's code builds (calls of ``..._explorer(``)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    calls = re.compile(r"^(?!\s*def ).*?\w_explorer\(", re.MULTILINE)
    return sum(len(calls.findall("".join(c["source"]))) for c in cells
               if c["cell_type"] == "code")


def _run_all(page, timeout_s: float = 240.0) -> dict:
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate(NOTEBOOK_STATE)
        done = state and state["status"] == "idle" and all(c["count"] for c in state["cells"])
        if done:
            return state
        time.sleep(0.5)
    raise AssertionError(f"notebook did not finish within {timeout_s:.0f} s: {state}")


#: The explorer's current picture: the frame a browser-drawn scene shows, or a PNG's source.
PICTURE = ("el => { const scene = el.querySelector('.convlab-scene');"
           " if (scene) return 'frame ' + scene.dataset.frame;"
           " const img = el.querySelector('.convlab-output img');"
           " return img ? img.getAttribute('src') : null; }")


def _picture(explorer):
    return explorer.evaluate(PICTURE)


def _move_sliders_and_check(page, explorer, max_sliders: int = 5) -> None:
    """Nudge sliders with the keyboard: each move must change the readout, and at least one
    must redraw the picture (some, like the batch size, rightly leave the picture alone)."""
    explorer.scroll_into_view_if_needed()
    readout = explorer.locator(".convlab-readout").first
    handles = explorer.locator(".widget-slider .noUi-target:not([disabled]) .noUi-handle")
    assert handles.count(), "an explorer without a slider"
    redrawn = False
    for i in range(min(handles.count(), max_sliders)):
        handle = handles.nth(i)
        before_text, before_image = readout.inner_text(), _picture(explorer)
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()
        handle.press("ArrowLeft" if at_max else "ArrowRight")
        # Continuous sliders update at once, others on release: both answer a key press.
        page.wait_for_function("([el, text]) => el.innerText !== text",
                               arg=[readout.element_handle(), before_text], timeout=20_000)
        if not redrawn:
            # a picture drawn by the browser comes in the readout's own message, so once the
            # kernel is idle it is there or it is not coming; a painted one follows just after
            _settled(page)
            try:
                page.wait_for_function(
                    f"([el, before]) => ({PICTURE})(el) !== before",
                    arg=[explorer.element_handle(), before_image], timeout=1_000)
                redrawn = True
            except Exception:  # this slider leaves the picture as it was; try the next
                pass
        if redrawn and i >= 1:
            break
    assert redrawn, "no slider changed the explorer's picture"


def _menu_labels(page) -> list[str]:
    return page.locator(".lm-MenuBar-itemLabel").all_inner_texts()


def _interface_words(lang: str) -> list[str]:
    """Menu titles as the interface should show them: for Korean, as the language pack says."""
    words = ["Edit", "Run", "Settings", "Help"]
    if lang == "en":
        return words
    import jupyterlab_language_pack_ko_KR as pack

    catalogue = Path(pack.__file__).parent / "locale" / "ko_KR" / "LC_MESSAGES" / "jupyterlab.json"
    translated = json.loads(catalogue.read_text(encoding="utf-8"))
    return [translated[word][0] for word in words]


def _brought_by_the_page(font: dict) -> bool:
    # With DejaVu as the only system font, a font the page itself brought (our served
    # NanumGothic) is the only thing that can draw Hangul.
    return font["isCustomFont"]


def _check_every_hangul_has_a_glyph(page) -> None:
    page.evaluate("document.fonts.ready")
    checked, problems = hangul_font_report(page, _brought_by_the_page)
    assert not problems, problems[:10]
    # Every Hangul character the page shows was asked about (innerText leaves out what is not
    # drawn, but not the options of a closed drop-down, which are not drawn either).
    text, closed_options = page.evaluate(
        "() => [document.body.innerText, [...document.querySelectorAll('option:not(:checked)')]"
        ".map(option => option.text).join('')]")
    shown = len(HANGUL.findall(text)) - len(HANGUL.findall(closed_options))
    assert checked >= shown > 0, (checked, shown)


def _runs() -> list[tuple[str, str]]:
    """Every Korean lesson (each has Hangul of its own for the glyph check) and one English
    lesson, the one with the most explorers, for the English interface. The other English
    lessons run elsewhere: their code cells are the Korean ones (``test_notebooks_parity``),
    nbval runs every English notebook, and ``test_browser_explorers`` drags every explorer in
    English in a real browser. Running all of them here too cost three minutes a test run."""
    english = max(LESSONS, key=lambda name: _explorers_in(NOTEBOOKS / "en" / name))
    return [("ko", name) for name in LESSONS] + [("en", english)]


@pytest.mark.parametrize("lab, name", _runs(), indirect=["lab"],
                         ids=lambda value: value)   # in language order: one server each
def test_lesson_runs_in_jupyterlab_and_its_sliders_respond(browser, lab, name):
    url, token, lang = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # A workspace of its own, so no tab of an earlier lesson is restored beside it.
        workspace = uuid.uuid4().hex[:8]
        page.goto(f"{url}/lab/workspaces/{workspace}/tree/{lang}/{name}?token={token}",
                  timeout=120_000)        # a loaded machine can take long to serve the page
        state = _run_all(page)
        errors = [(i, c["errors"]) for i, c in enumerate(state["cells"])
                  if c["errors"] and "raises-exception" not in c["tags"]]
        assert not errors, f"cells raised: {errors}"
        explorers = page.locator(".jp-NotebookPanel:visible .convlab-explorer")
        expected = _explorers_in(NOTEBOOKS / lang / name)
        try:                         # every widget view rendered (or a failure shown instead)
            page.wait_for_function(
                "() => document.querySelectorAll('.jp-NotebookPanel .convlab-explorer').length"
                f" >= {expected}", timeout=15_000)
        except Exception:            # noqa: BLE001 - the assertions below say what is missing
            pass
        _settled(page)
        body = _panel_text(page)
        assert not [f for f in WIDGET_FAILURES if f in body], body[:2000]
        # An explorer that fails while drawing shows its traceback inside its Output widget,
        # where nbval does not look: only the cells that raise on purpose may show one.
        on_purpose = sum(1 for c in state["cells"] if c["errors"])
        assert body.count("Traceback (most recent call last)") == on_purpose, body[:3000]

        assert explorers.count() == expected
        for index in range(explorers.count()):
            _move_sliders_and_check(page, explorers.nth(index))
        _settled(page)               # a failing redraw has shown its traceback, if any
        body = _panel_text(page)
        assert body.count("Traceback (most recent call last)") == on_purpose, body[:3000]

        # The interface speaks the lesson's language, and no Hangul anywhere is a box.
        assert set(_interface_words(lang)) <= set(_menu_labels(page)), _menu_labels(page)
        if lang == "ko":
            _check_every_hangul_has_a_glyph(page)

        SCREENSHOTS.joinpath(lang).mkdir(parents=True, exist_ok=True)
        page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
        if explorers.count():
            explorers.first.scroll_into_view_if_needed()
        page.evaluate(TWO_FRAMES)
        page.screenshot(path=SCREENSHOTS / lang / name.replace(".ipynb", ".png"))
    finally:
        page.close()
        _shut_down_kernels(url, token)


def _shut_down_kernels(url: str, token: str) -> None:
    """One lesson's kernel at a time: a 2-core machine cannot carry fourteen."""
    headers = {"Authorization": f"token {token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{url}/api/kernels", headers=headers),
                                timeout=10) as response:
        kernels = json.load(response)
    for kernel in kernels:
        urllib.request.urlopen(urllib.request.Request(
            f"{url}/api/kernels/{kernel['id']}", method="DELETE", headers=headers), timeout=30)
