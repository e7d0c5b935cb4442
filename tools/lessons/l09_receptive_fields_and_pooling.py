"""Lesson 09: receptive field and jump of a stack (recurrence and gradients), 3×3 against 5×5,
dilation, max and average pooling with ceil_mode, adaptive pooling, downsampling, resnet18."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 09. Receptive fields and pooling: what a stack of layers sees

    One layer reads a small window. A network stacks many, and each output cell of the last
    layer then depends on a much larger patch of the image: its **receptive field**. This lesson
    computes that patch two ways, with a recurrence over the layers and with autograd, and checks
    that they agree. On the way: why VGG stacks 3×3 layers instead of using a 5×5 one, how
    dilation makes the field grow exponentially, pooling (`nn.MaxPool2d`, `nn.AvgPool2d`,
    `ceil_mode` and its edge case, `nn.AdaptiveAvgPool2d`), strided convolution against pooling
    for downsampling, and the receptive fields of a real network, resnet18.
    """, """
    # 09. 수용 영역과 풀링: 층을 쌓으면 무엇을 보게 되는가

    층 하나는 작은 창만 봅니다. 신경망은 이런 층을 여러 개 쌓으므로, 마지막 층의 출력 칸 하나는
    이미지의 훨씬 넓은 영역에 의존하게 됩니다. 이 영역이 **수용 영역**(receptive field)입니다. 이번
    강의에서는 수용 영역을 두 가지 방법으로 구합니다. 하나는 층을 따라 계산하는 점화식이고, 다른 하나는
    `autograd`입니다. 그리고 두 결과가 같은지 확인합니다. 그 과정에서 VGG가 5×5 층 하나 대신 3×3 층을
    쌓는 이유, 팽창(dilation)으로 수용 영역을 지수적으로 넓히는 방법, 풀링(`nn.MaxPool2d`,
    `nn.AvgPool2d`, `ceil_mode`와 그 예외 규칙, `nn.AdaptiveAvgPool2d`), 다운샘플링에서 스트라이드
    합성곱과 풀링의 차이를 다룹니다. 마지막으로 실제 신경망인 resnet18의 수용 영역을 계산합니다.
    """),
    SETUP,
    md_at("l09-one-layer", """
    ## 1. What one output cell depends on, asked of autograd

    An output cell depends on an input cell when changing that input cell can change it. Autograd
    answers this for every input cell at once: back-propagate from one output cell, and the input
    cells whose gradient is not zero are the ones it depends on. Two helpers for the whole lesson:
    `positive` sets every weight to 1 and every bias to 0, so that no two paths cancel by accident;
    `depends_on` returns the first and last row and column with a nonzero gradient.
    """, """
    ## 1. 출력 칸 하나가 의존하는 입력: `autograd`에 묻기

    입력 칸의 값을 바꿨을 때 출력 칸의 값이 바뀔 수 있으면, 그 출력 칸은 그 입력 칸에 의존합니다.
    `autograd`는 이것을 모든 입력 칸에 대해 한꺼번에 알려 줍니다. 출력 칸 하나에서 시작해 역전파하면,
    기울기(gradient)가 0이 아닌 입력 칸이 바로 그 출력 칸이 의존하는 칸입니다. 이번 강의 내내 쓸 함수를
    두 개 만듭니다. `positive`는 가중치를 모두 1로, 편향을 모두 0으로 바꿉니다. 그래야 두 경로의 값이
    우연히 서로 지워지는 일이 없습니다. `depends_on`은 기울기가 0이 아닌 첫 행과 마지막 행, 첫 열과
    마지막 열을 돌려줍니다.
    """),
    code("""
    def positive(stack):
        \"\"\"«All weights 1 and biases 0: every path from an input cell adds, none cancels.|가중치는 모두 1, 편향은 모두 0: 입력 칸에서 오는 경로가 모두 더해지고 서로 지워지지 않습니다.»\"\"\"
        for layer in stack.modules():
            if isinstance(layer, nn.Conv2d):
                nn.init.ones_(layer.weight)
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)
        return stack


    def depends_on(stack, size, i, j):
        \"\"\"«(first row, last row), (first column, last column) of the input cells with a nonzero gradient of out[0, 0, i, j]|out[0, 0, i, j]의 기울기가 0이 아닌 입력 칸의 (첫 행, 마지막 행), (첫 열, 마지막 열)»\"\"\"
        x = torch.rand(1, 1, size, size, requires_grad=True)
        stack(x)[0, 0, i, j].backward()
        seen = x.grad[0, 0] != 0
        rows, cols = seen.any(1).nonzero().flatten(), seen.any(0).nonzero().flatten()
        return (int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))


    conv = positive(nn.Conv2d(1, 1, 3))
    print(depends_on(conv, 8, 2, 4))          # «rows 2-4, columns 4-6: one 3×3 window|2-4행, 4-6열: 3×3 창 하나»
    assert depends_on(conv, 8, 2, 4) == ((2, 4), (4, 6))
    """),
    md_at("l09-recurrence", """
    ## 2. The recurrence: receptive field, jump and start

    Follow a stack from the input upwards and keep three numbers per axis, all counted in
    **input** cells:

    - `size`: how many input cells one output cell spans;
    - `jump`: how far apart the fields of two neighbouring output cells start. One step in a
      layer's input is `jump` input cells, so a layer with stride $s$ multiplies it by $s$ (it is
      also called the effective stride);
    - `start`: where the field of output cell 0 starts; padding moves it into the padding,
      below 0.

    A layer with kernel $k$, stride $s$, padding $p$ and dilation $d$ widens the window of its
    own input by $d\\,(k-1)$ cells, and each of those is `jump` input cells wide:

    $$\\text{size} \\mathrel{+}= d\\,(k-1)\\cdot\\text{jump},\\qquad
      \\text{start} \\mathrel{-}= p\\cdot\\text{jump},\\qquad \\text{jump} \\mathrel{\\times}= s$$

    starting from `size = 1`, `jump = 1`, `start = 0`. Output cell $i$ then depends on input
    cells $\\text{start} + i\\cdot\\text{jump}$ to $\\text{start} + i\\cdot\\text{jump} +
    \\text{size} - 1$. `convlab.receptive_fields` computes the recurrence; the cell below checks
    every layer of a five-layer stack against the gradient:
    """, """
    ## 2. 점화식: 수용 영역, 유효 스트라이드, 시작 위치

    입력에서 위쪽 층으로 올라가면서 축마다 세 값을 기록합니다. 세 값 모두 **입력** 칸 단위입니다.

    - `size`: 출력 칸 하나가 걸치는 입력 칸의 수입니다.
    - `jump`: 이웃한 두 출력 칸의 수용 영역이 시작하는 위치가 몇 칸 떨어져 있는지입니다. 층의 입력에서
      한 칸은 입력 이미지에서 `jump`칸이므로, 스트라이드가 $s$인 층은 이 값을 $s$배로 만듭니다. 이 값을
      유효 스트라이드라고도 부릅니다.
    - `start`: 출력 칸 0의 수용 영역이 시작하는 위치입니다. 패딩이 있으면 패딩 쪽으로, 곧 0보다 작은
      쪽으로 밀려납니다.

    커널 $k$, 스트라이드 $s$, 패딩 $p$, 팽창 $d$인 층은 그 층의 입력에서 창을 $d\\,(k-1)$칸 넓힙니다. 그
    한 칸 한 칸이 입력 이미지에서는 `jump`칸입니다.

    $$\\text{size} \\mathrel{+}= d\\,(k-1)\\cdot\\text{jump},\\qquad
      \\text{start} \\mathrel{-}= p\\cdot\\text{jump},\\qquad \\text{jump} \\mathrel{\\times}= s$$

    처음 값은 `size = 1`, `jump = 1`, `start = 0`입니다. 그러면 출력 칸 $i$는 입력 칸
    $\\text{start} + i\\cdot\\text{jump}$부터 $\\text{start} + i\\cdot\\text{jump} + \\text{size} - 1$까지에
    의존합니다. 이 점화식은 `convlab.receptive_fields`가 계산합니다. 아래 셀은 다섯 층짜리 스택의 모든
    층에서 점화식의 결과를 기울기와 비교합니다.
    """),
    code("""
    layers = [(3, 1, 1, 1), (3, 2, 1, 1), (3, 1, 1, 1), (3, 2, 1, 1), (5, 1, 2, 1)]    # «(kernel, stride, padding, dilation)|(커널, 스트라이드, 패딩, 팽창)»
    stack = positive(nn.Sequential(*[nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
                                     for k, s, p, d in layers]))
    fields = convlab.receptive_fields(layers)
    print(«"layer  size  jump  start   output cell 4: formula   gradient"|"층     size  jump  start   출력 칸 4: 점화식        기울기"»)
    for n, field in enumerate(fields, start=1):
        rows, _ = depends_on(stack[:n], 48, 4, 4)
        print(f"{n:>5} {field.size:>5} {field.jump:>5} {field.start:>6}   {str(field.region(4)):>19}   {rows}")
        assert field.region(4) == rows
    """, "claim:rf-recurrence"),
    md("""
    The stride-2 layers double the jump, and every layer after them widens the field twice as
    fast: the last 5×5 layer adds $4\\cdot 4 = 16$ rows at once. Padding shifts the field but
    does not change its size; near the border part of it lies in the padding, and
    `field.region(i, in_size)` clips it to the input. One caution at the border: when a layer
    inside the stack pads, its padding cells are zeros, computed from no input cell, so an edge
    cell of the output may depend on a little less than the clipped region. Away from the
    border the recurrence is exact.
    """, """
    스트라이드가 2인 층을 지날 때마다 `jump`가 두 배가 되고, 그 뒤의 층은 수용 영역을 두 배 빠르게
    넓힙니다. 마지막 5×5 층은 한 번에 $4\\cdot 4 = 16$행을 더합니다. 패딩은 수용 영역을 옮길 뿐 크기는
    바꾸지 않습니다. 가장자리에서는 수용 영역의 일부가 패딩에 걸치는데, `field.region(i, in_size)`는
    그 부분을 잘라 내고 입력 안의 영역만 돌려줍니다. 다만 한 가지를 조심해야 합니다. 스택
    중간의 층에 패딩이 있으면, 그 패딩 칸은 어떤 입력 칸에서도 계산되지 않은 0입니다. 그래서 출력의
    가장자리 칸은 잘라 낸 영역보다 조금 좁은 영역에 의존할 수 있습니다. 가장자리에서 떨어진 칸이라면
    점화식이 정확히 맞습니다.
    """),
    md_at("l09-vgg", """
    ## 3. Two 3×3 layers see what one 5×5 sees, with fewer weights

    Two stacked 3×3 layers have a receptive field of $1 + 2 + 2 = 5$, exactly that of one 5×5
    layer; three of them match a 7×7. VGG (Simonyan and Zisserman, 2014) builds its whole network
    from 3×3 layers for this reason: with $C$ channels in and out, two 3×3 layers have
    $2\\cdot 9\\,C^2 = 18\\,C^2$ weights against $25\\,C^2$, three have $27\\,C^2$ against $49\\,C^2$,
    and each extra layer brings one more non-linearity (a ReLU) between them. PyTorch counts the
    weights:
    """, """
    ## 3. 3×3 층 두 개는 5×5 층 하나와 같은 영역을 더 적은 가중치로 봅니다

    3×3 층 두 개를 쌓으면 수용 영역이 $1 + 2 + 2 = 5$로, 5×5 층 하나와 똑같습니다. 3×3 층 세 개는 7×7
    층 하나와 같습니다. VGG(Simonyan과 Zisserman, 2014)가 신경망 전체를 3×3 층으로 만든 이유가 이것입니다.
    입력 채널과 출력 채널이 모두 $C$개라면 3×3 층 두 개의 가중치는 $2\\cdot 9\\,C^2 = 18\\,C^2$개로
    $25\\,C^2$개보다 적고, 세 개는 $27\\,C^2$개로 $49\\,C^2$개보다 적습니다. 게다가 층이 하나 늘 때마다
    그 사이에 비선형 함수(ReLU)가 하나 더 들어갑니다. 가중치 수는 PyTorch가 직접 셉니다.
    """),
    code("""
    C = 64
    def n_params(module):
        return sum(p.numel() for p in module.parameters())

    for n, big in [(2, 5), (3, 7)]:
        small = nn.Sequential(*[m for _ in range(n) for m in (nn.Conv2d(C, C, 3, bias=False), nn.ReLU())])
        large = nn.Conv2d(C, C, big, bias=False)
        print(f"{n} × 3×3: {n_params(small):>7,} «weights|가중치»   1 × {big}×{big}: {n_params(large):>7,} «weights|가중치»")
        assert n_params(small) == n * 9 * C * C and n_params(large) == big * big * C * C
        one_channel = positive(nn.Sequential(*[nn.Conv2d(1, 1, 3) for _ in range(n)]))
        assert depends_on(one_channel, 16, 4, 4) == depends_on(positive(nn.Conv2d(1, 1, big)), 16, 4, 4)
    """, "claim:vgg-params"),
    md("""
    The patch is the same, but how much each input cell counts is not. One 5×5 layer weighs its
    25 cells with 25 independent weights. In the stack, the centre cell reaches the output through
    many more paths than a corner cell: with all weights 1, the gradient counts the paths.
    """, """
    보는 영역은 같지만 입력 칸마다 얼마나 크게 반영되는지는 다릅니다. 5×5 층 하나는 25칸에 서로 독립인
    가중치 25개를 곱합니다. 3×3 층을 쌓으면 가운데 칸은 모서리 칸보다 훨씬 많은 경로를 거쳐 출력에
    닿습니다. 가중치가 모두 1이면 기울기가 곧 경로의 수입니다.
    """),
    code("""
    x = torch.zeros(1, 1, 5, 5, requires_grad=True)
    positive(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)))(x)[0, 0, 0, 0].backward()
    print(x.grad[0, 0])
    assert x.grad[0, 0, 2, 2] == 9 and x.grad[0, 0, 0, 0] == 1
    """),
    md_at("l09-dilation", """
    ## 4. Dilation: a field that grows exponentially

    Plain 3×3 layers widen the field by 2 each: $L$ layers see $2L + 1$ cells. With dilations
    $1, 2, 4, \\dots, 2^{L-1}$ (WaveNet's audio layers, DeepLab's atrous layers), layer $\\ell$
    adds $2\\cdot 2^{\\ell-1}$ and the field is $2^{L+1} - 1$ cells wide, with the same 9 weights
    per layer. One dilated layer alone leaves holes: a 3×3 kernel with `dilation=4` touches 9
    cells spread over 9×9. The doubling dilations fill every hole of the layer above:
    """, """
    ## 4. 팽창: 지수적으로 넓어지는 수용 영역

    보통의 3×3 층은 수용 영역을 한 층에 2칸씩 넓힙니다. 그래서 $L$개 층은 $2L + 1$칸을 봅니다. 팽창을
    $1, 2, 4, \\dots, 2^{L-1}$로 두 배씩 늘리면(WaveNet의 음성 층, DeepLab의 아트러스 층) $\\ell$번째 층이
    $2\\cdot 2^{\\ell-1}$칸을 더하므로, 수용 영역이 $2^{L+1} - 1$칸이 됩니다. 층마다 가중치는 여전히
    9개입니다. 팽창된 층 하나만 있으면 구멍이 생깁니다. `dilation=4`인 3×3 커널은 9×9 영역에 흩어진
    9칸만 참조합니다. 팽창을 두 배씩 늘리면 아래층이 위층의 구멍을 모두 메웁니다.
    """),
    code("""
    def cells_reached(stack, size):
        x = torch.rand(1, 1, size, size, requires_grad=True)
        out = stack(x)
        out[0, 0, out.shape[-2] // 2, out.shape[-1] // 2].backward()
        return int((x.grad != 0).sum())

    print(«"layers  plain 3×3  dilations 1, 2, 4, ...  cells reached"|"층 수   보통 3×3   팽창 1, 2, 4, ...   닿는 칸 수"»)
    for L in range(1, 6):
        dilations = [2 ** l for l in range(L)]
        plain = convlab.receptive_fields([(3, 1, 0, 1)] * L)[-1].size
        dilated = convlab.receptive_fields([(3, 1, 0, d) for d in dilations])[-1].size
        stack = positive(nn.Sequential(*[nn.Conv2d(1, 1, 3, dilation=d) for d in dilations]))
        reached = cells_reached(stack, dilated + 4)
        print(f"{L:>6} {plain:>10} {dilated:>23} {reached:>14}")
        assert plain == 2 * L + 1 and dilated == 2 ** (L + 1) - 1 and reached == dilated ** 2

    holes = cells_reached(positive(nn.Conv2d(1, 1, 3, dilation=4)), 13)
    print(«f"one 3×3 layer with dilation=4: {holes} cells of a 9×9 field"|f"dilation=4인 3×3 층 하나: 9×9 영역 가운데 {holes}칸"»)
    assert holes == 9
    """, "claim:dilation-growth"),
    md_at("l09-pooling", """
    ## 5. Pooling: a window without weights

    A pooling layer slides a window like a convolution, with the same `kernel_size`, `stride`,
    `padding` and `dilation`, but has no weights: `nn.MaxPool2d` keeps the largest value of each
    window, `nn.AvgPool2d` their mean. It works on each channel separately. Two defaults differ
    from `nn.Conv2d`: **`stride` defaults to `kernel_size`** (windows side by side, not
    overlapping), and the padding of a max pooling is $-\\infty$, not 0, so it never wins.
    """, """
    ## 5. 풀링: 가중치가 없는 창

    풀링 층도 합성곱처럼 창을 옮기며 계산하고, `kernel_size`, `stride`, `padding`, `dilation`도 같은
    뜻입니다. 다만 가중치가 없습니다. `nn.MaxPool2d`는 창마다 가장 큰 값을, `nn.AvgPool2d`는 평균을
    내놓습니다. 채널마다 따로 계산합니다. 기본값 두 개가 `nn.Conv2d`와 다릅니다. **`stride`의 기본값이
    `kernel_size`**라서 창이 겹치지 않고 나란히 놓입니다. 그리고 최대 풀링의 패딩은 0이 아니라
    $-\\infty$이므로 최댓값으로 뽑히는 일이 없습니다.
    """),
    code("""
    x = torch.arange(16.0).view(1, 1, 4, 4)
    print(x[0, 0])
    print(nn.MaxPool2d(2)(x)[0, 0])
    print(nn.AvgPool2d(2)(x)[0, 0])
    pool = nn.MaxPool2d(2)
    print(pool, «" <- stride = kernel_size"|" <- stride = kernel_size"»)
    assert pool.stride == pool.kernel_size == 2
    negative = -torch.arange(1.0, 10.0).view(1, 1, 3, 3)
    print(nn.MaxPool2d(2, stride=1, padding=1)(negative)[0, 0])    # «a padding of 0 would win everywhere|패딩이 0이었다면 모든 칸에서 0이 뽑혔을 것»
    assert nn.MaxPool2d(2, stride=1, padding=1)(negative).max() < 0
    """),
    md("""
    Pooling's padding may be at most half the kernel: a window that held only padding would have
    nothing to pool. PyTorch refuses more:
    """, """
    풀링의 패딩은 커널 크기의 절반을 넘을 수 없습니다. 창 안에 패딩만 있으면 풀링할 값이 없기 때문입니다.
    그보다 크면 PyTorch가 오류를 냅니다.
    """),
    code("""
    for pool in [nn.MaxPool2d(3, padding=1), nn.MaxPool2d(3, padding=2), nn.AvgPool2d(2, padding=2)]:
        try:
            print(f"{pool}: «output|출력» {tuple(pool(torch.zeros(1, 1, 6, 6)).shape)}")
        except RuntimeError as error:
            print(f"{pool}: RuntimeError: {error}")
    """),
    md_at("l09-ceil", """
    ## 6. `ceil_mode` and its edge case

    The output size is the convolution's formula, rounded **down**:
    $\\lfloor (H + 2p - d\\,(k-1) - 1) / s \\rfloor + 1$. With `ceil_mode=True` it is rounded
    **up**, so a last, partial window is kept instead of dropping the leftover rows (lesson 02).
    One rule limits it: **the last window must start inside the input or its left padding**. A
    window that would start in the right padding is dropped again. `convlab.pool_output_size`
    is the formula with that rule; the cell below compares it with PyTorch over a thousand settings and
    shows the case the rule is for: a width of 5, `kernel_size=2`, `stride=2`, `padding=1`.
    Rounding up gives 4 windows, starting at padded positions 0, 2, 4 and 6; position 6 is the
    right padding (the input occupies 1 to 5), so PyTorch keeps 3.
    """, """
    ## 6. `ceil_mode`와 그 예외 규칙

    출력 크기는 합성곱과 같은 식을 **내림**해서 구합니다:
    $\\lfloor (H + 2p - d\\,(k-1) - 1) / s \\rfloor + 1$. `ceil_mode=True`이면 **올림**합니다. 그러면
    남는 행을 버리지 않고(02강), 일부만 걸친 마지막 창도 계산합니다. 여기에는 규칙이 하나 붙습니다.
    **마지막 창은 입력 안이나 왼쪽 패딩에서 시작해야 합니다.** 오른쪽 패딩에서 시작하는 창은 다시
    버립니다. `convlab.pool_output_size`는 이 규칙까지 반영한 식입니다. 아래 셀은 설정 천여 개에서 이 식을
    PyTorch와 비교하고, 이 규칙이 필요한 경우를 보여 줍니다. 너비 5, `kernel_size=2`, `stride=2`,
    `padding=1`입니다. 올림하면 창이 4개이고, 패딩을 포함한 위치 0, 2, 4, 6에서 시작합니다. 그런데 입력은
    위치 1부터 5까지이므로 위치 6은 오른쪽 패딩입니다. 그래서 PyTorch는 창을 3개만 남깁니다.
    """),
    code("""
    import itertools
    import math

    settings = 0
    for size, k, s, p, d, ceil in itertools.product(range(1, 16), range(1, 5), range(1, 4), range(3),
                                                    range(1, 3), (False, True)):
        if p > k // 2 or d * (k - 1) + 1 > size + 2 * p:
            continue                     # «PyTorch refuses these: see section 5|PyTorch가 오류를 내는 설정: 5절»
        pooled = nn.MaxPool2d((k, 1), stride=(s, 1), padding=(p, 0), dilation=(d, 1), ceil_mode=ceil)
        assert pooled(torch.zeros(1, 1, size, 1)).shape[-2] == convlab.pool_output_size(size, k, s, p, d, ceil)
        settings += 1
    print(settings, «"settings: convlab.pool_output_size == PyTorch"|"개 설정: convlab.pool_output_size == PyTorch"»)

    rounded_up = math.ceil((5 + 2 * 1 - 2) / 2) + 1
    kept = nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True)(torch.zeros(1, 1, 5, 5)).shape[-1]
    print(«f"rounded up: {rounded_up} windows; PyTorch keeps {kept}"|f"올림하면 창 {rounded_up}개, PyTorch가 남기는 창 {kept}개"»)
    assert (rounded_up, kept) == (4, 3) == (rounded_up, convlab.pool_output_size(5, 2, 2, 1, 1, True))
    """, "claim:ceil-rule"),
    md("""
    `ceil_mode` changes how many output cells there are, not what each of them sees: output cell
    $i$ still reads the window that starts at $i\\cdot s - p$. So the receptive-field recurrence
    is the same for both modes.
    """, """
    `ceil_mode`는 출력 칸의 개수를 바꿀 뿐, 출력 칸 하나가 보는 영역은 바꾸지 않습니다. 출력 칸 $i$는
    여전히 $i\\cdot s - p$에서 시작하는 창을 봅니다. 그래서 수용 영역의 점화식은 두 방식에서 같습니다.
    """),
    md_at("l09-adaptive", """
    ## 7. `nn.AdaptiveAvgPool2d`: you choose the output size

    An adaptive pooling takes the **output** size and works out the windows itself: along an axis
    of length $H$ cut into $n$, window $i$ runs from $\\lfloor iH/n \\rfloor$ to
    $\\lceil (i+1)H/n \\rceil$ (exclusive). The windows cover the input, may differ in size by one
    and may overlap. resnet18 ends with `nn.AdaptiveAvgPool2d((1, 1))`, one mean per channel,
    which is why it accepts images of any size. `convlab.adaptive_windows` lists the windows;
    checked here against the layer's own output:
    """, """
    ## 7. `nn.AdaptiveAvgPool2d`: 출력 크기를 지정하는 풀링

    적응형 풀링은 **출력** 크기를 받고, 창은 스스로 정합니다. 길이 $H$인 축을 $n$개로 나누면 창 $i$는
    $\\lfloor iH/n \\rfloor$부터 $\\lceil (i+1)H/n \\rceil$ 앞까지입니다. 창들은 입력을 빠짐없이 덮고, 크기가
    한 칸씩 다를 수 있으며, 서로 겹칠 수도 있습니다. resnet18은 `nn.AdaptiveAvgPool2d((1, 1))`로 끝나서
    채널마다 평균 하나를 냅니다. 그래서 어떤 크기의 이미지든 받을 수 있습니다. 창의 목록은
    `convlab.adaptive_windows`가 알려 줍니다. 층의 실제 출력과 비교해 봅시다.
    """),
    code("""
    x = torch.randn(1, 1, 1, 7)
    windows = convlab.adaptive_windows(7, 3)
    print(windows)                            # «7 cells into 3: the windows overlap|7칸을 3개로: 창이 겹침»
    pooled = nn.AdaptiveAvgPool2d((1, 3))(x)[0, 0, 0]
    by_hand = torch.stack([x[0, 0, 0, a:b].mean() for a, b in windows])
    assert torch.allclose(pooled, by_hand)
    for size in [(7, 7), (10, 13)]:
        print(size, "->", tuple(nn.AdaptiveAvgPool2d((1, 1))(torch.zeros(1, 512, *size)).shape))
    """),
    md_at("l09-downsample", """
    ## 8. Downsampling: strided convolution or pooling?

    Both halve the height and width. A pooling has no weights and a fixed rule; a strided
    convolution learns how to combine each neighbourhood, at the cost of $C^2 k^2$ weights (the
    all-convolutional network of Springenberg et al., 2014, replaces every pooling by one).
    They also differ in what the gradient reaches. Max pooling sends the gradient of each window
    to its largest cell only, so for one input a quarter of the cells learn anything; and a
    stride-2 convolution whose kernel is smaller than its stride never reads three quarters of
    the input at all — resnet18's 1×1 stride-2 shortcut is such a layer. PyTorch counts both:
    """, """
    ## 8. 다운샘플링: 스트라이드 합성곱인가, 풀링인가?

    둘 다 높이와 너비를 절반으로 줄입니다. 풀링은 가중치가 없고 규칙이 정해져 있습니다. 스트라이드
    합성곱은 주변 칸을 어떻게 섞을지 학습하는 대신 가중치가 $C^2 k^2$개 듭니다. Springenberg 등이
    2014년에 발표한 전합성곱 신경망(All Convolutional Net)은 풀링을 모두 스트라이드 합성곱으로
    바꿨습니다. 기울기가 닿는 곳도 다릅니다. 최대 풀링은 창마다 가장 큰 칸에만 기울기를 보내므로,
    입력 하나에서 기울기를 받는 칸은 4분의 1뿐입니다.
    그리고 커널이 스트라이드보다 작은 스트라이드 2 합성곱은 입력의 4분의 3을 아예 참조하지 않습니다.
    resnet18의 1×1, 스트라이드 2 지름길 연결이 바로 그런 층입니다. PyTorch로 둘 다 세어 봅시다.
    """),
    code("""
    C = 64
    x = torch.randn(1, C, 32, 32, requires_grad=True)
    layers = {"nn.MaxPool2d(2)": nn.MaxPool2d(2), "nn.AvgPool2d(2)": nn.AvgPool2d(2),
              "nn.Conv2d(C, C, 3, stride=2, padding=1)": nn.Conv2d(C, C, 3, stride=2, padding=1),
              "nn.Conv2d(C, C, 1, stride=2)": nn.Conv2d(C, C, 1, stride=2)}
    print(«"layer                                    output shape      parameters  input cells with a gradient"|"층                                       출력 모양         매개변수 수  기울기가 닿는 입력 칸"»)
    share = {}
    for name, layer in layers.items():
        x.grad = None
        out = layer(x)
        out.sum().backward()
        share[name] = float((x.grad != 0).float().mean())
        print(f"{name:41}{str(tuple(out.shape)):18}{n_params(layer):>10,}  {share[name]:>6.0%}")
        assert out.shape == (1, C, 16, 16)
    assert share["nn.MaxPool2d(2)"] == share["nn.Conv2d(C, C, 1, stride=2)"] == 0.25
    assert share["nn.AvgPool2d(2)"] == share["nn.Conv2d(C, C, 3, stride=2, padding=1)"] == 1.0
    """, "claim:downsample"),
    md("""
    ## 9. Explorer: the receptive field of any small stack

    **Start with two 3×3 convolutions: the dashed box (the recurrence) and the blue cells (the
    gradient) cover the same 5×5. Set "number of layers" to 3 and make layer 3 a max pooling: the
    field grows, and grey dots appear where max pooling passed the gradient elsewhere. Then set
    layer 2's dilation to 2 and watch holes open in the gradient; hover over the output grid under
    the picture to see every output cell's field. Try a padding larger than half the kernel of a
    pooling to see PyTorch's error.**
    """, """
    ## 9. 탐색기: 작은 스택의 수용 영역

    **먼저 3×3 합성곱 두 개로 시작하세요. 점선 상자(점화식)와 파란 칸(기울기)이 같은 5×5 영역을
    덮습니다. "층 수"를 3으로 하고 층 3을 최대 풀링으로 바꾸면 수용 영역이 넓어지고, 최대 풀링이
    기울기를 다른 칸으로 보낸 자리에 회색 점이 나타납니다. 그다음 층 2의 팽창을 2로 바꾸면 기울기에
    구멍이 생기는 것을 볼 수 있습니다. 그림 아래 출력 격자에서 칸을 가리키면 그 칸의 수용 영역이
    보입니다. 풀링의 패딩을 커널 크기의 절반보다 크게 하면 PyTorch의 오류가 나타납니다.**
    """),
    code("""
    convlab.receptive_field_explorer(lang=$LANG, size=16, layers=[{"kind": "conv", "kernel": 3},
                                                                  {"kind": "conv", "kernel": 3}])
    """),
    md_at("l09-resnet", """
    ## 10. The receptive fields of resnet18

    torchvision builds resnet18 without downloading anything when `weights=None`; built and run
    on the `meta` device, it does not even draw random weights or compute (shapes only). Forward
    hooks (`register_forward_hook`) record every convolution and pooling on the main path of each
    residual block, in the order they run. The
    shortcut of a block adds the block's input back; it sees less than the two 3×3 layers beside
    it, so the main path decides the field.
    """, """
    ## 10. resnet18의 수용 영역

    `weights=None`이면 torchvision은 아무것도 내려받지 않고 resnet18을 만듭니다. `meta` 장치에서
    만들고 실행하면 무작위 가중치를 뽑지도, 값을 계산하지도 않습니다. 모양만 계산합니다.
    순전파 훅(`register_forward_hook`)이 잔차 블록마다 주 경로에 있는 합성곱과 풀링을 실행 순서대로
    기록합니다. 블록의 지름길 연결은 블록의 입력을 다시 더할 뿐이고, 나란히 놓인 3×3 층 두 개보다
    좁은 영역을 봅니다. 그래서 수용 영역은 주 경로가 정합니다.
    """),
    code("""
    from torchvision.models import get_model

    with torch.device("meta"):                # «shapes only: no weights drawn, nothing computed|모양만: 가중치를 뽑지도, 값을 계산하지도 않음»
        model = get_model("resnet18", weights=None)
    main_path = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d)) and "downsample" not in name:
            module.register_forward_hook(
                lambda module, inputs, output, name=name: main_path.append((name, module, output.shape[-1])))
    with torch.no_grad():
        model(torch.empty(1, 3, 224, 224, device="meta"))

    def first(value):
        return value[0] if isinstance(value, tuple) else value

    resnet_layers = [tuple(first(getattr(m, a)) for a in ("kernel_size", "stride", "padding", "dilation"))
                     for _, m, _ in main_path]
    resnet_fields = convlab.receptive_fields(resnet_layers)
    print(«"layer            kernel stride output  size  jump  start"|"층                 커널 스트라이드 출력  size  jump  start"»)
    for (name, _, out), (k, s, _, _), field in zip(main_path, resnet_layers, resnet_fields):
        print(f"{name:16} {k:>6} {s:>6} {out:>4}×{out:<3} {field.size:>4} {field.jump:>5} {field.start:>6}")
    """, "claim:resnet18-table"),
    md("""
    The last convolution sees 435×435 input cells, about twice the 224×224 image: a cell near
    the centre sees the whole image and the padding around it. The jump ends at 32, the factor
    by which resnet18 shrinks the image (224 / 7). To check the table with gradients, the cell
    below rebuilds the main path with one channel, weights 1, and each max pooling replaced by
    an average pooling with the same windows (max pooling would pass the gradient to one cell per
    window). On a 512×512 input nothing is clipped:
    """, """
    마지막 합성곱은 입력 칸 435×435개를 봅니다. 224×224 이미지의 약 두 배입니다. 그래서 가운데 근처의
    칸은 이미지 전체와 그 둘레의 패딩까지 봅니다. `jump`는 마지막에 32가 되는데, resnet18이 이미지를
    줄이는 비율(224 / 7)과 같습니다. 이 표를 기울기로 확인하려고, 아래 셀은 주 경로를 채널 하나,
    가중치 1로 다시 만들고 최대 풀링은 창이 같은 평균 풀링으로 바꿉니다(최대 풀링은 창마다 한 칸에만
    기울기를 보내기 때문입니다). 512×512 입력이면 잘리는 부분이 없습니다.
    """),
    code("""
    replica = positive(nn.Sequential(*[
        nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d) if isinstance(m, nn.Conv2d)
        else nn.AvgPool2d(k, stride=s, padding=p) for (_, m, _), (k, s, p, d) in zip(main_path, resnet_layers)]))
    for n in [2, 10, 18]:
        out_size = replica[:n](torch.zeros(1, 1, 512, 512)).shape[-1]
        i = out_size // 2
        row_span, col_span = depends_on(replica[:n], 512, i, i)
        print(f"{main_path[n - 1][0]:16} «output cell|출력 칸» {i:>3}: «formula|점화식» {resnet_fields[n - 1].region(i, 512)}, «gradient|기울기» {row_span}")
        assert row_span == col_span == resnet_fields[n - 1].region(i, 512)
    """, "claim:resnet18-gradient"),
    md("""
    ## 11. Exercises
    """, """
    ## 11. 연습 문제
    """),
    exercises({
        "09-stack-rf": """
        answer = None   # «an int|정수»
        exercises.check("09-stack-rf", answer, lang=$LANG)
        """,
        "09-vgg-weights": """
        answer = None   # «an int|정수»
        exercises.check("09-vgg-weights", answer, lang=$LANG)
        """,
        "09-dilated-rf": """
        answer = None   # «an int|정수»
        exercises.check("09-dilated-rf", answer, lang=$LANG)
        """,
        "09-ceil-mode": """
        answer = None   # «an int|정수»
        exercises.check("09-ceil-mode", answer, lang=$LANG)
        """,
        "09-alexnet-rf": """
        answer = None   # «a pair of ints (size, jump)|정수 두 개 (size, jump)»
        exercises.check("09-alexnet-rf", answer, lang=$LANG)
        """,
    }),
    md("""
    ## 12. Check yourself

    - The input cells an output cell depends on are those where the gradient of that cell is not
      zero ([section 1](#l09-one-layer)).
    - Per layer: `size += d·(k − 1)·jump`, `start −= p·jump`, `jump *= s`; output cell $i$ sees
      `start + i·jump` onwards ([section 2](#l09-recurrence)).
    - Two 3×3 layers see a 5×5 patch with $18C^2$ weights instead of $25C^2$; dilations
      $1, 2, 4, \\dots$ give $2^{L+1} - 1$ ([section 3](#l09-vgg), [section 4](#l09-dilation)).
    - Pooling's `stride` defaults to `kernel_size`; with `ceil_mode=True` the last window must
      start inside the input or its left padding ([section 5](#l09-pooling),
      [section 6](#l09-ceil)).
    - Max pooling passes the gradient to one cell per window; resnet18's last layer sees 435×435
      cells with a jump of 32 ([section 8](#l09-downsample), [section 10](#l09-resnet)).
    """, """
    ## 12. 스스로 확인하기

    - 출력 칸이 의존하는 입력 칸은 그 출력 칸의 기울기가 0이 아닌 칸입니다([1절](#l09-one-layer)).
    - 층마다 `size += d·(k − 1)·jump`, `start −= p·jump`, `jump *= s`입니다. 출력 칸 $i$는
      `start + i·jump`부터 봅니다([2절](#l09-recurrence)).
    - 3×3 층 두 개는 $25C^2$개 대신 $18C^2$개의 가중치로 5×5 영역을 봅니다. 팽창을 $1, 2, 4, \\dots$로
      늘리면 수용 영역이 $2^{L+1} - 1$이 됩니다([3절](#l09-vgg), [4절](#l09-dilation)).
    - 풀링의 `stride` 기본값은 `kernel_size`입니다. `ceil_mode=True`이면 마지막 창은 입력 안이나 왼쪽
      패딩에서 시작해야 합니다([5절](#l09-pooling), [6절](#l09-ceil)).
    - 최대 풀링은 창마다 한 칸에만 기울기를 보냅니다. resnet18의 마지막 층은 `jump` 32로 435×435칸을
      봅니다([8절](#l09-downsample), [10절](#l09-resnet)).
    """),
    md("""
    That is the whole course so far. Back to the start: [00 Start here](00_start_here.ipynb).
    """, """
    지금까지 이 강좌의 강의를 모두 마쳤습니다. 처음으로 돌아가기: [00 시작하기](00_start_here.ipynb).
    """),
]
