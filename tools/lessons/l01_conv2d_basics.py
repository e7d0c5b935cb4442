"""Lesson 01: the nn.Conv2d signature, shapes, the formula, the output size, weight shapes."""
from .cells import SETUP, code, exercises, md

CELLS = [
    md("""
    # 01. Conv2d basics: arguments, shapes and the formula

    This lesson reads `nn.Conv2d` from the outside: which arguments it takes, what goes in,
    what comes out, the formula for every output number, and the formula for the output's size.
    Every number is computed here and checked against PyTorch.
    """, """
    # 01. Conv2d 기초: 인자, shape, 계산식

    이번 강의에서는 `nn.Conv2d`를 바깥에서 살펴봅니다. 어떤 인자(argument)를 받는지, 무엇이
    들어가고 무엇이 나오는지, 출력의 숫자 하나하나를 만드는 식, 그리고 출력 크기(output size)를
    정하는 식을 봅니다. 모든 숫자는 여기서 계산하고 PyTorch와 비교해서 확인합니다.
    """),
    SETUP,
    md("""
    ## 1. The signature: three required arguments, six defaults

    `nn.Conv2d` applies a 2D convolution to its input. Python itself can list its arguments:
    """, """
    ## 1. 시그니처: 필수 인자 셋, 기본값 여섯

    `nn.Conv2d`는 입력에 2차원 합성곱(convolution)을 적용하는 층(layer)입니다. 어떤 인자를 받는지는
    Python에게 직접 물어볼 수 있습니다.
    """, "seed:applies-conv"),
    code("""
    import inspect

    signature = inspect.signature(nn.Conv2d)
    print(signature)
    required = [name for name, p in signature.parameters.items() if p.default is p.empty]
    defaults = {name: p.default for name, p in signature.parameters.items() if p.default is not p.empty}
    print(«"required:"|"필수 인자:"», required)
    print(«"defaults:"|"기본값:"», defaults)
    assert required == ["in_channels", "out_channels", "kernel_size"]
    """, "seed:signature", "seed:required-args"),
    md("""
    Only `in_channels`, `out_channels` and `kernel_size` must be given. The others have defaults,
    and the defaults are the values most layers use:

    | argument | default | meaning of the default |
    |---|---|---|
    | `stride` | `1` | the window moves one cell at a time |
    | `padding` | `0` | nothing is added around the input |
    | `dilation` | `1` | the kernel's taps touch each other (no gaps) |
    | `groups` | `1` | every output channel reads every input channel |
    | `bias` | `True` | one learnable number is added to each output channel |
    | `padding_mode` | `'zeros'` | if there is padding, it is filled with zeros |

    (`device` and `dtype` say where and in which number type the weights are created.)
    """, """
    꼭 줘야 하는 인자는 `in_channels`, `out_channels`, `kernel_size` 세 개뿐입니다. 나머지는
    기본값(default)이 있고, 그 기본값이 대부분의 층이 쓰는 값입니다.

    | 인자 | 기본값 | 기본값의 뜻 |
    |---|---|---|
    | `stride` | `1` | 창(window)이 한 칸씩 움직입니다 |
    | `padding` | `0` | 입력 둘레에 아무것도 더하지 않습니다 |
    | `dilation` | `1` | 커널(kernel)의 탭 사이에 빈칸이 없습니다 |
    | `groups` | `1` | 모든 출력 채널(output channel)이 모든 입력 채널(input channel)을 읽습니다 |
    | `bias` | `True` | 출력 채널마다 학습되는 숫자 하나를 더합니다 |
    | `padding_mode` | `'zeros'` | 패딩(padding)이 있으면 0으로 채웁니다 |

    (`device`와 `dtype`은 가중치(weight)를 어느 장치(device)에 어떤 숫자 형식으로 만들지 정합니다.)
    """),
    md("""
    ## 2. Input and output shapes

    A Conv2d reads a batch of shape $(N, C_{in}, H, W)$ and writes $(N, C_{out}, H_{out}, W_{out})$:
    $N$ is the batch size, $C$ the number of channels, $H$ and $W$ the height and width.
    The batch size passes through, the channels change from `in_channels` to `out_channels`,
    and the height and width follow a formula (section 5).
    """, """
    ## 2. 입력과 출력의 shape

    Conv2d는 shape이 $(N, C_{in}, H, W)$인 배치(batch)를 읽고 $(N, C_{out}, H_{out}, W_{out})$을
    씁니다. $N$은 배치 크기(batch size), $C$는 채널(channel) 수, $H$와 $W$는 높이와 너비입니다.
    배치 크기는 그대로 통과하고, 채널 수는 `in_channels`에서 `out_channels`로 바뀌며, 높이와
    너비는 식(5절)을 따릅니다.
    """),
    code("""
    conv = nn.Conv2d(in_channels=3, out_channels=8, kernel_size=3)
    x = torch.randn(2, 3, 6, 6)      # (N, C_in, H, W)
    out = conv(x)
    print(tuple(x.shape), "->", tuple(out.shape))
    assert out.shape == (2, 8, 4, 4)  # (N, C_out, H_out, W_out): 6 - 3 + 1 = 4
    """, "seed:input-output-shape"),
    md("""
    A single image without the batch dimension, $(C_{in}, H, W)$, works too: PyTorch treats it
    as a batch of one and drops the batch dimension again.
    """, """
    배치 차원이 없는 이미지 한 장 $(C_{in}, H, W)$도 넣을 수 있습니다. PyTorch는 이것을
    이미지 하나짜리 배치로 계산한 뒤 배치 차원을 다시 뺍니다.
    """),
    code("""
    single = conv(x[0])              # (C_in, H, W)
    print(tuple(single.shape))
    assert torch.allclose(single, out[0], atol=1e-6)
    """),
    md(r"""
    ## 3. The formula behind every output number

    PyTorch's documentation writes the layer as

    $$\text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) + \sum_{k=0}^{C_{\text{in}}-1} \text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$$

    For batch item $i$ and output channel $j$: slide the $j$-th filter's slice for input
    channel $k$ over input channel $k$, add up over all input channels $k$, then add the $j$-th
    bias. At one position that is "multiply the window by the filter, element by element, and
    sum". Let us compute one output number by hand:
    """, r"""
    ## 3. 출력의 숫자 하나하나를 만드는 식

    PyTorch 문서는 이 층을 다음 식으로 씁니다.

    $$\text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) + \sum_{k=0}^{C_{\text{in}}-1} \text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$$

    배치의 $i$번째 이미지와 $j$번째 출력 채널(output channel)에 대해 읽어 보면 이렇습니다.
    $j$번째 필터(filter) 중 입력 채널(input channel) $k$에 해당하는 부분을 입력 채널 $k$ 위로
    미끄러뜨리고, 모든 입력 채널 $k$에 대해 더한 뒤, $j$번째 편향(bias)을 더합니다. 한 위치에서
    보면 "창과 필터를 원소끼리 곱해서 모두 더하기"입니다. 출력 숫자 하나를 손으로 계산해 봅시다.
    """, "seed:formula"),
    code("""
    n, j, r, c = 0, 5, 1, 2                      # «batch item, output channel, output row, output column|배치 번호, 출력 채널, 출력 행, 출력 열»
    window = x[n, :, r:r + 3, c:c + 3]           # «(C_in, 3, 3): everything this output reads|(C_in, 3, 3): 이 출력이 읽는 값 전부»
    by_hand = conv.bias[j] + (conv.weight[j] * window).sum()
    print(by_hand.item(), out[n, j, r, c].item())
    assert torch.allclose(by_hand, out[n, j, r, c], atol=1e-6)
    """),
    md(r"""
    And the sum over input channels, written exactly as the formula: one single-channel
    operation $\text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$ per input channel
    $k$, added up, plus the bias.
    """, r"""
    입력 채널에 대한 합도 식 그대로 써 보겠습니다. 입력 채널 $k$마다 채널 하나짜리 연산
    $\text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$를 하고, 모두 더한 뒤 편향을
    더합니다.
    """),
    code("""
    per_channel = [F.conv2d(x[:, k:k + 1], conv.weight[j:j + 1, k:k + 1]) for k in range(3)]
    channel_j = conv.bias[j] + sum(per_channel)
    assert torch.allclose(channel_j, out[:, j:j + 1], atol=1e-6)
    print(«f"output channel {j}: the formula matches exactly"|f"출력 채널 {j}: 식과 정확히 일치합니다"»)
    """),
    md(r"""
    ## 4. $\star$ is cross-correlation: the kernel is not flipped

    In mathematics, "convolution" flips the kernel before sliding it. Deep learning libraries
    do not: the $\star$ above is **cross-correlation**, and the top-left weight always meets the
    top-left cell of the window. (Many texts, including the Korean post this course grew from,
    call it "2D convolution"; the name stuck, the flip did not.) A kernel with one non-zero
    tap in its top-left corner shows it:
    """, r"""
    ## 4. $\star$는 교차 상관: 커널을 뒤집지 않습니다

    수학에서 합성곱은 커널(kernel)을 뒤집은 뒤에 미끄러뜨립니다. 딥러닝 라이브러리는 뒤집지
    않습니다. 위 식의 $\star$는 **교차 상관(cross-correlation)**이고, 왼쪽 위 가중치(weight)는
    언제나 창의 왼쪽 위 칸과 곱해집니다. (이 강의의 바탕이 된 한국어 블로그 글을 비롯해 많은 글이
    이것을 "2D convolution"이라고 부릅니다. 이름은 남았지만 뒤집기는 없습니다.) 왼쪽 위 탭 하나만
    0이 아닌 커널로 확인해 봅시다.
    """, "seed:cross-correlation"),
    code("""
    image = torch.arange(1.0, 10.0).view(1, 1, 3, 3)      # 1 … 9
    kernel = torch.tensor([[1.0, 0.0], [0.0, 0.0]]).view(1, 1, 2, 2)
    cross = F.conv2d(image, kernel)                      # «what nn.Conv2d computes|nn.Conv2d가 계산하는 것»
    flipped = F.conv2d(image, kernel.flip(-2, -1))       # «convolution in the maths sense|수학에서 말하는 합성곱»
    print(image[0, 0], cross[0, 0], flipped[0, 0], sep="\\n")
    assert torch.equal(cross[0, 0], image[0, 0, :2, :2])     # «each window's top-left: no flip|각 창의 왼쪽 위: 뒤집지 않음»
    assert torch.equal(flipped[0, 0], image[0, 0, 1:, 1:])   # «the flip would read the bottom-right|뒤집으면 오른쪽 아래를 읽음»
    """, "pitfall:no-flip"),
    md(r"""
    ## 5. The output size

    Per spatial axis (PyTorch's documentation, with $\lfloor\cdot\rfloor$ rounding down):

    $$H_{out} = \left\lfloor \frac{H_{in} + 2\cdot\text{padding}[0] - \text{dilation}[0]\cdot(\text{kernel\_size}[0]-1) - 1}{\text{stride}[0]} \right\rfloor + 1$$

    and the same for $W_{out}$ with index `[1]`. The numerator counts how far the window can
    move, the division counts the steps of size `stride`, and the $+1$ is the window's first
    position. Lesson 02 takes the formula apart term by term.

    The examples of PyTorch's documentation (also in the Korean post) use one input:
    """, r"""
    ## 5. 출력 크기

    공간 축마다 다음 식을 씁니다(PyTorch 문서의 식이고, $\lfloor\cdot\rfloor$는 내림(floor)입니다).

    $$H_{out} = \left\lfloor \frac{H_{in} + 2\cdot\text{padding}[0] - \text{dilation}[0]\cdot(\text{kernel\_size}[0]-1) - 1}{\text{stride}[0]} \right\rfloor + 1$$

    $W_{out}$도 같은 식에 인덱스 `[1]`을 씁니다. 분자는 창이 움직일 수 있는 거리, 나눗셈은
    `stride` 크기 걸음의 수, $+1$은 창의 첫 위치입니다. 02강에서 이 식을 항 하나씩 뜯어봅니다.

    PyTorch 문서의 예제(한국어 블로그 글에도 있습니다)는 입력 하나를 씁니다.
    """),
    code("""
    input = torch.randn(20, 16, 50, 100)   # (N, C_in, H, W)
    """, "seed:example-input"),
    md(r"""
    **Square kernel, equal stride:** `nn.Conv2d(16, 33, 3, stride=2)`.

    - $H_{out} = \lfloor (50 + 2\cdot 0 - 1\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 47/2 \rfloor + 1 = 23 + 1 = 24$
    - $W_{out} = \lfloor (100 + 2\cdot 0 - 1\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 97/2 \rfloor + 1 = 48 + 1 = 49$
    """, r"""
    **정사각형 커널, 같은 스트라이드(stride):** `nn.Conv2d(16, 33, 3, stride=2)`.

    - $H_{out} = \lfloor (50 + 2\cdot 0 - 1\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 47/2 \rfloor + 1 = 23 + 1 = 24$
    - $W_{out} = \lfloor (100 + 2\cdot 0 - 1\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 97/2 \rfloor + 1 = 48 + 1 = 49$
    """),
    code("""
    # «With square kernels and equal stride|정사각형 커널, 같은 스트라이드»
    m = nn.Conv2d(16, 33, 3, stride=2)
    output = m(input)
    print(m, tuple(output.shape))
    assert output.shape == (20, 33, 24, 49)
    assert convlab.output_size(50, 3, stride=2) == 24 and convlab.output_size(100, 3, stride=2) == 49
    """, "seed:example-square"),
    md(r"""
    **Non-square kernel, unequal stride, with padding:**
    `nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))`.

    - $H_{out} = \lfloor (50 + 2\cdot 4 - 1\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 55/2 \rfloor + 1 = 27 + 1 = 28$
    - $W_{out} = \lfloor (100 + 2\cdot 2 - 1\cdot(5-1) - 1) / 1 \rfloor + 1 = 99 + 1 = 100$
    """, r"""
    **직사각형 커널, 다른 스트라이드, 패딩 있음:**
    `nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))`.

    - $H_{out} = \lfloor (50 + 2\cdot 4 - 1\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 55/2 \rfloor + 1 = 27 + 1 = 28$
    - $W_{out} = \lfloor (100 + 2\cdot 2 - 1\cdot(5-1) - 1) / 1 \rfloor + 1 = 99 + 1 = 100$
    """),
    code("""
    # «non-square kernels and unequal stride and with padding|직사각형 커널, 다른 스트라이드, 패딩»
    m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))
    output = m(input)
    print(m, tuple(output.shape))
    assert output.shape == (20, 33, 28, 100)
    """, "seed:example-nonsquare"),
    md(r"""
    **The same with dilation:**
    `nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))`.
    Only the height changes: a 3-tall kernel with dilation 3 spans $3\cdot(3-1)+1 = 7$ rows.

    - $H_{out} = \lfloor (50 + 2\cdot 4 - 3\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 51/2 \rfloor + 1 = 25 + 1 = 26$
    - $W_{out} = \lfloor (100 + 2\cdot 2 - 1\cdot(5-1) - 1) / 1 \rfloor + 1 = 100$
    """, r"""
    **여기에 팽창(dilation)까지:**
    `nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))`.
    높이만 바뀝니다. 높이 3인 커널이 dilation 3이면 $3\cdot(3-1)+1 = 7$행에 걸칩니다.

    - $H_{out} = \lfloor (50 + 2\cdot 4 - 3\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 51/2 \rfloor + 1 = 25 + 1 = 26$
    - $W_{out} = \lfloor (100 + 2\cdot 2 - 1\cdot(5-1) - 1) / 1 \rfloor + 1 = 100$
    """),
    code("""
    # «non-square kernels and unequal stride and with padding and dilation|직사각형 커널, 다른 스트라이드, 패딩, 팽창»
    m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))
    output = m(input)
    print(m, tuple(output.shape))
    assert output.shape == (20, 33, 26, 100)
    assert convlab.output_size(50, 3, stride=2, padding=4, dilation=3) == 26
    """, "seed:example-dilation"),
    md("""
    ## 6. The weight's shape

    A Conv2d keeps one filter per output channel; each filter covers the input channels it
    reads (all of them when `groups=1`, lesson 03) with a `kernel_size` window. So the weight
    has shape `(out_channels, in_channels / groups, kH, kW)` and the bias `(out_channels,)`:
    """, """
    ## 6. 가중치의 shape

    Conv2d는 출력 채널마다 필터를 하나씩 가집니다. 필터 하나는 자기가 읽는 입력 채널 전부
    (`groups=1`이면 모든 입력 채널, 03강)를 `kernel_size` 크기의 창으로 덮습니다. 그래서 가중치의
    shape은 `(out_channels, in_channels / groups, kH, kW)`, 편향은 `(out_channels,)`입니다.
    """),
    code("""
    layer = nn.Conv2d(10, 20, (3, 5))
    print(layer.weight.shape, layer.bias.shape)
    assert layer.weight.shape == (20, 10, 3, 5)   # (out_channels, in_channels / groups, kH, kW)
    assert layer.bias.shape == (20,)
    """, "seed:weight-shape-20-10-3-5", "seed:weight-shape-order"),
    md("""
    That also tells you how many numbers the layer learns: `20·10·3·5` weights and `20` biases.
    """, """
    이것으로 층이 학습하는 숫자의 개수도 알 수 있습니다. 가중치 `20·10·3·5`개와 편향
    `20`개입니다.
    """),
    code("""
    n_params = sum(p.numel() for p in layer.parameters())
    print(n_params)
    assert n_params == 20 * 10 * 3 * 5 + 20
    """),
    md("""
    ## 7. An int or a tuple

    `kernel_size`, `stride`, `padding` and `dilation` each take an int or a tuple
    `(height, width)`. An int means the same value for the height and the width; PyTorch stores
    every one of them as a tuple.
    """, """
    ## 7. 정수 또는 튜플

    `kernel_size`, `stride`, `padding`, `dilation`은 정수 하나나 `(높이, 너비)` 튜플을 받습니다.
    정수를 주면 높이와 너비에 같은 값을 씁니다. PyTorch는 어느 쪽으로 받든 튜플로 저장합니다.
    """),
    code("""
    a = nn.Conv2d(16, 33, 3, stride=2, padding=1, dilation=1)
    b = nn.Conv2d(16, 33, (3, 3), stride=(2, 2), padding=(1, 1), dilation=(1, 1))
    print(a.kernel_size, a.stride, a.padding, a.dilation)
    assert (a.kernel_size, a.stride, a.padding, a.dilation) == (b.kernel_size, b.stride, b.padding, b.dilation)

    b.load_state_dict(a.state_dict())              # «same weights in both|두 층에 같은 가중치»
    small = torch.randn(1, 16, 9, 9)
    assert torch.equal(a(small), b(small))
    """, "seed:int-or-tuple"),
    md("""
    ## 8. Explorer: shapes

    The explorer starts at the second layer of section 5, with a smaller batch and width so that
    everything fits on the sliders. **Move "dilation (rows)" to 3 and watch $H_{out}$ go from 28
    to 26, as computed above. Then move "input C" away from `in_channels`: the input no longer
    has the channels the weight expects, and the readout shows PyTorch's own error.**
    """, """
    ## 8. 탐색기(explorer): shape

    탐색기(explorer)는 5절의 두 번째 층에서 시작합니다. 슬라이더(slider)에 다 들어가도록 배치와 너비만
    줄였습니다. **"팽창 (행)"을 3으로 옮기고, 위에서 계산한 대로 $H_{out}$이 28에서 26으로 바뀌는
    것을 보세요. 그다음 "입력 채널 수 C"를 `in_channels`와 다르게 바꿔 보세요. 입력의 채널 수가
    가중치가 기대하는 수와 달라져서, readout에 PyTorch의 오류가 그대로 나옵니다.**
    """),
    code("""
    convlab.shape_explorer(lang=$LANG, batch=2, in_channels=16, height=50, width=60,
                           out_channels=33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2))
    """),
    md("""
    ### Many filters at once

    A layer with `out_channels=2` has two filters, and each filter holds one $k \\times k$ slice
    per input channel: its weight is `(2, 3, k, k)`. **Each input channel is cross-correlated
    with its own slice, the three results are added, then the filter's bias: that is one output
    channel. Move "filter shown" to see the other filter's sum, and "out_channels" to add one.**
    """, """
    ### 필터 여러 개를 한꺼번에

    `out_channels=2`인 층에는 필터가 두 개 있고, 필터마다 입력 채널별로 $k \\times k$ 커널 조각이
    하나씩 있습니다. 그래서 가중치 모양이 `(2, 3, k, k)`입니다. **각 입력 채널과 그 채널의 조각으로
    교차 상관을 구하고, 세 결과를 더한 뒤 필터의 편향을 더하면 출력 채널 하나가 됩니다. "살펴볼
    필터"를 옮겨 다른 필터의 합을 보고, `out_channels`를 늘려 필터를 하나 더해 보세요.**
    """),
    code("""
    convlab.many_filters_explorer(lang=$LANG, out_channels=2, kernel_size=3)
    """),
    md("""
    ## 9. Exercises
    """, """
    ## 9. 연습 문제(exercise)
    """),
    exercises({
        "01-output-shape": """
        answer = None   # «a tuple such as (1, 2, 3, 4)|(1, 2, 3, 4) 같은 튜플»
        exercises.check("01-output-shape", answer, lang=$LANG)
        """,
        "01-weight-shape": """
        answer = None   # «a tuple of four ints|정수 네 개의 튜플»
        exercises.check("01-weight-shape", answer, lang=$LANG)
        """,
        "01-param-count": """
        answer = None   # «an int|정수»
        exercises.check("01-param-count", answer, lang=$LANG)
        """,
    }),
    md("""
    Next: [02 Stride, padding, dilation](02_stride_padding_dilation.ipynb).
    """, """
    다음 강의: [02 스트라이드, 패딩, 팽창](02_stride_padding_dilation.ipynb).
    """),
]
