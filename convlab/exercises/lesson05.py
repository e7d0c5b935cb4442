"""Exercises of lesson 05 (channel arithmetic): Normalize as a 1×1 convolution and back, a
channel permutation, and a transfer task: a layer that normalizes the three RGB channels."""
from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Array, Layer, Numbers
from .kinds import Text as T

LESSON = lesson("05_channel_arithmetic").name


def _normalize(mean: Sequence[float], std: Sequence[float]) -> Callable:
    from torchvision import transforms  # imported when a check runs, not with the package
    return transforms.Normalize(tuple(mean), tuple(std))


def _affine_of(f: Callable) -> tuple[float, float]:
    """(mul, add) with f(x) = x·mul + add on one channel, read off f(0) and f(1)."""
    zero, one = f(torch.zeros(1, 1, 1)).item(), f(torch.ones(1, 1, 1)).item()
    return (one - zero, zero)


def _normalize_pair(p) -> tuple[float, float]:
    return _affine_of(_normalize((p.mean,), (p.std,)))


def _undo_pair(p) -> tuple[float, float]:
    mul, add = _normalize_pair(p)
    return (1 / mul, -add / mul)


def _swap_ok(w: torch.Tensor, p) -> bool:
    if w.shape != (p.c, p.c, 1, 1):
        return False
    x = torch.rand(2, p.c, 4, 5, dtype=torch.float64)
    return bool(torch.allclose(F.conv2d(x, w), x.flip(1)))


def _channel_layer(mul: Sequence[float], add: Sequence[float]) -> nn.Conv2d:
    """A 1×1 convolution that computes x·mul[c] + add[c] on each channel c."""
    layer = nn.Conv2d(len(mul), len(mul), 1, groups=len(mul))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(mul).view(-1, 1, 1, 1))
        layer.bias.copy_(torch.tensor(add))
    return layer


def _rgb_input() -> torch.Tensor:
    return torch.rand(2, 3, 5, 4, generator=torch.Generator().manual_seed(0))


def _rgb_out(layer: nn.Module) -> torch.Tensor:
    with torch.no_grad():
        return layer(_rgb_input())


def _rgb_does(layer: nn.Module, f: Callable, p) -> bool:
    out, x = _rgb_out(layer), _rgb_input()
    return out.shape == x.shape and bool(torch.allclose(out, f(x), atol=1e-4))


def _std(p) -> torch.Tensor:
    return torch.tensor(p.std).view(3, 1, 1)


def _mean(p) -> torch.Tensor:
    return torch.tensor(p.mean).view(3, 1, 1)


EXERCISES = (
    Exercise(
        id="05-normalize", lesson=LESSON,
        params=dict(mean=0.1307, std=0.3081),
        question=T(
            en="Find `(mul, add)` so that a 1×1 convolution with weight `mul` and bias `add` "
               "does exactly what `transforms.Normalize(({mean},), ({std},))` does. Answer a "
               "pair of floats (3 decimals are enough).",
            ko="가중치가 `mul`, 편향이 `add`인 1×1 합성곱이 `transforms.Normalize(({mean},), "
               "({std},))`와 똑같이 계산하도록 `(mul, add)`를 구하세요. 실수 두 개의 쌍으로 "
               "답하세요(소수점 셋째 자리면 충분합니다)."),
        kind=Numbers(2, atol=2e-3),
        right=_normalize_pair,
        near_misses=(
            NearMiss(lambda p: (p.std, -p.mean), T(
                en="Normalize divides by std; multiplying by std goes the other way.",
                ko="Normalize는 std로 나눕니다. std를 곱하면 반대 방향입니다.")),
            NearMiss(lambda p: (1 / p.std, -p.mean), T(
                en="The mean is subtracted before the division, so it is divided by std too.",
                ko="평균은 나누기 전에 빼므로, 평균도 std로 나뉩니다.")),
        ),
        hints=(
            T(en="Normalize computes (x − mean) / std. Multiply it out.",
              ko="Normalize는 (x − mean) / std를 계산합니다. 괄호를 풀어 보세요."),
            T(en="(x − mean) / std = x·(1 / std) + (−mean / std): read off mul and add.",
              ko="(x − mean) / std = x·(1 / std) + (−mean / std)입니다. mul과 add를 읽어 내세요."),
        ),
        solution=T(
            en="mul = 1 / {std}, add = −{mean} / {std}: {answer}.",
            ko="mul = 1 / {std}, add = −{mean} / {std}: {answer}."),
        explanation=T(en="Normalize computes (x − mean) / std = x·(1/std) + (−mean/std).",
                      ko="Normalize는 (x − mean) / std = x·(1/std) + (−mean/std)를 계산합니다."),
    ),
    Exercise(
        id="05-undo-normalize", lesson=LESSON,
        params=dict(mean=0.5, std=0.5),
        question=T(
            en="MNIST images went through `Normalize(({mean},), ({std},))`. Which `(mul, add)` "
               "in a 1×1 convolution brings them back to the original pixel values in [0, 1]? "
               "Answer a pair.",
            ko="MNIST 이미지가 `Normalize(({mean},), ({std},))`를 거쳤습니다. 1×1 합성곱의 "
               "`(mul, add)`를 얼마로 하면 원래 [0, 1] 픽셀 값으로 되돌릴 수 있을까요? 값 두 "
               "개의 쌍으로 답하세요."),
        kind=Numbers(2, atol=2e-3),
        right=_undo_pair,
        near_misses=(
            NearMiss(_normalize_pair, T(
                en="That is Normalize itself; go the other way.",
                ko="그것은 Normalize와 같은 계산입니다. 반대 방향으로 가야 합니다.")),
            NearMiss(lambda p: (p.std, -p.mean), T(
                en="Multiplying by std is right, but undoing the subtraction of the mean means "
                   "adding it back.",
                ko="std를 곱하는 것은 맞습니다. 하지만 평균을 뺀 것을 되돌리려면 평균을 다시 "
                   "더해야 합니다.")),
        ),
        hints=(
            T(en="Normalize computed y = (x − mean) / std. Solve that for x.",
              ko="Normalize는 y = (x − mean) / std를 계산했습니다. 이 식을 x에 대해 푸세요."),
            T(en="x = y·std + mean.", ko="x = y·std + mean입니다."),
        ),
        solution=T(en="x = y·{std} + {mean}: (mul, add) = {answer}.",
                   ko="x = y·{std} + {mean}이므로 (mul, add) = {answer}입니다."),
        explanation=T(en="Solving y = (x − mean) / std for x gives x = y·std + mean.",
                      ko="y = (x − mean) / std를 x에 대해 풀면 x = y·std + mean입니다."),
    ),
    Exercise(
        id="05-swap-channels", lesson=LESSON,
        params=dict(c=3),
        question=T(
            en="Give a weight tensor `w` for `F.conv2d(x, w)` (a 1×1 convolution, `groups=1`, "
               "no bias) that reverses the order of {c} channels: RGB in, BGR out.",
            ko="{c}채널의 순서를 뒤집는(RGB를 넣으면 BGR이 나오는) `F.conv2d(x, w)`용 가중치 "
               "텐서 `w`를 만드세요(1×1 합성곱, `groups=1`, 편향 없음)."),
        kind=Array((None, None, 1, 1),
                   T(en="a 4-D tensor of shape (out_channels, in_channels, 1, 1)",
                     ko="모양이 (out_channels, in_channels, 1, 1)인 4차원 텐서")),
        accept=_swap_ok,
        example=lambda p: torch.eye(p.c).flip(0).view(p.c, p.c, 1, 1),
        near_misses=(
            NearMiss(lambda p: torch.ones(p.c, 1, 1, 1), T(
                en="With groups=1, a 1×1 convolution from {c} to {c} channels has one weight per "
                   "(output channel, input channel) pair.",
                ko="groups=1이면 {c}채널에서 {c}채널로 가는 1×1 합성곱은 (출력 채널, 입력 채널) "
                   "쌍마다 가중치가 하나입니다."),
                matches=lambda w, p: w.shape[:2] != (p.c, p.c)),
            NearMiss(lambda p: torch.eye(p.c).view(p.c, p.c, 1, 1), T(
                en="That copies every channel to the same place; output channel 0 should take "
                   "the last input channel.",
                ko="각 채널을 같은 자리로 옮길 뿐입니다. 출력 채널 0은 마지막 입력 채널을 받아야 "
                   "합니다."),
                matches=lambda w, p: bool(torch.equal(w.view(p.c, p.c), torch.eye(p.c).double()))),
        ),
        hints=(
            T(en="w[j, i] is how much of input channel i goes into output channel j.",
              ko="w[j, i]는 입력 채널 i가 출력 채널 j에 들어가는 양입니다."),
            T(en="Each output channel takes exactly one input channel with weight 1: a "
                 "permutation matrix, shaped (out, in, 1, 1).",
              ko="출력 채널마다 입력 채널 하나를 가중치 1로 받습니다. 순열 행렬을 "
                 "(out, in, 1, 1) 모양으로 만드세요."),
        ),
        solution=T(
            en="torch.eye({c}).flip(0).view({c}, {c}, 1, 1): the identity with its rows "
               "reversed.",
            ko="torch.eye({c}).flip(0).view({c}, {c}, 1, 1): 단위 행렬의 행 순서를 뒤집은 "
               "것입니다."),
        explanation=T(
            en="A permutation matrix: output channel j copies one input channel with weight 1.",
            ko="순열 행렬입니다. 출력 채널 j가 입력 채널 하나를 가중치 1로 그대로 옮깁니다."),
    ),
    Exercise(
        id="05-normalize-rgb", lesson=LESSON, transfer=True,
        params=dict(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
        question=T(
            en="Build a layer that does exactly what `transforms.Normalize(mean={mean}, "
               "std={std})` does to RGB images of shape (N, 3, H, W): a 1×1 convolution "
               "`nn.Conv2d` whose weight and bias you set inside `with torch.no_grad():`. Any "
               "layer "
               "that does it passes; the check runs it.",
            ko="모양이 (N, 3, H, W)인 RGB 이미지에 `transforms.Normalize(mean={mean}, "
               "std={std})`와 똑같은 계산을 하는 층을 만드세요. 1×1 합성곱 `nn.Conv2d`를 만들고 "
               "`with torch.no_grad():` 안에서 가중치와 편향을 정하세요. 이 일을 하는 층이면 "
               "무엇이든 정답이고, 확인할 때 층을 직접 실행합니다."),
        kind=Layer(),
        accept=lambda layer, p: _rgb_does(layer, _normalize(p.mean, p.std), p),
        example=lambda p: _channel_layer([1 / s for s in p.std],
                                         [-m / s for m, s in zip(p.mean, p.std)]),
        near_misses=(
            NearMiss(lambda p: nn.Conv2d(3, 1, 1), T(
                en="The output must keep the 3 channels and the image size: a 1×1 kernel from "
                   "3 channels to 3.",
                ko="출력은 채널 3개와 이미지 크기를 유지해야 합니다. 3채널에서 3채널로 가는 1×1 "
                   "커널을 쓰세요."),
                matches=lambda layer, p: _rgb_out(layer).shape != _rgb_input().shape),
            NearMiss(lambda p: _channel_layer(p.std, [-m for m in p.mean]), T(
                en="Normalize divides by std; multiplying by std goes the other way.",
                ko="Normalize는 std로 나눕니다. std를 곱하면 반대 방향입니다."),
                matches=lambda layer, p: _rgb_does(layer, lambda x: x * _std(p) - _mean(p), p)),
            NearMiss(lambda p: _channel_layer([1 / s for s in p.std], [-m for m in p.mean]), T(
                en="The mean is subtracted before the division, so the bias is −mean / std.",
                ko="평균은 나누기 전에 빼므로 편향은 −mean / std입니다."),
                matches=lambda layer, p: _rgb_does(layer, lambda x: x / _std(p) - _mean(p), p)),
        ),
        hints=(
            T(en="It is the one-channel exercise above, once per channel: each channel has its "
                 "own mul and add.",
              ko="위의 채널 하나짜리 연습 문제를 채널마다 한 번씩 하는 것입니다. 채널마다 mul과 "
                 "add가 따로 있습니다."),
            T(en="nn.Conv2d(3, 3, 1, groups=3): weight[c, 0, 0, 0] = 1 / std[c] and "
                 "bias[c] = −mean[c] / std[c].",
              ko="nn.Conv2d(3, 3, 1, groups=3)에서 weight[c, 0, 0, 0] = 1 / std[c], "
                 "bias[c] = −mean[c] / std[c]로 두세요."),
        ),
        solution=T(
            en="layer = nn.Conv2d(3, 3, 1, groups=3)\nwith torch.no_grad():\n"
               "    layer.weight[:, 0, 0, 0] = 1 / torch.tensor({std})\n"
               "    layer.bias[:] = -torch.tensor({mean}) / torch.tensor({std})",
            ko="layer = nn.Conv2d(3, 3, 1, groups=3)\nwith torch.no_grad():\n"
               "    layer.weight[:, 0, 0, 0] = 1 / torch.tensor({std})\n"
               "    layer.bias[:] = -torch.tensor({mean}) / torch.tensor({std})"),
        explanation=T(
            en="Per channel, Normalize is x·(1/std) + (−mean/std): a 1×1 convolution with "
               "groups=3 (or a diagonal weight with groups=1) does it.",
            ko="채널마다 Normalize는 x·(1/std) + (−mean/std)입니다. groups=3인 1×1 합성곱(또는 "
               "groups=1에 대각 가중치)이 이 계산을 합니다."),
    ),
)
