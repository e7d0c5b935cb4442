"""Lesson 00: what the course teaches, how to use it, and an environment check."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 00. Start here: PyTorch's `nn.Conv2d`, one argument at a time

    `nn.Conv2d` is the layer behind almost every image model. It takes a dozen or so arguments
    (Python counts them for you in section 2), and each one changes which numbers the layer reads
    and how many numbers it writes. This course takes
    the layer apart, one argument per lesson, until you can predict every output shape, draw every
    sliding window and write the whole layer yourself.

    The rule of the course: **every claim is computed in a cell and checked against PyTorch
    itself** with an `assert` or `torch.allclose`. If a cell runs without an error, the claim
    above it is true on your machine.
    """, """
    # 00. 시작하기: 인자 하나씩 살펴보는 PyTorch `nn.Conv2d`

    `nn.Conv2d`는 거의 모든 이미지 모델에 들어 있는 합성곱(convolution) 층입니다. 이 층은 인자를
    열 개 남짓 받습니다. 정확히 몇 개인지는 2절에서 Python으로 셉니다. 인자에 따라 층이 입력의
    어느 값을 가져와 계산하는지, 출력 값이 몇 개 나오는지가 달라집니다. 이 강좌에서는 인자를 하나씩
    짚어 가며 이 층을 뜯어봅니다. 강좌를 마치면 어떤 출력 모양(shape)이든 미리 계산할 수 있습니다.
    창이 지나가는 자리를 모두 그릴 수 있고, 층 전체를 직접 구현할 수도 있습니다.

    이 강좌에는 규칙이 하나 있습니다. **설명하는 내용은 모두 셀에서 직접 계산하고, PyTorch의 결과와
    비교해 확인합니다.** 확인에는 `assert`나 `torch.allclose`를 씁니다. 셀이 오류 없이 실행되면 그
    셀 위의 설명이 여러분의 컴퓨터에서도 맞다는 뜻입니다.
    """),
    md("""
    ## 1. The lessons

    | Lesson | What you learn |
    |---|---|
    | [01 Conv2d basics](01_conv2d_basics.ipynb) | the signature, required and default arguments, input and output shapes, the formula, the output-size formula, weight shapes |
    | [02 Stride, padding, dilation](02_stride_padding_dilation.ipynb) | how the window moves, what padding adds (four modes, `'same'`, `'valid'`), dilated kernels, the rows the floor drops, conventions of other books that differ from PyTorch |
    | [03 Groups and depthwise](03_groups_depthwise.ipynb) | `groups`, depthwise and depthwise separable convolutions, parameter and multiply-add counts |
    | [04 MNIST and weights](04_mnist_and_weights.ipynb) | real digits through a Conv2d, looking at weights, why `weight.numpy()` fails, feature maps, hand-made kernels |
    | [05 Channel arithmetic](05_channel_arithmetic.ipynb) | per-channel multiply and add as a 1×1 convolution, and what `Normalize` really computes |
    | [06 Conv2d from scratch](06_conv2d_from_scratch.ipynb) | the layer as plain loops and as im2col, checked against `F.conv2d`, gradients and timing |
    | [07 Filters that learn](07_learning_filters.ipynb) | gradient descent finds a known kernel from a digit, a small CNN trained on MNIST, what its filters learned, the same network on convlab's own convolution |
    | [08 Backward and transposed](08_backward_and_transposed.ipynb) | the gradient of a convolution is a convolution, `nn.ConvTranspose2d` and its output size, `output_padding`, upsampling and the checkerboard |
    | [09 Receptive fields and pooling](09_receptive_fields_and_pooling.ipynb) | what one output cell of a stack of layers sees, checked by gradients, max and average pooling with `ceil_mode`, resnet18's receptive fields |

    Take them in order: each lesson uses what the previous ones showed.
    """, """
    ## 1. 강의 목록

    | 강의 | 배우는 내용 |
    |---|---|
    | [01 Conv2d 기초](01_conv2d_basics.ipynb) | 시그니처, 필수 인자와 기본값, 입력과 출력의 모양, 계산식, 출력 크기 식, 가중치의 모양 |
    | [02 스트라이드, 패딩, 팽창](02_stride_padding_dilation.ipynb) | 창이 움직이는 방식, 패딩이 채우는 값(네 가지 방식, `'same'`, `'valid'`), 팽창된 커널, 내림으로 버려지는 행, 다른 교재와 PyTorch의 관례 차이 |
    | [03 그룹과 깊이별 합성곱](03_groups_depthwise.ipynb) | `groups`, 깊이별 합성곱과 깊이별 분리 합성곱, 매개변수 수와 곱셈-덧셈 수 |
    | [04 MNIST와 가중치](04_mnist_and_weights.ipynb) | 실제 손글씨 숫자 이미지를 Conv2d에 넣기, 가중치 살펴보기, `weight.numpy()`가 실패하는 이유, 특징 맵, 직접 만든 커널 |
    | [05 채널별 산술 연산](05_channel_arithmetic.ipynb) | 채널별 곱셈과 덧셈을 1×1 합성곱으로 계산하기, `Normalize`가 실제로 계산하는 것 |
    | [06 Conv2d 직접 구현](06_conv2d_from_scratch.ipynb) | 단순한 반복문과 im2col로 층 구현하기, `F.conv2d`와 비교하기, 기울기와 실행 시간 |
    | [07 스스로 배우는 필터](07_learning_filters.ipynb) | 경사 하강법으로 숫자 이미지에서 알려진 커널 찾아내기, MNIST로 작은 CNN 학습하기, 필터가 배운 것, convlab의 합성곱으로 같은 신경망 학습하기 |
    | [08 역전파와 전치 합성곱](08_backward_and_transposed.ipynb) | 합성곱의 기울기도 합성곱이라는 사실, `nn.ConvTranspose2d`와 출력 크기, `output_padding`, 업샘플링과 바둑판 무늬 |
    | [09 수용 영역과 풀링](09_receptive_fields_and_pooling.ipynb) | 여러 층을 쌓았을 때 출력 한 칸이 보는 입력 영역을 기울기로 확인하기, `ceil_mode`까지 포함한 최대 풀링과 평균 풀링, resnet18의 수용 영역 |

    순서대로 공부하세요. 강의마다 앞 강의에서 배운 내용을 바탕으로 합니다.
    """),
    md("""
    ## 2. How to use a notebook

    - Run the cells from top to bottom: click a cell and press **Shift+Enter**, or use
      *Run → Run All Cells*. Later cells use variables that earlier cells made.
    - A few cells fail **on purpose** to show you a real PyTorch error. They carry the tag
      `raises-exception`, so *Run All* goes on past them. The text above each one says so.
    - Every lesson ends with **exercises**. Write your answer in place of `None` and run the
      cell: `exercises.check(...)` says whether it is right and, if not, gives a hint without
      giving the answer away. The check computes the right answer with PyTorch at that moment.
    - The first code cell of every lesson imports what the lesson needs. Run it first.
    """, """
    ## 2. 노트북 사용법

    - 셀은 위에서 아래로 실행하세요. 셀을 클릭하고 **Shift+Enter**를 누르거나, 메뉴에서
      *Run → Run All Cells*를 고르면 됩니다. 뒤쪽 셀은 앞쪽 셀에서 만든 변수를 씁니다.
    - 몇몇 셀은 실제 PyTorch 오류를 보여 주려고 **일부러** 실패합니다. 이런 셀에는
      `raises-exception` 태그가 붙어 있어서 *Run All*이 멈추지 않고 다음 셀로 넘어갑니다. 이런
      셀이 나오면 바로 위의 설명에서 미리 알려 드립니다.
    - 강의는 모두 **연습 문제**로 끝납니다. `None` 자리에 답을 쓰고 셀을 실행하세요.
      `exercises.check(...)`가 정답인지 알려 줍니다. 틀렸다면 답 대신 힌트를 줍니다. 정답은 미리
      적어 둔 값이 아니라, 확인할 때마다 PyTorch로 새로 계산한 값입니다.
    - 강의마다 첫 코드 셀에서 그 강의에 필요한 모듈을 불러옵니다. 이 셀을 가장 먼저 실행하세요.
    """),
    SETUP,
    md_at("l00-signature", """
    How many arguments does `nn.Conv2d` take? Rather than trust a number written in a text, ask
    Python: `inspect.signature` reads the layer's own definition. Lesson 01 goes through the
    arguments one by one.
    """, """
    `nn.Conv2d`는 인자를 몇 개 받을까요? 글에 적힌 숫자를 믿는 대신 Python에 물어봅시다.
    `inspect.signature`는 층의 정의에서 인자 목록을 직접 가져옵니다. 인자 하나하나는 01강에서
    살펴봅니다.
    """),
    code("""
    import inspect

    parameters = inspect.signature(nn.Conv2d).parameters
    with_default = [name for name, p in parameters.items() if p.default is not p.empty]
    n_args, n_defaults = len(parameters), len(with_default)
    print(«f"nn.Conv2d takes {n_args} arguments, {n_defaults} of them with a default:"|f"nn.Conv2d의 인자는 {n_args}개이고, 그중 {n_defaults}개에 기본값이 있습니다:"»)
    print(with_default)
    """, "claim:signature-count"),
    md_at("l00-explorer", """
    ## 3. The explorers: sliders that recompute with PyTorch

    Each idea in the course comes with an **explorer**: sliders and menus for the arguments of a
    Conv2d, a picture, and a line of text (the *readout*) with the numbers. Every change
    recomputes the result, with the same formulas and checks as PyTorch.

    - Drag a slider, or click it and press the arrow keys for one step at a time.
    - Read the readout under the sliders: the output shape, the formula with your numbers, or
      PyTorch's own error message when the arguments do not fit together.
    - Explorers need a running notebook. On a static page (for example on GitHub) the cell shows
      nothing; run the notebook to use them.

    Try it on the explorer below: **drag "kernel height" up and watch the output's height
    $H_{out}$ shrink by one for every step.**
    """, """
    ## 3. 탐색기: PyTorch로 다시 계산하는 슬라이더

    이 강좌에서는 개념마다 **탐색기**가 하나씩 딸려 있습니다. 탐색기에는 Conv2d의 인자를 바꾸는
    슬라이더와 메뉴, 그림 한 장, 그리고 계산 결과를 글로 보여 주는 **결과 표시줄**이 있습니다. 값을
    바꿀 때마다 PyTorch와 같은 식, 같은 검사로 결과를 다시 계산합니다.

    - 슬라이더를 끌어서 움직이세요. 슬라이더를 클릭한 뒤 화살표 키를 누르면 한 단계씩 움직입니다.
    - 슬라이더 아래의 결과 표시줄을 보세요. 출력 모양과, 지금 고른 값을 대입한 식이 나옵니다.
      인자끼리 서로 맞지 않으면 PyTorch의 오류 메시지가 그대로 나옵니다.
    - 탐색기는 실행 중인 노트북에서만 동작합니다. GitHub처럼 정적인 페이지에서는 셀이 비어 보입니다.
      탐색기를 쓰려면 노트북을 직접 실행하세요.

    아래 탐색기로 연습해 보세요. **"커널 높이"를 한 단계씩 키우면서 출력 높이 $H_{out}$이 1씩
    줄어드는 것을 확인하세요.**
    """),
    code("""
    convlab.shape_explorer(lang=$LANG)
    """),
    md("""
    ## 4. Environment check

    The next cells print the versions this notebook runs with, the device, and which MNIST data
    is on disk. Lesson 04 prepares MNIST if it is missing; no internet is needed.
    """, """
    ## 4. 실행 환경 확인

    다음 셀들은 이 노트북이 쓰는 라이브러리 버전, 계산에 쓰는 장치(device), 디스크에 있는 MNIST
    데이터를 보여 줍니다. MNIST가 없어도 괜찮습니다. 04강에서 준비하며, 인터넷 연결은 필요 없습니다.
    """),
    code("""
    import sys
    import matplotlib
    import ipywidgets
    import torchvision

    for name, version in [("python", sys.version.split()[0]), ("torch", torch.__version__),
                          ("torchvision", torchvision.__version__),
                          ("matplotlib", matplotlib.__version__),
                          ("ipywidgets", ipywidgets.__version__), ("convlab", convlab.__version__)]:
        print(f"{name:12} {version}")
    assert int(torch.__version__.split(".")[0]) >= 2, «"this course needs PyTorch 2 or newer"|"이 강좌는 PyTorch 2 이상이 필요합니다"»
    """),
    code("""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print("device:", device)
    print("MNIST:", convlab.data.describe("../datasets/", lang=$LANG))
    """),
    md_at("l00-agrees", """
    A last check that convlab's own Conv2d (lesson 06 reads it line by line) agrees with
    PyTorch's `F.conv2d` here:
    """, """
    마지막으로 convlab의 Conv2d 구현이 이 컴퓨터에서 PyTorch의 `F.conv2d`와 같은 값을 내는지
    확인합니다. 이 구현은 06강에서 한 줄씩 살펴봅니다.
    """),
    code("""
    x = torch.randn(2, 3, 8, 8)
    w = torch.randn(4, 3, 3, 3)
    assert torch.allclose(convlab.conv2d_vectorized(x, w, padding=1), F.conv2d(x, w, padding=1), atol=1e-5)
    assert torch.allclose(convlab.conv2d_naive(x, w, padding=1), F.conv2d(x, w, padding=1), atol=1e-5)
    print(«"convlab agrees with F.conv2d"|"convlab의 결과가 F.conv2d와 같습니다"»)
    """),
    md("""
    ## 5. Exercises

    Two warm-up questions about the batch and the dimensions of a tensor. First, here is what a
    check looks like when the answer is wrong: a hint, not the answer.
    """, """
    ## 5. 연습 문제

    배치와 텐서의 차원을 묻는 몸풀기 문제 두 개입니다. 먼저 답이 틀리면 어떻게 되는지 봅시다. 정답
    대신 힌트가 나옵니다.
    """),
    code("""
    exercises.check("00-batch-size", 16, lang=$LANG)
    """),
    exercises({
        "00-batch-size": """
        answer = None   # «an int|정수»
        exercises.check("00-batch-size", answer, lang=$LANG)
        """,
        "00-input-dims": """
        answer = None   # «an int|정수»
        exercises.check("00-input-dims", answer, lang=$LANG)
        """,
    }),
    md("""
    ## 6. Check yourself

    - `nn.Conv2d` has more arguments than the three you must give: Python counts them, and
      which ones have defaults, from the signature ([section 2](#l00-signature)).
    - An explorer recomputes with PyTorch's formulas at every change: one step more of kernel
      height is one row less of output ([section 3](#l00-explorer)).
    - Every claim of the course is checked in a cell against PyTorch; convlab's own Conv2d
      agrees with `F.conv2d` on your machine ([section 4](#l00-agrees)).
    """, """
    ## 6. 스스로 확인하기

    - `nn.Conv2d`의 인자는 꼭 줘야 하는 세 개보다 많습니다. 몇 개인지, 그중 어느 인자에
      기본값이 있는지는 Python이 시그니처에서 셉니다([2절](#l00-signature)).
    - 탐색기는 값을 바꿀 때마다 PyTorch와 같은 식으로 다시 계산합니다. 커널 높이를 한 단계
      키우면 출력이 한 행 줄어듭니다([3절](#l00-explorer)).
    - 이 강좌의 모든 설명은 셀에서 PyTorch와 비교해 확인합니다. convlab의 Conv2d 구현도 여러분의
      컴퓨터에서 `F.conv2d`와 같은 값을 냅니다([4절](#l00-agrees)).
    """),
    md("""
    Next: [01 Conv2d basics](01_conv2d_basics.ipynb).
    """, """
    다음 강의: [01 Conv2d 기초](01_conv2d_basics.ipynb).
    """),
]
