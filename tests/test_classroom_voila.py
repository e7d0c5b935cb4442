"""Voilà on a projector: ``python -m convlab.classroom present`` serves an explorer with no code,
in the projector template; in Chromium a slider moves and the picture changes."""
from __future__ import annotations

import os
import socket

import pytest

from classroom_harness import free_port, running, wait_for
from convlab.classroom import explorers, prepare
from convlab.course.handouts import CHROMIUM, CHROMIUM_FLAGS

pytestmark = [pytest.mark.browser, pytest.mark.classroom]

#: Page-side: remember every new picture the explorer shows (the frame of a picture drawn in the
#: browser, or a PNG's source).
WATCH = """(explorer) => {
  const seen = [];
  const look = () => {
    const scene = explorer.querySelector('.convlab-scene');
    const img = explorer.querySelector('.convlab-output img');
    const src = scene ? 'frame ' + scene.dataset.frame : img && img.getAttribute('src');
    if (src && src !== seen[seen.length - 1]) seen.push(src);
  };
  look();
  new MutationObserver(look).observe(explorer, {subtree: true, childList: true, attributes: true,
                                                attributeFilter: ['src', 'data-frame']});
  explorer.__pictures = seen;
}"""


def test_every_lesson_explorer_can_be_presented():
    assert explorers() and all(name.endswith("_explorer") for name in explorers())


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("present")
    port = free_port()
    command, env = prepare("shape", "ko", folder, port=port)
    url = f"http://127.0.0.1:{port}/"
    with running(command, folder / "voila.log", env=env, cwd=folder):
        # every page view starts a kernel: wait for the port, then open the page once
        wait_for(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or 1,
                 90, "Voilà starting", folder / "voila.log")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                                 headless=True)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.goto(url, timeout=120_000)
                page.wait_for_selector(".convlab-explorer .convlab-scene svg, "
                                       ".convlab-explorer .convlab-output img", timeout=120_000)
                yield page
            finally:
                browser.close()


def test_the_page_shows_no_code_and_large_type(page):
    assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor").count() == 0
    label = page.locator(".convlab-explorer .widget-label").first
    size = float(label.evaluate("el => getComputedStyle(el).fontSize").removesuffix("px"))
    assert size >= 20, f"labels are {size}px on the projector"
    font = page.evaluate("() => fetch(document.querySelector('link[href*=projector]').href"
                         ".replace('projector.css', 'ConvlabKorean.woff')).then(r => r.status)")
    assert font == 200


def test_moving_a_slider_changes_the_picture(page):
    explorer = page.locator(".convlab-explorer").first
    explorer.evaluate(WATCH)
    handle = explorer.locator(".convlab-control-height .noUi-handle").first
    before = handle.get_attribute("aria-valuenow")
    handle.focus()
    handle.press("ArrowRight")
    page.wait_for_function("el => el.__pictures.length >= 2", arg=explorer.element_handle(),
                           timeout=30_000)
    assert handle.get_attribute("aria-valuenow") != before
