"""Exercises of lesson 09 (receptive fields and pooling): the field of a strided stack, VGG's
weights, doubling dilations, ``ceil_mode``, and a transfer task: the receptive field and jump of
AlexNet's first four layers."""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Integer, Ints, meta
from .kinds import Text as T

LESSON = lesson("09_receptive_fields_and_pooling").name

def _stack(layers) -> nn.Sequential:
    """One-channel layers with all weights 1; ``("pool", k, s, p)`` is an average pooling, whose
    windows are those of the max pooling of the question (max pooling would pass the gradient to
    one cell per window)."""
    modules = []
    for kind, k, s, p, *rest in layers:
        if kind == "pool":
            modules.append(nn.AvgPool2d(k, stride=s, padding=p))
        else:
            conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=rest[0] if rest else 1,
                             bias=False)
            nn.init.ones_(conv.weight)
            modules.append(conv)
    return nn.Sequential(*modules)


def _rows_seen(stack: nn.Sequential, size: int, i: int) -> tuple[int, int]:
    """First and last input row with a nonzero gradient of output cell (i, i), by autograd."""
    x = torch.rand(1, 1, size, size, requires_grad=True)
    stack(x)[0, 0, i, i].backward()
    rows = (x.grad[0, 0] != 0).any(1).nonzero().flatten()
    return int(rows[0]), int(rows[-1])


def _field(layers, size: int = 160) -> tuple[int, int]:
    """(receptive field, jump) of the stack's middle output cells, measured with gradients."""
    stack = _stack(layers)
    with torch.no_grad():
        middle = stack(torch.zeros(1, 1, size, size)).shape[-1] // 2
    first, last = _rows_seen(stack, size, middle)
    following, _ = _rows_seen(stack, size, middle + 1)
    return last - first + 1, following - first


def _weights(*layers: nn.Module) -> int:
    return sum(p.numel() for layer in layers for p in layer.parameters())


def _vgg(p) -> int:
    small = [nn.Conv2d(p.c, p.c, 3, bias=False, device="meta") for _ in range(3)]
    return _weights(nn.Conv2d(p.c, p.c, 7, bias=False, device="meta")) - _weights(*small)


def _pooled(p, ceil: bool) -> int:
    pool = nn.MaxPool2d(p.k, stride=p.stride, padding=p.pad, ceil_mode=ceil)
    return pool(meta(1, 1, 4, p.width)).shape[-1]


ALEXNET = (("conv", 11, 4, 2), ("pool", 3, 2, 0), ("conv", 5, 1, 2), ("pool", 3, 2, 0))


EXERCISES = (
    Exercise(
        id="09-stack-rf", lesson=LESSON,
        params=dict(stride=2),
        question=T(
            en="Three layers `nn.Conv2d(1, 1, 3)`, `nn.Conv2d(1, 1, 3, stride={stride})`, "
               "`nn.Conv2d(1, 1, 3)` are stacked. How many input rows does one output cell of "
               "the third layer depend on?",
            ko="`nn.Conv2d(1, 1, 3)`, `nn.Conv2d(1, 1, 3, stride={stride})`, `nn.Conv2d(1, 1, 3)` "
               "세 층을 차례로 쌓았습니다. 세 번째 층의 출력 칸 하나는 입력의 몇 행에 의존할까요?"),
        kind=Integer(),
        right=lambda p: _field([("conv", 3, 1, 0), ("conv", 3, p.stride, 0),
                                ("conv", 3, 1, 0)])[0],
        near_misses=(
            NearMiss(lambda p: 7, T(
                en="That adds 2 rows per layer, as if the stride were 1: after a stride-{stride} "
                   "layer one step of the next layer is {stride} input rows.",
                ko="층마다 2행씩 더했습니다. 스트라이드가 1일 때의 계산입니다. 스트라이드 {stride}인 "
                   "층 다음에는 다음 층의 한 칸이 입력의 {stride}행입니다.")),
            NearMiss(lambda p: 11, T(
                en="The stride multiplies the jump for the layers after it, not for its own "
                   "kernel: the second layer still adds 2 rows.",
                ko="스트라이드는 뒤따르는 층들의 jump를 키울 뿐, 스트라이드가 있는 층의 커널에는 영향을 주지 않습니다. "
                   "두 번째 층은 여전히 2행을 더합니다.")),
        ),
        hints=(
            T(en="Go layer by layer from the input and keep two numbers: the field and the jump "
                 "(how many input rows one step of the current layer is).",
              ko="입력에서부터 층마다 두 값을 기록하세요. 수용 영역과 jump(지금 층의 한 칸이 입력의 "
                 "몇 행인지)입니다."),
            T(en="Start from size = 1, jump = 1; per layer: size += dilation·(kernel_size − 1)·jump, "
                 "then jump *= stride.",
              ko="size = 1, jump = 1에서 시작하세요. 층마다 size += dilation·(kernel_size − 1)·jump를 "
                 "계산한 다음 jump *= stride를 계산합니다."),
        ),
        solution=T(
            en="Layer 1: 1 + 2·1 = 3, jump 1. Layer 2: 3 + 2·1 = 5, jump becomes {stride}. "
               "Layer 3: 5 + 2·{stride} = {answer}.",
            ko="층 1: 1 + 2·1 = 3, jump 1. 층 2: 3 + 2·1 = 5이고, 이제 jump는 {stride}입니다. "
               "층 3: 5 + 2·{stride} = {answer}."),
        explanation=T(
            en="After the stride-{stride} layer every step of the next kernel covers {stride} "
               "input rows, so the third layer adds 2·{stride} rows.",
            ko="스트라이드 {stride}인 층 다음에는 커널의 한 칸이 입력의 {stride}행이므로, 세 번째 "
               "층은 2·{stride}행을 더합니다."),
    ),
    Exercise(
        id="09-vgg-weights", lesson=LESSON,
        params=dict(c=32),
        question=T(
            en="One `nn.Conv2d({c}, {c}, 7, bias=False)` and three stacked "
               "`nn.Conv2d({c}, {c}, 3, bias=False)` see the same 7×7 patch. How many weights "
               "does the single 7×7 layer have **more** than the three 3×3 layers together?",
            ko="`nn.Conv2d({c}, {c}, 7, bias=False)` 하나와 `nn.Conv2d({c}, {c}, 3, bias=False)` "
               "세 개를 쌓은 것은 같은 7×7 영역을 봅니다. 7×7 층 하나의 가중치는 3×3 층 세 개를 "
               "합한 것보다 몇 개 **더** 많을까요?"),
        kind=Integer(),
        right=_vgg,
        near_misses=(
            NearMiss(lambda p: (49 - 27) * p.c, T(
                en="A filter has one kernel per input channel, and there are {c} filters: the "
                   "weights grow with channels².",
                ko="필터마다 입력 채널 수만큼 커널이 있고, 필터가 {c}개입니다. 가중치 수는 채널 수의 "
                   "제곱에 비례합니다.")),
            NearMiss(lambda p: (49 - 9) * p.c * p.c, T(
                en="That counts one 3×3 layer; there are three.",
                ko="3×3 층을 하나만 셌습니다. 3×3 층은 세 개입니다.")),
        ),
        hints=(
            T(en="A Conv2d(c, c, k, bias=False) has c·c·k·k weights.",
              ko="Conv2d(c, c, k, bias=False)의 가중치는 c·c·k·k개입니다."),
            T(en="Compute 49·c² − 3·9·c² with c = {c}, or ask PyTorch: sum(p.numel() for p in "
                 "layer.parameters()).",
              ko="c = {c}로 49·c² − 3·9·c²를 계산하거나, PyTorch에 물어보세요: "
                 "sum(p.numel() for p in layer.parameters())."),
        ),
        solution=T(
            en="7×7: 49·{c}² weights; three 3×3: 27·{c}². The difference is 22·{c}² = {answer}.",
            ko="7×7: 49·{c}²개, 3×3 세 개: 27·{c}²개. 차이는 22·{c}² = {answer}개입니다."),
        explanation=T(
            en="Three 3×3 layers need 27/49 of the weights and add two more non-linearities.",
            ko="3×3 층 세 개는 가중치가 27/49만 필요하고, 비선형 함수도 두 번 더 들어갑니다."),
    ),
    Exercise(
        id="09-dilated-rf", lesson=LESSON,
        params=dict(dilations=(1, 2, 4, 8)),
        question=T(
            en="Four 3×3 layers with dilations {dilations} are stacked (stride 1, no padding). "
               "How many input rows does one output cell of the last layer span?",
            ko="팽창이 각각 {dilations}인 3×3 층 네 개를 쌓았습니다(스트라이드 1, 패딩 없음). 마지막 "
               "층의 출력 칸 하나는 입력의 몇 행에 걸칠까요?"),
        kind=Integer(),
        right=lambda p: _field([("conv", 3, 1, 0, d) for d in p.dilations], size=64)[0],
        near_misses=(
            NearMiss(lambda p: 1 + 2 * len(p.dilations), T(
                en="That ignores the dilation: a dilated 3×3 layer adds 2·dilation rows.",
                ko="팽창을 빠뜨렸습니다. 팽창된 3×3 층은 2·dilation행을 더합니다.")),
            NearMiss(lambda p: 1 + 2 * math.prod(p.dilations), T(
                en="The layers add their widths; the dilations are not multiplied.",
                ko="층마다 넓힌 폭을 더합니다. 팽창 값끼리 곱하지 않습니다.")),
        ),
        hints=(
            T(en="With stride 1 the jump stays 1, so each layer adds dilation·(kernel_size − 1).",
              ko="스트라이드가 1이면 jump가 1로 유지되므로, 층마다 dilation·(kernel_size − 1)을 "
                 "더합니다."),
            T(en="1 + 2·(sum of the dilations).", ko="1 + 2·(팽창 값의 합)."),
        ),
        solution=T(
            en="1 + 2·(1 + 2 + 4 + 8) = {answer} = 2⁵ − 1.",
            ko="1 + 2·(1 + 2 + 4 + 8) = {answer} = 2⁵ − 1."),
        explanation=T(
            en="Doubling dilations double what each layer adds: L layers span 2^(L+1) − 1 rows.",
            ko="팽창을 두 배씩 늘리면 층마다 더하는 폭도 두 배가 됩니다. L개 층은 2^(L+1) − 1행에 "
               "걸칩니다."),
    ),
    Exercise(
        id="09-ceil-mode", lesson=LESSON,
        params=dict(k=3, stride=2, pad=0, width=8),
        question=T(
            en="How wide is the output of `nn.MaxPool2d({k}, stride={stride}, ceil_mode=True)` on "
               "an input {width} columns wide?",
            ko="너비가 {width}열인 입력에 `nn.MaxPool2d({k}, stride={stride}, ceil_mode=True)`를 "
               "적용하면 출력의 너비는 얼마일까요?"),
        kind=Integer(),
        right=lambda p: _pooled(p, ceil=True),
        near_misses=(
            NearMiss(lambda p: _pooled(p, ceil=False), T(
                en="That is the floor, ceil_mode=False: with ceil_mode=True the last partial "
                   "window is kept.",
                ko="그 값은 내림한 결과(ceil_mode=False)입니다. ceil_mode=True이면 일부만 걸친 마지막 "
                   "창도 계산합니다.")),
        ),
        hints=(
            T(en="Write down where each window starts: 0, {stride}, 2·{stride}, ... Which of them "
                 "start inside the input?",
              ko="창이 시작하는 위치를 적어 보세요: 0, {stride}, 2·{stride}, ... 그중 입력 안에서 "
                 "시작하는 것은 어느 것일까요?"),
            T(en="ceil((W + 2·padding − kernel_size) / stride) + 1, minus one if the last window "
                 "would start at or after W + padding.",
              ko="ceil((W + 2·padding − kernel_size) / stride) + 1이고, 마지막 창이 W + padding "
                 "이후에서 시작하면 하나를 뺍니다."),
        ),
        solution=T(
            en="ceil(({width} − {k}) / {stride}) + 1 = {answer}; the last window starts at "
               "({answer} − 1)·{stride}, inside the input, so it stays.",
            ko="ceil(({width} − {k}) / {stride}) + 1 = {answer}. 마지막 창은 ({answer} − 1)·{stride}"
               "에서 시작하는데, 이 위치가 입력 안이므로 창이 남습니다."),
        explanation=T(
            en="Rounding up keeps the last window, which holds only the last {k} − 1 columns.",
            ko="올림하면 마지막 창이 남습니다. 이 창에는 마지막 {k} − 1열만 들어 있습니다."),
    ),
    Exercise(
        id="09-alexnet-rf", lesson=LESSON, transfer=True,
        params=dict(layers=ALEXNET),
        question=T(
            en="AlexNet (torchvision's `alexnet`) begins with `Conv2d(3, 64, 11, stride=4, "
               "padding=2)`, `MaxPool2d(3, stride=2)`, `Conv2d(64, 192, 5, padding=2)`, "
               "`MaxPool2d(3, stride=2)` (with ReLUs, which change nothing here). What are the "
               "receptive field and the `jump` of one output cell of the second pooling, in input "
               "pixels? Answer `(size, jump)`.",
            ko="AlexNet(torchvision의 `alexnet`)은 `Conv2d(3, 64, 11, stride=4, padding=2)`, "
               "`MaxPool2d(3, stride=2)`, `Conv2d(64, 192, 5, padding=2)`, "
               "`MaxPool2d(3, stride=2)`로 시작합니다(사이의 ReLU는 여기서 아무것도 바꾸지 "
               "않습니다). 두 번째 풀링의 출력 칸 하나의 수용 영역과 `jump`는 입력 픽셀 단위로 얼마일까요? "
               "`(size, jump)`로 답하세요."),
        kind=Ints("size", "jump"),
        right=lambda p: _field(p.layers, size=200),
        near_misses=(
            NearMiss(lambda p: (1 + 10 + 2 + 4 + 2, 16), T(
                en="The kernels' widths were added as they are; each layer's width must be "
                   "multiplied by the jump of its input.",
                ko="커널 폭을 그대로 더했습니다. 층마다 더하는 폭에 그 층 입력의 jump를 곱해야 "
                   "합니다.")),
            NearMiss(lambda p: _field(p.layers[:3], size=200), T(
                en="That stops after the second convolution; the second pooling widens the field "
                   "and doubles the jump once more.",
                ko="두 번째 합성곱에서 멈췄습니다. 두 번째 풀링이 수용 영역을 한 번 더 넓히고 jump도 "
                   "두 배로 만듭니다.")),
        ),
        hints=(
            T(en="Pooling counts like a convolution with the same kernel and stride. Go layer by "
                 "layer and keep the field and the jump.",
              ko="풀링은 커널과 스트라이드가 같은 합성곱처럼 계산합니다. 층마다 수용 영역과 jump를 "
                 "기록하세요."),
            T(en="Start from size = 1, jump = 1; per layer: size += dilation·(kernel_size − 1)·jump, "
                 "then jump *= stride.",
              ko="size = 1, jump = 1에서 시작하세요. 층마다 size += dilation·(kernel_size − 1)·jump를 "
                 "계산한 다음 jump *= stride를 계산합니다."),
        ),
        solution=T(
            en="conv 11, stride 4: 11, jump 4. pool 3, stride 2: 11 + 2·4 = 19, jump 8. conv 5: "
               "19 + 4·8 = 51, jump 8. pool 3, stride 2: 51 + 2·8 = 67, jump 16: {answer}.",
            ko="합성곱 11, 스트라이드 4: 11, jump 4. 풀링 3, 스트라이드 2: 11 + 2·4 = 19, jump 8. "
               "합성곱 5: 19 + 4·8 = 51, jump 8. 풀링 3, 스트라이드 2: 51 + 2·8 = 67, jump 16: "
               "{answer}."),
        explanation=T(
            en="The same recurrence reads any network: the padding moves the field, the strides "
               "multiply the jump.",
            ko="어떤 신경망이든 같은 점화식으로 분석할 수 있습니다. 패딩은 수용 영역을 옮기고, "
               "스트라이드는 jump에 곱해집니다."),
    ),
)
