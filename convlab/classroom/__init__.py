"""A whole class: the pieces a teacher needs on top of the Jupyter ecosystem's own tools.

- :mod:`.links`: the nbgitpuller link that hands the lessons out and pulls updates without
  overwriting a student's work (JupyterHub, ``deploy/``);
- :mod:`.grading`: an nbgrader course whose autograded answers are the lessons' exercises;
- :mod:`.present`: an explorer full-screen on a projector, with Voilà;
- :mod:`.memory`: the peak memory of each lesson, measured, for the limits per student.

Run ``python -m convlab.classroom link|nbgrader|present|memory --help``; ``docs/teaching.md`` is
the guide. Everything reads the lesson manifest (:mod:`convlab.course.manifest`).
"""
from __future__ import annotations

import importlib
from typing import Any

#: public name -> the module that defines it (imported on first use: ``link`` needs no torch)
_EXPORTS = {
    **dict.fromkeys(["write_course", "assignment", "points"], "grading"),
    **dict.fromkeys(["pull_link", "pull_query"], "links"),
    **dict.fromkeys(["measure_all", "report"], "memory"),
    **dict.fromkeys(["prepare", "explorers"], "present"),
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'convlab.classroom' has no attribute {name!r}")
