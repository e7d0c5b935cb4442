"""Lesson 07's explorer and pictures, checked against PyTorch's own optimiser and counts.

The kernel-descent explorer must show what ``torch.optim.SGD`` does (loss by loss), diverge
exactly above the learning-rate limit it prints, and start from PyTorch's initialisation bound;
the confusion matrix and the training curves must show the numbers they are given. All cheap: a
synthetic 28×28 "digit", no MNIST.
"""
from __future__ import annotations

import math
import re

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import convlab  # noqa: E402
from convlab.explorers import KERNELS, learn_kernel, learn_kernel_quadratic  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def ring(size: int = 28) -> torch.Tensor:
    """A digit-like image: a bright, soft ring on a background of −1, as (1, 1, size, size)."""
    i, j = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    radius = ((i - size / 2) ** 2 + (j - size / 2.5) ** 2).sqrt()
    image = torch.where((radius - size / 4).abs() < 2.0, 1.0, -1.0)[None, None]
    return F.avg_pool2d(F.pad(image, (1, 1, 1, 1), mode="replicate"), 3, stride=1)


def sgd_losses(image: torch.Tensor, target: torch.Tensor, lr: float, momentum: float,
               steps: int, seed: int) -> list[float]:
    """Gradient descent written here with a bare weight tensor and torch.optim.SGD."""
    weight = torch.empty(1, 1, 3, 3).uniform_(-1 / 3, 1 / 3,
                                              generator=torch.Generator().manual_seed(seed))
    weight.requires_grad_(True)
    optimizer = torch.optim.SGD([weight], lr=lr, momentum=momentum)
    wanted = F.conv2d(image, target.view(1, 1, 3, 3))
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(F.conv2d(image, weight), wanted)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_the_explorer_shows_what_torch_optim_sgd_does_step_by_step():
    image = ring()
    explorer = convlab.kernel_descent_explorer(image, lr=0.05, momentum=0.5, steps=40, seed=3)
    assert explorer.failure is None
    expected = sgd_losses(image[0], KERNELS["sobel_x"], lr=0.05, momentum=0.5, steps=40, seed=3)
    assert np.allclose(explorer.state.losses, expected, rtol=1e-5, atol=1e-7)
    bound = 1 / math.sqrt(nn.init._calculate_fan_in_and_fan_out(torch.empty(1, 1, 3, 3))[0])
    assert np.abs(explorer.state.snapshots[0]).max() <= bound
    explorer.set(target="blur", lr=0.1, momentum=0.0, steps=100)
    plain = explorer.state.losses[-1]
    explorer.set(momentum=0.9)              # the lesson's claim: momentum gets further
    assert explorer.state.losses[-1] < 0.1 * plain
    assert np.allclose(explorer.state.target, KERNELS["blur"].numpy())


def test_the_printed_limit_is_where_plain_sgd_starts_to_diverge():
    image = ring()
    limit = convlab.sgd_limit(image)
    below = sgd_losses(image, KERNELS["sobel_x"], lr=0.95 * limit, momentum=0.0, steps=300, seed=0)
    above = sgd_losses(image, KERNELS["sobel_x"], lr=1.05 * limit, momentum=0.0, steps=300, seed=0)
    assert below[-1] < 1e-2 * below[0]
    assert not math.isfinite(above[-1]) or above[-1] > 1e3 * above[0]
    explorer = convlab.kernel_descent_explorer(image, lr=1.05 * limit, steps=300)
    assert explorer.state.diverged and "diverged" in explorer.readout.value
    explorer.set(lr=0.95 * limit)
    assert not explorer.state.diverged and explorer.state.limit == pytest.approx(limit)


def test_learn_kernel_stops_where_the_loss_stops_being_finite():
    losses, snapshots = learn_kernel(ring()[0], KERNELS["sobel_x"], lr=5.0, steps=300)
    assert len(losses) < 300 and not math.isfinite(losses[-1])
    assert max(snapshots) == len(losses)


def trained_by_pytorch(image: torch.Tensor, target: torch.Tensor, lr: float, momentum: float,
                       steps: int, seed: int) -> tuple[list[float], list[torch.Tensor]]:
    """A real ``nn.Conv2d`` trained by ``torch.optim.SGD`` on ``F.mse_loss``, written here: every
    step's loss and the weight after every step (index 0: the start), stopping after the first
    loss that is not finite."""
    layer = nn.Conv2d(1, 1, 3, bias=False)
    with torch.no_grad():
        layer.weight.uniform_(-1 / 3, 1 / 3, generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.SGD(layer.parameters(), lr=lr, momentum=momentum)
    wanted = F.conv2d(image, target.view(1, 1, 3, 3))
    losses, weights = [], [layer.weight.detach()[0, 0].clone()]
    for _ in range(steps):
        loss = F.mse_loss(layer(image), wanted)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        weights.append(layer.weight.detach()[0, 0].clone())
        if not math.isfinite(losses[-1]):
            break
    return losses, weights


def autograd_limit(image: torch.Tensor) -> float:
    """2 / the largest eigenvalue of the loss's Hessian, as autograd computes it."""
    wanted = F.conv2d(image, KERNELS["blur"].view(1, 1, 3, 3))
    hessian = torch.autograd.functional.hessian(
        lambda w: F.mse_loss(F.conv2d(image.double(), w.view(1, 1, 3, 3)), wanted.double()),
        torch.zeros(9, dtype=torch.float64))
    return 2 / torch.linalg.eigvalsh(hessian)[-1].item()


#: (image, target, lr (a number, or "k×limit"), momentum, steps, seed): converging with and
#: without momentum (down to float32's floor), growing without ever overflowing, overflowing.
TRAJECTORIES = [
    ("ring", "sobel_x", 0.05, 0.0, 60, 1),
    ("ring", "blur", 0.1, 0.9, 150, 2),
    ("noise", "sharpen", 0.02, 0.5, 40, 3),
    ("noise", "sobel_y", "1.05×limit", 0.0, 120, 4),
    ("ring", "sobel_x", 1.0, 0.9, 300, 0),
    ("noise", "blur", "3×limit", 0.0, 300, 5),
]


def picture(name: str) -> torch.Tensor:
    if name == "ring":
        return ring()
    return torch.rand(1, 1, 20, 24, generator=torch.Generator().manual_seed(7)) * 2 - 1


@pytest.mark.parametrize("name, target, lr, momentum, steps, seed", TRAJECTORIES)
def test_the_quadratic_descent_is_torch_optim_sgd_on_a_real_conv2d(name, target, lr, momentum,
                                                                 steps, seed):
    """Loss by loss and kernel by kernel, to float32's precision (its rounding grows with the
    steps); a diverging run stops at the same step with the same kernel."""
    image = picture(name)
    if isinstance(lr, str):
        lr = float(lr.split("×")[0]) * autograd_limit(image)
    expected, weights = trained_by_pytorch(image, KERNELS[target], lr, momentum, steps, seed)
    losses, snapshots = learn_kernel_quadratic(image, KERNELS[target], lr=lr, momentum=momentum,
                                               steps=steps, seed=seed)
    assert len(losses) == len(expected)
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(losses), finite)
    rtol = 1e-5 + 1e-6 * steps
    assert np.allclose(np.array(losses)[finite], np.array(expected)[finite], rtol=rtol,
                       atol=1e-9 * expected[0])
    assert int(np.argmin(losses)) == int(np.argmin(expected))      # where it starts to grow
    stop = len(expected)
    assert set(snapshots) == {0, stop, *(s for s in (steps // 2, steps) if s < stop)}
    for step, kernel in snapshots.items():
        assert kernel.dtype == torch.float32
        scale = max(1.0, weights[step].abs().max().item())
        assert (kernel - weights[step]).abs().max().item() <= rtol * scale, step


def test_the_quadratic_descent_takes_a_batch_and_refuses_what_pytorch_refuses():
    """A batch of images is one loss over all their outputs, as F.mse_loss makes it; a bad
    image, target, lr or momentum gets the error torch.optim.SGD and F.conv2d give."""
    noise = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(8)) * 2 - 1
    images = torch.cat([ring(), noise])                             # (2, 1, 28, 28)
    expected, weights = trained_by_pytorch(images, KERNELS["blur"], 0.1, 0.5, 30, 6)
    losses, snapshots = learn_kernel_quadratic(images, KERNELS["blur"], lr=0.1, momentum=0.5,
                                               steps=30, seed=6)
    assert np.allclose(losses, expected, rtol=1e-4)
    assert torch.allclose(snapshots[30], weights[30], atol=1e-5)
    for image, lr, momentum in ((ring(), -0.1, 0.0), (ring(), 0.1, -0.5),
                                (torch.rand(1, 3, 8, 8), 0.1, 0.0)):
        with pytest.raises(Exception) as pytorch:
            trained_by_pytorch(image, KERNELS["blur"], lr, momentum, 2, 0)
        with pytest.raises(type(pytorch.value), match=re.escape(str(pytorch.value))):
            learn_kernel_quadratic(image, KERNELS["blur"], lr=lr, momentum=momentum, steps=2)


def test_the_explorer_diverges_where_torch_optim_sgd_does():
    """Growing without overflowing, then overflowing: the explorer's verdict, its number of
    steps and its last kernel are those of the real training run."""
    image = ring()
    limit = autograd_limit(image)
    explorer = convlab.kernel_descent_explorer(image, lr=0.9 * limit, momentum=0.0, steps=80,
                                               seed=2)
    for lr, momentum, steps in ((0.9 * limit, 0.0, 80), (1.1 * limit, 0.0, 80),
                                (0.6, 0.5, 200)):
        explorer.set(lr=lr, momentum=momentum, steps=steps)
        expected, weights = trained_by_pytorch(image[0], KERNELS["sobel_x"], lr, momentum,
                                               steps, 2)
        state = explorer.state
        grew = not math.isfinite(expected[-1]) or expected[-1] > expected[0]
        assert state.diverged == grew and len(state.losses) == len(expected)
        assert np.allclose(state.snapshots[len(expected)], weights[-1].numpy(), rtol=1e-3)
        assert ("diverged" in explorer.readout.value) == grew


def test_the_explorer_speaks_korean_and_refuses_unknown_settings():
    explorer = convlab.kernel_descent_explorer(ring(), lang="ko", steps=20)
    assert "손실" in explorer.readout.value and "lr = 2 /" in explorer.readout.value
    assert explorer.controls["lr"].description == "학습률 (lr)"
    with pytest.raises(ValueError, match="target"):
        convlab.kernel_descent_explorer(ring(), target="edges")
    with pytest.raises(ValueError, match="momentum"):
        convlab.kernel_descent_explorer(ring(), momentum=0.3)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_confusion_matrix_counts_what_pytorch_counts(lang):
    generator = torch.Generator().manual_seed(1)
    true = torch.randint(0, 10, (300,), generator=generator)
    answer = torch.where(torch.rand(300, generator=generator) < 0.8, true,
                         torch.randint(0, 10, (300,), generator=generator))
    matrix = torch.bincount(true * 10 + answer, minlength=100).view(10, 10)
    fig = convlab.plot_confusion(matrix, lang=lang)
    title = fig.axes[0].get_title()
    wrong = int((true != answer).sum())
    assert f"{wrong}" in title and "300" in title
    image = fig.axes[0].images[0].get_array()
    assert np.array_equal(np.asarray(image), matrix.numpy())


def test_the_training_plot_shows_every_loss_and_accuracy(capsys):
    plot = convlab.TrainingPlot(epochs=3, batches_per_epoch=4, lang="ko")
    losses, accuracies = [2.3, 1.0, 0.7, 0.5, 0.4, 0.35], [0.9, 0.95]
    plot.update(losses, accuracies)
    plot.update(losses, accuracies)          # outside a notebook: shown again, no error
    left, right = plot.figure.axes
    assert np.allclose(left.lines[0].get_ydata(), losses)
    assert np.allclose(left.lines[0].get_xdata(), np.arange(1, 7) / 4)
    assert np.allclose(right.lines[0].get_ydata(), [90, 95])


def test_the_kernel_fit_figure_puts_zero_at_white():
    target = KERNELS["sobel_y"]
    fig = convlab.plot_kernel_fit([1.0, 0.1], {0: torch.full((3, 3), 0.1), 2: target}, target)
    norms = [ax.images[0].norm for ax in fig.axes if ax.images]
    assert len(norms) == 3 and all(n.vmin == -n.vmax == -2.0 for n in norms)


def test_the_live_picture_draws_the_losses_torch_optim_sgd_gives():
    """The browser's loss curve: one point per finite loss of the SGD run written here, its
    height falling in a straight line with log10(loss); the target's cells are RdBu_r's colours
    (matplotlib's own table) of the target kernel, on the scale the start and target set."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    from convlab.explorers.scene import text_sizes

    image = ring()
    explorer = convlab.kernel_descent_explorer(image, lr=0.05, momentum=0.5, steps=40, seed=3)
    scene = explorer.picture.scene
    expected = sgd_losses(image[0], KERNELS["sobel_x"], lr=0.05, momentum=0.5, steps=40, seed=3)
    (curve,) = [item for item in scene["items"] if item["t"] == "line" and len(item["pts"]) > 2]
    heights = np.array([y for _, y in curve["pts"]])
    assert len(heights) == len(expected)
    slope, offset = np.polyfit(np.log10(expected), heights, 1)
    assert slope < 0 and np.allclose(heights, slope * np.log10(expected) + offset, atol=0.05)
    grids = {item["name"]: item for item in scene["items"] if item["t"] == "grid"}
    target = KERNELS["sobel_x"].numpy()
    start = np.abs(explorer.state.snapshots[0]).max()
    limit = max(float(start), float(np.abs(target).max()))
    levels = np.round((target.ravel() + limit) / (2 * limit) * 255).astype(int)
    fill = grids["kernel3"]["fill"]
    assert [fill["palette"][i] for i in fill["index"]] == [
        to_hex(colormaps["RdBu_r"](k)) for k in levels]
    assert grids["kernel3"]["labels"] == [f"{v:.1f}".replace("-", "\u2212")
                                          for v in target.ravel()]
    assert min(text_sizes(scene)) >= 11
    explorer.set(lr=1.0, steps=60)           # diverges: non-finite losses are left out
    assert explorer.state.diverged and explorer.picture.scene["items"]
