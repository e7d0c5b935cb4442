"""Lesson 06: convlab's naive and vectorized Conv2d, checked against F.conv2d; gradients; timing."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 06. Conv2d from scratch

    Two implementations of the whole layer, with every argument of lessons 01–05: a **naive
    implementation** that is the formula written as loops, and a **vectorized implementation**
    that turns the convolution into one matrix product (im2col). Both live in convlab; here you
    read their real source, check them against `F.conv2d` over many argument combinations,
    differentiate through the vectorized one, and time all three.
    """, """
    # 06. Conv2d 직접 구현하기

    01–05강에서 본 모든 인자를 지원하는 `Conv2d` 층을 두 가지 방법으로 구현합니다. 하나는 식을
    그대로 반복문으로 옮긴 **단순 구현**(naive implementation)입니다. 다른 하나는
    합성곱(convolution)을 행렬 곱 한 번으로 바꾸는(im2col)
    **벡터화 구현**(vectorized implementation)입니다. 두 구현 모두 convlab에 들어 있습니다. 이
    강의에서는 실제 소스 코드를 살펴보고, 여러 인자 조합에서 결과를 `F.conv2d`와 비교합니다. 그리고
    벡터화 구현으로 기울기(gradient)를 구하고, `F.conv2d`까지 셋의 실행 시간을 잽니다.
    """),
    SETUP,
    md(r"""
    ## 1. The naive implementation, beside the formula

    $$\text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) + \sum_{k} \text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$$

    Read the loops of `conv2d_naive` against it: `n` is $N_i$, `j` is $C_{\text{out}_j}$,
    `oy, ox` walk over the output positions, `k` is the sum over input channels (only those of
    `j`'s group, lesson 03), and `ky, kx` are the taps of $\star$. The window of output
    `(oy, ox)` starts at row `oy * stride` and its taps are `dilation` apart (lesson 02);
    padding is looked up in `rows` and `cols`, which map each row and column of the padded input
    to the real input (`None` marks a zero-padding cell).
    """, r"""
    ## 1. 식과 나란히 보는 단순 구현

    $$\text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) + \sum_{k} \text{weight}(C_{\text{out}_j}, k) \star \text{input}(N_i, k)$$

    `conv2d_naive`의 반복문을 이 식과 나란히 놓고 보세요. `n`은 $N_i$이고, `j`는
    $C_{\text{out}_j}$입니다. `oy, ox`는 출력 위치를 차례로 가리킵니다. `k`는 입력 채널에 대한 합을
    맡는데, `j`가 속한 그룹의 채널만 더합니다(03강). `ky, kx`는 $\star$에 쓰이는 커널의 칸을 차례로
    가리킵니다. 출력 `(oy, ox)`의 창은 입력의 `oy * stride`번 행에서 시작하고, 커널의 칸들은
    `dilation`만큼씩 떨어져 놓입니다(02강). 패딩은 `rows`와 `cols` 목록으로 처리합니다. 이 목록은
    패딩한 입력의 각 행과 열이 실제 입력의 어디에 해당하는지 담고 있고, `None`은 제로 패딩 칸을
    뜻합니다.
    """),
    code("""
    convlab.show_source(convlab.conv2d_naive)
    """),
    md_at("l06-check", """
    ## 2. Checked against PyTorch, never against itself

    Lesson 02 showed a loop bug that agrees with itself perfectly. So the reference here is
    PyTorch: `nn.Conv2d` with the same weights (it also knows `padding_mode`). The function below
    runs an implementation over every combination of kernel size, stride, padding (including
    `'same'`), dilation, groups and padding mode, on small random tensors.
    """, """
    ## 2. 기준은 언제나 PyTorch

    02강에서 본 반복문 버그는 같은 코드로 구한 답과 비교하는 한 언제나 맞아 보입니다. 그래서
    여기서는 PyTorch를 기준으로 삼습니다. 같은 가중치를 넣은 `nn.Conv2d`입니다(`padding_mode`도
    지원합니다). 아래 함수는 커널 크기, `stride`, `padding`(`'same'` 포함), `dilation`, `groups`,
    `padding_mode`의 모든 조합에 대해, 작은 무작위 텐서로 구현을 실행하고 그 결과를 PyTorch와
    비교합니다.
    """),
    code("""
    import itertools
    import warnings

    def pytorch_reference(x, weight, bias, **args):
        layer = nn.Conv2d(x.shape[1], weight.shape[0], tuple(weight.shape[-2:]), bias=bias is not None, **args)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")     # «PyTorch's note on 'same' with an even kernel (lesson 02)|짝수 커널로 'same'을 쓸 때 PyTorch가 내는 경고 (02강)»
            layer.weight.copy_(weight)
            if bias is not None:
                layer.bias.copy_(bias)
            return layer(x)

    def check_against_pytorch(conv2d, size=(6, 7)):
        cases = 0
        for kernel, stride, padding, dilation, groups, mode in itertools.product(
                [(3, 2), (1, 1)], [1, 2, (2, 1)], [0, 1, (2, 0), "same"], [1, 2], [1, 2, 4],
                ["zeros", "reflect", "replicate", "circular"]):
            if padding == "same" and stride != 1:
                continue                               # «PyTorch rejects it (lesson 02)|PyTorch가 받아들이지 않음 (02강)»
            args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=mode)
            x = torch.randn(2, 4, *size)
            weight = torch.randn(8, 4 // groups, *kernel)
            bias = torch.randn(8)
            assert torch.allclose(conv2d(x, weight, bias, **args), pytorch_reference(x, weight, bias, **args), atol=1e-4), args
            cases += 1
        return cases

    n = check_against_pytorch(convlab.conv2d_naive)
    print(«f"{n} combinations agree with nn.Conv2d"|f"조합 {n}개가 nn.Conv2d와 일치합니다"»)
    """),
    md_at("l06-im2col", """
    ## 3. The vectorized implementation: im2col

    Loops in Python are slow. The trick is **im2col** ("image to columns"): copy every window of
    the (padded) input into one column of a matrix. `F.unfold` does that: for a 4×4 input and a
    2×2 kernel there are 3·3 = 9 windows of 1·2·2 = 4 values each.
    """, """
    ## 3. 벡터화 구현: im2col

    Python 반복문은 느립니다. 이 문제를 푸는 요령이 **im2col**, 곧 이미지를 열로 펼치는 기법입니다.
    (패딩한) 입력에서 창을 하나씩 꺼내 행렬의 열 하나로 복사합니다. `F.unfold`가 바로 이 일을
    합니다. 4×4 입력에 2×2 커널이면 값 1·2·2 = 4개를 담은 창이 3·3 = 9개 나옵니다.
    """),
    code("""
    x = torch.arange(16.0).view(1, 1, 4, 4)
    columns = F.unfold(x, kernel_size=2)
    print(tuple(columns.shape))
    print(columns[0])
    assert columns.shape == (1, 1 * 2 * 2, 3 * 3)
    assert torch.equal(columns[0, :, 0], x[0, 0, :2, :2].flatten())     # «column 0 = the first window|0번 열 = 첫 번째 창»
    """),
    md("""
    Now every output value is one row of the weight (a flattened filter) times one column: the
    whole convolution is a single matrix product `weight (C_out, C_in·kH·kW) @ columns`.
    """, """
    이제 출력 값 하나는 가중치의 행 하나와 `columns`의 열 하나의 내적입니다. 가중치의 행 하나는 필터
    하나를 펼친 것입니다. 그래서 합성곱 전체가 행렬 곱 한 번,
    `weight (C_out, C_in·kH·kW) @ columns`가 됩니다.
    """),
    code("""
    w = torch.randn(3, 1, 2, 2)
    out = (w.view(3, -1) @ columns).view(1, 3, 3, 3)
    assert torch.allclose(out, F.conv2d(x, w), atol=1e-5)
    """),
    md("""
    convlab's `conv2d_vectorized` is this idea, made to work for every argument and to stay fast
    on large inputs. First the dispatcher: it checks the arguments and pads the input (any
    `padding_mode`), then sends two special shapes to cheaper routes with the same values — a
    1×1 kernel (lesson 05) is a plain matrix product, and a depthwise convolution (lesson 03) is
    a sum over the kernel's taps — and everything else to im2col.
    """, """
    convlab의 `conv2d_vectorized`는 이 아이디어를 다듬어 모든 인자에서 동작하고 큰 입력에서도 빠르게
    만든 것입니다. 먼저 계산 경로를 고르는 함수를 봅시다. 이 함수는 인자를 검사하고 입력을
    패딩합니다. 패딩 방식은 `padding_mode`의 어느 값이든 됩니다. 그다음 특별한 경우 두 가지는 결과
    값은 같으면서 계산이 더 적은 경로로 보냅니다. 1×1 커널(05강)은 평범한 행렬 곱으로 충분하고,
    깊이별 합성곱(depthwise convolution)은 커널 칸마다 곱한 값을 더하기만 하면 됩니다(03강).
    나머지는 모두 im2col로 계산합니다.
    """),
    code("""
    convlab.show_source(convlab.conv2d_vectorized)
    """),
    md("""
    The im2col route builds exactly `unfold`'s column matrix and adds two choices that change no
    value (the last two items refine the second):

    - the windows are a *view* of the input made with `as_strided`: nothing is copied yet;
    - the copy is done one **tile** of output positions at a time, into one reused buffer of a
      few megabytes, so a big input never needs a `kH·kW`-times copy of itself; each tile's
      product (`torch.bmm`, one matrix per sample and group) is written straight into its place
      in the output, and the bias is added at the end;
    - but when a tile would give the product fewer matrices than the processor has threads (one
      sample, or samples so large that one fills the buffer), the forward pass cuts each
      sample's output rows into equal pieces instead and multiplies the pieces as separate
      matrices (`forward_pieces`): every thread then multiplies whole matrices of its own,
      which is faster than splitting one matrix between threads when it has few rows (few
      output channels). For the same reason a tile holds a number of samples the threads can
      share evenly: with two threads, two samples a tile rather than three;
    - and the opposite case, many output channels on a small map (the last layers of a ResNet:
      512 channels on a 7×7 map, 49 positions): a product per sample would be a thin matrix of
      49 columns, so the tile's samples are laid side by side as the columns of one product per
      group (`samples_inside`), and its result is copied into place.

    The view first, checked against `F.unfold` on the 4×4 example:
    """, """
    im2col 경로는 `unfold`와 똑같은 열 행렬을 만듭니다. 여기에 결과 값에는 영향을 주지 않는 구현상의
    선택 두 가지를 더했습니다. 목록의 마지막 두 항목은 두 번째 선택을 보완하는 내용입니다.

    - 창들은 `as_strided`로 만든 입력의 *뷰*입니다. 뷰는 같은 메모리를 다른 모양으로 보는 텐서라서,
      이 단계에서는 아무것도 복사하지 않습니다.
    - 복사는 출력 위치를 **타일**로 나누어 한 타일씩 합니다. 몇 메가바이트짜리 버퍼 하나를 계속 다시
      쓰기 때문에, 큰 입력이라도 입력 전체를 `kH·kW`배로 복사할 필요가 없습니다. 타일마다 구한 행렬
      곱(`torch.bmm`, 샘플과 그룹마다 행렬 하나)은 출력의 제자리에 바로 저장하고, 편향은 마지막에
      더합니다.
    - 다만 샘플이 하나뿐이거나 샘플이 커서 하나만으로도 버퍼가 가득 차면, 타일 하나의 행렬 곱에
      들어가는 행렬 수가 프로세서의 스레드 수보다 적어집니다. 이때 순전파는 타일 대신, 샘플마다
      출력 맵을 행 수가 같은 조각으로 나누고, 조각 하나하나를 별개의 행렬로 삼아
      곱합니다(`forward_pieces`). 그러면 각 스레드가 자기 몫의 행렬을 통째로 맡아 곱합니다. 출력
      채널이 적은 층은 행렬의 행도 적어서, 행렬 하나를 여러 스레드가 나누어 곱하는 것보다 이
      방식이 빠릅니다. 같은 이유로 타일 하나에 담는 샘플 수도 스레드들이 똑같이 나누어 맡을 수
      있는 수로 정합니다. 스레드가 두 개라면 타일마다 샘플을 세 개씩이 아니라 두 개씩 담습니다.
    - 반대로 출력 맵은 작고 출력 채널은 많은 층도 있습니다. ResNet의 마지막 층들은 출력 채널이
      512개이고, 맵은 7×7이라 위치가 49개뿐입니다. 여기서 샘플마다 따로 곱하면 곱의 결과가 열이
      49개뿐인 폭 좁은 행렬이 됩니다. 그래서 타일에 들어 있는 샘플들의 열을 나란히 이어 붙여
      그룹마다 행렬 곱 한 번으로 계산하고(`samples_inside`), 그 결과를 출력의 제자리에 복사합니다.

    먼저 뷰를 4×4 예제에서 `F.unfold`와 비교해 봅시다.
    """),
    code("""
    win = convlab.conv.im2col.windows(x, kernel=(2, 2), stride=(1, 1), dilation=(1, 1), out_size=(3, 3))
    print(tuple(win.shape))                                       # (N, groups, C/groups, kH, kW, H_out, W_out)
    assert torch.equal(win.reshape(1, 4, 9), columns)             # «the same matrix as F.unfold|F.unfold와 같은 행렬»
    assert win.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()   # «a view: no copy|뷰: 복사 없음»
    """),
    md("""
    And the loop over tiles, the heart of the forward pass:
    """, """
    그리고 순전파(forward pass)의 핵심인 타일 반복문입니다.
    """),
    code("""
    convlab.show_source(convlab.conv.im2col.forward_tiles)
    """),
    md("""
    What the tiles save, in numbers, for the ResNet-like layer of the benchmark (a batch of 8,
    64 channels of 56×56, a 3×3 kernel): the full column matrix that `F.unfold` would build,
    against the one buffer convlab reuses (`make bench` measures the real peak memory of both).
    """, """
    타일로 아끼는 메모리를 수치로 확인해 봅시다. 벤치마크에 있는 ResNet과 비슷한 층(배치 8, 56×56
    채널 64개, 3×3 커널)에서, `F.unfold`가 만들 전체 열 행렬과 convlab이 다시 쓰는 버퍼 하나를
    비교합니다. 두 방식의 실제 최대 메모리 사용량은 `make bench`가 잽니다.
    """),
    code("""
    n, c, h, w, k = 8, 64, 56, 56, 3
    full_columns = n * c * k * k * h * w * 4                  # «float32: 4 bytes per value, padding=1 keeps 56×56|float32는 값 하나에 4바이트, padding=1이면 56×56 유지»
    buffer = convlab.conv.im2col.MAX_BUFFER_BYTES
    print(«f"full column matrix: {full_columns / 2**20:.1f} MiB, {full_columns / (n * c * h * w * 4):.0f}× the input"|f"전체 열 행렬: {full_columns / 2**20:.1f} MiB, 입력의 {full_columns / (n * c * h * w * 4):.0f}배"»)
    print(«f"convlab's reused buffer: at most {buffer / 2**20:.0f} MiB"|f"convlab이 다시 쓰는 버퍼: 최대 {buffer / 2**20:.0f} MiB"»)
    assert full_columns == F.unfold(torch.zeros(n, c, h, w), k, padding=1).numel() * 4
    """),
    md("""
    Checked against PyTorch with the same combinations as the naive version (the 1×1 kernels and
    `groups=4` take the two special routes), then on a larger input:
    """, """
    단순 구현 때와 같은 조합으로 PyTorch와 비교합니다. 1×1 커널과 `groups=4`인 경우는 앞에서 말한 두
    특별한 경로로 계산됩니다. 그다음 더 큰 입력에서도 비교합니다.
    """),
    code("""
    n = check_against_pytorch(convlab.conv2d_vectorized)
    n_large = check_against_pytorch(convlab.conv2d_vectorized, size=(13, 11))
    print(«f"{n} combinations agree with nn.Conv2d, {n_large} on a larger input too"|f"조합 {n}개가 nn.Conv2d와 일치하고, 더 큰 입력에서도 {n_large}개가 일치합니다"»)
    """),
    md_at("l06-gradients", """
    ## 4. Gradients through the vectorized version

    The vectorized version is a `torch.autograd.Function` whose backward pass is made of the same
    kind of operation as its forward: the gradient of a convolution with respect to its input is
    a transposed convolution of the output gradients with the same weight, and the gradient with
    respect to the weight is a convolution of the input with the output gradients. convlab
    computes all three on the same tiled routes, so second derivatives, forward-mode autograd and
    `torch.func` work as well. For every route the gradients with respect to the input, the
    weight and the bias match those of `F.conv2d`; `torch.autograd.gradcheck` confirms them
    against finite differences (in double precision), and `gradgradcheck` the second
    derivatives. The naive version gets its gradients from the same loops run backwards. Python
    floats cannot be differentiated again, so for second derivatives, forward-mode autograd or
    `torch.func` it raises an error that points to `conv2d_vectorized`.
    """, """
    ## 4. 벡터화 구현으로 구하는 기울기

    벡터화 구현은 `torch.autograd.Function`이고, 역전파(backward pass)도 순전파와 같은 종류의 연산으로
    계산합니다. 입력에 대한 합성곱의 기울기는 같은 가중치로 출력의 기울기를 전치 합성곱한 값이고,
    가중치에 대한 기울기는 입력과 출력의 기울기로 계산한 합성곱입니다. convlab은 이 셋을 모두 같은
    타일 경로로 계산합니다. 그래서 2차 미분, 순방향 자동 미분, `torch.func`도 그대로 동작합니다.
    어느 경로든 입력, 가중치, 편향에 대한 기울기가 `F.conv2d`의 기울기와 같습니다.
    `torch.autograd.gradcheck`로 유한 차분과 비교하고(배정밀도로 계산), `gradgradcheck`로 2차 미분도
    확인합니다. 단순 구현은 같은 반복문을 거꾸로 돌려 기울기를 구합니다. Python의 `float` 값은 다시
    미분할 수 없으므로, 2차 미분이나 순방향 자동 미분, `torch.func`를 쓰면 `conv2d_vectorized`를
    쓰라는 오류를 냅니다.
    """),
    code("""
    routes = {
        "im2col": (torch.randn(6, 2, 3, 3), dict(stride=2, padding=1, groups=2)),
        "depthwise": (torch.randn(8, 1, 3, 3), dict(stride=1, padding=1, dilation=2, groups=4)),
        "1x1": (torch.randn(6, 4, 1, 1), dict(stride=2)),
    }
    for route, (weight, args) in routes.items():
        x = torch.randn(2, 4, 7, 7, dtype=torch.float64, requires_grad=True)
        w = weight.double().requires_grad_()
        b = torch.randn(weight.shape[0], dtype=torch.float64, requires_grad=True)
        upstream = torch.randn_like(F.conv2d(x, w, b, **args))         # «some gradient from later layers|뒤쪽 층에서 온 임의의 기울기»
        ours = torch.autograd.grad((convlab.conv2d_vectorized(x, w, b, **args) * upstream).sum(), (x, w, b))
        theirs = torch.autograd.grad((F.conv2d(x, w, b, **args) * upstream).sum(), (x, w, b))
        for name, g_ours, g_theirs in zip(["input", "weight", "bias"], ours, theirs):
            assert torch.allclose(g_ours, g_theirs), (route, name)
        small = (x[:1, :, :5, :5].detach().requires_grad_(), w.detach().requires_grad_(), b.detach().requires_grad_())
        assert torch.autograd.gradcheck(lambda x, w, b: convlab.conv2d_vectorized(x, w, b, **args), small)
        assert torch.autograd.gradgradcheck(lambda x, w, b: convlab.conv2d_vectorized(x, w, b, **args), small)
        print(«f"{route}: gradients match F.conv2d and finite differences"|f"{route}: 기울기가 F.conv2d와도, 유한 차분과도 일치합니다"»)

    naive = torch.autograd.grad(convlab.conv2d_naive(x, w, b, **args).sum(), (x, w, b))
    reference = torch.autograd.grad(F.conv2d(x, w, b, **args).sum(), (x, w, b))
    assert all(torch.allclose(a, r) for a, r in zip(naive, reference))
    print(«"the naive loops' gradients match F.conv2d's too"|"단순 구현의 기울기도 F.conv2d와 같습니다"»)
    """),
    md_at("l06-timing", """
    ## 5. How fast?

    A small timing on one 16×16 image with 3 channels and 8 filters: the naive loops, the
    vectorized version, and PyTorch's own `F.conv2d` (which calls an optimized library). At this
    size the layer does $8\\cdot 16\\cdot 16\\cdot 3\\cdot 3\\cdot 3 = 55{,}296$ multiply-adds
    (output values × products per value, lesson 03). Each time is the fastest of five runs, the
    one least disturbed by whatever else the computer is doing. The times depend on your machine;
    the ratios tell the story.
    """, """
    ## 5. 얼마나 빠를까요?

    채널 3개인 16×16 이미지 한 장과 필터 8개로 간단히 시간을 재 봅니다. 비교할 것은 단순 구현의
    반복문, 벡터화 구현, 그리고 PyTorch의 `F.conv2d`입니다. `F.conv2d`는 최적화된 라이브러리를
    호출합니다. 이 크기에서 층은 곱셈-덧셈(multiply-add)을
    $8\\cdot 16\\cdot 16\\cdot 3\\cdot 3\\cdot 3 = 55{,}296$번 합니다(출력 값의 개수 × 값 하나당
    곱셈 수, 03강). 시간은 다섯 번 잰 값 가운데 가장 짧은 값을 씁니다. 컴퓨터가 동시에 하는 다른
    일에 가장 덜 방해받은 값이기 때문입니다. 절대 시간은 컴퓨터마다 다르지만, 비율을 보면 차이가
    분명합니다.
    """),
    code("""
    import os
    import timeit

    def seconds_per_call(fn, number):
        fn()                                            # «warm-up|준비 실행»
        return min(timeit.repeat(fn, number=number, repeat=5)) / number    # «the least disturbed of 5 runs|5번 중 방해를 가장 덜 받은 실행»

    x = torch.randn(1, 3, 16, 16)
    w = torch.randn(8, 3, 3, 3)
    multiply_adds = F.conv2d(x, w, padding=1).numel() * w[0].numel()
    assert multiply_adds == 8 * 16 * 16 * 3 * 3 * 3
    timings = {
        "conv2d_naive": seconds_per_call(lambda: convlab.conv2d_naive(x, w, padding=1), 1),
        "conv2d_vectorized": seconds_per_call(lambda: convlab.conv2d_vectorized(x, w, padding=1), 20),
        "F.conv2d": seconds_per_call(lambda: F.conv2d(x, w, padding=1), 20),
    }
    for name, t in timings.items():
        print(f"{name:18} {t * 1e3:9.3f} ms   ×{t / timings['F.conv2d']:,.0f}")
    """),
    md_at("l06-routes", """
    ### Why some layers take other routes, and what `F.conv2d` still does

    Real networks have layers that the plain im2col product serves badly, and
    `conv2d_vectorized` (and `convlab.Conv2d`, the drop-in `nn.Conv2d` that calls it) picks a
    route from the layer's sizes. The cell below computes the reason for each on small shapes:

    - **Depthwise: long runs instead of short rows.** Each tap is one multiply-add over the
      whole tensor, and the processor is fast on long runs of neighbouring numbers. Read from
      the map as it is, one run is one row of the output (7 numbers on a 7×7 map). Flatten each
      map and a tap's cells for every output position are one slice of it, a single run (61
      numbers on that map with padding 1). The positions at the end of each row that read
      across into the next row are computed and thrown away. When the map is small and the
      channels many, the channels of one position make a longer run still (96 in the cell
      below, 960 in MobileNet's last layers): the forward pass then keeps the channels
      innermost (PyTorch's `channels_last`), and each tap multiplies every position's channels
      at once. In that order a stride is only a longer step between the positions one tap
      reads, so the input needs no splitting into sub-images (the next point's trick) and skips
      the slow copy that makes them. On long rows (56 outputs and more, MobileNet's first
      layers) one row is already a long run: there each tap of a 3×3 kernel reads a rectangle
      of the input maps where they lie and leaves out the output positions where that tap falls
      on the padding, since the padding's zeros make those products zero. Nothing is copied,
      neither a padded input nor the flattened maps. At stride 2 a rectangle takes every other
      row just by stepping further from row to row, still without a copy. Columns two apart do
      not make one run, so there the columns are summed at stride 1 and every other one is
      kept: twice the multiply-adds, and still faster than copying the input into four
      sub-images. The channels-last order reads the same kind of rectangles, every position's
      channels at once; there columns two apart are only a longer step too, so a stride of 2
      adds no multiply-adds. On a 7×7 map with a 5×5 kernel (padding 2), almost a third (31 %)
      of the padded input's multiply-adds have the tap on the padding, all of them products
      with zero, and reading only the rectangles skips them all.
    - **Strides and very wide rows: shifted views.** Laid out channel by channel, one tap's
      cells for every output position are a single slice of the flattened input, so a matrix
      product can read them where they are, with no column matrix at all. A stride of 2 becomes
      stride 1 after splitting the input into its four even/odd sub-images (polyphase): tap
      `(i, j)` reads sub-image `(i % 2, j % 2)` shifted by `(i // 2, j // 2)`. The input's
      gradient at a stride uses the same four sub-images the other way round: on rows of 28
      outputs and more, each tap's products are added into one sub-image of the gradient
      instead of into every other cell of it, and the four are interleaved once at the end.
    - **Few output channels: columns for the kernel's columns only.** im2col copies
      `C_in·kH·kW` numbers for every output position, and each copied number then takes part
      in only `C_out` multiply-adds: with 32 output channels the copy costs about as much as
      the product. So on large maps with few output channels per group, the forward pass
      copies each input row shifted by the kernel's `kW` columns, nothing more. The cells that
      kernel row `i` reads are then one slice of that copy, starting `i` rows on, and the
      output is the sum of `kH` products. Grouped layers with few input channels per group
      (RegNet's, ResNeXt's) do this on small maps too: im2col's columns there hold the
      windows of every group, so they are large however small the map. The weight's gradient
      reads the same copy, and the
      input's gradient is the output's gradient convolved with the flipped kernel (lesson 08),
      a product that sums `C_out·kH·kW` terms instead of `C_out`.
    - **Wide 3×3 layers: 16 multiplications instead of 36 (Winograd).** Two neighbouring
      outputs of a three-tap kernel take 6 multiplications done directly. Add and subtract the
      four inputs in pairs first, combine the taps once for the whole layer, and they take 4
      (Winograd's minimal filtering, F(2, 3); the cell checks it). Along the rows and down the
      columns, a 2×2 block of outputs then takes 16 multiplications instead of 36. Each of the
      16 is summed over the input channels, so each is one matrix product: the layer becomes
      16 products with 2.25 times fewer multiply-adds in all than im2col's one, plus additions
      over the input and the output. The additions grow only with the number of channels,
      while the saving grows with `C_in·C_out`, so only wide 3×3 layers at stride 1 take this
      route (ResNet's and VGG's layers of 128 to 512 channels, and of 64 on maps of 56×56
      and larger, where im2col's product is slowest). The input's and the weight's gradients
      use the same transforms. Its rounding differs from im2col's and stays within that of
      PyTorch's own implementation (`oneDNN`, which `F.conv2d` calls for most layers, rounds a
      little less on some processors).
    - **Taps that only ever land on padding: left out.** With a large dilation on a small map,
      some taps land on the padding at every output position. DeepLab runs 3×3 kernels at
      dilation 36, with as much padding, on 28×28 maps: only the middle tap ever reaches the
      map. The other eight multiply zeros, so `conv2d_vectorized` leaves them out before it
      picks a route, and the layer becomes a 1×1 convolution; `F.conv2d` computes all nine.
      The cell checks that both give the same output and times such a layer.
    - **A channels-last model stays channels last.** `model.to(memory_format=torch.channels_last)`
      lays every weight out with the channels innermost, and `F.conv2d` then returns its
      results in that order too. The next layers (batch norm, the next convolution) read that
      order, and the backward pass hands the layer before a gradient in the same order.
      `conv2d_vectorized` does the same (the cell checks it), and on such an input its
      depthwise route adds each tap straight into the channels-last result, with no copy into
      the default order and back. On long rows with few channels (32 on MobileNet's first
      112×112 maps) it also repeats each tap's weights along a row, so that one multiply-add
      runs along whole rows of channels, not one position's 32 values at a time. An ordinary
      convolution turns its matrix product over:
      where the default order puts the weight on the left, the windows come first and rows and
      columns swap roles. Each window's numbers are its cells' channels, cell by cell. The
      weight, stored as `(C_out, kH, kW, C_in)`, is already one matrix without a copy. And each
      row of the product holds every channel of one output position, which lie side by side in
      the channels-last result too, so the row is written straight into its place.
    - **Threads: each one sums the products it made.** PyTorch shares each operation among the
      processor's threads, and the numbers a thread writes stay in its own core's cache. A
      product over channels-last maps shares out the positions (the first samples go to one
      thread); a sum over the positions then shares out the channels. Each thread would then
      add up numbers the other core made and fetch them from that core's cache. So the
      depthwise weight gradient stores its products with the channels cut into one slice per
      thread, the slices outermost: the product and the sum then give each thread the same
      slice. The cell times both orders (with one thread there is nothing to share).
    - **What `F.conv2d` still does better.** It hands the whole layer to one optimized library call
      (oneDNN on the CPU): kernels generated for this processor's vector instructions, blocked
      memory layouts, and one parallel region for the whole call. convlab's routes are chains of
      ordinary PyTorch operations, each a separate pass over memory; the cell counts them (with the
      compiled loops turned off by `CONVLAB_COMPILED=0`) and times the layer both ways. Each
      operation also costs a few microseconds before it touches a number (checking its arguments,
      choosing a kernel), and on a small layer those costs add up to as much as the arithmetic. So
      the channels-last depthwise route keeps its buffers, and the view of them that each tap reads,
      from one call of a layer to the next: a network calls the same layers at every step, and only
      the first call makes them. To make the passes over memory cheaper, the depthwise routes take
      the maps a block at a time, sized to fit the processor's L2 cache, so each tap reads its block
      from the cache, not from main memory. The cell times one multiply-add over a block that fits
      and over one that does not. And oneDNN keeps a window's products in the processor's registers:
      a 5×5 depthwise layer fetches each input value once, where convlab's 25 taps are 25 passes
      over the block. The last part of the cell times those 25 taps alone, with every copy left out,
      against `F.conv2d`'s whole layer: no chain of PyTorch operations can be faster than that. So
      convlab computes a depthwise layer's forward pass with a small C loop (in
      `convlab/conv/depthwise_loop.c`), which the machine's C compiler builds the first time it is
      needed and which is kept on disk for later sessions. It works as oneDNN does: one vector
      register holds 16 `float32` values (with `AVX-512`), so it takes the channels 16 at a time,
      and it keeps the sums of 8 neighbouring output cells in registers until every tap's
      multiply-add is done. A second loop (`direct_loops.c`) computes layers whose windows hold few
      numbers, such as a first layer of three channels or groups of a few channels: there im2col
      copies the input many times over into columns for a thin matrix product, and the loop takes
      the output channels 16 at a time instead. Where a layer has more than 16 output channels, the
      loop sums two such blocks together, so that each input value it loads serves 32 output
      channels: that makes it faster than im2col's matrix product on most dense 3×3 layers too, and
      only the largest products, which run close to the processor's top speed, stay with im2col.
      Most of these layers' gradients are computed by loops of the same kind. On a machine without
      a C compiler the routes of PyTorch operations compute these layers, with the same results.
      The cell's last line times convlab's whole layer too.
    """, """
    ### 어떤 층은 왜 다른 경로로 계산할까요, 그리고 `F.conv2d`는 무엇을 더 할까요

    실제 신경망에는 평범한 im2col 행렬 곱이 잘 맞지 않는 층이 있습니다. 그래서
    `conv2d_vectorized`는 층의 크기를 보고 경로를 고릅니다. `nn.Conv2d` 대신 그대로 쓸 수 있는
    `convlab.Conv2d`도 이 함수를 호출합니다. 아래 셀은 작은 모양에서 그 이유를 하나씩 계산합니다.

    - **깊이별 합성곱: 짧은 행 대신 긴 구간.** 커널 칸 하나마다 텐서 전체에 곱셈-덧셈을 한 번
      합니다. 프로세서는 메모리에 나란히 놓인 값을 길게 처리할 때 빠릅니다. 특징 맵을 그대로 두고
      계산하면 곱셈-덧셈 한 번이 훑는 값은 출력의 한 행뿐입니다(7×7 맵이면 7개). 맵을 채널마다 한
      줄로 펼치면, 커널 칸 하나가 모든 출력 위치에서 가져오는 값은 펼친 맵의 끊김 없는 한
      구간입니다. 7×7 맵에 패딩 1을 더하면 이 구간의 값은 61개입니다. 각 행의 끝에서는 다음 행의
      값까지 걸쳐 가져오는 위치가 생깁니다. 이 위치도 계산은 하지만 결과는 버립니다. 맵이 작고
      채널이 많으면 한 위치의 채널 값들이 이루는 구간이 더 깁니다(아래 셀에서는 96개, MobileNet의
      마지막 층에서는 960개). 이럴 때 순전파에서는 채널을 가장 안쪽에 두는 메모리 순서(PyTorch의
      `channels_last`)로 계산하고, 커널 칸마다 모든 위치의 채널 값에 가중치를 한꺼번에 곱합니다. 이
      순서에서는 스트라이드가 커지면 커널 칸 하나가 가져오는 위치 사이의 간격만 넓어집니다. 그래서
      다음 항목처럼 입력을 작은 이미지로 쪼갤 필요가 없고, 작은 이미지를 만들 때 드는 느린 복사도
      하지 않습니다. 반면 행이 긴 맵(MobileNet의 앞쪽 층처럼 한 행에 출력 위치가 56개 이상인
      맵)에서는 행 하나만으로도 구간이 충분히 깁니다. 이때 3×3 커널의 각 칸은 입력 맵을 그대로 둔 채
      직사각형 영역의 값을 가져옵니다. 칸이 패딩 위에 놓이는 출력 위치는 그 칸의 곱셈-덧셈에서
      뺍니다. 패딩 값은 0이므로 곱해도 0입니다. 그래서 패딩을 붙인 입력도, 한 줄로 펼친 맵도 복사해
      만들지 않습니다. 스트라이드가 2이면 직사각형 영역에서 한 행 걸러 한 행씩 값을 가져옵니다. 행과
      행 사이의 간격만 넓히면 되므로 이때도 복사는 하지 않습니다. 하지만 한 열 걸러 놓인 값들은 끊김
      없는 한 구간을 이루지 못합니다. 그래서 열 방향으로는 모든 열에 스트라이드 1로 곱셈-덧셈을 한
      뒤, 결과를 한 열 걸러 하나씩 남깁니다. 곱셈-덧셈 횟수는 두 배가 되지만, 그래도 입력을 작은
      이미지 네 개로 나눠 복사하는 것보다 빠릅니다. 채널을 가장 안쪽에 두는 순서에서도 커널 칸마다
      앞에서와 같은 직사각형 영역의 값만 가져오고, 영역 안 모든 위치의 채널 값에 가중치를 한꺼번에
      곱합니다. 이 순서에서는 한 열 걸러 놓인 위치도 간격만 넓혀 가져오면 됩니다. 그래서
      스트라이드가 2라도 곱셈-덧셈이 늘지 않습니다. 7×7 맵에 5×5 커널(패딩 2)을 쓰면, 패딩을 붙인
      입력으로 계산할 때 곱셈-덧셈의 3분의 1 가까이(약 31%)는 커널 칸이 패딩 위에 놓이는
      계산입니다. 모두 0을 곱하는 계산이므로, 직사각형 영역만 가져오면 이 계산을 모두 건너뜁니다.
    - **스트라이드와 아주 넓은 행: 밀린 구간.** 채널별로 펼쳐 두면, 커널 칸 하나가 모든 출력
      위치에서 가져오는 값은 펼친 입력의 한 구간입니다. 그래서 행렬 곱이 그 자리의 값을 바로
      가져가고, 열 행렬은 전혀 만들지 않습니다. 스트라이드 2는 입력을 짝수·홀수 행과 열로 나눈 작은
      이미지 네 개로 쪼개면 스트라이드 1이 됩니다. 커널 칸 `(i, j)`는 작은 이미지
      `(i % 2, j % 2)`를 `(i // 2, j // 2)`만큼 밀어서 가져옵니다. 스트라이드가 있는 층의 입력
      기울기를 구할 때도 같은 작은 이미지 네 개를 반대 방향으로 이용합니다. 한 행의 출력이 28개
      이상이면, 커널 칸마다 곱한 값을 기울기에 한 칸씩 걸러 더하지 않고 기울기의 작은 이미지 하나에
      더합니다. 작은 이미지 네 개는 마지막에 한 번만 서로 엇갈리게 끼워 넣어 전체 기울기 맵으로
      합칩니다.
    - **출력 채널이 적은 층: 커널의 열 수만큼만 복사.** im2col은 출력 위치마다 값을
      `C_in·kH·kW`개 복사합니다. 그런데 복사한 값 하나는 곱셈-덧셈 `C_out`번에만 쓰입니다. 출력
      채널이 32개쯤이면 복사에 드는 시간이 행렬 곱에 드는 시간과 비슷해집니다. 그래서 맵이 크고
      그룹당 출력 채널이 적은 층은 순전파에서 입력의 각 행을 행 안에서 한 칸씩 더 밀어 가며
      커널의 열 수(`kW`)만큼만 복사합니다. 그러면 커널의 `i`번째 행이 가져오는 값은 이 복사본에서 `i`개
      행만큼 뒤에서 시작하는 끊김 없는 한 구간이고, 출력은 행렬 곱 `kH`개의 합입니다. 그룹당 입력
      채널이 적은 그룹 합성곱 층(RegNet, ResNeXt)은 맵이 작아도 이렇게 계산합니다. 이런 층에서는
      im2col의 열 행렬에 모든 그룹의 창이 함께 들어가므로, 맵 크기와 상관없이 열 행렬이 크기
      때문입니다. 가중치의 기울기도 같은 복사본으로 구합니다. 입력의 기울기는 출력의 기울기와 뒤집은 커널의
      합성곱입니다(08강). 이 합성곱은 행렬 곱 하나로 계산하는데, 값 하나마다 더하는 항이
      `C_out`개가 아니라 `C_out·kH·kW`개입니다.
    - **채널이 많은 3×3 층: 곱셈 36번 대신 16번(위노그라드).** 커널 칸이 3개인 커널로 이웃한
      출력 두 개를 직접 구하면 곱셈이 6번 필요합니다. 그런데 입력 네 개를 먼저 둘씩 짝지어
      더하거나 빼 두고, 커널 칸을 조합한 값을 층 전체에서 한 번만 구해 두면 곱셈 4번으로
      충분합니다. 이것이 위노그라드의 최소 필터링 알고리즘 F(2, 3)입니다. 아래 셀에서 직접
      확인합니다. 이 방법을 행을 따라서도, 열을 따라서도 적용하면 2×2 출력 블록 하나에 곱셈이
      36번이 아니라 16번 듭니다. 이 16번의 곱셈 결과는 각각 모든 입력 채널에 대해 더해야 하므로,
      하나하나가 행렬 곱이 됩니다. 그래서 층 하나의 계산이 행렬 곱 16개로 바뀌고, 이들의
      곱셈-덧셈 횟수를 모두 합쳐도 im2col의 행렬 곱 하나에 드는 양의 2.25분의 1입니다. 대신
      입력 쪽과 출력 쪽에서 덧셈이 추가로 듭니다. 이 덧셈은 채널 하나당 드는 양이 일정해서 채널
      수에 비례할 뿐이지만, 곱셈에서 아끼는 양은 `C_in·C_out`에 비례해 커집니다. 그래서
      스트라이드가 1이고 채널이 많은 3×3 층만 이 경로로 계산합니다(ResNet과 VGG에서 채널이
      128~512개인 층과, 56×56 이상인 큰 특징 맵에서 채널이 64개인 층). 입력의 기울기와 가중치의 기울기도 같은
      변환으로 구합니다. 위노그라드 경로의 반올림 오차는 im2col 경로와 다르게 나타나지만,
      PyTorch 내장 구현의 오차보다 크지 않습니다. 다만 `F.conv2d`가 대부분의 층에서 호출하는
      라이브러리 `oneDNN`은 프로세서에 따라 오차가 이보다 조금 작기도 합니다.
    - **패딩에만 닿는 커널 칸: 계산에서 제외.** 작은 특징 맵에 팽창(dilation)이 큰 커널을
      적용하면, 출력 위치가 어디든 늘 패딩에만 닿는 커널 칸이 생깁니다. DeepLab은 28×28 특징
      맵에 3×3 커널을 팽창 36, 패딩 36으로 적용하는데, 이때 특징 맵에 닿는 칸은 가운데 칸
      하나뿐입니다. 나머지 여덟 칸은 0인 패딩 값과만 곱해지므로, `conv2d_vectorized`는 경로를
      고르기 전에 이 칸들을 계산에서 뺍니다. 그러면 이 층은 사실상 1×1 합성곱이 됩니다. 반면
      `F.conv2d`는 아홉 칸을 모두 계산합니다. 아래 셀에서는 두 출력이 같은지 확인하고, 이런
      층의 실행 시간도 잽니다.
    - **`channels_last` 모델은 층을 지나도 `channels_last`를 유지합니다.**
      `model.to(memory_format=torch.channels_last)`를 호출하면 모든 가중치가 채널을 가장 안쪽에 두는
      메모리 순서로 바뀝니다. 그러면 `F.conv2d`도 결과를 같은 순서로 돌려줍니다. 뒤따르는 층(배치
      정규화, 그다음 합성곱)도 이 순서대로 값을 가져오고, 역전파에서 앞 층에 넘기는 기울기도 같은
      순서입니다. `conv2d_vectorized`도 똑같이 동작합니다(아래 셀에서 확인해 보세요). 이런 입력이
      들어오면 깊이별 합성곱 경로는 커널 칸마다 곱한 값을 `channels_last` 결과에 바로 더합니다. 기본
      순서로 옮겼다가 다시 되돌리는 복사는 하지 않습니다. 또 행이 길고 채널이 적은 맵(MobileNet의 첫
      112×112 맵은 채널이 32개)에서는 커널 칸마다 채널별 가중치를 한 행의 위치 수만큼 되풀이해 이어
      붙여 둡니다. 그러면 곱셈-덧셈 한 번이 한 위치의 채널 값 32개에서 그치지 않고, 한 행 전체의
      채널 값을 한꺼번에 훑습니다. 일반 합성곱 경로는 행렬 곱에서 두 행렬의 순서를 바꿔 계산합니다.
      기본 순서에서는 가중치가 왼쪽에 오지만, 여기서는 창 값이 왼쪽에 오고 행과 열의 역할이
      바뀝니다. 창 하나의 값은 칸마다 그 칸의 채널 값을 차례로 이어 붙인 것입니다. 가중치는 메모리에
      `(C_out, kH, kW, C_in)` 순서로 놓여 있어서, 복사하지 않아도 이미 하나의 행렬입니다. 행렬 곱의
      행 하나는 출력 위치 하나의 모든 채널 값입니다. `channels_last` 결과에서도 이 값들은 메모리에
      나란히 있으므로, 결과의 해당 위치에 바로 저장합니다.
    - **스레드: 각 스레드가 만든 곱은 그 스레드가 더합니다.** PyTorch는 연산마다 그 일을
      프로세서의 여러 스레드에 나누어 맡깁니다. 스레드가 저장한 값은 그 스레드를 실행하는 코어의
      캐시에 남습니다. `channels_last` 순서의 특징 맵끼리 곱셈을 할 때는 위치를 스레드에 나누어
      맡깁니다(앞쪽 샘플들은 한 스레드가 모두 맡습니다). 이어서 이 곱을 모든 위치에 걸쳐 더할
      때는 채널을 나누어 맡깁니다. 이렇게 하면 각 스레드는 다른 코어가 만든 값을 그 코어의
      캐시에서 가져와 더해야 합니다. 그래서 깊이별 합성곱의 가중치 기울기를 구할 때는 곱을
      저장하는 방식을 바꿉니다. 채널을 스레드마다 한 조각씩 나누고, 그 조각을 가장 바깥 차원에
      둡니다. 그러면 곱셈에서 어떤 스레드가 맡은 조각을 합산에서도 그 스레드가 맡습니다. 아래
      셀은 두 저장 순서에 걸리는 시간을 잽니다(스레드가 하나뿐이면 나누어 맡길 것이 없습니다).
    - **`F.conv2d`가 여전히 더 잘하는 것.** `F.conv2d`는 층 전체를 최적화된 라이브러리 호출 한 번에
      맡깁니다(CPU에서는 `oneDNN`). 이 프로세서의 벡터 명령에 맞춰 만든 코드, 블록 단위 메모리 배치,
      호출 전체에 대한 병렬 처리 한 번을 씁니다. 반면 convlab의 경로는 일반 PyTorch 연산을 여러 개
      이어 붙인 것입니다. 연산마다 메모리를 따로 한 번씩 훑습니다. 셀은 `CONVLAB_COMPILED=0`으로
      컴파일한 반복문을 끄고 이 연산의 개수를 셉니다. 그리고 반복문을 켰을 때와 껐을 때 층의 실행
      시간을 각각 잽니다. 연산마다 실제 계산을 시작하기 전에 드는 고정 비용도 있습니다. 인자를
      확인하고 실제로 실행할 계산 코드를 고르는 데 몇 마이크로초가 걸립니다. 작은 층에서는 이 비용이
      쌓여 실제 계산 시간과 맞먹게 됩니다. 그래서 채널을 가장 안쪽에 두는 깊이별 경로는 버퍼를 한 번
      만들면 지우지 않고 다음 호출에 다시 사용합니다. 커널 칸마다 이 버퍼를 복사 없이 참조하는 뷰도
      함께 남겨 둡니다. 신경망은 단계마다 같은 층을 다시 호출하므로, 버퍼와 뷰는 첫 호출에서 한 번만
      만들면 됩니다. 깊이별 경로는 연산마다 메모리를 훑는 비용을 줄이려고 특징 맵을 블록 단위로
      나누어 계산합니다. 블록 크기는 프로세서의 L2 캐시에 들어가게 잡습니다. 그래서 커널 칸마다
      블록을 메인 메모리가 아니라 캐시에서 가져옵니다. 아래 셀은 캐시에 들어가는 블록과 들어가지
      않는 블록에서 곱셈-덧셈을 한 번씩 실행해 걸린 시간을 잽니다. 또 `oneDNN`은 창 하나에서 나오는
      곱을 모두 프로세서의 레지스터에 모아 둡니다. 그래서 5×5 깊이별 합성곱 층을 계산할 때 입력 값을
      한 번씩만 가져옵니다. 반면 `convlab`은 커널 칸 하나마다 블록 전체를 한 번씩 가져옵니다. 커널
      칸이 25개이므로 블록을 25번 가져오는 셈입니다. 셀의 마지막 부분은 복사를 모두 빼고 이 커널 칸
      25개만 계산한 시간을 잽니다. 그리고 그 시간을 `F.conv2d`의 층 전체 시간과 비교합니다. PyTorch
      연산을 이어 붙여 만든 경로는 어느 것도 이 시간보다 빨리 끝날 수 없습니다. 즉 이 시간이 그런
      경로가 걸리는 시간의 하한입니다. 그래서 `convlab`은 깊이별 합성곱의 순전파를 C로 짠 작은
      반복문으로 계산합니다. 이 반복문은 `convlab/conv/depthwise_loop.c`에 있습니다. `convlab`은 이
      반복문을 처음 필요할 때 컴퓨터에 설치된 C 컴파일러로 컴파일하고, 그 결과를 디스크에 저장해
      두었다가 다음 세션에서도 다시 씁니다. 계산 방식은 `oneDNN`과 같습니다. `AVX-512`에서는 벡터
      레지스터 하나에 `float32` 값이 16개 들어갑니다. 그래서 채널을 16개씩 묶어 계산하고, 이웃한
      출력 칸 8개의 합을 모든 커널 칸의 곱셈-덧셈이 끝날 때까지 레지스터에 담아 둡니다. 두 번째
      반복문(`direct_loops.c`)은 창 하나에 든 값이 적은 층을 계산합니다. 입력 채널이 세 개인 첫
      층이나 그룹마다 채널이 몇 개뿐인 층이 그렇습니다. 이런 층에서 im2col은 얇은 행렬 곱을 위해
      입력을 여러 번 복사해 열을 만들므로 느립니다. 두 번째 반복문은 im2col 대신 출력 채널을 16개씩
      묶어 계산합니다. 출력 채널이 16개보다 많은 층에서는 이런 묶음 두 개를 한꺼번에 계산합니다.
      그러면 한 번 가져온 입력 값 하나를 출력 채널 32개의 계산에 함께 사용합니다. 그래서 이 반복문은
      채널이 많은 3×3 층 대부분에서도 im2col의 행렬 곱보다 빠릅니다. im2col 경로에 남는 층은 행렬
      곱이 아주 커서 프로세서가 최고 속도에 가깝게 처리하는 층뿐입니다. 이렇게 C 반복문으로 계산하는
      층은 기울기도 대부분 같은 방식의 반복문으로 구합니다. C 컴파일러가 없는 컴퓨터에서는 이 층들을
      PyTorch 연산을 이어 붙인 경로로 계산합니다. 결과는 C 반복문으로 계산할 때와 같습니다. 셀의
      마지막 줄은 `convlab` 층 하나를 통째로 실행하는 시간도 잽니다.
    """),
    code("""
    # «1. depthwise: how many neighbouring numbers one multiply-add runs over|1. 깊이별 합성곱: 곱셈-덧셈 한 번이 훑는 나란한 값의 개수»
    x = F.pad(torch.randn(1, 96, 7, 7), (1, 1, 1, 1))
    k, (height, width) = 3, x.shape[2:]
    h_out, w_out = height - k + 1, width - k + 1
    one_row, one_slice = w_out, (h_out - 1) * width + w_out
    per_position = x.shape[1]
    assert (one_row, one_slice, per_position) == (7, 61, 96)
    print(«f"one tap, row by row: {one_row} neighbours; as a slice of the flat map: {one_slice}; over one position's channels: {per_position}"|f"커널 칸 하나: 행 단위로는 나란한 값 {one_row}개, 펼친 맵의 한 구간으로는 {one_slice}개, 한 위치의 채널로는 {per_position}개"»)

    # «long rows: each tap a rectangle of the input map as it is, no padded copy|행이 긴 맵: 커널 칸마다 입력 맵을 그대로 둔 채 직사각형을 가져옵니다. 패딩을 붙인 복사본은 만들지 않습니다.»
    x, w = torch.randn(1, 1, 6, 8), torch.randn(1, 1, 3, 3)
    out = torch.zeros(1, 1, 6, 8)
    for i in range(3):
        for j in range(3):
            dy, dx = i - 1, j - 1                       # «padding 1: input cell = output cell + (dy, dx)|패딩 1: 입력 위치 = 출력 위치 + (dy, dx)»
            ys, xs = slice(max(0, -dy), min(6, 6 - dy)), slice(max(0, -dx), min(8, 8 - dx))
            out[..., ys, xs] += w[0, 0, i, j] * x[..., ys.start + dy:ys.stop + dy, xs.start + dx:xs.stop + dx]
    torch.testing.assert_close(out, F.conv2d(x, w, padding=1))
    print(«"nine rectangles of the input map as it is give F.conv2d's output with padding 1"|"입력 맵을 그대로 둔 채 가져온 직사각형 9개만으로 패딩 1을 준 F.conv2d와 같은 출력이 나옵니다"»)

    # «stride 2 on long rows: every other row by a step, columns at stride 1, every other kept|행이 긴 맵에서 스트라이드 2: 행은 한 행 걸러 가져오고, 열은 스트라이드 1로 계산한 뒤 한 열 걸러 남깁니다»
    full = torch.zeros(1, 1, 3, 7)          # «3 output rows; every column from the first output column to the last|출력 행 3개, 첫 출력 열부터 마지막 출력 열까지의 모든 열»
    for i in range(3):
        for j in range(3):
            dy, dx = i - 1, j - 1
            ys = [y for y in range(3) if 0 <= 2 * y + dy < 6]    # «output rows whose tap lands on the map|이 칸이 맵 안에 놓이는 출력 행»
            xs = slice(max(0, -dx), min(7, 8 - dx))
            rows = x[..., 2 * ys[0] + dy:2 * ys[-1] + dy + 1:2, xs.start + dx:xs.stop + dx]   # «every other row: a slice with a step, no copy|한 행 걸러 가져옵니다. 간격을 둔 슬라이스라 복사하지 않습니다»
            full[..., ys[0]:ys[-1] + 1, xs] += w[0, 0, i, j] * rows
    torch.testing.assert_close(full[..., ::2], F.conv2d(x, w, padding=1, stride=2))
    print(«f"stride 2: {full.shape[-1]} columns summed, every other kept ({full[..., ::2].shape[-1]}), give F.conv2d's output"|f"스트라이드 2: 열 {full.shape[-1]}개를 계산하고 한 열 걸러 {full[..., ::2].shape[-1]}개를 남기면 F.conv2d와 같은 출력이 나옵니다"»)

    # «2. a tap's cells are one slice of the flattened input (stride 1)|2. 커널 칸 하나의 값은 펼친 입력의 한 구간입니다(스트라이드 1)»
    x = torch.arange(5 * 6.).reshape(1, 1, 5, 6)
    k, (height, width) = 3, x.shape[2:]
    h_out, w_out = height - k + 1, width - k + 1
    flat = x.flatten()
    for i in range(k):
        for j in range(k):
            start = i * width + j
            piece = flat[start:start + (h_out - 1) * width + w_out]
            piece = F.pad(piece, (0, width - w_out)).view(h_out, width)[:, :w_out]
            assert torch.equal(piece, x[0, 0, i:i + h_out, j:j + w_out])
    print(«f"each of the {k * k} taps reads one slice of the flat input, no copy"|f"커널 칸 {k * k}개가 모두 펼친 입력의 한 구간을 복사 없이 가져옵니다"»)

    # «3. stride 2 as stride 1 on four sub-images (polyphase)|3. 작은 이미지 네 개에서 스트라이드 1로 계산하는 스트라이드 2»
    x = torch.randn(1, 1, 9, 9)
    h_out = (9 - k) // 2 + 1
    sub = {(p, q): x[..., p::2, q::2] for p in (0, 1) for q in (0, 1)}
    for i in range(k):
        for j in range(k):
            strided = x[..., i::2, j::2][..., :h_out, :h_out]
            shifted = sub[i % 2, j % 2][..., i // 2:i // 2 + h_out, j // 2:j // 2 + h_out]
            assert torch.equal(strided, shifted)
    print(«"every tap of a stride-2 layer is a stride-1 shift of one sub-image"|"스트라이드 2 층의 커널 칸은 모두 작은 이미지 하나를 스트라이드 1로 민 것입니다"»)

    # «4. few output channels: one product per kernel row, each over a slice of the kW-shifted rows|4. 출력 채널이 적은 층: 커널 행마다 행 안에서 민 복사본의 한 구간과 행렬 곱을 한 번 합니다»
    x, w = torch.randn(1, 8, 30, 30), torch.randn(2, 8, 3, 3)
    h_out, w_out = 30 - 3 + 1, 30 - 3 + 1
    shifted = torch.stack([x[0, :, :, j:j + w_out] for j in range(3)], 1).reshape(8 * 3, 30 * w_out)
    out = sum(w[:, :, i].reshape(2, 8 * 3) @ shifted[:, i * w_out:(i + h_out) * w_out] for i in range(3))
    torch.testing.assert_close(out.view(2, h_out, w_out), F.conv2d(x, w)[0])
    print(«f"numbers copied per output position: im2col {8 * 3 * 3}, one row of the kernel at a time {shifted.numel() / (h_out * w_out):.1f}"|f"출력 위치 하나마다 복사하는 값: im2col {8 * 3 * 3}개, 커널 행 단위 계산 {shifted.numel() / (h_out * w_out):.1f}개"»)

    # «5. wide 3x3 layers: two outputs of a three-tap kernel with 4 multiplications (Winograd's F(2, 3))|5. 채널이 많은 3x3 층: 커널 칸 3개로 이웃한 출력 두 개를 곱셈 4번으로 구하기(위노그라드 F(2, 3))»
    d, g = torch.randn(4), torch.randn(3)
    taps = [g[0], (g[0] + g[1] + g[2]) / 2, (g[0] - g[1] + g[2]) / 2, g[2]]   # «tap combinations: once for the whole layer|커널 칸 조합: 층 전체에서 한 번만 계산»
    m = [(d[0] - d[2]) * taps[0], (d[1] + d[2]) * taps[1], (d[2] - d[1]) * taps[2], (d[1] - d[3]) * taps[3]]
    y = torch.stack([m[0] + m[1] + m[2], m[1] - m[2] - m[3]])
    torch.testing.assert_close(y, torch.stack([d[0:3] @ g, d[1:4] @ g]))
    print(«f"two outputs: {len(m)} multiplications instead of {2 * 3}; a 2x2 block: {len(m) ** 2} instead of {4 * 9}"|f"출력 두 개: 곱셈 {len(m)}번(직접 구하면 {2 * 3}번), 2x2 블록: 곱셈 {len(m) ** 2}번(직접 구하면 {4 * 9}번)"»)

    # «6. taps that land only on padding add nothing|6. 패딩에만 닿는 커널 칸은 출력에 아무것도 더하지 않습니다»
    x, w = torch.randn(1, 4, 5, 5), torch.randn(2, 4, 3, 3)
    reach = [[y + 6 * (i - 1) for y in range(5)] for i in range(3)]   # «input rows kernel row i takes, padding 6, dilation 6|커널의 i번째 행이 가져오는 입력 행(패딩 6, 팽창 6)»
    on_map = [any(0 <= row < 5 for row in rows) for rows in reach]
    assert on_map == [False, True, False]
    torch.testing.assert_close(F.conv2d(x, w, padding=6, dilation=6), F.conv2d(x, w[:, :, 1:2, 1:2]))
    print(«f"does each kernel row reach the map? {on_map}. The layer is the 1x1 convolution of its middle tap"|f"커널 행별로 특징 맵에 닿는지: {on_map}. 이 층은 가운데 칸 하나만 쓰는 1x1 합성곱과 같습니다"»)

    # «7. a channels-last input gives a channels-last result, as in PyTorch|7. channels_last 입력을 넣으면 결과도 channels_last입니다(PyTorch와 같습니다)»
    x = torch.randn(2, 96, 7, 7).contiguous(memory_format=torch.channels_last)
    w = torch.randn(96, 1, 3, 3)
    ours, theirs = convlab.conv2d_vectorized(x, w, padding=1, groups=96), F.conv2d(x, w, padding=1, groups=96)
    assert ours.stride() == theirs.stride() and ours.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(ours, theirs)
    print(«f"channels innermost in memory: input {x.stride(1) == 1}, F.conv2d's result {theirs.stride(1) == 1}, convlab's {ours.stride(1) == 1}"|f"채널이 메모리 가장 안쪽에 있는지: 입력 {x.stride(1) == 1}, F.conv2d 결과 {theirs.stride(1) == 1}, convlab 결과 {ours.stride(1) == 1}"»)

    # «8. how many PyTorch operations one call runs|8. 호출 한 번에 실행되는 PyTorch 연산 수»
    class CountOps(torch.overrides.TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.count = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.count += 1
            return func(*args, **(kwargs or {}))

    def operations(fn):
        with torch.no_grad(), CountOps() as counter:
            fn()
        return counter.count

    layers = {
        «"dense 3x3"|"일반 3x3"»: (torch.randn(2, 16, 14, 14), torch.randn(16, 16, 3, 3), dict(padding=1)),
        «"depthwise 5x5"|"깊이별 5x5"»: (torch.randn(2, 96, 7, 7), torch.randn(96, 1, 5, 5), dict(padding=2, groups=96)),
        «"stem 7x7, stride 2"|"첫 층 7x7, 스트라이드 2"»: (torch.randn(1, 3, 32, 32), torch.randn(8, 3, 7, 7), dict(stride=2, padding=3)),
        «"3x3, dilation 24"|"3x3, 팽창 24"»: (torch.randn(2, 256, 14, 14), torch.randn(256, 256, 3, 3), dict(padding=24, dilation=24)),
    }
    for name, (x, w, args) in layers.items():
        ours = lambda: convlab.conv2d_vectorized(x, w, **args)
        theirs = lambda: F.conv2d(x, w, **args)
        setting = os.environ.get("CONVLAB_COMPILED", "1")
        os.environ["CONVLAB_COMPILED"] = "0"    # «the routes of PyTorch operations alone|PyTorch 연산으로 된 경로만 씁니다»
        count, ratio = operations(ours), seconds_per_call(ours, 20) / seconds_per_call(theirs, 20)
        os.environ["CONVLAB_COMPILED"] = setting
        loops = seconds_per_call(ours, 20) / seconds_per_call(theirs, 20)
        print(«f"{name:20} convlab {count:3} operations, F.conv2d {operations(theirs)}; time ×{ratio:.1f} (with the compiled loops ×{loops:.1f})"|f"{name:20} convlab 연산 {count:3}개, F.conv2d {operations(theirs)}개; F.conv2d 대비 시간 ×{ratio:.1f} (컴파일한 반복문으로는 ×{loops:.1f})"»)
    print(«f"F.conv2d here: oneDNN available {torch.backends.mkldnn.is_available()}, vector instructions {torch.backends.cpu.get_cpu_capability()}"|f"이 컴퓨터의 F.conv2d: oneDNN 사용 가능 {torch.backends.mkldnn.is_available()}, 벡터 명령 {torch.backends.cpu.get_cpu_capability()}"»)

    # «9. one multiply-add over a block that fits the L2 cache, and over one that does not|9. 곱셈-덧셈 한 번: L2 캐시에 들어가는 블록과 들어가지 않는 블록»
    half = torch.tensor(0.5)
    for mib in (1, 32):
        a, b = torch.zeros(mib * 2**18), torch.randn(mib * 2**18)    # «2**18 float32 numbers: 1 MiB|float32 값 2**18개: 1 MiB»
        rate = a.numel() / seconds_per_call(lambda: a.addcmul_(b, half), 20) / 1e9
        print(«f"multiply-add over {mib:2} MiB: {rate:.1f} billion numbers a second"|f"{mib:2} MiB 블록 곱셈-덧셈: 초당 값 {rate * 10:.0f}억 개"»)

    # «10. threads: each one sums the products it made|10. 스레드: 각 스레드가 만든 곱은 그 스레드가 더합니다»
    g, x = torch.randn(4, 7, 7, 960), torch.randn(4, 7, 7, 960)   # «channels last (samples, rows, columns, channels), a block that fits the cache|channels_last 순서 (샘플, 행, 열, 채널). 캐시에 들어가는 크기의 블록입니다»
    threads = torch.get_num_threads()
    parts = threads if 960 % threads == 0 else 1
    by_position, by_slice = torch.empty(4, 7, 7, 960), torch.empty(parts, 4, 7, 7, 960 // parts)
    g_slices, x_slices = (t.unflatten(-1, (parts, -1)).movedim(-2, 0) for t in (g, x))   # «views (no copy), the slices outermost|뷰(복사 없음): 채널 조각을 가장 바깥 차원에 둡니다»

    def positions_then_channels():   # «the product shares out positions, the sum channels|곱셈은 위치를, 합산은 채널을 스레드에 나누어 맡깁니다»
        return torch.mul(g, x, out=by_position).sum((0, 1, 2))

    def one_slice_per_thread():      # «both share out the slices|곱셈과 합산 모두 채널 조각을 나누어 맡깁니다»
        return torch.mul(g_slices, x_slices, out=by_slice).sum((1, 2, 3)).flatten()

    torch.testing.assert_close(one_slice_per_thread(), positions_then_channels())
    ratio = seconds_per_call(positions_then_channels, 20) / seconds_per_call(one_slice_per_thread, 20)
    print(«f"{threads} threads: a product and its sum, when the sum shares out other numbers than the product did, take {ratio:.2f} times as long as when both share out the same slices"|f"스레드 {threads}개: 합산이 곱셈과 다른 값을 나누어 맡기면 곱셈과 합산에 걸리는 시간이 같은 조각을 맡길 때의 {ratio:.2f}배입니다"»)

    # «11. the floor: a 5x5 depthwise layer's 25 taps alone, against F.conv2d's whole layer|11. 하한: 5x5 깊이별 합성곱 층의 커널 칸 25개만 계산한 시간을 F.conv2d의 층 전체 시간과 비교합니다»
    x, w = torch.randn(2, 240, 14, 14), torch.randn(240, 1, 5, 5)
    block = F.pad(x, (2, 2, 2, 2)).permute(0, 2, 3, 1).contiguous()   # «padded, channels last: copied once, before the timing|입력에 패딩을 붙여 channels_last 순서로 복사합니다. 복사는 시간을 재기 전에 한 번만 합니다»
    taps, out = w.view(240, 25).t().contiguous(), torch.empty(2, 14, 14, 240)   # «each tap's 240 weights side by side|커널 칸마다 그 칸의 가중치 240개를 나란히 붙여 둡니다»

    def taps_alone():
        torch.mul(block[:, :14, :14], taps[0], out=out)
        for t in range(1, 25):
            i, j = divmod(t, 5)
            out.addcmul_(block[:, i:i + 14, j:j + 14], taps[t])

    layer = lambda: F.conv2d(x, w, padding=2, groups=240)
    taps_alone()
    torch.testing.assert_close(out.permute(0, 3, 1, 2), layer())
    tap_ratio = seconds_per_call(taps_alone, 20) / seconds_per_call(layer, 20)
    whole = seconds_per_call(lambda: convlab.conv2d_vectorized(x, w, padding=2, groups=240), 20) / seconds_per_call(layer, 20)
    print(«f"5x5 depthwise, 240 channels on 14x14: the 25 taps alone ×{tap_ratio:.1f} F.conv2d's time, convlab's whole layer ×{whole:.1f}"|f"5x5 깊이별 합성곱, 14x14 맵 채널 240개: 커널 칸 25개만 계산한 시간은 F.conv2d 시간의 {tap_ratio:.1f}배, convlab의 층 전체는 {whole:.1f}배"»)
    """),
    md("""
    ## 6. Explorer: the loops, one step at a time

    The sliding-window explorer of lesson 02 (`sliding_window_explorer`) is the naive loop drawn
    out: its **step** is the position `(oy, ox)` of the loops above, and the written-out sum is
    the innermost loops over `ky, kx`. **Press play and follow `oy, ox`; then add a second input
    channel (channels = 2) and watch the sum grow by one term per tap of the new channel — the
    sum over `k`.**
    """, """
    ## 6. 탐색기: 한 단계씩 보는 반복문

    02강에서 본 창 탐색기(`sliding_window_explorer`)는 단순 구현의 반복문을 그림으로 옮긴 것입니다.
    탐색기의 **단계**는 위 반복문의 위치 `(oy, ox)`에 해당하고, 풀어 쓴 합은 가장 안쪽의 `ky, kx`
    반복문에 해당합니다. **재생 버튼을 누르고 `oy, ox`를 따라가 보세요. 그다음 "채널 수"를 2로 올려
    입력 채널을 하나 더해 보세요. 새 채널의 커널 칸 수만큼 합의 항이 늘어납니다. 이것이 `k`에 대한
    합입니다.**
    """),
    code("""
    convlab.sliding_window_explorer(lang=$LANG, height=5, width=5)
    """),
    md("""
    ## 7. Exercises
    """, """
    ## 7. 연습 문제
    """),
    exercises({
        "06-macs": """
        answer = None   # «an int|정수»
        exercises.check("06-macs", answer, lang=$LANG)
        """,
        "06-my-conv": """
        def my_conv2d(x, w, stride):
            # «x: (H, W), w: (kH, kW); return the (H_out, W_out) output|x: (H, W), w: (kH, kW); 모양이 (H_out, W_out)인 출력을 돌려주세요»
            return None

        exercises.check("06-my-conv", my_conv2d, lang=$LANG)
        """,
        "06-unfold-shape": """
        answer = None   # «a tuple of three ints|정수 세 개로 된 튜플»
        exercises.check("06-unfold-shape", answer, lang=$LANG)
        """,
        "06-macs-grouped": """
        answer = None   # «an int|정수»
        exercises.check("06-macs-grouped", answer, lang=$LANG)
        """,
    }),
    md("""
    ## 8. Check yourself

    - An implementation is checked against `F.conv2d`/`nn.Conv2d`, over every combination of
      the arguments and all four padding modes, never against itself ([section 2](#l06-check)).
    - im2col copies every window into a column, and the whole convolution becomes one matrix
      product `weight (C_out, C_in·kH·kW) @ columns` ([section 3](#l06-im2col)).
    - Gradients through the vectorized version match those of `F.conv2d` and finite
      differences ([section 4](#l06-gradients)).
    - The Python loops are by far the slowest; the timing cell measures by how much on your
      machine ([section 5](#l06-timing)).
    - Real layers take faster routes to the same numbers, and the cells check each against
      `F.conv2d`: depthwise sums over long runs or rectangles, columns for the kernel's
      columns only, Winograd's 16 products; with a C compiler, depthwise layers, layers of small
      windows and most dense 3×3 layers run compiled C loops, forward and for most gradients,
      that keep the output cells' sums in registers, as `F.conv2d`'s oneDNN does. convlab picks
      a route for each kind of layer; `F.conv2d` does any layer in one call
      ([section 5](#l06-routes)).
    """, """
    ## 8. 스스로 확인하기

    - 구현은 그 구현만으로 확인하지 않고, 인자의 모든 조합과 네 가지 패딩 방식 모두에서
      `F.conv2d`/`nn.Conv2d`와 비교해 확인합니다([2절](#l06-check)).
    - im2col은 창마다 열 하나로 복사하고, 합성곱 전체를 행렬 곱 한 번
      `weight (C_out, C_in·kH·kW) @ columns`로 바꿉니다([3절](#l06-im2col)).
    - 벡터화 구현으로 구한 기울기는 `F.conv2d`의 기울기와도, 유한 차분과도 일치합니다
      ([4절](#l06-gradients)).
    - Python 반복문이 가장 느립니다. 얼마나 느린지는 시간을 재는 셀이 여러분의 컴퓨터에서 잽니다
      ([5절](#l06-timing)).
    - 실제 신경망의 층은 더 빠른 경로로 계산해도 같은 값을 얻습니다. 셀에서는 경로마다 결과가
      `F.conv2d`와 같은지 확인합니다. 깊이별 합성곱은 커널 칸마다 긴 구간이나 직사각형 영역 전체에
      곱셈-덧셈을 한 번에 합니다. 출력 채널이 적은 층은 입력의 각 행을 커널의 열 수만큼만
      복사합니다. 채널이 많은 3×3 층은 위노그라드 방법으로 계산을 행렬 곱 16개로 바꿉니다. 다만 C
      컴파일러가 있으면 깊이별 합성곱, 창에 든 값이 적은 층, 채널이 많은 3×3 층 대부분은 컴파일한 C
      반복문으로 순전파를 계산하고, 기울기도 대부분 같은 반복문으로 구합니다. 이 반복문은
      `F.conv2d`가 호출하는 `oneDNN`처럼 출력 칸의 합을 레지스터에 담아 둡니다. `convlab`은 층의
      종류마다 경로를 따로 고르지만, `F.conv2d`는 어떤 층이든 호출 한 번으로
      처리합니다([5절](#l06-routes)).
    """),
    md("""
    That is the whole layer. Next: [07 Filters that learn](07_learning_filters.ipynb), where
    a network of these layers learns its own kernels.
    """, """
    이것으로 합성곱 층 전체를 처음부터 끝까지 직접 구현해 보았습니다.
    다음 강의 [07 스스로 배우는 필터](07_learning_filters.ipynb)에서는 이 층을 여러 개 쌓은
    신경망이 커널을 스스로 학습합니다.
    """),
]
