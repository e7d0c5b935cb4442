"""Two shapes where a cheaper contraction than im2col gives the same numbers (lesson 06).

- :func:`pointwise_conv2d`: a 1x1 kernel has one tap, so the "windows" are the input cells
  themselves. The convolution is a plain matrix product of the weight with the input's
  channels, with no copy at all (stride 1) or one copy of the cells the stride keeps.
- :func:`depthwise_conv2d`: when every group has one input channel (``groups == C_in``,
  lesson 03) the im2col product would have one row per group and ``kH*kW`` columns, far too
  thin for a matrix-multiply routine. Instead, for each kernel tap, multiply a strided view of
  the input by that tap's per-channel weight and accumulate: ``kH*kW`` passes over the output,
  nothing copied. With many channels on a small map and a large kernel the same sum runs in
  channels-last layout (:class:`ChannelsLastDepthwiseKernels`), so each pass is long.

Both take an already padded, batched input and give ``F.conv2d(x, weight, bias, stride, 0,
dilation, groups)``, gradients included: the pointwise product is differentiated by autograd as
it is; the depthwise loop has gradients written the same way (a loop over taps).
"""
from __future__ import annotations

import torch

from .autograd import CONV, Conf, bilinear, in_float32
from .geometry import output_size

Pair = tuple[int, int]

#: Fewest kernel taps for which the channels-last depthwise sum repays its two layout copies.
LAST_MIN_TAPS = 25


def is_pointwise(weight: torch.Tensor) -> bool:
    """A 1x1 kernel: every output cell reads exactly one input cell per channel."""
    return tuple(weight.shape[2:]) == (1, 1)


def is_depthwise(weight: torch.Tensor, groups: int) -> bool:
    """Each group sees one input channel (``groups == C_in``), with several groups."""
    return groups > 1 and weight.shape[1] == 1


@in_float32
def pointwise_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                     stride: Pair, groups: int) -> torch.Tensor:
    """1x1 convolution as ``weight (groups, C_out/g, C_in/g) @ input (N, groups, C_in/g, H*W)``.

    Dilation does not matter for a single tap; the stride just keeps every ``stride``-th cell.
    Plain tensor operations: autograd, ``torch.func`` and second derivatives need nothing more.
    """
    n, c_in, _, _ = x.shape
    c_out = weight.shape[0]
    kept = x[:, :, ::stride[0], ::stride[1]]                 # a view; copied below only if strided
    h_out, w_out = kept.shape[2:]
    cells = kept.reshape(n, groups, c_in // groups, h_out * w_out)
    out = torch.matmul(weight.reshape(groups, c_out // groups, c_in // groups), cells)
    out = out.view(n, c_out, h_out, w_out)
    return out if bias is None else out.add_(bias.view(1, c_out, 1, 1))


def _tap_cells(x: torch.Tensor, i: int, j: int, out_size: Pair, stride: Pair,
               dilation: Pair) -> torch.Tensor:
    """The input cells kernel tap ``(i, j)`` multiplies, one per output cell: a strided view."""
    top, left = i * dilation[0], j * dilation[1]
    return x[..., top:top + stride[0] * (out_size[0] - 1) + 1:stride[0],
             left:left + stride[1] * (out_size[1] - 1) + 1:stride[1]]


def _out_size(conf: Conf) -> Pair:
    return (output_size(conf.in_size[0], conf.kernel[0], conf.stride[0], 0, conf.dilation[0]),
            output_size(conf.in_size[1], conf.kernel[1], conf.stride[1], 0, conf.dilation[1]))


class DepthwiseKernels:
    """The depthwise route's three maps for :mod:`.autograd`, each a loop over kernel taps.

    Input channel ``c`` feeds output channels ``c*m ... c*m + m-1`` (``m``: the channel
    multiplier); a length-``m`` axis of the output broadcasts against the input with no copy.
    """

    @staticmethod
    @in_float32
    def conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
             conf: Conf) -> torch.Tensor:
        n, c_in, _, _ = x.shape
        c_out, _, k_h, k_w = weight.shape
        m, out_size = c_out // c_in, _out_size(conf)
        cells_of = x.unsqueeze(2)                                 # (N, C_in, 1, H, W)
        taps = weight.reshape(1, c_in, m, k_h, k_w)
        out = None
        for i in range(k_h):
            for j in range(k_w):        # every output cell at once: += its cell x this tap
                cells = _tap_cells(cells_of, i, j, out_size, conf.stride, conf.dilation)
                tap = taps[..., i:i + 1, j:j + 1]                 # (1, C_in, m, 1, 1)
                if out is not None:
                    out.addcmul_(cells, tap)
                elif bias is None:      # the first tap starts the sum
                    out = torch.mul(cells, tap)
                else:
                    out = torch.addcmul(bias.view(1, c_in, m, 1, 1), cells, tap)
        return out.reshape(n, c_out, *out_size)

    @staticmethod
    @in_float32
    def grad_input(grad_out: torch.Tensor, weight: torch.Tensor, conf: Conf) -> torch.Tensor:
        n, c_in = grad_out.shape[0], conf.groups
        c_out, _, k_h, k_w = weight.shape
        m, out_size = c_out // c_in, _out_size(conf)
        grad = grad_out.reshape(n, c_in, m, *out_size)
        taps = weight.reshape(1, c_in, m, k_h, k_w)
        grad_x = grad_out.new_zeros(n, c_in, *conf.in_size)
        for i in range(k_h):
            for j in range(k_w):        # each cell collects grad x tap, summed over m
                cells = _tap_cells(grad_x, i, j, out_size, conf.stride, conf.dilation)
                tap = taps[..., i:i + 1, j:j + 1]
                if m == 1:
                    cells.addcmul_(grad[:, :, 0], tap[:, :, 0])
                else:
                    cells += (grad * tap).sum(2)
        return grad_x

    @staticmethod
    @in_float32
    def grad_weight(x: torch.Tensor, grad_out: torch.Tensor, conf: Conf) -> torch.Tensor:
        n, c_in = x.shape[:2]
        (k_h, k_w), out_size = conf.kernel, _out_size(conf)
        m = grad_out.shape[1] // c_in
        grad = grad_out.reshape(n, c_in, m, *out_size)
        grad_w = x.new_empty(c_in, m, k_h, k_w)
        for i in range(k_h):
            for j in range(k_w):        # each tap collects grad x its cells
                cells = _tap_cells(x, i, j, out_size, conf.stride, conf.dilation).unsqueeze(2)
                grad_w[..., i, j] = (grad * cells).sum((0, 3, 4))
        return grad_w.view(c_in * m, 1, k_h, k_w)


def channels_last_pays(x: torch.Tensor, weight: torch.Tensor, stride: Pair) -> bool:
    """The channels-last tap sum for a depthwise layer with one output per channel, when its
    channels outnumber its output columns and its kernel has at least :data:`LAST_MIN_TAPS`
    taps: each multiply-add then runs over a longer contiguous row (``C`` numbers instead of
    ``W_out``), and there are enough of them to repay the two layout copies (a 3x3 kernel did
    not, measured on the benchmark machine; 5x5 and 7x7 did)."""
    w_out = (x.shape[3] - weight.shape[3]) // stride[1] + 1
    taps = weight.shape[2] * weight.shape[3]
    return weight.shape[0] == x.shape[1] and x.shape[1] >= w_out and taps >= LAST_MIN_TAPS


def _last_taps(x_last: torch.Tensor, i: int, j: int, out_size: Pair, stride: Pair,
               dilation: Pair) -> torch.Tensor:
    """:func:`_tap_cells` of a channels-last ``(N, H, W, C)`` tensor."""
    top, left = i * dilation[0], j * dilation[1]
    return x_last[:, top:top + stride[0] * (out_size[0] - 1) + 1:stride[0],
                  left:left + stride[1] * (out_size[1] - 1) + 1:stride[1]]


class ChannelsLastDepthwiseKernels:
    """Depthwise with one output per channel, summed over taps in channels-last layout.

    The same loops as :class:`DepthwiseKernels`, on ``(N, H, W, C)`` copies: for a layer with
    960 channels on a 7x7 map every multiply-add runs over 960 contiguous numbers instead of 7.
    """

    @staticmethod
    @in_float32
    def conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
             conf: Conf) -> torch.Tensor:
        out_size, (k_h, k_w) = _out_size(conf), conf.kernel
        x_last = x.permute(0, 2, 3, 1).contiguous()
        taps = weight.reshape(-1, k_h * k_w).t().contiguous()     # (taps, C)
        out = x.new_empty(x.shape[0], *out_size, x.shape[1])
        for t in range(k_h * k_w):
            cells = _last_taps(x_last, t // k_w, t % k_w, out_size, conf.stride, conf.dilation)
            if t == 0:
                torch.mul(cells, taps[0], out=out)
            else:
                out.addcmul_(cells, taps[t])
        if bias is not None:
            out += bias
        return out.permute(0, 3, 1, 2).contiguous()

    @staticmethod
    @in_float32
    def grad_input(grad_out: torch.Tensor, weight: torch.Tensor, conf: Conf) -> torch.Tensor:
        out_size, (k_h, k_w) = _out_size(conf), conf.kernel
        grad_last = grad_out.permute(0, 2, 3, 1).contiguous()
        taps = weight.reshape(-1, k_h * k_w).t().contiguous()
        grad_x = grad_out.new_zeros(grad_out.shape[0], *conf.in_size, grad_out.shape[1])
        for t in range(k_h * k_w):
            _last_taps(grad_x, t // k_w, t % k_w, out_size, conf.stride,
                       conf.dilation).addcmul_(grad_last, taps[t])
        return grad_x.permute(0, 3, 1, 2).contiguous()

    @staticmethod
    @in_float32
    def grad_weight(x: torch.Tensor, grad_out: torch.Tensor, conf: Conf) -> torch.Tensor:
        out_size, (k_h, k_w) = _out_size(conf), conf.kernel
        x_last = x.permute(0, 2, 3, 1).contiguous()
        grad_last = grad_out.permute(0, 2, 3, 1).contiguous()
        grad_w = x.new_empty(k_h * k_w, x.shape[1])
        product = torch.empty_like(grad_last)
        for t in range(k_h * k_w):
            cells = _last_taps(x_last, t // k_w, t % k_w, out_size, conf.stride, conf.dilation)
            torch.sum(torch.mul(cells, grad_last, out=product), (0, 1, 2), out=grad_w[t])
        return grad_w.t().reshape(x.shape[1], 1, k_h, k_w)


def depthwise_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                     stride: Pair, dilation: Pair) -> torch.Tensor:
    """Depthwise convolution as a sum over kernel taps of (strided view) x (per-channel weight).

    Each step is one multiply-add over the whole batch: the view picks, for every output cell,
    the input cell that tap ``(i, j)`` reads. The gradients are the same loop over taps, and
    :mod:`.autograd` differentiates them again (second derivatives, jvp, vmap).
    """
    conf = Conf(tuple(stride), tuple(dilation), x.shape[1], tuple(x.shape[2:]),
                tuple(weight.shape[2:]))
    kernels = (ChannelsLastDepthwiseKernels if channels_last_pays(x, weight, conf.stride)
               else DepthwiseKernels)
    return bilinear(CONV, x, weight, kernels, conf, bias)
