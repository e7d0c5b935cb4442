"""convlab.exercises: every exercise is tested from its one declaration, and its right answer is
compared with PyTorch computed here.

Part 1 is generated from the declarations (convlab/exercises/lesson*.py): for every exercise and
language, the right answer passes, each declared near miss gets its own diagnosis, a wrong answer
gets the hints in order, no wrong-answer message contains the right answer, and the worked
solution stays closed until a few tries. Part 2 holds right answers computed in this file with
PyTorch (nn.Conv2d, F.conv2d, F.unfold, transforms.Normalize, FlopCounterMode), independently of
the exercises' own rules, and typical mistakes written out by hand.
"""
from __future__ import annotations

import functools
import re

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode
from torchvision import transforms

from convlab import exercises
from convlab.course.manifest import LESSONS as MANIFEST
from convlab.i18n import LANGS, text

LESSONS = tuple(item.name for item in MANIFEST)
IDS = exercises.ids()


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """The checks run tiny tensors: on a shared machine, handing them to a second thread costs
    far more than the arithmetic (measured: 0.2 s against 0.003 s for one check)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def fresh_progress():
    """Every test starts with no tries and no hints shown."""
    exercises.reset()
    yield
    exercises.reset()


# --- right answers, computed here with PyTorch ----------------------------------------------------

def shape_of(layer: nn.Module, *input_shape: int) -> tuple[int, ...]:
    return tuple(layer(torch.zeros(*input_shape)).shape)


def macs(layer: nn.Module, *input_shape: int) -> int:
    """Multiply-adds as PyTorch's own FLOP counter measures them (2 FLOPs per multiply-add)."""
    with FlopCounterMode(display=False) as counter:
        layer(torch.zeros(*input_shape))
    return counter.get_total_flops() // 2


def conv_by_loops(x: torch.Tensor, w: torch.Tensor, stride: int) -> torch.Tensor:
    kh, kw = w.shape
    rows = range(0, x.shape[0] - kh + 1, stride)
    cols = range(0, x.shape[1] - kw + 1, stride)
    return torch.tensor([[float((x[r:r + kh, c:c + kw] * w).sum()) for c in cols] for r in rows])


def rows_nobody_reads() -> int:
    conv = nn.Conv2d(1, 1, 3, stride=3)
    x = torch.randn(1, 1, 11, 3, requires_grad=True)
    conv(x).sum().backward()
    return int((x.grad[0, 0].abs().sum(dim=1) == 0).sum())


def one_sgd_step(w: float, x: list[float], y: list[float], lr: float) -> tuple[float, float]:
    """(∂loss/∂w, w after one torch.optim.SGD step) for a bare weight and F.mse_loss."""
    weight = torch.tensor(w, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=lr)
    F.mse_loss(weight * torch.tensor(x), torch.tensor(y)).backward()
    grad = weight.grad.item()
    optimizer.step()
    return grad, weight.item()


def padding_mode_giving(target: list[float]) -> str:
    row = torch.tensor([[[[1.0, 2.0, 3.0, 4.0]]]])
    for mode in ("reflect", "replicate", "circular"):
        if F.pad(row, (2, 2, 0, 0), mode=mode)[0, 0, 0].tolist() == target:
            return mode
    raise AssertionError("no mode")


def rgb_normalizer_with_a_diagonal_weight() -> nn.Conv2d:
    """A groups=1 layer (not the groups=3 one of the declaration): any right layer passes."""
    mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
    layer = nn.Conv2d(3, 3, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.diag(1 / std).view(3, 3, 1, 1))
        layer.bias.copy_(-mean / std)
    return layer


MEAN, STD = 0.1307, 0.3081
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

RIGHT = {
    "00-batch-size": lambda: torch.randn(20, 16, 50, 100).shape[0],
    "00-input-dims": lambda: torch.zeros(1, 1, 3, 3).dim(),
    "01-output-shape": lambda: shape_of(nn.Conv2d(3, 8, 5, stride=2, padding=2), 4, 3, 32, 32),
    "01-weight-shape": lambda: tuple(nn.Conv2d(6, 12, kernel_size=(3, 5)).weight.shape),
    "01-param-count": lambda: sum(p.numel() for p in nn.Conv2d(16, 33, 3).parameters()),
    "01-design-layer": lambda: nn.Conv2d(3, 16, 5, stride=2, padding=2, padding_mode="reflect"),
    "02-same-padding": lambda: 2 * (5 - 1) // 2,
    "02-unused-rows": rows_nobody_reads,
    "02-padding-mode": lambda: padding_mode_giving([3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0]),
    "02-dilated-span": lambda: 4 * (3 - 1) + 1,
    "02-rect-padding": lambda: (2 * (3 - 1) // 2, 1 * (7 - 1) // 2),
    "03-groups-weight-shape": lambda: tuple(nn.Conv2d(8, 16, 3, groups=4).weight.shape),
    "03-depthwise-layer": lambda: nn.Conv2d(6, 12, 3, padding=1, groups=6, bias=False),
    "03-separable-params": lambda: (nn.Conv2d(32, 32, 3, groups=32, bias=False).weight.numel()
                                    + nn.Conv2d(32, 64, 1, bias=False).weight.numel()),
    "03-groups-for-params": lambda: next(g for g in (1, 2, 3, 4, 6, 8, 12, 24)
                                         if nn.Conv2d(24, 48, 3, groups=g, bias=False)
                                         .weight.numel() == 2592),
    "04-output-shape": lambda: shape_of(nn.Conv2d(1, 20, 5, stride=2, padding=2), 1, 1, 28, 28),
    "04-to-numpy": lambda: (lambda t: t.detach().cpu().numpy()),
    "04-edge-kernel": lambda: [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]],
    "04-two-layers": lambda: shape_of(nn.Sequential(nn.Conv2d(1, 20, 5),
                                                    nn.Conv2d(20, 50, 5, stride=2)), 64, 1, 28, 28),
    "05-normalize": lambda: (1 / STD, -MEAN / STD),
    "05-undo-normalize": lambda: (0.5, 0.5),
    "05-swap-channels": lambda: torch.eye(3).flip(0).view(3, 3, 1, 1),
    "05-normalize-rgb": rgb_normalizer_with_a_diagonal_weight,
    "06-macs": lambda: macs(nn.Conv2d(3, 8, 3), 1, 3, 32, 32),
    "06-my-conv": lambda: conv_by_loops,
    "06-unfold-shape": lambda: tuple(F.unfold(torch.zeros(2, 3, 8, 8), kernel_size=3).shape),
    "06-macs-grouped": lambda: macs(nn.Conv2d(16, 32, 3, stride=2, padding=1, groups=8),
                                    2, 16, 20, 20),
    "07-flatten-size": lambda: shape_of(nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 20, 3, padding=1),
        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()), 1, 1, 32, 32)[1],
    "07-param-count": lambda: sum(p.numel() for p in nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.MaxPool2d(2), nn.Conv2d(6, 12, 5, padding=2),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12 * 7 * 7, 10)).parameters()),
    "07-sgd-step": lambda: one_sgd_step(w=0.5, x=[1.0, 2.0, 3.0], y=[2.0, 4.0, 6.0], lr=0.05),
    "07-cifar-flatten": lambda: shape_of(nn.Sequential(
        nn.Conv2d(3, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()), 1, 3, 32, 32)[1],
    # lesson 08: transposed convolution
    "08-output-size": lambda: shape_of(nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1),
                                       1, 1, 7, 7)[2],
    "08-output-padding": lambda: next(
        op for op in range(2) if shape_of(nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1,
                                                             output_padding=op), 1, 1, 7, 7)[2] == 14),
    "08-weight-shape": lambda: tuple(nn.ConvTranspose2d(8, 16, 3, groups=2).weight.shape),
    "08-checkerboard": lambda: int(F.conv_transpose2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 3, 3),
                                                      stride=2).max()),
    "08-undo-size": lambda: nn.ConvTranspose2d(8, 3, 5, stride=2, padding=2, output_padding=(0, 1)),
    # lesson 09: fields measured by changing input rows (the exercises use gradients)
    "09-stack-rf": lambda: len(rows_that_move(positive_weights(
        nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3, stride=2), nn.Conv2d(1, 1, 3)), 24, 4)),
    "09-vgg-weights": lambda: (nn.Conv2d(32, 32, 7, bias=False).weight.numel()
                               - 3 * nn.Conv2d(32, 32, 3, bias=False).weight.numel()),
    "09-dilated-rf": lambda: len(rows_that_move(positive_weights(
        *[nn.Conv2d(1, 1, 3, dilation=d) for d in (1, 2, 4, 8)]), 36, 2)),
    "09-ceil-mode": lambda: nn.MaxPool2d(3, stride=2, ceil_mode=True)(torch.zeros(1, 1, 4, 8)).shape[-1],
    "09-alexnet-rf": lambda: alexnet_field(),
}


def positive_weights(*layers: nn.Conv2d) -> nn.Sequential:
    """The layers in a stack, weights drawn from [0.5, 1]: a raised row moves every output that
    depends on it by far more than rounding."""
    for layer in layers:
        nn.init.uniform_(layer.weight, 0.5, 1.0)
    return nn.Sequential(*layers)


def rows_that_move(stack: nn.Module, size: int, i: int) -> list[int]:
    """The input rows whose change moves output cell (i, i): bump each row, run the stack again."""
    x = torch.rand(1, 1, size, size)
    bumped = x.repeat(size + 1, 1, 1, 1)               # copy r has row r raised; the last none
    bumped[torch.arange(size), 0, torch.arange(size)] += 100.0
    with torch.no_grad():
        out = stack(bumped)[:, 0, i, i]
    moved = (out[:-1] - out[-1]).abs() > 1e-3           # batched float32: compare with a margin
    return moved.nonzero().flatten().tolist()


@functools.lru_cache(maxsize=None)
def alexnet_field() -> tuple[int, int]:
    """(receptive field, jump) of torchvision's AlexNet after its second max pooling, from its own
    layers' arguments: one channel, positive weights, each max pooling as the average pooling with
    the same windows."""
    from torchvision.models import alexnet

    layers = []
    with torch.device("meta"):           # only the layers' arguments are read
        features = alexnet(weights=None).features[:6]
    for module in features:
        if isinstance(module, nn.Conv2d):
            conv = nn.Conv2d(1, 1, module.kernel_size, stride=module.stride,
                             padding=module.padding)
            nn.init.uniform_(conv.weight, 0.5, 1.0)
            layers.append(conv)
        elif isinstance(module, nn.MaxPool2d):
            layers.append(nn.AvgPool2d(module.kernel_size, stride=module.stride,
                                       padding=module.padding))
    stack = nn.Sequential(*layers)
    first, second = rows_that_move(stack, 200, 5), rows_that_move(stack, 200, 6)
    assert first == list(range(first[0], first[-1] + 1))
    return len(first), second[0] - first[0]


def test_the_right_answers_above_agree_with_pytorch_where_they_are_not_computed_by_it():
    """Guards for the answers written as formulas or by hand in RIGHT."""
    x = torch.zeros(1, 1, 12, 12)
    assert F.conv2d(x, torch.zeros(1, 1, 5, 5), padding=RIGHT["02-same-padding"](),
                    dilation=2).shape == x.shape
    x = torch.zeros(1, 1, 1, RIGHT["02-dilated-span"]())
    assert F.conv2d(x, torch.zeros(1, 1, 1, 3), dilation=4).shape[-1] == 1
    x, w = torch.randn(1, 1, 20, 30), torch.randn(1, 1, 3, 7)
    assert torch.allclose(F.conv2d(x, w, padding=RIGHT["02-rect-padding"](), dilation=(2, 1)),
                          F.conv2d(x, w, padding="same", dilation=(2, 1)))
    weights = nn.Conv2d(24, 48, 3, groups=RIGHT["03-groups-for-params"](), bias=False).weight
    assert f"{weights.numel()} weights" in exercises.question("03-groups-for-params", "en")
    digit = torch.rand(1, 4, 4)
    mul, add = RIGHT["05-normalize"]()
    assert torch.allclose(transforms.Normalize((MEAN,), (STD,))(digit), digit * mul + add,
                          atol=1e-6)
    mul, add = RIGHT["05-undo-normalize"]()
    assert torch.allclose(transforms.Normalize((0.5,), (0.5,))(digit) * mul + add, digit,
                          atol=1e-6)
    images = torch.rand(2, 3, 5, 5)
    with torch.no_grad():
        assert torch.allclose(RIGHT["05-normalize-rgb"]()(images),
                              transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)(images), atol=1e-5)
    with torch.no_grad():
        assert shape_of(RIGHT["01-design-layer"](), 8, 3, 64, 48) == (8, 16, 32, 24)
    for stride in (1, 2, 3):
        x, w = torch.randn(7, 8), torch.randn(3, 2)
        assert torch.allclose(conv_by_loops(x, w, stride),
                              F.conv2d(x[None, None], w[None, None], stride=stride)[0, 0],
                              atol=1e-5)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("exercise_id", IDS)
def test_the_right_answer_computed_here_passes(exercise_id, lang):
    result = exercises.check(exercise_id, RIGHT[exercise_id](), lang=lang)
    assert result.correct, result.message
    assert result.message.startswith("Right!" if lang == "en" else "정답입니다!")


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


def assert_no_answer_in(message: str, exercise_id: str) -> None:
    """The hint counter ("Hint 2/2") is the only number a message adds of its own."""
    message = re.sub(r"(Hint|힌트) \d+/\d+", "", message)
    for written in answer_strings(RIGHT[exercise_id]()):
        assert not re.search(rf"(?<![\w.]){re.escape(written)}(?![\w])", message), \
            (written, message)


# --- part 1: generated from the declarations ------------------------------------------------------

def test_every_lesson_has_exercises_and_every_lesson_after_00_a_transfer_task():
    assert set(RIGHT) == set(IDS)
    for lesson in LESSONS:
        assert len(exercises.ids(lesson)) >= 2, lesson
        if lesson != LESSONS[0]:
            assert any(exercises.EXERCISES[i].transfer for i in exercises.ids(lesson)), lesson


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_text_of_an_exercise_exists_in_every_language(exercise_id):
    ex = exercises.EXERCISES[exercise_id]
    values = {**ex.values(), "answer": "..."}
    texts = [ex.question, ex.solution, ex.explanation, *ex.hints]
    for lang in LANGS:
        assert all(len(t(lang, values)) > 10 for t in texts)
        assert all(len(miss.says(miss.example(ex.p), ex, lang)) > 10 for miss in ex.near_misses)
    assert re.search(r"[가-힣]", exercises.question(exercise_id, "ko"))
    assert not re.search(r"[가-힣]", exercises.question(exercise_id, "en"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("exercise_id", IDS)
def test_the_declared_right_answer_passes_and_says_why(exercise_id, lang):
    ex = exercises.EXERCISES[exercise_id]
    result = exercises.check(exercise_id, ex.right_answer(), lang=lang)
    assert result.correct and bool(result) is True, result.message
    why = ex.explanation(lang, {**ex.values(), "answer": ex.kind.show(ex.right_answer())})
    assert result.message.endswith(why)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("exercise_id", IDS)
def test_each_near_miss_gets_its_own_diagnosis(exercise_id, lang):
    ex = exercises.EXERCISES[exercise_id]
    for miss in ex.near_misses:
        exercises.reset()
        example = miss.example(ex.p)
        result = exercises.check(exercise_id, example, lang=lang)
        assert not result.correct, miss.says(example, ex, lang)
        assert result.message.startswith("Not yet." if lang == "en" else "아직 아닙니다.")
        assert miss.says(example, ex, lang) in result.message, result.message
        assert_no_answer_in(result.message, exercise_id)


def some_wrong_answer(ex):
    """A wrong answer that is no declared near miss if the kind has one, else the first miss."""
    nearby = ex.kind.nearby(ex.right(ex.p)) if ex.right is not None else None
    return nearby if nearby is not None else ex.near_misses[0].example(ex.p)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("exercise_id", IDS)
def test_wrong_answers_get_the_hints_in_order_and_the_solution_opens_after_the_tries(
        exercise_id, lang):
    ex = exercises.EXERCISES[exercise_id]
    values = ex.values()
    closed = exercises.solution(exercise_id, lang=lang).message
    header = text("exercises.solution", lang)
    for attempt in range(exercises.SOLUTION_AFTER):
        result = exercises.check(exercise_id, some_wrong_answer(ex), lang=lang)
        assert not result.correct
        hint = ex.hints[min(attempt, len(ex.hints) - 1)](lang, values)
        assert hint in result.message, (attempt, result.message)
        assert_no_answer_in(result.message, exercise_id)
        opened = "exercises.solution(" in result.message
        assert opened == (attempt + 1 >= exercises.SOLUTION_AFTER), result.message
        if not opened:
            assert not exercises.solution(exercise_id, lang=lang).message.startswith(header)
    shown = exercises.solution(exercise_id, lang=lang).message
    assert shown.startswith(header) and not closed.startswith(header)
    assert ex.kind.show(ex.right_answer()) in shown or ex.right is None


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_is_never_shown_before_trying(exercise_id, lang):
    ex = exercises.EXERCISES[exercise_id]
    note = exercises.solution(exercise_id, lang=lang)
    for line in ex.solution(lang, {**ex.values(), "answer": "?"}).splitlines():
        assert line.strip()[:25] not in note.message
    assert_no_answer_in(note.message, exercise_id)
    assert f'exercises.hint("{exercise_id}")' in note.message    # kind: points to a hint


def test_a_wrong_answer_after_asking_for_hints_shows_no_earlier_hint():
    ex = exercises.EXERCISES["01-output-shape"]
    exercises.hint("01-output-shape")
    exercises.hint("01-output-shape")
    message = exercises.check("01-output-shape", (1, 2, 3, 4)).message
    assert ex.hints[1]("en", ex.values()) in message
    assert ex.hints[0]("en", ex.values()) not in message


@pytest.mark.parametrize("exercise_id", IDS)
def test_hint_gives_the_next_hint_each_call_and_then_stays_on_the_last(exercise_id):
    ex = exercises.EXERCISES[exercise_id]
    for level in range(len(ex.hints) + 1):
        note = exercises.hint(exercise_id, lang="en")
        assert ex.hints[min(level, len(ex.hints) - 1)]("en", ex.values()) in note.message
        assert_no_answer_in(note.message, exercise_id)


# --- part 2: typical mistakes written out by hand -------------------------------------------------

def flipped_conv(x, w, stride):
    return conv_by_loops(x, w.flip(0, 1), stride)


def stride_bug(x, w, stride):
    """The textbook bug: the loop bound divided by the stride, and stepping by it too."""
    kh, kw = w.shape
    n_rows, n_cols = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    rows = range(0, n_rows // stride, stride) if stride > 1 else range(n_rows)
    cols = range(0, n_cols // stride, stride) if stride > 1 else range(n_cols)
    return torch.tensor([[float((x[r:r + kh, c:c + kw] * w).sum()) for c in cols] for r in rows])


def test_common_mistakes_get_their_own_diagnosis():
    cases = [
        ("01-output-shape", (4, 8, 15, 15), "per side"),
        ("01-weight-shape", (6, 12, 3, 5), "swapped"),
        ("01-design-layer", nn.Conv2d(3, 16, 5, stride=2), "padding"),
        ("02-same-padding", 8, "per side"),
        ("02-rect-padding", (3, 2), "swapped"),
        ("03-separable-params", 18432, "standard"),
        ("03-groups-for-params", 6, "in_channels / groups"),
        ("04-to-numpy", lambda t: t.numpy(), "requires grad"),
        ("04-edge-kernel", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], "flip"),
        ("04-two-layers", (64, 50, 12, 12), "first layer"),
        ("05-normalize", (STD, -MEAN), "divides by std"),
        ("06-my-conv", flipped_conv, "flipped"),
        ("06-my-conv", stride_bug, "stride"),
        ("06-macs-grouped", 8 * 115200, "groups"),
        ("09-stack-rf", 7, "stride"),
        ("09-ceil-mode", 3, "floor"),
        ("09-vgg-weights", 22 * 32, "channels²"),
    ]
    for exercise_id, answer, phrase in cases:
        message = exercises.check(exercise_id, answer, lang="en").message
        assert phrase in message, (exercise_id, message)


@pytest.mark.parametrize("exercise_id", ["01-output-shape", "04-output-shape", "06-unfold-shape"])
def test_a_shape_hint_names_the_wrong_dimension_without_its_value(exercise_id):
    right = RIGHT[exercise_id]()
    wrong = (right[0],) + tuple(v + 7 for v in right[1:])
    message = exercises.check(exercise_id, wrong, lang="en").message
    assert "right" in message and "not right" in message
    for value in set(right[1:]):
        assert not re.search(rf"(?<![\w.]){value}(?![\w])", message.split("Hint")[0]), message


@pytest.mark.parametrize("lang", LANGS)
def test_no_answer_yet_is_not_an_error_and_not_a_try(lang):
    result = exercises.check("01-output-shape", None, lang=lang)
    assert not result.correct and "None" in result.message
    assert exercises.framework.progress("01-output-shape").tries == 0


def test_a_student_function_that_crashes_is_reported_not_raised():
    def broken(x, w, stride):
        raise ZeroDivisionError("oops")
    result = exercises.check("06-my-conv", broken, lang="en")
    assert not result.correct and "ZeroDivisionError" in result.message


def test_a_layer_that_pytorch_refuses_is_reported_with_pytorchs_words():
    layer = nn.Conv2d(3, 16, 5, stride=2, padding=2)
    with pytest.raises(RuntimeError) as expected:
        layer(torch.zeros(1, 4, 8, 8))
    message = exercises.check("05-normalize-rgb", nn.Conv2d(4, 3, 1), lang="en").message
    assert "RuntimeError" in message and "channels" in str(expected.value) and "channels" in message


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
    for call in (exercises.hint, exercises.solution):
        with pytest.raises(KeyError, match="01-output-shape"):
            call("01-no-such-exercise")
    with pytest.raises(ValueError, match="lang"):
        exercises.check("01-output-shape", (1, 2, 3, 4), lang="fr")
    with pytest.raises(ValueError, match="lang"):
        exercises.hint("01-output-shape", lang="fr")


def test_a_result_shows_as_its_message_in_a_notebook():
    result = exercises.check("00-batch-size", 16, lang="ko")
    assert repr(result) == result.message
    assert "아직 아닙니다" in result._repr_html_()
    assert np.array(bool(result)) == np.array(False)
    note = exercises.hint("00-batch-size", lang="ko")
    assert "힌트" in note._repr_html_() and repr(note) == note.message
