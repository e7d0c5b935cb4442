"""Exercises of lesson 00 (start here): how ``nn.Conv2d`` reads its input, (N, C, H, W)."""
from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F

from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Integer, meta
from .kinds import Text as T

LESSON = lesson("00_start_here").name


def _batch(p) -> int:
    """The batch size, as nn.Conv2d sees it: the first dimension of its output."""
    return nn.Conv2d(p.c, 1, 1, device="meta")(meta(p.n, p.c, p.h, p.w)).shape[0]


EXERCISES = (
    Exercise(
        id="00-batch-size", lesson=LESSON,
        params=dict(n=20, c=16, h=50, w=100),
        question=T(
            en="`x = torch.randn({n}, {c}, {h}, {w})` is a batch of images for `nn.Conv2d`. "
               "How many images are in it? (an int)",
            ko="`x = torch.randn({n}, {c}, {h}, {w})`은 `nn.Conv2d`에 넣을 이미지 배치입니다. "
               "이미지는 몇 장 들어 있을까요? (정수)"),
        kind=Integer(),
        right=_batch,
        near_misses=(
            NearMiss(lambda p: p.c, T(
                en="That is the number of channels, the second dimension C.",
                ko="그 값은 두 번째 차원 C, 곧 채널 수입니다.")),
            NearMiss(lambda p: p.h, T(en="That is the height H, a spatial size.",
                                      ko="그 값은 공간 크기인 높이 H입니다.")),
            NearMiss(lambda p: p.w, T(en="That is the width W, a spatial size.",
                                      ko="그 값은 공간 크기인 너비 W입니다.")),
        ),
        hints=(
            T(en="Which of the four dimensions counts images, and which count pixels?",
              ko="네 차원 가운데 어느 것이 이미지 수를 세고, 어느 것이 픽셀 수를 셀까요?"),
            T(en="nn.Conv2d reads its input as (N, C, H, W): the batch size is N.",
              ko="nn.Conv2d는 입력을 (N, C, H, W)로 받아들입니다. 배치 크기는 N입니다."),
        ),
        solution=T(
            en="nn.Conv2d reads ({n}, {c}, {h}, {w}) as N = {n} images, C = {c} channels, "
               "H = {h} rows, W = {w} columns. Answer: {answer}.",
            ko="nn.Conv2d가 받는 입력 ({n}, {c}, {h}, {w})에서 이미지는 N = {n}장, 채널은 "
               "C = {c}개, 행은 H = {h}개, 열은 W = {w}개입니다. 답: {answer}."),
        explanation=T(en="N, the first dimension, counts the images in the batch.",
                      ko="첫 번째 차원 N이 배치에 든 이미지 수입니다."),
    ),
    Exercise(
        id="00-input-dims", lesson=LESSON,
        params=dict(),
        question=T(
            en="How many dimensions does a *batched* input to `nn.Conv2d` have? (an int)",
            ko="`nn.Conv2d`에 넣는 *배치* 입력은 몇 차원 텐서일까요? (정수)"),
        kind=Integer(),
        right=lambda p: F.conv2d(meta(1, 1, 3, 3), meta(1, 1, 1, 1)).dim(),
        near_misses=(
            NearMiss(lambda p: F.conv2d(meta(1, 3, 3), meta(1, 1, 1, 1)).dim(), T(
                en="That many is an *unbatched* input (C, H, W); a batch adds one dimension.",
                ko="그 차원 수는 배치가 *없는* 입력 (C, H, W)입니다. 배치는 차원을 하나 더합니다.")),
        ),
        hints=(
            T(en="An image has channels, rows and columns; a batch holds several images.",
              ko="이미지 한 장에는 채널, 행, 열이 있습니다. 배치에는 이미지가 여러 장 들어 있습니다."),
            T(en="Count the letters of (N, C, H, W).", ko="(N, C, H, W)의 글자 수를 세어 보세요."),
        ),
        solution=T(
            en="A batch is (N, C, H, W): batch, channels, height, width. Answer: {answer}.",
            ko="배치는 (N, C, H, W), 곧 배치, 채널, 높이, 너비입니다. 답: {answer}."),
        explanation=T(en="(N, C, H, W): batch, channels, height, width.",
                      ko="(N, C, H, W): 배치, 채널, 높이, 너비입니다."),
    ),
)
