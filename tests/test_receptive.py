"""The receptive-field explorer (lesson 09), headless: its regions, shapes and errors are
PyTorch's, measured here independently (by changing input cells, not by gradients)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from convlab import receptive_field_explorer  # noqa: E402
from convlab.explorers.linked import as_json_text, unpacked  # noqa: E402
from convlab.explorers.readout import lines_to_text  # noqa: E402


def stack_of(layers: list[dict]) -> nn.Sequential:
    """The layers a student would write, one channel, convolution weights 1."""
    modules = []
    for spec in layers:
        k, s = spec["kernel"], spec.get("stride", 1 if spec["kind"] == "conv" else spec["kernel"])
        p, d = spec.get("padding", 0), spec.get("dilation", 1)
        if spec["kind"] == "conv":
            conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
            nn.init.ones_(conv.weight)
            modules.append(conv)
        elif spec["kind"] == "max":
            modules.append(nn.MaxPool2d(k, stride=s, padding=p, dilation=d))
        else:
            modules.append(nn.AvgPool2d(k, stride=s, padding=p))
    return nn.Sequential(*modules)


def cells_that_move_every_output(stack: nn.Module, size: int) -> np.ndarray:
    """``(Ho, Wo, H, W)``: the input cells whose change moves each output cell. Raise each input
    cell far above the others (so it wins every max it enters, and every path adds) and run
    the stack again."""
    x = torch.rand(1, 1, size, size) + 0.5
    n = size * size
    bumped = x.repeat(n + 1, 1, 1, 1)                  # one copy per input cell; the last as is
    bumped.view(n + 1, -1)[torch.arange(n), torch.arange(n)] += 1000.0
    with torch.no_grad():
        out = stack(bumped)[:, 0]
    moved = (out[:-1] - out[-1]).abs() > 1e-2          # batched float32: compare with a margin
    return moved.permute(1, 2, 0).reshape(*out.shape[1:], size, size).numpy()


def cells_that_move(stack: nn.Module, size: int, row: int, col: int) -> np.ndarray:
    """Input cells whose change moves output (row, col)."""
    return cells_that_move_every_output(stack, size)[row, col]


CASES = [
    [{"kind": "conv", "kernel": 3}, {"kind": "conv", "kernel": 3, "stride": 2, "padding": 1}],
    [{"kind": "conv", "kernel": 3}, {"kind": "max", "kernel": 2}, {"kind": "conv", "kernel": 3,
                                                                   "dilation": 2}],
    [{"kind": "max", "kernel": 3, "stride": 2, "padding": 1, "dilation": 2},
     {"kind": "avg", "kernel": 2, "stride": 1, "padding": 1}],
]


@pytest.mark.parametrize("layers", CASES)
def test_the_region_and_the_shapes_are_pytorchs(layers):
    size = 12
    explorer = receptive_field_explorer(size=size, layers=layers)
    state = explorer.state
    assert state.error is None
    stack = stack_of(layers)
    y = torch.zeros(1, 1, size, size)
    for n, layer in enumerate(stack):
        y = layer(y)
        assert state.shapes[n] == tuple(y.shape[-2:])
    row, col = state.position
    moved = cells_that_move(stack, size, row, col)
    reach = state.reach[row * state.shapes[-1][1] + col]
    assert np.array_equal(reach, moved)
    rows, cols = np.flatnonzero(moved.any(1)), np.flatnonzero(moved.any(0))
    assert state.measured == (rows[0], rows[-1], cols[0], cols[-1])
    assert state.agrees and state.predicted == state.measured
    explorer.set(row=0, col=0)
    assert np.array_equal(explorer.state.reach[0], cells_that_move(stack, size, 0, 0))


def test_the_gradient_shown_is_autograds_through_the_real_max_pooling():
    layers = CASES[1]
    explorer = receptive_field_explorer(size=12, layers=layers)
    row, col = explorer.state.position
    x = torch.rand(1, 1, 12, 12, generator=torch.Generator().manual_seed(0)) + 0.5
    x.requires_grad_(True)
    stack_of(layers)(x)[0, 0, row, col].backward()
    assert np.array_equal(explorer.state.grad, x.grad[0, 0].numpy())
    reach = explorer.state.reach[row * explorer.state.shapes[-1][1] + col]
    assert (explorer.state.grad != 0).sum() < reach.sum()     # max pooling picks one per window
    assert "max pooling sends the gradient" in explorer.readout.value


def test_bad_settings_show_pytorchs_own_error():
    explorer = receptive_field_explorer(size=6, layers=[{"kind": "max", "kernel": 3}])
    explorer.set(padding_0=2)
    with pytest.raises(RuntimeError) as expected:
        nn.MaxPool2d(3, stride=3, padding=2)(torch.zeros(1, 1, 6, 6))
    assert explorer.state.error == str(expected.value)
    assert explorer.state.error_type == "RuntimeError"
    assert str(expected.value) in explorer.readout.value
    explorer.set(padding_0=0, kernel_0=7)
    with pytest.raises(RuntimeError) as expected:
        nn.MaxPool2d(7)(torch.zeros(1, 1, 6, 6))
    assert explorer.state.error == str(expected.value)
    explorer.set(kernel_0=3)
    assert explorer.state.error is None


def test_controls_say_why_they_are_off():
    explorer = receptive_field_explorer("ko", layers=[{"kind": "avg", "kernel": 2}])
    assert explorer.controls["dilation_0"].disabled
    assert "nn.AvgPool2d" in explorer.controls["dilation_0"].tooltip
    assert explorer.controls["kernel_3"].disabled and not explorer.controls["kernel_0"].disabled
    explorer.set(layers=4)
    assert not explorer.controls["kernel_3"].disabled
    explorer.set(kind_0="conv")
    assert not explorer.controls["dilation_0"].disabled


@pytest.mark.parametrize("layers", CASES)
def test_hover_links_every_output_cell_to_the_cells_it_depends_on(layers):
    """Sent by rows and columns, unpacked as the browser does: each output cell's links are
    the input cells whose change moves it, and its sentence is the readout's for that cell."""
    size = 16
    explorer = receptive_field_explorer(size=size, layers=layers)
    links, sums = unpacked(explorer.linked.data)
    moved = cells_that_move_every_output(stack_of(layers), size)
    out_h, out_w = explorer.state.shapes[-1]
    assert moved.shape[:2] == (out_h, out_w) and len(links) == len(sums) == out_h * out_w
    for k, cells in enumerate(links):
        assert {p for p, _ in cells} <= {0}
        assert sorted(i for _, i in cells) == np.flatnonzero(moved.reshape(-1, size**2)[k]).tolist()
    for row, col in [(0, 0), (out_h - 1, out_w - 1), (out_h // 2, 0)]:
        explorer.set(row=row, col=col)
        readout = lines_to_text(explorer.model.describe(explorer.state, "en"))
        gradient = next(s for s in readout if s.startswith("nonzero gradient: "))
        formula = next(s for s in readout if s.startswith("the recurrence predicts: "))
        measured = gradient.removeprefix("nonzero gradient: ").split("  ")[0]
        assert sums[row * out_w + col] == (f"output[0, 0, {row}, {col}]: nonzero gradient "
                                           f"{measured}; {formula.replace(': ', ' ', 1)}")


def test_the_hover_data_stays_small_at_the_largest_setting():
    """24×24 output cells seeing 5×5 input cells each: rows and columns, not 14,400 pairs."""
    explorer = receptive_field_explorer(size=28)
    assert explorer.state.shapes[-1] == (24, 24)
    assert len(as_json_text(explorer.linked.data)) < 4_000


def test_korean_readout_and_static_figure():
    explorer = receptive_field_explorer("ko")
    text = "\n".join(lines_to_text(explorer.model.describe(explorer.state, "ko")))
    assert "수용 영역" in text and "점화식" in text
    figure = explorer.figure()
    assert figure.get_axes()
    plt.close("all")


def test_unknown_layer_settings_are_clear_errors():
    with pytest.raises(ValueError, match="kind"):
        receptive_field_explorer(layers=[{"kind": "pool", "kernel": 2}])
    with pytest.raises(ValueError, match="between 1 and 4"):
        receptive_field_explorer(layers=[])


def test_the_live_picture_shows_autograds_gradient_in_blues_and_the_region_it_covers():
    """The browser's input grid is matplotlib's Blues table at ∂out[i, j]/∂input computed here
    through the layers a student writes (conv layers: the gradient does not depend on the
    input); the dashed region is where that gradient is not zero; one output cell is marked."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    layers, size = CASES[0], 10
    explorer = receptive_field_explorer(size=size, layers=layers)
    row, col = explorer.state.position
    x = torch.ones(1, 1, size, size, requires_grad=True)
    stack_of(layers)(x)[0, 0, row, col].backward()
    grad = x.grad[0, 0].numpy()
    scene = explorer.picture.scene
    grids = {item["name"]: item for item in scene["items"] if item["t"] == "grid"}
    fill = grids["input"]["fill"]
    levels = np.round(grad.ravel() / grad.max() * 255).astype(int)
    assert [fill["palette"][i] for i in fill["index"]] == [
        to_hex(colormaps["Blues"](k)) for k in levels]
    cell, x0, y0 = grids["input"]["scale"], grids["input"]["x"], grids["input"]["y"]
    (dashed,) = [item for item in scene["items"] if item["t"] == "rect" and item["dash"]]
    rows, cols = np.flatnonzero(grad.any(1)), np.flatnonzero(grad.any(0))
    assert np.allclose([(dashed["y"] - y0) / cell, (dashed["x"] - x0) / cell,
                        dashed["h"] / cell, dashed["w"] / cell],
                       [rows[0], cols[0], rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1])
    out = grids["output"]
    out_h, out_w = explorer.state.shapes[-1]
    assert (out["rows"], out["cols"]) == (out_h, out_w)
    marked = [k for k, i in enumerate(out["fill"]["index"])
              if i != out["fill"]["index"][(row * out_w + col + 1) % (out_h * out_w)]]
    assert marked == [row * out_w + col]
    explorer.set(padding_0=0, kernel_0=7, size=4)      # PyTorch refuses: the picture says so
    assert explorer.state.error is not None and explorer.picture.scene["items"]
