"""Exercises of lesson 02 (stride, padding, dilation): 'same' padding for a dilated kernel, the
rows the floor drops, padding modes, a dilated window's span, and a transfer task: the padding
that keeps a rectangular dilated layer's size."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..conv.geometry import PADDING_MODES
from ..course.manifest import lesson
from .framework import Exercise, NearMiss
from .kinds import Choice, Integer, Ints, meta
from .kinds import Text as T
from .lesson01 import H_FORMULA

LESSON = lesson("02_stride_padding_dilation").name


def _keeps_size(size: int, kernel: tuple[int, int], dilation: tuple[int, int],
                padding: tuple[int, int]) -> bool:
    x = meta(1, 1, size, size + 3)
    out = F.conv2d(x, meta(1, 1, *kernel), padding=padding, dilation=dilation)
    return out.shape == x.shape


def _same_padding(p) -> int:
    """The per-side padding that keeps the size, found by asking F.conv2d."""
    return next(pad for pad in range(40)
                if _keeps_size(p.size, (p.k, p.k), (p.dilation, p.dilation), (pad, pad)))


def _span(kernel: int, dilation: int) -> int:
    """Columns a dilated kernel spans: the narrowest input that gives one output column."""
    for width in range(1, 200):
        try:
            out = F.conv2d(meta(1, 1, 1, width), meta(1, 1, 1, kernel), dilation=dilation)
        except RuntimeError:        # narrower than the window: PyTorch raises
            continue
        if out.shape[-1] == 1:
            return width
    raise AssertionError("no width fits")


def _unread_rows(p) -> int:
    """Rows no output depends on: change one row at a time and see whether any output moves."""
    conv = nn.Conv2d(1, 1, p.k, stride=p.stride)
    x = torch.rand(1, 1, p.rows, 4)
    with torch.no_grad():
        base = conv(x)
        unread = 0
        for row in range(p.rows):
            bumped = x.clone()
            bumped[0, 0, row] += 1.0
            unread += int(torch.equal(conv(bumped), base))
    return unread


def _windows(p) -> int:
    return F.conv2d(meta(1, 1, p.rows, 4), meta(1, 1, p.k, p.k), stride=p.stride).shape[2]


def _padded(p, mode: str) -> str:
    row = torch.tensor([[[[float(v) for v in p.row]]]])
    out = F.pad(row, (p.pad, p.pad, 0, 0), mode="constant" if mode == "zeros" else mode)
    return "[" + ", ".join(f"{v:g}" for v in out[0, 0, 0].tolist()) + "]"


def _padded_rows(p) -> dict[str, str]:
    return {"target": _padded(p, p.mode), **{m: _padded(p, m) for m in PADDING_MODES}}


def _rect_padding(p) -> tuple[int, int]:
    pads = [(a, b) for a in range(20) for b in range(20)]
    return next(pad for pad in pads if _keeps_size(p.size, (p.kh, p.kw), (p.dh, p.dw), pad))


def _mode_miss(mode: str, en: str, ko: str) -> NearMiss:
    return NearMiss(lambda p: mode, T(en=f"'{mode}' {en}: it gives {{{mode}}}.",
                                      ko=f"'{mode}'는 {ko}. 결과는 {{{mode}}}입니다."))


EXERCISES = (
    Exercise(
        id="02-same-padding", lesson=LESSON,
        params=dict(k=5, dilation=2, size=12),
        question=T(
            en="A {k}×{k} kernel with `dilation={dilation}` runs at stride 1. Which `padding` "
               "(one int, per side) keeps the output as tall and wide as the input?",
            ko="{k}×{k} 커널이 `dilation={dilation}`, 스트라이드 1로 이동합니다. 출력의 높이와 "
               "너비를 입력과 같게 유지하는 `padding`(한쪽에 더하는 정수 하나)은 얼마일까요?"),
        kind=Integer(),
        right=_same_padding,
        facts=lambda p: {"span": _span(p.k, p.dilation)},
        near_misses=(
            NearMiss(lambda p: p.dilation * (p.k - 1), T(
                en="That is the total over both sides; PyTorch's padding is per side.",
                ko="그 값은 양쪽을 합한 패딩입니다. PyTorch의 padding은 한쪽 값입니다.")),
            NearMiss(lambda p: (p.k - 1) // 2, T(
                en="That ignores the dilation: a dilated kernel spans "
                   "dilation·(kernel_size − 1) + 1 cells, more than kernel_size.",
                ko="팽창을 빠뜨렸습니다. 팽창된 커널은 dilation·(kernel_size − 1) + 1칸에 걸쳐 "
                   "kernel_size보다 넓습니다.")),
        ),
        hints=(
            T(en="How many cells wide is the dilated window? Padding on both sides together must "
                 "make up for the cells it loses.",
              ko="팽창된 창은 몇 칸에 걸칠까요? 양쪽 패딩을 합해서 창이 잃는 칸을 메워야 합니다."),
            T(en=f"Set H_out = H in {H_FORMULA} with stride 1 and solve for padding.",
              ko=f"스트라이드 1에서 {H_FORMULA} 식의 H_out을 H로 두고 padding을 구하세요."),
        ),
        solution=T(
            en="The window spans {dilation}·({k} − 1) + 1 = {span} cells, so it loses "
               "{dilation}·({k} − 1) rows; half of that on each side: padding = {answer}.",
            ko="창은 {dilation}·({k} − 1) + 1 = {span}칸에 걸치므로 {dilation}·({k} − 1)행을 "
               "잃습니다. 그 절반을 양쪽에 붙이면 padding = {answer}입니다."),
        explanation=T(
            en="padding = dilation·(kernel_size − 1) / 2 per side, what padding='same' adds.",
            ko="한쪽 padding = dilation·(kernel_size − 1) / 2이고, padding='same'이 더하는 값과 "
               "같습니다."),
    ),
    Exercise(
        id="02-unused-rows", lesson=LESSON,
        params=dict(rows=11, k=3, stride=3),
        question=T(
            en="An input {rows} rows tall goes through `nn.Conv2d(1, 1, kernel_size={k}, "
               "stride={stride})`. How many of its rows does no output value ever use?",
            ko="높이가 {rows}행인 입력이 `nn.Conv2d(1, 1, kernel_size={k}, stride={stride})`를 "
               "지납니다. 어떤 출력 값도 쓰지 않는 행은 몇 개일까요?"),
        kind=Integer(),
        right=_unread_rows,
        facts=lambda p: {"windows": _windows(p), "last": (_windows(p) - 1) * p.stride + p.k - 1},
        near_misses=(
            NearMiss(lambda p: 0, T(
                en="Not every row is used: the division in the size formula rounds down.",
                ko="모든 행이 쓰이지는 않습니다. 출력 크기 식의 나눗셈은 내림합니다.")),
        ),
        hints=(
            T(en="List the rows each window covers: window i starts at row i·stride.",
              ko="창마다 덮는 행을 적어 보세요. i번째 창은 i·stride 행에서 시작합니다."),
            T(en="floor((H − kernel_size) / stride) + 1 windows fit; the last one ends at row "
                 "(windows − 1)·stride + kernel_size − 1. Count the rows after it.",
              ko="창은 floor((H − kernel_size) / stride) + 1개 들어가고, 마지막 창은 "
                 "(창 개수 − 1)·stride + kernel_size − 1 행에서 끝납니다. 그 뒤의 행을 세세요."),
        ),
        solution=T(
            en="floor(({rows} − {k}) / {stride}) + 1 = {windows} windows; the last ends at row "
               "{last}, so the rows after it, up to row {rows} − 1, are never used: {answer}.",
            ko="창은 floor(({rows} − {k}) / {stride}) + 1 = {windows}개이고, 마지막 창은 "
               "{last}행에서 끝납니다. 그 뒤부터 {rows} − 1행까지는 쓰이지 않습니다: {answer}."),
        explanation=T(
            en="The windows start every {stride} rows; the rows after the last window are "
               "dropped without a warning.",
            ko="창은 {stride}행마다 시작합니다. 마지막 창 뒤의 행은 경고 없이 버려집니다."),
    ),
    Exercise(
        id="02-padding-mode", lesson=LESSON,
        params=dict(row=(1, 2, 3, 4), pad=2, mode="circular"),
        question=T(
            en="Which `padding_mode` pads the row `[1, 2, 3, 4]` by {pad} on each side into "
               "`{target}`? Answer a string.",
            ko="행 `[1, 2, 3, 4]`의 양쪽에 {pad}칸씩 패딩해서 `{target}`를 만드는 "
               "`padding_mode`는 무엇일까요? 문자열로 답하세요."),
        kind=Choice(*PADDING_MODES),
        right=lambda p: next(m for m in PADDING_MODES if _padded(p, m) == _padded(p, p.mode)),
        facts=_padded_rows,
        near_misses=(
            _mode_miss("zeros", "fills with zeros", "0으로 채웁니다"),
            _mode_miss("reflect", "mirrors the row around its edge value",
                       "가장자리 값을 축으로 행을 거울처럼 비춥니다"),
            _mode_miss("replicate", "repeats the edge value", "가장자리 값을 되풀이합니다"),
        ),
        hints=(
            T(en="Where do the new values on the left come from: the row's start, its end, or "
                 "a constant?",
              ko="왼쪽에 새로 붙은 값은 어디서 왔을까요? 행의 처음, 행의 끝, 아니면 상수일까요?"),
            T(en="Try every mode: F.pad(torch.tensor([[[1., 2., 3., 4.]]]), ({pad}, {pad}), "
                 "mode=...) (F.pad calls zeros 'constant').",
              ko="모든 방식을 시험해 보세요: F.pad(torch.tensor([[[1., 2., 3., 4.]]]), "
                 "({pad}, {pad}), mode=...) (F.pad에서는 zeros를 'constant'라고 씁니다)."),
        ),
        solution=T(
            en="The left pad is the row's end and the right pad its start: the values wrap "
               "around, which is {answer}.",
            ko="왼쪽 패딩은 행의 끝, 오른쪽 패딩은 행의 처음입니다. 값이 한 바퀴 돌아오므로 "
               "{answer}입니다."),
        explanation=T(
            en="The values wrap around: the left pad is the row's end, the right pad its start.",
            ko="값이 한 바퀴 돌아옵니다. 왼쪽 패딩은 행의 끝, 오른쪽 패딩은 행의 처음입니다."),
    ),
    Exercise(
        id="02-dilated-span", lesson=LESSON,
        params=dict(k=3, dilation=4),
        question=T(
            en="How many input columns wide is the window of `kernel_size={k}, "
               "dilation={dilation}` (from its first tap to its last, inclusive)?",
            ko="`kernel_size={k}, dilation={dilation}`인 커널의 창은 입력에서 몇 열에 걸칠까요? "
               "(첫 커널 칸부터 마지막 커널 칸까지, 양 끝 포함)"),
        kind=Integer(),
        right=lambda p: _span(p.k, p.dilation),
        near_misses=(
            NearMiss(lambda p: p.k * p.dilation, T(
                en="Count the gaps, not the taps: {k} taps have {k} − 1 gaps between them.",
                ko="커널 칸이 아니라 간격을 세어 보세요. 커널 칸 {k}개 사이에는 간격이 {k} − 1개입니다.")),
            NearMiss(lambda p: p.k, T(
                en="That is the number of taps; dilation spreads them apart.",
                ko="그 값은 커널 칸의 수입니다. 팽창은 커널 칸 사이를 벌립니다.")),
        ),
        hints=(
            T(en="Draw the taps: between two neighbouring taps, dilation − 1 cells are skipped.",
              ko="커널 칸을 그려 보세요. 이웃한 두 커널 칸 사이에서 dilation − 1칸을 건너뜁니다."),
            T(en="A dilated kernel spans dilation·(kernel_size − 1) + 1 cells.",
              ko="팽창된 커널은 dilation·(kernel_size − 1) + 1칸에 걸칩니다."),
        ),
        solution=T(
            en="{k} − 1 gaps of {dilation} cells plus the first tap: "
               "{dilation}·({k} − 1) + 1 = {answer}.",
            ko="{dilation}칸 간격 {k} − 1개에 첫 커널 칸을 더합니다: "
               "{dilation}·({k} − 1) + 1 = {answer}."),
        explanation=T(en="{dilation}·({k} − 1) + 1: the gaps between the taps plus the first tap.",
                      ko="{dilation}·({k} − 1) + 1: 커널 칸 사이의 간격에 첫 커널 칸을 더합니다."),
    ),
    Exercise(
        id="02-rect-padding", lesson=LESSON, transfer=True,
        params=dict(kh=3, kw=7, dh=2, dw=1, size=20),
        question=T(
            en="A layer `nn.Conv2d(1, 1, kernel_size=({kh}, {kw}), dilation=({dh}, {dw}))` runs "
               "at stride 1. Which `padding=(rows, columns)` keeps its output as tall and as "
               "wide as its input? Answer a pair of ints.",
            ko="층 `nn.Conv2d(1, 1, kernel_size=({kh}, {kw}), dilation=({dh}, {dw}))`가 "
               "스트라이드 1로 이동합니다. 출력의 높이와 너비를 입력과 같게 유지하는 "
               "`padding=(행, 열)`은 얼마일까요? 정수 두 개로 답하세요."),
        kind=Ints("padding_h", "padding_w"),
        right=_rect_padding,
        near_misses=(
            NearMiss(lambda p: _rect_padding(p)[::-1], T(
                en="The two numbers are swapped: padding, like kernel_size and dilation, is "
                   "(rows, columns).",
                ko="두 값의 순서가 바뀌었습니다. padding도 kernel_size, dilation처럼 (행, 열) "
                   "순서입니다.")),
            NearMiss(lambda p: (p.dh * (p.kh - 1), p.dw * (p.kw - 1)), T(
                en="Those are totals over both sides; PyTorch's padding is per side.",
                ko="그 값은 양쪽을 합한 패딩입니다. PyTorch의 padding은 한쪽 값입니다.")),
            NearMiss(lambda p: ((p.kh - 1) // 2, (p.kw - 1) // 2), T(
                en="That ignores the dilation of the rows: a dilated kernel spans "
                   "dilation·(kernel_size − 1) + 1 cells.",
                ko="행 방향의 팽창을 빠뜨렸습니다. 팽창된 커널은 dilation·(kernel_size − 1) + 1칸에 "
                   "걸칩니다.")),
        ),
        hints=(
            T(en="Treat rows and columns separately: each has its own kernel size and dilation.",
              ko="행과 열을 따로 생각하세요. 각각 커널 크기와 팽창이 따로 있습니다."),
            T(en="Per axis, padding = dilation·(kernel_size − 1) / 2.",
              ko="축마다 padding = dilation·(kernel_size − 1) / 2입니다."),
        ),
        solution=T(
            en="Rows: {dh}·({kh} − 1) / 2; columns: {dw}·({kw} − 1) / 2. padding = {answer}.",
            ko="행: {dh}·({kh} − 1) / 2, 열: {dw}·({kw} − 1) / 2. padding = {answer}."),
        explanation=T(
            en="Each axis keeps its size with half of dilation·(kernel_size − 1) on each side.",
            ko="축마다 dilation·(kernel_size − 1)의 절반을 양쪽에 붙이면 크기가 유지됩니다."),
    ),
)
