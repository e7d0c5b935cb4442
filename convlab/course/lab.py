"""Start JupyterLab on the lessons, set up for classrooms, offline use and Korean (``make lab``).

Three things, each in a file that a plain ``jupyter lab`` in the course's environment reads too
(``pip install`` puts them into the environment's ``share/jupyter`` and ``etc/jupyter``):

- ``jupyter_settings/overrides.d/convlab.json``: no news, no update checks, no extension manager
  that would search PyPI, so a room full of students on a closed network sees no pop-ups; the
  kernel's progress circle in the status bar rather than the notebook's toolbar (there it was
  drawn anew at every busy and idle status, and the toolbar then measured all its buttons again
  for keyboard focus: 6-8 ms of the page's time per slider move, before the picture; the
  Notebook interface, which has no status bar, then shows the kernel at work only in the
  cells' prompts);
  ``jupyter_settings/ko/overrides.json`` is the same plus the Korean interface
  (jupyterlab-language-pack-ko-KR).
- ``jupyter_settings/jupyter_server_config.d/convlab.json``: this module as a server extension,
  which gives JupyterLab the same settings on the server's side (:data:`CLASSROOM_OPTIONS`,
  ``LabApp.custom_css`` among them) and serves
  ``jupyter_custom/`` (a stylesheet and the Hangul of NanumGothic as a 400 kB web font, see
  :func:`convlab.figures.fonts.korean_web_font`) under ``/custom/``: Korean shows on machines
  without any Korean font, and in the user's own Korean font where there is one. The same
  extension sends kernel messages to the browser without Nagle's delay
  (:func:`prompt_connection_class`): an explorer's picture follows a slider in one round trip;
  and it leaves out the browser tab's busy icon (:data:`QUIET_PLUGINS`), which made the page
  swap its icon twice for every picture a dragged slider asked for.

A wheel installs both files by itself; an editable install (``pip install -e .``, what ``make``,
conda and Binder use) cannot, so they run ``python -m convlab.lab --install-settings``. The
launcher passes all of it on the command line, so it also works from a checkout that was never
installed. The browser tests start the server through :func:`lab_command` too, so they test
exactly what students get.

Run ``convlab-lab [LESSONS_DIR] [--lang ko|en] [extra jupyter lab options]`` (or
``python -m convlab.lab``); from a checkout the lessons folder defaults to ``notebooks/``, the
language to the system's (Korean when ``LANG`` says so), and JupyterLab opens that language's
first lesson.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Iterator

from ..i18n import LANGS, check_lang
from .manifest import LESSONS
from .paths import LessonsNotFound, lessons_dir

#: JupyterLab's own options for classrooms: no update checks, an extension manager that cannot
#: search PyPI, and ``/custom/custom.css`` on every page (the Korean font). The server extension
#: below sets them unless the command line or a config file already did.
CLASSROOM_OPTIONS = {
    "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
    "extension_manager": "readonly",
    "custom_css": True,
}
SETTINGS_DIR = Path(__file__).with_name("jupyter_settings")
SERVER_CONFIG = SETTINGS_DIR / "jupyter_server_config.d" / "convlab.json"
CUSTOM_DIR = Path(__file__).with_name("jupyter_custom")
#: JupyterLab plugins the course's pages leave out. ``faviconbusy`` swaps the browser tab's icon
#: each time the kernel turns busy and idle again, which an explorer's slider does for every
#: picture: the page then re-reads its icon before it handles the picture. Measured with
#: ``benchmarks/bench_browser.py``'s bare slider, dragged: 27-31 pictures a second with the swap,
#: 43-51 without. The progress circle and the status bar still show the kernel's state.
QUIET_PLUGINS = ("@jupyterlab/application-extension:faviconbusy",)


def settings_dir(lang: str = "en") -> Path:
    """The JupyterLab settings folder (``LabApp.app_settings_dir``) for ``lang``'s interface."""
    check_lang(lang)
    return SETTINGS_DIR if lang == "en" else SETTINGS_DIR / lang


def server_options() -> list[str]:
    """``jupyter_server_config.d/convlab.json`` as command-line options (one source for both):
    what a plain ``jupyter lab`` in an environment with :func:`install_settings` reads."""
    options = []
    for section, values in json.loads(SERVER_CONFIG.read_text(encoding="utf-8")).items():
        for name, value in values.items():
            shown = repr(value) if isinstance(value, (dict, bool)) else str(value)
            options.append(f"--{section}.{name}={shown}")
    return options


def lab_command(notebook_dir: str | os.PathLike, *extra: str, lang: str = "en") -> list[str]:
    """The ``jupyter lab`` command line for the course in ``lang``, opening its first lesson.

    Adds ``--allow-root`` when run as root (JupyterLab refuses root otherwise: CI, containers).
    """
    first = Path(notebook_dir) / LESSONS[0].notebook(lang)
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={notebook_dir}",
        f"--LabApp.app_settings_dir={settings_dir(lang)}",
        *server_options(),
    ]
    if first.is_file():
        command.append(f"--LabApp.default_url=/lab/tree/{LESSONS[0].notebook(lang)}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command + list(extra)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_lab(notebook_dir: str | os.PathLike, *extra: str, lang: str = "en",
                log_dir: str | os.PathLike | None = None,
                timeout_s: float = 90.0) -> Iterator[tuple[str, str]]:
    """JupyterLab started by :func:`lab_command` on 127.0.0.1 with a random port and token,
    serving ``notebook_dir``; yields ``(url, token)`` once it answers, and ends it with its
    kernels (the server's whole process group), also when the caller fails.

    For the browser tests and the browser benchmark (``CONVLAB_OFFLINE=1`` in the server's
    environment); its log is ``server.log`` in ``log_dir`` (default: ``notebook_dir``).
    """
    port, token = _free_port(), uuid.uuid4().hex
    log_path = Path(log_dir if log_dir is not None else notebook_dir) / "server.log"
    command = lab_command(notebook_dir, "--no-browser", "--ServerApp.ip=127.0.0.1",
                          f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                          f"--IdentityProvider.token={token}",
                          "--LabApp.expose_app_in_browser=True", *extra, lang=lang)
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True,
                                  env={**os.environ, "CONVLAB_OFFLINE": "1"})
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("JupyterLab did not start:\n"
                                           + log_path.read_text()[-3000:]) from None
                    time.sleep(0.5)
            yield url, token
        finally:
            # The kernels are in the server's process group: end them all.
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                try:
                    os.killpg(server.pid, sig)
                    server.wait(timeout=wait)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue


def system_lang() -> str:
    """``ko`` when the system's locale is Korean (``LC_ALL``, ``LC_MESSAGES`` or ``LANG``)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def install_settings(prefix: str | os.PathLike = sys.prefix) -> list[Path]:
    """Copy the classroom settings into the environment at ``prefix`` (default: this one), where
    a plain ``jupyter lab`` reads them; returns the files written. Re-running replaces them."""
    prefix = Path(prefix)
    targets = {
        SETTINGS_DIR / "overrides.d" / "convlab.json":
            prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "convlab.json",
        SERVER_CONFIG: prefix / "etc" / "jupyter" / "jupyter_server_config.d" / "convlab.json",
    }
    for source, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return list(targets.values())


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": __name__}]


def _link_jupyter_server_extension(serverapp) -> None:
    """Give JupyterLab the :data:`CLASSROOM_OPTIONS` (server extensions are linked in name
    order, so this runs before JupyterLab reads the server's config)."""
    options = serverapp.config.LabApp
    for name, value in CLASSROOM_OPTIONS.items():
        if name not in options:
            options[name] = value


class _NoDelay:
    """Mixin for a kernel websocket connection: TCP_NODELAY on the browser's socket.

    Tornado leaves Nagle's algorithm on for websockets, so when the server writes two small
    frames in a row (a widget's echo, then the update it caused) the second waits until the
    browser acknowledges the first, and browsers delay that acknowledgement: measured on the
    bare slider of ``benchmarks/bench_browser.py``, half the key presses took 35-40 ms longer
    (a median of 31-39 ms and a p90 of 60 ms against 18-23 and 30 ms with this). Kernel
    messages are small and latency-bound, which is the case ``set_nodelay`` exists for.
    """

    async def connect(self):  # noqa: D102 - the base class's
        self.websocket_handler.set_nodelay(True)
        return await super().connect()


@functools.lru_cache(maxsize=None)
def prompt_connection_class(base: type) -> type:
    """``base`` (the server's kernel websocket connection class, whichever it is: local
    kernels or a gateway's) with :class:`_NoDelay` in front."""
    if issubclass(base, _NoDelay):
        return base
    return type(f"NoDelay{base.__name__}", (_NoDelay, base), {"__module__": __name__})


def quiet_page_config(hook=None):
    """A ``page_config_hook`` for JupyterLab's pages (``web_app.settings``) that adds
    :data:`QUIET_PLUGINS` to the disabled extensions, after ``hook`` (one already set) ran."""
    if getattr(hook, "convlab_quiet", False):
        return hook

    def quiet(handler, page_config: dict) -> dict:
        if hook is not None:
            page_config = hook(handler, page_config)
        disabled = page_config.get("disabledExtensions") or []
        if isinstance(disabled, dict):                  # {name: True} as in page_config.json
            disabled = [name for name, off in disabled.items() if off]
        page_config["disabledExtensions"] = disabled + [
            name for name in QUIET_PLUGINS if name not in disabled]
        return page_config

    quiet.convlab_quiet = True
    return quiet


def _load_jupyter_server_extension(serverapp) -> None:
    """Serve the Korean stylesheet and web font under ``/custom/``, after the user's own folder,
    send kernel messages without Nagle's delay (:class:`_NoDelay`), and leave
    :data:`QUIET_PLUGINS` out of every JupyterLab page (:func:`quiet_page_config`).

    JupyterLab serves ``/custom/`` (with ``LabApp.custom_css``) from the list
    ``static_custom_path``; a ``custom.css`` of the user's own (``~/.jupyter/custom``) stays first.
    """
    settings = serverapp.web_app.settings
    paths = settings["static_custom_path"]
    if str(CUSTOM_DIR) not in paths:
        paths.append(str(CUSTOM_DIR))
    connection = settings.get("kernel_websocket_connection_class")
    if connection is not None:
        settings["kernel_websocket_connection_class"] = prompt_connection_class(connection)
    settings["page_config_hook"] = quiet_page_config(settings.get("page_config_hook"))


def main(argv: list[str] | None = None) -> None:
    """Replace this process with JupyterLab, opened on the first lesson of one language."""
    args = list(sys.argv[1:] if argv is None else argv)
    folder = args.pop(0) if args and not args[0].startswith("-") else None
    parser = argparse.ArgumentParser(prog="convlab-lab [LESSONS_DIR]",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=LANGS, default=None,
                        help="lessons and interface language; default: the system's")
    parser.add_argument("--install-settings", action="store_true",
                        help="install the classroom settings into this environment and exit")
    options, extra = parser.parse_known_args(args)  # the rest goes to jupyter lab
    if options.install_settings:
        for path in install_settings():
            print(path)
        return
    try:
        notebooks = lessons_dir(folder)
    except LessonsNotFound as error:
        raise SystemExit(f"convlab-lab: {error}") from None
    command = lab_command(notebooks, *extra, lang=options.lang or system_lang())
    os.execv(command[0], command)
