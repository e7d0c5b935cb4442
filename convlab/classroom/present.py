"""An explorer full-screen on a projector, without code: a Voilà page per explorer.

``python -m convlab.classroom present sliding_window_explorer --lang ko`` writes a one-cell
notebook that builds the explorer and serves it with Voilà in app mode (no code, no menus), with
the ``convlab-projector`` template: large type and controls readable from the back of a room,
and Korean in the course's own web font on machines without a Korean font. The explorers are the
ones the lesson manifest names (lesson 01's shape explorer, lesson 02's sliding window, ...).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from ..course.lab import CUSTOM_DIR
from ..course.manifest import LESSONS
from ..course.paths import build_dir
from ..i18n import check_lang

#: Where the template lives in the package: ``voila/templates/convlab-projector/``.
TEMPLATES = Path(__file__).with_name("voila")
TEMPLATE = "convlab-projector"
#: The Hangul web font the template's stylesheet loads (the one JupyterLab gets, lesson 00).
WEB_FONT = CUSTOM_DIR / "ConvlabKorean.woff"


def explorers() -> list[str]:
    """The explorers of the course, in lesson order, as the manifest names them."""
    return [item.explorer for item in LESSONS if item.explorer]


def explorer_name(name: str) -> str:
    """``shape`` or ``shape_explorer`` -> ``shape_explorer``; a ValueError lists the choices."""
    for full in explorers():
        if name in (full, full.removesuffix("_explorer")):
            return full
    raise ValueError(f"no explorer {name!r}; choose one of: " + ", ".join(explorers()))


def explorer_cell(name: str, lang: str, data: str) -> str:
    """The code that builds the explorer (MNIST's needs its digits, from ``data``)."""
    name, lang = explorer_name(name), check_lang(lang)
    if name == "mnist_filter_explorer":
        return (f"import convlab\nimages = convlab.mnist(root={data!r}, lang={lang!r})\n"
                f"convlab.mnist_filter_explorer(images, lang={lang!r})")
    return f"import convlab\nconvlab.{name}(lang={lang!r})"


def write_notebook(name: str, lang: str, folder: Path) -> Path:
    """``folder/<explorer>_<lang>.ipynb``: one code cell, which Voilà runs and hides."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{explorer_name(name)}_{check_lang(lang)}.ipynb"
    cell = explorer_cell(name, lang, str(folder / "datasets"))
    path.write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"},
                     "language_info": {"name": "python"}},
        "cells": [{"cell_type": "code", "id": "explorer", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": cell}]}, indent=1), encoding="utf-8")
    return path


def template_root(folder: Path) -> Path:
    """A Jupyter data folder holding the projector template with the Korean web font beside
    its stylesheet (Voilà serves only a template's own ``static/``)."""
    root = folder / "share"
    target = root / "voila" / "templates" / TEMPLATE
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(TEMPLATES / "templates" / TEMPLATE, target)
    shutil.copyfile(WEB_FONT, target / "static" / WEB_FONT.name)
    return root


def voila_command(notebook: Path, port: int = 8866, ip: str = "127.0.0.1") -> list[str]:
    """Voilà in app mode with the projector template, serving ``notebook`` only."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            f"--Voila.ip={ip}", f"--template={TEMPLATE}", "--theme=light",
            "--VoilaConfiguration.show_tracebacks=False"]


def voila_env(root: Path) -> dict[str, str]:
    """The environment Voilà needs to find the template (``JUPYTER_PATH`` first)."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(root), env.get("JUPYTER_PATH")]))
    return env


def prepare(name: str, lang: str, folder: Path | None = None, port: int = 8866,
            ip: str = "127.0.0.1") -> tuple[list[str], dict[str, str]]:
    """Write the page's notebook and template; return the Voilà command and its environment."""
    folder = Path(folder) if folder else build_dir() / "present"
    notebook = write_notebook(name, lang, folder)
    return voila_command(notebook, port, ip), voila_env(template_root(folder))
