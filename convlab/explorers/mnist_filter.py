"""The MNIST filter explorer: a digit, a kernel and the feature map it makes (lesson 04)."""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.collections import PathCollection
from matplotlib.figure import FigureBase
from matplotlib.patches import Rectangle
from torch import nn

from ..figures import style
from ..figures.drawing import SMALL_SIZE, TITLE_SIZE, cell_pixels, draw_numbers, number
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .controls import disable, dropdown, grid, int_slider
from .kernels import KERNELS
from .readout import line, num, shape_text
from .scene import Scene, colour_cells, ink_on

__all__ = ["mnist_filter_explorer"]


@dataclasses.dataclass(frozen=True)
class FilterParams:
    """The controls: which image, which kernel, the random kernel's seed, the layer's filter."""

    index: int
    kernel: str            # a name in KERNELS, "random" or "layer"
    seed: int
    filter: int = 0        # only with a layer


@dataclasses.dataclass(kw_only=True)
class FilterState(ExplorerState):
    """The digit, the kernel that was applied and its feature map, as float64 arrays."""

    index: int
    label: int | None
    kernel_name: str
    filter: int | None
    computed: str              # the PyTorch expression that made the feature map
    image: np.ndarray
    kernel: np.ndarray
    feature_map: np.ndarray
    fmap_shape: tuple[int, ...]


def check_images(images: Any) -> None:
    """Refuse what cannot be a set of images (a language passed first, say) with a clear error."""
    if isinstance(images, (str, bytes)) or not hasattr(images, "__getitem__"):
        raise TypeError("images must be a dataset of (image, label) or a tensor (N, 1, H, W), "
                        f"got {type(images).__name__}: {images!r}"[:200])
    if len(images) == 0:
        raise ValueError("images is empty")


def image_at(images: Any, index: int) -> tuple[torch.Tensor, int | None]:
    """Image ``index`` of a dataset or tensor as ``(1, 1, H, W)`` float, and its label if known."""
    item, label = images[index], None
    if isinstance(item, (tuple, list)):
        item, label = item[0], (item[1] if len(item) > 1 else None)
        if isinstance(label, torch.Tensor):
            label = label.item()
        label = int(label) if label is not None else None
    x = item if isinstance(item, torch.Tensor) else torch.from_numpy(np.array(item))
    x = x.detach().cpu()
    x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[0] != 1:
        raise ValueError("expected grayscale images: each item (1, H, W) or (H, W), or a tensor "
                         f"(N, 1, H, W); item {index} has shape {tuple(x.shape)}")
    return x[None], label


class FilterModel(ExplorerModel[FilterParams, FilterState]):
    params_type = FilterParams
    figsize = (8.0, 2.9)
    help_key = "mnist.help"

    def __init__(self, images: Any, layer: nn.Conv2d | None):
        self.images, self.layer = images, layer
        self.names = [*KERNELS, "random"] + (["layer"] if layer is not None else [])

    def controls(self, values, lang):
        c = {
            "index": int_slider("mnist.index", lang, values["index"], 0, len(self.images) - 1),
            "kernel": dropdown("mnist.kernel", lang,
                                [(text(f"mnist.k_{n}", lang), n) for n in self.names],
                                values["kernel"]),
            "seed": int_slider("seed", lang, values["seed"], 0, 99),
        }
        if self.layer is not None:
            c["filter"] = int_slider("mnist.filter", lang, values["filter"], 0,
                                      self.layer.out_channels - 1)
        return c, grid(list(c.values()))

    def sync(self, controls, changed):
        kernel = controls["kernel"].value
        disable(controls["seed"], None if kernel == "random" else "reason.seed_random")
        if "filter" in controls:
            disable(controls["filter"], None if kernel == "layer" else "reason.filter_layer")

    def call(self, v):
        """The layer's own arguments, or the one-kernel layer that F.conv2d call stands for."""
        shape = tuple(image_at(self.images, v.index)[0].shape)
        layer = self.layer
        if v.kernel != "layer":
            return dict(in_channels=1, out_channels=1, kernel_size=3, padding=1,
                        bias=False), shape
        return dict(in_channels=1, out_channels=layer.out_channels, kernel_size=layer.kernel_size,
                    stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                    groups=layer.groups, bias=layer.bias is not None,
                    padding_mode=layer.padding_mode), shape

    def compute(self, v):
        image, label = image_at(self.images, v.index)
        name, f = v.kernel, None
        with torch.no_grad():
            if name == "layer":
                f = int(v.filter)
                weight = self.layer.weight
                out = self.layer(image.to(weight.device, weight.dtype))
                kernel, fmap = weight[f, 0], out[0, f]
                computed = f"layer(image)[0, {f}]"
            else:
                if name == "random":
                    generator = torch.Generator().manual_seed(int(v.seed))
                    kernel = torch.randn(3, 3, generator=generator)
                else:
                    kernel = KERNELS[name]
                fmap = F.conv2d(image, kernel.reshape(1, 1, 3, 3), padding=1)[0, 0]
                computed = "F.conv2d(image, kernel.reshape(1, 1, 3, 3), padding=1)"
        return FilterState(index=v.index, label=label, kernel_name=name, filter=f,
                           computed=computed, image=image[0, 0].numpy(),
                           kernel=kernel.detach().cpu().double().numpy(),
                           feature_map=fmap.detach().cpu().double().numpy(),
                           fmap_shape=tuple(fmap.shape))

    def describe(self, state, lang):
        fmap = state.feature_map
        rows = ["[" + ", ".join(num(w) for w in row) + "]" for row in state.kernel]
        return [
            line(text("mnist.kernel_title", lang, name=kernel_label(state, lang)) + " = ",
                  ("[" + ", ".join(rows) + "]", "code kernel")),
            line(text("mnist.computed", lang) + ": ", (state.computed, "code"), " → ",
                  (shape_text(state.fmap_shape), "code output")),
            line(text("mnist.range", lang, lo=f"{fmap.min():.3g}", hi=f"{fmap.max():.3g}")),
        ]

    def painter(self, fig, lang, static):
        return FilterPainter(fig, lang)

    def scene(self, state, lang, width, height):
        return filter_scene(state, lang, width, height)


def mnist_filter_explorer(images: Any, lang: str = "en", *,
                          kernel: str = "sobel_x", layer: nn.Conv2d | None = None,
                          index: int = 0, seed: int = 0, filter: int = 0) -> Explorer:
    """Pick a digit and a kernel and see the feature map, with the kernel's numbers (lesson 04).

    ``images``: a dataset of ``(image, label)`` (e.g. torchvision's MNIST, PIL or tensor images)
    or a tensor ``(N, 1, H, W)``/``(N, H, W)``. ``kernel``: one of :data:`KERNELS`, ``"random"``
    (``torch.randn(3, 3)`` with ``seed``) or ``"layer"`` (filter ``filter`` of ``layer``, an
    ``nn.Conv2d`` with ``in_channels=1``).
    """
    check_images(images)
    if layer is not None:
        if not isinstance(layer, nn.Conv2d) or layer.in_channels != 1:
            raise ValueError("layer must be an nn.Conv2d with in_channels=1 (one grayscale "
                             f"channel), got {layer!r}")
    model = FilterModel(images, layer)
    if kernel not in model.names:
        hint = " (pass layer= to use 'layer')" if kernel == "layer" else ""
        raise ValueError(f"kernel must be one of {model.names}, got {kernel!r}{hint}")
    if not 0 <= index < len(images):
        raise ValueError(f"index must be between 0 and {len(images) - 1}, got {index}")
    if layer is not None and not 0 <= filter < layer.out_channels:
        raise ValueError(f"filter must be between 0 and {layer.out_channels - 1}, got {filter}")
    values = {"index": index, "kernel": kernel, "seed": seed, "filter": filter}
    return Explorer(model, values, lang)


def set_image(image, data: np.ndarray, lo: float, hi: float) -> None:
    """Swap an AxesImage's data (any size) and colour limits; its axes follow the new size."""
    h, w = data.shape
    image.set_data(data)
    image.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
    image.axes.set_xlim(-0.5, w - 0.5)
    image.axes.set_ylim(h - 0.5, -0.5)
    image.set_clim(lo, hi)


def kernel_label(state: FilterState, lang: str) -> str:
    """The kernel's name in ``lang``; a layer's filter gets its index ("filters of the layer 3")."""
    label = text(f"mnist.k_{state.kernel_name}", lang)
    return f"{label} {state.filter}" if state.filter is not None else label


class FilterPainter:
    """The digit, the kernel with its numbers (jet, like the seed post's weights), the feature map.

    Built once; :meth:`update` swaps data, titles and the kernel's numbers (lesson 04).
    """

    def __init__(self, fig: FigureBase, lang: str):
        self.lang = lang
        blank = np.zeros((3, 3))
        ax = fig.add_axes((0.02, 0.06, 0.26, 0.8))
        self.digit = ax.imshow(blank, cmap=style.IMAGE_CMAP, interpolation="nearest")
        self.digit_title = ax.set_title("", fontsize=TITLE_SIZE, color=style.INPUT)
        ax.set_axis_off()

        self.kx = kx = fig.add_axes((0.33, 0.14, 0.2, 0.64))
        self.kernel = kx.imshow(blank, cmap=style.WEIGHT_CMAP, interpolation="nearest")
        kx.set_axis_off()
        self.frame = kx.add_patch(Rectangle((-0.5, -0.5), 3, 3, fill=False,
                                            edgecolor=style.KERNEL, linewidth=1.5))
        self.kernel_title = kx.set_title("", fontsize=TITLE_SIZE, color=style.KERNEL)
        kbar = fig.colorbar(self.kernel, ax=kx, fraction=0.08, pad=0.03)
        kbar.ax.tick_params(labelsize=SMALL_SIZE)
        self.numbers: PathCollection | None = None

        fx = fig.add_axes((0.62, 0.06, 0.26, 0.8))
        self.fmap = fx.imshow(blank, cmap=style.SIGNED_CMAP, interpolation="nearest")
        self.fmap_title = fx.set_title("", fontsize=TITLE_SIZE, color=style.OUTPUT)
        fx.set_axis_off()
        cax = fig.add_axes((0.9, 0.1, 0.015, 0.72))
        fbar = fig.colorbar(self.fmap, cax=cax)
        fbar.ax.tick_params(labelsize=SMALL_SIZE)
        fbar.set_label(text("mnist.activation", lang), fontsize=SMALL_SIZE)

    def update(self, state: FilterState) -> None:
        lang = self.lang
        image, kernel, fmap = state.image, state.kernel, state.feature_map
        label = state.label
        self.digit_title.set_text(
            text("mnist.digit_label", lang, i=state.index, label=label) if label is not None
            else text("mnist.digit", lang, i=state.index))
        set_image(self.digit, image, float(min(image.min(), 0.0)), float(max(image.max(), 1.0)))

        kmax = float(np.abs(kernel).max()) or 1.0
        set_image(self.kernel, kernel, -kmax, kmax)
        kh, kw = kernel.shape
        self.frame.set_width(kw)
        self.frame.set_height(kh)
        self.kernel_title.set_text(text("kernel", lang) + "\n" + kernel_label(state, lang))
        cmap, norm = self.kernel.get_cmap(), self.kernel.norm
        colours = []
        for v in kernel.ravel():
            r, g, b, _ = cmap(norm(v))
            colours.append("black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white")
        if self.numbers is not None:
            self.numbers.remove()
        rr, cc = np.mgrid[0:kh, 0:kw]
        self.numbers = draw_numbers(self.kx, cc.ravel(), rr.ravel(),
                                    [number(v) for v in kernel.ravel()],
                                    cell_pixels(self.kx, kw, kh), colours)

        fmax = float(np.abs(fmap).max()) or 1.0
        set_image(self.fmap, fmap, -fmax, fmax)
        self.fmap_title.set_text(text("mnist.fmap", lang, h=fmap.shape[0], w=fmap.shape[1]))


def filter_scene(state: FilterState, lang: str, width: int, height: int) -> dict:
    """:class:`FilterPainter`'s picture as a scene the browser draws (the live view): the digit,
    the kernel with its numbers, the feature map, each with its colour scale."""
    image, kernel, fmap = state.image, state.kernel, state.feature_map
    scene = Scene()
    h, w = image.shape
    kh, kw = kernel.shape
    fh, fw = fmap.shape
    scene.grid(0, 0, colour_cells(image, style.IMAGE_CMAP, float(min(image.min(), 0.0)),
                                  float(max(image.max(), 1.0))),
               rows=h, cols=w, lines=False, border=style.INPUT, name="digit")
    title = (text("mnist.digit_label", lang, i=state.index, label=state.label)
             if state.label is not None else text("mnist.digit", lang, i=state.index))
    scene.text(w / 2, 0, title, colour=style.INPUT, baseline="bottom", dy=-4)
    # the kernel drawn as large as the digit, its cells big enough for their numbers
    scale = h / max(kh, kw)
    x_kernel = w + 6
    kmax = float(np.abs(kernel).max()) or 1.0
    scene.grid(x_kernel, 0, colour_cells(kernel, style.WEIGHT_CMAP, -kmax, kmax), rows=kh,
               cols=kw, labels=kernel, label_colour=ink_on(kernel, style.WEIGHT_CMAP, -kmax, kmax),
               border=style.KERNEL, name="kernel", scale=scale)
    scene.text(x_kernel + kw * scale / 2, 0, text("kernel", lang) + ": "
               + kernel_label(state, lang), colour=style.KERNEL, baseline="bottom", dy=-4)
    x_fmap = x_kernel + kw * scale + 6
    fmax = float(np.abs(fmap).max()) or 1.0
    scene.grid(x_fmap, 0, colour_cells(fmap, style.SIGNED_CMAP, -fmax, fmax), rows=fh, cols=fw,
               lines=False, border=style.OUTPUT, name="feature_map")
    scene.text(x_fmap + fw / 2, 0, text("mnist.fmap", lang, h=fh, w=fw), colour=style.OUTPUT,
               baseline="bottom", dy=-4)
    x_key = x_fmap + fw + 2
    key_values = np.linspace(fmax, -fmax, 28).reshape(28, 1)
    scene.grid(x_key, 0, colour_cells(key_values, style.SIGNED_CMAP, -fmax, fmax), rows=28,
               cols=1, lines=False, border="#555555", name="key")
    scene.text(x_key + 1.5, 0, f"{fmax:.3g}", anchor="start", baseline="top")
    scene.text(x_key + 1.5, 28, f"{-fmax:.3g}", anchor="start", baseline="bottom")
    scene.text(x_key + 1.5, 14, text("mnist.activation", lang), anchor="start")
    scene.rect(x_key, 0, 14, 1)     # room for the key's words
    return scene.layout(width, height, top=20, bottom=4)
