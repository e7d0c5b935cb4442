"""Exercises of lesson 08 (backward pass and transposed convolution): a transposed layer's output
size, the output_padding that restores a size, its weight shape, where the checkerboard comes
from, and a transfer task: the transposed layer that undoes a strided layer's size change on a
rectangular input."""
from __future__ import annotations

import torch
import torch.nn as nn

from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Integer, Ints, Layer, meta
from .kinds import Text as T

LESSON = lesson("08_backward_and_transposed").name

#: The output-size formula of nn.ConvTranspose2d, as the hints write it.
T_FORMULA = ("H_out = (H − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1")


def _out_height(p, output_padding: int = 0) -> int:
    layer = nn.ConvTranspose2d(1, 1, p.k, stride=p.stride, padding=p.padding,
                               output_padding=output_padding, device="meta")
    return layer(meta(1, 1, p.h, 1)).shape[2]


def _conv_height(p) -> int:
    conv = nn.Conv2d(1, 1, p.k, stride=p.stride, padding=p.padding, device="meta")
    return conv(meta(1, 1, p.h, 1)).shape[2]


def _restoring_padding(p) -> int:
    """The output_padding with which the transposed layer gives back the conv's input size."""
    small = nn.Conv2d(1, 1, p.k, stride=p.stride, padding=p.padding, device="meta")(
        meta(1, 1, p.size, 1)).shape[2]
    return next(op for op in range(p.stride) if nn.ConvTranspose2d(
        1, 1, p.k, stride=p.stride, padding=p.padding, output_padding=op, device="meta")(
        meta(1, 1, small, 1)).shape[2] == p.size)


def _largest_overlap(p) -> int:
    """How many kernel copies pile up on one output cell: all-ones input and weight."""
    layer = nn.ConvTranspose2d(1, 1, p.k, stride=p.stride, bias=False)
    with torch.no_grad():
        layer.weight.fill_(1.0)
        return int(layer(torch.ones(1, 1, p.n, p.n)).max())


def _undoes(layer, p) -> bool:
    """Whether ``layer`` is a ConvTranspose2d that maps the conv's output back to its input."""
    if not isinstance(layer, nn.ConvTranspose2d):
        return False
    try:
        back = _run_meta(layer, (1, p.c_out, *_conv_out(p)))
    except RuntimeError:
        return False
    return back == (1, p.c_in, p.h, p.w)


def _run_meta(layer: nn.ConvTranspose2d, shape) -> tuple[int, ...]:
    """The layer's output shape for an input of ``shape``, asked of PyTorch without its numbers."""
    twin = nn.ConvTranspose2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                              stride=layer.stride, padding=layer.padding,
                              output_padding=layer.output_padding, groups=layer.groups,
                              dilation=layer.dilation, bias=layer.bias is not None, device="meta")
    return tuple(twin(torch.empty(shape, device="meta")).shape)


def _shape_of(layer, p) -> dict:
    try:
        small = (1, p.c_out, *(_conv_out(p)))
        return {"got": _run_meta(layer, small)}
    except (RuntimeError, AttributeError, TypeError):
        return {"got": "?"}


def _conv_out(p) -> tuple[int, int]:
    out = nn.Conv2d(p.c_in, p.c_out, p.k, stride=p.stride, padding=p.padding, device="meta")(
        meta(1, p.c_in, p.h, p.w))
    return tuple(out.shape[2:])


def _sizes(p) -> dict:
    """The conv's output size and what the transposed layer gives back without output_padding."""
    small = nn.Conv2d(1, 1, p.k, stride=p.stride, padding=p.padding, device="meta")(
        meta(1, 1, p.size, 1)).shape[2]
    back = nn.ConvTranspose2d(1, 1, p.k, stride=p.stride, padding=p.padding, device="meta")(
        meta(1, 1, small, 1)).shape[2]
    return {"small": small, "back": back}


EXERCISES = (
    Exercise(
        id="08-output-size", lesson=LESSON,
        params=dict(h=7, k=3, stride=2, padding=1),
        question=T(
            en="An input {h} rows tall goes through `nn.ConvTranspose2d(1, 1, kernel_size={k}, "
               "stride={stride}, padding={padding})`. How many rows does the output have?",
            ko="높이가 {h}행인 입력이 `nn.ConvTranspose2d(1, 1, kernel_size={k}, stride={stride}, "
               "padding={padding})`를 지납니다. 출력은 몇 행일까요?"),
        kind=Integer(),
        right=_out_height,
        facts=lambda p: {"conv": _conv_height(p)},
        near_misses=(
            NearMiss(lambda p: p.h * p.stride, T(
                en="A stride-{stride} transposed layer does not simply multiply the size by "
                   "{stride}: the last cell's copy of the kernel and the padding count too.",
                ko="스트라이드가 {stride}라고 해서 전치 합성곱이 크기를 그냥 {stride}배로 "
                   "만들지는 않습니다. 마지막 칸의 커널 사본과 패딩도 계산에 들어갑니다.")),
            NearMiss(_conv_height, T(
                en="That is what nn.Conv2d with these arguments gives: the forward formula. A "
                   "transposed layer runs it backwards.",
                ko="그 값은 같은 인자로 만든 nn.Conv2d의 출력 크기, 곧 순전파의 식입니다. 전치 "
                   "합성곱은 그 식을 거꾸로 계산합니다.")),
        ),
        hints=(
            T(en="Input row i writes its copy of the kernel from row i·stride on; where does "
                 "the last row's copy end? Then padding cuts rows from both ends.",
              ko="입력의 i행은 i·stride 행부터 커널 사본을 더합니다. 마지막 행의 사본은 어디서 "
                 "끝날까요? 그다음 패딩만큼 양 끝에서 행을 잘라 냅니다."),
            T(en=f"{T_FORMULA}.", ko=f"{T_FORMULA}입니다."),
        ),
        solution=T(
            en="({h} − 1)·{stride} − 2·{padding} + ({k} − 1) + 1 = {answer}.",
            ko="({h} − 1)·{stride} − 2·{padding} + ({k} − 1) + 1 = {answer}입니다."),
        explanation=T(
            en="The last input row's copy ends at row ({h} − 1)·{stride} + {k} − 1; cutting "
               "{padding} from each end leaves the rest.",
            ko="마지막 입력 행의 사본은 ({h} − 1)·{stride} + {k} − 1 행에서 끝나고, 양 끝에서 "
               "{padding}행씩 잘라 낸 나머지가 출력입니다."),
    ),
    Exercise(
        id="08-output-padding", lesson=LESSON,
        params=dict(size=14, k=3, stride=2, padding=1),
        question=T(
            en="`nn.Conv2d(1, 1, {k}, stride={stride}, padding={padding})` turns a {size}×{size} "
               "input into {small}×{small}. Which `output_padding` makes "
               "`nn.ConvTranspose2d(1, 1, {k}, stride={stride}, padding={padding}, "
               "output_padding=...)` turn it back into {size}×{size}?",
            ko="`nn.Conv2d(1, 1, {k}, stride={stride}, padding={padding})`는 {size}×{size} 입력을 "
               "{small}×{small}로 만듭니다. `nn.ConvTranspose2d(1, 1, {k}, stride={stride}, "
               "padding={padding}, output_padding=...)`가 이것을 다시 {size}×{size}로 만들려면 "
               "`output_padding`은 얼마여야 할까요?"),
        kind=Integer(),
        right=_restoring_padding,
        facts=lambda p: _sizes(p),
        near_misses=(
            NearMiss(lambda p: p.stride, T(
                en="PyTorch refuses that: output_padding must be smaller than the stride (or "
                   "the dilation).",
                ko="PyTorch는 그 값에 오류를 냅니다. output_padding은 스트라이드(또는 팽창)보다 "
                   "작아야 합니다.")),
        ),
        hints=(
            T(en="Compute the size the transposed layer gives without output_padding, and "
                 "compare it with {size}.",
              ko="output_padding 없이 전치 합성곱이 내는 크기를 구해 {size}와 비교해 보세요."),
            T(en="Without output_padding the transposed layer gives {back} rows; "
                 "output_padding adds the missing rows at the bottom.",
              ko="output_padding이 없으면 전치 합성곱의 출력은 {back}행입니다. output_padding은 "
                 "모자란 행을 아래쪽에 더합니다."),
        ),
        solution=T(
            en="Without it: ({small} − 1)·{stride} − 2·{padding} + {k} = {size} − {answer}; "
               "output_padding = {answer} adds the missing row(s).",
            ko="없으면 ({small} − 1)·{stride} − 2·{padding} + {k} = {size} − {answer}입니다. "
               "output_padding = {answer}이 모자란 행을 채웁니다."),
        explanation=T(
            en="Under stride {stride} several input sizes give {small}; output_padding says "
               "which one to give back.",
            ko="스트라이드 {stride}에서는 여러 입력 크기가 {small}이 됩니다. output_padding은 그중 "
               "어느 크기로 돌려줄지 정합니다."),
    ),
    Exercise(
        id="08-weight-shape", lesson=LESSON,
        params=dict(c_in=8, c_out=16, k=3, groups=2),
        question=T(
            en="What is `nn.ConvTranspose2d({c_in}, {c_out}, {k}, groups={groups}).weight.shape`?",
            ko="`nn.ConvTranspose2d({c_in}, {c_out}, {k}, groups={groups}).weight.shape`는 "
               "무엇일까요?"),
        kind=Ints("dim0", "dim1", "kH", "kW"),
        right=lambda p: tuple(nn.ConvTranspose2d(p.c_in, p.c_out, p.k, groups=p.groups,
                                                 device="meta").weight.shape),
        near_misses=(
            NearMiss(lambda p: (p.c_out, p.c_in // p.groups, p.k, p.k), T(
                en="That is nn.Conv2d's weight: (out, in/groups, kH, kW). The transposed layer "
                   "keeps the weight of the convolution it reverses.",
                ko="그것은 nn.Conv2d의 가중치 모양 (out, in/groups, kH, kW)입니다. 전치 합성곱은 "
                   "거꾸로 계산하는 원래 합성곱의 가중치를 그대로 씁니다.")),
            NearMiss(lambda p: (p.c_in, p.c_out, p.k, p.k), T(
                en="groups divides the second dimension too.",
                ko="groups는 두 번째 차원도 나눕니다.")),
        ),
        hints=(
            T(en="Each input channel owns the kernels it scatters: the first dimension counts "
                 "input channels.",
              ko="입력 채널마다 흩뿌릴 커널을 따로 가집니다. 첫 번째 차원은 입력 채널의 수입니다."),
            T(en="(in_channels, out_channels / groups, kH, kW).",
              ko="(in_channels, out_channels / groups, kH, kW)입니다."),
        ),
        solution=T(en="(in_channels, out_channels / groups, kH, kW) = {answer}.",
                   ko="(in_channels, out_channels / groups, kH, kW) = {answer}입니다."),
        explanation=T(
            en="The same tensor as nn.Conv2d({c_out}, {c_in}, {k}, groups={groups}).weight: "
               "the layer whose input gradient this is.",
            ko="nn.Conv2d({c_out}, {c_in}, {k}, groups={groups}).weight와 모양이 같습니다. 이 전치 "
               "합성곱은 바로 그 합성곱의 입력에 대한 기울기를 계산합니다."),
    ),
    Exercise(
        id="08-checkerboard", lesson=LESSON,
        params=dict(n=4, k=3, stride=2),
        question=T(
            en="An all-ones {n}×{n} input goes through `nn.ConvTranspose2d(1, 1, {k}, "
               "stride={stride}, bias=False)` whose weights are all 1. What is the largest "
               "value in the output?",
            ko="값이 모두 1인 {n}×{n} 입력이 가중치가 모두 1인 `nn.ConvTranspose2d(1, 1, {k}, "
               "stride={stride}, bias=False)`를 지납니다. 출력에서 가장 큰 값은 얼마일까요?"),
        kind=Integer(),
        right=_largest_overlap,
        near_misses=(
            NearMiss(lambda p: p.k * p.k, T(
                en="Not every tap of every copy lands on the same cell: copies start {stride} "
                   "cells apart.",
                ko="모든 사본의 모든 커널 칸이 한 칸에 모이지는 않습니다. 사본은 {stride}칸씩 "
                   "떨어져 시작합니다.")),
            NearMiss(lambda p: 1, T(
                en="Copies of neighbouring cells overlap where the kernel is wider than the "
                   "stride.",
                ko="커널이 스트라이드보다 넓으면 이웃 칸의 사본끼리 겹칩니다.")),
        ),
        hints=(
            T(en="Along one axis, how many copies cover an even position? An odd one?",
              ko="한 축에서 짝수 위치를 덮는 사본은 몇 개일까요? 홀수 위치는요?"),
            T(en="Along each axis an interior even cell gets 2 copies, an odd one 1; the two "
                 "axes multiply.",
              ko="축마다 안쪽의 짝수 칸에는 사본 2개, 홀수 칸에는 1개가 겹칩니다. 두 축의 수를 "
                 "곱합니다."),
        ),
        solution=T(en="2 copies along the rows times 2 along the columns: {answer}.",
                   ko="행 방향 2개와 열 방향 2개를 곱하면 {answer}입니다."),
        explanation=T(
            en="Cells covered by 4, 2 or 1 copies alternate: the checkerboard of kernel {k}, "
               "stride {stride}.",
            ko="사본이 4개, 2개, 1개 겹치는 칸이 번갈아 나옵니다. 커널 {k}, 스트라이드 {stride}의 "
               "바둑판 무늬입니다."),
    ),
    Exercise(
        id="08-undo-size", lesson=LESSON, transfer=True,
        params=dict(c_in=3, c_out=8, k=5, stride=2, padding=2, h=33, w=32),
        question=T(
            en="`nn.Conv2d({c_in}, {c_out}, {k}, stride={stride}, padding={padding})` turns a "
               "(1, {c_in}, {h}, {w}) input into (1, {c_out}, {sh}, {sw}). Build the "
               "`nn.ConvTranspose2d` with the same kernel size, stride and padding that turns "
               "(1, {c_out}, {sh}, {sw}) back into (1, {c_in}, {h}, {w}). Answer the layer.",
            ko="`nn.Conv2d({c_in}, {c_out}, {k}, stride={stride}, padding={padding})`는 "
               "(1, {c_in}, {h}, {w}) 입력을 (1, {c_out}, {sh}, {sw})로 만듭니다. 커널 크기, "
               "스트라이드, 패딩이 같고 (1, {c_out}, {sh}, {sw})를 다시 (1, {c_in}, {h}, {w})로 "
               "되돌리는 `nn.ConvTranspose2d`를 만들어 답으로 넣으세요."),
        kind=Layer(),
        accept=lambda layer, p: _undoes(layer, p) and layer.kernel_size == (p.k, p.k)
        and layer.stride == (p.stride, p.stride) and layer.padding == (p.padding, p.padding),
        example=lambda p: nn.ConvTranspose2d(p.c_out, p.c_in, p.k, stride=p.stride,
                                             padding=p.padding, output_padding=(0, 1)),
        facts=lambda p: dict(zip(("sh", "sw"), _conv_out(p))),
        near_misses=(
            NearMiss(lambda p: nn.ConvTranspose2d(p.c_out, p.c_in, p.k, stride=p.stride,
                                                  padding=p.padding), T(
                en="Without output_padding it gives {got}: one axis comes back short.",
                ko="output_padding이 없으면 {got}이 나옵니다. 한 축이 모자랍니다."),
                matches=lambda layer, p: isinstance(layer, nn.ConvTranspose2d)
                and layer.output_padding == (0, 0), observe=_shape_of),
            NearMiss(lambda p: nn.ConvTranspose2d(p.c_out, p.c_in, p.k, stride=p.stride,
                                                  padding=p.padding, output_padding=1), T(
                en="output_padding=1 pads both axes and gives {got}: it takes a pair, "
                   "(rows, columns).",
                ko="output_padding=1은 두 축 모두에 더해서 {got}이 나옵니다. (행, 열) 한 쌍으로 "
                   "줄 수 있습니다."),
                matches=lambda layer, p: isinstance(layer, nn.ConvTranspose2d)
                and layer.output_padding == (1, 1), observe=_shape_of),
        ),
        hints=(
            T(en="Compute each axis on its own: {h} and {w} both shrink to about half, but "
                 "only one of them is odd.",
              ko="축마다 따로 계산하세요. 높이와 너비는 둘 다 절반쯤으로 줄지만, 둘 중 홀수인 것은 "
                 "하나뿐입니다."),
            T(en=f"Per axis, {T_FORMULA}; output_padding takes a pair (rows, columns).",
              ko=f"축마다 {T_FORMULA}입니다. output_padding은 (행, 열) 한 쌍을 받습니다."),
        ),
        solution=T(
            en="Rows: ({sh} − 1)·{stride} − 2·{padding} + {k} = {h}, nothing to add; columns: "
               "({sw} − 1)·{stride} − 2·{padding} + {k} = {w} − 1, add one: {answer}.",
            ko="행: ({sh} − 1)·{stride} − 2·{padding} + {k} = {h}이라 더할 것이 없습니다. 열: "
               "({sw} − 1)·{stride} − 2·{padding} + {k} = {w} − 1이므로 하나를 더합니다. 답은 {answer}입니다."),
        explanation=T(
            en="The odd height comes back by itself, the even width needs output_padding=(0, 1).",
            ko="홀수인 높이는 그대로 돌아오고, 짝수인 너비에는 output_padding=(0, 1)이 필요합니다."),
    ),
)
