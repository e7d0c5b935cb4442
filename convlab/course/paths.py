"""Where the lessons are, and where generated files go, from a checkout or an installed wheel.

In a checkout of the project the lessons are ``notebooks/`` and generated files go to ``build/``
beside it. An installed package carries no lessons: the commands then ask for a folder, and say
so in one line (:class:`LessonsNotFound`).
"""
from __future__ import annotations

import os
from pathlib import Path

from ..i18n import LANGS
from .manifest import LESSONS

#: The project folder when convlab runs from a checkout (``convlab/`` sits inside it).
CHECKOUT = Path(__file__).resolve().parents[2]


class LessonsNotFound(FileNotFoundError):
    """No lesson notebooks where they were looked for."""


def is_lessons_dir(path: str | os.PathLike) -> bool:
    """True when ``path`` holds ``<lang>/<first lesson>.ipynb`` for some course language."""
    folder = Path(path)
    return any((folder / LESSONS[0].notebook(lang)).is_file() for lang in LANGS)


def lessons_dir(path: str | os.PathLike | None = None) -> Path:
    """The lessons folder: ``path`` if given, else the checkout's ``notebooks/``."""
    if path is not None:
        folder = Path(path).expanduser().resolve()
        if not is_lessons_dir(folder):
            raise LessonsNotFound(
                f"{folder} holds no course lessons (expected en/{LESSONS[0].name}.ipynb or "
                f"ko/{LESSONS[0].name}.ipynb)")
        return folder
    default = CHECKOUT / "notebooks"
    if is_lessons_dir(default):
        return default
    raise LessonsNotFound(
        "convlab's lessons are not installed with the package: clone the project and run "
        "this from it, or pass the folder that holds en/ and ko/")


def build_dir() -> Path:
    """Where generated files go by default: ``build/`` in a checkout, else ``./convlab-build``."""
    if is_lessons_dir(CHECKOUT / "notebooks"):
        return CHECKOUT / "build"
    return Path.cwd() / "convlab-build"
