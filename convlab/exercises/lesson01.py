"""Exercises of lesson 01 (Conv2d basics): output shape, weight shape, parameter count, and a
transfer task: design a layer for a given input and output shape."""
from __future__ import annotations

import math
from typing import Any, Callable

import torch
import torch.nn as nn

from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Integer, Ints, Layer, meta
from .kinds import Text as T

LESSON = lesson("01_conv2d_basics").name

#: The output-size formula of lesson 01, as the hints write it.
H_FORMULA = "floor((H + 2·padding − dilation·(kernel_size − 1) − 1) / stride) + 1"

SIZE_HINT = T(en=f"H_out = {H_FORMULA}, and the same for W with the width.",
              ko=f"H_out = {H_FORMULA}이고, W도 너비로 같은 식을 씁니다.")


def _out_shape(p) -> tuple[int, ...]:
    layer = nn.Conv2d(p.c_in, p.c_out, p.k, stride=p.stride, padding=p.padding, device="meta")
    return tuple(layer(meta(p.n, p.c_in, p.size, p.size)).shape)


def square_shape(p, h: int) -> tuple[int, ...]:
    """The shape a student gets with the right N and C_out but height and width ``h``."""
    return (p.n, p.c_out, h, h)


def size_misses(shape: Callable[[Any, int], tuple]) -> tuple[NearMiss, ...]:
    """The usual output-size mistakes (lesson 01) as near misses of a shape question whose
    parameters are ``size``, ``k``, ``stride`` and ``padding``; ``shape(p, h)`` is the answer a
    student gives when the height and width come out as ``h``."""
    return (
        NearMiss(lambda p: shape(p, (p.size + p.padding - p.k) // p.stride + 1), T(
            en="You added the padding once. PyTorch's padding is per side: the input grows by "
               "2·padding rows.",
            ko="패딩을 한 번만 더했습니다. PyTorch의 padding은 한쪽 값이라 입력은 "
               "2·padding행만큼 커집니다.")),
        NearMiss(lambda p: shape(p, (p.size - p.k) // p.stride + 1), T(
            en="You left out the padding: it adds rows and columns around the input first.",
            ko="패딩을 빠뜨렸습니다. 패딩은 먼저 입력 둘레에 행과 열을 붙입니다.")),
        NearMiss(lambda p: shape(p, math.ceil((p.size + 2 * p.padding - p.k) / p.stride) + 1), T(
            en="You rounded the division up. PyTorch rounds it down (floor) and drops the rows a "
               "whole window no longer fits in.",
            ko="나눗셈을 올림했습니다. PyTorch는 내림하고, 창이 온전히 들어가지 않는 행은 "
               "버립니다.")),
        NearMiss(lambda p: shape(p, p.size + 2 * p.padding - p.k + 1), T(
            en="That is the size at stride 1. A stride moves the window several cells per step, "
               "so fewer positions fit.",
            ko="그 값은 스트라이드 1일 때의 크기입니다. 스트라이드만큼 창이 여러 칸씩 이동하므로 "
               "들어가는 위치가 더 적습니다.")),
    )


def _design_output(layer: nn.Module, p) -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(layer(torch.zeros(p.n, p.c_in, p.h, p.w)).shape)


def _design_ok(layer: nn.Module, p) -> bool:
    return (isinstance(layer, nn.Conv2d) and layer.kernel_size == (p.k, p.k)
            and _design_output(layer, p) == (p.n, p.c_out, p.h_out, p.w_out))


EXERCISES = (
    Exercise(
        id="01-output-shape", lesson=LESSON,
        params=dict(n=4, c_in=3, c_out=8, k=5, stride=2, padding=2, size=32),
        question=T(
            en="What is the shape of `nn.Conv2d({c_in}, {c_out}, kernel_size={k}, "
               "stride={stride}, padding={padding})` applied to `torch.randn({n}, {c_in}, "
               "{size}, {size})`? Answer a tuple of four ints.",
            ko="`nn.Conv2d({c_in}, {c_out}, kernel_size={k}, stride={stride}, "
               "padding={padding})`에 `torch.randn({n}, {c_in}, {size}, {size})`를 넣으면 출력의 "
               "모양은 무엇일까요? 정수 네 개의 튜플로 답하세요."),
        kind=Ints("N", "C_out", "H_out", "W_out"),
        right=_out_shape,
        facts=lambda p: {"h_out": _out_shape(p)[2]},
        near_misses=size_misses(square_shape),
        hints=(
            T(en="Take one dimension at a time: which pass through unchanged, and which depend "
                 "on the kernel, the stride and the padding?",
              ko="차원을 하나씩 보세요. 어느 차원이 그대로 통과하고, 어느 차원이 커널, "
                 "스트라이드, 패딩에 따라 달라질까요?"),
            SIZE_HINT,
        ),
        solution=T(
            en="N = {n} passes through; C_out = out_channels = {c_out}; H_out = W_out = "
               "floor(({size} + 2·{padding} − ({k} − 1) − 1) / {stride}) + 1 = {h_out}. "
               "Shape: {answer}.",
            ko="N은 그대로 {n}입니다. C_out = out_channels = {c_out}입니다. H_out = W_out = "
               "floor(({size} + 2·{padding} − ({k} − 1) − 1) / {stride}) + 1 = {h_out}입니다. "
               "모양: {answer}."),
        explanation=T(
            en="N passes through, C_out = out_channels, and H_out = W_out = "
               "floor(({size} + 2·{padding} − {k}) / {stride}) + 1.",
            ko="N은 그대로, C_out = out_channels, H_out = W_out = "
               "floor(({size} + 2·{padding} − {k}) / {stride}) + 1입니다."),
    ),
    Exercise(
        id="01-weight-shape", lesson=LESSON,
        params=dict(c_in=6, c_out=12, kh=3, kw=5),
        question=T(
            en="What is `nn.Conv2d({c_in}, {c_out}, kernel_size=({kh}, {kw})).weight.shape`? "
               "Answer a tuple of four ints.",
            ko="`nn.Conv2d({c_in}, {c_out}, kernel_size=({kh}, {kw})).weight.shape`은 "
               "무엇일까요? 정수 네 개의 튜플로 답하세요."),
        kind=Ints("out_channels", "in_channels/groups", "kH", "kW"),
        right=lambda p: tuple(nn.Conv2d(p.c_in, p.c_out, (p.kh, p.kw), device="meta").weight.shape),
        near_misses=(
            NearMiss(lambda p: (p.c_in, p.c_out, p.kh, p.kw), T(
                en="The two channel numbers are swapped: which comes first in a Conv2d weight, "
                   "out_channels or in_channels?",
                ko="두 채널 수의 순서가 바뀌었습니다. Conv2d 가중치에서는 out_channels와 "
                   "in_channels 중 무엇이 먼저 올까요?")),
            NearMiss(lambda p: (p.c_out, p.c_in, p.kw, p.kh), T(
                en="The kernel's two sizes are swapped: kernel_size is (height, width).",
                ko="커널의 두 크기가 바뀌었습니다. kernel_size는 (높이, 너비) 순서입니다.")),
            NearMiss(lambda p: (p.c_out, 1, p.kh, p.kw), T(
                en="With groups=1 each filter spans every input channel, not just one.",
                ko="groups=1이면 필터 하나가 입력 채널 하나가 아니라 전부에 걸칩니다.")),
        ),
        hints=(
            T(en="A layer has one filter per output channel. What does one filter have to "
                 "cover?",
              ko="층에는 출력 채널마다 필터가 하나 있습니다. 필터 하나는 무엇을 덮어야 할까요?"),
            T(en="weight.shape = (out_channels, in_channels / groups, kH, kW).",
              ko="weight.shape = (out_channels, in_channels / groups, kH, kW)입니다."),
        ),
        solution=T(
            en="{c_out} filters, each spanning all {c_in} input channels and a {kh}×{kw} "
               "window: {answer}.",
            ko="필터 {c_out}개가 각각 입력 채널 {c_in}개 전부와 {kh}×{kw} 창에 걸칩니다: "
               "{answer}."),
        explanation=T(en="A Conv2d weight is (out_channels, in_channels/groups, kH, kW).",
                      ko="Conv2d 가중치는 (out_channels, in_channels/groups, kH, kW)입니다."),
    ),
    Exercise(
        id="01-param-count", lesson=LESSON,
        params=dict(c_in=16, c_out=33, k=3),
        question=T(
            en="How many learnable numbers (weights and biases together) does "
               "`nn.Conv2d({c_in}, {c_out}, {k})` hold? (an int)",
            ko="`nn.Conv2d({c_in}, {c_out}, {k})`에서 학습되는 값(가중치와 편향을 합해서)은 "
               "몇 개일까요? (정수)"),
        kind=Integer(),
        right=lambda p: sum(t.numel() for t in
                            nn.Conv2d(p.c_in, p.c_out, p.k, device="meta").parameters()),
        near_misses=(
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.c_out, p.k, device="meta").weight.numel(), T(
                en="You counted the weights; the bias adds one number per output channel.",
                ko="가중치만 세었습니다. 편향도 출력 채널마다 값을 하나씩 더합니다.")),
            NearMiss(lambda p: p.c_out * p.k * p.k + p.c_out, T(
                en="Each filter spans all the input channels, not just one.",
                ko="필터 하나는 입력 채널 하나가 아니라 전부에 걸칩니다.")),
        ),
        hints=(
            T(en="Count the weight tensor and the bias tensor separately, then add.",
              ko="가중치 텐서와 편향 텐서를 따로 세고 더하세요."),
            T(en="weights: out_channels·in_channels·kH·kW; biases: out_channels.",
              ko="가중치는 out_channels·in_channels·kH·kW개, 편향은 out_channels개입니다."),
        ),
        solution=T(
            en="{c_out}·{c_in}·{k}·{k} weights plus {c_out} biases = {answer}.",
            ko="가중치 {c_out}·{c_in}·{k}·{k}개에 편향 {c_out}개를 더하면 {answer}개입니다."),
        explanation=T(en="{c_out}·{c_in}·{k}·{k} weights plus {c_out} biases.",
                      ko="가중치 {c_out}·{c_in}·{k}·{k}개에 편향 {c_out}개를 더합니다."),
    ),
    Exercise(
        id="01-design-layer", lesson=LESSON, transfer=True,
        params=dict(n=8, c_in=3, h=64, w=48, c_out=16, h_out=32, w_out=24, k=5),
        question=T(
            en="Design a layer: an `nn.Conv2d` with a {k}×{k} kernel that turns a batch of shape "
               "`({n}, {c_in}, {h}, {w})` into one of shape `({n}, {c_out}, {h_out}, {w_out})`. "
               "Any layer that does it passes; the check runs it.",
            ko="층을 설계하세요. 모양이 `({n}, {c_in}, {h}, {w})`인 배치를 "
               "`({n}, {c_out}, {h_out}, {w_out})` 모양으로 바꾸는, 커널이 {k}×{k}인 "
               "`nn.Conv2d`입니다. 이 일을 하는 층이면 무엇이든 정답이고, 확인할 때 층을 직접 "
               "실행합니다."),
        kind=Layer(),
        accept=_design_ok,
        example=lambda p: nn.Conv2d(p.c_in, p.c_out, p.k, stride=2, padding=p.k // 2),
        near_misses=(
            NearMiss(lambda p: nn.Conv2d(p.c_out, p.c_out, p.k, stride=2, padding=2), T(
                en="in_channels must match the input's channels, the second number of its shape.",
                ko="in_channels는 입력의 채널 수, 곧 모양의 두 번째 값과 같아야 합니다."),
                matches=lambda layer, p: getattr(layer, "in_channels", p.c_in) != p.c_in),
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.c_out, 3, stride=2, padding=1), T(
                en="The output shape may be right, but the kernel must be {k}×{k}.",
                ko="출력 모양은 맞을 수 있지만, 커널 크기는 {k}×{k}로 해야 합니다."),
                matches=lambda layer, p: getattr(layer, "kernel_size", None) != (p.k, p.k)),
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.c_out // 2, p.k, stride=2, padding=2), T(
                en="The number of output channels is out_channels.",
                ko="출력 채널 수는 out_channels가 정합니다."),
                matches=lambda layer, p: getattr(layer, "out_channels", p.c_out) != p.c_out),
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.c_out, p.k, padding=p.k // 2), T(
                en="At stride 1 the height and width cannot halve; which argument moves the "
                   "window several cells per step?",
                ko="스트라이드가 1이면 높이와 너비가 절반으로 줄지 않습니다. 창을 여러 칸씩 "
                   "이동시키는 인자는 무엇일까요?"),
                matches=lambda layer, p: getattr(layer, "stride", None) == (1, 1)),
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.c_out, p.k, stride=2), T(
                en="The stride is right, but the output is too small: without padding the "
                   "{k}×{k} window loses rows and columns at the border.",
                ko="스트라이드는 맞지만 출력이 너무 작습니다. 패딩이 없으면 {k}×{k} 창이 "
                   "가장자리에서 행과 열을 잃습니다."),
                matches=lambda layer, p: getattr(layer, "padding", None) == (0, 0)),
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.c_out, p.k, stride=2, padding=1), T(
                en="Your layer gives {got}, not ({n}, {c_out}, {h_out}, {w_out}).",
                ko="이 층의 출력 모양은 {got}입니다. 만들어야 할 모양은 "
                   "({n}, {c_out}, {h_out}, {w_out})입니다."),
                matches=lambda layer, p: _design_output(layer, p) != (p.n, p.c_out, p.h_out,
                                                                      p.w_out),
                observe=lambda layer, p: {"got": _design_output(layer, p)}),
        ),
        hints=(
            T(en="Which arguments set the channels, and which the height and width? Halving "
                 "the size takes a stride.",
              ko="채널을 정하는 인자와 높이, 너비를 정하는 인자는 각각 무엇일까요? 크기를 "
                 "절반으로 줄이려면 스트라이드가 필요합니다."),
            T(en="With stride 2, solve floor(({h} + 2·padding − {k}) / 2) + 1 = {h_out} for "
                 "padding, then check the width with the same padding.",
              ko="스트라이드 2에서 floor(({h} + 2·padding − {k}) / 2) + 1 = {h_out} 식을 "
                 "padding에 대해 푸세요. 그다음 같은 padding으로 너비도 확인하세요."),
        ),
        solution=T(
            en="{answer}: floor(({h} + 2·2 − {k}) / 2) + 1 = {h_out} rows and "
               "floor(({w} + 2·2 − {k}) / 2) + 1 = {w_out} columns.",
            ko="{answer}: 행은 floor(({h} + 2·2 − {k}) / 2) + 1 = {h_out}개, 열은 "
               "floor(({w} + 2·2 − {k}) / 2) + 1 = {w_out}개입니다."),
        explanation=T(
            en="in_channels and out_channels fix the channels; stride 2 halves the size and "
               "padding = kernel_size // 2 makes up for the rows the {k}×{k} window loses.",
            ko="in_channels와 out_channels가 채널을 정합니다. 스트라이드 2가 크기를 절반으로 "
               "줄이고, padding = kernel_size // 2가 {k}×{k} 창이 잃는 행을 메웁니다."),
    ),
)
