"""The memory command measures what a kernel really holds: a notebook that fills 300 MiB
peaks above 300 MiB, and not much more."""
from __future__ import annotations

import json

import pytest

from convlab.classroom import report
from convlab.classroom.memory import measure
from convlab.course.manifest import Lesson

pytestmark = pytest.mark.classroom


def _lesson(folder, name: str, code: str) -> Lesson:
    (folder / "en").mkdir(parents=True, exist_ok=True)
    (folder / "en" / f"{name}.ipynb").write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": code}]}))
    return Lesson(name)


def test_a_lesson_that_fills_memory_peaks_that_much_higher(tmp_path):
    full = measure(_lesson(tmp_path, "91_full", "block = b'x' * (300 * 2**20)"), tmp_path)
    # the 300 MiB are all there, on top of a kernel that holds about a hundred MiB at most
    # before the lesson imports anything
    assert 300 < full.kernel_mib < 300 + 200, full
    assert "heaviest kernel: 91_full" in report([full])
