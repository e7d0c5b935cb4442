"""The five explorers, headless: every control moves, and every number shown is PyTorch's.

Setting a control's ``value`` runs the explorer's observers synchronously without a kernel, so
this is plain pytest. Every expected number comes from ``nn.Conv2d`` / ``F.conv2d`` run here in
the test on CPU tensors (never from convlab's own code); error texts are the ones PyTorch raises.
"""
from __future__ import annotations

import base64
import html
import io
import json
import random
import re
import struct
import warnings

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from convlab.i18n import STRINGS  # noqa: E402
from convlab.explorers.scene import without_frame  # noqa: E402
from convlab.explorers.torch_calls import meta_conv2d  # noqa: E402
from convlab.explorers import (  # noqa: E402
    KERNELS, Explorer, channel_arithmetic_explorer, groups_explorer, many_filters_explorer,
    mnist_filter_explorer, shape_explorer, sliding_window_explorer,
)

IMAGES = torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(0))
LAYER = nn.Conv2d(1, 4, 5, padding=1)
NAMES = ["shape", "sliding_window", "groups", "channel_arithmetic", "mnist_filter",
         "many_filters"]


def build(name: str, lang: str = "en", **kwargs):
    if name == "shape":
        return shape_explorer(lang, **kwargs)
    if name == "sliding_window":
        return sliding_window_explorer(lang, **kwargs)
    if name == "groups":
        return groups_explorer(lang, **kwargs)
    if name == "channel_arithmetic":
        return channel_arithmetic_explorer(lang, **kwargs)
    if name == "many_filters":
        return many_filters_explorer(lang, **kwargs)
    return mnist_filter_explorer(IMAGES, lang, layer=LAYER, **kwargs)


@pytest.fixture(autouse=True)
def no_figure_left_open():
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


def readout_text(explorer: Explorer) -> str:
    """The readout as a student reads it: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", explorer.readout.value.replace("<br>", "\n")))


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def picture(explorer: Explorer):
    """What the live picture shows: the browser's scene (without its frame count) or the PNG."""
    if explorer.picture is not None:
        return without_frame(explorer.picture.scene)
    return explorer.png


def picture_size(explorer: Explorer) -> tuple[int, int]:
    if explorer.picture is not None:
        return explorer.picture.scene["width"], explorer.picture.scene["height"]
    return png_size(explorer.png)


def torch_conv(args: dict, input_shape: tuple[int, ...]):
    """PyTorch's own verdict on CPU: ("ok", output, layer) or (error type name, message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layer = nn.Conv2d(**args)
            with torch.no_grad():
                return "ok", layer(torch.zeros(input_shape)), layer
        except Exception as error:  # noqa: BLE001 - the error is the expected result
            return type(error).__name__, str(error)


def assert_shows_torch_error(explorer: Explorer, outcome: tuple) -> None:
    kind, message = outcome
    assert explorer.state.error_type == kind
    assert explorer.state.error == message
    assert message in readout_text(explorer)


# --- checks shared by sweeps and random settings ------------------------------------------------

def shape_args(v: dict) -> tuple[dict, tuple[int, ...]]:
    padding = v["padding_type"] if v["padding_type"] != "int" else (v["padding_h"], v["padding_w"])
    args = dict(in_channels=v["in_channels"], out_channels=v["out_channels"],
                kernel_size=(v["kernel_h"], v["kernel_w"]), stride=(v["stride_h"], v["stride_w"]),
                padding=padding, dilation=(v["dilation_h"], v["dilation_w"]), groups=v["groups"],
                bias=v["bias"], padding_mode=v["padding_mode"])
    return args, (v["batch"], v["channels"], v["height"], v["width"])


def check_shape(explorer: Explorer) -> bool:
    """Output shape, parameter and multiply-add counts, or the error, as PyTorch gives them."""
    args, input_shape = shape_args(explorer.values())
    outcome = torch_conv(args, input_shape)
    text = readout_text(explorer)
    if outcome[0] != "ok":
        assert_shows_torch_error(explorer, outcome)
        assert explorer.state.out_shape is None
        return False
    _, y, layer = outcome
    assert explorer.state.error is None
    assert explorer.state.out_shape == tuple(y.shape)
    assert str(tuple(y.shape)) in text
    params = sum(p.numel() for p in layer.parameters())
    assert explorer.state.params == params
    assert f"= {params:,}" in text
    assert explorer.state.weight_shape == tuple(layer.weight.shape)
    assert explorer.state.macs == y.numel() * layer.weight[0].numel()
    return True


def window_reference(explorer: Explorer):
    """nn.Conv2d (padding_mode included) run on the numbers the explorer shows."""
    v, state = explorer.values(), explorer.state
    padding = v["padding_type"] if v["padding_type"] != "int" else (v["padding_h"], v["padding_w"])
    x = torch.tensor(state.input)[None]
    weight = torch.tensor(state.weight)[None]
    args = dict(in_channels=v["channels"], out_channels=1,
                kernel_size=(v["kernel_h"], v["kernel_w"]), stride=(v["stride_h"], v["stride_w"]),
                padding=padding, dilation=(v["dilation_h"], v["dilation_w"]), bias=v["bias"],
                padding_mode=v["padding_mode"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layer = nn.Conv2d(**args)
            with torch.no_grad():
                layer.weight.copy_(weight)
                if v["bias"]:
                    layer.bias.fill_(state.bias)
                return "ok", layer(x)
        except Exception as error:  # noqa: BLE001
            return type(error).__name__, str(error)


def check_window(explorer: Explorer) -> bool:
    """The current output cell's value is nn.Conv2d's, and the written-out sum adds up to it."""
    outcome = window_reference(explorer)
    state, step = explorer.state, explorer.controls["step"]
    if outcome[0] != "ok":
        assert_shows_torch_error(explorer, outcome)
        return False
    y = outcome[1]
    out_h, out_w = y.shape[2:]
    assert state.out_shape == tuple(y.shape)
    assert step.max == out_h * out_w - 1
    assert state.position == divmod(step.value, out_w)
    row, col = state.position
    expected = float(y[0, 0, row, col])
    assert state.value == expected
    bias = state.bias if state.bias is not None else 0.0
    assert sum(w * x for w, x in state.terms) + bias == expected  # integers: exact
    text = readout_text(explorer)
    assert f"= {int(expected)}\n" in text + "\n"
    assert f"[0, 0, {row}, {col}]" in text
    return True


def torch_connectivity(cin: int, cout: int, groups: int) -> set[tuple[int, int]]:
    """(input channel, output channel) pairs that PyTorch's grouped convolution connects."""
    weight = torch.ones(cout, cin // groups, 1, 1)
    pairs = set()
    for i in range(cin):
        x = torch.zeros(1, cin, 1, 1)
        x[0, i] = 1.0
        out = F.conv2d(x, weight, groups=groups)[0, :, 0, 0]
        pairs |= {(i, j) for j in range(cout) if out[j] != 0}
    return pairs


def check_groups(explorer: Explorer) -> None:
    v, state = explorer.values(), explorer.state
    cin, cout, g, k, bias = (v["in_channels"], v["out_channels"], v["groups"], v["kernel_size"],
                             v["bias"])
    layer = nn.Conv2d(cin, cout, k, groups=g, bias=bias)
    standard = nn.Conv2d(cin, cout, k, bias=bias)
    separable = nn.Sequential(nn.Conv2d(cin, cin, k, groups=cin, bias=bias),
                              nn.Conv2d(cin, cout, 1, bias=bias))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert state.weight_shape == tuple(layer.weight.shape)
    assert state.params == count(layer)
    totals = {key: w + b for key, _, w, b in state.compare}
    assert totals == {"standard": count(standard), "this": count(layer),
                      "separable": count(separable)}
    assert set(state.connections) == torch_connectivity(cin, cout, g)
    text = readout_text(explorer)
    assert str(tuple(layer.weight.shape)) in text
    for total in totals.values():
        assert f"{total:,}" in text


def check_arithmetic(explorer: Explorer) -> None:
    v, state = explorer.values(), explorer.state
    c = state.channels
    mul = torch.tensor([v[f"mul_{k}"] for k in range(c)])
    add = torch.tensor([v[f"add_{k}"] for k in range(c)])
    x = torch.tensor(state.image)[None]
    conv = F.conv2d(x, mul.reshape(c, 1, 1, 1), add, groups=c)[0]
    broadcast = (x * mul.reshape(1, c, 1, 1) + add.reshape(1, c, 1, 1))[0]
    shown_conv = torch.tensor(state.conv_out)
    shown_broadcast = torch.tensor(state.broadcast_out)
    assert torch.allclose(shown_conv, conv, rtol=1e-6, atol=1e-6)
    assert torch.allclose(shown_broadcast, broadcast, rtol=1e-6, atol=1e-6)
    # the verdict shown is torch.allclose's on the two results shown (near-zero outputs can
    # make the default tolerances say False; atol=1e-6 always agrees)
    same = torch.allclose(shown_conv, shown_broadcast)
    assert state.allclose == same
    assert state.allclose_atol is True
    assert torch.allclose(shown_conv, shown_broadcast, atol=1e-6)
    assert state.weight == mul.tolist() and state.bias == add.tolist()
    text = readout_text(explorer)
    assert f"X·m + a) = {same}" in text
    if not same:
        assert "atol=1e-6) = True" in text
    for value in mul.tolist():
        assert (f"{value:g}" if value != int(value) else str(int(value))) in text


TEXTBOOK = {  # the hand-made kernels as every image-processing text writes them
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "blur": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
}


def check_mnist(explorer: Explorer, images=IMAGES, layer=LAYER) -> None:
    v, state = explorer.values(), explorer.state
    image = images[v["index"]][None].float()
    kernel = torch.tensor(state.kernel, dtype=torch.float32)
    with torch.no_grad():
        if v["kernel"] == "layer":
            expected = layer(image)[0, v["filter"]]
            assert torch.equal(kernel, layer.weight[v["filter"], 0])
        else:
            expected = F.conv2d(image, kernel[None, None], padding=1)[0, 0]
            if v["kernel"] in TEXTBOOK:
                textbook = torch.tensor(TEXTBOOK[v["kernel"]], dtype=torch.float32)
                assert torch.allclose(kernel, textbook)
    assert torch.allclose(torch.tensor(state.feature_map, dtype=torch.float32), expected,
                          atol=1e-6)
    assert str(tuple(expected.shape)) in readout_text(explorer)


def check_many(explorer: Explorer) -> None:
    """Every output channel is nn.Conv2d's; the filter shown splits into PyTorch's per-channel
    results (the input channel ⋆ its slice), which add up, with the bias, to its output."""
    state, v = explorer.state, explorer.values()
    x = torch.from_numpy(state.input)[None]
    w = torch.from_numpy(state.weight)
    b = torch.from_numpy(state.bias) if state.bias is not None else None
    assert tuple(w.shape) == (v["out_channels"], 3, v["kernel_size"], v["kernel_size"])
    expected = F.conv2d(x, w, b)
    torch.testing.assert_close(torch.from_numpy(state.output), expected[0])
    f = v["filter"]
    for c in range(3):
        torch.testing.assert_close(torch.from_numpy(state.partials[c]),
                                   F.conv2d(x[:, c:c + 1], w[f:f + 1, c:c + 1])[0, 0])
    total = torch.from_numpy(state.partials).sum(0) + (b[f] if b is not None else 0)
    torch.testing.assert_close(total, expected[0, f])
    assert str(tuple(expected.shape)) in readout_text(explorer)


CHECKS = {"shape": check_shape, "sliding_window": check_window, "groups": check_groups,
          "channel_arithmetic": check_arithmetic, "mnist_filter": check_mnist,
          "many_filters": check_many}


def sample_values(control: widgets.Widget, full: bool = True) -> list:
    """A generous sample of a control's range: both ends and the middle, or every option.

    ``full=False``: just the far end (the Korean pass: English walks the whole range).
    """
    if isinstance(control, widgets.Checkbox):
        return [not control.value]
    if isinstance(control, widgets.Dropdown):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values if full else values[-1:]
    if isinstance(control, widgets.FloatLogSlider):      # min and max are exponents
        low, high = control.base ** control.min, control.base ** control.max
        return sorted({low, control.base ** ((control.min + control.max) / 2), high}) \
            if full else [high]
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        middle = (control.min + control.max) // 2 if isinstance(control, widgets.IntSlider) \
            else 0.5
        return sorted({control.min, middle, control.max}) if full else [control.max]
    raise AssertionError(f"unexpected control {control!r}")


# --- building -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", NAMES)
def test_every_explorer_builds_with_controls_readout_picture_and_state(name, lang):
    explorer = build(name, lang)
    assert isinstance(explorer, Explorer) and isinstance(explorer, widgets.VBox)
    assert explorer.controls and explorer.state
    assert isinstance(explorer.readout, widgets.HTML) and readout_text(explorer).strip()
    assert isinstance(explorer.output, widgets.Output)
    # every explorer of the course has its live picture drawn by the browser
    assert explorer.picture is not None and explorer.output.outputs == ()
    assert explorer.picture.scene["items"] and explorer.frames == explorer.picture.scene["frame"]
    CHECKS[name](explorer)
    descriptions = " ".join(getattr(c, "description", "") for c in explorer.controls.values())
    has_hangul = re.search("[가-힣]", descriptions + explorer.children[0].value) is not None
    assert has_hangul == (lang == "ko")


@pytest.mark.parametrize("name", NAMES)
def test_explorers_refuse_an_unknown_language(name):
    with pytest.raises(ValueError, match="lang"):
        build(name, "fr")


# --- moving every control -----------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", NAMES)
def test_every_control_moves_through_its_range_and_the_display_follows(name, lang):
    # the MNIST seed and filter sliders only work for the random kernel and a layer's filters
    kwargs = {"kernel": "layer" if lang == "en" else "random"} if name == "mnist_filter" else {}
    explorer = build(name, lang, **kwargs)
    size = picture_size(explorer)
    for key, control in explorer.controls.items():
        if not isinstance(control, widgets.ValueWidget) or isinstance(control, widgets.Play):
            continue
        if hasattr(control, "continuous_update"):
            assert control.continuous_update is True    # the picture follows a drag
        start = control.value
        for value in sample_values(control, full=lang == "en") + [start]:
            if control.value == value or control.disabled:
                continue
            before, frames = picture(explorer), explorer.frames
            control.value = value
            assert control.value == value
            assert explorer.frames == frames + 1, f"{key}={value!r} did not redraw once"
            assert picture_size(explorer) == size, "the picture must keep its size (no jumping)"
            if key in ("kernel_h", "kernel_w", "kernel_size", "stride_h", "dilation_w", "index",
                       "height", "step") or key.startswith(("mul_", "add_")):
                assert picture(explorer) != before, f"moving {key} left the picture unchanged"
            CHECKS[name](explorer)


def test_shape_explorer_random_settings_match_pytorch_including_its_errors():
    explorer = shape_explorer()
    rng = random.Random(4)
    kinds = {True: 0, False: 0}
    for _ in range(36):
        cin, cout = rng.randint(1, 8), rng.randint(1, 8)
        divisors = [d for d in range(1, 9) if cin % d == 0 and cout % d == 0]
        settings = dict(
            in_channels=cin, channels=cin if rng.random() < 0.7 else rng.randint(1, 8),
            out_channels=cout, groups=rng.choice(divisors), batch=rng.randint(1, 3),
            height=rng.randint(1, 12), width=rng.randint(1, 12), kernel_h=rng.randint(1, 5),
            kernel_w=rng.randint(1, 5), stride_h=rng.randint(1, 3), stride_w=rng.randint(1, 3),
            padding_type=rng.choice(["int", "int", "same", "valid"]), padding_h=rng.randint(0, 3),
            padding_w=rng.randint(0, 3),
            padding_mode=rng.choice(["zeros", "reflect", "replicate", "circular"]),
            dilation_h=rng.randint(1, 3), dilation_w=rng.randint(1, 3), bias=rng.random() < 0.5)
        explorer.set(**settings)
        assert explorer.values()["channels"] == settings["channels"]
        kinds[check_shape(explorer)] += 1
    assert kinds[True] >= 5 and kinds[False] >= 5, kinds


@pytest.mark.parametrize("settings", [
    dict(in_channels=3, channels=4),                                        # channel mismatch
    dict(stride_h=2, padding_type="same"),                                  # 'same' with stride
    dict(height=2, width=2, kernel_h=5),                                    # kernel too big
    dict(height=3, padding_h=3, padding_mode="reflect"),                    # reflect too wide
    dict(height=3, width=3, padding_h=4, padding_mode="circular"),          # wraps twice
], ids=["channels", "same-stride", "kernel-too-big", "reflect", "circular"])
def test_shape_explorer_shows_the_error_pytorch_raises(settings):
    explorer = shape_explorer()
    explorer.set(**settings)
    args, input_shape = shape_args(explorer.values())
    outcome = torch_conv(args, input_shape)
    assert outcome[0] != "ok"
    assert_shows_torch_error(explorer, outcome)


def unread(args: dict, input_shape: tuple[int, ...]) -> tuple[int, int]:
    """Bottom rows and right columns of the input that no output depends on (PyTorch's gradient)."""
    x = torch.zeros(input_shape, requires_grad=True)
    layer = nn.Conv2d(**args)
    nn.init.ones_(layer.weight)
    layer(x).sum().backward()
    read_rows = x.grad.abs().sum(dim=(0, 1, 3)) > 0
    read_cols = x.grad.abs().sum(dim=(0, 1, 2)) > 0
    return (int(input_shape[2] - (read_rows.nonzero().max() + 1)),
            int(input_shape[3] - (read_cols.nonzero().max() + 1)))


def test_shape_formula_shows_the_numbers_the_floor_and_the_unread_rows():
    explorer = shape_explorer(height=10, width=10, kernel_size=(3, 2), stride=(2, 3),
                              dilation=(1, 2), out_channels=4)
    args, input_shape = shape_args(explorer.values())
    _, y, _ = torch_conv(args, input_shape)
    rows, cols = unread(args, input_shape)
    assert (rows, cols) == (1, 1)      # this setting does drop a row and a column
    text = readout_text(explorer)
    h_out, w_out = y.shape[2:]
    assert f"⌊(10 + 0 + 0 - 1·(3 - 1) - 1) / 2⌋ + 1 = ⌊7 / 2⌋ + 1 = 3 + 1 = {h_out}" in text
    assert f"⌊(10 + 0 + 0 - 2·(2 - 1) - 1) / 3⌋ + 1 = ⌊7 / 3⌋ + 1 = 2 + 1 = {w_out}" in text
    assert f"left over by the floor: {rows}" in text.split("W_out")[0]
    assert f"left over by the floor: {cols}" in text.split("W_out")[1]
    before = picture(explorer)
    explorer.controls["stride_h"].value = 3          # now ⌊7 / 3⌋: h_out 3, one row unread
    _, y, _ = torch_conv(*shape_args(explorer.values()))
    assert f"⌊7 / 3⌋ + 1 = 2 + 1 = {y.shape[2]}" in readout_text(explorer)
    assert picture(explorer) != before


def test_shape_input_channels_follow_in_channels_until_moved_on_their_own():
    explorer = shape_explorer()
    explorer.controls["in_channels"].value = 6
    assert explorer.controls["channels"].value == 6 and explorer.state.error is None
    explorer.controls["channels"].value = 2
    check_shape(explorer)
    assert explorer.state.error_type == "RuntimeError"


def test_groups_menu_offers_exactly_the_common_divisors_and_pytorch_accepts_each():
    explorer = shape_explorer()
    explorer.set(in_channels=12, out_channels=18)
    offered = list(explorer.controls["groups"].options)
    assert offered == [d for d in range(1, 13) if 12 % d == 0 and 18 % d == 0]
    for groups in offered:
        nn.Conv2d(12, 18, 3, groups=groups)          # raises if PyTorch disagrees
    with pytest.raises(ValueError, match="common divisors"):
        shape_explorer(in_channels=4, out_channels=6, groups=4)


# --- sliding window -----------------------------------------------------------------------------

def test_play_walks_every_output_position_and_each_sum_equals_nn_conv2d():
    explorer = sliding_window_explorer(height=5, width=6, channels=2, stride=(1, 2), padding=1,
                                       padding_mode="circular", dilation=(1, 2), seed=3)
    play, step = explorer.controls["play"], explorer.controls["step"]
    _, y = window_reference(explorer)
    count = y.shape[2] * y.shape[3]
    assert step.max == play.max == count - 1
    pictures = set()
    xp = F.pad(torch.tensor(explorer.state.input)[None], (1, 1, 1, 1), mode="circular")[0]
    weight = explorer.state.weight
    for k in range(count):
        play.value = k                                  # the Play control drives the slider
        assert step.value == k and explorer.state.step == k
        check_window(explorer)
        row, col = explorer.state.position
        # the products are w[c, i, j] times the padded input under tap (i, j), in kernel order
        expected = [(float(weight[c, i, j]), float(xp[c, row * 1 + i * 1, col * 2 + j * 2]))
                    for c in range(2) for i in range(3) for j in range(3)]
        assert explorer.state.terms == expected
        pictures.add(json.dumps(picture(explorer), sort_keys=True))
    assert len(pictures) == count                       # each position highlighted differently


def test_sliding_window_random_settings_match_nn_conv2d_including_errors():
    explorer = sliding_window_explorer()
    rng = random.Random(7)
    kinds = {True: 0, False: 0}
    for _ in range(24):
        explorer.set(height=rng.randint(1, 8), width=rng.randint(1, 8),
                     channels=rng.randint(1, 3), kernel_h=rng.randint(1, 4),
                     kernel_w=rng.randint(1, 4), stride_h=rng.randint(1, 3),
                     stride_w=rng.randint(1, 3), padding_type=rng.choice(["int", "int", "same"]),
                     padding_h=rng.randint(0, 3), padding_w=rng.randint(0, 3),
                     padding_mode=rng.choice(["zeros", "reflect", "replicate", "circular"]),
                     dilation_h=rng.randint(1, 2), dilation_w=rng.randint(1, 2),
                     bias=rng.random() < 0.7, seed=rng.randint(0, 99), step=rng.randint(0, 20))
        kinds[check_window(explorer)] += 1
    assert kinds[True] >= 6 and kinds[False] >= 3, kinds


def test_sliding_window_marks_the_rows_and_columns_the_floor_drops():
    explorer = sliding_window_explorer(height=6, width=6, kernel_size=2, stride=(2, 3))
    v = explorer.values()
    rows, cols = unread(dict(in_channels=1, out_channels=1, kernel_size=2, stride=(2, 3)),
                        (1, 1, v["height"], v["width"]))
    assert (rows, cols) == (0, 1)
    text = readout_text(explorer)
    assert "no window reaches" in text and f"left over by the floor: {cols}" in text


# --- groups -------------------------------------------------------------------------------------

def test_depthwise_button_makes_groups_equal_in_channels_with_a_multiple_of_outputs():
    explorer = groups_explorer(in_channels=3, out_channels=7, groups=1)
    explorer.controls["depthwise"].click()
    v = explorer.values()
    assert v["groups"] == v["in_channels"] == 3 and v["out_channels"] % 3 == 0
    assert explorer.state.depthwise and explorer.state.multiplier == v["out_channels"] // 3
    check_groups(explorer)
    assert "depthwise convolution" in readout_text(explorer)


def test_a_layer_built_for_its_shapes_is_a_plain_conv2d_with_pytorchs_own_checks():
    layer, real = meta_conv2d(6, 4, 3, groups=2, bias=False), nn.Conv2d(6, 4, 3, groups=2,
                                                                        bias=False)
    assert type(layer) is nn.Conv2d and repr(layer) == repr(real)
    assert layer.weight.is_meta and layer.weight.shape == real.weight.shape
    assert layer.bias is None
    with pytest.raises(ValueError) as ours:
        meta_conv2d(6, 4, 3, groups=4)
    with pytest.raises(ValueError) as pytorchs:
        nn.Conv2d(6, 4, 3, groups=4)
    assert str(ours.value) == str(pytorchs.value)


def test_groups_random_settings_match_pytorch():
    explorer = groups_explorer()
    rng = random.Random(2)
    for _ in range(16):
        cin, cout = rng.randint(1, 16), rng.randint(1, 32)
        divisors = [d for d in range(1, 17) if cin % d == 0 and cout % d == 0]
        explorer.set(in_channels=cin, out_channels=cout, groups=rng.choice(divisors),
                     kernel_size=rng.randint(1, 7), bias=rng.random() < 0.5)
        check_groups(explorer)


# --- MNIST filters ------------------------------------------------------------------------------

def test_mnist_explorer_takes_a_dataset_of_pil_or_uint8_images_with_labels():
    raw = (torch.rand(3, 28, 28) * 255).to(torch.uint8)
    as_pil = [(Image.fromarray(raw[i].numpy()), i + 5) for i in range(3)]
    as_uint8 = [(raw[i][None], torch.tensor(i + 5)) for i in range(3)]
    for dataset in (as_pil, as_uint8):
        explorer = mnist_filter_explorer(dataset, kernel="blur", index=2)
        assert explorer.state.label == 7
        check_mnist(explorer, images=raw.float()[:, None] / 255.0)


def test_kernels_table_hands_out_copies_that_lessons_can_change_freely():
    blur = KERNELS["blur"]
    blur += 100.0
    assert torch.allclose(KERNELS["blur"], torch.tensor(TEXTBOOK["blur"], dtype=torch.float32))
    assert set(KERNELS) == set(TEXTBOOK)


@pytest.mark.parametrize("kwargs, message", [
    (dict(kernel="layer"), "pass layer="),
    (dict(kernel="emboss"), "kernel must be one of"),
    (dict(layer=nn.Conv2d(3, 4, 3)), "in_channels=1"),
    (dict(index=99), "index must be between"),
])
def test_mnist_explorer_rejects_bad_arguments_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mnist_filter_explorer(IMAGES, **kwargs)


# --- static figures and open figures ------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", NAMES)
def test_the_figure_method_draws_a_static_figure_without_missing_glyphs(name, lang):
    fig = build(name, lang).figure()
    assert isinstance(fig, Figure)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # "Glyph ... missing from font" would fail here
        fig.savefig(io.BytesIO(), format="png")
    texts = " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))
    assert (re.search("[가-힣]", texts) is not None) == (lang == "ko")


def test_a_static_figure_shows_the_current_settings_and_their_readout():
    explorer = sliding_window_explorer(step=3)
    fig = explorer.figure()
    assert isinstance(fig, Figure)
    assert any("[0, 0, 1, 0]" in t.get_text() for t in fig.findobj(matplotlib.text.Text))


@pytest.mark.parametrize("name", NAMES)
def test_displayed_where_widgets_cannot_run_an_explorer_still_shows_its_picture(name):
    # A notebook viewer or a printed handout ignores the widget view and takes the PNG beside it.
    bundle = build(name, "ko")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    picture = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert picture.width > 300 and picture.height > 150


def test_an_error_inside_an_update_is_shown_in_the_students_language_and_the_explorer_recovers(
        monkeypatch):
    explorer = groups_explorer("ko")
    model = type(explorer.model)
    healthy = model.compute

    def broken(self, params):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(model, "compute", broken)
    explorer.controls["kernel_size"].value = 5
    shown = explorer.output.outputs[0]["data"]
    assert "ZeroDivisionError: division by zero" in shown["text/plain"]
    assert STRINGS["explorer_failed"]["ko"] in shown["text/plain"]
    assert explorer.state is None and isinstance(explorer.failure, ZeroDivisionError)
    monkeypatch.setattr(model, "compute", healthy)
    explorer.controls["kernel_size"].value = 3
    assert explorer.failure is None and explorer.state.kernel_size == 3
    assert explorer.picture.scene["items"] and explorer.output.outputs == ()


def test_no_figure_stays_open_after_many_updates():
    explorers = [build(name) for name in NAMES]
    for k in range(4):
        explorers[0].controls["kernel_h"].value = 1 + k % 5
        explorers[1].controls["step"].value = k
        explorers[2].controls["kernel_size"].value = 1 + k % 7
        explorers[3].controls["mul_1"].value = k / 4
        explorers[4].controls["index"].value = k % 4
        explorers[k % 5].figure()
    assert plt.get_fignums() == []


# --- strings ------------------------------------------------------------------------------------

def test_every_string_has_english_and_korean_and_korean_follows_the_glossary():
    forbidden = ["컨볼루션", "컨벌루션", "보폭", "특성 맵", "변화도", "안쪽 여백"]
    for key, entry in STRINGS.items():
        assert set(entry) == {"en", "ko"} and all(entry.values()), key
        assert not any(word in entry["ko"] for word in forbidden), key
        fields = [sorted(re.findall(r"{(\w*)}", entry[lang])) for lang in ("en", "ko")]
        assert fields[0] == fields[1], key
    korean = " ".join(entry["ko"] for entry in STRINGS.values())
    for term in ["합성곱", "커널", "스트라이드", "패딩", "팽창", "그룹", "깊이별 합성곱", "점별",
                 "깊이별 분리 합성곱", "채널", "배치", "가중치", "편향", "특징 맵", "출력 모양"]:
        assert term in korean, term


def test_set_moves_several_controls_with_one_redraw_and_rejects_unknown_names():
    explorer = groups_explorer()
    frames = explorer.frames
    explorer.set(in_channels=6, out_channels=12, groups=6)
    assert explorer.frames == frames + 1 and explorer.state.depthwise
    with pytest.raises(ValueError, match="no control named 'stride'"):
        explorer.set(stride=2)


# --- live dragging: the newest value wins ------------------------------------------------------

def painted_shape_explorer() -> Explorer:
    """The shape explorer as if it had no ``scene``: its live picture painted by matplotlib."""
    from convlab.explorers.base import ExplorerModel
    from convlab.explorers.shape import ShapeModel, draw_shape

    class Painted(ShapeModel):
        scene = ExplorerModel.scene          # as if never defined

        def painter(self, fig, lang, static):
            return self.canvas(fig, lang, static, draw_shape)

    return Explorer(Painted(), shape_explorer().values(), "en")


def test_a_fast_drag_in_a_running_kernel_paints_only_the_newest_value():
    """Inside an event loop (a kernel), a matplotlib-painted explorer answers each change with
    its readout at once and paints after the message: five quick changes paint once, the last
    value."""
    import asyncio

    explorer = painted_shape_explorer()
    control = explorer.controls["height"]
    values = [v for v in sample_values(control, full=True) if v != control.value][:5]
    pictures, readouts = [], []
    explorer.output.observe(lambda change: pictures.append(change["new"]), names="outputs")
    explorer.readout.observe(lambda change: readouts.append(change["new"]), names="value")

    async def drag() -> None:
        for value in values:
            control.value = value          # one comm message each, handled in the loop
        assert pictures == [] and len(readouts) >= 2     # readouts first, no picture yet
        await asyncio.sleep(0)             # the kernel is idle again: the picture follows

    asyncio.run(drag())
    assert len(pictures) == 1
    fresh = painted_shape_explorer()
    fresh.set(**explorer.values())
    assert explorer.values()["height"] == values[-1]
    assert explorer.png == fresh.png, "the painted picture is the newest value's"
    assert explorer.state is not None and explorer.failure is None


@pytest.mark.parametrize("name", ["sliding_window", "groups"])
def test_in_a_running_kernel_a_scene_goes_out_first_with_its_readout(name):
    """A browser-drawn scene is light: inside the kernel's loop each change sends its picture
    at once, ahead of its readout, in the handling of the message that carried it (nothing
    waits for the kernel to be idle), and the picture is that change's."""
    import asyncio

    explorer = build(name, "en")
    key = "seed" if name == "sliding_window" else "out_channels"
    control = explorer.controls[key]
    values = [v for v in sample_values(control, full=True) if v != control.value][:4]
    sent = []
    explorer.picture.observe(lambda change: sent.append("picture"), names="scene")
    explorer.readout.observe(lambda change: sent.append("readout"), names="value")

    async def drag() -> None:
        for n, value in enumerate(values, 1):
            control.value = value
            assert sent.count("picture") == n, "the picture went out with its message"
            fresh = build(name, "en")
            fresh.set(**explorer.values())
            assert picture(explorer) == picture(fresh)

    asyncio.run(drag())
    assert sent[0] == "picture" and sent.index("readout") == 1, sent


def test_a_change_that_moves_other_controls_sends_each_widget_once_picture_first(monkeypatch):
    """Moving ``out_channels`` re-offers ``groups`` (its options, index, value, disabled state
    and tooltip change). The browser gets one message per widget that changed, and the picture's
    first: every message is a hand-over in the kernel and a wake-up in the page."""
    explorer = build("groups", "en")
    explorer.set(in_channels=4, out_channels=8, groups=4)
    sent: list[tuple[str, set]] = []
    monkeypatch.setattr(widgets.Widget, "_send", lambda self, msg, buffers=None: msg["method"] ==
                        "update" and sent.append((self.model_id, set(msg["state"]))))
    groups = explorer.controls["groups"]
    # as a message from the browser arrives: 5 output channels leave only groups=1
    explorer.controls["out_channels"].set_state({"value": 5})
    assert groups.options == (1,) and groups.value == 1 and groups.disabled
    ids = [model_id for model_id, _ in sent]
    assert len(ids) == len(set(ids)), f"a widget sent more than once: {sent}"
    assert {"_options_labels", "index", "disabled", "tooltip"} <= dict(sent)[groups.model_id]
    assert "scene" in sent[0][1] and sent[0][0] == explorer.picture.model_id, sent


@pytest.mark.parametrize("in_kernel", [True, False])
def test_in_a_kernel_an_explorer_lets_the_sending_thread_take_the_lock_within_half_a_ms(
        monkeypatch, in_kernel):
    """Messages leave a kernel through its IOPub thread, which waits for the interpreter lock up
    to the switch interval (5 ms by default); outside a kernel nothing is changed."""
    import sys

    from ipykernel.kernelapp import IPKernelApp

    monkeypatch.setattr(IPKernelApp, "initialized", classmethod(lambda cls: in_kernel))
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        build("shape", "en")
        assert sys.getswitchinterval() == pytest.approx(0.0005 if in_kernel else 0.005)
    finally:
        sys.setswitchinterval(before)


# --- accessibility: colours, text size -----------------------------------------------------------

@pytest.mark.parametrize("cvd,least", [(None, 20.0), ("deuteranomaly", 20.0),
                                       ("protanomaly", 20.0), ("tritanomaly", 10.0)])
def test_input_kernel_output_and_padding_stay_apart_for_colour_blind_eyes(cvd, least):
    """Every pair of the four roles differs by ΔE ≥ 20 in CAM02-UCS as seen with full-strength
    deuteranomaly and protanomaly (the common forms), ≥ 10 with the rare tritanomaly."""
    from itertools import combinations

    import numpy as np
    from colorspacious import cspace_convert, deltaE
    from matplotlib.colors import to_rgb

    from convlab.figures import style

    roles = {"input": style.INPUT, "kernel": style.KERNEL, "output": style.OUTPUT,
             "padding": style.PADDING}
    seen = {}
    for role, colour in roles.items():
        rgb = np.array(to_rgb(colour))
        if cvd is not None:
            space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
            rgb = np.clip(cspace_convert(rgb, space, "sRGB1"), 0, 1)
        seen[role] = rgb
    for a, b in combinations(roles, 2):
        distance = float(deltaE(seen[a], seen[b], input_space="sRGB1"))
        assert distance >= least, f"{a} and {b}: ΔE {distance:.1f} with {cvd or 'normal vision'}"


# --- the line of PyTorch, disabled controls, linked cells ------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_the_code_line_run_as_copied_prints_pytorchs_shape(name):
    """The copy button's text, run as pasted, prints the shape the line shows; for the shape
    explorer also the shape its readout shows."""
    import contextlib

    explorer = build(name, "en")
    moves = {"shape": dict(stride_h=2, padding_h=1, dilation_w=2),
             "sliding_window": dict(padding_h=1, stride_w=2)}.get(name, {})
    explorer.set(**moves)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(explorer.code_line.copy_text, {})       # noqa: S102 - the student's paste
    size = printed.getvalue().strip()
    assert explorer.code_line.line.endswith(f"# → {size}")
    if name == "shape":
        assert str(tuple(explorer.state.out_shape)) == str(tuple(eval(size[len("torch.Size("):-1])))


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", NAMES)
def test_every_disabled_control_says_why(name, lang):
    explorer = build(name, lang)
    for setting in ({}, {"shape": dict(padding_type="same"),
                         "sliding_window": dict(height=3, width=3),
                         "groups": dict(in_channels=3, out_channels=5),
                         "mnist_filter": dict(kernel="random")}.get(name, {})):
        explorer.set(**setting)
        for key, control in explorer.controls.items():
            if control.disabled:
                assert control.tooltip, f"{key} is disabled without a reason"
                assert control.tooltip in html.unescape(explorer.reasons.value)
            else:
                assert not control.tooltip


def test_controls_that_change_nothing_are_disabled():
    shape = build("shape", "en", padding=0)
    assert shape.controls["padding_mode"].disabled        # nothing padded: no mode matters
    shape.set(padding_h=1)
    assert not shape.controls["padding_mode"].disabled
    groups = build("groups", "en", in_channels=3, out_channels=5, groups=1)
    assert groups.controls["groups"].disabled             # 1 is the only common divisor
    groups.controls["depthwise"].click()
    assert groups.controls["depthwise"].disabled          # already depthwise
    window = build("sliding_window", "en", height=3, width=3, kernel_size=3)
    assert window.controls["step"].disabled and window.controls["play"].disabled


def test_linked_cells_of_each_output_are_the_inputs_pytorch_differentiates():
    """The cells the hover view lights for an output cell are exactly the padded-input cells
    that output's gradient reaches (PyTorch's autograd), dilation gaps left dark."""
    explorer = build("sliding_window", "en", height=6, width=5, kernel_size=(2, 3),
                     stride=(2, 1), padding=(1, 1), dilation=(1, 2))
    data, state = explorer.linked.data, explorer.state
    padded = torch.from_numpy(state.padded)[None].requires_grad_(True)
    weight = torch.ones((1,) + state.weight.shape)
    out = F.conv2d(padded, weight, stride=(2, 1), dilation=(1, 2))
    assert len(data["sums"]) == out.shape[2] * out.shape[3]
    for k, links in enumerate(data["links"]):
        (grad,) = torch.autograd.grad(out[0, 0].flatten()[k], padded, retain_graph=True)
        reached = {int(i) for i in torch.nonzero(grad[0, 0].flatten())}
        assert {i for p, i in links if p == 0} == reached
        assert f"= {data['panels'][-1]['labels'][k]}" in data["sums"][k]


# --- every control of every explorer (the registry: explorers added later are swept too) ------

def _demos():
    from convlab.explorers.registry import demos

    return demos()


def build_demo(demo, lang: str) -> Explorer:
    """The explorer as the registry builds it in the browser suite (random MNIST images)."""
    import convlab

    return eval(demo.source(lang), {"convlab": convlab, "torch": torch, "images": IMAGES})


def _view(explorer: Explorer) -> str:
    """Everything a student sees change: readout, code line, picture, the controls' values."""
    linked = explorer.linked.data if explorer.linked is not None else None
    return json.dumps([explorer.readout.value, explorer.code_line.line, picture(explorer),
                       linked, explorer.values()], sort_keys=True, default=str)


#: Settings where some controls have nothing to change (besides each explorer's default).
NARROW = {"shape_explorer": dict(padding_type="same"),
          "sliding_window_explorer": dict(height=3, width=3),
          "groups_explorer": dict(in_channels=3, out_channels=5)}


def _check_disabled(explorer: Explorer, lang: str) -> None:
    from convlab.i18n import text

    shown = html.unescape(explorer.reasons.value)
    for key, control in explorer.controls.items():
        reason = getattr(control, "reason", None)
        if control.disabled:
            assert reason and control.tooltip, f"{key} is disabled without a reason"
            assert control.tooltip in shown
            assert len(control.tooltip) <= 80, f"{key}: a short reason, not {control.tooltip!r}"
            other = "ko" if lang == "en" else "en"
            assert text(reason[0], other, **reason[1]), f"{key}: no reason in {other}"
        else:
            assert not control.tooltip


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("demo", _demos(), ids=lambda demo: demo.name)
def test_every_enabled_control_changes_something_and_every_disabled_one_says_why(demo, lang):
    """Sweep each control of each explorer, at its default and at a narrow setting: an enabled
    control moves something a student sees for some value (else it should be disabled), and a
    disabled control says why, in both languages. (What a control can change does not depend
    on the language: the sweep itself runs in English.)"""
    settings = [{}] + ([NARROW[demo.name]] if demo.name in NARROW else [])
    for setting in settings:
        explorer = build_demo(demo, lang)
        explorer.set(**setting)
        _check_disabled(explorer, lang)
        for key in list(explorer.controls) if lang == "en" else []:
            fresh = build_demo(demo, lang)
            fresh.set(**setting)
            control, before = fresh.controls[key], _view(fresh)
            if control.disabled:
                continue
            if isinstance(control, widgets.Button):
                control.click()
                changed = _view(fresh) != before
            elif isinstance(control, widgets.Play):
                continue      # linked to its slider, swept there
            else:
                changed = False
                for value in sample_values(control):
                    if value != control.value and not changed:
                        control.value = value
                        changed = _view(fresh) != before
            assert changed, f"{demo.name} {setting}: {key} is enabled but changes nothing"
            _check_disabled(fresh, lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("demo", _demos(), ids=lambda demo: demo.name)
def test_text_in_every_picture_is_at_least_11_px(demo, lang):
    """In the browser's scene (px as drawn) and in the static PNG (points at its dpi), every
    word and number is at least 11 px at the default zoom; numbers that would be smaller are
    left out, never shrunk."""
    from convlab.explorers.scene import text_sizes

    explorer = build_demo(demo, lang)
    sliders = [c for c in explorer.controls.values()
               if isinstance(c, (widgets.IntSlider, widgets.FloatSlider)) and not c.disabled]
    for step in range(2):               # its setting, then every slider at its far end
        if step:
            for control in sliders:
                control.value = control.max
        if explorer.picture is not None:
            sizes = text_sizes(explorer.picture.scene)
            assert sizes and min(sizes) >= 11, (step, sorted(sizes)[:3])
        fig = explorer.figure()
        fig.canvas.draw()
        shown = [(t.get_text(), t.get_fontsize() * fig.dpi / 72)
                 for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()
                 and t.get_visible()]
        shown += [("numbers", c.font_px) for c in fig.findobj(matplotlib.collections.Collection)
                  if hasattr(c, "font_px")]
        small = [(s, round(px, 1)) for s, px in shown if px < 11 - 0.01]
        assert shown and not small, small[:5]


def test_an_explorer_painted_by_matplotlib_still_works():
    """Opting in is per explorer: a model without ``scene`` gets its live PNG from its painter,
    redrawn on each change, as explorers written before the browser drew pictures expect."""
    explorer = painted_shape_explorer()
    assert explorer.picture is None
    (shown,) = explorer.output.outputs
    assert base64.b64decode(shown["data"]["image/png"]) == explorer.png
    before, frames = explorer.png, explorer.frames
    explorer.controls["height"].value = 20
    assert explorer.frames == frames + 1 and explorer.png != before
    assert png_size(explorer.png) == png_size(before)
    check_shape(explorer)
    assert "image/png" in explorer._repr_mimebundle_()


@pytest.mark.parametrize("name", ["mnist_filter_explorer", "kernel_descent_explorer"])
def test_an_explorer_of_images_given_a_language_first_says_what_it_needs(name):
    import convlab

    with pytest.raises(TypeError, match="images must be a dataset"):
        getattr(convlab, name)("ko")
