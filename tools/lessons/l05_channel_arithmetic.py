"""Lesson 05: per-channel multiply and add as a 1×1 convolution with groups=C, and Normalize."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 05. Channel arithmetic with a 1×1 convolution

    A convolution can do plain arithmetic: multiply every channel by its own value and add its
    own value. This lesson writes that operation three ways — broadcasting, `nn.Conv2d` and
    `F.conv2d` — checks that they agree, and finds the same operation hiding inside the MNIST
    loader of lesson 04.
    """, """
    # 05. 1×1 합성곱으로 하는 채널별 산술 연산

    합성곱(convolution)으로 평범한 산술 연산도 할 수 있습니다. 채널마다 그 채널에 정해 둔 값을
    곱하고 더하는 연산입니다. 이번 강의에서는 이 연산을 브로드캐스팅, `nn.Conv2d`, `F.conv2d`의 세
    가지 방법으로 구현하고 결과가 같은지 확인합니다. 그리고 04강의 MNIST 데이터 로더에도 같은 연산이
    숨어 있었다는 것을 확인합니다.
    """),
    SETUP,
    md_at("l05-two-operations", """
    ## 1. Four operations, two are enough

    With a convolution we can add, subtract, multiply and divide. Two of them are enough:
    subtracting $a$ is adding $-a$, and dividing by $a$ is multiplying by $1/a$. So from here on
    "arithmetic" means $(+, \\times)$: $y = x \\cdot m + a$ per channel.
    """, """
    ## 1. 사칙연산은 두 가지면 충분합니다

    합성곱으로 사칙연산을 모두 할 수 있습니다. 사실 두 가지만 있으면 됩니다. $a$를 빼는 것은 $-a$를
    더하는 것이고, $a$로 나누는 것은 $1/a$를 곱하는 것이기 때문입니다. 그래서 이 강의에서 "산술
    연산"이라고 하면 $(+, \\times)$ 두 가지, 곧 채널마다 $y = x \\cdot m + a$를 계산하는 것을
    말합니다.
    """, "seed:arith-intro"),
    md("""
    ## 2. With broadcasting

    A batch of 2 images with 5 channels. Channel 0 is multiplied by 1.0 and gets 5.0 added,
    channel 1 is multiplied by 2.0 and gets 4.0 added, and so on. Reshaping the five values to
    `(1, C, 1, 1)` lets broadcasting stretch each one over the batch, the height and the width
    of its own channel.
    """, """
    ## 2. 브로드캐스팅으로 계산하기

    채널이 5개인 이미지 2장으로 된 배치입니다. 채널 0에는 1.0을 곱하고 5.0을 더합니다. 채널 1에는
    2.0을 곱하고 4.0을 더합니다. 나머지 채널도 같은 식입니다. 다섯 값을 `(1, C, 1, 1)` 모양으로
    바꾸면, 브로드캐스팅이 각 값을 그 채널의 배치, 높이, 너비 전체로 늘려 줍니다.
    """),
    code("""
    X = torch.rand(2, 5, 16, 16)
    B, C, H, W = X.shape
    mul_vals = [1.0, 2.0, 3.0, 4.0, 5.0]
    add_vals = [5.0, 4.0, 3.0, 2.0, 1.0]
    result1 = X * torch.Tensor(mul_vals).reshape(1, C, 1, 1) + torch.Tensor(add_vals).reshape(1, C, 1, 1)
    """, "seed:arith-broadcast"),
    code("""
    assert torch.allclose(result1[:, 0], X[:, 0] * 1.0 + 5.0)     # «channel 0: ×1, +5|채널 0: ×1, +5»
    assert torch.allclose(result1[:, 1], X[:, 1] * 2.0 + 4.0)     # «channel 1: ×2, +4|채널 1: ×2, +4»
    for c in range(C):
        assert torch.allclose(result1[:, c], X[:, c] * mul_vals[c] + add_vals[c])
    """, "seed:arith-channel-values"),
    md_at("l05-conv1x1", """
    ## 3. The same as a 1×1 convolution

    A **1×1 convolution** looks at one pixel at a time. Its weight multiplies the pixel and its
    bias is added, so we put the values to multiply into the weight and the values to add into
    the bias.

    A plain 1×1 convolution would still mix channels: each output channel sums over *all* input
    channels. To give every channel its own values, set `groups` to the number of input
    channels (lesson 03): the channels are split into `C` groups of one, so output channel `c`
    sees only input channel `c`. The weight then has shape `(C, 1, 1, 1)`: one multiplier per
    channel.
    """, """
    ## 3. 1×1 합성곱으로 같은 계산하기

    **1×1 합성곱**은 한 번에 픽셀 하나만 봅니다. 그 픽셀에 가중치(weight)를 곱하고 편향(bias)을
    더합니다. 그러니 곱할 값은 가중치에, 더할 값은 편향에 넣으면 됩니다.

    하지만 보통의 1×1 합성곱은 채널을 섞어 버립니다. 출력 채널 하나가 *모든* 입력 채널에 걸쳐 합을
    구하기 때문입니다. 채널마다 따로 계산하려면 `groups`를 입력 채널 수로 둡니다(03강). 그러면 채널
    `C`개가 한 채널씩 `C`개의 그룹으로 나뉘고, 출력 채널 `c`는 입력 채널 `c`만 봅니다. 이때 가중치의
    모양은 `(C, 1, 1, 1)`입니다. 채널마다 곱할 값이 하나씩 있는 셈입니다.
    """, "seed:arith-1x1", "seed:arith-groups"),
    md("""
    With `nn.Conv2d`: create the layer, then fill its weight and bias through `.data`. (In the
    blog post these two fill-in lines were garbled into the line that creates the layer; here
    they are restored.)
    """, """
    먼저 `nn.Conv2d`로 해 봅시다. 층을 만든 뒤 `.data`로 가중치와 편향을 채웁니다. (블로그 글에서는
    이 두 줄이 층을 만드는 줄과 뒤섞여 깨져 있었습니다. 여기서는 원래대로 되살렸습니다.)
    """),
    code("""
    conv_arithmetic = nn.Conv2d(in_channels=C, out_channels=C, kernel_size=1, stride=1, padding=0, groups=C, bias=True)
    conv_arithmetic.weight.data[:] = torch.Tensor(mul_vals).reshape(C, 1, 1, 1)
    conv_arithmetic.bias.data[:] = torch.Tensor(add_vals).reshape(C)
    result2 = conv_arithmetic(X)
    print(conv_arithmetic.weight.shape, torch.allclose(result1, result2))
    assert torch.allclose(result1, result2)
    """, "seed:arith-nn-conv2d"),
    md("""
    ## 4. As a function with `F.conv2d`

    `F.conv2d` takes the weight and bias as arguments, so the operation fits in a function. The
    function first checks its arguments: one multiplier and one addition per input channel.
    """, """
    ## 4. `F.conv2d`로 함수 만들기

    `F.conv2d`는 가중치와 편향을 인자로 받습니다. 그래서 이 연산을 함수 하나로 만들 수 있습니다.
    함수는 먼저 인자를 검사합니다. 입력 채널마다 곱할 값과 더할 값이 하나씩 있어야 합니다.
    """),
    code("""
    def conv_arithmetic_operation(X, mul_vals, add_vals):
        B, C, H, W = X.shape
        assert len(mul_vals) == C, «"The number of multiplication values must be same with input channels"|"곱할 값의 개수는 입력 채널 수와 같아야 합니다"»
        assert len(add_vals) == C, «"The number of add values must be same with input channels"|"더할 값의 개수는 입력 채널 수와 같아야 합니다"»
        _weight = torch.zeros(C, 1, 1, 1)
        _weight[:, 0, 0, 0] = torch.Tensor(mul_vals)
        _bias = torch.zeros(C)
        _bias[:] = torch.Tensor(add_vals)
        return F.conv2d(X, weight=_weight, bias=_bias, groups=C)

    result3 = conv_arithmetic_operation(X, mul_vals, add_vals)
    print(torch.allclose(result1, result3))
    assert torch.allclose(result1, result3)
    """, "seed:arith-functional"),
    code("""
    try:
        conv_arithmetic_operation(X, [1.0, 2.0], add_vals)     # «two values for five channels|채널은 다섯 개인데 값은 두 개»
    except AssertionError as error:
        print("AssertionError:", error)
    """),
    md("""
    ## 5. ×2 − 1 on every channel

    The same function with the same values for every channel: multiply by 2.0, add −1.0.
    Subtraction is just adding a negative number, and division is multiplying by the reciprocal.
    """, """
    ## 5. 모든 채널에 ×2 − 1

    같은 함수에 모든 채널의 값을 똑같이 줍니다. 2.0을 곱하고 −1.0을 더합니다. 빼기는 음수를
    더하는 것이고, 나누기는 역수를 곱하는 것입니다.
    """, "seed:arith-times2-minus1"),
    code("""
    mul_vals = [2.0] * C
    add_vals = [-1.0] * C
    result1 = X * 2.0 - 1.0
    result3 = conv_arithmetic_operation(X, mul_vals, add_vals)
    assert torch.allclose(result1, result3, atol=1e-6)

    quarter = conv_arithmetic_operation(X, [1 / 4] * C, [0.0] * C)     # «division by 4|4로 나누기»
    assert torch.allclose(quarter, X / 4)
    """),
    md_at("l05-normalize", """
    ## 6. That is exactly what `Normalize((0.5,), (0.5,))` did

    Lesson 04 loaded MNIST with `transforms.Normalize((0.5,), (0.5,))`. `Normalize` computes
    $(x - \\text{mean}) / \\text{std} = (x - 0.5) / 0.5 = 2x - 1$ per channel: the "×2 − 1" above.
    It maps the pixels from [0, 1] to [−1, 1]. Checked on 100 real digits, loaded once with
    `ToTensor()` alone and once exactly as lesson 04 loaded them:
    """, """
    ## 6. `Normalize((0.5,), (0.5,))`가 한 일이 바로 이것입니다

    04강에서는 MNIST를 `transforms.Normalize((0.5,), (0.5,))`로 불러왔습니다. `Normalize`는 채널마다
    $(x - \\text{mean}) / \\text{std} = (x - 0.5) / 0.5 = 2x - 1$을 계산합니다. 바로 위에서 계산한
    "×2 − 1"입니다. 이 정규화(normalization)는 픽셀 값의 범위를 [0, 1]에서 [−1, 1]로 바꿉니다. 실제
    숫자 이미지 100장으로 확인해 봅시다. 같은 이미지를 한 번은 `ToTensor()`만 써서, 한 번은 04강과
    똑같이 불러와 비교합니다.
    """),
    code("""
    from torchvision import transforms

    raw_set = convlab.mnist(root="../datasets/", transform=transforms.ToTensor(), lang=$LANG)
    train_set = convlab.mnist(root="../datasets/", lang=$LANG,
                              transform=transforms.Compose([transforms.ToTensor(),
                                                            transforms.Normalize((0.5,), (0.5,))]))
    raw = torch.stack([raw_set[i][0] for i in range(100)])          # «100 digits, values in [0, 1]|숫자 이미지 100장, 값은 [0, 1] 범위»
    normalized = torch.stack([train_set[i][0] for i in range(100)])  # «the same digits as lesson 04 loads them|같은 이미지를 04강과 똑같이 불러온 것»
    assert torch.allclose(conv_arithmetic_operation(raw, [2.0], [-1.0]), normalized, atol=1e-6)
    print(f"[{raw.min():.0f}, {raw.max():.0f}] -> [{normalized.min():.0f}, {normalized.max():.0f}]")
    digit = raw[0]
    """),
    md("""
    The same as a layer, drawn with convlab's feature-map picture: the digit on the left, the
    ×2 − 1 output on the right (note the colour bars).
    """, """
    같은 계산을 층으로 만들고, convlab의 특징 맵(feature map) 그림으로 그려 봅시다. 왼쪽은 숫자
    이미지, 오른쪽은 ×2 − 1을 거친 출력입니다. 색 막대의 눈금을 비교해 보세요.
    """),
    code("""
    normalize_layer = nn.Conv2d(1, 1, kernel_size=1)
    normalize_layer.weight.data[:] = 2.0
    normalize_layer.bias.data[:] = -1.0
    convlab.plot_feature_maps(normalize_layer, digit, lang=$LANG)
    """),
    md_at("l05-groups", """
    ## 7. What `groups=C` saves

    Without groups, a 1×1 convolution holds a full `C × C` matrix: output channel `j` is a
    weighted sum of all input channels. Per-channel arithmetic is the special case of a
    **diagonal** matrix. `groups=C` stores only that diagonal: `C` weights instead of `C·C`.
    """, """
    ## 7. `groups=C`로 아끼는 것

    그룹을 나누지 않으면 1×1 합성곱은 `C × C` 행렬 전체를 가중치로 가집니다. 출력 채널 `j`는 모든
    입력 채널의 가중합입니다. 채널별 산술 연산은 이 행렬이 **대각 행렬**인 특수한 경우입니다.
    `groups=C`는 이 대각 성분만 저장하므로, 가중치가 `C·C`개가 아니라 `C`개면 됩니다.
    """),
    code("""
    full = nn.Conv2d(C, C, kernel_size=1)
    full.weight.data[:] = torch.diag(torch.Tensor(mul_vals)).reshape(C, C, 1, 1)
    full.bias.data[:] = torch.Tensor(add_vals)
    assert torch.allclose(full(X), result3, atol=1e-6)
    print(«f"{full.weight.numel()} weights with groups=1, {conv_arithmetic.weight.numel()} with groups=C"|f"groups=1이면 가중치 {full.weight.numel()}개, groups=C이면 {conv_arithmetic.weight.numel()}개"»)
    assert full.weight.numel() == C * C and conv_arithmetic.weight.numel() == C
    """),
    md("""
    ## 8. Explorer: channel arithmetic

    Three channels, one multiplier and one addition each. The explorer shows
    `torch.allclose(conv(X), X·m + a)`: the 1×1 convolution compared with broadcasting.
    **Set every multiplier to 2 and every addition to −1: that is `Normalize((0.5,), (0.5,))`.
    Then set one multiplier to 0 and watch that channel become a flat image holding only its
    bias.**
    """, """
    ## 8. 탐색기: 채널별 산술 연산

    채널이 세 개이고, 채널마다 곱할 값과 더할 값이 하나씩 있습니다. 탐색기에 나오는
    `torch.allclose(conv(X), X·m + a)`는 1×1 합성곱의 결과를 브로드캐스팅의 결과와 비교한 것입니다.
    **곱하기 슬라이더를 모두 2로, 더하기 슬라이더를 모두 −1로 두세요. `Normalize((0.5,), (0.5,))`와
    같은 계산입니다. 그다음 곱하기 슬라이더 하나를 0으로 두고, 그 채널이 편향 값만 남은 평평한
    이미지가 되는 것을 보세요.**
    """),
    code("""
    convlab.channel_arithmetic_explorer(lang=$LANG, mul_vals=(1.0, 2.0, 3.0), add_vals=(3.0, 2.0, 1.0))
    """),
    md("""
    ## 9. Exercises
    """, """
    ## 9. 연습 문제
    """),
    exercises({
        "05-normalize": """
        answer = None   # (mul, add)
        exercises.check("05-normalize", answer, lang=$LANG)
        """,
        "05-undo-normalize": """
        answer = None   # (mul, add)
        exercises.check("05-undo-normalize", answer, lang=$LANG)
        """,
        "05-swap-channels": """
        w = None   # «a tensor of shape (3, 3, 1, 1)|모양이 (3, 3, 1, 1)인 텐서»
        exercises.check("05-swap-channels", w, lang=$LANG)
        """,
        "05-normalize-rgb": """
        layer = None    # «an nn.Conv2d(...) with its weight and bias set|가중치와 편향을 정한 nn.Conv2d(...)»
        exercises.check("05-normalize-rgb", layer, lang=$LANG)
        """,
    }),
    md("""
    ## 10. Check yourself

    - Per-channel arithmetic needs only multiply and add: $y = x \\cdot m + a$
      ([section 1](#l05-two-operations)).
    - A 1×1 convolution with `groups=C` multiplies each channel by its weight and adds its bias,
      without mixing channels ([section 3](#l05-conv1x1)).
    - `Normalize((0.5,), (0.5,))` computes $(x - 0.5)/0.5 = 2x - 1$, from [0, 1] to [−1, 1]
      ([section 6](#l05-normalize)).
    - `groups=C` keeps only the diagonal of the `C × C` matrix: `C` weights instead of `C·C`
      ([section 7](#l05-groups)).
    """, """
    ## 10. 스스로 확인하기

    - 채널별 산술 연산에는 곱셈과 덧셈만 있으면 됩니다. $y = x \\cdot m + a$입니다
      ([1절](#l05-two-operations)).
    - `groups=C`인 1×1 합성곱은 채널을 섞지 않고, 채널마다 가중치를 곱하고 편향을 더합니다
      ([3절](#l05-conv1x1)).
    - `Normalize((0.5,), (0.5,))`는 $(x - 0.5)/0.5 = 2x - 1$을 계산해서 [0, 1]을 [−1, 1]로
      옮깁니다([6절](#l05-normalize)).
    - `groups=C`는 `C × C` 행렬의 대각 성분만 저장합니다. 가중치가 `C·C`개가 아니라 `C`개입니다
      ([7절](#l05-groups)).
    """),
    md("""
    Next: [06 Conv2d from scratch](06_conv2d_from_scratch.ipynb).
    """, """
    다음 강의: [06 Conv2d 직접 구현하기](06_conv2d_from_scratch.ipynb).
    """),
]
