"""convlab.Conv2d is a drop-in nn.Conv2d, and swap_convs puts it into real networks.

PyTorch is the oracle throughout: the same module built by nn.Conv2d, and torchvision's own
models left unmodified, give the outputs and gradients convlab's must equal.
"""
from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

import convlab
from convlab import Conv2d, swap_convs
from torch_reference import TOLERANCE

MODULE_ARGS = [
    dict(in_channels=4, out_channels=6, kernel_size=3),
    dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 2),
         dilation=(1, 2), bias=False),
    dict(in_channels=6, out_channels=6, kernel_size=5, padding=2, groups=6),      # depthwise
    dict(in_channels=4, out_channels=8, kernel_size=3, padding="same", groups=2),
    dict(in_channels=4, out_channels=8, kernel_size=4, padding="same", dilation=1),
    dict(in_channels=4, out_channels=3, kernel_size=3, padding="valid"),
    dict(in_channels=4, out_channels=8, kernel_size=1, stride=2),                 # pointwise
]
PADDING_MODES = ["zeros", "reflect", "replicate", "circular"]


def twins(seed: int = 0, **kwargs) -> tuple[nn.Conv2d, Conv2d]:
    """nn.Conv2d and convlab.Conv2d built from the same random state."""
    torch.manual_seed(seed)
    theirs = nn.Conv2d(**kwargs, dtype=torch.float64)
    torch.manual_seed(seed)
    ours = Conv2d(**kwargs, dtype=torch.float64)
    return theirs, ours


@pytest.mark.parametrize("padding_mode", PADDING_MODES)
@pytest.mark.parametrize("kwargs", MODULE_ARGS, ids=str)
def test_module_matches_nn_conv2d(kwargs, padding_mode):
    theirs, ours = twins(**kwargs, padding_mode=padding_mode)
    # same initialisation, parameters, state_dict keys and repr
    assert repr(ours) == repr(theirs) and ours.extra_repr() == theirs.extra_repr()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for mine, ref in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(mine, ref)
    torch.manual_seed(1)
    theirs.reset_parameters()
    torch.manual_seed(1)
    ours.reset_parameters()
    assert all(torch.equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))
    assert isinstance(ours, nn.Conv2d)

    for shape in [(2, kwargs["in_channels"], 7, 9), (kwargs["in_channels"], 6, 5)]:
        x = torch.randn(shape, dtype=torch.float64)
        x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
        got, expected = ours(x_ours), theirs(x_theirs)
        torch.testing.assert_close(got, expected, **TOLERANCE[torch.float64])
        upstream = torch.randn_like(expected)
        ours.zero_grad(), theirs.zero_grad()
        (got * upstream).sum().backward()
        (expected * upstream).sum().backward()
        torch.testing.assert_close(x_ours.grad, x_theirs.grad, **TOLERANCE[torch.float64])
        for mine, ref in zip(ours.parameters(), theirs.parameters()):
            torch.testing.assert_close(mine.grad, ref.grad, **TOLERANCE[torch.float64])


def test_constructor_errors_are_nn_conv2ds():
    for bad in [dict(groups=0), dict(groups=3), dict(padding_mode="mirror"),
                dict(padding="same", stride=2), dict(padding="full")]:
        args = dict(in_channels=4, out_channels=6, kernel_size=3) | bad
        with pytest.raises(ValueError) as expected:
            nn.Conv2d(**args)
        with pytest.raises(ValueError) as got:
            Conv2d(**args)
        assert str(got.value) == str(expected.value)


def test_a_state_dict_loads_both_ways():
    theirs, ours = twins(in_channels=3, out_channels=5, kernel_size=3)
    fresh = Conv2d(3, 5, 3, dtype=torch.float64)
    fresh.load_state_dict(theirs.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(fresh.parameters(), theirs.parameters()))
    nn.Conv2d(3, 5, 3, dtype=torch.float64).load_state_dict(ours.state_dict())


def test_swap_keeps_the_parameter_objects_so_an_optimiser_keeps_training_them():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
                          nn.Sequential(nn.Conv2d(4, 4, 3, groups=4, bias=False)))
    params = list(model.parameters())
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    before = [p.detach().clone() for p in params]
    assert swap_convs(model) is model
    assert [type(m) for m in model.modules()].count(Conv2d) == 2
    assert not any(type(m) is nn.Conv2d for m in model.modules())
    assert all(a is b for a, b in zip(model.parameters(), params))
    model(torch.randn(2, 3, 8, 8)).sum().backward()
    optimiser.step()
    assert all(not torch.equal(a, b) for a, b in zip(model.parameters(), before))
    single = nn.Conv2d(2, 2, 3)
    swapped = swap_convs(single)
    assert type(swapped) is Conv2d and swapped.weight is single.weight


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small"])
def test_swapped_torchvision_model_gives_the_original_outputs_and_gradients(name):
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    original = torchvision.models.get_model(name, weights=None).double()
    swapped = swap_convs(copy.deepcopy(original))
    assert any(type(m) is Conv2d for m in swapped.modules())
    assert not any(type(m) is nn.Conv2d for m in swapped.modules())
    x = torch.randn(2, 3, 24, 24, dtype=torch.float64)
    outputs = []
    for model in (original, swapped):      # train mode: batch statistics, the same dropout
        torch.manual_seed(1)
        outputs.append(model(x))
    torch.testing.assert_close(outputs[1], outputs[0], **TOLERANCE[torch.float64])
    upstream = torch.randn_like(outputs[0])
    for out in outputs:
        (out * upstream).sum().backward()
    pairs = list(zip(swapped.named_parameters(), original.named_parameters()))
    assert len(pairs) == len(list(original.parameters()))
    for (name_ours, mine), (name_theirs, ref) in pairs:
        assert name_ours == name_theirs
        # Batch norm over two samples on the last 1x1 maps divides by tiny variances, which
        # magnifies float64 rounding up to ~1e-7 of a gradient's size; a wrong route is O(1).
        scale = ref.grad.abs().max().item()
        torch.testing.assert_close(mine.grad, ref.grad, rtol=1e-6, atol=1e-9 + 1e-6 * scale)


def test_a_channels_last_model_stays_channels_last_layer_by_layer():
    """``model.to(memory_format=torch.channels_last)`` lays every weight out channels last;
    nn.Conv2d then returns channels-last maps, and so does the swapped model, at every layer
    (the next layer, batch norm and ``.view`` read that layout)."""
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    original = torchvision.models.get_model("resnet18", weights=None).double()
    original = original.to(memory_format=torch.channels_last)
    swapped = swap_convs(copy.deepcopy(original))
    x = torch.randn(2, 3, 24, 24, dtype=torch.float64)
    layouts = []
    for model in (original, swapped):
        seen = []
        hooks = [m.register_forward_hook(lambda m, i, out: seen.append(out.stride()))
                 for m in model.modules() if isinstance(m, nn.Conv2d)]
        model(x)
        layouts.append(seen)
        for hook in hooks:
            hook.remove()
    assert len(layouts[0]) == 20 and layouts[1] == layouts[0]
    assert all(s[1] == 1 for s in layouts[0])          # channels innermost: channels last


def test_convlab_exports_the_module():
    assert convlab.Conv2d is Conv2d and convlab.swap_convs is swap_convs
