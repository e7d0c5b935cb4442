"""Lesson 07's explorer and pictures, checked against PyTorch's own optimiser and counts.

The kernel-descent explorer must show what ``torch.optim.SGD`` does (loss by loss), diverge
exactly above the learning-rate limit it prints, and start from PyTorch's initialisation bound;
the confusion matrix and the training curves must show the numbers they are given. All cheap: a
synthetic 28×28 "digit", no MNIST.
"""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import convlab  # noqa: E402
from convlab.explorers import KERNELS, learn_kernel  # noqa: E402


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
