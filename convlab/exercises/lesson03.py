"""Exercises of lesson 03 (groups, depthwise): a grouped weight's shape, a depthwise layer, a
separable block's size, and a transfer task: find the groups that gives a weight count."""
from __future__ import annotations

import torch
import torch.nn as nn

from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Integer, Ints, Layer
from .kinds import Text as T

LESSON = lesson("03_groups_depthwise").name


def _inputs_read(layer: nn.Module, p) -> list[int]:
    """For each output channel, how many input channels it depends on: change one input
    channel at a time and see which output channels move."""
    x = torch.randn(1, p.c_in, 7, 9, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        base = layer(x)
        moved = []
        for c in range(p.c_in):
            bumped = x.clone()
            bumped[0, c] += 1.0
            moved.append((layer(bumped) - base).abs().sum(dim=(0, 2, 3)) > 0)
    return torch.stack(moved).sum(dim=0).tolist()


def _depthwise_ok(layer: nn.Module, p) -> bool:
    if not isinstance(layer, nn.Conv2d) or layer.kernel_size != (p.k, p.k):
        return False
    if layer.in_channels != p.c_in or layer.out_channels != p.mult * p.c_in:
        return False
    x = torch.zeros(1, p.c_in, 7, 9)
    with torch.no_grad():
        if layer(x).shape != (1, p.mult * p.c_in, 7, 9):
            return False
    return all(n == 1 for n in _inputs_read(layer, p))


def _weights(c_in: int, c_out: int, k: int, groups: int) -> int:
    return nn.Conv2d(c_in, c_out, k, groups=groups, bias=False, device="meta").weight.numel()


def _groups_for(p) -> int:
    """The groups whose layer has the asked number of weights: ask nn.Conv2d for each divisor."""
    target = _weights(p.c_in, p.c_out, p.k, p.groups)
    return next(g for g in range(1, p.c_in + 1) if p.c_in % g == 0 and p.c_out % g == 0
                and _weights(p.c_in, p.c_out, p.k, g) == target)


EXERCISES = (
    Exercise(
        id="03-groups-weight-shape", lesson=LESSON,
        params=dict(c_in=8, c_out=16, k=3, groups=4),
        question=T(
            en="What is `nn.Conv2d({c_in}, {c_out}, {k}, groups={groups}).weight.shape`? "
               "Answer a tuple of four ints.",
            ko="`nn.Conv2d({c_in}, {c_out}, {k}, groups={groups}).weight.shape`은 무엇일까요? "
               "정수 네 개의 튜플로 답하세요."),
        kind=Ints("out_channels", "in_channels/groups", "kH", "kW"),
        right=lambda p: tuple(nn.Conv2d(p.c_in, p.c_out, p.k, groups=p.groups,
                                        device="meta").weight.shape),
        near_misses=(
            NearMiss(lambda p: (p.c_out, p.c_in, p.k, p.k), T(
                en="That is the shape with groups=1: with groups, each filter sees only the "
                   "input channels of its own group.",
                ko="그것은 groups=1일 때의 모양입니다. groups를 쓰면 필터는 자기 그룹의 입력 "
                   "채널만 봅니다.")),
            NearMiss(lambda p: (p.c_out // p.groups, p.c_in // p.groups, p.k, p.k), T(
                en="groups does not change how many filters there are: one per output channel.",
                ko="groups는 필터 수를 바꾸지 않습니다. 출력 채널마다 필터가 하나입니다.")),
        ),
        hints=(
            T(en="How many filters are there, and how many input channels does each one see?",
              ko="필터는 몇 개이고, 필터 하나는 입력 채널을 몇 개 볼까요?"),
            T(en="weight.shape = (out_channels, in_channels / groups, kH, kW).",
              ko="weight.shape = (out_channels, in_channels / groups, kH, kW)입니다."),
        ),
        solution=T(
            en="{c_out} filters, each over {c_in} / {groups} input channels and a {k}×{k} "
               "window: {answer}.",
            ko="필터 {c_out}개가 각각 입력 채널 {c_in} / {groups}개와 {k}×{k} 창에 걸칩니다: "
               "{answer}."),
        explanation=T(en="Each of the {c_out} filters sees {c_in} / {groups} input channels.",
                      ko="필터 {c_out}개가 각각 {c_in} / {groups}개의 입력 채널을 봅니다."),
    ),
    Exercise(
        id="03-depthwise-layer", lesson=LESSON,
        params=dict(c_in=6, mult=2, k=3),
        question=T(
            en="Build a depthwise `nn.Conv2d` for {c_in} input channels with {mult} filters per "
               "channel (K = {mult}), a {k}×{k} kernel, and an output as tall and wide as the "
               "input. Answer the layer itself.",
            ko="입력 채널 {c_in}개에 채널마다 필터 {mult}개(K = {mult}), {k}×{k} 커널을 쓰고 출력의 "
               "높이와 너비가 입력과 같은 깊이별 `nn.Conv2d`를 만드세요. 층을 답으로 넣으세요."),
        kind=Layer(),
        accept=_depthwise_ok,
        example=lambda p: nn.Conv2d(p.c_in, p.mult * p.c_in, p.k, padding=p.k // 2,
                                    groups=p.c_in),
        near_misses=(
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.c_in, p.k, padding=p.k // 2, groups=p.c_in), T(
                en="Depthwise with K filters per channel gives out_channels = K × in_channels.",
                ko="채널마다 필터가 K개인 깊이별 합성곱은 out_channels = K × in_channels입니다."),
                matches=lambda layer, p: getattr(layer, "out_channels", 0) != p.mult * p.c_in),
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.mult * p.c_in, p.k, padding=p.k // 2), T(
                en="Each output channel reads several input channels; in a depthwise layer each "
                   "reads exactly one. Which argument splits the channels?",
                ko="출력 채널마다 입력 채널을 여러 개 봅니다. 깊이별 합성곱에서는 출력 채널마다 "
                   "입력 채널을 딱 하나만 봅니다. 채널을 나누는 인자는 무엇일까요?"),
                matches=lambda layer, p: any(n > 1 for n in _inputs_read(layer, p))),
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.mult * p.c_in, 5, padding=2, groups=p.c_in),
                     T(en="The kernel should be {k}×{k}.", ko="커널 크기는 {k}×{k}로 해야 합니다."),
                     matches=lambda layer, p: getattr(layer, "kernel_size", 0) != (p.k, p.k)),
            NearMiss(lambda p: nn.Conv2d(p.c_in, p.mult * p.c_in, p.k, groups=p.c_in), T(
                en="The output's height and width differ from the input's: check padding.",
                ko="출력의 높이와 너비가 입력과 다릅니다. padding을 확인하세요."),
                matches=lambda layer, p: getattr(layer, "padding", 0) != (p.k // 2, p.k // 2)),
        ),
        hints=(
            T(en="In a depthwise layer every output channel comes from one input channel only. "
                 "Which argument of nn.Conv2d splits the channels into independent parts?",
              ko="깊이별 합성곱에서는 출력 채널마다 입력 채널 하나에서만 값을 받습니다. "
                 "nn.Conv2d의 어떤 인자가 채널을 독립된 묶음으로 나눌까요?"),
            T(en="groups = in_channels, out_channels = K × in_channels, and "
                 "padding = kernel_size // 2 keeps the size.",
              ko="groups = in_channels, out_channels = K × in_channels이고, "
                 "padding = kernel_size // 2가 크기를 유지합니다."),
        ),
        solution=T(
            en="{answer}: groups = {c_in} gives each input channel its own {mult} filters.",
            ko="{answer}: groups = {c_in}이면 입력 채널마다 자기만의 필터 {mult}개가 붙습니다."),
        explanation=T(en="groups = in_channels: every input channel gets its own K filters.",
                      ko="groups = in_channels: 입력 채널마다 자기만의 필터 K개가 붙습니다."),
    ),
    Exercise(
        id="03-separable-params", lesson=LESSON,
        params=dict(c_in=32, c_out=64, k=3),
        question=T(
            en="A depthwise separable block from {c_in} to {c_out} channels is "
               "`nn.Conv2d({c_in}, {c_in}, {k}, groups={c_in}, bias=False)` followed by "
               "`nn.Conv2d({c_in}, {c_out}, 1, bias=False)`. How many weights does it hold in "
               "total?",
            ko="{c_in}채널에서 {c_out}채널로 가는 깊이별 분리 블록은 "
               "`nn.Conv2d({c_in}, {c_in}, {k}, groups={c_in}, bias=False)` 다음에 "
               "`nn.Conv2d({c_in}, {c_out}, 1, bias=False)`가 오는 구조입니다. 가중치는 모두 "
               "몇 개일까요?"),
        kind=Integer(),
        right=lambda p: _weights(p.c_in, p.c_in, p.k, p.c_in) + _weights(p.c_in, p.c_out, 1, 1),
        near_misses=(
            NearMiss(lambda p: _weights(p.c_in, p.c_out, p.k, 1), T(
                en="That is a standard {k}×{k} convolution from {c_in} to {c_out} channels; the "
                   "block has two much smaller layers.",
                ko="그 값은 {c_in}채널에서 {c_out}채널로 가는 일반 {k}×{k} 합성곱입니다. 이 블록은 "
                   "훨씬 작은 층 두 개로 되어 있습니다.")),
            NearMiss(lambda p: _weights(p.c_in, p.c_in, p.k, p.c_in), T(
                en="That is only the depthwise layer; add the pointwise one.",
                ko="깊이별 층만 세었습니다. 점별 층도 더하세요.")),
            NearMiss(lambda p: _weights(p.c_in, p.c_out, 1, 1), T(
                en="That is only the pointwise layer; add the depthwise one.",
                ko="점별 층만 세었습니다. 깊이별 층도 더하세요.")),
            NearMiss(lambda p: _weights(p.c_in, p.c_in, p.k, 1) + _weights(p.c_in, p.c_out, 1, 1),
                     T(en="With groups={c_in} each depthwise filter sees one channel, not {c_in}.",
                       ko="groups={c_in}이면 깊이별 필터 하나는 채널 {c_in}개가 아니라 하나만 "
                          "봅니다.")),
        ),
        hints=(
            T(en="Count the two layers separately, then add.",
              ko="두 층을 따로 세고 더하세요."),
            T(en="Each layer holds out_channels · (in_channels / groups) · kH · kW weights.",
              ko="층마다 가중치는 out_channels · (in_channels / groups) · kH · kW개입니다."),
        ),
        solution=T(
            en="Depthwise: {c_in}·1·{k}·{k}; pointwise: {c_out}·{c_in}·1·1. Total: {answer}.",
            ko="깊이별: {c_in}·1·{k}·{k}개, 점별: {c_out}·{c_in}·1·1개. 합: {answer}개."),
        explanation=T(
            en="{c_in}·1·{k}·{k} depthwise plus {c_out}·{c_in}·1·1 pointwise: far fewer than a "
               "standard convolution.",
            ko="깊이별 {c_in}·1·{k}·{k}개와 점별 {c_out}·{c_in}·1·1개입니다. 일반 합성곱보다 "
               "훨씬 적습니다."),
    ),
    Exercise(
        id="03-groups-for-params", lesson=LESSON, transfer=True,
        params=dict(c_in=24, c_out=48, k=3, groups=4),
        question=T(
            en="`nn.Conv2d({c_in}, {c_out}, {k}, groups=g, bias=False)` should hold exactly "
               "{weights} weights. Which `g`? (an int)",
            ko="`nn.Conv2d({c_in}, {c_out}, {k}, groups=g, bias=False)`의 가중치가 정확히 "
               "{weights}개가 되어야 합니다. `g`는 얼마일까요? (정수)"),
        kind=Integer(),
        right=_groups_for,
        facts=lambda p: {"weights": _weights(p.c_in, p.c_out, p.k, p.groups),
                         "dense": _weights(p.c_in, p.c_out, p.k, 1)},
        near_misses=(
            NearMiss(lambda p: p.c_in // p.groups, T(
                en="That is in_channels / groups, the input channels each filter sees; groups is "
                   "the number of parts the channels are split into.",
                ko="그 값은 in_channels / groups, 곧 필터 하나가 보는 입력 채널 수입니다. groups는 "
                   "채널을 나누는 묶음의 수입니다.")),
            NearMiss(lambda p: p.c_out // p.groups, T(
                en="That is out_channels / groups, the filters in each group.",
                ko="그 값은 out_channels / groups, 곧 그룹마다 들어 있는 필터 수입니다.")),
            NearMiss(lambda p: next(g for g in range(2, 99) if p.c_in % g), T(
                en="PyTorch refuses that: in_channels and out_channels must both be divisible "
                   "by groups.",
                ko="PyTorch는 그 값에 오류를 냅니다. in_channels와 out_channels가 모두 groups로 "
                   "나누어떨어져야 합니다."),
                matches=lambda g, p: g <= 0 or p.c_in % g != 0 or p.c_out % g != 0),
        ),
        hints=(
            T(en="With groups=1 the layer would hold {dense} weights. How does groups change "
                 "the count?",
              ko="groups=1이면 가중치는 {dense}개입니다. groups는 이 개수를 어떻게 바꿀까요?"),
            T(en="weights = out_channels · (in_channels / groups) · kH · kW; solve for groups.",
              ko="가중치 수 = out_channels · (in_channels / groups) · kH · kW입니다. 이 식을 "
                 "groups에 대해 푸세요."),
        ),
        solution=T(
            en="{c_out}·({c_in} / g)·{k}·{k} = {weights}, so g = {c_out}·{c_in}·{k}·{k} / "
               "{weights} = {dense} / {weights} = {answer}.",
            ko="{c_out}·({c_in} / g)·{k}·{k} = {weights}이므로 g = {c_out}·{c_in}·{k}·{k} / "
               "{weights} = {dense} / {weights} = {answer}입니다."),
        explanation=T(
            en="groups divides the weight count: each filter sees in_channels / groups channels.",
            ko="groups만큼 가중치 수가 나뉩니다. 필터 하나가 in_channels / groups개의 채널만 "
               "봅니다."),
    ),
)
