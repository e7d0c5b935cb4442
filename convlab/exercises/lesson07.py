"""Exercises of lesson 07 (filters that learn): what a Flatten hands to the linear head, a small
network's parameter count, one SGD step by hand, and a transfer task: the linear head of a
network for 32×32 colour images."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Integer, Numbers, meta
from .kinds import Text as T

LESSON = lesson("07_learning_filters").name


def _features(layers: nn.Sequential, channels: int, size: int) -> int:
    """Numbers per image after ``layers``, as PyTorch computes them (on the meta device)."""
    return int(layers.to("meta")(meta(1, channels, size, size)).flatten(1).shape[1])


def _side(layers: nn.Sequential, channels: int, size: int) -> int:
    """The width of the maps that reach the final Flatten of ``layers``."""
    return int(layers[:-1].to("meta")(meta(1, channels, size, size)).shape[-1])


def _two_stages(p) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, p.c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten())


def _lenet(p, bias: bool = True) -> nn.Sequential:
    side = p.size // 4
    return nn.Sequential(nn.Conv2d(1, p.c1, p.k, padding=p.k // 2, bias=bias), nn.MaxPool2d(2),
                         nn.Conv2d(p.c1, p.c2, p.k, padding=p.k // 2, bias=bias),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(p.c2 * side * side, 10, bias=bias))


def _count(p, bias: bool = True) -> int:
    return sum(t.numel() for t in _lenet(p, bias).to("meta").parameters())


def _sgd_step(p) -> tuple[float, float]:
    """(∂loss/∂w, w after one step): autograd and torch.optim.SGD on a 1×1 kernel."""
    x = torch.tensor(p.x, dtype=torch.float64).view(1, 1, 1, -1)
    layer = nn.Conv2d(1, 1, 1, bias=False).double()
    with torch.no_grad():
        layer.weight.fill_(p.w)
    optimizer = torch.optim.SGD(layer.parameters(), lr=p.lr)
    F.mse_loss(layer(x), p.true_w * x).backward()
    grad = float(layer.weight.grad.item())
    optimizer.step()
    return grad, float(layer.weight.item())


def _cifar(p) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, p.c1, p.k1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(p.c1, p.c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten())


EXERCISES = (
    Exercise(
        id="07-flatten-size", lesson=LESSON,
        params=dict(c2=20, size=32),
        question=T(
            en="The network of this lesson, with `nn.Conv2d(8, {c2}, 3, padding=1)` as its second "
               "layer, gets {size}×{size} digits: `nn.Conv2d(1, 8, 3, padding=1)`, `nn.ReLU()`, "
               "`nn.MaxPool2d(2)`, `nn.Conv2d(8, {c2}, 3, padding=1)`, `nn.ReLU()`, "
               "`nn.MaxPool2d(2)`, `nn.Flatten()`. How many numbers per image does `nn.Flatten()` "
               "hand to the linear layer (its `in_features`)?",
            ko="이 강의의 신경망에서 두 번째 층을 `nn.Conv2d(8, {c2}, 3, padding=1)`로 바꾸고 "
               "{size}×{size} 숫자 이미지를 넣습니다: `nn.Conv2d(1, 8, 3, padding=1)`, `nn.ReLU()`, "
               "`nn.MaxPool2d(2)`, `nn.Conv2d(8, {c2}, 3, padding=1)`, `nn.ReLU()`, "
               "`nn.MaxPool2d(2)`, `nn.Flatten()`. `nn.Flatten()`이 이미지 한 장마다 선형 층에 "
               "넘기는 값은 몇 개일까요? (선형 층의 `in_features`)"),
        kind=Integer(),
        right=lambda p: _features(_two_stages(p), 1, p.size),
        facts=lambda p: {"side": _side(_two_stages(p), 1, p.size)},
        near_misses=(
            NearMiss(lambda p: p.c2 * p.size * p.size, T(
                en="That is the size before any pooling: each nn.MaxPool2d(2) halves the height "
                   "and the width.",
                ko="풀링 전의 크기입니다. nn.MaxPool2d(2)를 지날 때마다 높이와 너비가 절반이 "
                   "됩니다.")),
            NearMiss(lambda p: p.c2 * (p.size // 2) ** 2, T(
                en="That counts one pooling layer; there are two.",
                ko="풀링 층을 하나만 셌습니다. 풀링 층은 두 개입니다.")),
            NearMiss(lambda p: (p.size // 4) ** 2, T(
                en="That is one channel; Flatten puts every channel's map into the row.",
                ko="채널 하나만 셌습니다. Flatten은 모든 채널의 특징 맵을 한 줄로 펼칩니다.")),
        ),
        hints=(
            T(en="Follow one image: a 3×3 kernel with padding=1 keeps the size; what does each "
                 "nn.MaxPool2d(2) do?",
              ko="이미지 한 장을 따라가 보세요. padding=1인 3×3 커널은 크기를 유지합니다. "
                 "nn.MaxPool2d(2)는 크기를 어떻게 바꿀까요?"),
            T(en="in_features = (channels of the last conv) · H · W after the second pooling, "
                 "with each pooling halving H and W.",
              ko="in_features = (마지막 합성곱 층의 채널 수) · 두 번째 풀링 뒤의 H · W입니다. "
                 "풀링마다 H와 W가 절반이 됩니다."),
        ),
        solution=T(
            en="{size} → {size}/2 → {side} rows and columns, times {c2} channels: "
               "{c2}·{side}·{side} = {answer}.",
            ko="{size} → {size}/2 → {side}행 {side}열이고, 채널이 {c2}개이므로 "
               "{c2}·{side}·{side} = {answer}입니다."),
        explanation=T(
            en="Two poolings take {size} to {side}; Flatten lays out {c2} maps of {side}×{side}.",
            ko="풀링 두 번을 거치면 크기가 {size}에서 {side}까지 줄고, Flatten은 {side}×{side} "
               "특징 맵 {c2}개를 한 줄로 펼칩니다."),
    ),
    Exercise(
        id="07-param-count", lesson=LESSON,
        params=dict(c1=6, c2=12, k=5, size=28),
        question=T(
            en="A LeNet-like network: `nn.Conv2d(1, {c1}, {k}, padding=2)`, `nn.MaxPool2d(2)`, "
               "`nn.Conv2d({c1}, {c2}, {k}, padding=2)`, `nn.MaxPool2d(2)`, `nn.Flatten()`, "
               "`nn.Linear({c2} * 7 * 7, 10)`. How many learnable parameters does it have "
               "(`sum(p.numel() for p in net.parameters())`)?",
            ko="LeNet과 비슷한 신경망입니다: `nn.Conv2d(1, {c1}, {k}, padding=2)`, "
               "`nn.MaxPool2d(2)`, `nn.Conv2d({c1}, {c2}, {k}, padding=2)`, `nn.MaxPool2d(2)`, "
               "`nn.Flatten()`, `nn.Linear({c2} * 7 * 7, 10)`. 학습되는 매개변수는 모두 "
               "몇 개일까요? (`sum(p.numel() for p in net.parameters())`)"),
        kind=Integer(),
        right=_count,
        near_misses=(
            NearMiss(lambda p: _count(p, bias=False), T(
                en="Close: that leaves out the biases, one per output channel and per output of "
                   "the linear layer.",
                ko="거의 맞았습니다. 편향이 빠졌습니다. 편향은 출력 채널마다, 그리고 선형 층의 "
                   "출력마다 하나씩 있습니다.")),
            NearMiss(lambda p: _count(p) - p.c2 * (p.size // 4) ** 2 * 10 - 10, T(
                en="That is the two convolutions only; the linear layer has parameters too, and "
                   "most of them.",
                ko="합성곱 층 두 개만 셌습니다. 선형 층에도 매개변수가 있고, 그쪽이 대부분입니다.")),
        ),
        hints=(
            T(en="Pooling and Flatten learn nothing. Count each Conv2d and the Linear separately.",
              ko="풀링과 Flatten에는 학습되는 값이 없습니다. Conv2d 두 개와 Linear를 따로 세세요."),
            T(en="Conv2d: out·in·kH·kW weights + out biases; Linear(in, out): in·out weights + "
                 "out biases.",
              ko="Conv2d: 가중치 out·in·kH·kW개 + 편향 out개, Linear(in, out): 가중치 in·out개 + "
                 "편향 out개입니다."),
        ),
        solution=T(
            en="({c1}·1·{k}·{k} + {c1}) + ({c2}·{c1}·{k}·{k} + {c2}) + ({c2}·7·7·10 + 10) = {answer}.",
            ko="({c1}·1·{k}·{k} + {c1}) + ({c2}·{c1}·{k}·{k} + {c2}) + ({c2}·7·7·10 + 10) = "
               "{answer}입니다."),
        explanation=T(
            en="Weights and biases of both convolutions and of the linear head; pooling has none.",
            ko="두 합성곱 층과 선형 층의 가중치와 편향을 더한 값입니다. 풀링에는 매개변수가 없습니다."),
    ),
    Exercise(
        id="07-sgd-step", lesson=LESSON,
        params=dict(x=(1.0, 2.0, 3.0), w=0.5, true_w=2.0, lr=0.05),
        question=T(
            en="A 1×1 kernel with weight w = {w} (no bias) learns from the row x = [1, 2, 3] to "
               "produce y = {true_w}·x = [2, 4, 6], with `F.mse_loss` (the mean over the three "
               "outputs) and `torch.optim.SGD(..., lr={lr})`. What are ∂loss/∂w and w after one "
               "step? Answer `(gradient, new_w)`.",
            ko="가중치가 w = {w}인 1×1 커널(편향 없음)이 행 x = [1, 2, 3]에서 y = {true_w}·x = "
               "[2, 4, 6]을 만들도록 배웁니다. 손실은 `F.mse_loss`(출력 세 개의 평균), 최적화는 "
               "`torch.optim.SGD(..., lr={lr})`입니다. ∂loss/∂w와 한 단계 뒤의 w는 얼마일까요? "
               "`(gradient, new_w)`로 답하세요."),
        kind=Numbers(2, atol=1e-3),
        right=_sgd_step,
        facts=lambda p: {"grad": f"{_sgd_step(p)[0]:g}"},
        near_misses=(
            NearMiss(lambda p: (_sgd_step(p)[0], p.w + p.lr * _sgd_step(p)[0]), T(
                en="The gradient is right, but the step goes uphill: SGD subtracts lr · gradient.",
                ko="기울기는 맞았지만 손실이 커지는 쪽(오르막)으로 옮겼습니다. SGD는 lr · 기울기를 뺍니다.")),
            NearMiss(lambda p: (3 * _sgd_step(p)[0], p.w - p.lr * 3 * _sgd_step(p)[0]), T(
                en="That is the gradient of the sum; F.mse_loss takes the mean over the outputs.",
                ko="합의 기울기입니다. F.mse_loss는 출력들의 평균을 냅니다.")),
            NearMiss(lambda p: (_sgd_step(p)[0], p.w - _sgd_step(p)[0]), T(
                en="The gradient is right; the step forgets the learning rate.",
                ko="기울기는 맞았습니다. 한 단계를 옮길 때 학습률을 빠뜨렸습니다.")),
        ),
        hints=(
            T(en="loss = mean over i of (w·xᵢ − yᵢ)²: differentiate each term with respect to w.",
              ko="loss = (w·xᵢ − yᵢ)²의 i에 대한 평균입니다. 항마다 w로 미분해 보세요."),
            T(en="∂loss/∂w = mean of 2·(w·xᵢ − yᵢ)·xᵢ, and SGD sets w ← w − lr·∂loss/∂w.",
              ko="∂loss/∂w = 2·(w·xᵢ − yᵢ)·xᵢ의 평균이고, SGD는 w ← w − lr·∂loss/∂w로 "
                 "바꿉니다."),
        ),
        solution=T(
            en="∂loss/∂w = mean of 2·({w} − {true_w})·xᵢ² = 2·({w} − {true_w})·14/3 = {grad}; "
               "w ← {w} − {lr}·({grad}). (gradient, new_w) = {answer}.",
            ko="∂loss/∂w = 2·({w} − {true_w})·xᵢ²의 평균 = 2·({w} − {true_w})·14/3 = {grad}이고, "
               "w ← {w} − {lr}·({grad})입니다. (gradient, new_w) = {answer}."),
        explanation=T(
            en="The gradient is negative, so the step raises w towards {true_w}.",
            ko="기울기가 음수이므로 한 단계에 w가 {true_w} 쪽으로 커집니다."),
    ),
    Exercise(
        id="07-cifar-flatten", lesson=LESSON, transfer=True,
        params=dict(c1=16, k1=5, c2=32, size=32),
        question=T(
            en="A network for CIFAR-10's {size}×{size} colour images: `nn.Conv2d(3, {c1}, {k1})`, "
               "`nn.ReLU()`, `nn.MaxPool2d(2)`, `nn.Conv2d({c1}, {c2}, 3, padding=1)`, `nn.ReLU()`, "
               "`nn.MaxPool2d(2)`, `nn.Flatten()`, `nn.Linear(in_features, 10)`. Which "
               "`in_features` makes it run?",
            ko="CIFAR-10의 {size}×{size} 컬러 이미지를 받는 신경망입니다: "
               "`nn.Conv2d(3, {c1}, {k1})`, `nn.ReLU()`, `nn.MaxPool2d(2)`, "
               "`nn.Conv2d({c1}, {c2}, 3, padding=1)`, `nn.ReLU()`, `nn.MaxPool2d(2)`, "
               "`nn.Flatten()`, `nn.Linear(in_features, 10)`. 이 신경망이 실행되려면 "
               "`in_features`가 얼마여야 할까요?"),
        kind=Integer(),
        right=lambda p: _features(_cifar(p), 3, p.size),
        facts=lambda p: {"after": p.size - p.k1 + 1,
                         "side": _side(_cifar(p), 3, p.size)},
        near_misses=(
            NearMiss(lambda p: p.c2 * (p.size // 4) ** 2, T(
                en="The first layer has no padding: its {k1}×{k1} kernel makes the map smaller "
                   "before the first pooling.",
                ko="첫 층에는 패딩이 없습니다. {k1}×{k1} 커널이 첫 풀링 전에 특징 맵을 "
                   "줄입니다.")),
            NearMiss(lambda p: 3 * _features(_cifar(p), 3, p.size), T(
                en="The three colour channels are summed by the first layer: only the last "
                   "layer's {c2} channels reach Flatten.",
                ko="색 채널 세 개는 첫 층에서 더해집니다. Flatten에 닿는 것은 마지막 층의 채널 "
                   "{c2}개뿐입니다.")),
        ),
        hints=(
            T(en="Track H (and W): which layers change it, and by how much?",
              ko="H(와 W)를 따라가 보세요. 어느 층이 얼마나 바꿀까요?"),
            T(en="Conv without padding: H − kernel_size + 1; MaxPool2d(2): H/2; 3×3 with "
                 "padding=1: H. Then in_features = {c2}·H·W.",
              ko="패딩 없는 합성곱: H − kernel_size + 1, MaxPool2d(2): H/2, padding=1인 3×3: "
                 "그대로. 그다음 in_features = {c2}·H·W입니다."),
        ),
        solution=T(
            en="{size} → {after} → {after}/2 → the same → {side}; {c2}·{side}·{side} = {answer}.",
            ko="{size} → {after} → {after}/2 → 그대로 → {side}이고, "
               "{c2}·{side}·{side} = {answer}입니다."),
        explanation=T(
            en="The unpadded {k1}×{k1} layer takes {size} to {after}; two poolings give {side}.",
            ko="패딩 없는 {k1}×{k1} 층이 크기를 {size}에서 {after}까지 줄이고, 풀링 두 번을 "
               "거치면 {side}까지 줄어듭니다."),
    ),
)
