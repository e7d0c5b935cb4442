"""Exercise checks for the lessons: run a cell, learn whether the answer is right, and why.

Every lesson ends with a few exercises. The student writes an answer and runs::

    exercises.check("01-output-shape", answer, lang="ko")

The right answer is computed with PyTorch at check time (``nn.Conv2d``, ``F.conv2d``,
``F.unfold``, ``transforms.Normalize``...), never stored as a literal that could drift from what
PyTorch does. A wrong answer gets a hint that says what to reconsider without giving the answer
away; a right one gets a short explanation. The question texts live here too, so the notebooks
(built by ``tools/build_notebooks.py``) and the checks can never disagree about the numbers.
"""
from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..figures import style
from ..i18n import check_lang

__all__ = ["check", "question", "ids", "CheckResult", "Exercise", "EXERCISES"]

class _Say:
    """Pick the English or the Korean text of a message."""

    def __init__(self, lang: str) -> None:
        self.lang = check_lang(lang)

    def __call__(self, en: str, ko: str) -> str:
        return ko if self.lang == "ko" else en


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` found: shown as a friendly message, true when the answer is right."""

    exercise: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        colour = style.OUTPUT if self.correct else style.DROPPED
        return (f'<div style="border-left: 4px solid {colour}; padding: 4px 10px; '
                f'white-space: pre-wrap">{html.escape(self.message)}</div>')


Judge = Callable[[Any, _Say], "tuple[bool, str]"]


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it belongs, its question in both languages, and its judge."""

    id: str
    lesson: str
    question_en: str
    question_ko: str
    judge: Judge


EXERCISES: dict[str, Exercise] = {}


def _exercise(exercise_id: str, lesson: str, en: str, ko: str) -> Callable[[Judge], Judge]:
    def register(judge: Judge) -> Judge:
        EXERCISES[exercise_id] = Exercise(exercise_id, lesson, en.strip(), ko.strip(), judge)
        return judge
    return register


def _get(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(EXERCISES)}") from None


def ids(lesson: Optional[str] = None) -> list[str]:
    """Exercise ids, in lesson order; only those of ``lesson`` (e.g. "01_conv2d_basics") if given."""
    return [e.id for e in EXERCISES.values() if lesson is None or e.lesson == lesson]


def question(exercise_id: str, lang: str = "en") -> str:
    """The question of an exercise (Markdown), in ``lang``."""
    say = _Say(lang)
    ex = _get(exercise_id)
    return say(ex.question_en, ex.question_ko)


def check(exercise_id: str, answer: Any, lang: str = "en") -> CheckResult:
    """Judge ``answer`` to exercise ``exercise_id``; the result shows as a message in ``lang``.

    Right: "Right!" and why. Wrong: "Not yet." and a hint that never contains the answer.
    ``None`` (the placeholder in the notebooks) means "no answer yet".
    """
    say = _Say(lang)
    ex = _get(exercise_id)
    if answer is None or answer is Ellipsis:
        return CheckResult(exercise_id, False, say(
            "No answer yet: replace None with your answer and run the cell again.",
            "아직 답이 없습니다. None 자리에 답을 쓰고 셀을 다시 실행하세요."))
    try:
        ok, why = ex.judge(answer, say)
    except Exception as exc:  # noqa: BLE001 - a student's function may fail in any way
        ok, why = False, say(
            f"Checking your answer raised {type(exc).__name__}: {exc}",
            f"답을 확인하는 중에 {type(exc).__name__} 오류가 났습니다: {exc}")
    head = say("Right! ", "정답입니다! ") if ok else say("Not yet. ", "아직 아닙니다. ")
    return CheckResult(exercise_id, bool(ok), head + why)


# ---------------------------------------------------------------------------------------------
# Reading answers
# ---------------------------------------------------------------------------------------------

def _as_int(answer: Any) -> Optional[int]:
    if isinstance(answer, bool):
        return None
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, numbers.Integral):
        return int(answer)
    if isinstance(answer, numbers.Real) and float(answer).is_integer():
        return int(answer)
    return None


def _as_shape(answer: Any) -> Optional[tuple[int, ...]]:
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Iterable):
        return None
    dims = [_as_int(d) for d in answer]
    return None if any(d is None for d in dims) else tuple(dims)  # type: ignore[misc]


def _as_numbers(answer: Any, count: int) -> Optional[tuple[float, ...]]:
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Iterable):
        return None
    values = list(answer)
    if len(values) != count:
        return None
    try:
        return tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return None


def _as_tensor(answer: Any) -> Optional[torch.Tensor]:
    try:
        return torch.as_tensor(np.asarray(answer, dtype=np.float64)).to(torch.float64)
    except (TypeError, ValueError):
        return None


def _not_a(kind_en: str, kind_ko: str, say: _Say) -> tuple[bool, str]:
    return False, say(f"Your answer should be {kind_en}.", f"답은 {kind_ko} 형태여야 합니다.")


def _judge_shape(answer: Any, right: tuple[int, ...], names: tuple[str, ...],
                 hints: dict[int, tuple[str, str]], say: _Say, why_right: str) -> tuple[bool, str]:
    """Compare a shape dimension by dimension; name each wrong dimension with its hint."""
    shape = _as_shape(answer)
    if shape is None:
        return _not_a("a tuple of ints, e.g. (1, 2, 3, 4)", "(1, 2, 3, 4) 같은 정수 튜플", say)
    if len(shape) != len(right):
        return False, say(
            f"Your shape has {len(shape)} numbers; this tensor has {len(right)} dimensions: "
            f"({', '.join(names)}).",
            f"답의 숫자는 {len(shape)}개인데, 이 텐서의 차원은 {len(right)}개입니다: "
            f"({', '.join(names)}).")
    if shape == right:
        return True, why_right
    wrong = [i for i, (a, b) in enumerate(zip(shape, right)) if a != b]
    ok_names = [names[i] for i in range(len(right)) if i not in wrong]
    lines = []
    if ok_names:
        lines.append(say(f"{', '.join(ok_names)}: right.", f"{', '.join(ok_names)}: 맞습니다."))
    for i in wrong:
        en, ko = hints.get(i, ("recompute this one.", "다시 계산해 보세요."))
        lines.append(say(f"{names[i]}: not right; {en}", f"{names[i]}: 틀렸습니다. {ko}"))
    return False, "\n".join(lines)


def _judge_int(answer: Any, right: int, near_misses: dict[int, tuple[str, str]],
               generic: tuple[str, str], say: _Say, why_right: str) -> tuple[bool, str]:
    value = _as_int(answer)
    if value is None:
        return _not_a("a whole number", "정수", say)
    if value == right:
        return True, why_right
    if value in near_misses:
        return False, say(*near_misses[value])
    return False, say(*generic)


_H_FORMULA = "floor((H + 2·padding − dilation·(kernel_size − 1) − 1) / stride) + 1"


# ---------------------------------------------------------------------------------------------
# 00_start_here
# ---------------------------------------------------------------------------------------------

@_exercise(
    "00-batch-size", "00_start_here",
    en="`x = torch.randn(20, 16, 50, 100)` is a batch of images for `nn.Conv2d`. "
       "How many images are in it? (an int)",
    ko="`x = torch.randn(20, 16, 50, 100)`은 `nn.Conv2d`에 넣을 이미지 배치입니다. "
       "이미지는 몇 장 들어 있을까요? (정수)")
def _batch_size(answer: Any, say: _Say) -> tuple[bool, str]:
    shape = torch.randn(20, 16, 50, 100).shape
    n, c, h, w = shape
    return _judge_int(
        answer, n,
        {c: ("That is the number of channels, the second dimension C.",
             "그 값은 두 번째 차원 C, 즉 채널 수입니다."),
         h: ("That is a spatial size (height).", "그 값은 공간 크기(높이)입니다."),
         w: ("That is a spatial size (width).", "그 값은 공간 크기(너비)입니다.")},
        ("Conv2d reads its input as (N, C, H, W); the batch size is N.",
         "Conv2d는 입력을 (N, C, H, W)로 읽습니다. 배치 크기는 N입니다."),
        say, say("N, the first dimension, counts the images in the batch.",
                 "첫 번째 차원 N이 배치에 든 이미지 수입니다."))


@_exercise(
    "00-input-dims", "00_start_here",
    en="How many dimensions does a *batched* input to `nn.Conv2d` have? (an int)",
    ko="`nn.Conv2d`에 넣는 *배치* 입력은 몇 차원 텐서일까요? (정수)")
def _input_dims(answer: Any, say: _Say) -> tuple[bool, str]:
    right = F.conv2d(torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 1, 1)).dim()
    return _judge_int(
        answer, right,
        {right - 1: ("That many is an *unbatched* input (C, H, W); a batch adds one dimension.",
                     "그 차원 수는 배치가 *없는* 입력 (C, H, W)입니다. 배치는 차원을 하나 더합니다.")},
        ("Count the letters of (N, C, H, W).", "(N, C, H, W)의 글자 수를 세어 보세요."),
        say, say("(N, C, H, W): batch, channels, height, width.",
                 "(N, C, H, W): 배치, 채널, 높이, 너비입니다."))


# ---------------------------------------------------------------------------------------------
# 01_conv2d_basics
# ---------------------------------------------------------------------------------------------

@_exercise(
    "01-output-shape", "01_conv2d_basics",
    en="What is the shape of `nn.Conv2d(3, 8, kernel_size=5, stride=2, padding=1)` applied to "
       "`torch.randn(4, 3, 32, 32)`? Answer a tuple of four ints.",
    ko="`nn.Conv2d(3, 8, kernel_size=5, stride=2, padding=1)`에 `torch.randn(4, 3, 32, 32)`를 "
       "넣으면 출력의 모양은 무엇일까요? 정수 네 개의 튜플로 답하세요.")
def _output_shape(answer: Any, say: _Say) -> tuple[bool, str]:
    right = tuple(nn.Conv2d(3, 8, kernel_size=5, stride=2, padding=1)(torch.randn(4, 3, 32, 32)).shape)
    hw = (say(f"use {_H_FORMULA}; padding counts on both sides and the division rounds down.",
              f"{_H_FORMULA} 식을 쓰세요. padding은 양쪽에 더해지고, 나눗셈은 내림합니다."))
    return _judge_shape(
        answer, right, ("N", "C_out", "H_out", "W_out"),
        {0: ("the batch size passes through unchanged.", "배치 크기는 그대로 통과합니다."),
         1: ("the number of output channels is set by out_channels.",
             "출력 채널 수는 out_channels가 정합니다."),
         2: (hw, hw), 3: (hw, hw)},
        say, say("N passes through, C_out = out_channels, and H_out = W_out = "
                 "floor((32 + 2·1 − 1·(5 − 1) − 1) / 2) + 1.",
                 "N은 그대로, C_out = out_channels, H_out = W_out = "
                 "floor((32 + 2·1 − 1·(5 − 1) − 1) / 2) + 1입니다."))


@_exercise(
    "01-weight-shape", "01_conv2d_basics",
    en="What is `nn.Conv2d(6, 12, kernel_size=(3, 5)).weight.shape`? Answer a tuple of four ints.",
    ko="`nn.Conv2d(6, 12, kernel_size=(3, 5)).weight.shape`은 무엇일까요? 정수 네 개의 튜플로 "
       "답하세요.")
def _weight_shape(answer: Any, say: _Say) -> tuple[bool, str]:
    right = tuple(nn.Conv2d(6, 12, kernel_size=(3, 5)).weight.shape)
    shape = _as_shape(answer)
    if shape is not None and len(shape) == 4 and shape != right:
        if (shape[1], shape[0]) + shape[2:] == right:
            return False, say("The two channel numbers are swapped: which comes first in a "
                              "Conv2d weight, out_channels or in_channels?",
                              "두 채널 수의 순서가 바뀌었습니다. Conv2d 가중치에서는 out_channels와 "
                              "in_channels 중 무엇이 먼저 올까요?")
        if shape[:2] + (shape[3], shape[2]) == right:
            return False, say("The kernel's two sizes are swapped: kernel_size is (height, width).",
                              "커널의 두 크기가 바뀌었습니다. kernel_size는 (높이, 너비) 순서입니다.")
    return _judge_shape(
        answer, right, ("out_channels", "in_channels/groups", "kH", "kW"),
        {0: ("each output channel has its own filter.", "출력 채널마다 필터가 하나씩 있습니다."),
         1: ("each filter spans every input channel (groups=1).",
             "필터 하나는 모든 입력 채널에 걸칩니다 (groups=1)."),
         2: ("kernel_size=(3, 5) is (height, width).", "kernel_size=(3, 5)는 (높이, 너비)입니다."),
         3: ("kernel_size=(3, 5) is (height, width).", "kernel_size=(3, 5)는 (높이, 너비)입니다.")},
        say, say("A Conv2d weight is (out_channels, in_channels/groups, kH, kW).",
                 "Conv2d 가중치는 (out_channels, in_channels/groups, kH, kW)입니다."))


@_exercise(
    "01-param-count", "01_conv2d_basics",
    en="How many learnable numbers (weights and biases together) does "
       "`nn.Conv2d(16, 33, 3)` hold? (an int)",
    ko="`nn.Conv2d(16, 33, 3)`에서 학습되는 값(가중치와 편향을 합해서)은 몇 개일까요? (정수)")
def _param_count(answer: Any, say: _Say) -> tuple[bool, str]:
    layer = nn.Conv2d(16, 33, 3)
    right = sum(p.numel() for p in layer.parameters())
    weights = layer.weight.numel()
    return _judge_int(
        answer, right,
        {weights: ("You counted the weights; the bias adds numbers too.",
                   "가중치만 세었습니다. 편향도 숫자를 더합니다."),
         weights // 16 + layer.bias.numel(): (
             "Each filter spans all 16 input channels, not just one.",
             "필터 하나는 입력 채널 하나가 아니라 16개 전부에 걸칩니다.")},
        ("Count the weight tensor (out_channels, in_channels, kH, kW) and the bias (out_channels).",
         "가중치 텐서 (out_channels, in_channels, kH, kW)와 편향 (out_channels)의 원소 수를 "
         "더해 보세요."),
        say, say("33·16·3·3 weights plus 33 biases.", "가중치 33·16·3·3개에 편향 33개를 더합니다."))


# ---------------------------------------------------------------------------------------------
# 02_stride_padding_dilation
# ---------------------------------------------------------------------------------------------

@_exercise(
    "02-same-padding", "02_stride_padding_dilation",
    en="A 5×5 kernel with `dilation=2` runs at stride 1. Which `padding` (one int, per side) "
       "keeps the output as tall and wide as the input?",
    ko="5×5 커널이 `dilation=2`, 스트라이드 1로 움직입니다. 출력 크기를 입력과 같게 유지하는 "
       "`padding`(한 변에 더하는 정수 하나)은 얼마일까요?")
def _same_padding(answer: Any, say: _Say) -> tuple[bool, str]:
    x = torch.zeros(1, 1, 12, 12)
    right = next(p for p in range(20)
                 if F.conv2d(x, torch.zeros(1, 1, 5, 5), padding=p, dilation=2).shape == x.shape)
    return _judge_int(
        answer, right,
        {2 * right: ("That is the total over both sides; PyTorch's padding is per side.",
                     "그 값은 양쪽을 합한 패딩입니다. PyTorch의 padding은 한쪽 값입니다."),
         (5 - 1) // 2: ("That ignores the dilation: a dilated kernel spans "
                        "dilation·(kernel_size − 1) + 1 cells.",
                        "팽창을 빠뜨렸습니다. 팽창된 커널은 dilation·(kernel_size − 1) + 1칸에 "
                        "걸칩니다.")},
        ("Set H_out = H in the output-size formula and solve for padding.",
         "출력 크기 식에서 H_out = H로 두고 padding을 구해 보세요."),
        say, say("padding = dilation·(kernel_size − 1) / 2 per side, what padding='same' adds.",
                 "한쪽 padding = dilation·(kernel_size − 1) / 2이고, padding='same'이 더하는 "
                 "값과 같습니다."))


@_exercise(
    "02-unused-rows", "02_stride_padding_dilation",
    en="An input 11 rows tall goes through `nn.Conv2d(1, 1, kernel_size=3, stride=3)`. "
       "How many of its rows does no output value ever read?",
    ko="높이가 11행인 입력이 `nn.Conv2d(1, 1, kernel_size=3, stride=3)`를 지납니다. "
       "어떤 출력 값의 계산에도 쓰이지 않는 행은 몇 개일까요?")
def _unused_rows(answer: Any, say: _Say) -> tuple[bool, str]:
    conv = nn.Conv2d(1, 1, kernel_size=3, stride=3)
    x = torch.rand(1, 1, 11, 4)
    with torch.no_grad():
        base = conv(x)
        unread = 0
        for row in range(11):           # change one row; if no output moves, nobody reads it
            bumped = x.clone()
            bumped[0, 0, row] += 1.0
            unread += int(torch.equal(conv(bumped), base))
    return _judge_int(
        answer, unread,
        {0: ("Not every row is read: the division in the size formula rounds down.",
             "모든 행이 읽히지는 않습니다. 출력 크기 식의 나눗셈은 내림합니다.")},
        ("List the rows each window covers: window i starts at row i·stride.",
         "창마다 덮는 행을 적어 보세요. i번째 창은 i·stride 행에서 시작합니다."),
        say, say("Windows start at rows 0, 3, 6; the rows after the last window are never read.",
                 "창은 0, 3, 6행에서 시작합니다. 마지막 창 뒤의 행은 읽히지 않습니다."))


@_exercise(
    "02-padding-mode", "02_stride_padding_dilation",
    en="Which `padding_mode` pads the row `[1, 2, 3, 4]` by 2 on each side into "
       "`[3, 4, 1, 2, 3, 4, 1, 2]`? Answer a string.",
    ko="행 `[1, 2, 3, 4]`의 양쪽에 2칸씩 패딩해서 `[3, 4, 1, 2, 3, 4, 1, 2]`를 만드는 "
       "`padding_mode`는 무엇일까요? 문자열로 답하세요.")
def _padding_mode(answer: Any, say: _Say) -> tuple[bool, str]:
    row = torch.tensor([[[[1.0, 2.0, 3.0, 4.0]]]])
    target = [3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0]

    def padded(mode: str) -> list[float]:
        fpad_mode = "constant" if mode == "zeros" else mode
        return F.pad(row, (2, 2, 0, 0), mode=fpad_mode)[0, 0, 0].tolist()

    modes = ("zeros", "reflect", "replicate", "circular")
    right = next(m for m in modes if padded(m) == target)
    if not isinstance(answer, str) or answer not in modes:
        return False, say(f"Answer one of {', '.join(repr(m) for m in modes)}.",
                          f"{', '.join(repr(m) for m in modes)} 중 하나로 답하세요.")
    if answer == right:
        return True, say("The values wrap around: the left pad is the row's end, the right "
                         "pad its start.",
                         "값이 한 바퀴 돌아옵니다. 왼쪽 패딩은 행의 끝, 오른쪽 패딩은 행의 "
                         "처음입니다.")
    got = ", ".join(f"{v:g}" for v in padded(answer))
    return False, say(f"{answer!r} would give [{got}].", f"{answer!r}를 쓰면 결과는 [{got}]입니다.")


def _fits(width: int, weight: torch.Tensor, dilation: int) -> bool:
    """Does a (1, width) input give PyTorch exactly one output column? (It raises if too narrow.)"""
    try:
        return F.conv2d(torch.zeros(1, 1, 1, width), weight, dilation=dilation).shape[-1] == 1
    except RuntimeError:
        return False


@_exercise(
    "02-dilated-span", "02_stride_padding_dilation",
    en="How many input columns wide is the window of `kernel_size=3, dilation=4` "
       "(from its first tap to its last, inclusive)?",
    ko="`kernel_size=3, dilation=4`인 커널의 창은 입력에서 몇 열에 걸칠까요? "
       "(첫 커널 칸부터 마지막 커널 칸까지, 양 끝 포함)")
def _dilated_span(answer: Any, say: _Say) -> tuple[bool, str]:
    w = torch.zeros(1, 1, 1, 3)
    # The narrowest input the kernel fits in is exactly as wide as its window.
    right = next(width for width in range(1, 40) if _fits(width, w, dilation=4))
    return _judge_int(
        answer, right,
        {3 * 4: ("Count the gaps, not the taps: 3 taps have 2 gaps between them.",
                 "탭이 아니라 간격을 세어 보세요. 탭 3개 사이에는 간격이 2개입니다."),
         3: ("That is the number of taps; dilation spreads them apart.",
             "그 값은 탭의 수입니다. 팽창은 탭 사이를 벌립니다.")},
        ("A dilated kernel spans dilation·(kernel_size − 1) + 1 cells.",
         "팽창된 커널은 dilation·(kernel_size − 1) + 1칸에 걸칩니다."),
        say, say("4·(3 − 1) + 1: two gaps of 4 plus the first tap.",
                 "4·(3 − 1) + 1: 4칸 간격 두 개에 첫 탭을 더합니다."))


# ---------------------------------------------------------------------------------------------
# 03_groups_depthwise
# ---------------------------------------------------------------------------------------------

@_exercise(
    "03-groups-weight-shape", "03_groups_depthwise",
    en="What is `nn.Conv2d(8, 16, 3, groups=4).weight.shape`? Answer a tuple of four ints.",
    ko="`nn.Conv2d(8, 16, 3, groups=4).weight.shape`은 무엇일까요? 정수 네 개의 튜플로 답하세요.")
def _groups_weight_shape(answer: Any, say: _Say) -> tuple[bool, str]:
    right = tuple(nn.Conv2d(8, 16, 3, groups=4).weight.shape)
    return _judge_shape(
        answer, right, ("out_channels", "in_channels/groups", "kH", "kW"),
        {0: ("groups does not change how many filters there are: one per output channel.",
             "groups는 필터 수를 바꾸지 않습니다. 출력 채널마다 필터가 하나입니다."),
         1: ("with groups, each filter sees only the input channels of its own group.",
             "groups를 쓰면 필터는 자기 그룹의 입력 채널만 봅니다."),
         2: ("kernel_size=3 means 3×3.", "kernel_size=3은 3×3입니다."),
         3: ("kernel_size=3 means 3×3.", "kernel_size=3은 3×3입니다.")},
        say, say("Each of the 16 filters sees 8 / 4 input channels.",
                 "필터 16개가 각각 8 / 4개의 입력 채널을 봅니다."))


@_exercise(
    "03-depthwise-layer", "03_groups_depthwise",
    en="Build a depthwise `nn.Conv2d` for 6 input channels with 2 filters per channel (K = 2), "
       "a 3×3 kernel, and an output as tall and wide as the input. Answer the layer itself.",
    ko="입력 채널 6개에 채널마다 필터 2개(K = 2), 3×3 커널을 쓰고 출력 크기가 입력과 같은 "
       "깊이별 `nn.Conv2d`를 만드세요. 층 자체를 답으로 넣으세요.")
def _depthwise_layer(answer: Any, say: _Say) -> tuple[bool, str]:
    if not isinstance(answer, nn.Conv2d):
        return _not_a("an nn.Conv2d layer", "nn.Conv2d 층", say)
    c_in, k = 6, 2
    if answer.in_channels != c_in:
        return False, say("The layer must take the 6 input channels.",
                          "층은 입력 채널 6개를 받아야 합니다.")
    if answer.out_channels != k * c_in:
        return False, say("Depthwise with K filters per channel gives out_channels = K × "
                          "in_channels.",
                          "채널마다 필터 K개인 깊이별 합성곱은 out_channels = K × in_channels입니다.")
    if answer.kernel_size != (3, 3):
        return False, say("The kernel should be 3×3.", "커널은 3×3이어야 합니다.")
    x = torch.randn(1, c_in, 7, 9, requires_grad=True)
    out = answer(x)
    if out.shape[-2:] != x.shape[-2:]:
        return False, say("The output's height and width differ from the input's: "
                          "check padding.",
                          "출력의 높이와 너비가 입력과 다릅니다. padding을 확인하세요.")
    # Which input channels does each output channel depend on? Ask autograd.
    for j in range(out.shape[1]):
        (grad,) = torch.autograd.grad(out[0, j].sum(), x, retain_graph=True)
        seen = [c for c in range(c_in) if grad[0, c].abs().sum() > 0]
        if len(seen) != 1:
            return False, say(f"Output channel {j} reads {len(seen)} input channels; in a "
                              "depthwise layer each output reads exactly one. Which argument "
                              "splits the channels?",
                              f"{j}번 출력 채널이 입력 채널 {len(seen)}개를 읽습니다. 깊이별 "
                              "합성곱에서는 출력 채널마다 입력 채널을 딱 하나만 읽습니다. "
                              "채널을 나누는 인자는 무엇일까요?")
    return True, say("groups = in_channels: every input channel gets its own K filters.",
                     "groups = in_channels: 입력 채널마다 자기만의 필터 K개가 붙습니다.")


@_exercise(
    "03-separable-params", "03_groups_depthwise",
    en="A depthwise separable block from 32 to 64 channels is "
       "`nn.Conv2d(32, 32, 3, groups=32, bias=False)` followed by "
       "`nn.Conv2d(32, 64, 1, bias=False)`. How many weights does it hold in total?",
    ko="32채널에서 64채널로 가는 깊이별 분리 블록은 `nn.Conv2d(32, 32, 3, groups=32, bias=False)` "
       "다음에 `nn.Conv2d(32, 64, 1, bias=False)`가 오는 구조입니다. 가중치는 모두 몇 개일까요?")
def _separable_params(answer: Any, say: _Say) -> tuple[bool, str]:
    depthwise = nn.Conv2d(32, 32, 3, groups=32, bias=False)
    pointwise = nn.Conv2d(32, 64, 1, bias=False)
    d, p = depthwise.weight.numel(), pointwise.weight.numel()
    standard = nn.Conv2d(32, 64, 3, bias=False).weight.numel()
    return _judge_int(
        answer, d + p,
        {standard: ("That is a standard 3×3 convolution from 32 to 64 channels; the block "
                    "has two much smaller layers.",
                    "그 값은 32채널에서 64채널로 가는 일반 3×3 합성곱입니다. 이 블록은 훨씬 작은 "
                    "층 두 개로 되어 있습니다."),
         d: ("That is only the depthwise layer; add the pointwise one.",
             "깊이별 층만 세었습니다. 점별 층도 더하세요."),
         p: ("That is only the pointwise layer; add the depthwise one.",
             "점별 층만 세었습니다. 깊이별 층도 더하세요."),
         32 * 32 * 9 + p: ("With groups=32 each depthwise filter sees one channel, not 32.",
                           "groups=32이면 깊이별 필터 하나는 채널 32개가 아니라 하나만 봅니다.")},
        ("Count each weight shape (out_channels, in_channels/groups, kH, kW) and add them.",
         "각 가중치 shape (out_channels, in_channels/groups, kH, kW)의 원소 수를 세어 더하세요."),
        say, say("32·1·3·3 depthwise plus 64·32·1·1 pointwise: far fewer than a standard conv.",
                 "깊이별 32·1·3·3개와 점별 64·32·1·1개입니다. 일반 합성곱보다 훨씬 적습니다."))


# ---------------------------------------------------------------------------------------------
# 04_mnist_and_weights
# ---------------------------------------------------------------------------------------------

@_exercise(
    "04-output-shape", "04_mnist_and_weights",
    en="What shape comes out of `nn.Conv2d(1, 20, 5, stride=2, padding=2)` for one MNIST batch "
       "`image` of shape `[1, 1, 28, 28]`? Answer a tuple of four ints.",
    ko="shape이 `[1, 1, 28, 28]`인 MNIST 배치 `image`를 `nn.Conv2d(1, 20, 5, stride=2, "
       "padding=2)`에 넣으면 출력 shape은 무엇일까요? 정수 네 개의 튜플로 답하세요.")
def _mnist_output_shape(answer: Any, say: _Say) -> tuple[bool, str]:
    right = tuple(nn.Conv2d(1, 20, 5, stride=2, padding=2)(torch.zeros(1, 1, 28, 28)).shape)
    hw = say(f"use {_H_FORMULA}; padding counts on both sides and the division rounds down.",
             f"{_H_FORMULA} 식을 쓰세요. padding은 양쪽에 더해지고, 나눗셈은 내림합니다.")
    return _judge_shape(
        answer, right, ("N", "C_out", "H_out", "W_out"),
        {0: ("one image in, one out.", "이미지 하나가 들어가면 하나가 나옵니다."),
         1: ("each of the out_channels filters makes one feature map.",
             "out_channels개의 필터가 각각 특징 맵을 하나씩 만듭니다."),
         2: (hw, hw), 3: (hw, hw)},
        say, say("20 feature maps of floor((28 + 2·2 − 5) / 2) + 1 rows and columns.",
                 "floor((28 + 2·2 − 5) / 2) + 1행, 같은 수의 열을 가진 특징 맵 20개입니다."))


@_exercise(
    "04-to-numpy", "04_mnist_and_weights",
    en="Write `to_numpy(t)` that turns any tensor — including a layer's weight, which requires "
       "grad, and a tensor on the GPU — into a NumPy array with the same values. "
       "Answer the function.",
    ko="어떤 텐서든 — 기울기를 요구하는 층의 가중치나 GPU에 있는 텐서도 — 같은 값의 NumPy "
       "배열로 바꾸는 함수 `to_numpy(t)`를 작성하세요. 함수 자체를 답으로 넣으세요.")
def _to_numpy(answer: Any, say: _Say) -> tuple[bool, str]:
    if not callable(answer):
        return _not_a("a function", "함수", say)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        weight = nn.Conv2d(1, 3, 3).to(device).weight
        try:
            array = answer(weight)
        except RuntimeError as exc:
            if "requires grad" in str(exc):
                return False, say("The weight requires grad, so .numpy() alone refuses. Read the "
                                  "error message: it names the method that cuts a tensor out of "
                                  "the autograd graph.",
                                  "가중치는 기울기를 요구하므로 .numpy()만으로는 거절됩니다. 오류 "
                                  "메시지를 읽어 보세요. 텐서를 autograd 그래프에서 떼어 내는 "
                                  "메서드가 적혀 있습니다.")
            raise
        except TypeError as exc:
            if "cuda" in str(exc).lower():
                return False, say("NumPy arrays live in CPU memory; a GPU tensor must move "
                                  "there first.",
                                  "NumPy 배열은 CPU 메모리에 있습니다. GPU 텐서는 먼저 CPU로 "
                                  "옮겨야 합니다.")
            raise
        if array is None:
            return False, say("Your function returns None: finish it and return the array.",
                              "함수가 None을 돌려줍니다. 함수를 완성하고 배열을 돌려주세요.")
        if not isinstance(array, np.ndarray):
            return False, say(f"The function returned a {type(array).__name__}, not a NumPy "
                              "array.",
                              f"함수가 NumPy 배열이 아니라 {type(array).__name__} 객체를 돌려줍니다.")
        if not weight.requires_grad:
            return False, say("The function changed the layer: its weight no longer requires "
                              "grad. Make a detached view instead of modifying the layer.",
                              "함수가 층을 바꿨습니다. 가중치가 더는 기울기를 요구하지 않습니다. "
                              "층을 고치지 말고 떼어 낸 텐서를 만드세요.")
        expected = weight.detach().cpu().numpy()
        if array.shape != expected.shape or not np.allclose(array, expected):
            return False, say("The array's values or shape differ from the tensor's.",
                              "배열의 값이나 shape이 텐서와 다릅니다.")
    return True, say("detach() leaves the autograd graph, cpu() moves to CPU memory, numpy() "
                     "shares that memory.",
                     "detach()로 autograd 그래프에서 떼고, cpu()로 CPU 메모리로 옮기고, numpy()가 "
                     "그 메모리를 함께 씁니다.")


@_exercise(
    "04-edge-kernel", "04_mnist_and_weights",
    en="Design a 3×3 kernel (a nested list or a tensor) that gives 0 on a flat image, 0 on a "
       "horizontal edge, and a clearly *positive* value where the image goes from bright on the "
       "left to dark on the right.",
    ko="평평한 이미지에서 0, 가로 경계에서도 0을 내고, 이미지가 왼쪽은 밝고 오른쪽은 어두운 "
       "세로 경계에서는 뚜렷한 *양수*를 내는 3×3 커널(중첩 리스트나 텐서)을 설계하세요.")
def _edge_kernel(answer: Any, say: _Say) -> tuple[bool, str]:
    kernel = _as_tensor(answer)
    if kernel is None or kernel.shape != (3, 3):
        return _not_a("3×3 numbers", "3×3 숫자", say)
    w = kernel.view(1, 1, 3, 3)
    flat = torch.ones(1, 1, 6, 6, dtype=torch.float64)
    bright_left = torch.zeros(1, 1, 6, 6, dtype=torch.float64)
    bright_left[..., :3] = 1.0                       # bright left half, dark right half
    horizontal = bright_left.transpose(-1, -2)       # bright top half, dark bottom half
    scale = float(kernel.abs().sum())
    if scale == 0:
        return False, say("An all-zero kernel answers 0 everywhere, also on the edge.",
                          "모두 0인 커널은 경계에서도 0을 냅니다.")
    tol = 1e-6 * scale
    if F.conv2d(flat, w).abs().max() > tol:
        return False, say("It responds to a flat image: a flat patch must give 0, so think "
                          "about what the weights add up to.",
                          "평평한 이미지에 반응합니다. 평평한 부분에서 0이 나오려면 가중치의 "
                          "합이 어떠해야 할지 생각해 보세요.")
    if F.conv2d(horizontal, w).abs().max() > tol:
        return False, say("It responds to a horizontal edge: there every row of the image is "
                          "flat along the width, so look at each row of your kernel.",
                          "가로 경계에 반응합니다. 거기서는 이미지의 각 행이 옆으로 평평하니, "
                          "커널의 행을 하나씩 살펴보세요.")
    response = F.conv2d(bright_left, w)
    if response.max() >= 0.1 * scale:
        return True, say("Each row sums to zero and the left column outweighs the right: "
                         "a vertical edge detector (a mirrored Sobel-x). PyTorch does not flip "
                         "the kernel, so its left column meets the bright left pixels.",
                         "각 행의 합이 0이고 왼쪽 열이 오른쪽 열보다 큽니다. 세로 경계 검출기"
                         "(좌우를 뒤집은 Sobel-x)입니다. PyTorch는 커널을 뒤집지 않으므로 커널의 "
                         "왼쪽 열이 밝은 왼쪽 픽셀과 만납니다.")
    if response.min() <= -0.1 * scale:
        return False, say("It finds the edge but answers with a negative value. PyTorch does not "
                          "flip the kernel: the kernel's left column multiplies the bright pixels.",
                          "경계는 찾지만 음수로 답합니다. PyTorch는 커널을 뒤집지 않습니다. 커널의 "
                          "왼쪽 열이 밝은 픽셀과 곱해집니다.")
    return False, say("It barely responds to the vertical edge: the left and right columns "
                      "should be weighted differently.",
                      "세로 경계에 거의 반응하지 않습니다. 왼쪽 열과 오른쪽 열의 가중치가 "
                      "달라야 합니다.")


# ---------------------------------------------------------------------------------------------
# 05_channel_arithmetic
# ---------------------------------------------------------------------------------------------

def _one_channel_affine(x: torch.Tensor, mul: float, add: float) -> torch.Tensor:
    return F.conv2d(x, torch.tensor([[[[mul]]]], dtype=x.dtype), torch.tensor([add], dtype=x.dtype))


@_exercise(
    "05-normalize", "05_channel_arithmetic",
    en="Find `(mul, add)` so that a 1×1 convolution with weight `mul` and bias `add` does "
       "exactly what `transforms.Normalize((0.1307,), (0.3081,))` does. Answer a pair of "
       "floats (3 decimals are enough).",
    ko="가중치가 `mul`, 편향이 `add`인 1×1 합성곱이 `transforms.Normalize((0.1307,), "
       "(0.3081,))`와 똑같이 계산하도록 `(mul, add)`를 구하세요. 실수 두 개의 쌍으로 답하세요 "
       "(소수점 셋째 자리면 충분합니다).")
def _normalize(answer: Any, say: _Say) -> tuple[bool, str]:
    from torchvision import transforms

    pair = _as_numbers(answer, 2)
    if pair is None:
        return _not_a("a pair of numbers (mul, add)", "(mul, add) 숫자 쌍", say)
    mean, std = 0.1307, 0.3081
    x = torch.rand(1, 1, 8, 8)
    expected = transforms.Normalize((mean,), (std,))(x[0])[None]
    got = _one_channel_affine(x, *pair)
    if torch.allclose(got, expected, atol=2e-3):
        return True, say("Normalize computes (x − mean) / std = x·(1/std) + (−mean/std).",
                         "Normalize는 (x − mean) / std = x·(1/std) + (−mean/std)를 계산합니다.")
    mul, add = pair
    if math.isclose(mul, std, rel_tol=1e-2):
        return False, say("Normalize divides by std; multiplying by std goes the other way.",
                          "Normalize는 std로 나눕니다. std를 곱하면 반대 방향입니다.")
    if math.isclose(add, -mean, rel_tol=1e-2):
        return False, say("The mean is subtracted before the division, so it is divided by "
                          "std too.",
                          "평균은 나누기 전에 빼므로, 평균도 std로 나뉩니다.")
    return False, say("Write (x − mean) / std as x·mul + add and read off mul and add.",
                      "(x − mean) / std를 x·mul + add 꼴로 풀어 쓰고 mul과 add를 읽어 내세요.")


@_exercise(
    "05-undo-normalize", "05_channel_arithmetic",
    en="MNIST images went through `Normalize((0.5,), (0.5,))`. Which `(mul, add)` in a 1×1 "
       "convolution brings them back to the original pixel values in [0, 1]? Answer a pair.",
    ko="MNIST 이미지가 `Normalize((0.5,), (0.5,))`를 거쳤습니다. 1×1 합성곱의 `(mul, add)`를 "
       "얼마로 하면 원래 [0, 1] 픽셀 값으로 되돌릴 수 있을까요? 숫자 쌍으로 답하세요.")
def _undo_normalize(answer: Any, say: _Say) -> tuple[bool, str]:
    from torchvision import transforms

    pair = _as_numbers(answer, 2)
    if pair is None:
        return _not_a("a pair of numbers (mul, add)", "(mul, add) 숫자 쌍", say)
    x = torch.rand(1, 1, 8, 8)
    normalized = transforms.Normalize((0.5,), (0.5,))(x[0])[None]
    if torch.allclose(_one_channel_affine(normalized, *pair), x, atol=1e-4):
        return True, say("Solving y = 2x − 1 for x gives x = y/2 + 1/2.",
                         "y = 2x − 1을 x에 대해 풀면 x = y/2 + 1/2입니다.")
    if torch.allclose(_one_channel_affine(x, *pair), normalized, atol=1e-4):
        return False, say("That is Normalize itself; go the other way.",
                          "그것은 Normalize 자신입니다. 반대 방향으로 가야 합니다.")
    return False, say("Normalize computed y = x·2 − 1; solve that for x.",
                      "Normalize는 y = x·2 − 1을 계산했습니다. 이 식을 x에 대해 푸세요.")


@_exercise(
    "05-swap-channels", "05_channel_arithmetic",
    en="Give a weight tensor `w` for `F.conv2d(x, w)` (a 1×1 convolution, `groups=1`, no bias) "
       "that reverses the order of 3 channels: RGB in, BGR out.",
    ko="3채널의 순서를 뒤집는(RGB를 넣으면 BGR이 나오는) `F.conv2d(x, w)`용 가중치 텐서 `w`를 "
       "만드세요 (1×1 합성곱, `groups=1`, 편향 없음).")
def _swap_channels(answer: Any, say: _Say) -> tuple[bool, str]:
    w = _as_tensor(answer)
    if w is None or w.dim() != 4 or w.shape[-2:] != (1, 1):
        return _not_a("a 4-D tensor of shape (out_channels, in_channels, 1, 1)",
                      "shape이 (out_channels, in_channels, 1, 1)인 4차원 텐서", say)
    if w.shape[:2] != (3, 3):
        return False, say("With groups=1, a 1×1 convolution from 3 to 3 channels has one "
                          "weight per (output channel, input channel) pair.",
                          "groups=1이면 3채널에서 3채널로 가는 1×1 합성곱은 (출력 채널, 입력 채널) "
                          "쌍마다 가중치가 하나입니다.")
    x = torch.rand(2, 3, 4, 5, dtype=torch.float64)
    out = F.conv2d(x, w)
    if torch.allclose(out, x.flip(1)):
        return True, say("A permutation matrix: output channel j copies one input channel "
                         "with weight 1.",
                         "순열 행렬입니다. 출력 채널 j가 입력 채널 하나를 가중치 1로 베낍니다.")
    if torch.allclose(out, x):
        return False, say("That copies every channel to itself; output channel 0 should read "
                          "the last input channel.",
                          "각 채널을 자기 자신으로 베낍니다. 출력 채널 0은 마지막 입력 채널을 "
                          "읽어야 합니다.")
    return False, say("w[j, i] is how much of input channel i goes into output channel j; "
                      "each output should take exactly one input, unchanged.",
                      "w[j, i]는 입력 채널 i가 출력 채널 j에 들어가는 양입니다. 출력마다 입력 "
                      "하나를 그대로 받아야 합니다.")


# ---------------------------------------------------------------------------------------------
# 06_conv2d_from_scratch
# ---------------------------------------------------------------------------------------------

@_exercise(
    "06-macs", "06_conv2d_from_scratch",
    en="How many multiply-adds does `nn.Conv2d(3, 8, 3)` do on one 32×32 image "
       "(`torch.randn(1, 3, 32, 32)`), not counting the bias?",
    ko="`nn.Conv2d(3, 8, 3)`가 32×32 이미지 한 장(`torch.randn(1, 3, 32, 32)`)에 하는 "
       "곱셈-덧셈은 몇 번일까요? 편향은 세지 않습니다.")
def _macs(answer: Any, say: _Say) -> tuple[bool, str]:
    conv = nn.Conv2d(3, 8, 3)
    out = conv(torch.randn(1, 3, 32, 32))
    per_output = conv.weight[0].numel()      # one filter: (in_channels/groups) * kH * kW
    right = out.numel() * per_output
    return _judge_int(
        answer, right,
        {8 * 32 * 32 * per_output: ("Count output positions, not input positions: without "
                                    "padding the output is smaller.",
                                    "입력 위치가 아니라 출력 위치를 세세요. 패딩이 없으면 출력이 "
                                    "더 작습니다."),
         out.numel() * 3 * 3: ("Each output value also sums over all input channels.",
                               "출력 값 하나는 모든 입력 채널에 걸쳐서도 더합니다.")},
        ("Multiply the number of output values by the multiply-adds per output value "
         "(in_channels/groups · kH · kW).",
         "출력 값의 개수에 출력 값 하나당 곱셈-덧셈 수(in_channels/groups · kH · kW)를 곱하세요."),
        say, say("8·30·30 output values, each a sum of 3·3·3 products.",
                 "출력 값 8·30·30개가 각각 곱 3·3·3개의 합입니다."))


@_exercise(
    "06-my-conv", "06_conv2d_from_scratch",
    en="Write `my_conv2d(x, w, stride)` for a 2-D input `x` (H, W) and a 2-D kernel `w` "
       "(kH, kW), no padding, that matches `F.conv2d` for every stride. Answer the function.",
    ko="2차원 입력 `x` (H, W)와 2차원 커널 `w` (kH, kW)를 받아 패딩 없이 계산하고, 어떤 "
       "스트라이드에서도 `F.conv2d`와 같은 결과를 내는 `my_conv2d(x, w, stride)`를 작성하세요. "
       "함수 자체를 답으로 넣으세요.")
def _my_conv(answer: Any, say: _Say) -> tuple[bool, str]:
    if not callable(answer):
        return _not_a("a function", "함수", say)
    g = torch.Generator().manual_seed(0)
    cases = [((5, 5), (3, 3), 1), ((7, 6), (3, 2), 2), ((8, 9), (2, 3), 3), ((10, 7), (3, 3), 4)]
    for (h, w_), (kh, kw), stride in cases:
        x = torch.randn(h, w_, generator=g)
        k = torch.randn(kh, kw, generator=g)
        expected = F.conv2d(x[None, None], k[None, None], stride=stride)[0, 0]
        result = answer(x.clone(), k.clone(), stride)
        if result is None:
            return False, say("Your function returns None: finish it and return the output.",
                              "함수가 None을 돌려줍니다. 함수를 완성하고 출력을 돌려주세요.")
        got = torch.as_tensor(result, dtype=expected.dtype)
        if got.shape != expected.shape:
            return False, say(f"For a {h}×{w_} input, a {kh}×{kw} kernel and stride {stride} "
                              f"the output shape {tuple(got.shape)} is wrong: how many window "
                              "positions fit, floor((H − kH) / stride) + 1?",
                              f"{h}×{w_} 입력, {kh}×{kw} 커널, 스트라이드 {stride}에서 출력 shape이 "
                              f"{tuple(got.shape)}인데, 맞지 않습니다. 창이 들어가는 위치는 "
                              "floor((H − kH) / stride) + 1개입니다.")
        if torch.allclose(got, expected, atol=1e-5):
            continue
        flipped = F.conv2d(x[None, None], k.flip(0, 1)[None, None], stride=stride)[0, 0]
        if torch.allclose(got, flipped, atol=1e-5):
            return False, say("You flipped the kernel: that is convolution in the textbook "
                              "sense, but PyTorch computes cross-correlation.",
                              "커널을 뒤집었습니다. 교과서의 합성곱이지만 PyTorch는 교차 상관을 "
                              "계산합니다.")
        if stride > 1:
            return False, say(f"Right at stride 1, wrong at stride {stride}: output (i, j) "
                              "reads the window that starts at (i·stride, j·stride).",
                              f"스트라이드 1에서는 맞고 {stride}에서는 틀립니다. 출력 (i, j)는 "
                              "(i·stride, j·stride)에서 시작하는 창을 읽습니다.")
        return False, say("The values differ from F.conv2d: output (i, j) is the sum of "
                          "x[i + a, j + b]·w[a, b] over the kernel.",
                          "값이 F.conv2d와 다릅니다. 출력 (i, j)는 커널 전체에 대한 "
                          "x[i + a, j + b]·w[a, b]의 합입니다.")
    return True, say("Your loops agree with F.conv2d at strides 1 to 4.",
                     "스트라이드 1부터 4까지 F.conv2d와 일치합니다.")


@_exercise(
    "06-unfold-shape", "06_conv2d_from_scratch",
    en="What is the shape of `F.unfold(torch.randn(2, 3, 8, 8), kernel_size=3)`? "
       "Answer a tuple of three ints.",
    ko="`F.unfold(torch.randn(2, 3, 8, 8), kernel_size=3)`의 shape은 무엇일까요? 정수 세 개의 "
       "튜플로 답하세요.")
def _unfold_shape(answer: Any, say: _Say) -> tuple[bool, str]:
    right = tuple(F.unfold(torch.randn(2, 3, 8, 8), kernel_size=3).shape)
    return _judge_shape(
        answer, right, ("N", "C·kH·kW", "L"),
        {0: ("the batch passes through.", "배치는 그대로 통과합니다."),
         1: ("one column holds every value of one window: all channels times the kernel area.",
             "열 하나에 창 하나의 값이 모두 들어갑니다. 채널 수에 커널 넓이를 곱한 만큼입니다."),
         2: ("there is one column per window position: H_out·W_out.",
             "창 위치마다 열이 하나 있습니다: H_out·W_out.")},
        say, say("3·3·3 numbers per window, (8 − 3 + 1)² windows.",
                 "창 하나에 3·3·3개의 숫자, 창은 (8 − 3 + 1)²개입니다."))
