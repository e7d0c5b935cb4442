"""The transposed-convolution explorer (lesson 08), headless: its picture adds up to PyTorch's
output, its errors are PyTorch's, its gradient claim holds, its hover links are the cells a
one-hot input reaches in F.conv_transpose2d."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import convlab  # noqa: E402

SETTINGS = [
    dict(),                                                   # the lesson's default
    dict(height=3, width=2, kernel_h=2, stride_h=3, padding_w=1, output_padding_h=2,
         dilation_w=2, bias=True),
    dict(height=2, width=3, stride_h=1, stride_w=1, output_padding_h=1, dilation_h=2),  # op < d
    dict(in_channels=2, out_channels=2, groups=2, kernel_w=4, output_padding_w=1),
]


@pytest.fixture(scope="module")
def explorer():
    return convlab.transposed_explorer("en")


@pytest.mark.parametrize("setting", range(len(SETTINGS)))
def test_the_scattered_copies_add_up_to_pytorchs_output(explorer, setting):
    explorer.set(**{"height": 2, "width": 2, "in_channels": 1, "out_channels": 1, "groups": 1,
                    "kernel_h": 3, "kernel_w": 3, "stride_h": 2, "stride_w": 2, "padding_h": 0,
                    "padding_w": 0, "output_padding_h": 0, "output_padding_w": 0,
                    "dilation_h": 1, "dilation_w": 1, "bias": False})
    explorer.set(**SETTINGS[setting])
    explorer.set(step=explorer.controls["step"].max)          # every input cell added
    state = explorer.state
    assert state is not None and state.error is None, explorer.failure
    (top, left), (ho, wo) = state.geometry.padding, state.geometry.out_size
    built = state.canvas[top:top + ho, left:left + wo] + (state.bias or 0.0)
    np.testing.assert_allclose(built, state.output)
    assert state.out_shape[2:] == (ho, wo)
    assert state.gradient_gap == 0.0
    # the input and kernel shown give PyTorch's output channel 0 (with the group's channels)
    x = torch.tensor(state.input)[None]
    w = torch.tensor(state.kernel)[:, None]
    v = explorer.model.params(explorer.values())
    ref = F.conv_transpose2d(x, w, None, (v.stride_h, v.stride_w), (v.padding_h, v.padding_w),
                             (v.output_padding_h, v.output_padding_w), 1,
                             (v.dilation_h, v.dilation_w))
    np.testing.assert_allclose(ref[0, 0].numpy() + (state.bias or 0.0), state.output)


def test_a_setting_pytorch_refuses_shows_pytorchs_error(explorer):
    explorer.set(height=2, width=2, in_channels=1, out_channels=1, groups=1, kernel_h=3,
                 kernel_w=3, stride_h=2, stride_w=2, padding_h=0, padding_w=0, dilation_h=1,
                 dilation_w=1, output_padding_w=0, output_padding_h=2)
    with pytest.raises(RuntimeError) as error:
        F.conv_transpose2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 3, 3), stride=(2, 2),
                           output_padding=(2, 0))
    assert explorer.state.error == str(error.value)
    assert "PyTorch raises" in explorer.readout.value
    explorer.set(output_padding_h=0)
    assert explorer.state.error is None


def test_hovering_an_input_cell_lights_the_cells_a_one_hot_input_reaches(explorer):
    explorer.set(height=3, width=2, in_channels=1, out_channels=1, groups=1, kernel_h=3,
                 kernel_w=2, stride_h=2, stride_w=1, padding_h=1, padding_w=0,
                 output_padding_h=1, output_padding_w=0, dilation_h=1, dilation_w=2)
    data = explorer.linked.data
    state = explorer.state
    ho, wo = state.output.shape
    assert data["target"] == 2 and len(data["links"]) == ho * wo
    for i in range(3):
        for j in range(2):
            one_hot = torch.zeros(1, 1, 3, 2)
            one_hot[0, 0, i, j] = 1.0
            reached = F.conv_transpose2d(one_hot, torch.ones(1, 1, 3, 2), stride=(2, 1),
                                         padding=(1, 0), output_padding=(1, 0),
                                         dilation=(1, 2))[0, 0] != 0
            linked = np.zeros((ho, wo), bool)
            for k, links in enumerate(data["links"]):
                linked.flat[k] = [0, i * 2 + j] in links
            assert (linked == reached.numpy()).all(), (i, j)
    for k, text in enumerate(data["sums"]):         # each sentence ends in PyTorch's value
        assert text.endswith(convlab.figures.drawing.number(state.output.flat[k]))


def test_one_input_cell_disables_the_steps_and_says_why():
    explorer = convlab.transposed_explorer("ko", height=1, width=1)
    assert explorer.controls["step"].disabled and explorer.controls["play"].disabled
    assert "입력 칸이 하나뿐" in explorer.reasons.value
    figure = explorer.figure()
    plt.close(figure)


def test_every_control_at_either_end_draws_or_shows_pytorchs_error():
    """A student can push any slider to its end: the explorer never fails on its own account."""
    explorer = convlab.transposed_explorer("en")
    for name, control in explorer.controls.items():
        if name == "play" or not hasattr(control, "max"):
            continue
        for value in (control.max, control.min):
            explorer.set(**{name: value})
            assert explorer.failure is None, (name, value, explorer.failure)
            assert explorer.state.error is None or explorer.state.error_type == "RuntimeError"


def test_the_live_picture_shows_pytorchs_output_and_a_canvas_that_adds_up_to_it():
    """The browser's output grid has F.conv_transpose2d's numbers (computed here), and the
    canvas, every copy added, cut by ``padding``, plus the bias, gives the same numbers."""
    from convlab.figures.drawing import number

    setting = dict(height=3, width=2, kernel_h=2, stride_h=3, padding_w=1, output_padding_h=2,
                   dilation_w=2, bias=True)
    explorer = convlab.transposed_explorer("ko", **{k: v for k, v in setting.items()
                                                    if k in ("height", "width", "bias")})
    explorer.set(**setting)
    explorer.set(step=explorer.controls["step"].max)
    state = explorer.state
    v = explorer.model.params(explorer.values())
    ref = F.conv_transpose2d(torch.tensor(state.input)[None], torch.tensor(state.kernel)[:, None],
                             None, (v.stride_h, v.stride_w), (v.padding_h, v.padding_w),
                             (v.output_padding_h, v.output_padding_w), 1,
                             (v.dilation_h, v.dilation_w))[0, 0].numpy() + state.bias
    scene = explorer.picture.scene
    grids = {item["name"]: item for item in scene["items"] if item["t"] == "grid"}
    assert grids["output"]["labels"] == [number(value) for value in ref.ravel()]
    canvas = grids["canvas"]
    shown = np.array([float(s) for s in canvas["labels"]]).reshape(canvas["rows"], canvas["cols"])
    (dy, dx), (ho, wo) = (v.padding_h, v.padding_w), ref.shape
    np.testing.assert_allclose(shown[dy:dy + ho, dx:dx + wo] + state.bias, ref)
    assert "패딩을 잘라 내기 전의 전체 출력" in [item.get("s") for item in scene["items"]]
