"""Lesson 08: the backward pass of a convolution is a convolution; nn.ConvTranspose2d, its
arguments and output size, output_padding, upsampling and the checkerboard."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 08. The backward pass and transposed convolution

    Training a network needs, for every layer, the gradient of the loss with respect to the
    layer's input and to its weight. For a convolution both are convolutions again. The one for
    the input runs the convolution's arrows backwards: each output cell sends its gradient back
    to the input cells it was computed from. Run as a layer of its own, that operation is
    `nn.ConvTranspose2d`, the layer that makes a feature map *larger*: the decoder of an
    autoencoder, the upsampling half of U-Net, the generator of a GAN. This lesson derives it
    from the gradient, then goes through all of its arguments, why `output_padding` exists and
    where the checkerboard pattern of upsampled images comes from.
    """, """
    # 08. 역전파와 전치 합성곱

    신경망을 학습시키려면 층마다 손실의 기울기(gradient)를 두 가지 구해야 합니다. 하나는 층의
    입력에 대한 기울기이고, 다른 하나는 가중치에 대한 기울기입니다. 합성곱(convolution)에서는 둘 다
    다시 합성곱입니다. 입력에 대한 기울기는 합성곱의 화살표를 거꾸로 따라갑니다. 출력 칸마다 그 칸을
    계산할 때 쓴 입력 칸으로 기울기를 돌려보냅니다. 이 연산을 따로 떼어 층으로 쓴 것이
    `nn.ConvTranspose2d`, 곧 전치 합성곱(transposed convolution)입니다. 특징 맵을 *키우는* 층이라서
    오토인코더의 디코더, U-Net의 업샘플링 부분, GAN의 생성자에 쓰입니다. 이 강의에서는 먼저 기울기에서
    전치 합성곱을 이끌어 내고, 모든 인자를 차례로 살펴봅니다. 그다음 `output_padding`이 왜 있는지,
    업샘플링한 이미지에 나타나는 바둑판 무늬가 어디서 오는지 알아봅니다.
    """),
    SETUP,
    md_at("l08-grad-input", """
    ## 1. The gradient with respect to the input is a transposed convolution

    Take a strided convolution and some gradient `g` coming back from later layers (the same
    shape as the output). `torch.autograd.grad` gives the gradients of `(y * g).sum()`, which is
    what the backward pass computes. The one for the input equals `F.conv_transpose2d` of `g`
    with **the same weight** and the same `stride` and `padding`. Note the input here is 8×8:
    the convolution maps it to 4×4, and to get back exactly 8 rows and columns the transposed
    convolution needs `output_padding=1` (section 4 says why).
    """, """
    ## 1. 입력에 대한 기울기는 전치 합성곱입니다

    스트라이드가 있는 합성곱 하나와, 뒤쪽 층에서 돌아온 기울기 `g`(출력과 모양이 같습니다)를
    준비합니다. `torch.autograd.grad`로 `(y * g).sum()`의 기울기를 구하면 역전파(backward pass)가
    계산하는 값이 나옵니다. 입력에 대한 기울기는 `g`에 **같은 가중치**와 같은 `stride`, `padding`으로
    `F.conv_transpose2d`를 계산한 값과 같습니다. 여기서 입력은 8×8입니다. 합성곱은 이것을 4×4로
    만들고, 전치 합성곱이 정확히 8행 8열로 되돌리려면 `output_padding=1`이 필요합니다. 이유는 4절에서
    봅니다.
    """),
    code("""
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64, requires_grad=True)
    y = F.conv2d(x, w, stride=2, padding=1)
    g = torch.randn_like(y)                         # «the gradient from later layers|뒤쪽 층에서 돌아온 기울기»
    grad_x, grad_w = torch.autograd.grad(y, (x, w), g)
    print(«"output:"|"출력:"», tuple(y.shape), «" gradient of the input:"|" 입력에 대한 기울기:"», tuple(grad_x.shape))

    by_transpose = F.conv_transpose2d(g, w, stride=2, padding=1, output_padding=1)
    print(«"largest difference from F.conv_transpose2d:"|"F.conv_transpose2d와의 최대 차이:"», float((grad_x - by_transpose).abs().max()))
    assert torch.allclose(grad_x, by_transpose)
    """, "claim:grad-input"),
    md_at("l08-grad-weight", """
    The gradient with respect to the weight is a convolution too: the **input** correlated with
    the **output gradient**. Weight tap `(ky, kx)` multiplied input cell
    `(oy·stride + ky, ox·stride + kx)` for every output cell `(oy, ox)`, so its gradient adds
    `g[oy, ox]·x[oy·stride + ky, ox·stride + kx]` over all output cells and samples. That is
    `F.conv2d` with the input's channels as the batch, the samples as the channels, `g` as the
    kernel, and the forward stride as the **dilation**; the few extra rows that the forward
    floor dropped are cut off at the end.
    """, """
    가중치에 대한 기울기도 합성곱입니다. **입력**과 **출력의 기울기** 사이의 교차 상관(cross-correlation)입니다. 커널 칸
    `(ky, kx)`는 출력 칸 `(oy, ox)`마다 입력 칸 `(oy·stride + ky, ox·stride + kx)`에 곱해졌습니다.
    그래서 이 커널 칸의 기울기는 모든 출력 칸과 샘플에 걸쳐 `g[oy, ox]·x[oy·stride + ky, ox·stride + kx]`를
    더한 값입니다. 이것은 입력의 채널을 배치로, 샘플을 채널로, `g`를 커널로 두고 순전파의 스트라이드를
    **팽창**(dilation)으로 쓴 `F.conv2d`입니다. 순전파에서 내림 때문에 버려진 입력 행이 있으면 결과에
    행이 몇 개 더 생기는데, 이것은 마지막에 잘라 냅니다.
    """),
    code("""
    by_conv = F.conv2d(x.transpose(0, 1), g.transpose(0, 1), padding=1, dilation=2)
    by_conv = by_conv.transpose(0, 1)[..., :3, :3]   # «(out, in, kH, kW); cut what the floor dropped|(out, in, kH, kW)로 바꾸고 내림으로 버려진 부분을 자름»
    print(«"largest difference from F.conv2d:"|"F.conv2d와의 최대 차이:"», float((grad_w - by_conv).abs().max()))
    assert torch.allclose(grad_w, by_conv)
    """, "claim:grad-weight"),
    md("""
    convlab's naive implementation from lesson 06 computes its gradients with plain loops that
    send each output cell's gradient back along the products of the forward pass. Its source is
    short; the two lines that matter add `w·g` to the input cell and `x·g` to the weight tap:
    """, """
    06강의 단순 구현은 기울기를 반복문만으로 구합니다. 출력 칸마다 그 기울기를 순전파의 곱셈을
    따라 거꾸로 보냅니다. 코드는 짧습니다. 핵심은 입력 칸에 `w·g`를, 커널 칸에 `x·g`를 더하는 두 줄입니다.
    """),
    code("""
    convlab.show_source(convlab.conv.naive_backward.backward_loops)
    """),
    md("""
    Its gradients, the transposed convolution and the convolution above give the same numbers:
    """, """
    이 반복문으로 구한 기울기는 위에서 전치 합성곱과 합성곱으로 구한 값과 같습니다.
    """),
    code("""
    loops_x, loops_w = torch.autograd.grad(convlab.conv2d_naive(x, w, stride=2, padding=1), (x, w), g)
    assert torch.allclose(loops_x, by_transpose) and torch.allclose(loops_w, by_conv)
    print(«"naive loops = F.conv_transpose2d (input) and F.conv2d (weight)"|"단순 구현의 반복문 = F.conv_transpose2d(입력), F.conv2d(가중치)"»)
    """),
    md_at("l08-matrix", """
    ## 2. Why "transposed"

    A convolution is linear in its input, so it is a matrix `M` times the flattened input. The
    gradient of a linear map `y = M x` with respect to `x` is `Mᵀ g`, and `F.conv_transpose2d`
    multiplies by exactly that transposed matrix. Below, `M` is built one column at a time (the
    convolution of each one-hot input) for a 4×4 input, a 3×3 kernel and stride 1: a 4×16
    matrix. Multiplying a 2×2 map by `Mᵀ` gives a 4×4 map, the same as `F.conv_transpose2d`.
    That is also why "deconvolution", a name still used for this layer, is misleading: it
    multiplies by the transpose, it does not invert the convolution.
    """, """
    ## 2. 왜 "전치"일까요

    합성곱은 입력에 대해 선형이므로, 펼친 입력에 행렬 `M`을 곱한 것과 같습니다. 선형 변환
    `y = M x`에서 `x`에 대한 기울기는 `Mᵀ g`이고, `F.conv_transpose2d`가 곱하는 것이 바로 이 전치
    행렬입니다. 아래에서는 4×4 입력, 3×3 커널, 스트라이드 1일 때 `M`을 한 열씩 만듭니다. 한 칸만 1인
    입력마다 합성곱을 계산하면 그것이 한 열이 됩니다. 결과는 4×16 행렬입니다. 2×2 맵에 `Mᵀ`를 곱하면
    4×4 맵이 되고, 이것은 `F.conv_transpose2d`의 결과와 같습니다. 이 층을 아직도 역합성곱(deconvolution)이라고
    부르기도 하는데, 오해를 부르는 이름입니다. 이 층은 전치 행렬을 곱할 뿐, 합성곱을 되돌리지는
    않습니다.
    """),
    code("""
    kernel = torch.randn(1, 1, 3, 3, dtype=torch.float64)
    columns = [F.conv2d(one_hot.view(1, 1, 4, 4), kernel).flatten() for one_hot in torch.eye(16, dtype=torch.float64)]
    M = torch.stack(columns, dim=1)
    print(«"M:"|"M:"», tuple(M.shape))
    small = torch.randn(1, 1, 2, 2, dtype=torch.float64)
    assert torch.allclose((M.T @ small.flatten()).view(4, 4), F.conv_transpose2d(small, kernel)[0, 0])
    inverse_attempt = F.conv_transpose2d(F.conv2d(torch.ones(1, 1, 4, 4, dtype=torch.float64), kernel), kernel)
    print(«"transposing is not undoing:"|"전치는 되돌리기가 아닙니다:"», not torch.allclose(inverse_attempt, torch.ones(1, 1, 4, 4, dtype=torch.float64)))
    """),
    md_at("l08-formula", """
    ## 3. `nn.ConvTranspose2d`: its arguments and its output size

    `nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros')` reads like
    `nn.Conv2d`, and each argument means what it means for the convolution **whose gradient
    this layer is**:

    | argument | in the transposed layer |
    |---|---|
    | `stride` | input cell `(i, j)` writes its copy of the kernel from `(i·stride, j·stride)` on: the output grows |
    | `padding` | cells cut from **each side** of the result (the convolution's padding, undone) |
    | `output_padding` | extra rows/columns kept at the bottom/right; must be smaller than `stride` or `dilation` |
    | `dilation` | gaps between the taps of each copy, as in `Conv2d` |
    | `groups` | input channels split into groups, each with its own kernels |
    | `padding_mode` | only `'zeros'`; any other raises `ValueError` |

    The weight has the shape `(in_channels, out_channels/groups, kH, kW)`: input channels
    first, the reverse of `Conv2d`, because each input channel owns the kernels it scatters.
    Per axis the output size is

    $$H_{out} = (H_{in} - 1)\\cdot\\text{stride} - 2\\cdot\\text{padding} + \\text{dilation}\\cdot(\\text{kernel\\_size} - 1) + \\text{output\\_padding} + 1$$

    that is, where the last input row's copy ends, minus the padding cut from both sides, plus
    `output_padding`. `convlab.transposed_output_size` is this formula; the cell checks it on
    layers of every kind against PyTorch.
    """, """
    ## 3. `nn.ConvTranspose2d`: 인자와 출력 크기

    `nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros')`는 `nn.Conv2d`와 비슷해
    보입니다. 각 인자의 뜻은 **이 층이 기울기를 계산해 주는 합성곱**에서의 뜻을 따릅니다.

    | 인자 | 전치 합성곱에서의 뜻 |
    |---|---|
    | `stride` | 입력 칸 `(i, j)`는 `(i·stride, j·stride)`부터 커널 사본을 더함: 출력이 커짐 |
    | `padding` | 결과의 **양쪽에서** 잘라 내는 칸 수(합성곱의 패딩을 되돌림) |
    | `output_padding` | 아래쪽과 오른쪽에 더 남기는 행과 열, `stride`나 `dilation`보다 작아야 함 |
    | `dilation` | 사본마다 커널 칸 사이의 간격, `Conv2d`와 같음 |
    | `groups` | 입력 채널을 그룹으로 나누고, 그룹마다 따로 커널을 씀 |
    | `padding_mode` | `'zeros'`만 됨, 다른 값은 `ValueError` |

    가중치의 모양은 `(in_channels, out_channels/groups, kH, kW)`입니다. `Conv2d`와 반대로 입력
    채널이 먼저 옵니다. 입력 채널마다 흩뿌릴 커널을 따로 가지기 때문입니다. 출력 크기는 축마다
    다음과 같습니다.

    $$H_{out} = (H_{in} - 1)\\cdot\\text{stride} - 2\\cdot\\text{padding} + \\text{dilation}\\cdot(\\text{kernel\\_size} - 1) + \\text{output\\_padding} + 1$$

    곧 마지막 입력 행의 사본이 끝나는 곳에서 양쪽의 패딩을 빼고 `output_padding`을 더한 값입니다.
    `convlab.transposed_output_size`가 이 식을 계산합니다. 아래 셀은 여러 종류의 층에서 이 식의 값을
    PyTorch가 낸 출력 크기와 비교합니다.
    """),
    code("""
    layers = [nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1),
              nn.ConvTranspose2d(16, 8, (3, 5), stride=(2, 1), padding=(1, 2), output_padding=(1, 0)),
              nn.ConvTranspose2d(16, 8, 3, stride=3, dilation=2, output_padding=2, groups=4)]
    x = torch.randn(1, 16, 5, 7)
    for layer in layers:
        out = layer(x)
        formula = tuple(convlab.transposed_output_size(size, k, s, p, op, d) for size, k, s, p, op, d in
                        zip(x.shape[2:], layer.kernel_size, layer.stride, layer.padding, layer.output_padding, layer.dilation))
        print(f"{tuple(out.shape[2:])}  «weight|가중치» {tuple(layer.weight.shape)}")
        assert tuple(out.shape[2:]) == formula
        assert layer.weight.shape == (16, 8 // layer.groups, *layer.kernel_size)
    try:
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    except ValueError as error:
        print("padding_mode='reflect':", error)
    """, "claim:formula"),
    md_at("l08-output-padding", """
    ## 4. Why `output_padding` exists

    A strided convolution floors its output size, so several input sizes give the same output:
    with `kernel_size=3, stride=2, padding=1`, both 7 and 8 rows become 4. Run backwards from 4
    rows, the transposed layer cannot know which one you started from. By default it gives the
    smallest, 7; `output_padding=1` gives 8. It adds at most `stride − 1` rows (or
    `dilation − 1`), which is why PyTorch rejects anything larger. The layer's forward also
    takes `output_size=`, which picks `output_padding` for you.
    """, """
    ## 4. `output_padding`은 왜 있을까요

    스트라이드가 있는 합성곱은 출력 크기를 내림으로 구하므로, 서로 다른 입력 크기가 같은 출력
    크기가 될 수 있습니다. `kernel_size=3, stride=2, padding=1`이면 7행도 8행도 4행이 됩니다. 4행에서
    거꾸로 계산하는 전치 합성곱은 원래 크기가 어느 쪽이었는지 알 수 없습니다. 따로 정하지 않으면 가장
    작은 7을 내고, `output_padding=1`이면 8을 냅니다. 더할 수 있는 행은 많아야 `stride − 1`개(또는
    `dilation − 1`개)입니다. 그래서 PyTorch는 그보다 큰 값에 오류를 냅니다. 층을 호출할 때
    `output_size=`를 주면 `output_padding`을 알아서 골라 줍니다.
    """),
    code("""
    down = nn.Conv2d(1, 1, 3, stride=2, padding=1)
    for size in (7, 8):
        print(f"Conv2d: {size} -> {down(torch.zeros(1, 1, size, size)).shape[-1]}")
    for output_padding in (0, 1):
        up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=output_padding)
        print(f"ConvTranspose2d, output_padding={output_padding}: 4 -> {up(torch.zeros(1, 1, 4, 4)).shape[-1]}")
    up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    print("output_size=(8, 8):", tuple(up(torch.zeros(1, 1, 4, 4), output_size=(8, 8)).shape))
    """, "claim:output-padding"),
    md("""
    `output_padding` equal to the stride (and not smaller than the dilation) is an error; this
    cell fails **on purpose** to show PyTorch's message:
    """, """
    `output_padding`이 스트라이드와 같고 팽창보다 작지도 않으면 오류입니다. 다음 셀은 PyTorch의
    메시지를 보여 주려고 **일부러** 실패합니다.
    """),
    code("""
    nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)(torch.zeros(1, 1, 4, 4))
    """, "raises-exception"),
    md_at("l08-checkerboard", """
    ## 5. Upsampling and the checkerboard

    With `stride=2` every input cell writes a copy of the kernel two cells further on, so the
    output is about twice as large: that is how decoders and generators upsample. But with a
    3×3 kernel the copies overlap unevenly. Along one axis an even position is covered by two
    copies and an odd one by one; in 2-D cells get 4, 2 or 1 contributions in a checkerboard
    pattern, even for a perfectly flat input. A 4×4 kernel at stride 2 covers every interior
    cell equally (kernel size divisible by the stride), so only the border differs. This is
    the "checkerboard artefact" of Odena, Dumoulin and Olah (Distill, 2016); their remedy is to
    resize first (`nn.Upsample`) and then apply an ordinary convolution.
    """, """
    ## 5. 업샘플링과 바둑판 무늬

    `stride=2`이면 입력 칸마다 커널 사본을 두 칸씩 떨어진 곳에 더하므로, 출력이 두 배쯤 커집니다.
    디코더와 생성자는 이렇게 업샘플링합니다. 그런데 3×3 커널이면 사본이 고르게 겹치지 않습니다. 한
    축에서 짝수 위치는 사본 두 개가, 홀수 위치는 하나가 덮습니다. 2차원에서는 칸마다 4개, 2개, 1개가
    겹쳐 바둑판 무늬가 생깁니다. 입력이 완전히 평평해도 그렇습니다. 4×4 커널에 스트라이드 2이면
    커널 크기가 스트라이드로 나누어떨어지므로, 안쪽 칸은 모두 똑같이 덮이고 가장자리만 다릅니다.
    이것이 Odena, Dumoulin, Olah가 Distill(2016)에서 설명한 바둑판 무늬 문제(checkerboard artifact)입니다.
    이들이 제안한 해결책은 먼저 크기를 키우고(`nn.Upsample`) 그다음 일반 합성곱을 적용하는 것입니다.
    """),
    code("""
    def overlaps(kernel_size, stride=2, n=6):
        \"\"\"«How many kernel copies land on each output cell: all-ones input and weight.|출력 칸마다 겹치는 커널 사본의 수: 입력과 가중치가 모두 1일 때»\"\"\"
        up = nn.ConvTranspose2d(1, 1, kernel_size, stride=stride, bias=False)
        nn.init.ones_(up.weight)
        with torch.no_grad():
            return up(torch.ones(1, 1, n, n))[0, 0]

    three, four = overlaps(3), overlaps(4)
    print(«"kernel 3, rows 4 to 7, columns 4 to 7:"|"커널 3, 4~7행, 4~7열:"»)
    print(three[4:8, 4:8].int())
    print(«"kernel 3, values inside:"|"커널 3, 안쪽의 값:"», sorted(set(three[2:-2, 2:-2].int().flatten().tolist())),
          «" kernel 4, values inside:"|" 커널 4, 안쪽의 값:"», sorted(set(four[2:-2, 2:-2].int().flatten().tolist())))

    with plt.rc_context(convlab.korean_rc()):      # «Korean titles draw in every language|한글 제목도 제대로 그려지게 합니다»
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), layout="constrained")
        for ax, counts, title in zip(axes, (three, four), («"kernel 3, stride 2"|"커널 3, 스트라이드 2"», «"kernel 4, stride 2"|"커널 4, 스트라이드 2"»)):
            image = ax.imshow(counts, cmap="Greens", vmin=0, vmax=4)
            ax.set_title(title)
            ax.set_axis_off()
        fig.colorbar(image, ax=axes, label=«"kernel copies on the cell"|"칸에 겹친 커널 사본의 수"»)
        plt.show()
    """, "claim:checkerboard"),
    md("""
    ## 6. Explorer: each input cell scatters a kernel

    The explorer draws the input (blue), the kernel (orange), the full output before `padding`
    cuts it (grey cells are cut away) and the output `nn.ConvTranspose2d` computes (green).
    **Press Play: each input cell adds its value times the kernel, from row `i·stride`, column
    `j·stride` on. Set the kernel to 4×4 and the checkerboard of section 5 disappears; set
    `padding` to 1 and watch a ring of cells get cut. Move "output padding (rows)" to 2 while the
    stride is 2: PyTorch's error appears. Then raise "dilation (rows)" to 3 and it is accepted.**
    The readout names the `nn.Conv2d` whose input gradient this is and checks it with
    `autograd`. In JupyterLab, hover over an input cell to light up every output cell it adds
    to.
    """, """
    ## 6. 탐색기: 입력 칸마다 커널을 흩뿌립니다

    탐색기는 입력(파랑), 커널(주황), `padding`으로 잘라 내기 전의 전체 출력(회색 칸은 잘려 나가는 칸),
    `nn.ConvTranspose2d`가 계산한 출력(초록)을 그립니다. **재생 버튼을 누르세요. 입력 칸마다 커널에
    그 값을 곱해 `i·stride` 행, `j·stride` 열부터 더합니다. 커널을 4×4로 바꾸면 5절의 바둑판 무늬가
    사라집니다. `padding`을 1로 하면 바깥쪽 칸이 한 겹 잘려 나갑니다. 스트라이드가 2일 때
    "출력 패딩 (행)"을 2로 옮기면 PyTorch의 오류가 나타납니다. 그다음 "팽창 (행)"을 3으로 올리면
    오류가 사라집니다.** 결과 표시줄은 이 층이 어떤 `nn.Conv2d`의 입력 기울기인지 보여 주고, `autograd`로
    확인합니다.
    JupyterLab에서 입력 칸을 가리키면, 그 칸의 값이 더해지는 출력 칸이 모두 밝게 표시됩니다.
    """),
    code("""
    convlab.transposed_explorer(lang=$LANG)
    """),
    md_at("l08-convlab", """
    ## 7. convlab's transposed convolutions

    convlab has both versions, with `F.conv_transpose2d`'s arguments, results and error
    messages. `conv_transpose2d_naive` is the explorer's loop: one slice-add per input cell,
    the stride where the copy starts and the dilation as the step between its taps.
    `conv_transpose2d_vectorized` computes all scaled kernels with one matrix product and adds
    the overlapping copies with `F.fold`, the reverse of the `F.unfold` of lesson 06. Both are
    built from differentiable PyTorch operations, so PyTorch's autograd gives them gradients of
    every order with no backward pass written by hand.
    """, """
    ## 7. convlab의 전치 합성곱

    convlab에는 두 가지 구현이 있고, 둘 다 `F.conv_transpose2d`와 인자, 결과, 오류 메시지가
    같습니다. `conv_transpose2d_naive`는 탐색기의 반복문 그대로입니다. 입력 칸마다 출력의 슬라이스
    하나에 한 번씩 더합니다. 사본이 시작하는 위치는 스트라이드가, 커널 칸 사이의 간격은 팽창이 정합니다.
    `conv_transpose2d_vectorized`는 값을 곱한 커널을 행렬 곱 한 번으로 모두 구하고, 겹치는 사본을
    `F.fold`로 더합니다. `F.fold`는 06강의 `F.unfold`를 거꾸로 하는 연산입니다. 둘 다 미분할 수 있는
    PyTorch 연산으로만 만들었으므로, 역전파를 직접 작성하지 않아도 PyTorch의 `autograd`가 몇 차
    기울기든 구해 줍니다.
    """),
    code("""
    convlab.show_source(convlab.conv_transpose2d_naive)
    """),
    code("""
    x = torch.randn(2, 4, 3, 5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 3, 3, 2, dtype=torch.float64, requires_grad=True)
    args = dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2))
    reference = F.conv_transpose2d(x, w, **args)
    reference_grads = torch.autograd.grad(reference.sum(), (x, w))
    for implementation in (convlab.conv_transpose2d_naive, convlab.conv_transpose2d_vectorized):
        out = implementation(x, w, **args)
        assert torch.allclose(out, reference)
        assert all(torch.allclose(a, b) for a, b in zip(torch.autograd.grad(out.sum(), (x, w)), reference_grads))
        print(implementation.__name__, tuple(out.shape), «"= F.conv_transpose2d, gradients too"|"= F.conv_transpose2d, 기울기도 같음"»)
    for fn in (F.conv_transpose2d, convlab.conv_transpose2d_vectorized):
        try:
            fn(x, w, stride=2, output_padding=2, groups=2)
        except RuntimeError as error:
            print(f"{fn.__name__}: {error}")
    """),
    md("""
    ## 8. Exercises
    """, """
    ## 8. 연습 문제
    """),
    exercises({
        "08-output-size": """
        answer = None   # «an int|정수»
        exercises.check("08-output-size", answer, lang=$LANG)
        """,
        "08-output-padding": """
        answer = None   # «an int|정수»
        exercises.check("08-output-padding", answer, lang=$LANG)
        """,
        "08-weight-shape": """
        answer = None   # «a tuple of 4 ints|정수 4개의 튜플»
        exercises.check("08-weight-shape", answer, lang=$LANG)
        """,
        "08-checkerboard": """
        answer = None   # «an int|정수»
        exercises.check("08-checkerboard", answer, lang=$LANG)
        """,
        "08-undo-size": """
        layer = None   # «nn.ConvTranspose2d(...)|nn.ConvTranspose2d(...)»
        exercises.check("08-undo-size", layer, lang=$LANG)
        """,
    }),
    md("""
    ## 9. Check yourself

    - The gradient of a convolution with respect to its input is `F.conv_transpose2d` of the
      output gradient with the same weight ([section 1](#l08-grad-input)); with respect to the
      weight it is a convolution of the input with the output gradient
      ([section 1](#l08-grad-weight)).
    - "Transposed" means multiplying by the transpose of the convolution's matrix, not
      inverting it ([section 2](#l08-matrix)).
    - $H_{out} = (H_{in} - 1)\\cdot\\text{stride} - 2\\cdot\\text{padding} + \\text{dilation}\\cdot(k - 1) + \\text{output\\_padding} + 1$,
      and the weight is `(in, out/groups, kH, kW)` ([section 3](#l08-formula)).
    - `output_padding` picks one of the input sizes a strided convolution maps to the same
      size; it must be smaller than the stride or the dilation ([section 4](#l08-output-padding)).
    - Kernel 3 at stride 2 overlaps unevenly: a checkerboard; kernel 4 at stride 2 does not
      ([section 5](#l08-checkerboard)).
    """, """
    ## 9. 스스로 확인하기

    - 합성곱의 입력에 대한 기울기는 출력의 기울기에 같은 가중치로 `F.conv_transpose2d`를 계산한
      값입니다([1절](#l08-grad-input)). 가중치에 대한 기울기는 입력과 출력의 기울기 사이의
      합성곱입니다([1절](#l08-grad-weight)).
    - "전치"는 합성곱 행렬의 전치 행렬을 곱한다는 뜻이지, 합성곱을 되돌린다는 뜻이 아닙니다
      ([2절](#l08-matrix)).
    - $H_{out} = (H_{in} - 1)\\cdot\\text{stride} - 2\\cdot\\text{padding} + \\text{dilation}\\cdot(k - 1) + \\text{output\\_padding} + 1$이고,
      가중치의 모양은 `(in, out/groups, kH, kW)`입니다([3절](#l08-formula)).
    - `output_padding`은 스트라이드 때문에 같은 크기가 되는 입력 크기 가운데 하나를 고릅니다.
      스트라이드나 팽창보다 작아야 합니다([4절](#l08-output-padding)).
    - 커널 3에 스트라이드 2이면 사본이 고르지 않게 겹쳐 바둑판 무늬가 생기고, 커널 4에 스트라이드
      2이면 생기지 않습니다([5절](#l08-checkerboard)).
    """),
    md("""
    Next: [09 Receptive fields and pooling](09_receptive_fields_and_pooling.ipynb).
    """, """
    다음 강의: [09 수용 영역과 풀링](09_receptive_fields_and_pooling.ipynb).
    """),
]
