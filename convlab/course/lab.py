"""Start JupyterLab on the lessons, set up for classrooms and offline use (``make lab``).

The settings live in ``convlab/course/jupyter_settings/overrides.json`` (no news, no update checks, no
extension manager that would search PyPI), so a room full of students on a closed network sees
no pop-ups and the browser makes no calls beyond this server. The browser tests start the server
through :func:`lab_command` too, so they test exactly what students get.

Run ``convlab-lab [LESSONS_DIR] [extra jupyter lab options]`` (or ``python -m convlab.lab``);
from a checkout the lessons folder defaults to ``notebooks/``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .paths import LessonsNotFound, lessons_dir

SETTINGS_DIR = Path(__file__).with_name("jupyter_settings")


def lab_command(notebook_dir: str | os.PathLike, *extra: str) -> list[str]:
    """The ``jupyter lab`` command line for the course, with ``--allow-root`` when needed."""
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={notebook_dir}",
        f"--LabApp.app_settings_dir={SETTINGS_DIR}",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (CI, containers)
    return command + list(extra)


def main(argv: list[str] | None = None) -> None:
    """Replace this process with JupyterLab, opened on the lesson folders."""
    args = list(sys.argv[1:] if argv is None else argv)
    folder = args.pop(0) if args and not args[0].startswith("-") else None
    try:
        notebooks = lessons_dir(folder)
    except LessonsNotFound as error:
        raise SystemExit(f"convlab-lab: {error}") from None
    command = lab_command(notebooks, *args)
    os.execv(command[0], command)
