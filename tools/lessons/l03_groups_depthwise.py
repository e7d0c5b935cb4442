"""Lesson 03: groups, depthwise and depthwise separable convolutions, parameter and multiply-add counts."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 03. Groups and depthwise convolutions

    `groups` decides which input channels each output channel reads. With `groups=1` (the
    default) every output reads every input. With more groups the channels split into
    independent parts, down to one part per input channel: the *depthwise* convolution that
    MobileNet-style networks are built from. This lesson shows what each setting computes,
    the weight shapes, and how many parameters and multiply-adds each one costs.
    """, """
    # 03. 그룹과 깊이별 합성곱

    `groups`는 출력 채널마다 어떤 입력 채널을 쓸지 정합니다. 기본값인 `groups=1`이면 모든 출력
    채널이 모든 입력 채널을 씁니다. 그룹 수를 늘리면 채널이 서로 독립된 묶음으로 나뉘고, 가장 잘게
    나누면 입력 채널마다 묶음이 하나씩 생깁니다. 이것이 MobileNet 계열 네트워크를 이루는 기본 블록인
    *깊이별 합성곱(depthwise convolution)*입니다. 이번 강의에서는 설정마다 무엇을 계산하는지,
    가중치의 모양이 어떻게 되는지, 매개변수(parameter)가 몇 개이고 곱셈-덧셈(multiply-add)을 몇 번
    하는지 봅니다.
    """),
    SETUP,
    md("""
    To see which input channels an output channel reads, we ask autograd: an input channel whose
    gradient is zero everywhere had no influence on that output.
    """, """
    출력 채널마다 어떤 입력 채널을 쓰는지는 `autograd`로 알아보겠습니다. 모든 위치에서
    기울기(gradient)가 0인 입력 채널은 그 출력에 아무 영향도 주지 않은 채널입니다.
    """),
    code("""
    def channels_read(layer, in_channels):
        \"\"\"«For each output channel, the input channels it depends on (asked to autograd)|출력 채널마다 그 값에 영향을 주는 입력 채널 (autograd로 알아봄)»\"\"\"
        x = torch.randn(1, in_channels, 5, 5, requires_grad=True)
        out = layer(x)
        reads = []
        for j in range(out.shape[1]):
            (grad,) = torch.autograd.grad(out[0, j].sum(), x, retain_graph=True)
            reads.append([k for k in range(in_channels) if grad[0, k].abs().sum() > 0])
        return reads
    """),
    md("""
    ## 1. `groups=1`: every output reads every input

    This is the convolution you met in lesson 01: each filter spans all input channels.
    """, """
    ## 1. `groups=1`: 출력 채널마다 모든 입력 채널을 씁니다

    01강에서 본 바로 그 합성곱입니다. 필터 하나가 모든 입력 채널에 걸칩니다.
    """),
    code("""
    g1 = nn.Conv2d(4, 6, 3, groups=1)
    print(tuple(g1.weight.shape), channels_read(g1, 4))
    assert g1.weight.shape == (6, 4, 3, 3)
    assert channels_read(g1, 4) == [[0, 1, 2, 3]] * 6
    """, "seed:groups-1"),
    md_at("l03-split", """
    ## 2. `groups=2`: split, convolve, concatenate

    With `groups=2` the input channels split into two halves and the filters too. The first
    half of the filters sees only the first half of the channels, the second only the second;
    the two results are concatenated along the channel axis. Each filter now spans
    `in_channels / groups = 2` channels, so the weight is `(6, 2, 3, 3)`. Doing the three steps
    by hand gives exactly the layer's output:
    """, """
    ## 2. `groups=2`: 나누고, 합성곱하고, 이어 붙이기

    `groups=2`이면 입력 채널이 절반씩 둘로 나뉘고, 필터도 둘로 나뉩니다. 앞쪽 절반의 필터는 앞쪽
    절반의 채널만 보고, 뒤쪽 절반의 필터는 뒤쪽 절반의 채널만 봅니다. 마지막으로 두 결과를 채널 축을
    따라 이어 붙입니다(`torch.cat`). 이제 필터 하나가 `in_channels / groups = 2`개 채널에 걸치므로
    가중치의 모양은 `(6, 2, 3, 3)`입니다. 이 세 단계를 직접 해 보면 층의 출력과 정확히 같은 값이
    나옵니다.
    """, "seed:groups-2"),
    code("""
    g2 = nn.Conv2d(4, 6, 3, groups=2)
    x = torch.randn(1, 4, 5, 5)
    x_a, x_b = x.chunk(2, dim=1)                  # «input channels 0-1 and 2-3|입력 채널 0-1과 2-3»
    w_a, w_b = g2.weight.chunk(2, dim=0)          # «filters 0-2 and 3-5|필터 0-2와 3-5»
    b_a, b_b = g2.bias.chunk(2)
    by_hand = torch.cat([F.conv2d(x_a, w_a, b_a), F.conv2d(x_b, w_b, b_b)], dim=1)
    assert torch.allclose(g2(x), by_hand, atol=1e-6)

    print(tuple(g2.weight.shape), channels_read(g2, 4))
    assert channels_read(g2, 4) == [[0, 1]] * 3 + [[2, 3]] * 3
    """),
    md("""
    ## 3. `groups=in_channels`: one group per input channel

    With as many groups as input channels, each input channel is convolved on its own with its
    own `out_channels // in_channels` filters. Here 4 input channels and 8 outputs: every input
    channel gets $K = 8 // 4 = 2$ filters, and each filter spans one channel.
    """, """
    ## 3. `groups=in_channels`: 입력 채널마다 그룹 하나

    그룹 수가 입력 채널 수와 같으면, 입력 채널 하나하나를 그 채널 전용 필터
    `out_channels // in_channels`개로 따로 합성곱합니다. 여기서는 입력 채널이 4개, 출력 채널이
    8개입니다. 입력 채널마다 필터가 $K = 8 // 4 = 2$개씩 붙고, 필터 하나는 채널 하나에만 걸칩니다.
    """, "seed:groups-in-channels"),
    code("""
    g4 = nn.Conv2d(4, 8, 3, groups=4)
    K = g4.out_channels // g4.in_channels
    by_hand = torch.cat([F.conv2d(x[:, c:c + 1], g4.weight[K * c:K * (c + 1)], g4.bias[K * c:K * (c + 1)])
                         for c in range(4)], dim=1)
    assert torch.allclose(g4(x), by_hand, atol=1e-6)

    print(tuple(g4.weight.shape), channels_read(g4, 4))
    assert g4.weight.shape == (8, 1, 3, 3)
    assert channels_read(g4, 4) == [[0], [0], [1], [1], [2], [2], [3], [3]]
    """),
    md_at("l03-rule", """
    ## 4. The rule: both channel counts divisible by `groups`

    Each group needs a whole number of input channels and of output channels, so **both**
    `in_channels` and `out_channels` must be divisible by `groups`. PyTorch checks it when the
    layer is created:
    """, """
    ## 4. 규칙: 두 채널 수 모두 `groups`로 나누어떨어져야 합니다

    입력 채널과 출력 채널을 모든 그룹에 똑같은 개수로 나누어 주어야 합니다. 그래서 `in_channels`와
    `out_channels`가 **둘 다** `groups`로 나누어떨어져야 합니다. PyTorch는 층을 만들 때 이것을
    검사합니다.
    """),
    code("""
    for in_c, out_c, g in [(4, 6, 4), (3, 6, 2)]:
        try:
            nn.Conv2d(in_c, out_c, 3, groups=g)
        except ValueError as error:
            print(f"nn.Conv2d({in_c}, {out_c}, 3, groups={g}): {error}")
    """),
    md_at("l03-params", """
    ## 5. Weight shapes and parameter counts

    The weight is `(out_channels, in_channels / groups, kH, kW)`: the number of filters does not
    change, but each filter gets `groups` times thinner. So `groups` divides the number of
    weights by `groups`:
    """, """
    ## 5. 가중치의 모양과 매개변수 수

    가중치의 모양은 `(out_channels, in_channels / groups, kH, kW)`입니다. 필터 수는 그대로이고, 필터
    하나의 두께가 `groups`분의 1로 얇아집니다. 그래서 가중치 수도 `groups`분의 1이 됩니다.
    """),
    code("""
    for g in [1, 2, 4]:
        layer = nn.Conv2d(4, 8, 3, groups=g, bias=False)
        print(f"groups={g}: «weight|가중치 모양» {tuple(layer.weight.shape)}, «{layer.weight.numel()} weights|가중치 {layer.weight.numel()}개»")
        assert layer.weight.shape == (8, 4 // g, 3, 3)
        assert layer.weight.numel() == 8 * 4 * 3 * 3 // g
    """),
    md_at("l03-depthwise", """
    ## 6. Depthwise convolution: `groups = in_channels`, `out_channels = K × in_channels`

    A convolution with `groups == in_channels` and `out_channels == K * in_channels` is called a
    **depthwise convolution**: every input channel gets its own $K$ filters (the *depth
    multiplier*) and no channels are mixed.

    A classic mix-up: setting `groups` to `out_channels` instead. `groups` must equal
    `in_channels`; with `groups=out_channels` PyTorch refuses (unless $K = 1$, where the two
    are the same number).
    """, """
    ## 6. 깊이별 합성곱: `groups = in_channels`, `out_channels = K × in_channels`

    `groups == in_channels`이고 `out_channels == K * in_channels`인 합성곱을 **깊이별 합성곱**이라고
    부릅니다. 입력 채널마다 전용 필터가 $K$개씩 붙고, 채널끼리는 섞이지 않습니다. 이 $K$를 채널
    배수(depth multiplier)라고 합니다.

    흔히 하는 실수는 `groups`를 `out_channels`와 같게 두는 것입니다. `groups`는 `in_channels`와
    같아야 합니다. `groups=out_channels`로 두면 PyTorch가 오류를 냅니다. 단, $K = 1$이면 두 값이
    같으므로 문제가 없습니다.
    """, "seed:depthwise"),
    code("""
    c_in, K = 3, 2
    depthwise = nn.Conv2d(c_in, K * c_in, 3, padding=1, groups=c_in)
    print(channels_read(depthwise, c_in))
    assert channels_read(depthwise, c_in) == [[j // K] for j in range(K * c_in)]

    try:
        nn.Conv2d(c_in, K * c_in, 3, padding=1, groups=K * c_in)    # «groups = out_channels: the mix-up|groups = out_channels: 흔한 실수»
    except ValueError as error:
        print("groups=out_channels:", error)
    """, "pitfall:depthwise-groups"),
    md("""
    ## 7. Depthwise separable blocks (MobileNet)

    A depthwise convolution never mixes channels. MobileNet (Howard et al., 2017) pairs it with a
    1×1 convolution that does only the mixing, the **pointwise convolution**. The pair is a
    **depthwise separable convolution**: it maps 32 channels to 64 like a standard 3×3
    convolution, with the same output shape, at a fraction of the cost. (In MobileNet each of
    the two layers is followed by batch normalization and a ReLU.)
    """, """
    ## 7. 깊이별 분리 합성곱 블록 (MobileNet)

    깊이별 합성곱은 채널을 섞지 않습니다. 그래서 MobileNet(Howard 외, 2017)은 채널을 섞는 일만 맡는
    1×1 합성곱, 곧 **점별 합성곱**(pointwise convolution)을 뒤에 붙여 짝으로 씁니다. 이 둘을 합친
    것이 **깊이별 분리 합성곱**(depthwise separable convolution)입니다. 일반 3×3 합성곱처럼 32채널을
    64채널로 바꾸고 출력 모양도 같지만, 계산 비용은 훨씬 적습니다. (MobileNet에서는 두 층 뒤에 각각
    배치 정규화(batch normalization)와 ReLU가 붙습니다.)
    """, "seed:mobilenet"),
    code("""
    c_in, c_out, k, size = 32, 64, 3, 28
    standard = nn.Conv2d(c_in, c_out, k, padding=1, bias=False)
    separable = nn.Sequential(
        nn.Conv2d(c_in, c_in, k, padding=1, groups=c_in, bias=False),   # «depthwise: one 3×3 filter per channel|깊이별: 채널마다 3×3 필터 하나»
        nn.Conv2d(c_in, c_out, 1, bias=False),                          # «pointwise: mixes the channels|점별: 채널을 섞음»
    )
    x = torch.randn(1, c_in, size, size)
    print(tuple(standard(x).shape), tuple(separable(x).shape))
    assert standard(x).shape == separable(x).shape
    """),
    md_at("l03-separable", r"""
    **Parameters.** The standard layer has $C_{out}\cdot C_{in}\cdot k^2$ weights; the block has
    $C_{in}\cdot k^2 + C_{out}\cdot C_{in}$. The ratio is $\frac{1}{C_{out}} + \frac{1}{k^2}$:
    """, r"""
    **매개변수 수.** 일반 층의 가중치는 $C_{out}\cdot C_{in}\cdot k^2$개, 블록의 가중치는
    $C_{in}\cdot k^2 + C_{out}\cdot C_{in}$개입니다. 둘의 비율은
    $\frac{1}{C_{out}} + \frac{1}{k^2}$입니다.
    """),
    code("""
    n_standard = sum(p.numel() for p in standard.parameters())
    n_separable = sum(p.numel() for p in separable.parameters())
    print(n_standard, n_separable, round(n_separable / n_standard, 4))
    assert n_standard == c_out * c_in * k * k
    assert n_separable == c_in * k * k + c_out * c_in
    assert abs(n_separable / n_standard - (1 / c_out + 1 / k ** 2)) < 1e-12
    """),
    md("""
    **Multiply-adds.** Every output value is one filter's worth of products: `in_channels /
    groups · kH · kW` of them. So a layer costs (output values) × (filter size):
    """, """
    **곱셈-덧셈 수.** 출력 값 하나를 계산하려면 필터 크기만큼, 곧 `in_channels / groups · kH · kW`번
    곱하고 더합니다. 그래서 층 하나의 비용은 (출력 값의 개수) × (필터 크기)입니다.
    """),
    code("""
    def multiply_adds(layers, x):
        total = 0
        for layer in layers:
            x = layer(x)
            total += x.numel() * layer.weight[0].numel()   # «output values × products per value|출력 값 개수 × 값 하나당 곱셈 수»
        return total

    macs_standard = multiply_adds([standard], x)
    macs_separable = multiply_adds(separable, x)
    print(f"{macs_standard:,} vs {macs_separable:,}")
    assert macs_standard == size * size * c_out * c_in * k * k
    assert macs_separable == size * size * c_in * (k * k + c_out)
    """),
    md("""
    What the block gives up: a standard convolution can use any filter, while the block's
    filters are restricted to the form `W[o, i] = P[o, i] · D[i]` (pointwise weight times
    depthwise kernel). A standard convolution with filters built that way computes exactly what
    the block computes:
    """, """
    물론 블록이 포기하는 것도 있습니다. 일반 합성곱은 어떤 필터든 쓸 수 있지만, 블록의 필터는
    `W[o, i] = P[o, i] · D[i]`(점별 가중치 × 깊이별 커널) 꼴로 제한됩니다. 필터를 이렇게 만든 일반
    합성곱은 블록과 정확히 같은 값을 계산합니다.
    """),
    code("""
    D = separable[0].weight[:, 0]                  # «(C_in, k, k): one kernel per channel|(C_in, k, k): 채널마다 커널 하나»
    P = separable[1].weight[:, :, 0, 0]            # «(C_out, C_in): the channel mixing|(C_out, C_in): 채널 섞기»
    W = P[:, :, None, None] * D[None]              # (C_out, C_in, k, k)
    assert torch.allclose(F.conv2d(x, W, padding=1), separable(x), atol=1e-4)
    """),
    md("""
    ## 8. Explorer: groups

    The explorer draws input channels on the left, output channels on the right, and a line
    for every input an output reads. **Pick `groups` 1, 2 and 4 from the menu and watch the lines
    split into separate blocks; at `groups=4` with 8 outputs every input channel feeds $K = 2$
    outputs: depthwise.** The menu only offers numbers that divide both channel counts, the rule
    of section 4: **change `out_channels` to 6 and see 4 disappear from it. Then press "make it
    depthwise" and compare the parameter counts of the standard, grouped and depthwise separable
    layers.**
    """, """
    ## 8. 탐색기: 그룹

    탐색기는 왼쪽에 입력 채널, 오른쪽에 출력 채널을 그리고, 출력 채널이 쓰는 입력 채널마다 선을
    긋습니다. **메뉴에서 `groups`를 1, 2, 4로 바꿔 가며 선이 서로 떨어진 묶음으로 나뉘는 것을
    보세요. 출력 채널이 8개일 때 `groups=4`이면 입력 채널 하나가 출력 채널 $K = 2$개로 이어지는데,
    이것이 깊이별 합성곱입니다.** 메뉴에는 두 채널 수의 공약수만 나옵니다. 4절의 규칙 때문입니다.
    **`out_channels`를 6으로 바꾸면 메뉴에서 4가 사라집니다. 그다음 "깊이별 합성곱으로 바꾸기"
    버튼을 누르고, 일반 합성곱, 그룹 합성곱, 깊이별 분리 합성곱의 매개변수 수를 비교해 보세요.**
    """),
    code("""
    convlab.groups_explorer(lang=$LANG, in_channels=4, out_channels=8, groups=2)
    """),
    md("""
    ## 9. Pitfalls to remember

    - Depthwise is `groups=in_channels` with `out_channels = K × in_channels`; `groups` never
      has to equal `out_channels`.
    - `groups` divides the number of weights, not the number of filters: the weight's second
      dimension is `in_channels / groups`.
    - A depthwise separable block is cheaper than a standard convolution because it is *less
      general*, not because it computes the same thing faster.
    - The conventions of lesson 02 (padding per side, `dilation=1` for no gaps, the floor,
      `'same'` only at stride 1, no kernel flip) hold for every group alike.

    ## 10. Exercises
    """, """
    ## 9. 기억할 함정

    - 깊이별 합성곱은 `groups=in_channels`, `out_channels = K × in_channels`입니다. `groups`가
      `out_channels`와 같아야 하는 경우는 없습니다.
    - `groups`는 필터 수가 아니라 가중치 수를 나눕니다. 가중치의 두 번째 차원이
      `in_channels / groups`입니다.
    - 깊이별 분리 합성곱이 일반 합성곱보다 계산이 적은 것은 *표현할 수 있는 필터가 더 제한되기*
      때문입니다. 같은 계산을 더 빨리 하는 것이 아닙니다.
    - 02강의 관례(패딩은 한쪽 기준, 빈칸 없음은 `dilation=1`, 내림, `'same'`은 스트라이드 1에서만,
      커널은 뒤집지 않음)는 모든 그룹에 똑같이 적용됩니다.

    ## 10. 연습 문제
    """),
    exercises({
        "03-groups-weight-shape": """
        answer = None   # «a tuple of four ints|정수 네 개로 된 튜플»
        exercises.check("03-groups-weight-shape", answer, lang=$LANG)
        """,
        "03-depthwise-layer": """
        layer = None    # «an nn.Conv2d(...)|nn.Conv2d(...)»
        exercises.check("03-depthwise-layer", layer, lang=$LANG)
        """,
        "03-separable-params": """
        answer = None   # «an int|정수»
        exercises.check("03-separable-params", answer, lang=$LANG)
        """,
        "03-groups-for-params": """
        answer = None   # «an int|정수»
        exercises.check("03-groups-for-params", answer, lang=$LANG)
        """,
    }),
    md("""
    ## 11. Check yourself

    - `groups=g` splits the input channels into `g` groups, convolves each with its own filters
      and concatenates the results ([section 2](#l03-split)).
    - `in_channels` and `out_channels` must both be divisible by `groups`
      ([section 4](#l03-rule)).
    - The weight is `(out_channels, in_channels / groups, kH, kW)`: `groups` divides the number
      of weights, not the number of filters ([section 5](#l03-params)).
    - Depthwise means `groups = in_channels` and `out_channels = K × in_channels`
      ([section 6](#l03-depthwise)).
    - A depthwise separable block keeps a fraction $\\frac{1}{C_{out}} + \\frac{1}{k^2}$ of a
      standard layer's weights ([section 7](#l03-separable)).
    """, """
    ## 11. 스스로 확인하기

    - `groups=g`는 입력 채널을 `g`개 그룹으로 나누고, 그룹마다 따로 필터를 적용한 뒤 결과를 이어
      붙입니다([2절](#l03-split)).
    - `in_channels`와 `out_channels`는 둘 다 `groups`로 나누어떨어져야 합니다([4절](#l03-rule)).
    - 가중치의 모양은 `(out_channels, in_channels / groups, kH, kW)`입니다. `groups`는 필터 수가
      아니라 가중치 수를 나눕니다([5절](#l03-params)).
    - 깊이별 합성곱은 `groups = in_channels`이고 `out_channels = K × in_channels`입니다
      ([6절](#l03-depthwise)).
    - 깊이별 분리 합성곱 블록의 가중치 수는 일반 층의 $\\frac{1}{C_{out}} + \\frac{1}{k^2}$배입니다
      ([7절](#l03-separable)).
    """),
    md("""
    Next: [04 MNIST and weights](04_mnist_and_weights.ipynb).
    """, """
    다음 강의: [04 MNIST와 가중치](04_mnist_and_weights.ipynb).
    """),
]
