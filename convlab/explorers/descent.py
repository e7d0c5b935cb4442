"""The kernel-descent explorer: gradient descent learns a 3×3 kernel from a digit (lesson 07).

A digit ``x`` and its filtered copy ``y = F.conv2d(x, target)`` are all the data. A layer
``nn.Conv2d(1, 1, 3, bias=False)`` starts from PyTorch's own random initialisation (drawn from
±1/√fan_in, lesson 04) and ``torch.optim.SGD`` minimises ``F.mse_loss(layer(x), y)``. The loss is
a quadratic in the nine weights, so its curvature is one fixed 9×9 matrix, ``2/L · Σ p pᵀ`` over
the L windows ``p`` of the digit: plain SGD converges exactly when the learning rate stays below
2 / (its largest eigenvalue), and the readout shows that limit, computed from the digit.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..figures.plots import draw_kernel_fit
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .controls import control_layout, dropdown, grid, int_slider, label_style
from .descent_picture import descent_scene
from .kernels import KERNELS
from .mnist_filter import check_images, image_at
from .readout import line, num

__all__ = ["kernel_descent_explorer", "learn_kernel", "learn_kernel_quadratic", "sgd_limit"]

TARGETS = ("sobel_x", "sobel_y", "blur", "sharpen")
MOMENTA = (0.0, 0.5, 0.9)


@dataclasses.dataclass(frozen=True)
class _Quadratic:
    """What ``F.mse_loss(F.conv2d(image, w), F.conv2d(image, target))`` is as a function of the
    k×k kernel ``w``: ``eᵀ A e / 2`` with ``e = w − target`` (lesson 07's curvature)."""

    curvature: np.ndarray    # A = 2/L · P Pᵀ, with P the image's L windows as columns (F.unfold)
    limit: float             # 2 / λ_max(A): plain SGD converges iff lr stays below it
    largest_loss: float      # above it F.mse_loss's sum of L squared errors overflows the dtype


def _quadratic(image: torch.Tensor, kernel_size: int = 3) -> _Quadratic:
    """The loss's quadratic form for ``image`` (N, 1, H, W) and a k×k kernel, in float64: the
    windows of all N images, as ``F.mse_loss`` averages over every output of the batch."""
    windows = F.unfold(image.double(), kernel_size)                 # (N, k·k, L)
    patches = windows.transpose(0, 1).reshape(windows.shape[1], -1)     # (k·k, N·L)
    curvature = 2 * patches @ patches.T / patches.shape[1]
    return _Quadratic(curvature=curvature.numpy(),
                      limit=float(2 / torch.linalg.eigvalsh(curvature)[-1]),
                      largest_loss=torch.finfo(image.dtype).max / patches.shape[1])


def sgd_limit(image: torch.Tensor, kernel_size: int = 3) -> float:
    """The largest learning rate at which plain SGD on ``F.mse_loss`` still converges.

    The loss's curvature (Hessian) in the weights is ``2/L · P Pᵀ``, with P the image's L windows
    as columns (``F.unfold``; for a batch, every image's); gradient descent on a quadratic
    converges iff lr < 2 / λ_max.
    """
    return _quadratic(image, kernel_size).limit


def _initial_kernel(k: int, seed: int) -> torch.Tensor:
    """PyTorch's default initialisation of ``nn.Conv2d(1, 1, k)``'s weight, uniform in
    ±1/√fan_in (lesson 04), drawn from a generator of its own so a seed gives one start."""
    bound = 1 / (k * k) ** 0.5
    return torch.empty(k, k).uniform_(-bound, bound, generator=torch.Generator().manual_seed(seed))


def _snapshot_steps(steps: int) -> tuple[int, int]:
    """The steps whose kernel both learners keep besides the start: halfway and the end."""
    return steps // 2, steps


def learn_kernel(image: torch.Tensor, target: torch.Tensor, *, lr: float, momentum: float = 0.0,
                 steps: int = 100, seed: int = 0) -> tuple[list[float], dict[int, torch.Tensor]]:
    """Learn ``target`` (k×k) back from ``image`` (1, 1, H, W) and ``F.conv2d(image, target)``.

    Returns the loss of every step and the kernel at step 0, halfway and at the end (or where
    the loss stopped being finite). The training loop of lesson 07_learning_filters: a real
    ``nn.Conv2d``, ``F.mse_loss``, autograd and ``torch.optim.SGD``, most of a ms a step;
    :func:`learn_kernel_quadratic` gives the same steps in a few ms for the explorer.
    """
    k = target.shape[-1]
    wanted = F.conv2d(image, target.view(1, 1, k, k))
    layer = nn.Conv2d(1, 1, k, bias=False)
    with torch.no_grad():     # PyTorch's default initialisation, from a seed of its own
        layer.weight.copy_(_initial_kernel(k, seed))
    optimizer = torch.optim.SGD(layer.parameters(), lr=lr, momentum=momentum)
    losses, snapshots = [], {0: layer.weight.detach()[0, 0].clone()}
    for step in range(1, steps + 1):
        loss = F.mse_loss(layer(image), wanted)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step in _snapshot_steps(steps) or not np.isfinite(losses[-1]):
            snapshots[step] = layer.weight.detach()[0, 0].clone()
        if not np.isfinite(losses[-1]):
            break
    return losses, snapshots


def learn_kernel_quadratic(image: torch.Tensor, target: torch.Tensor, *, lr: float,
                           momentum: float = 0.0, steps: int = 100,
                           seed: int = 0) -> tuple[list[float], dict[int, torch.Tensor]]:
    """:func:`learn_kernel`'s losses and kernels, from the loss's quadratic form, in a few ms.

    Why they agree: with P the image's L windows (``F.unfold``; for a batch, every image's),
    the wanted output is ``Pᵀ·target`` and the layer's is ``Pᵀw``, so ``F.mse_loss`` is
    ``mean((Pᵀ(w − target))²)`` = ``eᵀAe / 2`` with ``e = w − target`` and ``A = 2/L · P Pᵀ``
    (the curvature of lesson 07), and the gradient autograd computes is ``A e``.
    ``torch.optim.SGD`` (dampening 0, no Nesterov) keeps ``buf = grad`` at the first step and
    ``buf = momentum · buf + grad`` after, then moves ``w ← w − lr · buf``. Those steps on nine
    numbers in float64 are learn_kernel's float32 steps without their rounding: losses and
    kernels agree to float32's precision, except that learn_kernel's loss stops falling at
    float32's rounding of ``wanted`` (near 1e-13 for a digit) where this one keeps falling.
    ``F.mse_loss`` sums the L squared errors in the image's dtype before dividing by L, so its
    loss becomes inf once that sum passes the dtype's largest number: from that step the loss
    is inf and the descent stops, with that step's kernel, as in learn_kernel.
    """
    k = target.shape[-1]
    # PyTorch's own checks and words for a bad image, target, lr or momentum, as learn_kernel
    F.conv2d(image, target.view(1, 1, k, k))
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr, momentum=momentum)
    losses, snapshots = _descend(_quadratic(image, k), target.double().numpy(), lr=lr,
                                 momentum=momentum, steps=steps, seed=seed)
    return losses, {s: torch.from_numpy(kernel).to(image.dtype) for s, kernel in snapshots.items()}


def _descend(loss: _Quadratic, target: np.ndarray, *, lr: float, momentum: float, steps: int,
             seed: int) -> tuple[list[float], dict[int, np.ndarray]]:
    """:func:`learn_kernel_quadratic` on a quadratic form already built (the explorer builds
    it once per update, for the SGD limit too): every step's loss and the kernels kept, float64."""
    k = target.shape[-1]
    answer = target.reshape(-1)
    error = _initial_kernel(k, seed).double().reshape(-1).numpy() - answer     # e = w − target
    errors = np.empty((steps + 1, k * k))                           # e after every step
    errors[0] = error
    buffer = np.zeros(k * k)
    with np.errstate(over="ignore", invalid="ignore"):   # a diverging run may overflow float64
        for step in range(1, steps + 1):
            grad = loss.curvature @ error
            buffer = grad if step == 1 else momentum * buffer + grad
            error = error - lr * buffer
            errors[step] = error
        before = errors[:-1]                                        # step t's loss is at e_(t−1)
        losses = np.einsum("si,ij,sj->s", before, loss.curvature, before) / 2
        finite = np.isfinite(losses) & (losses <= loss.largest_loss)
    stop = steps if finite.all() else int(np.argmin(finite)) + 1    # the first non-finite step
    shown = losses[:stop].tolist()
    if not finite.all():
        shown[-1] = float("inf")
    kept = sorted({0, stop, *(s for s in _snapshot_steps(steps) if 0 < s < stop)})
    return shown, {s: (kernel + answer).reshape(k, k) for s, kernel in zip(kept, errors[kept])}


@dataclasses.dataclass(frozen=True)
class DescentParams:
    """The controls: digit, target kernel, learning rate, momentum, steps, starting weights."""

    index: int
    target: str
    lr: float
    momentum: float
    steps: int
    seed: int


@dataclasses.dataclass(kw_only=True)
class DescentState(ExplorerState):
    """The loss of every step, the kernel at a few steps, the target and the SGD limit."""

    losses: list
    snapshots: dict
    target: np.ndarray
    distance: float          # largest |learned − target| at the last step (inf if not finite)
    limit: float             # 2 / λ_max of the loss's curvature
    diverged: bool           # the loss grew instead of falling


class DescentModel(ExplorerModel[DescentParams, DescentState]):
    params_type = DescentParams
    figsize = (9.0, 2.8)
    help_key = "descent.help"

    def __init__(self, images: Any):
        self.images = images

    def controls(self, values, lang):
        c = {
            "index": int_slider("mnist.index", lang, values["index"], 0,
                                min(len(self.images), 100) - 1),
            "target": dropdown("descent.target", lang,
                               [(text(f"mnist.k_{n}", lang), n) for n in TARGETS],
                               values["target"]),
            "lr": widgets.FloatLogSlider(value=values["lr"], base=10, min=-3, max=0, step=0.05,
                                         description=text("descent.lr", lang),
                                         readout_format=".3f", style=label_style(lang),
                                         layout=control_layout()),
            "momentum": dropdown("descent.momentum", lang, [(f"{m:g}", m) for m in MOMENTA],
                                 values["momentum"]),
            "steps": int_slider("descent.steps", lang, values["steps"], 10, 300),
            "seed": int_slider("descent.seed", lang, values["seed"], 0, 99),
        }
        return c, grid(list(c.values()))

    def call(self, v):
        shape = tuple(image_at(self.images, v.index)[0].shape)
        return dict(in_channels=1, out_channels=1, kernel_size=3, bias=False), shape

    def compute(self, v):
        loss = _quadratic(image_at(self.images, v.index)[0])      # 0.2 ms: not worth a cache
        target = KERNELS[v.target].double().numpy()
        losses, snapshots = _descend(loss, target, lr=v.lr, momentum=v.momentum, steps=v.steps,
                                     seed=v.seed)
        diverged = not np.isfinite(losses[-1]) or losses[-1] > losses[0]
        distance = float(np.abs(snapshots[max(snapshots)] - target).max())
        distance = distance if np.isfinite(distance) else float("inf")
        return DescentState(losses=losses, snapshots=snapshots, target=target,
                            distance=distance, limit=loss.limit, diverged=diverged)

    def describe(self, state, lang):
        lines = [line(text("descent.limit", lang), (num(state.limit), "code b"))]
        if state.diverged:
            return [line((text("descent.diverged", lang), "b error"))] + lines
        return [line(text("descent.loss", lang, steps=len(state.losses)),
                     (f"{state.losses[-1]:.2e}", "code output b"), "   ",
                     text("descent.distance", lang), (num(state.distance), "code kernel b"))
                ] + lines

    def painter(self, fig, lang, static):
        return _FitPainter(fig, lang)

    def scene(self, state, lang, width, height):
        return descent_scene(state, lang, width, height)


class _FitPainter:
    """Redraws the whole (small) figure: loss curve and kernels share one layout per state."""

    def __init__(self, fig, lang: str):
        self.fig, self.lang = fig, lang

    def update(self, state: DescentState) -> None:
        self.fig.clear()
        draw_kernel_fit(self.fig, state.losses, state.snapshots, state.target, self.lang)


def kernel_descent_explorer(images: Any, lang: str = "en", *, index: int = 0,
                            target: str = "sobel_x", lr: float = 0.1, momentum: float = 0.0,
                            steps: int = 100, seed: int = 0) -> Explorer:
    """Gradient descent learning a 3×3 kernel from one digit of ``images`` (a dataset, or a
    tensor (N, 1, H, W)): learning rate, momentum, steps and the target kernel on sliders
    (lesson 07_learning_filters)."""
    check_images(images)
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    if momentum not in MOMENTA:
        raise ValueError(f"momentum must be one of {MOMENTA}, got {momentum!r}")
    values = {"index": index, "target": target, "lr": float(lr), "momentum": float(momentum),
              "steps": int(steps), "seed": int(seed)}
    return Explorer(DescentModel(images), values, lang)
