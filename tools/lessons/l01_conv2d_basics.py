"""Lesson 01: the nn.Conv2d signature, shapes, the formula, the output size, weight shapes."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 01. Conv2d basics: arguments, shapes and the formula

    This lesson reads `nn.Conv2d` from the outside: which arguments it takes, what goes in,
    what comes out, the formula for every output number, and the formula for the output's size.
    Every number is computed here and checked against PyTorch.
    """, """
    # 01. Conv2d 기초: 인자, 모양, 계산식

    이번 강의에서는 `nn.Conv2d`를 쓰는 사람의 눈으로 살펴봅니다. 어떤 인자를 받는지, 무엇이 들어가서
    무엇이 나오는지 봅니다. 출력 값 하나하나를 구하는 식과 출력 크기를 정하는 식도 살펴봅니다. 모든
    값은 여기서 직접 계산하고 PyTorch와 비교해서 확인합니다.
    """),
    SETUP,
    md_at("l01-why", """
    ## 0. Why convolution at all

    A fully connected layer, `nn.Linear`, can also turn a 28×28 image into a 28×28 output: it
    learns one weight for every pair (input pixel, output pixel). A 3×3 convolution learns one
    small kernel and uses it everywhere. Count what each learns:
    """, """
    ## 0. 왜 합성곱인가

    완전 연결 층 `nn.Linear`도 28×28 이미지를 28×28 출력으로 바꿀 수 있습니다. 이 층은 입력 픽셀과
    출력 픽셀의 짝마다 가중치를 하나씩 배웁니다. 3×3 합성곱은 작은 커널 하나만 배우고, 그 커널을
    모든 위치에서 씁니다. 두 층이 배우는 값의 개수를 세어 봅시다.
    """),
    code("""
    dense = nn.Linear(28 * 28, 28 * 28)
    conv3 = nn.Conv2d(1, 1, 3, padding=1)
    n_dense = sum(p.numel() for p in dense.parameters())
    n_conv = sum(p.numel() for p in conv3.parameters())
    print(f"nn.Linear(28·28, 28·28): {n_dense:>9,}")
    print(f"nn.Conv2d(1, 1, 3):      {n_conv:>9,}")
    print(«f"the linear layer learns {n_dense // n_conv:,} times as many numbers"|f"완전 연결 층이 배우는 값이 {n_dense // n_conv:,}배 많습니다"»)
    assert n_dense == 784 * 784 + 784 and n_conv == 3 * 3 + 1
    """, "claim:why-parameters"),
    md_at("l01-locality", """
    Two ideas make that difference.

    - **Locality.** One output of the convolution depends only on a small window of the input;
      one output of the linear layer depends on every pixel. Autograd shows it: the input pixels
      with a non-zero gradient are the ones an output depends on.
    - **Weight sharing.** Written as a matrix on the flattened image, the convolution is a
      784×784 matrix like the linear layer's, but each row has at most 9 non-zero entries, and
      they are the same 9 kernel weights in every row, only moved along.
    """, """
    두 가지 생각이 이 차이를 만듭니다.

    - **지역성(locality).** 합성곱의 출력 값 하나는 입력의 작은 창에만 달려 있습니다. 완전 연결
      층의 출력 값 하나는 모든 픽셀에 달려 있습니다. `autograd`로 확인할 수 있습니다. 출력 값
      하나에 대한 기울기가 0이 아닌 입력 픽셀이 그 출력이 의존하는 픽셀입니다.
    - **가중치 공유(weight sharing).** 펼친 이미지에 곱하는 행렬로 쓰면 합성곱도 완전 연결 층처럼
      784×784 행렬입니다. 하지만 행마다 0이 아닌 값이 많아야 9개이고, 모든 행에 같은 커널 가중치
      9개가 자리만 옮겨 들어 있습니다.
    """),
    code("""
    x = torch.rand(1, 1, 28, 28, requires_grad=True)
    conv3(x)[0, 0, 14, 14].backward()
    conv_inputs = int((x.grad != 0).sum())
    x.grad = None
    dense(x.view(1, -1))[0, 14 * 28 + 14].backward()
    dense_inputs = int((x.grad != 0).sum())
    print(«f"one output depends on {conv_inputs} input pixels (convolution) and on {dense_inputs} (linear layer)"|f"출력 값 하나가 의존하는 입력 픽셀: 합성곱은 {conv_inputs}개, 완전 연결 층은 {dense_inputs}개"»)
    assert conv_inputs == 3 * 3 and dense_inputs == 28 * 28

    # «the convolution as a 784×784 matrix: column i is its output for an image with one 1 at pixel i|784×784 행렬로 쓴 합성곱: i번 열은 픽셀 i만 1인 이미지의 출력»
    with torch.no_grad():
        matrix = F.conv2d(torch.eye(28 * 28).view(-1, 1, 28, 28), conv3.weight, padding=1).view(28 * 28, -1).T
    per_row = (matrix.abs() > 1e-6).sum(1)
    print(«f"non-zero entries per row: at most {int(per_row.max())}"|f"행마다 0이 아닌 값: 많아야 {int(per_row.max())}개"»)
    assert per_row.max() == 9
    for r, c in [(14, 14), (3, 20)]:             # «two output pixels, the same 9 weights|출력 픽셀 두 개, 같은 가중치 9개»
        row = matrix[r * 28 + c].view(28, 28)
        assert torch.allclose(row[r - 1:r + 2, c - 1:c + 2], conv3.weight[0, 0], atol=1e-6)
    """, "claim:why-locality"),
    md_at("l01-equivariance", """
    Weight sharing has a consequence: **translation equivariance**. Shift the input, and the
    feature map shifts the same way, because the same kernel meets the same pixels at their new
    place: `conv(shift(x)) == shift(conv(x))`. Here on a real MNIST digit (lesson 04 loads MNIST
    properly; one digit is enough here), with a kernel that answers to vertical edges, shifted
    3 rows up and 3 columns right:
    """, """
    가중치 공유에서 **이동 등변성**(translation equivariance)이 나옵니다. 입력을 옮기면 특징 맵도
    똑같이 옮겨집니다. 같은 커널이 옮겨 간 자리에서 같은 픽셀을 만나기 때문입니다. 식으로 쓰면
    `conv(shift(x)) == shift(conv(x))`입니다. 실제 MNIST 숫자 이미지 한 장으로 확인해 봅시다.
    MNIST는 04강에서 제대로 불러오고, 여기서는 한 장만 씁니다. 커널은 세로 경계에 반응하는
    커널이고, 이미지를 위로 3행, 오른쪽으로 3열 옮깁니다.
    """),
    code("""
    digits = convlab.mnist(root="../datasets/", lang=$LANG)
    digit = digits.data[0].float().div(255).view(1, 1, 28, 28)      # «pixels in [0, 1], background 0|픽셀 값은 [0, 1], 배경은 0»
    edge = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]).view(1, 1, 3, 3)

    def shift(t, rows, cols):
        \"\"\"«Move an image by (rows, cols); what leaves one side comes back on the other.|이미지를 주어진 행 수와 열 수만큼 옮깁니다. 한쪽으로 나간 부분은 반대쪽으로 들어옵니다.»\"\"\"
        return torch.roll(t, shifts=(rows, cols), dims=(-2, -1))

    feature_map = F.conv2d(digit, edge, padding=1)
    of_shifted = F.conv2d(shift(digit, -3, 3), edge, padding=1)
    assert torch.allclose(of_shifted, shift(feature_map, -3, 3), atol=1e-5)

    limit = feature_map.abs().max()
    fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
    pictures = [digit, shift(digit, -3, 3), feature_map, of_shifted]
    for ax, picture, title in zip(axes, pictures, ["x", "shift(x)", "conv(x)", "conv(shift(x))"]):
        if title.startswith("conv"):
            ax.imshow(picture[0, 0], cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            ax.imshow(picture[0, 0], cmap="gray")
        ax.set_title(title)
        ax.axis("off")
    plt.show()
    """, "claim:why-equivariance"),
    md_at("l01-equivariance-breaks", """
    Where it breaks:

    - **Stride.** At `stride=2` the output keeps every second position. A shift by 2 pixels moves
      the map by 1, but after a shift by 1 pixel no shift of the old map gives the new one: the
      windows now sit between the old ones.
    - **Borders and padding modes.** Shift the digit by half the image, so that part of it comes
      back on the other side. At the border, zero padding (and `reflect` and `replicate`,
      lesson 02) put values beside the digit that the shifted picture does not have, so the two
      maps differ there. Only `padding_mode="circular"` wraps around exactly as the shift does.
    """, """
    이동 등변성이 깨지는 경우도 있습니다.

    - **스트라이드.** `stride=2`이면 출력은 한 칸 건너 한 위치만 남깁니다. 입력을 2픽셀 옮기면
      특징 맵은 1칸 옮겨집니다. 하지만 1픽셀 옮기면 예전 특징 맵을 어떻게 옮겨도 새 특징 맵이
      나오지 않습니다. 창이 예전 창들 사이에 놓이기 때문입니다.
    - **테두리와 패딩 방식.** 숫자 이미지를 너비의 절반만큼 옮겨서 일부가 반대쪽으로 들어오게
      해 봅시다. 테두리에서 제로 패딩은 옮긴 그림에 없는 값을 숫자 옆에 놓습니다. `reflect`와
      `replicate`(02강)도 마찬가지입니다. 그래서 테두리에서 두 특징 맵이 달라집니다. 옮기기와
      똑같이 반대쪽 값을 이어 붙이는 것은 `padding_mode="circular"`뿐입니다.
    """),
    code("""
    def strided(t):
        return F.conv2d(t, edge, padding=1, stride=2)

    by_two = torch.allclose(strided(shift(digit, 2, 2)), shift(strided(digit), 1, 1), atol=1e-5)
    by_one = any(torch.allclose(strided(shift(digit, 1, 1)), shift(strided(digit), r, c), atol=1e-5)
                 for r in range(14) for c in range(14))
    print(«f"stride 2, input shifted by 2: the map shifts by 1: {by_two}"|f"스트라이드 2, 입력을 2칸 옮김: 특징 맵이 1칸 옮겨짐: {by_two}"»)
    print(«f"stride 2, input shifted by 1: some shift of the map matches: {by_one}"|f"스트라이드 2, 입력을 1칸 옮김: 특징 맵을 옮겨 맞출 수 있음: {by_one}"»)
    assert by_two and not by_one

    half = 14
    for mode in ["zeros", "reflect", "replicate", "circular"]:
        layer = nn.Conv2d(1, 1, 3, padding=1, padding_mode=mode, bias=False)
        with torch.no_grad():
            layer.weight.copy_(edge)
            equivariant = torch.allclose(layer(shift(digit, 0, half)), shift(layer(digit), 0, half), atol=1e-5)
        print(f"padding_mode={mode!r:12} conv(shift(x)) == shift(conv(x)): {equivariant}")
        assert equivariant == (mode == "circular")
    """, "claim:why-breaks"),
    md_at("l01-signature", """
    ## 1. The signature: three required arguments, the others with defaults

    `nn.Conv2d` applies a 2D convolution to its input. Python itself can list its arguments:
    """, """
    ## 1. 시그니처: 필수 인자 셋, 나머지는 기본값

    `nn.Conv2d`는 입력에 2차원 합성곱(convolution)을 적용하는 층입니다. 어떤 인자를 받는지는
    Python으로 직접 확인할 수 있습니다.
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
    꼭 지정해야 하는 인자는 `in_channels`, `out_channels`, `kernel_size` 세 개뿐입니다. 나머지
    인자에는 기본값이 있으며, 대부분의 층은 기본값을 그대로 씁니다.

    | 인자 | 기본값 | 기본값의 뜻 |
    |---|---|---|
    | `stride` | `1` | 창이 한 칸씩 이동합니다 |
    | `padding` | `0` | 입력 둘레에 아무것도 덧붙이지 않습니다 |
    | `dilation` | `1` | 커널 칸 사이에 빈칸이 없습니다 |
    | `groups` | `1` | 출력 채널마다 모든 입력 채널을 씁니다 |
    | `bias` | `True` | 출력 채널마다 학습되는 값을 하나씩 더합니다 |
    | `padding_mode` | `'zeros'` | 패딩이 있으면 0으로 채웁니다 |

    (`device`와 `dtype`은 가중치(weight)를 어느 장치에, 어떤 자료형으로 만들지 정합니다.)
    """),
    md("""
    ## 2. Input and output shapes

    A Conv2d reads a batch of shape $(N, C_{in}, H, W)$ and writes $(N, C_{out}, H_{out}, W_{out})$:
    $N$ is the batch size, $C$ the number of channels, $H$ and $W$ the height and width.
    The batch size passes through, the channels change from `in_channels` to `out_channels`,
    and the height and width follow a formula (section 5).
    """, """
    ## 2. 입력과 출력의 모양

    Conv2d는 모양(shape)이 $(N, C_{in}, H, W)$인 배치를 받아서, 모양이
    $(N, C_{out}, H_{out}, W_{out})$인 출력을 내놓습니다. $N$은 배치 크기, $C$는 채널 수, $H$와
    $W$는 높이와 너비입니다. 배치 크기는 그대로이고, 채널 수는 `in_channels`에서 `out_channels`로
    바뀝니다. 높이와 너비는 5절의 식으로 정해집니다.
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
    배치 차원이 없는 이미지 한 장 $(C_{in}, H, W)$도 넣을 수 있습니다. PyTorch는 이것을 이미지가
    하나뿐인 배치로 보고 계산한 뒤, 배치 차원을 다시 없앱니다.
    """),
    code("""
    single = conv(x[0])              # (C_in, H, W)
    print(tuple(single.shape))
    assert torch.allclose(single, out[0], atol=1e-6)
    """),
    md_at("l01-formula", r"""
    ## 3. The formula behind every output number

    PyTorch's documentation writes the layer as

    $$\text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) + \sum_{k=0}^{C_{\text{in}}-1} \text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$$

    That is the formula for `groups=1`, the default, which this section uses. With `groups` (lesson
    03) the sum runs only over the $C_{\text{in}}/\text{groups}$ input channels of $j$'s group
    $g = \lfloor j / (C_{\text{out}}/\text{groups}) \rfloor$:

    $$\text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) + \sum_{k=0}^{C_{\text{in}}/\text{groups}-1} \text{weight}(C_{\text{out}_j}, k) \star \text{input}\big(N_i,\ g \cdot C_{\text{in}}/\text{groups} + k\big)$$

    For batch item $i$ and output channel $j$: slide the $j$-th filter's slice for input
    channel $k$ over input channel $k$, add up over all input channels $k$, then add the $j$-th
    bias. At one position that is "multiply the window by the filter, element by element, and
    sum". Let us compute one output number by hand:
    """, r"""
    ## 3. 출력 값 하나하나를 만드는 식

    PyTorch 문서는 이 층을 다음 식으로 나타냅니다.

    $$\text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) + \sum_{k=0}^{C_{\text{in}}-1} \text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$$

    이 식은 기본값 `groups=1`일 때의 식이고, 이 절에서도 `groups=1`을 씁니다. `groups`를 쓰면(03강)
    합은 $j$가 속한 그룹 $g = \lfloor j / (C_{\text{out}}/\text{groups}) \rfloor$의 입력 채널
    $C_{\text{in}}/\text{groups}$개에 대해서만 계산합니다.

    $$\text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) + \sum_{k=0}^{C_{\text{in}}/\text{groups}-1} \text{weight}(C_{\text{out}_j}, k) \star \text{input}\big(N_i,\ g \cdot C_{\text{in}}/\text{groups} + k\big)$$

    배치의 $i$번째 이미지와 $j$번째 출력 채널에 대해 풀어 보겠습니다. $j$번째 필터 가운데 입력 채널
    $k$에 해당하는 부분을 입력 채널 $k$ 위에서 한 칸씩 옮기며 계산합니다. 이렇게 얻은 결과를 모든
    입력 채널 $k$에 대해 더하고, 마지막으로 $j$번째 편향(bias)을 더합니다. 창 하나에서 하는 일은
    결국 "창과 필터를 원소끼리 곱해서 모두 더하기"입니다. 출력 값 하나를 손으로 계산해 봅시다.
    """, "seed:formula"),
    code("""
    n, j, r, c = 0, 5, 1, 2                      # «batch item, output channel, output row, output column|배치 번호, 출력 채널, 출력 행, 출력 열»
    window = x[n, :, r:r + 3, c:c + 3]           # «(C_in, 3, 3): everything this output reads|(C_in, 3, 3): 이 출력 값을 계산하는 데 쓰는 입력 전부»
    by_hand = conv.bias[j] + (conv.weight[j] * window).sum()
    print(by_hand.item(), out[n, j, r, c].item())
    assert torch.allclose(by_hand, out[n, j, r, c], atol=1e-6)
    """),
    md(r"""
    And the sum over input channels, written exactly as the formula: one single-channel
    operation $\text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$ per input channel
    $k$, added up, plus the bias.
    """, r"""
    이번에는 입력 채널에 대한 합을 식에 적힌 그대로 계산해 보겠습니다. 입력 채널 $k$마다 채널이
    하나뿐인 연산 $\text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$를 하고, 그 결과를
    모두 더한 뒤 편향을 더합니다.
    """),
    code("""
    per_channel = [F.conv2d(x[:, k:k + 1], conv.weight[j:j + 1, k:k + 1]) for k in range(3)]
    channel_j = conv.bias[j] + sum(per_channel)
    assert torch.allclose(channel_j, out[:, j:j + 1], atol=1e-6)
    print(«f"output channel {j}: the formula matches exactly"|f"출력 채널 {j}: 식과 정확히 일치합니다"»)
    """),
    md_at("l01-formula-groups", r"""
    The same check with `groups=2`: each output channel sums over the 2 input channels of its
    group only, as the second formula says.
    """, r"""
    `groups=2`로도 같은 확인을 해 봅시다. 두 번째 식대로, 출력 채널마다 자기 그룹의 입력 채널 2개에
    대해서만 더합니다.
    """),
    code("""
    grouped = nn.Conv2d(4, 6, 3, groups=2)
    xg = torch.randn(2, 4, 6, 6)
    per_group_in, per_group_out = 4 // 2, 6 // 2         # C_in / groups, C_out / groups
    for j in range(6):
        g = j // per_group_out                           # «the group of output channel j|출력 채널 j가 속한 그룹»
        terms = [F.conv2d(xg[:, g * per_group_in + k:g * per_group_in + k + 1], grouped.weight[j:j + 1, k:k + 1])
                 for k in range(per_group_in)]
        assert torch.allclose(grouped.bias[j] + sum(terms), grouped(xg)[:, j:j + 1], atol=1e-6)
    print(«"groups=2: every output channel matches the formula with the group's channels"|"groups=2: 출력 채널마다 그룹의 채널만 더한 식과 일치합니다"»)
    """, "claim:formula-groups"),
    md(r"""
    ## 4. $\star$ is cross-correlation: the kernel is not flipped

    In mathematics, "convolution" flips the kernel before sliding it. Deep learning libraries
    do not: the $\star$ above is **cross-correlation**, and the top-left weight always meets the
    top-left cell of the window. (Many texts, including the Korean post this course grew from,
    call it "2D convolution"; the name stuck, the flip did not.) A kernel with one non-zero
    tap in its top-left corner shows it:
    """, r"""
    ## 4. $\star$는 교차 상관: 커널을 뒤집지 않습니다

    수학에서 말하는 합성곱은 커널을 뒤집은 뒤에 입력 위로 옮겨 가며 계산합니다. 딥러닝
    라이브러리는 커널을 뒤집지 않습니다. 위 식의 $\star$는 **교차 상관**(cross-correlation)이고,
    커널의 왼쪽 위 가중치는 언제나 창의 왼쪽 위 칸과 곱해집니다. (이 강좌의 바탕이 된 한국어
    블로그 글을 비롯해 많은 글이 이 연산을 "2D 합성곱"이라고 부릅니다. 이름은 남았지만 뒤집기는
    빠졌습니다.) 왼쪽 위 칸 하나만 0이 아닌 커널로 확인해 봅시다.
    """, "seed:cross-correlation"),
    code("""
    image = torch.arange(1.0, 10.0).view(1, 1, 3, 3)      # 1 … 9
    kernel = torch.tensor([[1.0, 0.0], [0.0, 0.0]]).view(1, 1, 2, 2)
    cross = F.conv2d(image, kernel)                      # «what nn.Conv2d computes|nn.Conv2d가 계산하는 것»
    flipped = F.conv2d(image, kernel.flip(-2, -1))       # «convolution in the maths sense|수학에서 말하는 합성곱»
    print(image[0, 0], cross[0, 0], flipped[0, 0], sep="\\n")
    assert torch.equal(cross[0, 0], image[0, 0, :2, :2])     # «each window's top-left: no flip|각 창의 왼쪽 위: 뒤집지 않음»
    assert torch.equal(flipped[0, 0], image[0, 0, 1:, 1:])   # «the flip would read the bottom-right|뒤집으면 오른쪽 아래 값이 나옴»
    """, "pitfall:no-flip"),
    md_at("l01-output-size", r"""
    ## 5. The output size

    Per spatial axis (PyTorch's documentation, with $\lfloor\cdot\rfloor$ rounding down):

    $$H_{out} = \left\lfloor \frac{H_{in} + 2\cdot\text{padding}[0] - \text{dilation}[0]\cdot(\text{kernel\_size}[0]-1) - 1}{\text{stride}[0]} \right\rfloor + 1$$

    and the same for $W_{out}$ with index `[1]`. The numerator counts how far the window can
    move, the division counts the steps of size `stride`, and the $+1$ is the window's first
    position. Lesson 02 takes the formula apart term by term.

    The examples of PyTorch's documentation (also in the Korean post) use one input:
    """, r"""
    ## 5. 출력 크기

    출력의 높이와 너비는 축마다 다음 식으로 계산합니다. PyTorch 문서의 식이고,
    $\lfloor\cdot\rfloor$는 내림(floor)입니다.

    $$H_{out} = \left\lfloor \frac{H_{in} + 2\cdot\text{padding}[0] - \text{dilation}[0]\cdot(\text{kernel\_size}[0]-1) - 1}{\text{stride}[0]} \right\rfloor + 1$$

    $W_{out}$도 같은 식으로 구하되, 인덱스 `[1]`을 씁니다. 분자는 창이 움직일 수 있는 거리입니다. 이
    거리를 `stride`로 나누면 창이 몇 번 옮겨 가는지 나오고, $+1$은 창이 처음 놓이는 자리입니다. 이
    식의 항 하나하나는 02강에서 자세히 살펴봅니다.

    PyTorch 문서의 예제는 모두 같은 입력을 씁니다. 한국어 블로그 글에도 같은 예제가 나옵니다.
    """),
    code("""
    input = torch.randn(20, 16, 50, 100)   # (N, C_in, H, W)
    """, "seed:example-input"),
    md(r"""
    **Square kernel, equal stride:** `nn.Conv2d(16, 33, 3, stride=2)`.

    - $H_{out} = \lfloor (50 + 2\cdot 0 - 1\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 47/2 \rfloor + 1 = 23 + 1 = 24$
    - $W_{out} = \lfloor (100 + 2\cdot 0 - 1\cdot(3-1) - 1) / 2 \rfloor + 1 = \lfloor 97/2 \rfloor + 1 = 48 + 1 = 49$
    """, r"""
    **정사각형 커널, 두 방향에 같은 스트라이드:** `nn.Conv2d(16, 33, 3, stride=2)`.

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
    **직사각형 커널, 방향마다 다른 스트라이드, 패딩 있음:**
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
    **여기에 팽창(dilation)까지 더하면:**
    `nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))`. 높이만 바뀝니다.
    높이가 3인 커널에 높이 방향으로 팽창 3을 주면 $3\cdot(3-1)+1 = 7$행에 걸칩니다.

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
    md_at("l01-weight-shape", """
    ## 6. The weight's shape

    A Conv2d keeps one filter per output channel; each filter covers the input channels it
    reads (all of them when `groups=1`, lesson 03) with a `kernel_size` window. So the weight
    has shape `(out_channels, in_channels / groups, kH, kW)` and the bias `(out_channels,)`:
    """, """
    ## 6. 가중치의 모양

    Conv2d는 출력 채널마다 필터를 하나씩 가집니다. 필터 하나는 자기가 맡은 입력 채널 전체에 걸치고,
    높이와 너비는 `kernel_size`입니다. `groups=1`이면 모든 입력 채널을 맡습니다(03강). 그래서
    가중치의 모양은 `(out_channels, in_channels / groups, kH, kW)`이고, 편향의 모양은
    `(out_channels,)`입니다.
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
    모양을 알면 층이 학습하는 값의 개수도 셀 수 있습니다. 가중치 `20·10·3·5`개와 편향 `20`개입니다.
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

    `kernel_size`, `stride`, `padding`, `dilation`은 모두 정수 하나나 `(높이, 너비)` 튜플을
    받습니다. 정수 하나를 주면 높이와 너비에 같은 값을 씁니다. 어느 쪽으로 주든 PyTorch는 튜플로
    바꿔 저장합니다.
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
    ## 8. 탐색기: 모양

    탐색기는 5절의 두 번째 층에서 시작합니다. 모든 값이 슬라이더 범위에 들어가도록 배치 크기와
    너비만 줄였습니다. **"팽창 (행)"을 3으로 옮기고, 위에서 계산한 대로 $H_{out}$이 28에서 26으로
    바뀌는 것을 보세요. 그다음 "입력 채널 수 (C)"를 `in_channels`와 다른 값으로 바꿔 보세요. 입력의
    채널 수가 가중치와 맞지 않으므로 결과 표시줄에 PyTorch의 오류 메시지가 그대로 나옵니다.**
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
    교차 상관을 구하고, 세 결과를 더한 뒤 필터의 편향을 더하면 출력 채널 하나가 됩니다.
    "살펴볼 필터"를 옮겨 다른 필터의 합을 보고, "출력 채널 (out_channels)"을 늘려 필터를 하나 더해
    보세요.**
    """),
    code("""
    convlab.many_filters_explorer(lang=$LANG, out_channels=2, kernel_size=3)
    """),
    md("""
    ## 9. Exercises
    """, """
    ## 9. 연습 문제
    """),
    exercises({
        "01-output-shape": """
        answer = None   # «a tuple such as (1, 2, 3, 4)|(1, 2, 3, 4) 같은 튜플»
        exercises.check("01-output-shape", answer, lang=$LANG)
        """,
        "01-weight-shape": """
        answer = None   # «a tuple of four ints|정수 네 개로 된 튜플»
        exercises.check("01-weight-shape", answer, lang=$LANG)
        """,
        "01-param-count": """
        answer = None   # «an int|정수»
        exercises.check("01-param-count", answer, lang=$LANG)
        """,
        "01-design-layer": """
        layer = None    # «an nn.Conv2d(...)|nn.Conv2d(...)»
        exercises.check("01-design-layer", layer, lang=$LANG)
        """,
    }),
    md("""
    ## 10. Check yourself

    - A 3×3 convolution learns 10 numbers where a linear layer between the same 28×28 images
      learns more than 600,000: it looks at a small window (locality) and uses the same kernel
      everywhere (weight sharing) ([section 0](#l01-locality)).
    - Shift the input and the feature map shifts too, except where stride, borders or the
      padding mode get in the way ([section 0](#l01-equivariance-breaks)).
    - Every output value is the bias plus the sum over input channels of the window times the
      filter; with `groups` only the channels of the output's group take part
      ([section 3](#l01-formula-groups)).
    - $H_{out} = \\lfloor (H_{in} + 2p - d(k-1) - 1)/s \\rfloor + 1$ per axis
      ([section 5](#l01-output-size)).
    - The weight has shape `(out_channels, in_channels / groups, kH, kW)`
      ([section 6](#l01-weight-shape)).
    """, """
    ## 10. 스스로 확인하기

    - 같은 28×28 이미지 사이에서 완전 연결 층은 60만 개가 넘는 값을 배우지만, 3×3 합성곱은
      10개만 배웁니다. 작은 창만 보고(지역성), 모든 위치에서 같은 커널을 쓰기(가중치 공유)
      때문입니다([0절](#l01-locality)).
    - 입력을 옮기면 특징 맵도 옮겨집니다. 다만 스트라이드, 테두리, 패딩 방식 때문에 깨질 수
      있습니다([0절](#l01-equivariance-breaks)).
    - 출력 값 하나는 편향에, 입력 채널마다 창과 필터를 곱해 더한 값을 모두 더한 것입니다.
      `groups`를 쓰면 출력 채널이 속한 그룹의 채널만 더합니다([3절](#l01-formula-groups)).
    - 축마다 $H_{out} = \\lfloor (H_{in} + 2p - d(k-1) - 1)/s \\rfloor + 1$입니다
      ([5절](#l01-output-size)).
    - 가중치의 모양은 `(out_channels, in_channels / groups, kH, kW)`입니다
      ([6절](#l01-weight-shape)).
    """),
    md("""
    Next: [02 Stride, padding, dilation](02_stride_padding_dilation.ipynb).
    """, """
    다음 강의: [02 스트라이드, 패딩, 팽창](02_stride_padding_dilation.ipynb).
    """),
]
