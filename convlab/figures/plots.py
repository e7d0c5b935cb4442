"""Pictures of Conv2d weights and feature maps, in English or Korean.

Lesson 04_mnist_and_weights: the seed post draws one kernel with ``plt.imshow(weight[0, 0], 'jet')``;
:func:`plot_weights` draws every kernel of a layer that way, on one shared colour scale with a
colorbar, so kernels can be compared. :func:`plot_feature_maps` runs a layer on a digit and shows
the input beside every output channel (lessons 04 and 05_channel_arithmetic). Lesson 07's
learned kernel, training curves and confusion matrix are at the end.

Both return the matplotlib Figure (and close it themselves if drawing fails), so notebooks show
it and tests can inspect it. Colours come from :mod:`convlab.style`.
"""
from __future__ import annotations

import contextlib
import io
import math
from typing import Any, Callable, Optional, Sequence, Union

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.ticker import FuncFormatter, NullFormatter
from matplotlib.figure import Figure, FigureBase
from torch import nn

from . import style
from .fonts import font_context
from ..i18n import STRINGS, check_lang

__all__ = ["plot_weights", "plot_feature_maps", "plot_kernel_fit", "draw_kernel_fit",
           "TrainingPlot", "plot_confusion"]

ArrayLike = Union[torch.Tensor, np.ndarray]

def _texts(lang: str) -> dict[str, str]:
    """This module's labels from the one string table (``convlab.strings``, keys ``viz.*``)."""
    check_lang(lang)
    return {key[4:]: entry[lang] for key, entry in STRINGS.items() if key.startswith("viz.")}


class CourseFigure(Figure):
    """A Figure that shows itself as a PNG in any Jupyter front end, once, with or without
    ``%matplotlib inline`` (pyplot never tracks it, so nothing is shown twice or left open)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_figure(figsize: tuple[float, float], layout: str | None = "constrained") -> CourseFigure:
    """The figure every convlab picture draws on: see :class:`CourseFigure`."""
    return CourseFigure(figsize=figsize, layout=layout)


@contextlib.contextmanager
def _closing_on_error(fig: Figure):
    """Close a half-built figure if drawing fails, so no figure is left open behind an error."""
    try:
        yield fig
    except BaseException:
        plt.close(fig)
        raise


def _to_numpy(values: ArrayLike) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().to("cpu", torch.float64).numpy()
    return np.asarray(values, dtype=np.float64)


def _wrap_columns(n: int, max_cols: Optional[int]) -> int:
    """Columns for n cells in a compact grid: one row up to 8 cells, else about square."""
    cols = n if n <= 8 else math.ceil(math.sqrt(n))
    return max(1, min(cols, max_cols) if max_cols else cols)


def _cell_size(kh: int, kw: int, base: float) -> tuple[float, float]:
    """Width, height (inches) of one cell, following the kernel's aspect within limits."""
    ratio = kh / kw
    if ratio <= 1:
        return base, base * max(ratio, 0.3)
    return base * max(1 / ratio, 0.3), base


def _text_colour(cmap: Any, norm: Normalize, value: float) -> str:
    r, g, b, _ = cmap(norm(value))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def plot_weights(layer_or_tensor: Union[nn.Module, ArrayLike], *, cmap: Any = style.WEIGHT_CMAP,
                 annotate: Optional[bool] = None, lang: str = "en", title: Optional[str] = None,
                 symmetric: bool = True, max_cols: Optional[int] = None,
                 max_cells: int = 256) -> Figure:
    """Draw every kernel of a Conv2d weight as a grid of small images; return the Figure.

    Lesson 04_mnist_and_weights. ``layer_or_tensor`` is an ``nn.Conv2d`` (or any module with a
    4-D ``weight``), or a weight of shape (out_channels, in_channels/groups, kH, kW), or one
    kernel (kH, kW). Tensors that require grad are fine: they are detached here (the seed post
    explains why ``layer.weight.numpy()`` alone fails). Rows are output channels and columns input
    channels; when either count is 1 the cells wrap into a compact grid (20 filters of one input
    channel make 4 x 5, not 20 rows). All cells share one colour scale, shown by one colorbar
    (symmetric about 0 by default, so the middle colour always means zero). ``annotate`` writes
    each weight in its cell; by default it does so for kernels up to 5 x 5 and at most 16 cells.
    ``lang`` is "en" or "ko" (Korean text gets a Korean font, see :mod:`convlab.fonts`).
    """
    text = _texts(lang)
    if isinstance(layer_or_tensor, nn.modules.conv._ConvTransposeNd):
        raise TypeError("plot_weights draws Conv2d weights; a ConvTranspose2d weight is laid out "
                        "(in_channels, out_channels/groups, kH, kW)")
    groups = 1
    if isinstance(layer_or_tensor, nn.Module):
        weight = getattr(layer_or_tensor, "weight", None)
        if not isinstance(weight, torch.Tensor):
            raise TypeError(f"{type(layer_or_tensor).__name__} has no weight tensor to draw")
        groups = int(getattr(layer_or_tensor, "groups", 1))
        layer_or_tensor = weight
    w = _to_numpy(layer_or_tensor)
    if w.ndim == 2:
        w = w[None, None]
    if w.ndim != 4 or 0 in w.shape:
        raise ValueError("expected a Conv2d weight of shape (out_channels, in_channels/groups, "
                         f"kH, kW) or one kernel (kH, kW), got shape {tuple(w.shape)}")
    if not np.isfinite(w).all():
        raise ValueError("the weight holds NaN or infinite values, which have no colour")
    n_out, n_in, kh, kw = w.shape
    n_cells = n_out * n_in
    if n_cells > max_cells:
        raise ValueError(f"{n_cells} kernels ({n_out} x {n_in}) is too many to draw (max_cells="
                         f"{max_cells}); pass a slice such as weight[:8, :4], or raise max_cells")
    if annotate is None:
        annotate = kh <= 5 and kw <= 5 and n_cells * kh * kw <= 100

    wrapped = n_in == 1 or n_out == 1
    if wrapped:
        ncols = _wrap_columns(n_cells, max_cols)
        nrows = math.ceil(n_cells / ncols)
        places = [divmod(k, ncols) for k in range(n_cells)]
        subtitle = text["wrap_out"] if n_in == 1 else text["wrap_in"]
    else:
        nrows, ncols = n_out, n_in
        places = [(o, i) for o in range(n_out) for i in range(n_in)]
        subtitle = text["grid_groups"].format(groups=groups) if groups > 1 else text["grid"]

    if symmetric:
        vmax = float(np.abs(w).max()) or 1.0
        vmin = -vmax
    else:
        vmin, vmax = float(w.min()), float(w.max())
        if vmin == vmax:
            vmin, vmax = vmin - 0.5, vmax + 0.5
    norm = Normalize(vmin=vmin, vmax=vmax)
    cmap_obj = colormaps[cmap] if isinstance(cmap, str) else cmap

    base = 2.4 if n_cells == 1 else max(1.15, 0.42 * max(kh, kw) if annotate else 0.0)
    cell_w, cell_h = _cell_size(kh, kw, base)
    width = min(max(ncols * cell_w + 1.6, 4.8), 16.0)
    height = min(nrows * cell_h + 1.3, 40.0)
    with font_context(lang):
        fig = new_figure((width, height))
        with _closing_on_error(fig):
            grid = fig.add_gridspec(nrows, ncols)
            axes, image = [], None
            for k, (row, col) in enumerate(places):
                o, i = divmod(k, n_in)
                ax = fig.add_subplot(grid[row, col])
                image = ax.imshow(w[o, i], cmap=cmap_obj, norm=norm, interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                for spine in ax.spines.values():
                    spine.set_color(style.KERNEL)
                if wrapped:
                    label = text["out"].format(o=o) if n_in == 1 else text["in"].format(i=i)
                    ax.set_title(label, fontsize=8, color=style.KERNEL)
                else:
                    if row == 0:
                        ax.set_title(text["in"].format(i=i), fontsize=8, color=style.KERNEL)
                    if col == 0:
                        ax.set_ylabel(text["out"].format(o=o), fontsize=8, color=style.KERNEL)
                if annotate:
                    size = 11.0 if n_cells == 1 else 7.5
                    for y in range(kh):
                        for x in range(kw):
                            v = float(w[o, i, y, x])
                            ax.text(x, y, f"{v:.2f}".replace("-", "\u2212"), ha="center", va="center", fontsize=size,
                                    color=_text_colour(cmap_obj, norm, v))
                axes.append(ax)
            fig.colorbar(image, ax=axes, label=text["value"], shrink=0.9)
            fig.suptitle(title if title is not None else
                         text["weights"].format(shape=tuple(int(s) for s in w.shape))
                         + "\n" + subtitle, fontsize=10)
    return fig


def _image_batch(image: ArrayLike) -> torch.Tensor:
    x = image if isinstance(image, torch.Tensor) else torch.as_tensor(np.asarray(image))
    if x.ndim == 2:
        x = x[None, None]
    elif x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError("expected one image of shape (H, W), (C, H, W) or (1, C, H, W), "
                         f"got shape {tuple(x.shape)}")
    return x


def _device_and_dtype(layer: Callable) -> tuple[torch.device, torch.dtype]:
    if isinstance(layer, nn.Module):
        for tensor in list(layer.parameters()) + list(layer.buffers()):
            if tensor.is_floating_point():
                return tensor.device, tensor.dtype
    return torch.device("cpu"), torch.get_default_dtype()


def plot_feature_maps(layer: Callable[[torch.Tensor], torch.Tensor], image: ArrayLike, *,
                      lang: str = "en", cmap: Any = style.SIGNED_CMAP,
                      input_cmap: Any = style.IMAGE_CMAP, title: Optional[str] = None,
                      max_cols: int = 8, max_maps: int = 256) -> Figure:
    """Run ``layer`` on one image and draw the input beside every output channel; return the Figure.

    Lessons 04_mnist_and_weights and 05_channel_arithmetic. ``layer`` is an ``nn.Conv2d`` or any
    callable module mapping (1, C, H, W) to (1, C_out, H', W'); ``image`` is (H, W), (C, H, W) or
    (1, C, H, W), a tensor or an array. The layer runs under ``torch.no_grad()`` in eval mode
    (training flags are restored afterwards), on the layer's own device and dtype; the result is
    moved to the CPU for drawing. The input has its own colorbar; all output channels share one
    scale, symmetric about 0 (white is zero with the default diverging map), with one colorbar.
    """
    text = _texts(lang)
    if not callable(layer):
        raise TypeError(f"layer must be a module or a callable, got {type(layer).__name__}")
    x = _image_batch(image)
    device, dtype = _device_and_dtype(layer)
    x = x.to(device=device, dtype=dtype)
    modules = list(layer.modules()) if isinstance(layer, nn.Module) else []
    was_training = [m.training for m in modules]
    try:
        for m in modules:
            m.training = False
        with torch.no_grad():
            out = layer(x)
    finally:
        for m, flag in zip(modules, was_training):
            m.training = flag
    if not isinstance(out, torch.Tensor) or out.ndim != 4 or out.shape[0] != 1:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"expected the layer to return a (1, C, H, W) tensor, got {shape}")
    maps = _to_numpy(out)[0]
    inputs = _to_numpy(x)[0]
    n_in, n_out = inputs.shape[0], maps.shape[0]
    if n_out > max_maps:
        raise ValueError(f"{n_out} output channels is too many to draw (max_maps={max_maps})")
    if not np.isfinite(maps).all():
        raise ValueError("the layer's output holds NaN or infinite values, which have no colour")

    ncols = max(1, min(n_out, max_cols))
    nrows = math.ceil(n_out / ncols)
    in_rows = min(n_in, max(nrows, 1))
    in_cols = math.ceil(n_in / in_rows)
    cell = 1.35
    width = min((ncols + in_cols) * cell + 2.4, 18.0)
    height = min(max(nrows, in_rows) * cell + 1.2, 40.0)
    omax = float(np.abs(maps).max()) or 1.0
    out_norm = Normalize(vmin=-omax, vmax=omax)
    imin, imax = float(inputs.min()), float(inputs.max())
    in_norm = Normalize(vmin=imin, vmax=imax if imax > imin else imin + 1.0)
    name = type(layer).__name__ if isinstance(layer, nn.Module) else getattr(
        layer, "__name__", "layer")

    with font_context(lang):
        fig = new_figure((width, height))
        with _closing_on_error(fig):
            left, right = fig.subfigures(1, 2, width_ratios=[in_cols + 0.6, ncols + 0.6])
            in_axes, in_image = [], None
            in_grid = left.add_gridspec(in_rows, in_cols)
            for c in range(n_in):
                ax = left.add_subplot(in_grid[c % in_rows, c // in_rows])
                in_image = ax.imshow(inputs[c], cmap=input_cmap, norm=in_norm,
                                     interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(text["input"] if n_in == 1 else text["input_ch"].format(i=c),
                             fontsize=9, color=style.INPUT)
                in_axes.append(ax)
            left.colorbar(in_image, ax=in_axes, label=text["pixel"], location="bottom",
                          shrink=0.9)
            out_axes, out_image = [], None
            out_grid = right.add_gridspec(nrows, ncols)
            for o in range(n_out):
                ax = right.add_subplot(out_grid[divmod(o, ncols)])
                out_image = ax.imshow(maps[o], cmap=cmap, norm=out_norm, interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(text["map"].format(o=o), fontsize=8, color=style.OUTPUT)
                out_axes.append(ax)
            right.colorbar(out_image, ax=out_axes, label=text["activation"], shrink=0.9)
            right.suptitle(text["outputs"], fontsize=9, color=style.OUTPUT)
            fig.suptitle(title if title is not None else text["maps"].format(
                name=name, inp=tuple(x.shape), out=tuple(out.shape)), fontsize=10)
    return fig


# --- lesson 07_learning_filters: a kernel learned, a network trained, what it confuses ----------

def draw_kernel_fit(fig: FigureBase, losses: Sequence[float], snapshots: dict[int, ArrayLike],
                    target: ArrayLike, lang: str = "en") -> None:
    """On ``fig``: the loss per step (log scale) and the (kH, kW) kernel after a few steps beside
    the target, on one diverging scale symmetric about 0 (lesson 07_learning_filters)."""
    text = _texts(lang)
    kernels = [(text["snapshot"].format(s=s), _to_numpy(k)) for s, k in sorted(snapshots.items())]
    kernels.append((text["target"], _to_numpy(target)))
    limit = max(float(np.abs(kernels[0][1]).max()), float(np.abs(kernels[-1][1]).max())) or 1.0
    norm = Normalize(-limit, limit)          # start and target set it: a diverged kernel saturates
    grid = fig.add_gridspec(1, len(kernels) + 2, width_ratios=[3.2] + [1] * len(kernels) + [0.12])
    ax = fig.add_subplot(grid[0, 0])
    shown = np.asarray(losses, dtype=np.float64)      # log scale: 0 and inf are left out
    ax.semilogy(np.arange(1, len(shown) + 1), np.where(shown > 0, shown, np.nan), color=style.OUTPUT)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))   # no mathtext: Hangul
    ax.yaxis.set_minor_formatter(NullFormatter())                          # fonts lack its minus
    ax.set(xlabel=text["step"], ylabel=text["loss"])
    for i, (title, k) in enumerate(kernels):
        kax = fig.add_subplot(grid[0, i + 1])
        image = kax.imshow(k, cmap=style.SIGNED_CMAP, norm=norm, interpolation="nearest")
        kax.set_title(title, fontsize=8, color=style.KERNEL if i < len(kernels) - 1 else "black")
        kax.set(xticks=[], yticks=[])
        if k.size <= 25 and np.abs(k).max() < 100:
            for (y, x), v in np.ndenumerate(k):
                kax.text(x, y, f"{v:.1f}".replace("-", "\u2212"), ha="center", va="center",
                         fontsize=8, color=_text_colour(colormaps[style.SIGNED_CMAP], norm, v))
    fig.colorbar(image, cax=fig.add_subplot(grid[0, -1]), label=text["kernel_value"])


def plot_kernel_fit(losses: Sequence[float], snapshots: dict[int, ArrayLike], target: ArrayLike,
                    *, lang: str = "en") -> Figure:
    """A kernel learned by gradient descent, its loss and its steps towards ``target``, as a
    Figure (lesson 07_learning_filters; see :func:`draw_kernel_fit`)."""
    with font_context(lang):
        fig = new_figure((3.2 + 1.25 * (len(snapshots) + 1), 2.6))
        with _closing_on_error(fig):
            draw_kernel_fit(fig, losses, snapshots, target, lang)
    return fig


class TrainingPlot:
    """Loss of every batch so far and test accuracy after each epoch, one picture that Jupyter
    redraws in place while a network trains (lesson 07); ``figure`` is the last one drawn."""

    def __init__(self, epochs: int, batches_per_epoch: int, lang: str = "en"):
        self.epochs, self.batches, self.lang = epochs, batches_per_epoch, check_lang(lang)
        self.figure: Optional[Figure] = None
        self._handle: Any = None           # the notebook's display, replaced on each update

    def draw(self, losses: Sequence[float], accuracies: Sequence[float]) -> Figure:
        text = _texts(self.lang)
        with font_context(self.lang):
            fig = new_figure((8.0, 2.6))
            left, right = fig.subplots(1, 2)
            steps = np.arange(1, len(losses) + 1) / self.batches
            left.plot(steps, losses, color=style.OUTPUT, lw=0.8)
            left.set(xlim=(0, self.epochs), xlabel=text["epoch"], ylabel=text["train_loss"])
            right.plot(range(1, len(accuracies) + 1), 100 * np.asarray(accuracies), "o-",
                       color=style.INPUT)
            right.set(xlim=(0.5, self.epochs + 0.5), ylim=(80, 100), xlabel=text["epoch"],
                      ylabel=text["accuracy"])
            for ax in (left, right):
                ax.grid(alpha=0.3)
        return fig

    def update(self, losses: Sequence[float], accuracies: Sequence[float]) -> None:
        from IPython.display import display   # only when a lesson trains

        self.figure = self.draw(losses, accuracies)
        if self._handle is None:
            self._handle = display(self.figure, display_id=True)
        else:
            self._handle.update(self.figure)


def plot_confusion(matrix: ArrayLike, *, lang: str = "en") -> Figure:
    """A confusion matrix, counts written in: row = the true digit, column = the network's answer
    (lesson 07_learning_filters). Counts are never negative: a sequential map and its colorbar."""
    text, m = _texts(lang), _to_numpy(matrix)
    wrong, total = int(m.sum() - np.trace(m)), int(m.sum())
    norm = Normalize(0, max(float(m.max()), 1.0))
    with font_context(lang):
        fig = new_figure((5.6, 4.8))
        with _closing_on_error(fig):
            ax = fig.add_subplot()
            image = ax.imshow(m, cmap="Greens", norm=norm)
            for (y, x), v in np.ndenumerate(m):
                if v:
                    ax.text(x, y, f"{int(v)}", ha="center", va="center", fontsize=8,
                            color=_text_colour(colormaps["Greens"], norm, v))
            ax.set(xticks=range(len(m)), yticks=range(len(m)), xlabel=text["predicted"],
                   ylabel=text["true"])
            ax.set_title(text["confusion"].format(wrong=wrong, total=total), fontsize=10)
            fig.colorbar(image, ax=ax, label=text["count"], shrink=0.85)
    return fig
