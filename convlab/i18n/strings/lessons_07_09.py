"""Strings of lessons 07-09: training pictures and the kernel-descent explorer (07), the
transposed-convolution explorer (08) and the receptive-field explorer (09).

Read through :func:`convlab.i18n.text`; the rules for the Korean are in
:mod:`convlab.i18n.catalogue`.
"""
from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- lesson 07: a learned kernel, training curves, confusion matrix, kernel descent --------
    "viz.step": {"en": "step", "ko": "단계"},
    "viz.loss": {"en": "loss (mean squared error)", "ko": "손실 (평균 제곱 오차)"},
    "viz.snapshot": {"en": "step {s}", "ko": "{s}단계"},
    "viz.target": {"en": "target", "ko": "목표"},
    "viz.kernel_value": {"en": "kernel value", "ko": "커널 값"},
    "viz.epoch": {"en": "epoch", "ko": "에포크"},
    "viz.train_loss": {"en": "training loss", "ko": "학습 손실"},
    "viz.accuracy": {"en": "test accuracy (%)", "ko": "테스트 정확도 (%)"},
    "viz.true": {"en": "true digit", "ko": "실제 숫자"},
    "viz.predicted": {"en": "the network's answer", "ko": "신경망의 답"},
    "viz.confusion": {"en": "confusion matrix: {wrong} of {total} test images wrong",
                      "ko": "혼동 행렬: 테스트 이미지 {total}장 중 {wrong}장 틀림"},
    "viz.count": {"en": "images", "ko": "이미지 수"},
    "descent.help": {
        "en": "A 3×3 kernel learned back from a digit and its filtered copy: "
              "<code>nn.Conv2d(1, 1, 3, bias=False)</code> starts from random weights and each "
              "step of <code>torch.optim.SGD</code> moves them downhill on the loss. Raise the "
              "learning rate past the limit shown below and the loss explodes; add momentum and "
              "the kernel arrives sooner.",
        "ko": "숫자 이미지와 그 이미지를 필터로 거른 결과에서 3×3 커널을 다시 찾아냅니다. "
              "<code>nn.Conv2d(1, 1, 3, bias=False)</code>는 무작위 가중치에서 시작하고, "
              "<code>torch.optim.SGD</code>가 단계마다 가중치를 기울기의 반대 방향으로 옮깁니다. "
              "학습률을 아래에 나오는 한계보다 키우면 손실이 폭발합니다. 모멘텀을 더하면 커널이 더 "
              "빨리 목표에 닿습니다."},
    "descent.target": {"en": "target kernel", "ko": "목표 커널"},
    "descent.lr": {"en": "learning rate (lr)", "ko": "학습률 (lr)"},
    "descent.momentum": {"en": "momentum", "ko": "모멘텀 (momentum)"},
    "descent.steps": {"en": "steps", "ko": "단계 수"},
    "descent.seed": {"en": "starting weights (seed)", "ko": "처음 가중치 (시드)"},
    "descent.loss": {"en": "loss after {steps} steps: ", "ko": "{steps}단계 뒤 손실: "},
    "descent.distance": {"en": "largest |learned − target|: ", "ko": "|배운 커널 − 목표|의 최댓값: "},
    "descent.limit": {"en": "plain SGD diverges above lr = 2 / (largest curvature) = ",
                      "ko": "모멘텀 없는 SGD가 발산하기 시작하는 학습률 lr = 2 / (가장 큰 곡률) = "},
    "descent.diverged": {"en": "diverged: the loss grew instead of falling",
                         "ko": "발산: 손실이 줄지 않고 커졌습니다"},
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
    # --- the receptive-field explorer (convlab.explorers.receptive, lesson 09) ----------------
    "receptive.help": {
        "en": "Up to four layers, each a convolution or a pooling. Pick an output cell of the last "
              "layer (with the sliders, or hover over the grid under the picture): the input cells "
              "it depends on are those where autograd's gradient <code>∂out[i, j] / ∂input</code> "
              "is not zero. The dashed box is the region that the recurrence for the receptive "
              "field and the jump predicts.",
        "ko": "층을 네 개까지 쌓을 수 있고, 층마다 합성곱이나 풀링을 고릅니다. 마지막 층의 출력 칸을 "
              "하나 고르세요(슬라이더로 고르거나, 그림 아래 격자에서 칸을 가리키세요). 그 칸이 "
              "의존하는 입력 칸은 <code>autograd</code>로 구한 기울기 "
              "<code>∂out[i, j] / ∂input</code>이 0이 아닌 칸입니다. 점선 상자는 수용 영역과 유효 "
              "스트라이드의 점화식이 예측한 영역입니다."},
    "receptive.size": {"en": "input size (H = W)", "ko": "입력 크기 (H = W)"},
    "receptive.layers": {"en": "number of layers", "ko": "층 수"},
    "receptive.layer": {"en": "layer {n}", "ko": "층 {n}"},
    "receptive.kind": {"en": "kind of layer", "ko": "층의 종류"},
    "receptive.kind_conv": {"en": "convolution (nn.Conv2d)", "ko": "합성곱 (nn.Conv2d)"},
    "receptive.kind_max": {"en": "max pooling (nn.MaxPool2d)", "ko": "최대 풀링 (nn.MaxPool2d)"},
    "receptive.kind_avg": {"en": "average pooling (nn.AvgPool2d)", "ko": "평균 풀링 (nn.AvgPool2d)"},
    "receptive.stride": {"en": "stride", "ko": "스트라이드 (stride)"},
    "receptive.padding": {"en": "padding", "ko": "패딩 (padding)"},
    "receptive.dilation": {"en": "dilation", "ko": "팽창 (dilation)"},
    "receptive.row": {"en": "output row", "ko": "출력 칸의 행"},
    "receptive.col": {"en": "output column", "ko": "출력 칸의 열"},
    "receptive.numbers": {"en": "receptive field {size}, jump {jump}, start {start}",
                          "ko": "수용 영역 {size}칸, 유효 스트라이드 {jump}, 시작 위치 {start}"},
    "receptive.cell": {"en": "output cell [{row}, {col}] of the last layer", "ko": "마지막 층의 출력 칸 [{row}, {col}]"},
    "receptive.formula": {"en": "the recurrence predicts", "ko": "점화식이 예측한 영역"},
    "receptive.gradient": {"en": "nonzero gradient", "ko": "기울기가 0이 아닌 영역"},
    "receptive.span": {"en": "rows {r0}–{r1}, columns {c0}–{c1}", "ko": "{r0}–{r1}행, {c0}–{c1}열"},
    "receptive.count": {"en": "({n} cells)", "ko": "({n}칸)"},
    "receptive.nothing": {"en": "no input cell", "ko": "입력 칸 없음"},
    "receptive.agree": {"en": "the recurrence and the gradient agree", "ko": "점화식과 기울기가 같은 영역을 가리킵니다"},
    "receptive.disagree": {"en": "the gradient's region is smaller: part of the field lies in the zero padding of "
                                 "an inner layer, which holds no input cell",
                           "ko": "기울기의 영역이 더 작습니다. 수용 영역의 일부가 안쪽 층의 제로 패딩에 걸치는데, "
                                 "그 칸은 입력 칸이 아닙니다"},
    "receptive.max_note": {
        "en": "max pooling sends the gradient to the largest cell of each window only: for this "
              "input {n} of the {m} cells in reach get a nonzero gradient (grey dots: the others)",
        "ko": "최대 풀링은 창마다 가장 큰 칸에만 기울기를 보냅니다. 이 입력에서는 닿을 수 있는 "
              "{m}칸 가운데 {n}칸만 기울기가 0이 아닙니다 (회색 점: 나머지 칸)"},
    "receptive.hint": {"en": "Hover over or tap an output cell to see the input cells it depends "
                             "on; hover over an input cell to see every output cell that depends "
                             "on it.",
                       "ko": "출력 칸을 가리키거나 누르면 그 칸이 의존하는 입력 칸이 보입니다. 입력 "
                             "칸을 가리키면 그 칸에 의존하는 출력 칸이 모두 보입니다."},
    "receptive.grad_axis": {"en": "gradient $\\partial$out[i, j] / $\\partial$input",
                            "ko": "기울기 $\\partial$out[i, j] / $\\partial$input"},
    "receptive.input_title": {"en": "input: where the chosen output cell's gradient lands", "ko": "입력: 고른 출력 칸의 기울기가 닿는 곳"},
    "receptive.key_grad": {"en": "gradient is not zero", "ko": "기울기가 0이 아님"},
    "receptive.key_formula": {"en": "region the recurrence predicts", "ko": "점화식이 예측한 영역"},
    "receptive.key_max": {"en": "in reach, but max pooling chose another cell", "ko": "닿을 수 있지만 최대 풀링이 다른 칸을 고름"},
    "receptive.key_cell": {"en": "chosen output cell", "ko": "고른 출력 칸"},
    "reason.layer_off": {"en": "off: only {count} layer(s) in use", "ko": "쓰는 층이 {count}개뿐이라 꺼집니다"},
    "reason.avg_dilation": {"en": "nn.AvgPool2d has no dilation argument",
                            "ko": "nn.AvgPool2d에는 팽창을 정하는 인자가 없습니다"},
    "reason.one_row": {"en": "the last layer has a single output row", "ko": "마지막 층의 출력이 한 행뿐입니다"},
    "reason.one_col": {"en": "the last layer has a single output column", "ko": "마지막 층의 출력이 한 열뿐입니다"},
}
