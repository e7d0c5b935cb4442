"""Lesson 02: stride, padding (four modes, 'same', 'valid'), dilation, the floor, other conventions."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 02. Stride, padding and dilation: where the window goes

    Three arguments decide which input cells each output cell reads: `stride` moves the window,
    `padding` adds cells around the input, `dilation` spreads the kernel's taps apart. Together
    they give the output-size formula of lesson 01, term by term. At the end: the conventions of
    other books and libraries that differ from PyTorch's, and the bugs they cause.
    """, """
    # 02. 스트라이드, 패딩, 팽창: 창의 자리를 정하는 세 인자

    출력 칸 하나를 계산할 때 입력의 어느 칸을 쓸지는 세 인자로 정해집니다. `stride`는 창을 옮기는
    간격을, `padding`은 입력 둘레에 덧붙이는 칸 수를, `dilation`은 커널 칸 사이의 간격을 정합니다.
    세 인자를 차례로 살펴보면 01강에서 본 출력 크기 식의 각 항이 어디서 나왔는지 알 수 있습니다.
    마지막으로 다른 책이나 라이브러리의 관례 가운데 PyTorch와 다른 것을 정리하고, 그 차이 때문에
    생기는 버그를 살펴봅니다.
    """),
    SETUP,
    md("""
    ## 1. Stride: how far the window moves

    With a kernel of ones every output is the sum of its window, so we can see which cells it
    read. At `stride=1` the window moves one cell at a time; at `stride=2` it jumps two, and
    output cell `(i, j)` reads the window that starts at input cell `(2·i, 2·j)`.
    """, """
    ## 1. 스트라이드: 창이 움직이는 거리

    커널의 값이 모두 1이면 출력 값은 창 안의 값을 모두 더한 것입니다. 그래서 출력 값을 보면 어느
    칸을 더했는지 바로 알 수 있습니다. `stride=1`이면 창이 한 칸씩, `stride=2`이면 두 칸씩
    이동합니다. 이때 출력 칸 `(i, j)`는 입력 칸 `(2·i, 2·j)`에서 시작하는 창으로 계산합니다.
    """),
    code("""
    x = torch.arange(25.0).view(1, 1, 5, 5)
    ones = torch.ones(1, 1, 3, 3)
    print(x[0, 0])
    print(F.conv2d(x, ones, stride=1)[0, 0])
    out = F.conv2d(x, ones, stride=2)
    print(out[0, 0])
    for i in range(out.shape[-2]):
        for j in range(out.shape[-1]):
            assert out[0, 0, i, j] == x[0, 0, 2 * i:2 * i + 3, 2 * j:2 * j + 3].sum()
    """, "seed:stride"),
    md("""
    Like every size argument, `stride` takes an int or a tuple `(down, across)`:
    """, """
    크기를 정하는 다른 인자와 마찬가지로 `stride`도 정수 하나나 `(위아래, 좌우)` 튜플을 받습니다.
    """),
    code("""
    out = F.conv2d(x, ones, stride=(2, 1))
    print(tuple(out.shape))
    assert out.shape[-2:] == (convlab.output_size(5, 3, stride=2), convlab.output_size(5, 3, stride=1))
    """),
    md_at("l02-floor", """
    ## 2. The floor: rows that are never read

    The output-size formula rounds **down**. When the window cannot take a whole last step,
    PyTorch does not complain: it stops, and the cells past the last window are never read.
    A 6×6 input with a 3×3 kernel at stride 2 gives $\\lfloor(6-3)/2\\rfloor + 1 = 2$ positions,
    starting at rows 0 and 2, so row 5 is never read. Proof: change it and the output stays
    the same.
    """, """
    ## 2. 내림: 계산에 쓰이지 않는 행

    출력 크기 식은 나눗셈 결과를 **내림**(floor)합니다. 창을 한 번 더 옮길 만큼 칸이 남아 있지
    않으면 PyTorch는 경고 없이 거기서 멈춥니다. 마지막 창 뒤에 남은 칸은 계산에 쓰이지 않습니다. 6×6
    입력에 3×3 커널, 스트라이드 2라면 창이 놓이는 자리는 $\\lfloor(6-3)/2\\rfloor + 1 = 2$곳이고,
    각각 0행과 2행에서 시작합니다. 그래서 5행은 어떤 창에도 들어가지 않습니다. 그 행을 바꿔도 출력이
    그대로인지 확인해 봅시다.
    """, "pitfall:floor"),
    code("""
    x = torch.randn(1, 1, 6, 6)
    conv = nn.Conv2d(1, 1, 3, stride=2)
    out = conv(x)
    print(tuple(out.shape))                       # «(6 - 3) / 2 + 1 = 2.5, rounded down|(6 - 3) / 2 + 1 = 2.5를 내림»
    changed = x.clone()
    changed[..., 5, :] = 100.0                    # «the last row…|마지막 행과…»
    changed[..., :, 5] = 100.0                    # «…and the last column|…마지막 열을 바꿔도»
    assert torch.equal(conv(changed), out)        # «…the output does not move|…출력은 그대로»
    assert convlab.unused_cells(6, 3, stride=2) == 1
    """),
    md_at("l02-per-side", """
    ## 3. Zero padding, counted per side

    `padding=p` adds `p` cells on **each** side, filled with zeros by default: the input
    grows by `2·p`, which is where the formula's `2·padding` comes from. Padding by hand with
    `F.pad` and then convolving without padding gives the same numbers.
    """, """
    ## 3. 제로 패딩: 칸 수는 한쪽 기준

    `padding=p`는 입력의 **양쪽에 각각** `p`칸을 덧붙이고, 따로 정하지 않으면 0으로 채웁니다. 이것이
    제로 패딩입니다. 입력은 축마다 `2·p`만큼 커지는데, 출력 크기 식의 `2·padding`이 바로 이것입니다.
    `F.pad`로 직접 패딩한 뒤 패딩 없이 합성곱을 계산해도 같은 값이 나옵니다.
    """, "seed:padding-zeros"),
    code("""
    x = torch.arange(1.0, 10.0).view(1, 1, 3, 3)
    padded = F.pad(x, (1, 1, 1, 1))               # «(left, right, top, bottom), zeros|(왼쪽, 오른쪽, 위, 아래), 0으로»
    print(padded[0, 0])
    w = torch.randn(1, 1, 3, 3)
    assert torch.allclose(F.conv2d(x, w, padding=1), F.conv2d(padded, w), atol=1e-6)
    assert F.conv2d(x, w, padding=1).shape == x.shape     # «3 + 2·1 - 3 + 1 = 3: the size is kept|3 + 2·1 - 3 + 1 = 3: 크기 유지»
    """),
    md("""
    ## 4. Four padding modes

    `padding_mode` chooses what goes into the added cells. Here a row `[1, 2, 3]` padded by 2
    on each side (`F.pad` calls the zero mode `"constant"`, `nn.Conv2d` calls it `"zeros"`):

    - `zeros`: zeros.
    - `reflect`: a mirror at the edge cell, without repeating it.
    - `replicate`: the edge cell, repeated.
    - `circular`: the row wraps around, as if the ends were glued together.
    """, """
    ## 4. 네 가지 패딩 방식

    덧붙인 칸을 무엇으로 채울지는 패딩 방식, 곧 `padding_mode`로 정합니다. 행 `[1, 2, 3]`의 양쪽에
    2칸씩 패딩해 보겠습니다. (0으로 채우는 방식을 `F.pad`는 `"constant"`, `nn.Conv2d`는
    `"zeros"`라고 부릅니다.)

    - `zeros`: 0으로 채웁니다.
    - `reflect`: 반사. 가장자리 칸을 축으로 삼아 안쪽 값을 거울처럼 비춰 채웁니다. 가장자리 칸
      자체는 되풀이하지 않습니다.
    - `replicate`: 복제. 가장자리 칸의 값을 되풀이합니다.
    - `circular`: 순환. 양 끝이 이어져 있는 것처럼 반대쪽 끝의 값을 가져옵니다.
    """),
    code("""
    row = torch.tensor([[[[1.0, 2.0, 3.0]]]])
    for mode in ["constant", "reflect", "replicate", "circular"]:
        print(f"{mode:10}", F.pad(row, (2, 2, 0, 0), mode=mode)[0, 0, 0].tolist())
    """),
    md("""
    `nn.Conv2d(..., padding_mode=mode)` is exactly "pad with that mode, then convolve with no
    padding". Checked for all four:
    """, """
    `nn.Conv2d(..., padding_mode=mode)`는 "그 방식으로 패딩한 뒤 패딩 없이 합성곱을 계산하기"와
    같습니다. 네 방식 모두 확인해 봅시다.
    """),
    code("""
    x = torch.randn(1, 1, 5, 5)
    for mode in ["zeros", "reflect", "replicate", "circular"]:
        conv = nn.Conv2d(1, 1, 3, padding=1, padding_mode=mode, bias=False)
        manual = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="constant" if mode == "zeros" else mode), conv.weight)
        assert torch.allclose(conv(x), manual, atol=1e-6)
        print(f"{mode:10}", «"matches F.pad + F.conv2d"|"F.pad + F.conv2d와 일치"»)
    """),
    md_at("l02-mode-limits", """
    The three modes that copy values of the input can only copy what is there. `reflect` mirrors
    the input without repeating the edge cell, so its padding must be **smaller** than the
    input's size in that dimension. `circular` may wrap around at most once, so its padding may
    be **at most** the size. `replicate` and `zeros` take any padding. On a 3×3 input, with
    PyTorch's own errors:
    """, """
    입력의 값을 가져다 채우는 세 방식은 입력에 있는 값만 가져올 수 있습니다. `reflect`는 가장자리
    칸을 반복하지 않고 안쪽 값을 비추므로, 패딩이 그 방향의 입력 크기보다 **작아야** 합니다.
    `circular`는 반대쪽으로 한 바퀴까지만 돌 수 있으므로, 패딩이 입력 크기와 **같거나 작아야**
    합니다. `replicate`와 `zeros`는 패딩이 얼마든 됩니다. 3×3 입력에서 PyTorch가 내는 오류를
    그대로 보겠습니다.
    """),
    code("""
    small = torch.randn(1, 1, 3, 3)
    works = {}
    for mode, padding in [("reflect", 2), ("reflect", 3), ("circular", 3), ("circular", 4), ("replicate", 4)]:
        conv = nn.Conv2d(1, 1, 3, padding=padding, padding_mode=mode)
        try:
            print(f"{mode:9} padding={padding}: «output|출력» {tuple(conv(small).shape)}")
            works[mode, padding] = True
        except RuntimeError as error:
            print(f"{mode:9} padding={padding}: RuntimeError: {error}")
            works[mode, padding] = False
    assert works == {("reflect", 2): True, ("reflect", 3): False, ("circular", 3): True,
                     ("circular", 4): False, ("replicate", 4): True}
    """, "claim:padding-mode-limits"),
    md_at("l02-same", """
    ## 5. `padding='same'` and `padding='valid'`

    `'valid'` means no padding at all. `'same'` pads just enough for the output to be as large
    as the input (at stride 1): `dilation·(kernel_size − 1)` cells in total per axis. When that
    total is odd, PyTorch puts the extra cell **after** (bottom/right): `convlab.same_padding`
    gives the `(before, after)` split. An uneven split needs a padded copy of the input, which
    costs memory, so for the 4-wide kernel PyTorch gives a warning; the cell below catches it and
    prints only its message. The result is still right. On the module, `conv.padding` stays the
    string `'same'` or `'valid'`: the numbers are worked out from the kernel and the dilation.
    """, """
    ## 5. `padding='same'`과 `padding='valid'`

    `'valid'`는 패딩을 전혀 하지 않는다는 뜻입니다. `'same'`은 (스트라이드가 1일 때) 출력이 입력과
    같은 크기가 되도록 꼭 필요한 만큼만 패딩합니다. 축마다 모두 `dilation·(kernel_size − 1)`칸입니다.
    이 합이 홀수이면 PyTorch는 남는 한 칸을 **뒤쪽**(아래쪽과 오른쪽)에 둡니다. 앞뒤로 몇 칸씩
    나뉘는지는 `convlab.same_padding`이 `(앞, 뒤)`로 알려 줍니다. 앞뒤 패딩이 다르면 입력을 패딩한
    복사본을 따로 만들어야 해서 메모리가 더 듭니다. 그래서 크기가 4인 커널에서는 PyTorch가 경고를
    냅니다. 아래 셀은 이 경고를 받아서 메시지만 출력합니다. 결과는 맞습니다. 층의 `conv.padding`에는
    숫자가 아니라 문자열 `'same'`이나 `'valid'`가 그대로 남습니다. 실제 칸 수는 커널 크기와 팽창에서
    계산합니다.
    """),
    code("""
    import warnings

    x = torch.randn(1, 1, 7, 7)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in [3, 4, 5]:
            conv = nn.Conv2d(1, 1, k, padding="same", bias=False)
            print(f"«kernel|커널» {k}: «(before, after)|(앞, 뒤)» = {convlab.same_padding(k)}, «output|출력» {tuple(conv(x).shape)}")
            assert conv(x).shape == x.shape
    for warning in caught:        # «the message only, without the file it was raised in|경고가 난 파일 위치 없이 메시지만»
        print(«"PyTorch warns:"|"PyTorch의 경고:"», str(warning.message).split(" (Triggered internally")[0])

    conv = nn.Conv2d(1, 1, 4, padding="same", bias=False)
    before, after = convlab.same_padding(4)
    assert (before, after) == (1, 2)               # «the extra cell goes after|남는 칸은 뒤에»
    manual = F.conv2d(F.pad(x, (before, after, before, after)), conv.weight)
    assert torch.allclose(conv(x), manual, atol=1e-6)

    valid = nn.Conv2d(1, 1, 3, padding="valid")
    assert torch.allclose(valid(x), F.conv2d(x, valid.weight, valid.bias, padding=0))
    assert valid(x).shape[-1] == 7 - 3 + 1
    print("conv.padding =", repr(conv.padding), "  valid.padding =", repr(valid.padding))
    assert conv.padding == "same" and valid.padding == "valid"
    """, "claim:same-padding-module"),
    md_at("l02-same-warning", """
    PyTorch's rule for that warning is exact: it warns when `dilation·(kernel_size − 1)` is odd
    in some dimension, that is for an even kernel with an odd dilation. Not every even kernel:
    `kernel_size=2` with `dilation=2` needs 2 cells, one on each side, and gets no warning.

    And the warning comes **once per process**: run the cell above again and nothing is printed,
    because `F.conv2d` gave it already. To see it every time, `torch.set_warn_always(True)`; the
    cell below does that for a moment to ask PyTorch about every kernel size and dilation up to 4:
    """, """
    PyTorch가 이 경고를 내는 규칙은 정확합니다. 어느 한 방향에서든 `dilation·(kernel_size − 1)`이
    홀수이면 경고합니다. 곧 커널 크기가 짝수이고 팽창이 홀수일 때입니다. 짝수 커널이라고 모두 경고가
    나는 것은 아닙니다. `kernel_size=2`에 `dilation=2`이면 필요한 패딩이 2칸이라 앞뒤로 한 칸씩
    나뉘고, 경고도 없습니다.

    그리고 이 경고는 **프로세스마다 한 번만** 나옵니다. 위 셀을 다시 실행해도 아무것도 출력되지
    않습니다. `F.conv2d`가 이미 한 번 경고했기 때문입니다. 매번 보려면 `torch.set_warn_always(True)`를
    쓰세요. 아래 셀은 잠깐 이 설정을 켜고, 4까지의 모든 커널 크기와 팽창에 대해 PyTorch에 물어봅니다.
    """),
    code("""
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        nn.Conv2d(1, 1, 4, padding="same", bias=False)(x)
    print(«f"the 4-wide kernel once more: {len(again)} warnings"|f"크기 4인 커널을 한 번 더: 경고 {len(again)}개"»)
    assert not again

    def warns(k, d):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            F.conv2d(torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, k, k), padding="same", dilation=d)
        return len(caught) > 0

    was = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        table = {(k, d): warns(k, d) for k in range(1, 5) for d in range(1, 5)}
    finally:
        torch.set_warn_always(was)
    print(«"W: PyTorch warns"|"W: PyTorch가 경고함"»)
    header = "kernel_size ↓  dilation →  "
    print(header + "  ".join(str(d) for d in range(1, 5)))
    for k in range(1, 5):
        print(f"{k:>11}".ljust(len(header)) + "  ".join("W" if table[k, d] else "." for d in range(1, 5)))
    assert all(warned == (d * (k - 1) % 2 == 1) for (k, d), warned in table.items())
    """, "claim:same-warning-rule"),
    md("""
    `'same'` is only defined at stride 1. With a larger stride PyTorch refuses; this cell fails
    **on purpose** to show the error:
    """, """
    `'same'`은 스트라이드가 1일 때만 정의됩니다. 스트라이드가 더 크면 PyTorch가 오류를 냅니다.
    다음 셀은 그 오류를 보여 주려고 **일부러** 실패합니다.
    """),
    code("""
    nn.Conv2d(1, 1, 3, stride=2, padding="same")
    """, "raises-exception", "pitfall:same-stride"),
    md("""
    TensorFlow's `padding='SAME'` does accept a stride: it pads so that the output has
    $\\lceil H / \\text{stride} \\rceil$ rows. In PyTorch you pad by hand to get the same result
    (the extra cell after, as TensorFlow does):
    """, """
    TensorFlow의 `padding='SAME'`은 스트라이드가 1보다 커도 받아들입니다. 출력이
    $\\lceil H / \\text{stride} \\rceil$행이 되도록 알아서 패딩합니다. PyTorch에서 같은 결과를
    얻으려면 직접 패딩하면 됩니다(TensorFlow처럼 남는 칸은 뒤에 둡니다).
    """, "pitfall:tf-same"),
    code("""
    import math

    def tf_same(x, weight, stride):
        \"\"\"«TensorFlow's padding='SAME' for a square input and kernel|정사각형 입력과 커널에 대한 TensorFlow의 padding='SAME'»\"\"\"
        size, k = x.shape[-1], weight.shape[-1]
        total = max((math.ceil(size / stride) - 1) * stride + k - size, 0)
        before, after = total // 2, total - total // 2
        return F.conv2d(F.pad(x, (before, after, before, after)), weight, stride=stride)

    for size in [7, 8]:
        y = tf_same(torch.randn(1, 1, size, size), torch.randn(1, 1, 3, 3), stride=2)
        print(size, "->", y.shape[-1])
        assert y.shape[-1] == math.ceil(size / 2)
    """),
    md_at("l02-dilation", """
    ## 6. Dilation: a kernel with gaps (atrous)

    `dilation=d` leaves `d − 1` empty cells between the kernel's taps. The idea comes from the
    *atrous* algorithm ("à trous", with holes): a 3×3 kernel at `dilation=2` keeps its 9
    weights but covers a 5×5 area, $d\\cdot(k-1)+1 = 5$. It computes exactly what a 5×5 kernel
    with zeros in the gaps computes:
    """, """
    ## 6. 팽창: 빈칸이 있는 커널 (아트러스)

    `dilation=d`는 커널 칸 사이에 빈칸을 `d − 1`개씩 둡니다. 이것이 팽창(dilation)입니다. 이
    아이디어는 아트러스(atrous) 알고리즘에서 왔습니다. "à trous"는 프랑스어로 "구멍이 있는"이라는
    뜻입니다. `dilation=2`인 3×3 커널은 가중치 9개를 그대로 두고도 한 변이 $d\\cdot(k-1)+1 = 5$칸인
    5×5 영역을 덮습니다. 계산 결과는 빈칸에 0을 넣은 5×5 커널과 정확히 같습니다.
    """, "seed:dilation"),
    code("""
    w = torch.randn(1, 1, 3, 3)
    x = torch.randn(1, 1, 9, 9)
    spread = torch.zeros(1, 1, 5, 5)
    spread[..., ::2, ::2] = w                      # «the same 9 taps, one empty cell between them|같은 가중치 9개, 사이에 빈칸 하나»
    print(spread[0, 0])
    assert torch.allclose(F.conv2d(x, w, dilation=2), F.conv2d(x, spread), atol=1e-6)
    """),
    md("""
    Stacking dilated layers grows the **receptive field**, the input area one output depends on,
    quickly and with few weights. Autograd can measure it: the input cells whose gradient is not
    zero are the ones the centre output reads. Three 3×3 layers with dilations 1, 2 and 4 see
    $1 + 2\\cdot(1 + 2 + 4) = 15$ rows.
    """, """
    팽창된 층을 쌓으면 가중치를 조금만 쓰고도 **수용 영역**(receptive field)이 빠르게 넓어집니다.
    수용 영역은 출력 값 하나에 영향을 주는 입력 영역입니다. 이 영역의 크기는 `autograd`로 직접 잴 수
    있습니다. 가운데 출력 값을 역전파했을 때 기울기(gradient)가 0이 아닌 입력 칸이 바로 그 출력을
    계산하는 데 쓰인 칸입니다. 팽창이 1, 2, 4인 3×3 층 세 개를 쌓으면 수용 영역의 높이가
    $1 + 2\\cdot(1 + 2 + 4) = 15$행이 됩니다.
    """),
    code("""
    stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, dilation=d, bias=False) for d in (1, 2, 4)])
    for layer in stack:
        nn.init.ones_(layer.weight)                 # «positive weights: no accidental zeros|양수 가중치: 우연히 0이 되는 일 없음»
    x = torch.randn(1, 1, 32, 32, requires_grad=True)
    out = stack(x)
    out[0, 0, out.shape[-2] // 2, out.shape[-1] // 2].backward()
    seen = x.grad[0, 0] != 0
    rows, cols = int(seen.any(1).sum()), int(seen.any(0).sum())
    print(«"receptive field:"|"수용 영역:"», rows, "x", cols)
    assert rows == cols == 1 + 2 * (1 + 2 + 4)
    """),
    md("""
    ## 7. Explorer: the sliding window

    The explorer draws the input (blue), the padding (grey), the kernel's taps (orange) and the
    output (green), one window position per step. **Press Play and watch the window move. Then
    set the stride to 2: it jumps two cells, and the bottom row turns red — the floor never reads
    it. Set the padding to 1 and switch `padding_mode` to `reflect` to see the border fill with
    mirrored values; set the dilation to 2 and watch the taps spread.**
    """, """
    ## 7. 탐색기: 움직이는 창

    탐색기는 입력(파랑), 패딩(회색), 커널 칸(주황), 출력(초록)을 그리고, 한 단계마다 창이 놓이는
    자리를 하나씩 보여 줍니다. **재생 버튼을 누르고 창이 움직이는 것을 보세요. 그다음 스트라이드를
    2로 바꾸면 창이 두 칸씩 건너뛰고, 맨 아래 행이 빨간색으로 바뀝니다. 내림 때문에 어떤 창에도
    들어가지 않는 행입니다. 패딩을 1로 하고 `padding_mode`를 `reflect`로 바꾸면 테두리가 거울처럼
    비친 값으로 채워집니다. 팽창을 2로 바꾸면 커널 칸 사이가 벌어집니다.**
    """),
    code("""
    convlab.sliding_window_explorer(lang=$LANG, height=6, width=6)
    """),
    md("""
    ## 8. Conventions that differ from PyTorch's

    Other books, courses and libraries write the same ideas differently. Each row below is a
    real source of bugs when code or numbers are carried over to PyTorch:

    | You may have read | In PyTorch |
    |---|---|
    | d2l: padding $p_h$ = the rows added **in total** | `padding` is **per side**: $p_h/2$ |
    | cs231n: dilation 0 means no gaps | `dilation=1` means no gaps; 0 is an error |
    | cs231n, CNN Explainer: $(W - F + 2P)/S + 1$ must be an integer, else the setting is invalid | the division rounds down and the leftover rows are silently dropped (section 2) |
    | TensorFlow: `'SAME'` with stride gives $\\lceil H/\\text{stride}\\rceil$ | `padding='same'` refuses stride > 1; pad by hand (section 5) |
    | "convolution" flips the kernel | cross-correlation, no flip (lesson 01) |
    | textbook loops: divide the loop bound by the stride **and** step by it | output `i` starts at row `i·stride`, for `i` in `range(H_out)` |

    (The depthwise mix-up, which of `in_channels` and `out_channels` `groups` must equal,
    waits for lesson 03.) The first three rows, in numbers:
    """, """
    ## 8. PyTorch와 다른 관례

    다른 책과 강좌, 라이브러리는 같은 개념을 다르게 나타내기도 합니다. 아래 표의 각 줄은 다른 곳의
    코드나 값을 PyTorch로 옮길 때 실제로 버그를 일으키는 차이입니다.

    | 다른 곳에서 본 내용 | PyTorch에서는 |
    |---|---|
    | d2l: 패딩 $p_h$ = **양쪽을 합한** 행 수 | `padding`은 **한쪽** 값: $p_h/2$ |
    | cs231n: 팽창 0이 빈칸 없음 | `dilation=1`이 빈칸 없음, 0은 오류 |
    | cs231n, CNN Explainer: $(W - F + 2P)/S + 1$이 정수가 아니면 잘못된 설정 | 나눗셈을 내림하고, 남는 행은 경고 없이 버림(2절) |
    | TensorFlow: 스트라이드가 있는 `'SAME'`은 $\\lceil H/\\text{stride}\\rceil$ | `padding='same'`은 스트라이드가 1보다 크면 오류, 직접 패딩(5절) |
    | 합성곱은 커널을 뒤집음 | 교차 상관이므로 뒤집지 않음(01강) |
    | 교재의 반복문: 반복 범위를 스트라이드로 나누고 **또** 스트라이드만큼 건너뜀 | 출력 `i`는 `i·stride`행에서 시작, `i`는 `range(H_out)` |

    (깊이별 합성곱에서 `groups`가 `in_channels`와 `out_channels` 중 어느 쪽과 같아야 하는지
    헷갈리는 문제는 03강에서 다룹니다.) 표의 처음 세 줄을 직접 계산해서 확인해 봅시다.
    """),
    code("""
    n, k = 8, 3
    p_total = k - 1                                 # «d2l: rows added in total to keep the size|d2l: 크기를 유지하려고 더하는 전체 행 수»
    assert n - k + p_total + 1 == n                 # «d2l's formula: n - k + p + 1|d2l의 식: n - k + p + 1»
    keep = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), padding=p_total // 2)
    assert keep.shape[-1] == n                      # «PyTorch: half of it per side|PyTorch: 한쪽에 절반»
    grown = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), padding=p_total)
    assert grown.shape[-1] == n + p_total           # «d2l's total passed as PyTorch's padding: too big|d2l의 합계를 PyTorch의 패딩 값으로 쓰면 너무 큼»

    try:
        nn.Conv2d(1, 1, 3, dilation=0)(torch.zeros(1, 1, 5, 5))
    except RuntimeError as error:
        print("dilation=0:", error)

    assert (7 - 3) / 2 + 1 == 3.0 and (6 - 3) / 2 + 1 == 2.5        # «cs231n: 6 is 'invalid'|cs231n: 6은 '잘못된 설정'»
    assert F.conv2d(torch.zeros(1, 1, 6, 6), torch.zeros(1, 1, 3, 3), stride=2).shape[-1] == 2   # «PyTorch: floor|PyTorch: 내림»
    """, "pitfall:padding-per-side", "pitfall:dilation-one"),
    md("""
    And the loop bug. Both versions below list the rows where the window starts; only one agrees
    with `F.conv2d` on how many windows there are:
    """, """
    다음은 반복문 버그입니다. 아래 두 함수는 모두 창이 시작하는 행을 나열합니다. 그중 창의 개수가
    `F.conv2d`와 맞는 것은 하나뿐입니다.
    """),
    code("""
    def window_starts_buggy(size, k, stride):       # «divides the bound AND steps by the stride|범위를 나누고 또 건너뜀»
        return list(range(0, (size - k + 1) // stride, stride))

    def window_starts(size, k, stride):             # «output i starts at i·stride|출력 i는 i·stride에서 시작»
        return [i * stride for i in range((size - k) // stride + 1)]

    size, k, stride = 9, 3, 2
    h_out = F.conv2d(torch.zeros(1, 1, size, 1), torch.zeros(1, 1, k, 1), stride=stride).shape[-2]
    print(window_starts_buggy(size, k, stride), window_starts(size, k, stride), h_out)
    assert len(window_starts(size, k, stride)) == h_out
    assert len(window_starts_buggy(size, k, stride)) != h_out
    geo = convlab.geometry((size, 1), (k, 1), stride=(stride, 1))
    assert [geo.window(i, 0)[0][0] for i in range(h_out)] == window_starts(size, k, stride)
    """, "pitfall:naive-stride"),
    md("""
    The lesson: check every implementation against `F.conv2d`, never against itself. Lesson 06
    does exactly that.

    ## 9. Exercises
    """, """
    교훈은 이렇습니다. 구현을 확인할 때는 그 구현이 낸 결과끼리 비교하지 말고, 언제나 `F.conv2d`와
    비교하세요. 06강에서 바로 그렇게 합니다.

    ## 9. 연습 문제
    """),
    exercises({
        "02-same-padding": """
        answer = None   # «an int|정수»
        exercises.check("02-same-padding", answer, lang=$LANG)
        """,
        "02-unused-rows": """
        answer = None   # «an int|정수»
        exercises.check("02-unused-rows", answer, lang=$LANG)
        """,
        "02-padding-mode": """
        answer = None   # «"zeros", "reflect", "replicate" or "circular"|"zeros", "reflect", "replicate", "circular" 중 하나»
        exercises.check("02-padding-mode", answer, lang=$LANG)
        """,
        "02-dilated-span": """
        answer = None   # «an int|정수»
        exercises.check("02-dilated-span", answer, lang=$LANG)
        """,
        "02-rect-padding": """
        answer = None   # «a pair of ints (rows, columns)|정수 두 개 (행, 열)»
        exercises.check("02-rect-padding", answer, lang=$LANG)
        """,
    }),
    md("""
    ## 10. Check yourself

    - `padding` counts cells **per side**, and the output size rounds down: rows past the last
      whole window are never read ([section 2](#l02-floor), [section 3](#l02-per-side)).
    - `reflect` needs padding smaller than the input, `circular` at most the input's size;
      `zeros` and `replicate` take any ([section 4](#l02-mode-limits)).
    - `padding='same'` works at stride 1 only and puts an odd extra cell after; `conv.padding`
      stays the string ([section 5](#l02-same)).
    - PyTorch warns about `'same'` exactly when `dilation·(kernel_size − 1)` is odd, once per
      process ([section 5](#l02-same-warning)).
    - A dilated kernel keeps its weights and spans $d\\cdot(k-1)+1$ cells
      ([section 6](#l02-dilation)).
    """, """
    ## 10. 스스로 확인하기

    - `padding`은 **한쪽** 칸 수입니다. 출력 크기는 내림으로 구하므로, 마지막 창 뒤에 남은 행은
      계산에 쓰이지 않습니다([2절](#l02-floor), [3절](#l02-per-side)).
    - `reflect`는 패딩이 입력 크기보다 작아야 하고, `circular`는 입력 크기 이하여야 합니다. `zeros`와
      `replicate`는 패딩이 얼마든 됩니다([4절](#l02-mode-limits)).
    - `padding='same'`은 스트라이드 1에서만 되고, 홀수일 때 남는 칸을 뒤에 둡니다. `conv.padding`에는
      문자열이 그대로 남습니다([5절](#l02-same)).
    - PyTorch는 `dilation·(kernel_size − 1)`이 홀수일 때만 `'same'` 경고를 내고, 프로세스마다 한
      번만 냅니다([5절](#l02-same-warning)).
    - 팽창된 커널은 가중치 수는 그대로이고 $d\\cdot(k-1)+1$칸에 걸칩니다([6절](#l02-dilation)).
    """),
    md("""
    Next: [03 Groups and depthwise convolutions](03_groups_depthwise.ipynb).
    """, """
    다음 강의: [03 그룹과 깊이별 합성곱](03_groups_depthwise.ipynb).
    """),
]
