"""The explorers' controls: labelled sliders, menus and the rules that keep them consistent."""
from __future__ import annotations

import contextlib
import html
import math
from typing import Any, Iterable, Iterator, Sequence, Union

import ipywidgets as widgets

from ..conv.geometry import PADDING_MODES, pair
from ..i18n import text

IntOrPair = Union[int, Sequence[int]]


def label_style(lang: str) -> dict:
    return {"description_width": "150px" if lang == "ko" else "130px"}


def control_layout() -> widgets.Layout:
    return widgets.Layout(width="370px")


def int_slider(key: str, lang: str, value: int, lo: int, hi: int, **fmt: Any) -> widgets.IntSlider:
    """An IntSlider that updates while dragged; its range grows to hold an unusual start value.

    Dragging sends many values; ipywidgets keeps at most one message in flight per widget and
    replaces a waiting one with the newest (its message throttle), and :class:`~.base.Explorer`
    paints only the newest state, so a fast drag never builds a queue of stale pictures.
    """
    return widgets.IntSlider(value=value, min=min(lo, value), max=max(hi, value),
                             description=text(key, lang, **fmt), continuous_update=True,
                             style=label_style(lang), layout=control_layout())


def float_slider(key: str, lang: str, value: float, lo: float, hi: float, step: float,
                  **fmt: Any) -> widgets.FloatSlider:
    return widgets.FloatSlider(value=value, min=min(lo, value), max=max(hi, value), step=step,
                               description=text(key, lang, **fmt), continuous_update=True,
                               readout_format=".2f", style=label_style(lang), layout=control_layout())


def dropdown(key: str, lang: str, options: list, value: Any) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, value=value, description=text(key, lang),
                            style=label_style(lang), layout=control_layout())


def checkbox(key: str, lang: str, value: bool) -> widgets.Checkbox:
    return widgets.Checkbox(value=bool(value), description=text(key, lang), style=label_style(lang),
                            layout=control_layout())


def grid(children: Sequence[widgets.Widget], columns: int = 2) -> widgets.GridBox:
    return widgets.GridBox(list(children), layout=widgets.Layout(
        grid_template_columns=f"repeat({columns}, 380px)", grid_gap="0px 8px"))


def padding_controls(values: dict, lang: str, hi: int) -> dict[str, widgets.Widget]:
    options = [(text("padding_numbers", lang), "int"), ("'same'", "same"), ("'valid'", "valid")]
    return {
        "padding_type": dropdown("padding_type", lang, options, values["padding_type"]),
        "padding_h": int_slider("padding_h", lang, values["padding_h"], 0, hi),
        "padding_w": int_slider("padding_w", lang, values["padding_w"], 0, hi),
        "padding_mode": dropdown("padding_mode", lang,
                                  [(text(f"mode_{m}", lang), m) for m in PADDING_MODES],
                                  values["padding_mode"]),
    }


def window_controls(values: dict, lang: str, kernel: int, stride: int,
                    dilation: int) -> dict[str, widgets.Widget]:
    """The height and width sliders of ``kernel_size``, ``stride`` and ``dilation``, from 1 to
    ``kernel``, ``stride`` and ``dilation`` (lessons 01-02: the window's size and its steps)."""
    return {f"{name}_{axis}": int_slider(f"{name}_{axis}", lang, values[f"{name}_{axis}"], 1, hi)
            for name, hi in (("kernel", kernel), ("stride", stride), ("dilation", dilation))
            for axis in ("h", "w")}


def window_values(kernel_size: IntOrPair, stride: IntOrPair, dilation: IntOrPair) -> dict:
    """Control values for ``kernel_size``, ``stride`` and ``dilation`` (each an int or a pair)."""
    values = {}
    for name, value in (("kernel", kernel_size), ("stride", stride), ("dilation", dilation)):
        values[f"{name}_h"], values[f"{name}_w"] = pair(
            value, "kernel_size" if name == "kernel" else name)
    return values


def padding_values(padding: IntOrPair | str, padding_mode: str) -> dict:
    """Control values for ``padding`` (int, pair, 'same' or 'valid') and ``padding_mode``."""
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be an int, a pair, 'same' or 'valid'; got {padding!r}")
        return {"padding_type": padding, "padding_h": 0, "padding_w": 0,
                "padding_mode": padding_mode}
    ph, pw = pair(padding, "padding")
    return {"padding_type": "int", "padding_h": ph, "padding_w": pw, "padding_mode": padding_mode}


def padding_arg(padding_type: str, padding_h: int, padding_w: int) -> IntOrPair | str:
    """The ``padding`` argument the padding controls stand for."""
    return (padding_h, padding_w) if padding_type == "int" else padding_type


def disable(control: widgets.Widget, reason: str | None, **fmt: Any) -> None:
    """Disable ``control`` for the catalogue's ``reason`` key (None: enable it).

    The explorer shows the reason, in the student's language, as the control's tooltip and in a
    line under the controls: a control that cannot change anything says why.
    """
    control.disabled = reason is not None
    control.reason = (reason, fmt) if reason is not None else None


@contextlib.contextmanager
def held_sync(controls: Iterable[widgets.Widget]) -> Iterator[None]:
    """Each control sends what changed inside the block (options, value, disabled, tooltip) as
    one message when it ends: every message costs the kernel a hand-over to its IOPub thread and
    the browser a wake-up, so a control that follows another sends once, not four times."""
    with contextlib.ExitStack() as held:
        for control in controls:
            held.enter_context(control.hold_sync())
        yield


def explain_disabled(controls: dict[str, widgets.Widget], lang: str) -> str:
    """Give each disabled control its reason (:func:`disable`) as tooltip, in ``lang``; return
    all reasons as the one visible line shown under the controls ("" when none is disabled)."""
    reasons = []
    for control in controls.values():
        reason = getattr(control, "reason", None) if control.disabled else None
        said = text(reason[0], lang, **reason[1]) if reason else None
        if control.tooltip != said:
            control.tooltip = said
        if said:
            label = control.description or ""
            reasons.append(f"<b>{html.escape(label)}</b>: {html.escape(said)}")
    return ('<div style="font-size:12px;color:#444">' + "<br>".join(reasons) + "</div>"
            if reasons else "")


def sync_padding(controls: dict) -> None:
    """Padding sizes only for numeric padding; ``padding_mode`` only when something is padded."""
    padding_type = controls["padding_type"].value
    for name in ("padding_h", "padding_w"):
        disable(controls[name], None if padding_type == "int" else "reason.padding_string",
                value=repr(padding_type))
    pads = padding_type == "same" or (padding_type == "int" and (
        controls["padding_h"].value or controls["padding_w"].value))
    disable(controls["padding_mode"], None if pads else "reason.no_padding")


def common_divisors(a: int, b: int) -> list[int]:
    g = math.gcd(a, b)
    return [d for d in range(1, g + 1) if g % d == 0] if g > 0 else [1]


def sync_groups(controls: dict) -> None:
    """Offer only the ``groups`` that divide both channel counts; keep the choice if still valid."""
    dropdown = controls["groups"]
    options = common_divisors(controls["in_channels"].value, controls["out_channels"].value)
    current = dropdown.value
    if list(dropdown.options) != options:
        dropdown.options = options
    if current not in options:
        current = max(d for d in options if d <= max(current, 1))
    dropdown.value = current
    disable(dropdown, None if len(options) > 1 else "reason.one_group",
            i=controls["in_channels"].value, o=controls["out_channels"].value)


def check_groups_offered(in_channels: int, out_channels: int, groups: int) -> None:
    options = common_divisors(in_channels, out_channels)
    if groups not in options:
        raise ValueError(
            f"groups={groups} is not offered: the groups menu lists the common divisors of "
            f"in_channels={in_channels} and out_channels={out_channels}: {options}")


