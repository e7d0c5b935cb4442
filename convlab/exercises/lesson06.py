"""Exercises of lesson 06 (Conv2d from scratch): multiply-adds, a loop implementation checked
against ``F.conv2d``, the shape ``F.unfold`` makes, and a transfer task: the multiply-adds of a
grouped, strided, padded layer on a batch."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Function, Integer, Ints, meta
from .kinds import Text as T

LESSON = lesson("06_conv2d_from_scratch").name


def _macs(layer: nn.Conv2d, x: torch.Tensor) -> int:
    """Multiply-adds of ``layer`` on ``x``: output values times one filter's size (no bias)."""
    layer = layer.to("meta")
    return layer(x.to("meta")).numel() * layer.weight[0].numel()


def _run(my_conv2d, p) -> list[tuple[int, torch.Tensor, object]]:
    """(stride, F.conv2d's output, the student's output) for each test case of ``p.cases``."""
    g = torch.Generator().manual_seed(0)
    results = []
    for (h, w), (kh, kw), stride in p.cases:
        x, k = torch.randn(h, w, generator=g), torch.randn(kh, kw, generator=g)
        expected = F.conv2d(x[None, None], k[None, None], stride=stride)[0, 0]
        results.append((stride, expected, my_conv2d(x.clone(), k.clone(), stride)))
    return results


def _agrees(expected: torch.Tensor, got: object) -> bool:
    if got is None:
        return False
    got = torch.as_tensor(got, dtype=expected.dtype)
    return got.shape == expected.shape and bool(torch.allclose(got, expected, atol=1e-5))


def _my_conv_ok(f, p) -> bool:
    return all(_agrees(expected, got) for _, expected, got in _run(f, p))


def _flipped(f, p) -> bool:
    """Does ``f`` match F.conv2d with the kernel flipped (convolution in the textbook sense)?"""
    return _my_conv_ok(lambda x, w, s: f(x, w.flip(0, 1), s), p)


def _right_at_stride_1_only(f, p) -> bool:
    runs = _run(f, p)
    return (all(_agrees(e, got) for s, e, got in runs if s == 1)
            and not all(_agrees(e, got) for s, e, got in runs if s > 1))


def _loops(x: torch.Tensor, w: torch.Tensor, stride: int) -> torch.Tensor:
    kh, kw = w.shape
    rows = range(0, x.shape[0] - kh + 1, stride)
    cols = range(0, x.shape[1] - kw + 1, stride)
    return torch.tensor([[float((x[r:r + kh, c:c + kw] * w).sum()) for c in cols] for r in rows])


def _grouped(p) -> nn.Conv2d:
    return nn.Conv2d(p.c_in, p.c_out, p.k, stride=p.stride, padding=p.padding, groups=p.groups,
                     device="meta")


def _grouped_input(p) -> torch.Tensor:
    return meta(p.n, p.c_in, p.size, p.size)


EXERCISES = (
    Exercise(
        id="06-macs", lesson=LESSON,
        params=dict(c_in=3, c_out=8, k=3, size=32),
        question=T(
            en="How many multiply-adds does `nn.Conv2d({c_in}, {c_out}, {k})` do on one "
               "{size}×{size} image (`torch.randn(1, {c_in}, {size}, {size})`), not counting the "
               "bias?",
            ko="`nn.Conv2d({c_in}, {c_out}, {k})`가 {size}×{size} 이미지 한 장"
               "(`torch.randn(1, {c_in}, {size}, {size})`)에 하는 곱셈-덧셈은 몇 번일까요? "
               "편향은 세지 않습니다."),
        kind=Integer(),
        right=lambda p: _macs(nn.Conv2d(p.c_in, p.c_out, p.k), meta(1, p.c_in, p.size, p.size)),
        facts=lambda p: {"side": F.conv2d(meta(1, 1, p.size, p.size),
                                          meta(1, 1, p.k, p.k)).shape[-1]},
        near_misses=(
            NearMiss(lambda p: p.c_out * p.size * p.size * p.c_in * p.k * p.k, T(
                en="Count output positions, not input positions: without padding the output is "
                   "smaller.",
                ko="입력 위치가 아니라 출력 위치를 세세요. 패딩이 없으면 출력이 더 작습니다.")),
            NearMiss(lambda p: p.c_out * (p.size - p.k + 1) ** 2 * p.k * p.k, T(
                en="Each output value also sums over all input channels.",
                ko="출력 값 하나는 모든 입력 채널에 걸쳐서도 더합니다.")),
        ),
        hints=(
            T(en="How many output values are there, and how many products does each one sum?",
              ko="출력 값은 몇 개이고, 출력 값 하나는 곱 몇 개를 더할까요?"),
            T(en="Multiply the number of output values by (in_channels / groups) · kH · kW.",
              ko="출력 값의 개수에 (in_channels / groups) · kH · kW를 곱하세요."),
        ),
        solution=T(
            en="{c_out}·{side}·{side} output values, each a sum of {c_in}·{k}·{k} products: "
               "{answer}.",
            ko="출력 값 {c_out}·{side}·{side}개가 각각 곱 {c_in}·{k}·{k}개의 합입니다: {answer}."),
        explanation=T(
            en="{c_out}·{side}·{side} output values, each a sum of {c_in}·{k}·{k} products.",
            ko="출력 값 {c_out}·{side}·{side}개가 각각 곱 {c_in}·{k}·{k}개의 합입니다."),
    ),
    Exercise(
        id="06-my-conv", lesson=LESSON,
        params=dict(cases=(((5, 5), (3, 3), 1), ((7, 6), (3, 2), 2), ((8, 9), (2, 3), 3),
                           ((10, 7), (3, 3), 4))),
        question=T(
            en="Write `my_conv2d(x, w, stride)` for a 2-D input `x` (H, W) and a 2-D kernel `w` "
               "(kH, kW), no padding, that matches `F.conv2d` for every stride. Answer the "
               "function.",
            ko="2차원 입력 `x` (H, W)와 2차원 커널 `w` (kH, kW)를 받아 패딩 없이 계산하고, 어떤 "
               "스트라이드에서도 `F.conv2d`와 같은 결과를 내는 `my_conv2d(x, w, stride)`를 "
               "작성하세요. 함수를 답으로 넣으세요."),
        kind=Function(),
        accept=_my_conv_ok,
        example=lambda p: _loops,
        near_misses=(
            NearMiss(lambda p: (lambda x, w, s: None), T(
                en="Your function returns None: finish it and return the output.",
                ko="함수가 None을 돌려줍니다. 함수를 완성하고 출력을 돌려주세요."),
                matches=lambda f, p: _run(f, p)[0][2] is None),
            NearMiss(lambda p: (lambda x, w, s: _loops(x, w.flip(0, 1), s)), T(
                en="You flipped the kernel: that is convolution in the textbook sense, but "
                   "PyTorch computes cross-correlation.",
                ko="커널을 뒤집었습니다. 교과서의 합성곱이지만 PyTorch는 교차 상관을 "
                   "계산합니다."),
                matches=_flipped),
            NearMiss(lambda p: (lambda x, w, s: _loops(x, w, 1)), T(
                en="Right at stride 1, wrong at larger strides: output (i, j) takes the window "
                   "that starts at (i·stride, j·stride), and floor((H − kH) / stride) + 1 "
                   "windows fit.",
                ko="스트라이드 1에서는 맞고 더 큰 스트라이드에서는 틀립니다. 출력 (i, j)는 "
                   "(i·stride, j·stride)에서 시작하는 창을 쓰고, 창은 "
                   "floor((H − kH) / stride) + 1개 들어갑니다."),
                matches=_right_at_stride_1_only),
        ),
        hints=(
            T(en="Start at stride 1: output (i, j) is the sum of x[i + a, j + b]·w[a, b] over the "
                 "kernel. Then think about where window (i, j) starts when stride > 1.",
              ko="스트라이드 1부터 시작하세요. 출력 (i, j)는 커널 전체에 대한 "
                 "x[i + a, j + b]·w[a, b]의 합입니다. 그다음 스트라이드가 1보다 클 때 (i, j) "
                 "창이 어디서 시작하는지 생각하세요."),
            T(en="out[i, j] = (x[i·s : i·s + kH, j·s : j·s + kW] * w).sum() for i < "
                 "floor((H − kH) / s) + 1 and j < floor((W − kW) / s) + 1.",
              ko="i < floor((H − kH) / s) + 1, j < floor((W − kW) / s) + 1에 대해 "
                 "out[i, j] = (x[i·s : i·s + kH, j·s : j·s + kW] * w).sum()입니다."),
        ),
        solution=T(
            en="def my_conv2d(x, w, stride):\n    kh, kw = w.shape\n"
               "    rows = range(0, x.shape[0] - kh + 1, stride)\n"
               "    cols = range(0, x.shape[1] - kw + 1, stride)\n"
               "    return torch.tensor([[float((x[r:r + kh, c:c + kw] * w).sum()) "
               "for c in cols] for r in rows])",
            ko="def my_conv2d(x, w, stride):\n    kh, kw = w.shape\n"
               "    rows = range(0, x.shape[0] - kh + 1, stride)\n"
               "    cols = range(0, x.shape[1] - kw + 1, stride)\n"
               "    return torch.tensor([[float((x[r:r + kh, c:c + kw] * w).sum()) "
               "for c in cols] for r in rows])"),
        explanation=T(en="Your loops agree with F.conv2d at every stride tried.",
                      ko="시험한 모든 스트라이드에서 F.conv2d와 일치합니다."),
    ),
    Exercise(
        id="06-unfold-shape", lesson=LESSON,
        params=dict(n=2, c=3, size=8, k=3),
        question=T(
            en="What is the shape of `F.unfold(torch.randn({n}, {c}, {size}, {size}), "
               "kernel_size={k})`? Answer a tuple of three ints.",
            ko="`F.unfold(torch.randn({n}, {c}, {size}, {size}), kernel_size={k})`의 모양은 "
               "무엇일까요? 정수 세 개의 튜플로 답하세요."),
        kind=Ints("N", "C·kH·kW", "L"),
        right=lambda p: tuple(F.unfold(meta(p.n, p.c, p.size, p.size), p.k).shape),
        near_misses=(
            NearMiss(lambda p: (p.n, p.c, (p.size - p.k + 1) ** 2), T(
                en="One column holds every value of one window: all channels times the kernel "
                   "area.",
                ko="열 하나에 창 하나의 값이 모두 들어갑니다. 채널 수에 커널 넓이를 곱한 "
                   "만큼입니다.")),
            NearMiss(lambda p: (p.n, p.c * p.k * p.k, p.size * p.size), T(
                en="There is one column per window position (H_out·W_out), not per input pixel.",
                ko="열은 입력 픽셀마다가 아니라 창 위치(H_out·W_out)마다 하나입니다.")),
        ),
        hints=(
            T(en="F.unfold makes one column per window. How long is a column, and how many "
                 "windows are there?",
              ko="F.unfold는 창마다 열을 하나 만듭니다. 열의 길이는 얼마이고, 창은 몇 개일까요?"),
            T(en="(N, C·kH·kW, H_out·W_out), with H_out from the output-size formula.",
              ko="(N, C·kH·kW, H_out·W_out)이고, H_out은 출력 크기 식으로 구합니다."),
        ),
        solution=T(
            en="{c}·{k}·{k} values per window and ({size} − {k} + 1)² windows: {answer}.",
            ko="창 하나에 값 {c}·{k}·{k}개, 창은 ({size} − {k} + 1)²개입니다: {answer}."),
        explanation=T(en="{c}·{k}·{k} values per window, ({size} − {k} + 1)² windows.",
                      ko="창 하나에 값 {c}·{k}·{k}개, 창은 ({size} − {k} + 1)²개입니다."),
    ),
    Exercise(
        id="06-macs-grouped", lesson=LESSON, transfer=True,
        params=dict(n=2, c_in=16, c_out=32, k=3, stride=2, padding=1, groups=8, size=20),
        question=T(
            en="How many multiply-adds does `nn.Conv2d({c_in}, {c_out}, {k}, stride={stride}, "
               "padding={padding}, groups={groups})` do on a batch "
               "`torch.randn({n}, {c_in}, {size}, {size})`, not counting the bias?",
            ko="`nn.Conv2d({c_in}, {c_out}, {k}, stride={stride}, padding={padding}, "
               "groups={groups})`가 배치 `torch.randn({n}, {c_in}, {size}, {size})`에 하는 "
               "곱셈-덧셈은 몇 번일까요? 편향은 세지 않습니다."),
        kind=Integer(),
        right=lambda p: _macs(_grouped(p), _grouped_input(p)),
        facts=lambda p: {"outputs": _grouped(p)(_grouped_input(p)).numel()},
        near_misses=(
            NearMiss(lambda p: _macs(_grouped(p), _grouped_input(p)) * p.groups, T(
                en="With groups={groups} each output value sums over in_channels / groups "
                   "input channels, not all of them.",
                ko="groups={groups}이면 출력 값 하나는 입력 채널 전부가 아니라 "
                   "in_channels / groups개에 걸쳐 더합니다.")),
            NearMiss(lambda p: _macs(_grouped(p), _grouped_input(p)) // p.n, T(
                en="That is one image; the batch holds {n}.",
                ko="그 값은 이미지 한 장의 계산입니다. 배치에는 {n}장이 있습니다.")),
            NearMiss(lambda p: _macs(nn.Conv2d(p.c_in, p.c_out, p.k, padding=p.padding,
                                               groups=p.groups, device="meta"),
                                     _grouped_input(p)), T(
                en="That is the count at stride 1; the stride leaves fewer output positions.",
                ko="그 값은 스트라이드 1일 때입니다. 스트라이드가 있으면 출력 위치가 더 적습니다.")),
        ),
        hints=(
            T(en="Count the output values first (all of the batch), then the products behind "
                 "each one.",
              ko="먼저 출력 값의 개수(배치 전체)를 세고, 그다음 출력 값 하나마다 곱이 몇 개인지 "
                 "세세요."),
            T(en="MACs = N·C_out·H_out·W_out · (in_channels / groups)·kH·kW.",
              ko="곱셈-덧셈 수 = N·C_out·H_out·W_out · (in_channels / groups)·kH·kW입니다."),
        ),
        solution=T(
            en="{outputs} output values, each a sum of ({c_in} / {groups})·{k}·{k} products: "
               "{answer}.",
            ko="출력 값 {outputs}개가 각각 곱 ({c_in} / {groups})·{k}·{k}개의 합입니다: "
               "{answer}."),
        explanation=T(
            en="Output values times (in_channels / groups)·kH·kW: groups divides the cost, the "
               "stride shrinks the output, the batch multiplies it.",
            ko="출력 값의 개수에 (in_channels / groups)·kH·kW를 곱합니다. groups는 비용을 "
               "나누고, 스트라이드는 출력을 줄이고, 배치는 비용을 곱합니다."),
    ),
)
