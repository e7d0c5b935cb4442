"""Lesson 07: a kernel learned by gradient descent, a small CNN trained on MNIST, what it learned."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 07. Filters that learn

    Until now every kernel was either random or written by hand. In a trained network nobody
    writes them: gradient descent finds them. This lesson first lets gradient descent find a kernel
    we know, the Sobel kernel of lesson 04, and looks at why it is sometimes slow. Then it trains a
    small convolutional network on MNIST digits, looks at the filters it learned and at the digits
    it still confuses, and finally trains the same network on convlab's own `Conv2d` from
    lesson 06.
    """, """
    # 07. 스스로 배우는 필터

    지금까지 커널은 무작위로 정하거나 사람이 직접 적어 넣은 것이었습니다. 학습된 신경망에서는 아무도
    커널을 직접 정하지 않습니다. 경사 하강법(gradient descent)이 커널을 찾아냅니다. 이번 강의에서는 먼저 답을 이미 아는
    커널, 곧 04강의 소벨 커널을 경사 하강법으로 다시 찾아보고, 그 과정이 왜 때때로 느린지
    알아봅니다. 그다음 MNIST 숫자 이미지로 작은 합성곱 신경망을 학습시키고, 신경망이 배운 필터와
    아직 헷갈리는 숫자를 살펴봅니다. 마지막으로 같은 신경망을 06강에서 만든 convlab의 `Conv2d`로
    학습시킵니다.
    """),
    SETUP,
    md("""
    ## 1. The digits, as tensors

    The data is lesson 04's: `convlab.mnist` makes sure the files are there (the offline sample of
    4,000 training and 1,000 test digits when there is no internet), then torchvision reads them.
    """, """
    ## 1. 텐서로 준비한 숫자 이미지

    데이터는 04강과 같습니다. `convlab.mnist`가 파일을 준비하고(인터넷이 없으면 학습용 4,000장과
    테스트용 1,000장으로 된 오프라인 샘플을 씁니다), torchvision이 그 파일을 불러옵니다.
    """),
    code("""
    from torchvision import datasets, transforms

    convlab.mnist(root="../datasets/", lang=$LANG)
    to_tensor = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    train_set = datasets.MNIST(root="../datasets/", train=True, download=True, transform=to_tensor)
    test_set = datasets.MNIST(root="../datasets/", train=False, download=True, transform=to_tensor)
    print(len(train_set), len(test_set))
    """),
    md("""
    A `DataLoader` over `train_set` runs the transform on every image, in every epoch (one pass
    over the training data). Our images are few and small, so we transform them **once** into two
    tensors. `train_set.data` holds the raw pixels (0-255); `ToTensor` divides by 255 and
    `Normalize((0.5,), (0.5,))` computes `(x − 0.5) / 0.5`, so the same arithmetic on the whole
    tensor gives the same numbers, checked on one image. We take the first 4,000 and 1,000
    images: the whole sample offline, and the same amount of work when the full data set is there.
    """, """
    `train_set`으로 `DataLoader`를 만들면 에포크(학습 데이터를 한 바퀴 도는 것)마다 이미지 한 장
    한 장에 변환을 다시 실행합니다. 이미지가 적고 작으니 여기서는 변환을 **한 번만** 해서 텐서 두
    개로 만들어 둡니다. `train_set.data`에는 0-255 범위의 픽셀 값이 그대로 있습니다. `ToTensor`는
    255로 나누고 `Normalize((0.5,), (0.5,))`는 `(x − 0.5) / 0.5`를 계산하므로, 텐서 전체에 같은
    계산을 하면 같은 값이 나옵니다. 이미지 한 장으로 확인합니다. 학습용은 앞에서부터 4,000장,
    테스트용은 1,000장을 씁니다. 오프라인이면 샘플 전체이고, 전체 데이터셋을 받아 두었어도 계산량은
    같습니다.
    """),
    code("""
    def as_tensors(data_set, n):
        \"\"\"«The first n images, transformed once: (n, 1, 28, 28) floats and n labels.|앞에서부터 n장을 한 번에 변환: (n, 1, 28, 28) 실수 텐서와 레이블 n개.»\"\"\"
        images = (data_set.data[:n].float() / 255 - 0.5) / 0.5
        return images.unsqueeze(1), data_set.targets[:n]

    x_train, y_train = as_tensors(train_set, 4000)
    x_test, y_test = as_tensors(test_set, 1000)
    assert torch.allclose(x_train[7], train_set[7][0], atol=1e-6)     # «the transform's own numbers|변환이 낸 값과 같음»
    print(tuple(x_train.shape), tuple(x_test.shape), torch.bincount(y_test).tolist())
    """),
    md_at("l07-sobel", """
    ## 2. Learning the Sobel kernel back

    The experiment of *Dive into Deep Learning* (d2l), on a real digit: filter a digit with
    `sobel_x` to get `wanted`, then give a layer `nn.Conv2d(1, 1, 3, bias=False)` with random
    weights only the digit and `wanted`. Can it find the kernel? Each step of **gradient descent**
    does four things:

    1. compute the layer's output and the **loss**, how far it is from `wanted`; here the mean
       squared error `F.mse_loss`;
    2. `optimizer.zero_grad()`: PyTorch adds new gradients to old ones, so clear the last step's;
    3. `loss.backward()`: autograd computes the **gradient**, ∂loss/∂weight for all nine weights;
    4. `optimizer.step()`: `torch.optim.SGD` moves every weight against its gradient,
       `weight ← weight − lr · gradient`, where `lr` is the **learning rate**.
    """, """
    ## 2. 소벨 커널을 다시 찾기

    *Dive into Deep Learning*(d2l)의 실험을 실제 숫자 이미지로 해 봅니다. 숫자 이미지를 `sobel_x`로
    걸러 `wanted`를 만든 다음, 무작위 가중치로 시작하는 층 `nn.Conv2d(1, 1, 3, bias=False)`에는
    숫자 이미지와 `wanted`만 줍니다. 이 층이 커널을 찾아낼 수 있을까요? **경사 하강법**의 한
    단계는 네 가지 일을 합니다.

    1. 층의 출력을 계산하고, 그 출력이 `wanted`와 얼마나 다른지 **손실**(loss)을 구합니다. 여기서는
       평균 제곱 오차 `F.mse_loss`를 씁니다.
    2. `optimizer.zero_grad()`: PyTorch는 새 기울기를 이전 기울기에 더하므로, 지난 단계의 기울기를
       지웁니다.
    3. `loss.backward()`: `autograd`가 **기울기**(gradient), 곧 가중치 아홉 개 각각에 대한
       `∂loss/∂weight`를 계산합니다.
    4. `optimizer.step()`: `torch.optim.SGD`가 모든 가중치를 기울기의 반대 방향으로 옮깁니다.
       식으로는 `weight ← weight − lr · gradient`이고, `lr`이 **학습률**(learning rate)입니다.
    """),
    code("""
    digit = x_train[:1]                                         # (1, 1, 28, 28)
    sobel_x = convlab.KERNELS["sobel_x"].view(1, 1, 3, 3)
    wanted = F.conv2d(digit, sobel_x)                           # «what the layer must learn to output|층이 배워서 내야 할 출력»

    def learn(momentum, lr=0.1, steps=200):
        torch.manual_seed(0)
        layer = nn.Conv2d(1, 1, 3, bias=False)                  # «random weights in ±1/3 (lesson 04)|±1/3 범위의 무작위 가중치 (04강)»
        optimizer = torch.optim.SGD(layer.parameters(), lr=lr, momentum=momentum)
        losses, snapshots = [], {0: layer.weight[0, 0].detach().clone()}
        for step in range(1, steps + 1):
            loss = F.mse_loss(layer(digit), wanted)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if step in (10, 50, steps):
                snapshots[step] = layer.weight[0, 0].detach().clone()
        return layer, losses, snapshots

    layer, losses, snapshots = learn(momentum=0.0)
    plain_error = (layer.weight - sobel_x).abs().max().item()
    print(«f"plain SGD, 200 steps: loss {losses[-1]:.1e}, largest weight error {plain_error:.3f}"|f"모멘텀 없는 SGD, 200단계: 손실 {losses[-1]:.1e}, 가중치 오차의 최댓값 {plain_error:.3f}"»)
    convlab.plot_kernel_fit(losses, snapshots, sobel_x[0, 0], lang=$LANG)
    """),
    md("""
    The loss drops by a factor of a hundred in the first steps, and the kernel takes Sobel's
    pattern: negative on the left, positive on the right. But then the descent crawls: after 200
    steps some weights are still clearly off. Why?
    """, """
    처음 몇 단계에서 손실이 100분의 1로 줄고, 커널도 소벨의 모양(왼쪽은 음수, 오른쪽은 양수)을
    갖춥니다. 그런데 그다음부터는 손실이 아주 느리게 줄어듭니다. 200단계가 지나도 몇몇 가중치는 아직 눈에
    띄게 다릅니다. 왜 그럴까요?
    """),
    md_at("l07-limit", """
    ## 3. Why it crawls: the curvature and the learning-rate limit

    The layer's output is linear in its nine weights, so the loss is a bowl (a quadratic), and its
    **curvature** is one fixed 9×9 matrix: $\\frac{2}{L}\\sum_p p\\,p^\\top$ over the $L$ windows $p$ of
    the digit (`F.unfold` lists them as columns, lesson 06). Along each eigenvector of that matrix,
    one SGD step multiplies the distance to the answer by $1 - \\text{lr}\\cdot\\lambda$, with
    $\\lambda$ its eigenvalue. So:

    - SGD converges only if $|1 - \\text{lr}\\cdot\\lambda| < 1$ for every $\\lambda$, that is
      $\\text{lr} < 2 / \\lambda_{max}$: above that limit the loss explodes;
    - the flattest direction shrinks by only $1 - \\text{lr}\\cdot\\lambda_{min}$ per step.

    A digit has a huge $\\lambda_{max}$ (its background is −1 everywhere, so raising all nine
    weights together changes every output a lot) and a tiny $\\lambda_{min}$ (neighbouring pixels
    are nearly equal, so moving weight from one tap to its neighbour hardly changes the output).
    The cell computes both, checks the curvature against autograd's own Hessian, and predicts
    how much of the slowest error is left after 200 steps at `lr=0.1`:
    """, """
    ## 3. 느린 이유: 곡률과 학습률의 한계

    층의 출력은 가중치 아홉 개에 대해 선형입니다. 그래서 손실은 그릇 모양의 이차식이고, 그
    **곡률**(curvature)은 고정된 9×9 행렬 하나입니다. 숫자 이미지의 창 $L$개를 각각 $p$라고 하면 이
    행렬은 $\\frac{2}{L}\\sum_p p\\,p^\\top$입니다(06강에서 본 `F.unfold`가 이 창들을 열로 늘어놓습니다).
    이 행렬의 고유벡터 방향마다, SGD 한 단계는 답까지의 거리에 $1 - \\text{lr}\\cdot\\lambda$를
    곱합니다. $\\lambda$는 그 방향의 고윳값입니다. 그래서 다음이 성립합니다.

    - 모든 $\\lambda$에서 $|1 - \\text{lr}\\cdot\\lambda| < 1$일 때, 곧 $\\text{lr} < 2 / \\lambda_{max}$일
      때만 SGD가 수렴합니다. 이 한계를 넘으면 손실이 폭발합니다.
    - 가장 평평한 방향의 거리는 한 단계에 $1 - \\text{lr}\\cdot\\lambda_{min}$배로만 줄어듭니다.

    숫자 이미지에서는 $\\lambda_{max}$가 아주 큽니다. 배경이 모두 −1이라서 가중치 아홉 개를 함께
    키우면 모든 출력이 크게 바뀌기 때문입니다. 반대로 $\\lambda_{min}$은 아주 작습니다. 이웃한 픽셀
    값이 거의 같아서, 한 커널 칸의 가중치를 이웃 칸으로 옮겨도 출력이 거의 바뀌지 않기 때문입니다.
    아래 셀은 두 값을 계산하고, 곡률 행렬이 `autograd`로 구한 헤세 행렬과 같은지 확인합니다. 그리고
    `lr=0.1`로 200단계를 진행한 뒤 가장 느린 방향의 오차가 얼마나 남는지 예측합니다.
    """),
    code("""
    patches = F.unfold(digit, 3)[0]                             # «(9, 676): every 3×3 window as a column|(9, 676): 3×3 창마다 열 하나»
    curvature = 2 * patches @ patches.T / patches.shape[1]
    hessian = torch.autograd.functional.hessian(
        lambda w: F.mse_loss(F.conv2d(digit, w.view(1, 1, 3, 3)), wanted), torch.zeros(9))
    assert torch.allclose(hessian, curvature, rtol=1e-4, atol=1e-4)

    eigenvalues = torch.linalg.eigvalsh(curvature)
    low, high = eigenvalues[0].item(), eigenvalues[-1].item()
    print(f"λ_min = {low:.3f}, λ_max = {high:.2f}, λ_max / λ_min = {high / low:.0f}")
    print(«f"plain SGD converges for lr < 2 / λ_max = {2 / high:.3f}"|f"모멘텀 없는 SGD는 lr < 2 / λ_max = {2 / high:.3f}일 때 수렴합니다"»)
    assert abs(convlab.sgd_limit(digit) - 2 / high) < 1e-4
    print(«f"after 200 steps at lr=0.1 the slowest error keeps {(1 - 0.1 * low) ** 200:.0%} of its size"|f"lr=0.1로 200단계를 진행해도 가장 느린 방향의 오차는 처음 크기의 {(1 - 0.1 * low) ** 200:.0%}가 남습니다"»)
    """, "claim:sgd-limit"),
    md_at("l07-momentum", """
    ## 4. Momentum

    The remedy most networks use is **momentum**: `torch.optim.SGD(..., momentum=0.9)` keeps a
    running sum of past gradients and steps along it. Along the flat direction the small gradients
    all point the same way and add up (up to ten times the plain step when `momentum=0.9`); along
    the steep direction they alternate in sign and cancel. Same learning rate, same 200 steps:
    """, """
    ## 4. 모멘텀

    대부분의 신경망이 쓰는 해결책은 **모멘텀**입니다. `torch.optim.SGD(..., momentum=0.9)`는 지난
    기울기들의 누적 합을 기억해 두고 그 방향으로 이동합니다. 평평한 방향에서는 작은 기울기들이 모두
    같은 쪽을 가리키므로 차곡차곡 쌓입니다(`momentum=0.9`이면 모멘텀 없는 한 걸음의 최대 열 배).
    가파른 방향에서는 기울기의 부호가 번갈아 바뀌어 서로 상쇄됩니다. 학습률도, 단계 수 200도 그대로
    두고 다시 해 봅시다.
    """),
    code("""
    layer, losses, snapshots = learn(momentum=0.9)
    momentum_error = (layer.weight - sobel_x).abs().max().item()
    print(«f"momentum 0.9, 200 steps: loss {losses[-1]:.1e}, largest weight error {momentum_error:.1e}"|f"모멘텀 0.9, 200단계: 손실 {losses[-1]:.1e}, 가중치 오차의 최댓값 {momentum_error:.1e}"»)
    assert momentum_error < 1e-3 < plain_error
    convlab.plot_kernel_fit(losses, snapshots, sobel_x[0, 0], lang=$LANG)
    """),
    md("""
    ## 5. Explorer: gradient descent on a kernel

    **Start with momentum 0 and move the learning rate: below the limit in the readout the loss
    falls, just above it the loss explodes. Then set momentum to 0.9 and watch the kernel reach
    its target in far fewer steps. Try the target kernel "blur" and other digits: the limit moves
    with the image, because the curvature is made of the image's windows.**
    """, """
    ## 5. 탐색기: 커널을 찾는 경사 하강법

    **먼저 모멘텀을 0으로 두고 학습률을 움직여 보세요. 학습률이 결과 표시줄에 나온 한계보다 작으면 손실이
    줄고, 조금만 넘어도 손실이 폭발합니다. 그다음 모멘텀을 0.9로 바꾸면 커널이 훨씬 적은 단계 만에
    목표에 닿습니다. 목표 커널을 "흐리게 (blur)"로 바꾸고 다른 숫자 이미지도 골라 보세요. 곡률이
    이미지의 창으로 만들어지므로 한계도 이미지에 따라 달라집니다.**
    """),
    code("""
    convlab.kernel_descent_explorer(x_train, lang=$LANG, lr=0.1, momentum=0.0, steps=100)
    """),
    md("""
    The explorer runs the whole descent again on every slider move, up to 300 steps. Training a
    real layer (output, loss, `backward`, `step` at every step) is too slow to follow a slider,
    so the explorer uses section 3 instead: the loss is the quadratic
    $\\tfrac{1}{2} e^\\top A e$ in the kernel's error $e$ = weight − target, with $A$ the curvature,
    so the gradient is $A e$ and one step of `torch.optim.SGD` is a few multiplications on nine weights.
    `convlab.learn_kernel_quadratic` does exactly that; `convlab.learn_kernel` trains a real
    `nn.Conv2d`, like `learn` above. They give the same losses, and the cell
    below times both:
    """, """
    탐색기는 슬라이더를 움직일 때마다 경사 하강법을 처음부터 최대 300단계까지 다시 실행합니다. 실제
    층을 학습시키려면 단계마다 출력과 손실을 계산하고 `backward`와 `step`을 실행해야 하므로, 슬라이더를
    움직이는 속도를 따라잡기에는 너무 느립니다. 그래서 탐색기는 3절의 결과를 이용합니다. 커널의 오차를
    $e$ = 가중치 − 목표 커널이라고 하면 손실은 이차식 $\\tfrac{1}{2} e^\\top A e$이고($A$는 곡률 행렬),
    기울기는 $A e$입니다. 따라서 `torch.optim.SGD`의 한 단계는 가중치 아홉 개로 하는 간단한 곱셈 몇
    번이면 끝납니다. `convlab.learn_kernel_quadratic`이 바로 이렇게 계산하고, `convlab.learn_kernel`은
    위의 `learn`처럼 실제 `nn.Conv2d`를 학습시킵니다. 두 함수는 같은 손실 값을 냅니다. 아래 셀에서 두
    함수의 실행 시간을 재어 봅니다.
    """),
    code("""
    import time

    start = time.perf_counter()
    trained, _ = convlab.learn_kernel(digit, sobel_x[0, 0], lr=0.1, steps=200)
    middle = time.perf_counter()
    computed, _ = convlab.learn_kernel_quadratic(digit, sobel_x[0, 0], lr=0.1, steps=200)
    end = time.perf_counter()
    gap = max(abs(a - b) / a for a, b in zip(trained, computed))
    print(«f"200 steps: a real layer {1000 * (middle - start):.0f} ms, the quadratic {1000 * (end - middle):.1f} ms"|f"200단계: 실제 층 학습 {1000 * (middle - start):.0f} ms, 이차식 계산 {1000 * (end - middle):.1f} ms"»)
    print(«f"largest relative difference between the 200 losses: {gap:.0e}"|f"손실 200개에서 두 방법의 상대 차이 중 최댓값: {gap:.0e}"»)
    assert len(trained) == len(computed) == 200 and gap < 1e-4
    """),
    md_at("l07-net", """
    ## 6. A small convolutional network

    Now the filters have no known answer: a network must find whatever filters help it tell
    digits apart. Ours has two convolution stages and a linear head:

    - `nn.Conv2d(1, 8, 3, padding=1)`: eight 3×3 filters, the size kept (lesson 02);
    - `nn.ReLU()`: negative values become 0, which makes the stack more than one big linear map;
    - `nn.MaxPool2d(2)`: keeps the largest of each 2×2 block, halving height and width (lesson 09
      treats pooling in full);
    - the same again with 16 filters of 8 channels each, then `nn.Flatten()` and
      `nn.Linear(16 * 7 * 7, 10)`: one score per digit. The largest score is the answer.
    """, """
    ## 6. 작은 합성곱 신경망

    이제 필터에는 정해진 답이 없습니다. 신경망은 숫자를 구별하는 데 도움이 되는 필터를 스스로
    찾아야 합니다. 우리 신경망은 합성곱 단계 두 개와 선형 층 하나로 되어 있습니다.

    - `nn.Conv2d(1, 8, 3, padding=1)`: 3×3 필터 여덟 개이고, 크기를 유지합니다(02강).
    - `nn.ReLU()`: 음수를 0으로 바꿉니다. 이 덕분에 층을 쌓아도 커다란 선형 변환 하나로 줄어들지
      않습니다.
    - `nn.MaxPool2d(2)`: 2×2 블록마다 가장 큰 값만 남겨 높이와 너비를 절반으로 줄입니다(풀링은
      09강에서 자세히 다룹니다).
    - 같은 단계를 한 번 더 거칩니다. 이번에는 채널 8개짜리 필터가 16개입니다. 그다음 `nn.Flatten()`과
      `nn.Linear(16 * 7 * 7, 10)`이 숫자마다 점수 하나를 냅니다. 점수가 가장 큰 숫자가 답입니다.
    """),
    code("""
    def make_net():
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 10))

    torch.manual_seed(0)
    net = make_net()
    x = x_train[:2]
    for part in net:
        x = part(x)
        print(f"{type(part).__name__:10} {tuple(x.shape)}")
    print(«"learnable parameters:"|"학습되는 매개변수 수:"», sum(p.numel() for p in net.parameters()))
    """),
    md_at("l07-threads", """
    ## 7. One thread or two?

    PyTorch splits each operation over one thread per CPU core, and every thread must finish
    before the next operation starts. For a network this small each operation is tiny, and on a
    machine that other programs share (a classroom server, a CI runner) a thread that has to wait
    for its core holds up all the others. Measure rather than guess: five training steps with the
    default number of threads, and with one.
    """, """
    ## 7. 스레드는 하나? 둘?

    PyTorch는 연산 하나를 CPU 코어마다 스레드 하나씩 나누어 맡기고, 모든 스레드가 끝나야 다음 연산을
    시작합니다. 이렇게 작은 신경망에서는 연산 하나하나가 아주 작습니다. 게다가 다른 프로그램과 함께
    쓰는 컴퓨터(수업용 서버, CI 서버)에서는 코어를 기다려야 하는 스레드 하나가 나머지 스레드를 모두
    붙잡아 둡니다. 짐작하지 말고 재어 봅시다. 기본 스레드 수와 스레드 하나로 학습 단계를 다섯 번씩
    실행합니다.
    """),
    code("""
    import time

    def seconds_per_step(model, threads, steps=5):
        torch.set_num_threads(threads)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.0)     # «lr=0: the weights stay as they are|lr=0: 가중치는 그대로»
        start = time.perf_counter()
        for _ in range(steps):
            loss = F.cross_entropy(model(x_train[:64]), y_train[:64])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return (time.perf_counter() - start) / steps

    default_threads = torch.get_num_threads()
    for threads in sorted({default_threads, 1}, reverse=True):
        print(«f"{threads} thread(s): {1000 * seconds_per_step(net, threads):.0f} ms per step"|f"스레드 {threads}개: 한 단계에 {1000 * seconds_per_step(net, threads):.0f} ms"»)
    torch.set_num_threads(1)        # «the rest of the lesson trains on one thread|이 강의의 나머지 학습은 스레드 하나로»
    """),
    md("""
    On an idle machine with several cores the default can win; on a busy one, one thread often
    does, by a wide margin. The rest of this lesson uses one thread, which also makes every run
    give exactly the same numbers. A large network, or a GPU, is another story.
    """, """
    한가한 컴퓨터에 코어가 여러 개 있으면 기본값이 더 빠를 수도 있습니다. 바쁜 컴퓨터에서는 스레드
    하나가 훨씬 빠른 경우가 많습니다. 이 강의의 나머지 부분은 스레드 하나를 씁니다. 그러면 실행할
    때마다 값도 정확히 같게 나옵니다. 큰 신경망이나 GPU에서는 사정이 다릅니다.
    """),
    md_at("l07-train", """
    ## 8. Training

    One **epoch** passes over all 4,000 training digits in shuffled batches of 64. For each batch:
    the network's scores, the loss `F.cross_entropy` (small when the right digit gets by far the
    largest score), `zero_grad`, `backward`, `step`, as in section 2. The optimiser is
    `torch.optim.Adam`, which adapts the step of every weight to the size of its recent gradients,
    and `OneCycleLR` raises the learning rate for the first part of training and then lowers it.
    After each epoch we measure the **accuracy** on the 1,000 test digits the network never
    trains on. `tqdm` draws a progress bar per epoch and the plot redraws itself after each epoch.
    Everything random is seeded, so the numbers are the same on every run.
    """, """
    ## 8. 학습

    **에포크** 한 번에 학습용 숫자 이미지 4,000장을 무작위 순서로 64장씩 배치로 나누어 모두 봅니다.
    배치마다 신경망의 점수를 계산하고, 손실 `F.cross_entropy`(정답 숫자의 점수가 다른 점수보다 훨씬
    클수록 작아집니다)를 구한 뒤, 2절처럼 `zero_grad`, `backward`, `step`을 실행합니다. 최적화 방법은
    `torch.optim.Adam`입니다. Adam은 가중치마다 최근 기울기의 크기에 맞추어 이동 폭을 조절합니다.
    `OneCycleLR`은 학습 앞부분에서 학습률을 키웠다가 뒤에서 줄입니다. 에포크가 끝날 때마다 학습에 한
    번도 쓰지 않은 테스트용 숫자 이미지 1,000장으로 **정확도**(accuracy)를 잽니다. `tqdm`이 에포크마다
    진행 막대를 그리고, 그래프는 에포크가 끝날 때마다 다시 그려집니다. 무작위 요소는 모두 시드를
    정해 두었으므로 실행할 때마다 같은 값이 나옵니다.
    """),
    code("""
    from tqdm.auto import tqdm

    def accuracy(model, images, labels):
        model.eval()
        with torch.no_grad():
            return (model(images).argmax(dim=1) == labels).float().mean().item()

    def train(model, epochs=4, seed=0):
        torch.manual_seed(seed)
        batches = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train),
                                              batch_size=64, shuffle=True,
                                              generator=torch.Generator().manual_seed(seed))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.01,
                                                       total_steps=epochs * len(batches))
        plot = convlab.TrainingPlot(epochs, len(batches), lang=$LANG)
        losses, accuracies = [], []
        for epoch in range(epochs):
            model.train()
            for images, labels in tqdm(batches, desc=«f"epoch {epoch + 1}/{epochs}"|f"에포크 {epoch + 1}/{epochs}"»):
                loss = F.cross_entropy(model(images), labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                losses.append(loss.item())
            accuracies.append(accuracy(model, x_test, y_test))
            plot.update(losses, accuracies)
        return accuracies[-1]

    torch.manual_seed(0)
    net = make_net()
    first_filters = net[0].weight.detach().clone()               # «for section 9|9절에서 씀»
    start = time.perf_counter()
    test_accuracy = train(net)
    seconds = time.perf_counter() - start
    print(«f"test accuracy: {test_accuracy:.1%}, training took {seconds:.1f} s on {torch.get_num_threads()} thread"|f"테스트 정확도: {test_accuracy:.1%}, 학습 시간: 스레드 {torch.get_num_threads()}개로 {seconds:.1f}초"»)
    assert test_accuracy >= 0.95
    """),
    md_at("l07-filters", """
    ## 9. Learned against random filters

    The eight 3×3 filters of the first layer, before and after training, on a diverging scale
    (white is zero, lesson 04). Before: PyTorch's uniform noise. After: the weights have grown,
    and several filters now set a negative side against a positive side, the pattern of an edge
    detector such as Sobel. Nobody told the network about edges; they are what helped it lower
    the loss. To put a number on it, the cell measures how Sobel-like each filter is: the cosine
    between the filter and the nearer of `sobel_x` and `sobel_y` (1: the same pattern up to
    scale and sign, 0: nothing in common). Four short epochs move the filters only part of the
    way, so each one still carries traces of its random start.
    """, """
    ## 9. 배운 필터와 무작위 필터

    첫 층의 3×3 필터 여덟 개를 학습 전과 후로 나누어 발산형 컬러맵으로 그립니다(흰색이 0, 04강).
    학습 전에는 PyTorch가 뽑은 균등 분포의 잡음입니다. 학습 뒤에는 가중치가 커지고, 여러 필터가
    한쪽은 음수, 반대쪽은 양수인 모양을 갖춥니다. 소벨 같은 경계 검출기의 모양입니다. 아무도
    신경망에게 경계를 알려 주지 않았습니다. 경계를 찾는 필터가 손실을 줄이는 데 도움이 되었을
    뿐입니다. 이것을 수치로 확인하려고, 아래 셀은 필터마다 소벨 커널과 얼마나 닮았는지 잽니다. 필터와
    `sobel_x`, `sobel_y` 가운데 더 가까운 쪽 사이의 코사인 값입니다(1이면 크기와 부호만 다를 뿐 같은
    모양, 0이면 닮은 데가 없음). 짧은 에포크 네 번으로는 필터가 끝까지 바뀌지 않아서, 필터마다
    무작위로 시작한 흔적이 아직 남아 있습니다.
    """),
    code("""
    before = convlab.plot_weights(first_filters, cmap="RdBu_r", lang=$LANG,
                                  title=«"first layer, before training"|"첫 층, 학습 전"»)
    after = convlab.plot_weights(net[0], cmap="RdBu_r", lang=$LANG,
                                 title=«"first layer, after training"|"첫 층, 학습 후"»)
    display(before, after)

    sobels = F.normalize(torch.stack([convlab.KERNELS["sobel_x"], convlab.KERNELS["sobel_y"]]).flatten(1), dim=1)

    def sobel_likeness(filters):
        \"\"\"«Per filter: the absolute cosine with the nearer Sobel kernel.|필터마다 더 가까운 소벨 커널과의 코사인 절댓값.»\"\"\"
        return (F.normalize(filters.detach().flatten(1), dim=1) @ sobels.T).abs().max(dim=1).values

    start_like, learned_like = sobel_likeness(first_filters), sobel_likeness(net[0].weight)
    print(«"Sobel-likeness before:"|"학습 전 소벨과 닮은 정도:"», [round(v, 2) for v in start_like.tolist()])
    print(«"Sobel-likeness after: "|"학습 후 소벨과 닮은 정도:"», [round(v, 2) for v in learned_like.tolist()])
    grown = net[0].weight.detach().abs().max() / first_filters.abs().max()
    print(«f"the largest weight grew {grown:.1f}-fold"|f"가장 큰 가중치가 {grown:.1f}배 커졌습니다"»)
    assert learned_like.max() > start_like.max() and grown > 1
    """),
    md("""
    Their feature maps on three test digits (the layer's output before `ReLU`): where a map is
    red the filter answers strongly, where it is blue `ReLU` will set it to zero. Different
    filters pick out different sides of the strokes.
    """, """
    테스트용 숫자 이미지 세 장에서 이 필터들이 만든 특징 맵(feature map)입니다(`ReLU`를 거치기 전의
    출력). 빨간 곳은 필터가 강하게 반응한 곳이고, 파란 곳은 `ReLU`가 0으로 바꿀 곳입니다. 필터마다
    획의 다른 쪽 가장자리를 골라냅니다.
    """),
    code("""
    for i in range(3):
        display(convlab.plot_feature_maps(net[0], x_test[i], lang=$LANG))
    """),
    md_at("l07-confusion", """
    ## 10. What it confuses

    A **confusion matrix** counts, for every true digit (row), which digit the network answered
    (column): the diagonal holds the right answers, everything else is a mistake. Its diagonal
    sum is exactly the accuracy's count of right answers.
    """, """
    ## 10. 헷갈리는 숫자

    **혼동 행렬**(confusion matrix)은 실제 숫자(행)마다 신경망이 어떤 숫자로 답했는지(열)를 셉니다.
    대각선이 맞힌 답이고, 나머지는 모두 틀린 답입니다. 대각선의 합은 정확도를 계산할 때 센 정답
    개수와 정확히 같습니다.
    """),
    code("""
    net.eval()
    with torch.no_grad():
        answers = net(x_test).argmax(dim=1)
    confusion = torch.zeros(10, 10, dtype=torch.long)
    confusion.index_put_((y_test, answers), torch.ones_like(y_test), accumulate=True)
    assert torch.equal(confusion, torch.bincount(y_test * 10 + answers, minlength=100).view(10, 10))
    assert confusion.trace().item() == round(test_accuracy * len(y_test))

    mistakes = confusion - torch.diag(confusion.diag())
    true_digit, answered = divmod(mistakes.argmax().item(), 10)
    print(«f"most frequent mistake: {mistakes.max().item()} images of {true_digit} taken for {answered}"|f"가장 잦은 실수: 숫자 {true_digit} 이미지 {mistakes.max().item()}장을 {answered}(으)로 답함"»)
    convlab.plot_confusion(confusion, lang=$LANG)
    """),
    md_at("l07-swap", """
    ## 11. The same network on convlab's `Conv2d`

    Lesson 06 built `Conv2d` from scratch and checked it against `F.conv2d`. The real test of a
    layer is a network that trains on it. `convlab.swap_convs(model)` replaces every `nn.Conv2d`
    of a model with `convlab.Conv2d`, which keeps the same arguments and parameters but computes
    with convlab's vectorized convolution (and its own backward pass). Built from the same seed,
    the two networks start identical and give the same outputs; trained with the same data in the
    same order, they should end at the same accuracy. Floating-point sums in a different order
    differ in the last bits, so after hundreds of steps the weights are not bit-for-bit equal, but
    the accuracy must agree to within a point.
    """, """
    ## 11. convlab의 `Conv2d`로 같은 신경망 학습하기

    06강에서는 `Conv2d`를 처음부터 만들고 `F.conv2d`와 비교했습니다. 층을 제대로 시험하려면 그 층으로
    신경망을 학습시켜 봐야 합니다. `convlab.swap_convs(model)`은 모델의 `nn.Conv2d`를 모두
    `convlab.Conv2d`로 바꿉니다. 인자와 매개변수는 그대로이고, 계산만 convlab의 벡터화 구현으로
    하고, 역전파도 convlab이 직접 계산합니다. 같은 시드로 만든 두 신경망은 똑같이 시작하고 같은 출력을 냅니다. 같은
    데이터를 같은 순서로 학습시키면 정확도도 같아야 합니다. 실수 덧셈은 순서가 바뀌면 마지막
    자릿수가 달라지므로, 수백 단계 뒤의 가중치가 비트 하나까지 같지는 않습니다. 하지만 정확도의
    차이는 1%포인트 이내여야 합니다.
    """),
    code("""
    torch.manual_seed(0)
    twin = convlab.swap_convs(make_net())
    torch.manual_seed(0)
    reference = make_net()
    print(twin[0], type(twin[0]).__module__)
    assert torch.equal(twin[0].weight, first_filters)
    with torch.no_grad():
        assert torch.allclose(twin(x_test[:64]), reference(x_test[:64]), atol=1e-5)

    start = time.perf_counter()
    twin_accuracy = train(twin)
    twin_seconds = time.perf_counter() - start
    print(«f"nn.Conv2d:      {test_accuracy:.1%} in {seconds:.1f} s"|f"nn.Conv2d:      {test_accuracy:.1%}, {seconds:.1f}초"»)
    print(«f"convlab.Conv2d: {twin_accuracy:.1%} in {twin_seconds:.1f} s"|f"convlab.Conv2d: {twin_accuracy:.1%}, {twin_seconds:.1f}초"»)
    assert twin_accuracy >= 0.95 and abs(twin_accuracy - test_accuracy) <= 0.01
    torch.set_num_threads(default_threads)   # «the default thread count again, for whatever runs next in this notebook|이 노트북에서 이어서 실행할 코드를 위해 스레드 수를 기본값으로 되돌립니다»
    """),
    md("""
    ## 12. Exercises
    """, """
    ## 12. 연습 문제
    """),
    exercises({
        "07-flatten-size": """
        answer = None   # «an int|정수»
        exercises.check("07-flatten-size", answer, lang=$LANG)
        """,
        "07-param-count": """
        answer = None   # «an int|정수»
        exercises.check("07-param-count", answer, lang=$LANG)
        """,
        "07-sgd-step": """
        answer = None   # «(gradient, new_w): two numbers|숫자 두 개: (기울기, 새 가중치)»
        exercises.check("07-sgd-step", answer, lang=$LANG)
        """,
        "07-cifar-flatten": """
        answer = None   # «an int|정수»
        exercises.check("07-cifar-flatten", answer, lang=$LANG)
        """,
    }),
    md("""
    ## 13. Check yourself

    - A training step is: output, loss, `zero_grad`, `backward`, `step`; gradient descent finds
      the Sobel kernel from a digit and its filtered copy ([section 2](#l07-sobel)).
    - Plain SGD converges only for `lr` below 2 / λ_max of the loss's curvature, and crawls along
      its flattest direction ([section 3](#l07-limit)); momentum fixes the crawl
      ([section 4](#l07-momentum)).
    - For a small network on a shared machine, one thread can be much faster than several:
      measure it ([section 7](#l07-threads)).
    - Trained first-layer filters grow from noise towards edge detectors; the confusion matrix
      shows which digits are still mixed up ([section 9](#l07-filters), [section 10](#l07-confusion)).
    - `convlab.swap_convs` puts convlab's `Conv2d` into a network, and it trains to the same
      accuracy ([section 11](#l07-swap)).
    """, """
    ## 13. 스스로 확인하기

    - 학습 한 단계는 출력, 손실, `zero_grad`, `backward`, `step`입니다. 경사 하강법은 숫자 이미지와
      그 이미지를 거른 결과만으로 소벨 커널을 찾아냅니다([2절](#l07-sobel)).
    - 모멘텀 없는 SGD는 `lr`이 손실 곡률의 2 / λ_max보다 작을 때만 수렴하고, 가장 평평한 방향으로는
      아주 느리게 움직입니다([3절](#l07-limit)). 모멘텀이 이 문제를 해결합니다([4절](#l07-momentum)).
    - 여러 사람이 함께 쓰는 컴퓨터에서 작은 신경망을 학습시킬 때는 스레드 하나가 여러 개보다 훨씬
      빠를 수 있습니다. 직접 재 보세요([7절](#l07-threads)).
    - 학습을 거친 첫 층의 필터는 잡음에서 경계 검출기 쪽으로 바뀝니다. 혼동 행렬은 아직 헷갈리는
      숫자를 보여 줍니다([9절](#l07-filters), [10절](#l07-confusion)).
    - `convlab.swap_convs`로 convlab의 `Conv2d`를 신경망에 넣어도 같은 정확도까지 학습됩니다
      ([11절](#l07-swap)).
    """),
    md("""
    Next: [08 The backward pass and transposed convolution](08_backward_and_transposed.ipynb).
    """, """
    다음 강의: [08 역전파와 전치 합성곱](08_backward_and_transposed.ipynb).
    """),
]
