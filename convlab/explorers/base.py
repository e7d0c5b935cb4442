"""The explorer framework: a model that computes and draws, and the widget that shows it.

An explorer is an :class:`ExplorerModel` (what to compute from the controls, what to write and
what to draw) turned into widgets by :class:`Explorer`. Each explorer module declares its typed
``Params`` (one field per control) and ``State`` (what it computed, read by its painter, its
readout and the tests) as dataclasses.

Every redraw runs inside an error boundary: if computing or drawing fails, the output area says
so in the student's language and the explorer stays usable. Displayed outside a live kernel
(printed handouts, a static notebook viewer), an explorer shows a static picture of its current
values, because its display data carries a PNG beside the widget view.

An explorer that defines :meth:`ExplorerModel.scene` has its live picture (and readout) drawn
by the browser (:mod:`.scene`); any other is painted by matplotlib into a PNG on every change.
Both keep the matplotlib painter for the static PNG (at display, :meth:`Explorer.figure`).
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import functools
import html
import io
from typing import Any, Callable, ClassVar, Generic, Iterator, Sequence, TypeVar

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, FigureBase

from ..figures import drawing
from ..figures.fonts import font_context
from ..figures.plots import new_figure
from ..i18n import check_lang, text
from .readout import Line, lines_to_html, lines_to_text
from .controls import explain_disabled, held_sync
from .torch_calls import code_line, one_thread, responsive_kernel

__all__ = ["Explorer", "ExplorerModel", "ExplorerState"]

#: Resolution of the pictures inside the widgets (static figures use matplotlib's default).
DPI = 80

#: A colour key: (role colour, string key) pairs, shown under the picture.
Legend = Sequence[tuple[str, str]]


@dataclasses.dataclass(kw_only=True)
class ExplorerState:
    """What every explorer's state has: PyTorch's error for the current settings, if any."""

    error: str | None = None          # PyTorch's message, word for word
    error_type: str | None = None     # its exception class, e.g. "RuntimeError"

    def update(self, **values: Any) -> None:
        """Set several fields at once; a name that is not a field is a bug, not a new field."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = set(values) - names
        if unknown:
            raise AttributeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        for name, value in values.items():
            setattr(self, name, value)

    def failed(self, error: BaseException) -> None:
        """Record PyTorch's error as the result of these settings."""
        self.update(error=str(error), error_type=type(error).__name__)


P = TypeVar("P")
S = TypeVar("S", bound=ExplorerState)


class ExplorerModel(Generic[P, S]):
    """What one explorer computes and draws; :class:`Explorer` turns it into widgets."""

    params_type: ClassVar[type]                 # the explorer's Params dataclass
    figsize: ClassVar[tuple[float, float]] = (8.0, 3.0)
    help_key: ClassVar[str] = ""
    legend: ClassVar[Legend | None] = None      # colour key shown under the picture

    def controls(self, values: dict, lang: str) -> tuple[dict[str, widgets.Widget], widgets.Widget]:
        """The controls (name -> widget, initial ``values``) and the box that lays them out."""
        raise NotImplementedError

    def sync(self, controls: dict[str, widgets.Widget], changed: str | None) -> None:
        """Make dependent controls agree after ``changed`` moved (None: at start)."""

    def bind(self, explorer: "Explorer") -> None:
        """Attach handlers that are not value changes (buttons)."""

    def params(self, values: dict) -> P:
        """The typed parameters for the current control values."""
        return self.params_type(**values)

    def compute(self, params: P) -> S:
        raise NotImplementedError

    def describe(self, state: S, lang: str) -> list[Line]:
        raise NotImplementedError

    def call(self, params: P) -> tuple[dict, tuple[int, ...]] | None:
        """The ``nn.Conv2d`` arguments and input shape the controls stand for (the code line)."""
        return None

    def linked(self, state: S, lang: str) -> dict | None:
        """Cells the browser links on hover (:mod:`.linked`), or None: no linked view."""
        return None

    def scene(self, state: S, lang: str, width: int, height: int) -> dict | None:
        """The live picture as a scene the browser draws (:class:`.scene.Scene` laid out for a
        ``width`` x ``height`` px box). Explorers opt in by defining it; the default (not
        defined) paints the live picture with :meth:`painter` instead."""
        return None

    def painter(self, fig: FigureBase, lang: str, static: bool) -> Any:
        """An object whose ``update(state)`` paints a state on ``fig``.

        Painters build their axes once and then replace only what is drawn, which keeps a
        redraw fast. ``static`` figures carry their colour legend themselves.
        """
        raise NotImplementedError

    def canvas(self, fig: FigureBase, lang: str, static: bool,
               draw: Callable[[Any, S, str], None]) -> drawing.CanvasPainter:
        """A one-axes painter that calls ``draw(ax, state, lang)`` on each update."""
        return drawing.CanvasPainter(fig, lang, draw, self.legend if static else None)


def static_figure(model: ExplorerModel, state: ExplorerState, lang: str) -> Figure:
    """The explorer's picture with its readout as a caption, as a matplotlib Figure.

    Not tracked by pyplot (``plots.new_figure``): shown exactly once when returned from a cell,
    and never an open figure.
    """
    caption = drawing.wrap_lines(lines_to_text(model.describe(state, lang)))
    width, height = model.figsize
    extra = drawing.caption_height(caption)
    with font_context(lang):
        fig = new_figure((width, height + extra), layout=None)
        top, bottom = fig.subfigures(2, 1, height_ratios=[height, extra])
        model.painter(top, lang, static=True).update(state)
        drawing.draw_caption(bottom, caption)
    return fig


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of a running kernel in this thread, or None (plain Python, tests)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _png(fig: Figure, **kwargs: Any) -> bytes:
    buffer = io.BytesIO()
    fig.canvas.print_png(buffer, **kwargs)
    return buffer.getvalue()


class Explorer(widgets.VBox):
    """An interactive explorer: controls, a picture that redraws in place, and a text readout.

    - ``controls``: name -> ipywidgets control (sliders, dropdowns, checkboxes, Play, buttons);
    - ``readout``: ``ipywidgets.HTML`` with the textual result, updated on every change;
    - ``output``: ``ipywidgets.Output`` holding the picture (fixed size: nothing jumps);
    - ``state``: the typed state last computed (e.g. ``out_shape``, ``value``, ``error``), for
      tests to compare with PyTorch; ``None`` if the last update failed;
    - ``failure``: the exception of the last update, if it failed (shown in the output area);
    - ``figure()``: a new static Figure of the current values (the caller may close it).

    A change redraws once, even when it moves other controls (e.g. ``groups`` options).
    """

    def __init__(self, model: ExplorerModel, values: dict, lang: str):
        self.model, self.lang = model, check_lang(lang)
        responsive_kernel()
        self.state: ExplorerState | None = None
        self.failure: Exception | None = None
        self.png: bytes = b""               # the live PNG (painted explorers only)
        self.frames = 0                       # pictures painted so far
        self._holding = False
        self._deferred = False                # paint after the current message (a drag)
        self._scheduled = False
        self._waiting: ExplorerState | None = None   # computed, not painted yet: newest wins
        self._loop: asyncio.AbstractEventLoop | None = None
        self._figure: Figure | None = None   # kept between redraws, never known to pyplot
        self._painter: Any = None
        self.controls, panel = model.controls(values, self.lang)
        width, height = (int(round(v * DPI)) for v in model.figsize)
        self.readout = widgets.HTML(layout=widgets.Layout(min_height="3em"))
        key = widgets.HTML(drawing.legend_html(model.legend, lang) if model.legend else "")
        self.picture = None
        if type(model).scene is not ExplorerModel.scene:
            from .scene import scene_picture   # anywidget: loaded only by explorers that opt in
            self.picture = scene_picture(text(model.help_key, lang), width, height, key.value)
            self.readout.close()   # shown by the picture's widget, sent in its message
        # with a scene, the output area only shows a failure
        fixed = {} if self.picture else {"height": f"{height + 4}px", "overflow": "hidden"}
        self.output = widgets.Output(layout=widgets.Layout(width=f"{width + 4}px", **fixed))
        self._size = (width, height)
        help_box = widgets.HTML(f'<div style="max-width:{width}px">{text(model.help_key, lang)}'
                                "</div>")
        self.linked = None
        if type(model).linked is not ExplorerModel.linked:
            from .linked import LinkedCells   # anywidget: loaded only by explorers that link
            self.linked = LinkedCells()
            self.linked.add_class("convlab-linked-view")
        from .linked import CodeLine   # anywidget: the line of PyTorch, copied in the browser
        self.code_line = CodeLine(button=text("code.copy", lang),
                                  button_label=text("code.copy_label", lang),
                                  copied=text("code.copied", lang),
                                  disabled_reason=text("code.no_line", lang))
        self.code_line.add_class("convlab-code")
        self.reasons = widgets.HTML()
        self.reasons.add_class("convlab-disabled-reasons")
        picture = [self.picture, self.output] if self.picture else [self.output, key, self.readout]
        parts = [help_box, panel, self.reasons, self.code_line, *picture]
        super().__init__(parts + ([self.linked] if self.linked is not None else []))
        # Stable hooks for the browser tests (and for anyone styling the course).
        self.add_class("convlab-explorer")
        self.readout.add_class("convlab-readout")
        self.output.add_class("convlab-output")
        for name, control in self.controls.items():
            control.add_class(f"convlab-control-{name}")
            if isinstance(control, widgets.ValueWidget) and not isinstance(control, widgets.Play):
                control.observe(functools.partial(self._changed, name), names="value")
        model.bind(self)
        self.apply()

    def values(self) -> dict:
        """The current value of every control (Play and buttons excluded)."""
        return {name: c.value for name, c in self.controls.items()
                if isinstance(c, widgets.ValueWidget) and not isinstance(c, widgets.Play)}

    @contextlib.contextmanager
    def _hold(self) -> Iterator[None]:
        held, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = held

    def _changed(self, name: str, change: dict) -> None:
        """A student moved ``name``: in a running kernel a painted picture follows once the
        message is answered (newest value wins); a scene, or no event loop (tests), at once."""
        if self._holding:
            return
        self._loop = _running_loop()
        self._deferred = True
        try:
            self.apply(changed=name)
        finally:
            self._deferred = False

    def apply(self, action: Callable[[], None] | None = None, changed: str | None = None) -> None:
        """Run ``action`` (moving controls) and let dependent controls follow; redraw once."""
        with one_thread():
            self._apply(action, changed)

    def _apply(self, action: Callable[[], None] | None, changed: str | None) -> None:
        with held_sync([*self.controls.values(), self.reasons]):   # the picture goes first
            with self._hold():
                if action is not None:
                    action()
                self.model.sync(self.controls, changed)
            self._explain_disabled()
            self.update()

    def _explain_disabled(self) -> None:
        """Each disabled control's reason as its tooltip, and all of them in one visible line."""
        self.reasons.value = explain_disabled(self.controls, self.lang)   # unchanged: no message

    def set(self, **values: Any) -> None:
        """Move several controls, in the order given, as a student would; redraw once at the end.

        ``explorer.set(in_channels=8, out_channels=16, groups=8)``: each move lets dependent
        controls follow before the next (so ``groups`` is offered 8 by the time it is set).
        """
        unknown = [name for name in values if name not in self.values()]
        if unknown:
            raise ValueError(f"no control named {', '.join(map(repr, unknown))}; "
                             f"the controls are {', '.join(self.values())}")

        def move() -> None:
            for name, value in values.items():
                self.controls[name].value = value
                self.model.sync(self.controls, name)

        self.apply(move)

    def update(self) -> None:
        """Recompute the state from the controls, rewrite the readout, redraw the picture.

        A scene goes out at once with the readout, in one message, before the code line and the
        hover view are computed; a painted one as in :meth:`_changed`. Failures show, and retry.
        """
        try:
            params = self.model.params(self.values())
            state = self.model.compute(params)
            readout = lines_to_html(self.model.describe(state, self.lang))
        except Exception as error:  # noqa: BLE001 - the boundary: show it, never die silently
            self._show_failure(error)
            return
        self._waiting = state
        if self.picture is not None:   # deferred, it waited for "idle" (benchmarks/README.md)
            with self.picture.hold_sync():
                self._paint_waiting()
                self.picture.readout = readout if self.failure is None else ""
            if self.failure is not None:   # the scene failed: its message is shown
                return
        try:
            line, copy_text = code_line(self.model.call(params))   # shown, and copied runnable
            linked = self.model.linked(state, self.lang) if self.linked is not None else None
        except Exception as error:  # noqa: BLE001 - the same boundary
            self._show_failure(error)
            return
        self.readout.value = readout    # unchanged values send nothing (a seed: no code line)
        with self.code_line.hold_sync():      # one message for both
            self.code_line.line, self.code_line.copy_text = line, copy_text
        if self.linked is not None:   # light: numbers and links, drawn by the browser
            self.linked.data = linked or {}
        if self.picture is None and self._deferred and self._loop is not None:
            if not self._scheduled:
                self._scheduled = True
                self._loop.call_soon(self._paint_waiting)
        elif self.picture is None:
            self._paint_waiting()

    def _paint_waiting(self) -> None:
        """Paint the newest computed state (and only it) into the output area."""
        with one_thread():
            self._paint_newest()

    def _paint_newest(self) -> None:
        self._scheduled = False
        state, self._waiting = self._waiting, None
        if state is None:
            return
        try:     # a scene for the browser to draw, or a PNG painted here
            picture = (self.model.scene(state, self.lang, *self._size) if self.picture
                       else self._render(state))
        except Exception as error:  # noqa: BLE001 - the boundary, for the picture too
            self._show_failure(error)
            return
        self.frames += 1
        self.state, self.failure = state, None
        if self.picture is not None:
            self.picture.scene = {**picture, "frame": self.frames}
            self.output.outputs = ()    # no message unless a failure was shown
            return
        self.png = picture
        # Replace the output in one assignment: the old picture stays until the new one is there.
        self.output.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": base64.b64encode(picture).decode("ascii"),
                     "text/plain": f"<{type(self.model).__name__} picture>"},
            "metadata": {},
        },)

    def _show_failure(self, error: Exception) -> None:
        self.state, self.failure, self.png = None, error, b""
        self._waiting = None    # an older state must not paint over the message
        self._painter = None    # rebuilt on the next redraw, in case the failure broke it
        if self.picture is not None:
            self.picture.scene, self.picture.readout = {}, ""
        message = f"{type(error).__name__}: {error}"
        self.readout.value = ""
        self.output.outputs = ({
            "output_type": "display_data",
            "data": {"text/html": (f'<div class="convlab-failure" style="color:#b00">'
                                   f"<b>{html.escape(text('explorer_failed', self.lang))}</b>"
                                   f"<pre>{html.escape(message)}</pre></div>"),
                     "text/plain": f"{text('explorer_failed', self.lang)}\n{message}"},
            "metadata": {},
        },)

    def _render(self, state: ExplorerState) -> bytes:
        """Paint the state on the explorer's own Agg figure and return it as PNG bytes."""
        with font_context(self.lang):
            if self._painter is None:
                self._figure = Figure(figsize=self.model.figsize, dpi=DPI)
                FigureCanvasAgg(self._figure)
                self._painter = self.model.painter(self._figure, self.lang, static=False)
            self._painter.update(state)
            # light compression: the PNG only travels to the browser, and encodes 3x faster
            return _png(self._figure, pil_kwargs={"compress_level": 1})

    def figure(self) -> Figure:
        """A static Figure of the current values: picture plus readout text."""
        if self.state is None:
            raise RuntimeError(f"the explorer's last update failed: {self.failure!r}")
        return static_figure(self.model, self.state, self.lang)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The widget view, plus a static picture for front ends that cannot run widgets."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if self.state is not None:
            bundle["image/png"] = base64.b64encode(self.figure()._repr_png_()).decode("ascii")
        return bundle
