"""Exercises of lesson 04 (MNIST and weights): an MNIST layer's output shape, weights to NumPy,
an edge-detecting kernel, and a transfer task: the shape after two stacked layers."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Array, Function, Ints, meta
from .kinds import Text as T
from .lesson01 import SIZE_HINT, size_misses, square_shape

LESSON = lesson("04_mnist_and_weights").name


def _mnist_shape(p) -> tuple[int, ...]:
    layer = nn.Conv2d(1, p.c_out, p.k, stride=p.stride, padding=p.padding, device="meta")
    return tuple(layer(meta(p.n, 1, p.size, p.size)).shape)


def _call(to_numpy, device: str = "cpu") -> tuple[torch.Tensor, object, Exception | None]:
    """A layer's weight (it requires grad), what ``to_numpy`` made of it, and what it raised."""
    weight = nn.Conv2d(1, 3, 3).to(device).weight
    try:
        return weight, to_numpy(weight), None
    except Exception as exc:  # noqa: BLE001 - any failure is the student's to see
        return weight, None, exc


def _to_numpy_ok(to_numpy, p) -> bool:
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        weight, array, error = _call(to_numpy, device)
        if error is not None or not isinstance(array, np.ndarray) or not weight.requires_grad:
            return False
        expected = weight.detach().cpu().numpy()
        if array.shape != expected.shape or not np.allclose(array, expected):
            return False
    return True


def _edge_images() -> dict[str, torch.Tensor]:
    bright_left = torch.zeros(1, 1, 6, 6, dtype=torch.float64)
    bright_left[..., :3] = 1.0                                 # bright left half, dark right
    return {"flat": torch.ones(1, 1, 6, 6, dtype=torch.float64), "edge": bright_left,
            "horizontal": bright_left.transpose(-1, -2)}       # bright top half, dark bottom


def _response(kernel: torch.Tensor, image: str) -> torch.Tensor:
    return F.conv2d(_edge_images()[image], kernel.view(1, 1, 3, 3))


def _quiet(kernel: torch.Tensor, image: str) -> bool:
    return bool(_response(kernel, image).abs().max() <= 1e-6 * float(kernel.abs().sum()))


def _edge_ok(kernel: torch.Tensor, p) -> bool:
    scale = float(kernel.abs().sum())
    return (scale > 0 and _quiet(kernel, "flat") and _quiet(kernel, "horizontal")
            and float(_response(kernel, "edge").max()) >= 0.1 * scale)


def _two_layers(p) -> tuple[int, ...]:
    net = nn.Sequential(nn.Conv2d(1, p.c1, p.k, device="meta"),
                        nn.Conv2d(p.c1, p.c2, p.k, stride=p.stride, device="meta"))
    return tuple(net(meta(p.n, 1, p.size, p.size)).shape)


def _first_layer(p) -> int:
    return nn.Conv2d(1, p.c1, p.k, device="meta")(meta(1, 1, p.size, p.size)).shape[2]


def _after(p, h: int) -> tuple[int, ...]:
    return (p.n, p.c2, h, h)


EXERCISES = (
    Exercise(
        id="04-output-shape", lesson=LESSON,
        params=dict(n=1, c_out=20, k=5, stride=2, padding=2, size=28),
        question=T(
            en="What shape comes out of `nn.Conv2d(1, {c_out}, {k}, stride={stride}, "
               "padding={padding})` for one MNIST batch `image` of shape "
               "`[{n}, 1, {size}, {size}]`? Answer a tuple of four ints.",
            ko="모양이 `[{n}, 1, {size}, {size}]`인 MNIST 배치 `image`를 `nn.Conv2d(1, {c_out}, "
               "{k}, stride={stride}, padding={padding})`에 넣으면 출력의 모양은 무엇일까요? "
               "정수 네 개의 튜플로 답하세요."),
        kind=Ints("N", "C_out", "H_out", "W_out"),
        right=_mnist_shape,
        facts=lambda p: {"h_out": _mnist_shape(p)[2]},
        near_misses=(
            *size_misses(square_shape),
            NearMiss(lambda p: (p.c_out, p.n) + (_mnist_shape(p)[2],) * 2, T(
                en="The batch comes first: (N, C_out, H_out, W_out).",
                ko="배치가 먼저 옵니다: (N, C_out, H_out, W_out).")),
        ),
        hints=(
            T(en="One image in, one out; each of the out_channels filters makes one feature "
                 "map. What is left is the height and width.",
              ko="이미지 한 장이 들어가면 한 장이 나오고, out_channels개의 필터가 특징 맵을 "
                 "하나씩 만듭니다. 남은 것은 높이와 너비입니다."),
            SIZE_HINT,
        ),
        solution=T(
            en="floor(({size} + 2·{padding} − {k}) / {stride}) + 1 = {h_out} rows and columns, "
               "{c_out} feature maps: {answer}.",
            ko="행과 열은 floor(({size} + 2·{padding} − {k}) / {stride}) + 1 = {h_out}개, "
               "특징 맵은 {c_out}개입니다: {answer}."),
        explanation=T(
            en="{c_out} feature maps of floor(({size} + 2·{padding} − {k}) / {stride}) + 1 rows "
               "and columns.",
            ko="floor(({size} + 2·{padding} − {k}) / {stride}) + 1행, 같은 수의 열을 가진 특징 맵 "
               "{c_out}개입니다."),
    ),
    Exercise(
        id="04-to-numpy", lesson=LESSON,
        params=dict(),
        question=T(
            en="Write `to_numpy(t)` that turns any tensor (including a layer's weight, which "
               "tracks gradients, and a tensor on the GPU) into a NumPy array with the same "
               "values. Answer the function.",
            ko="어떤 텐서든(기울기를 추적하는 층의 가중치나 GPU에 있는 텐서도) 같은 값의 NumPy "
               "배열로 바꾸는 함수 `to_numpy(t)`를 작성하세요. 함수를 답으로 넣으세요."),
        kind=Function(),
        accept=_to_numpy_ok,
        example=lambda p: (lambda t: t.detach().cpu().numpy()),
        near_misses=(
            NearMiss(lambda p: (lambda t: t.numpy()), T(
                en="The weight requires grad (requires_grad=True), so .numpy() alone raises. "
                   "Read the error message: it names the method that takes a tensor out of the "
                   "autograd graph.",
                ko="가중치가 기울기를 추적하므로(requires_grad=True) .numpy()만 쓰면 오류가 "
                   "납니다. 오류 메시지를 읽어 보세요. 텐서를 autograd 그래프에서 떼어 내는 "
                   "메서드가 적혀 있습니다."),
                matches=lambda f, p: "requires grad" in str(_call(f)[2])),
            NearMiss(lambda p: (lambda t: None), T(
                en="Your function returns None: finish it and return the array.",
                ko="함수가 None을 돌려줍니다. 함수를 완성하고 배열을 돌려주세요."),
                matches=lambda f, p: all(v is None for v in _call(f)[1:])),
            NearMiss(lambda p: (lambda t: t.detach()), T(
                en="The function returns a tensor, not a NumPy array.",
                ko="함수가 NumPy 배열이 아니라 텐서를 돌려줍니다."),
                matches=lambda f, p: isinstance(_call(f)[1], torch.Tensor)),
            NearMiss(lambda p: (lambda t: t.requires_grad_(False).numpy()), T(
                en="The function changed the layer: its weight no longer tracks gradients. Make "
                   "a detached copy instead of changing the layer.",
                ko="함수가 층을 바꿨습니다. 가중치가 더는 기울기를 추적하지 않습니다. 층을 고치지 "
                   "말고 떼어 낸 텐서를 만드세요."),
                matches=lambda f, p: not _call(f)[0].requires_grad),
        ),
        hints=(
            T(en="Call .numpy() on a layer's weight and read the error: it tells you the first "
                 "step. A GPU tensor needs one more.",
              ko="층의 가중치에 .numpy()를 불러 보고 오류 메시지를 읽어 보세요. 첫 단계가 적혀 "
                 "있습니다. GPU 텐서에는 한 단계가 더 필요합니다."),
            T(en="Three steps: leave the autograd graph (.detach()), move to CPU memory (.cpu()), "
                 "then .numpy().",
              ko="세 단계입니다. autograd 그래프에서 떼고(.detach()), CPU 메모리로 옮기고(.cpu()), "
                 "그다음 .numpy()를 부릅니다."),
        ),
        solution=T(
            en="def to_numpy(t):\n    return t.detach().cpu().numpy()",
            ko="def to_numpy(t):\n    return t.detach().cpu().numpy()"),
        explanation=T(
            en="detach() leaves the autograd graph, cpu() moves to CPU memory, numpy() shares "
               "that memory.",
            ko="detach()로 autograd 그래프에서 떼고, cpu()로 CPU 메모리로 옮기고, numpy()가 그 "
               "메모리를 함께 씁니다."),
    ),
    Exercise(
        id="04-edge-kernel", lesson=LESSON,
        params=dict(),
        question=T(
            en="Design a 3×3 kernel (a nested list or a tensor) that gives 0 on a flat image, 0 "
               "on a horizontal edge, and a clearly *positive* value where the image goes from "
               "bright on the left to dark on the right.",
            ko="평평한 이미지에서 0, 가로 경계에서도 0을 내고, 이미지가 왼쪽은 밝고 오른쪽은 "
               "어두운 세로 경계에서는 뚜렷한 *양수*를 내는 3×3 커널(중첩 리스트나 텐서)을 "
               "설계하세요."),
        kind=Array((3, 3), T(en="3×3 numbers", ko="3×3 값")),
        accept=_edge_ok,
        example=lambda p: [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]],
        near_misses=(
            NearMiss(lambda p: [[0.0] * 3] * 3, T(
                en="An all-zero kernel answers 0 everywhere, also on the edge.",
                ko="모두 0인 커널은 경계에서도 0을 냅니다."),
                matches=lambda k, p: float(k.abs().sum()) == 0),
            NearMiss(lambda p: [[1.0] * 3] * 3, T(
                en="It responds to a flat image: for a flat patch to give 0, what must the "
                   "weights add up to?",
                ko="평평한 이미지에 반응합니다. 평평한 부분에서 0이 나오려면 가중치의 합이 "
                   "어떠해야 할까요?"),
                matches=lambda k, p: not _quiet(k, "flat")),
            NearMiss(lambda p: [[1.0] * 3, [0.0] * 3, [-1.0] * 3], T(
                en="It responds to a horizontal edge: there every row of the image is flat along "
                   "the width, so look at each row of your kernel.",
                ko="가로 경계에 반응합니다. 거기서는 이미지의 각 행이 옆으로 평평하니, 커널의 "
                   "행을 하나씩 살펴보세요."),
                matches=lambda k, p: not _quiet(k, "horizontal")),
            NearMiss(lambda p: [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], T(
                en="It finds the edge but answers with a negative value. PyTorch does not flip "
                   "the kernel: its left column multiplies the bright pixels.",
                ko="경계는 찾지만 음수로 답합니다. PyTorch는 커널을 뒤집지 않습니다. 커널의 왼쪽 "
                   "열이 밝은 픽셀과 곱해집니다."),
                matches=lambda k, p: float(_response(k, "edge").min())
                <= -0.1 * float(k.abs().sum())),
        ),
        hints=(
            T(en="Start from the flat image: what must the weights of each row add up to?",
              ko="평평한 이미지부터 생각하세요. 각 행의 가중치를 더하면 얼마여야 할까요?"),
            T(en="Make every row sum to zero, with the left column larger than the right: the "
                 "left column meets the bright pixels.",
              ko="각 행의 합을 0으로 하고, 왼쪽 열을 오른쪽 열보다 크게 하세요. 왼쪽 열이 밝은 "
                 "픽셀과 만납니다."),
        ),
        solution=T(
            en="A mirrored Sobel-x: {answer}.", ko="좌우를 뒤집은 Sobel-x입니다: {answer}."),
        explanation=T(
            en="Each row sums to zero and the left column outweighs the right: a vertical edge "
               "detector (a mirrored Sobel-x). PyTorch does not flip the kernel, so its left "
               "column meets the bright left pixels.",
            ko="각 행의 합이 0이고 왼쪽 열이 오른쪽 열보다 큽니다. 세로 경계 검출기(좌우를 뒤집은 "
               "Sobel-x)입니다. PyTorch는 커널을 뒤집지 않으므로 커널의 왼쪽 열이 밝은 왼쪽 "
               "픽셀과 만납니다."),
    ),
    Exercise(
        id="04-two-layers", lesson=LESSON, transfer=True,
        params=dict(n=64, c1=20, c2=50, k=5, stride=2, size=28),
        question=T(
            en="A batch of {n} MNIST digits, shape `({n}, 1, {size}, {size})`, goes through "
               "`nn.Conv2d(1, {c1}, {k})` and then `nn.Conv2d({c1}, {c2}, {k}, "
               "stride={stride})`. What shape comes out? Answer a tuple of four ints.",
            ko="MNIST 숫자 {n}장의 배치(모양 `({n}, 1, {size}, {size})`)가 `nn.Conv2d(1, {c1}, "
               "{k})`를 지난 뒤 `nn.Conv2d({c1}, {c2}, {k}, stride={stride})`를 지납니다. 출력의 "
               "모양은 무엇일까요? 정수 네 개의 튜플로 답하세요."),
        kind=Ints("N", "C_out", "H_out", "W_out"),
        right=_two_layers,
        facts=lambda p: {"h1": _first_layer(p), "h_out": _two_layers(p)[2]},
        near_misses=(
            NearMiss(lambda p: _after(p, (p.size - p.k) // p.stride + 1), T(
                en="That is the second layer applied to the {size}×{size} digits: the first "
                   "layer has already made them smaller.",
                ko="그 값은 두 번째 층을 {size}×{size} 숫자 이미지에 바로 적용한 결과입니다. 첫 "
                   "번째 층이 이미 크기를 줄였습니다.")),
            NearMiss(lambda p: _after(p, math.ceil((p.size - 2 * p.k + 1) / p.stride) + 1), T(
                en="You rounded the division up; PyTorch rounds it down (floor).",
                ko="나눗셈을 올림했습니다. PyTorch는 내림합니다.")),
            NearMiss(lambda p: _after(p, p.size - 2 * (p.k - 1)), T(
                en="That ignores the second layer's stride.",
                ko="두 번째 층의 스트라이드를 빠뜨렸습니다.")),
        ),
        hints=(
            T(en="Go one layer at a time: the second layer sees the first layer's output, not "
                 "the digits.",
              ko="층을 하나씩 따라가세요. 두 번째 층은 숫자 이미지가 아니라 첫 번째 층의 출력을 "
                 "받습니다."),
            SIZE_HINT,
        ),
        solution=T(
            en="First layer: {size} − {k} + 1 = {h1}. Second: floor(({h1} − {k}) / {stride}) + 1 "
               "= {h_out}, with {c2} channels: {answer}.",
            ko="첫 번째 층: {size} − {k} + 1 = {h1}. 두 번째 층: floor(({h1} − {k}) / {stride}) "
               "+ 1 = {h_out}이고 채널은 {c2}개입니다: {answer}."),
        explanation=T(
            en="Each layer applies the size formula to the previous layer's output; channels "
               "follow the last out_channels.",
            ko="층마다 앞 층의 출력에 출력 크기 식을 적용합니다. 채널 수는 마지막 층의 "
               "out_channels를 따릅니다."),
    ),
)
