"""Exercises checked against PyTorch at check time, each declared once (lessons 00-06).

In a lesson::

    exercises.check("01-output-shape", answer, lang="ko")   # right or wrong, and why
    exercises.hint("01-output-shape", lang="ko")            # the next hint
    exercises.solution("01-output-shape", lang="ko")        # the worked solution, after a few tries

The framework is :mod:`.framework`; the exercises of lesson ``NN`` are in ``lessonNN.py``.
"""
from __future__ import annotations

import importlib

from ..course.manifest import LESSONS as _LESSONS
from .framework import (
    EXERCISES,
    SOLUTION_AFTER,
    CheckResult,
    Exercise,
    NearMiss,
    Note,
    Text,
    check,
    hint,
    ids,
    question,
    register,
    reset,
    solution,
)

for _item in _LESSONS:
    register(importlib.import_module(f".lesson{_item.number}", __name__).EXERCISES)

__all__ = ["check", "hint", "solution", "question", "ids", "reset", "CheckResult", "Note",
           "Exercise", "NearMiss", "Text", "EXERCISES", "SOLUTION_AFTER"]
