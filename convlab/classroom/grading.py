"""An nbgrader course made from the lessons: every exercise becomes an autograded answer with a
hidden test that calls the exercise's own check (the one students run in the lesson).

``python -m convlab.classroom nbgrader OUT`` writes ``OUT/nbgrader_config.py`` and
``OUT/source/<lesson>_<lang>/<lesson>_<lang>.ipynb`` for each lesson with exercises and each
language. Then, in ``OUT``, nbgrader's own commands: ``nbgrader generate_assignment``,
``nbgrader collect`` (or files in ``submitted/``), ``nbgrader autograde``.

In each lesson the starter cell of an exercise (tagged ``exercise:<id>``) becomes a solution
cell: its starter line stays for the student and the teacher's copy sets the right answer
(computed by PyTorch through the exercise, in a ``BEGIN SOLUTION`` region that nbgrader removes).
A locked test cell follows with the hidden test ``assert exercises.check(<id>, answer)``, so a
grade means exactly what the lesson's check says. Points: 1 per exercise, 2 for a transfer task.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..course.manifest import LESSONS, Lesson
from ..exercises import EXERCISES, ids
from ..i18n import LANGS, check_lang

#: Points for an exercise; a transfer task (the lesson's idea applied to a new case) counts double.
POINTS = {False: 1, True: 2}
TAG = "exercise:"
_CHECK = re.compile(r'exercises\.check\(\s*"(?P<id>[^"]+)"\s*,\s*(?P<var>\w+)')

#: Said above the hidden test in the student's copy.
GRADED_NOTE = {
    "en": "# Graded: when the teacher grades this notebook, the check above runs again here.",
    "ko": "# 채점용 셀: 선생님이 이 노트북을 채점할 때 위의 확인 코드가 여기서 다시 실행됩니다.",
}

CONFIG = '''\
"""nbgrader settings for the convlab course (written by python -m convlab.classroom nbgrader)."""
c = get_config()  # noqa: F821 - nbgrader provides it
c.CourseDirectory.root = __file__.rsplit("/", 1)[0]
# The student's copy keeps the lesson's starter line (answer = None ...) and gets no stub.
c.ClearSolutions.code_stub = {"python": ""}
# Lessons have cells that fail on purpose (tagged raises-exception); grading goes on past them.
c.Execute.allow_errors = True
c.Execute.timeout = 300
'''


def assignment(lesson: Lesson, lang: str) -> str:
    """The assignment's name in nbgrader: ``01_conv2d_basics_ko``."""
    return f"{lesson.name}_{check_lang(lang)}"


def _meta(grade_id: str, *, solution: bool, points: int = 0) -> dict:
    meta = {"grade": not solution, "solution": solution, "locked": not solution,
            "grade_id": grade_id, "schema_version": 3}
    if not solution:
        meta["points"] = points
    return meta


def _graded_cells(cell: dict, lang: str) -> list[dict]:
    """The answer cell (with the teacher's solution) and the locked cell of hidden tests."""
    source = "".join(cell["source"])
    found = _CHECK.search(source)
    tag = next(t for t in cell["metadata"].get("tags", []) if t.startswith(TAG))
    exercise_id = tag[len(TAG):]
    if not found or found["id"] != exercise_id:
        raise ValueError(f"the cell tagged {tag} does not call exercises.check on it")
    var = found["var"]
    lines = source.splitlines()
    at = next(i for i, line in enumerate(lines) if "exercises.check(" in line)
    answer = dict(cell, outputs=[], execution_count=None, id=f"{exercise_id}-answer")
    answer["source"] = "\n".join(
        lines[:at] + ["### BEGIN SOLUTION",
                      f'{var} = exercises.EXERCISES["{exercise_id}"].right_answer()',
                      "### END SOLUTION"] + lines[at:])
    answer["metadata"] = {**cell["metadata"],
                          "nbgrader": _meta(f"{exercise_id}-answer", solution=True)}
    test = {"cell_type": "code", "id": f"{exercise_id}-check", "execution_count": None,
            "outputs": [], "source": "\n".join([
                GRADED_NOTE[lang], "### BEGIN HIDDEN TESTS",
                f'assert exercises.check("{exercise_id}", {var}, lang="{lang}"), '
                f'"{exercise_id}"', "### END HIDDEN TESTS"]),
            "metadata": {"nbgrader": _meta(
                f"{exercise_id}-check", solution=False,
                points=POINTS[EXERCISES[exercise_id].transfer])}}
    return [answer, test]


def graded_notebook(lesson: Lesson, lang: str, lessons: Path) -> dict:
    """The lesson's notebook with every exercise made an autograded answer and its test."""
    notebook = json.loads((lessons / lesson.notebook(lang)).read_text(encoding="utf-8"))
    cells = []
    for cell in notebook["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code" and any(t.startswith(TAG) for t in tags):
            cells += _graded_cells(cell, lang)
        else:
            cells.append(cell)
    return {**notebook, "cells": cells}


def points(lesson: Lesson) -> int:
    """The most a lesson's exercises can score."""
    return sum(POINTS[EXERCISES[i].transfer] for i in ids(lesson.name))


def write_course(out: Path, lessons: Path, langs: tuple[str, ...] = LANGS,
                 names: list[str] | None = None) -> list[Path]:
    """Write the nbgrader course into ``out``; returns the source notebooks written.

    Lessons without exercises are left out; ``names`` (``01_conv2d_basics`` or ``01``) limits it.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    written = []
    for lesson in LESSONS:
        if not ids(lesson.name) or (names and lesson.name not in names
                                    and lesson.number not in names):
            continue
        for lang in langs:
            name = assignment(lesson, lang)
            path = out / "source" / name / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(graded_notebook(lesson, lang, lessons), indent=1,
                                       ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(path)
    return written
