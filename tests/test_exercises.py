"""convlab.exercises: right answers pass, wrong ones fail with a hint, and the hint never gives
the answer away.

The right answers here are computed in this file with PyTorch (nn.Conv2d, F.conv2d, F.unfold,
F.pad, transforms.Normalize), independently of the judges in convlab/exercises.py.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import transforms

from convlab import exercises
from convlab.course.manifest import LESSONS as MANIFEST
from convlab.i18n import LANGS

LESSONS = tuple(item.name for item in MANIFEST)


# --- right answers, computed with PyTorch ---------------------------------------------------------

def shape_of(layer: nn.Module, *input_shape: int) -> tuple[int, ...]:
    return tuple(layer(torch.zeros(*input_shape)).shape)


def conv_by_loops(x: torch.Tensor, w: torch.Tensor, stride: int) -> torch.Tensor:
    kh, kw = w.shape
    rows = range(0, x.shape[0] - kh + 1, stride)
    cols = range(0, x.shape[1] - kw + 1, stride)
    return torch.tensor([[float((x[r:r + kh, c:c + kw] * w).sum()) for c in cols] for r in rows])


def rows_nobody_reads() -> int:
    conv = nn.Conv2d(1, 1, 3, stride=3)
    x = torch.randn(1, 1, 11, 3)
    x.requires_grad_(True)
    conv(x).sum().backward()
    return int((x.grad[0, 0].abs().sum(dim=1) == 0).sum())


def padding_mode_giving(target: list[float]) -> str:
    row = torch.tensor([[[[1.0, 2.0, 3.0, 4.0]]]])
    for mode in ("reflect", "replicate", "circular"):
        if F.pad(row, (2, 2, 0, 0), mode=mode)[0, 0, 0].tolist() == target:
            return mode
    raise AssertionError("no mode")


MEAN, STD = 0.1307, 0.3081

RIGHT = {
    "00-batch-size": lambda: torch.randn(20, 16, 50, 100).shape[0],
    "00-input-dims": lambda: torch.zeros(1, 1, 3, 3).dim(),
    "01-output-shape": lambda: shape_of(nn.Conv2d(3, 8, kernel_size=5, stride=2, padding=1), 4, 3, 32, 32),
    "01-weight-shape": lambda: tuple(nn.Conv2d(6, 12, kernel_size=(3, 5)).weight.shape),
    "01-param-count": lambda: sum(p.numel() for p in nn.Conv2d(16, 33, 3).parameters()),
    "02-same-padding": lambda: 2 * (5 - 1) // 2,
    "02-unused-rows": rows_nobody_reads,
    "02-padding-mode": lambda: padding_mode_giving([3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0]),
    "02-dilated-span": lambda: 4 * (3 - 1) + 1,
    "03-groups-weight-shape": lambda: tuple(nn.Conv2d(8, 16, 3, groups=4).weight.shape),
    "03-depthwise-layer": lambda: nn.Conv2d(6, 12, 3, padding=1, groups=6),
    "03-separable-params": lambda: (nn.Conv2d(32, 32, 3, groups=32, bias=False).weight.numel()
                                    + nn.Conv2d(32, 64, 1, bias=False).weight.numel()),
    "04-output-shape": lambda: shape_of(nn.Conv2d(1, 20, 5, stride=2, padding=2), 1, 1, 28, 28),
    "04-to-numpy": lambda: (lambda t: t.detach().cpu().numpy()),
    "04-edge-kernel": lambda: [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]],
    "05-normalize": lambda: (1 / STD, -MEAN / STD),
    "05-undo-normalize": lambda: (0.5, 0.5),
    "05-swap-channels": lambda: torch.eye(3).flip(0).view(3, 3, 1, 1),
    "06-macs": lambda: (nn.Conv2d(3, 8, 3)(torch.zeros(1, 3, 32, 32)).numel() * 3 * 3 * 3),
    "06-my-conv": lambda: conv_by_loops,
    "06-unfold-shape": lambda: tuple(F.unfold(torch.zeros(2, 3, 8, 8), kernel_size=3).shape),
}


def test_the_right_answers_above_agree_with_pytorch_where_they_are_not_computed_by_it():
    """Guards for the few answers written as formulas or by hand in RIGHT."""
    x = torch.zeros(1, 1, 12, 12)
    assert F.conv2d(x, torch.zeros(1, 1, 5, 5), padding=RIGHT["02-same-padding"](), dilation=2).shape == x.shape
    x = torch.zeros(1, 1, 1, RIGHT["02-dilated-span"]())
    assert F.conv2d(x, torch.zeros(1, 1, 1, 3), dilation=4).shape[-1] == 1
    digit = torch.rand(1, 4, 4)
    mul, add = RIGHT["05-normalize"]()
    assert torch.allclose(transforms.Normalize((MEAN,), (STD,))(digit), digit * mul + add, atol=1e-6)
    for stride in (1, 2, 3):
        x, w = torch.randn(7, 8), torch.randn(3, 2)
        assert torch.allclose(conv_by_loops(x, w, stride),
                              F.conv2d(x[None, None], w[None, None], stride=stride)[0, 0], atol=1e-5)


# --- wrong answers: typical mistakes --------------------------------------------------------------

def flipped_conv(x, w, stride):
    return conv_by_loops(x, w.flip(0, 1), stride)


def stride_bug(x, w, stride):
    kh, kw = w.shape
    rows = range(0, (x.shape[0] - kh + 1) // stride, stride) if stride > 1 else range(x.shape[0] - kh + 1)
    cols = range(0, (x.shape[1] - kw + 1) // stride, stride) if stride > 1 else range(x.shape[1] - kw + 1)
    return torch.tensor([[float((x[r:r + kh, c:c + kw] * w).sum()) for c in cols] for r in rows])


def stride_ignored(x, w, stride):
    return conv_by_loops(x, w, 1)


WRONG = {
    "00-batch-size": [16, 50, 100, 1],
    "00-input-dims": [3, 2],
    "01-output-shape": [(4, 8, 16, 16), (4, 3, 15, 15), (4, 8, 15), (8, 4, 15, 15)],
    "01-weight-shape": [(6, 12, 3, 5), (12, 6, 5, 3), (12, 3, 3, 5), (12, 6)],
    "01-param-count": [33 * 16 * 9, 33 * 9 + 33, 1],
    "02-same-padding": [8, 2, 0],
    "02-unused-rows": [0, 1, 3],
    "02-padding-mode": ["reflect", "replicate", "zeros"],
    "02-dilated-span": [12, 3, 7],
    "03-groups-weight-shape": [(16, 8, 3, 3), (4, 2, 3, 3), (16, 2, 3)],
    "03-depthwise-layer": [nn.Conv2d(6, 12, 3, padding=1), nn.Conv2d(6, 12, 3, groups=6),
                           nn.Conv2d(6, 6, 3, padding=1, groups=6), nn.Conv2d(6, 12, 5, padding=2, groups=6),
                           "nn.Conv2d(6, 12, 3, padding=1, groups=6)"],
    "03-separable-params": [18432, 288, 2048, 32 * 32 * 9 + 2048],
    "04-output-shape": [(1, 20, 24, 24), (1, 20, 13, 13), (20, 1, 14, 14)],
    "04-to-numpy": [lambda t: t.numpy(), lambda t: t.detach(), lambda t: None, 3],
    "04-edge-kernel": [[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
                       [[1, 1, 1], [1, 1, 1], [1, 1, 1]], [[0] * 3] * 3, [[1, 0], [0, 1]]],
    "05-normalize": [(STD, -MEAN), (1 / STD, -MEAN), (1.0, 0.0), (1, 2, 3), "3.2, -0.4"],
    "05-undo-normalize": [(2.0, -1.0), (1.0, 0.0), (0.5, -0.5)],
    "05-swap-channels": [torch.eye(3).view(3, 3, 1, 1), torch.ones(3, 1, 1, 1), torch.eye(3)],
    "06-macs": [8 * 32 * 32 * 27, 8 * 30 * 30 * 9, 1],
    "06-my-conv": [flipped_conv, stride_bug, stride_ignored, lambda x, w, s: None, 5],
    "06-unfold-shape": [(2, 3, 36), (2, 27, 64), (2, 27)],
}


def answer_strings(right) -> list[str]:
    """Ways the right answer could be written in a message (a hint must contain none of them)."""
    if isinstance(right, tuple) and all(isinstance(v, int) for v in right):
        inside = ", ".join(str(v) for v in right)
        return [f"({inside})", f"[{inside}]", inside]
    if isinstance(right, tuple):
        return [f"{v:.3f}" for v in right] + [f"{v:.2f}" for v in right]
    if isinstance(right, int):
        return [str(right), f"{right:,}"]
    if isinstance(right, str):
        return [right]
    return []


def mentions(message: str, text: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(text)}(?![\w])", message) is not None


# --- the tests ------------------------------------------------------------------------------------

def test_every_exercise_has_a_right_answer_and_wrong_answers_here():
    assert set(RIGHT) == set(exercises.EXERCISES) == set(WRONG)


def test_every_lesson_has_exercises_and_every_question_exists_in_both_languages():
    for lesson in LESSONS:
        assert len(exercises.ids(lesson)) >= 2, lesson
    for exercise_id in exercises.ids():
        assert exercises.EXERCISES[exercise_id].lesson in LESSONS
        for lang in LANGS:
            assert len(exercises.question(exercise_id, lang)) > 20


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_a_right_answer_passes_and_says_why(exercise_id, lang):
    result = exercises.check(exercise_id, RIGHT[exercise_id](), lang=lang)
    assert result.correct, result.message
    assert bool(result) is True
    assert result.message.startswith("Right!" if lang == "en" else "정답입니다!")
    assert len(result.message) > len("Right! ") + 10, "a right answer also says why"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_a_wrong_answer_fails_with_a_hint_that_does_not_reveal_the_answer(exercise_id, lang):
    right = RIGHT[exercise_id]()
    for wrong in WRONG[exercise_id]:
        result = exercises.check(exercise_id, wrong, lang=lang)
        assert not result.correct, (wrong, result.message)
        assert result.message.startswith("Not yet." if lang == "en" else "아직 아닙니다.")
        hint = result.message.split(" ", 2)[-1]
        assert len(hint) > 8, f"no hint for {wrong!r}: {result.message}"
        for text in answer_strings(right):
            assert not mentions(result.message, text), (wrong, text, result.message)


@pytest.mark.parametrize("exercise_id", ["01-output-shape", "04-output-shape", "06-unfold-shape"])
def test_a_shape_hint_names_the_wrong_dimension_without_its_value(exercise_id):
    right = RIGHT[exercise_id]()
    wrong = (right[0],) + tuple(v + 1 for v in right[1:])
    message = exercises.check(exercise_id, wrong, lang="en").message
    assert "right" in message and "not right" in message
    for value in set(right[1:]):
        assert not mentions(message, str(value)), (value, message)


@pytest.mark.parametrize("lang", LANGS)
def test_no_answer_yet_is_not_an_error(lang):
    result = exercises.check("01-output-shape", None, lang=lang)
    assert not result.correct
    assert "None" in result.message


def test_a_student_function_that_crashes_is_reported_not_raised():
    def broken(x, w, stride):
        raise ZeroDivisionError("oops")
    result = exercises.check("06-my-conv", broken, lang="en")
    assert not result.correct and "ZeroDivisionError" in result.message


def test_common_mistakes_get_their_own_hint():
    cases = [
        ("01-weight-shape", (6, 12, 3, 5), "swapped"),
        ("02-same-padding", 8, "per side"),
        ("03-separable-params", 18432, "standard"),
        ("04-to-numpy", lambda t: t.numpy(), "requires grad"),
        ("04-edge-kernel", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], "flip"),
        ("05-normalize", (STD, -MEAN), "divides by std"),
        ("06-my-conv", flipped_conv, "flipped"),
        ("06-my-conv", stride_bug, "stride"),
    ]
    for exercise_id, answer, phrase in cases:
        message = exercises.check(exercise_id, answer, lang="en").message
        assert phrase in message, (exercise_id, message)


def test_the_checks_do_not_change_a_students_layer():
    layer = nn.Conv2d(6, 12, 3, padding=1, groups=6)
    before = {k: v.clone() for k, v in layer.state_dict().items()}
    exercises.check("03-depthwise-layer", layer, lang="en")
    assert all(torch.equal(before[k], v) for k, v in layer.state_dict().items())
    assert layer.weight.grad is None


def test_an_answer_outside_the_choices_lists_the_choices():
    message = exercises.check("02-padding-mode", "wrap", lang="en").message
    assert all(mode in message for mode in ("zeros", "reflect", "replicate", "circular"))


def test_unknown_exercises_and_languages_are_clear_errors():
    with pytest.raises(KeyError, match="01-output-shape"):
        exercises.check("01-no-such-exercise", 1)
    with pytest.raises(ValueError, match="lang"):
        exercises.check("01-output-shape", (1, 2, 3, 4), lang="fr")


def test_a_result_shows_as_its_message_in_a_notebook():
    result = exercises.check("00-batch-size", 16, lang="ko")
    assert repr(result) == result.message
    assert "아직 아닙니다" in result._repr_html_()
    assert np.array(bool(result)) == np.array(False)
