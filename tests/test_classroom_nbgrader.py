"""Graded exercises with nbgrader: the course ``python -m convlab.classroom nbgrader`` writes
goes through nbgrader's own ``generate_assignment`` and ``autograde``, with a student's right,
wrong and design answers, and the scores are what PyTorch says the answers deserve.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
import torch.nn as nn

from classroom_harness import ROOT, need
from convlab.classroom import assignment, points, write_course
from convlab.course.manifest import lesson
from convlab.exercises import EXERCISES

pytestmark = pytest.mark.classroom

LESSON = lesson("01_conv2d_basics")
NAME = assignment(LESSON, "ko")


def nbgrader(course, *args: str) -> str:
    # nbgrader runs alembic by name: the environment's bin/ first, as in an activated venv
    env = dict(os.environ, CONVLAB_OFFLINE="1", PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout + done.stderr


def student_answers() -> dict[str, tuple[str, int]]:
    """What a student types into each answer cell, and the points PyTorch says it earns."""
    p = {i: EXERCISES[i].p for i in EXERCISES}
    shape = p["01-output-shape"]
    out = nn.Conv2d(shape.c_in, shape.c_out, shape.k, stride=shape.stride,
                    padding=shape.padding)(torch.zeros(shape.n, shape.c_in, shape.size,
                                                       shape.size)).shape
    count = p["01-param-count"]
    params = sum(t.numel() for t in nn.Conv2d(count.c_in, count.c_out, count.k).parameters())
    weight = p["01-weight-shape"]
    true_weight = tuple(nn.Conv2d(weight.c_in, weight.c_out, (weight.kh, weight.kw)).weight.shape)
    swapped = (weight.c_in, weight.c_out, weight.kh, weight.kw)   # in and out mixed up
    assert swapped != true_weight
    design = p["01-design-layer"]
    layer = (f"nn.Conv2d({design.c_in}, {design.c_out}, kernel_size={design.k}, stride=2, "
             f"padding={design.k // 2})")
    made = eval(layer)(torch.zeros(design.n, design.c_in, design.h, design.w)).shape
    design_right = tuple(made) == (design.n, design.c_out, design.h_out, design.w_out)
    assert design_right, "the student's layer must really do the job"
    return {
        "01-output-shape": (f"answer = {tuple(out)}", 1),
        "01-weight-shape": (f"answer = {swapped}", 0),
        "01-param-count": (f"answer = {params}", 1),
        "01-design-layer": (f"layer = {layer}", 2),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    need("nbgrader", "the grading tool (pip install -e '.[classroom]')")
    course = tmp_path_factory.mktemp("course")
    written = write_course(course, ROOT / "notebooks", ("ko",), [LESSON.name])
    assert written == [course / "source" / NAME / f"{NAME}.ipynb"]
    # Grading runs the whole notebook; the lesson's own cells are nbval's to test, so keep its
    # set-up cell, its prose and the graded cells (lesson 01's answers need nothing else).
    source = json.loads(written[0].read_text("utf-8"))
    code = [c for c in source["cells"] if c["cell_type"] == "code"]
    source["cells"] = [c for c in source["cells"] if c["cell_type"] == "markdown"
                       or c is code[0] or "nbgrader" in c["metadata"]]
    written[0].write_text(json.dumps(source), encoding="utf-8")
    nbgrader(course, "generate_assignment", NAME, "--force")
    released = json.loads((course / "release" / NAME / f"{NAME}.ipynb").read_text("utf-8"))
    answers = student_answers()
    for cell in released["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("-answer"):
            source = "".join(cell["source"])
            assert "right_answer" not in source, "the student's copy shows the solution"
            starter = source.splitlines()[0]
            assert starter.rstrip().split("#")[0].strip().endswith("= None"), starter
            cell["source"] = source.replace(starter, answers[grade_id[:-len("-answer")]][0])
    submitted = course / "submitted" / "alice" / NAME
    submitted.mkdir(parents=True)
    (submitted / f"{NAME}.ipynb").write_text(json.dumps(released), encoding="utf-8")
    nbgrader(course, "autograde", NAME, "--force")
    return course, answers


def test_autograde_scores_each_answer_as_pytorch_judges_it(graded):
    from nbgrader.api import Gradebook

    course, answers = graded
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        submission = book.find_submission_notebook(NAME, NAME, "alice")
        scores = {grade.name[:-len("-check")]: grade.score for grade in submission.grades}
        max_scores = {grade.name[:-len("-check")]: grade.max_score for grade in submission.grades}
    assert scores == {exercise: points for exercise, (_, points) in answers.items()}
    # a transfer task is worth two points, every other exercise one
    assert max_scores == {i: 2 if EXERCISES[i].transfer else 1 for i in answers}
    assert sum(max_scores.values()) == points(LESSON)


def test_the_hidden_tests_stay_hidden_from_students(graded):
    course, _ = graded
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text("utf-8")
    source = (course / "source" / NAME / f"{NAME}.ipynb").read_text("utf-8")
    assert "BEGIN HIDDEN TESTS" in source and "assert exercises.check" in source
    assert "assert exercises.check" not in released and "HIDDEN TESTS" not in released
