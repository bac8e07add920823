"""filters.cnn layer arithmetic: conv2d and conv_transpose2d against ONNX's reference.

The oracle is ``onnx.reference.ReferenceEvaluator`` running a one-node model
(``Conv`` or ``ConvTranspose``) on DOUBLE tensors, which it supports, so the
comparison is in float64.

Two limits of the reference's ConvTranspose shape what is compared directly:

- grouped weights (group > 1) fail to reshape, so grouped transposed layers are
  checked per group (one ungrouped ONNX node per group, channels joined) and
  through the adjoint identity ``<conv2d(x, w), y> == <x, conv_transpose2d(y, w)>``;
- ``output_padding > 0`` fails its col2im shape check, so those cases ask ONNX
  for the equivalent explicit end padding instead: by the operator's definition,
  output padding ``a`` adds ``a`` cells at the end, i.e. ``pads_end = p - a``,
  and where ``a > p`` the ``a - p`` last cells lie beyond every input's reach and
  hold only the bias.

``padding="same"`` follows PyTorch: the total ``d (k - 1)`` is split with
``total // 2`` before and the rest after, which is ONNX's ``auto_pad="SAME_UPPER"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from filters import FiltersError, cnn

ONNX_OPSET = 17
TOLERANCE = dict(rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------
# The oracle
# ----------------------------------------------------------------------------


def _onnx(op: str, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, **attributes):
    """Run one ONNX node (``Conv`` or ``ConvTranspose``) with the reference evaluator."""
    names = ["x", "w"] + ([] if bias is None else ["b"])
    node = helper.make_node(op, names, ["y"], **attributes)
    graph = helper.make_graph(
        [node],
        "layer",
        [helper.make_tensor_value_info(name, TensorProto.DOUBLE, None) for name in names],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
    feeds = {"x": x, "w": w} | ({} if bias is None else {"b": bias})
    (result,) = ReferenceEvaluator(model).run(None, feeds)
    assert result.dtype == np.float64
    return result


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def onnx_conv(x, w, bias, *, stride, padding, dilation, groups):
    batched = x[None] if x.ndim == 3 else x
    (ph, pw) = _pair(padding)
    result = _onnx(
        "Conv",
        batched,
        w,
        bias,
        strides=list(_pair(stride)),
        pads=[ph, pw, ph, pw],
        dilations=list(_pair(dilation)),
        group=groups,
    )
    return result[0] if x.ndim == 3 else result


def onnx_conv_transpose(x, w, bias, *, stride, padding, output_padding, dilation):
    """The reference ConvTranspose (ungrouped), with output padding as end padding."""
    batched = x[None] if x.ndim == 3 else x
    pads, extra = _pair(padding), _pair(output_padding)
    attributes = dict(strides=list(_pair(stride)), dilations=list(_pair(dilation)))
    if extra == (0, 0):
        result = _onnx(
            "ConvTranspose",
            batched,
            w,
            bias,
            pads=[*pads, *pads],
            output_padding=[0, 0],
            **attributes,
        )
    else:
        ends = [max(p - a, 0) for p, a in zip(pads, extra, strict=True)]
        result = _onnx("ConvTranspose", batched, w, bias, pads=[*pads, *ends], **attributes)
        beyond = [(0, 0), (0, 0)] + [(0, max(a - p, 0)) for p, a in zip(pads, extra, strict=True)]
        result = np.pad(result, beyond)
        if any(width for _, width in beyond) and bias is not None:
            rows, cols = result.shape[2] - beyond[2][1], result.shape[3] - beyond[3][1]
            tail = np.ones(result.shape[2:], bool)
            tail[:rows, :cols] = False
            result[:, :, tail] = bias[None, :, None]
    return result[0] if x.ndim == 3 else result


# ----------------------------------------------------------------------------
# Random cases
# ----------------------------------------------------------------------------


def _span(k: int, d: int) -> int:
    return d * (k - 1) + 1


@dataclass(frozen=True)
class Case:
    """One layer call: shapes, arguments (ints or pairs, as a user writes them), seed."""

    batch: int | None  # None: an unbatched (C_in, H, W) input
    groups: int
    in_per_group: int
    out_per_group: int
    kernel: tuple[int, int]
    size: tuple[int, int]
    stride: int | tuple[int, int]
    padding: int | tuple[int, int]
    dilation: int | tuple[int, int]
    output_padding: int | tuple[int, int]
    bias: bool
    seed: int

    @property
    def in_channels(self) -> int:
        return self.groups * self.in_per_group

    @property
    def out_channels(self) -> int:
        return self.groups * self.out_per_group

    def _input(self, rng, channels, size):
        shape = (channels, *size) if self.batch is None else (self.batch, channels, *size)
        return rng.standard_normal(shape)

    def conv_arrays(self):
        rng = np.random.default_rng(self.seed)
        x = self._input(rng, self.in_channels, self.size)
        w = rng.standard_normal((self.out_channels, self.in_per_group, *self.kernel))
        b = rng.standard_normal(self.out_channels) if self.bias else None
        return x, w, b

    def transpose_arrays(self):
        """x (C_in, h, w) is the conv2d's output side; w is (C_in, C_out/groups, kh, kw)."""
        rng = np.random.default_rng(self.seed)
        x = self._input(rng, self.in_channels, self.size)
        w = rng.standard_normal((self.in_channels, self.out_per_group, *self.kernel))
        b = rng.standard_normal(self.out_channels) if self.bias else None
        return x, w, b

    def conv_options(self) -> dict:
        return dict(
            stride=self.stride, padding=self.padding, dilation=self.dilation, groups=self.groups
        )

    def transpose_options(self) -> dict:
        return self.conv_options() | dict(output_padding=self.output_padding)


def _int_or_pair(rng, low: int, high: int):
    """An int, or a pair of (maybe different) ints, in [low, high]."""
    if rng.random() < 0.5:
        return int(rng.integers(low, high + 1))
    return tuple(int(v) for v in rng.integers(low, high + 1, 2))


def conv_case(seed: int, groups: int | None = None) -> Case:
    rng = np.random.default_rng(seed)
    groups = groups or int(rng.choice([1, 2, 3, 4]))
    kernel = tuple(int(v) for v in rng.integers(1, 6, 2))
    stride = _int_or_pair(rng, 1, 3)
    padding = _int_or_pair(rng, 0, 3)
    dilation = _int_or_pair(rng, 1, 3)
    size = tuple(
        max(1, _span(k, d) - 2 * p) + int(rng.integers(0, 6))
        for k, d, p in zip(kernel, _pair(dilation), _pair(padding), strict=True)
    )
    return Case(
        batch=None if rng.random() < 0.3 else int(rng.integers(1, 3)),
        groups=groups,
        in_per_group=int(rng.integers(1, 3)),
        out_per_group=int(rng.integers(1, 3)),
        kernel=kernel,
        size=size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        output_padding=0,
        bias=bool(rng.random() < 0.5),
        seed=seed,
    )


def transpose_case(seed: int, groups: int | None = None) -> Case:
    """A conv_transpose2d call whose output is not empty, output padding included."""
    rng = np.random.default_rng(10_000 + seed)
    groups = groups or 1
    kernel = tuple(int(v) for v in rng.integers(1, 6, 2))
    stride = _int_or_pair(rng, 1, 3)
    dilation = _int_or_pair(rng, 1, 3)
    size = tuple(int(v) for v in rng.integers(1, 6, 2))
    extra = tuple(
        int(rng.integers(0, max(s, d))) for s, d in zip(_pair(stride), _pair(dilation), strict=True)
    )
    output_padding = extra if rng.random() < 0.5 or extra[0] != extra[1] else extra[0]
    padding = []
    for h, k, s, d, a in zip(size, kernel, _pair(stride), _pair(dilation), extra, strict=True):
        longest = (h - 1) * s + d * (k - 1) + a  # output side with no padding, less one
        padding.append(int(rng.integers(0, min(3, longest // 2) + 1)))
    return Case(
        batch=None if rng.random() < 0.3 else int(rng.integers(1, 3)),
        groups=groups,
        in_per_group=int(rng.integers(1, 3)),
        out_per_group=int(rng.integers(1, 3)),
        kernel=kernel,
        size=size,
        stride=stride,
        padding=padding[0] if padding[0] == padding[1] else tuple(padding),
        dilation=dilation,
        output_padding=output_padding,
        bias=bool(rng.random() < 0.5),
        seed=seed,
    )


CONV_CASES = [conv_case(seed) for seed in range(300)]
TRANSPOSE_CASES = [transpose_case(seed) for seed in range(200)]
GROUPED_TRANSPOSE_CASES = [transpose_case(seed, groups=2 + seed % 3) for seed in range(60)]


def _values(cases, attribute):
    found = set()
    for case in cases:
        value = getattr(case, attribute)
        found.update(_pair(value) if isinstance(value, (int, tuple)) else {value})
    return found


def test_the_random_cases_cover_every_argument():
    conv = CONV_CASES
    assert {case.groups for case in conv} == {1, 2, 3, 4}
    assert {case.batch is None for case in conv} == {True, False}
    assert {case.bias for case in conv} == {True, False}
    assert _values(conv, "stride") == {1, 2, 3}
    assert _values(conv, "dilation") == {1, 2, 3}
    assert _values(conv, "padding") == {0, 1, 2, 3}
    for attribute in ("stride", "padding", "dilation"):
        assert any(isinstance(getattr(case, attribute), tuple) for case in conv)
        assert any(isinstance(getattr(case, attribute), int) for case in conv)
    kernels = {case.kernel for case in conv}
    assert any(kh == kw and kh % 2 for kh, kw in kernels)  # odd square
    assert any(kh == kw and not kh % 2 for kh, kw in kernels)  # even square
    assert any(kh != kw for kh, kw in kernels)  # not square
    transposed = TRANSPOSE_CASES
    assert _values(transposed, "output_padding") == {0, 1, 2}
    assert _values(transposed, "stride") == {1, 2, 3}
    assert _values(transposed, "dilation") == {1, 2, 3}
    assert _values(transposed, "padding") == {0, 1, 2, 3}
    assert {case.groups for case in GROUPED_TRANSPOSE_CASES} == {2, 3, 4}


# ----------------------------------------------------------------------------
# conv2d against ONNX Conv
# ----------------------------------------------------------------------------


def _conv_side(h, k, s, p, d):
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


def _transpose_side(h, k, s, p, a, d):
    return (h - 1) * s - 2 * p + d * (k - 1) + a + 1


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda case: f"seed{case.seed}")
def test_conv2d_matches_onnx_conv(case: Case):
    x, w, b = case.conv_arrays()
    result = cnn.conv2d(x, w, b, **case.conv_options())
    expected = onnx_conv(x, w, b, **case.conv_options())
    assert result.dtype == np.float64
    assert result.shape == expected.shape
    sides = tuple(
        _conv_side(h, k, s, p, d)
        for h, k, s, p, d in zip(
            case.size,
            case.kernel,
            _pair(case.stride),
            _pair(case.padding),
            _pair(case.dilation),
            strict=True,
        )
    )
    batch = () if case.batch is None else (case.batch,)
    assert result.shape == (*batch, case.out_channels, *sides)
    np.testing.assert_allclose(result, expected, **TOLERANCE)


# ----------------------------------------------------------------------------
# conv_transpose2d against ONNX ConvTranspose
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=lambda case: f"seed{case.seed}")
def test_conv_transpose2d_matches_onnx_conv_transpose(case: Case):
    x, w, b = case.transpose_arrays()
    options = case.transpose_options()
    result = cnn.conv_transpose2d(x, w, b, **options)
    del options["groups"]
    expected = onnx_conv_transpose(x, w, b, **options)
    sides = tuple(
        _transpose_side(h, k, s, p, a, d)
        for h, k, s, p, a, d in zip(
            case.size,
            case.kernel,
            _pair(case.stride),
            _pair(case.padding),
            _pair(case.output_padding),
            _pair(case.dilation),
            strict=True,
        )
    )
    batch = () if case.batch is None else (case.batch,)
    assert result.dtype == np.float64
    assert result.shape == expected.shape == (*batch, case.out_channels, *sides)
    np.testing.assert_allclose(result, expected, **TOLERANCE)


@pytest.mark.parametrize("case", GROUPED_TRANSPOSE_CASES, ids=lambda case: f"seed{case.seed}")
def test_grouped_conv_transpose2d_is_one_onnx_conv_transpose_per_group(case: Case):
    x, w, b = case.transpose_arrays()
    options = case.transpose_options()
    result = cnn.conv_transpose2d(x, w, b, **options)
    del options["groups"]
    channel_axis = 0 if case.batch is None else 1
    inputs = np.split(x, case.groups, axis=channel_axis)
    weights = np.split(w, case.groups, axis=0)
    biases = [None] * case.groups if b is None else np.split(b, case.groups)
    expected = np.concatenate(
        [
            onnx_conv_transpose(part, weight, bias, **options)
            for part, weight, bias in zip(inputs, weights, biases, strict=True)
        ],
        axis=channel_axis,
    )
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, **TOLERANCE)


# ----------------------------------------------------------------------------
# The adjoint identity
# ----------------------------------------------------------------------------


def _adjoint_gap(case: Case, rng) -> tuple[float, float]:
    """``<conv2d(x, w), y>`` and ``<x, conv_transpose2d(y, w)>`` for random x, y."""
    x, w, _ = case.conv_arrays()
    options = case.conv_options()
    forward = cnn.conv2d(x, w, **options)
    y = rng.standard_normal(forward.shape)
    # The output padding that gives x's shape back: (H + 2p - d(k - 1) - 1) mod s.
    back_sizes = [
        _transpose_side(side, k, s, p, 0, d)
        for side, k, s, p, d in zip(
            forward.shape[-2:],
            case.kernel,
            _pair(case.stride),
            _pair(case.padding),
            _pair(case.dilation),
            strict=True,
        )
    ]
    output_padding = tuple(h - back for h, back in zip(case.size, back_sizes, strict=True))
    backward = cnn.conv_transpose2d(y, w, output_padding=output_padding, **options)
    assert backward.shape == x.shape
    return float(np.vdot(forward, y)), float(np.vdot(x, backward))


@pytest.mark.parametrize(
    "case", CONV_CASES[:120] + [conv_case(s, groups=g) for s in range(40) for g in (2, 3, 4)]
)
def test_conv_transpose2d_is_the_adjoint_of_conv2d(case: Case):
    left, right = _adjoint_gap(case, np.random.default_rng(case.seed))
    assert left == pytest.approx(right, rel=1e-11, abs=1e-10)


@st.composite
def layer_cases(draw) -> Case:
    groups = draw(st.integers(1, 4))
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = tuple(
        max(1, _span(k, d) - 2 * p) + draw(st.integers(0, 6))
        for k, d, p in zip(kernel, dilation, padding, strict=True)
    )
    return Case(
        batch=draw(st.sampled_from([None, 1, 2])),
        groups=groups,
        in_per_group=draw(st.integers(1, 3)),
        out_per_group=draw(st.integers(1, 3)),
        kernel=kernel,
        size=size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        output_padding=0,
        bias=False,
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=80, deadline=None)
@given(layer_cases())
def test_adjoint_identity_holds_for_any_arguments(case: Case):
    left, right = _adjoint_gap(case, np.random.default_rng(case.seed))
    assert left == pytest.approx(right, rel=1e-11, abs=1e-10)


# ----------------------------------------------------------------------------
# Output sizes and "same"
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 5, 8, 13])
@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("dilation", [1, 2, 3])
def test_output_size_helpers_follow_the_formulas(size, kernel, stride, dilation):
    for padding in range(4):
        expected = _conv_side(size, kernel, stride, padding, dilation)
        if expected >= 1:
            assert cnn.conv2d_output_size(size, kernel, stride, padding, dilation) == expected
        else:
            with pytest.raises(FiltersError, match="empty"):
                cnn.conv2d_output_size(size, kernel, stride, padding, dilation)
        for extra in range(max(stride, dilation)):
            expected = _transpose_side(size, kernel, stride, padding, extra, dilation)
            args = (size, kernel, stride, padding, extra, dilation)
            if expected >= 1:
                assert cnn.conv_transpose2d_output_size(*args) == expected
            else:
                with pytest.raises(FiltersError, match="empty"):
                    cnn.conv_transpose2d_output_size(*args)
    assert cnn.conv2d_output_size(
        size + 2 * dilation * kernel, kernel, stride, "valid", dilation
    ) == (_conv_side(size + 2 * dilation * kernel, kernel, stride, 0, dilation))
    if stride == 1:
        assert cnn.conv2d_output_size(size, kernel, 1, "same", dilation) == size


def test_output_size_helpers_match_the_layers():
    for case in CONV_CASES[:50]:
        x, w, b = case.conv_arrays()
        shape = cnn.conv2d(x, w, b, **case.conv_options()).shape[-2:]
        assert shape == tuple(
            cnn.conv2d_output_size(h, k, s, p, d)
            for h, k, s, p, d in zip(
                case.size,
                case.kernel,
                _pair(case.stride),
                _pair(case.padding),
                _pair(case.dilation),
                strict=True,
            )
        )


@pytest.mark.parametrize("kernel", [(1, 1), (2, 2), (3, 3), (4, 4), (2, 5), (4, 3), (6, 1)])
@pytest.mark.parametrize("dilation", [1, 2, 3, (1, 2)])
def test_same_keeps_the_size_and_pads_like_pytorch_and_onnx_same_upper(kernel, dilation):
    rng = np.random.default_rng(sum(kernel))
    x = rng.standard_normal((1, 2, 9, 8))
    w = rng.standard_normal((3, 2, *kernel))
    result = cnn.conv2d(x, w, padding="same", dilation=dilation)
    assert result.shape == (1, 3, 9, 8)
    dilations = list(_pair(dilation))
    upper = _onnx("Conv", x, w, None, auto_pad="SAME_UPPER", dilations=dilations)
    np.testing.assert_allclose(result, upper, **TOLERANCE)
    # PyTorch's placement: total d(k - 1), total // 2 before, the rest after.
    pads = [cnn.same_padding(k, d) for k, d in zip(kernel, dilations, strict=True)]
    for (before, after), k, d in zip(pads, kernel, dilations, strict=True):
        assert (before, after) == ((d * (k - 1)) // 2, d * (k - 1) - (d * (k - 1)) // 2)
    explicit = onnx_conv_asymmetric(x, w, pads, dilations)
    np.testing.assert_allclose(result, explicit, **TOLERANCE)
    if any((before + after) % 2 for before, after in pads):
        lower = _onnx("Conv", x, w, None, auto_pad="SAME_LOWER", dilations=dilations)
        assert not np.allclose(result, lower)  # where the extra zero goes matters


def onnx_conv_asymmetric(x, w, pads, dilations):
    (top, bottom), (left, right) = pads
    return _onnx("Conv", x, w, None, pads=[top, left, bottom, right], dilations=dilations)


def test_valid_is_zero_padding():
    x, w, b = conv_case(7).conv_arrays()
    options = conv_case(7).conv_options() | dict(padding=0)
    np.testing.assert_array_equal(
        cnn.conv2d(x, w, b, **options), cnn.conv2d(x, w, b, **options | dict(padding="valid"))
    )


# ----------------------------------------------------------------------------
# One channel: the package's own correlation, and SciPy's
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_one_channel_valid_conv2d_is_scipy_correlate2d(seed):
    rng = np.random.default_rng(seed)
    kh, kw = rng.integers(1, 6, 2)
    image = rng.standard_normal((int(kh + rng.integers(0, 8)), int(kw + rng.integers(0, 8))))
    kernel = rng.standard_normal((kh, kw))
    result = cnn.conv2d(image[None], kernel[None, None], padding="valid")
    expected = scipy.signal.correlate2d(image, kernel, mode="valid")
    np.testing.assert_allclose(result[0], expected, **TOLERANCE)


def test_unbatched_in_unbatched_out_and_integer_input():
    x = np.arange(2 * 5 * 6).reshape(2, 5, 6)
    w = np.ones((4, 2, 3, 3), dtype=np.int32)
    result = cnn.conv2d(x, w, np.arange(4.0), padding=1)
    assert result.shape == (4, 5, 6) and result.dtype == np.float64
    np.testing.assert_array_equal(cnn.conv2d(x[None], w, np.arange(4.0), padding=1)[0], result)
    back = cnn.conv_transpose2d(result, w, stride=2, output_padding=1)
    assert back.shape == (2, 12, 14) and back.dtype == np.float64


# ----------------------------------------------------------------------------
# Teaching helpers: per-channel terms and receptive cells
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CONV_CASES[:40], ids=lambda case: f"seed{case.seed}")
def test_channel_terms_sum_to_the_output(case: Case):
    x, w, b = case.conv_arrays()
    result = cnn.conv2d(x, w, b, **case.conv_options())
    channel_axis = 0 if case.batch is None else 1
    for out_channel in range(case.out_channels):
        terms = cnn.channel_terms(x, w, out_channel, **case.conv_options())
        assert terms.shape[channel_axis] == case.in_per_group
        total = terms.sum(axis=channel_axis) + (0.0 if b is None else b[out_channel])
        np.testing.assert_allclose(np.take(result, out_channel, channel_axis), total, **TOLERANCE)
        # Each term is the one-channel layer on its own input channel.
        group = out_channel // case.out_per_group
        first = group * case.in_per_group
        single = cnn.conv2d(
            np.take(x, [first], channel_axis),
            w[out_channel : out_channel + 1, :1],
            **case.conv_options() | dict(groups=1),
        )
        np.testing.assert_allclose(
            np.take(terms, 0, channel_axis), np.take(single, 0, channel_axis), **TOLERANCE
        )


@pytest.mark.parametrize("case", GROUPED_TRANSPOSE_CASES[:30], ids=lambda c: f"seed{c.seed}")
def test_transposed_channel_terms_sum_to_the_output(case: Case):
    x, w, b = case.transpose_arrays()
    result = cnn.conv_transpose2d(x, w, b, **case.transpose_options())
    channel_axis = 0 if case.batch is None else 1
    for out_channel in range(case.out_channels):
        terms = cnn.channel_terms(x, w, out_channel, transposed=True, **case.transpose_options())
        total = terms.sum(axis=channel_axis) + (0.0 if b is None else b[out_channel])
        np.testing.assert_allclose(np.take(result, out_channel, channel_axis), total, **TOLERANCE)


def _receptive_value(x, w, cells) -> float:
    inside = cells.inside
    return float(
        np.sum(
            w[cells.kernel_rows[inside], cells.kernel_cols[inside]]
            * x[cells.rows[inside], cells.cols[inside]]
        )
    )


@pytest.mark.parametrize("seed", range(30))
def test_receptive_cells_give_each_output_cell(seed):
    case = conv_case(seed, groups=1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case.size)
    w = rng.standard_normal(case.kernel)
    options = dict(stride=case.stride, padding=case.padding, dilation=case.dilation)
    result = cnn.conv2d(x[None], w[None, None], **options)[0]
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            cells = cnn.receptive_cells(case.size, case.kernel, row, col, **options)
            assert cells.rows.size == w.size
            assert result[row, col] == pytest.approx(_receptive_value(x, w, cells), abs=1e-12)


@pytest.mark.parametrize("seed", range(30))
def test_transposed_receptive_cells_give_each_output_cell(seed):
    case = transpose_case(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case.size)
    w = rng.standard_normal(case.kernel)
    options = dict(
        stride=case.stride,
        padding=case.padding,
        dilation=case.dilation,
        output_padding=case.output_padding,
    )
    result = cnn.conv_transpose2d(x[None], w[None, None], **options)[0]
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            cells = cnn.receptive_cells(
                case.size, case.kernel, row, col, transposed=True, **options
            )
            assert cells.inside.all()
            assert result[row, col] == pytest.approx(_receptive_value(x, w, cells), abs=1e-12)


def test_receptive_cells_show_dilation_gaps_and_padding():
    cells = cnn.receptive_cells((7, 7), (3, 3), 0, 0, stride=1, padding=2, dilation=2)
    assert sorted(set(cells.rows.tolist())) == [-2, 0, 2]
    assert cells.inside.sum() == 4
    same = cnn.receptive_cells((6, 6), (2, 2), 0, 0, padding="same")
    assert sorted(set(same.rows.tolist())) == [0, 1]  # the extra zero goes after


# ----------------------------------------------------------------------------
# Every error path: FiltersError naming the argument
# ----------------------------------------------------------------------------

X = np.ones((1, 4, 6, 6))
W = np.ones((2, 4, 3, 3))
WT = np.ones((4, 2, 3, 3))

ERRORS = [
    ("x", cnn.conv2d, (np.ones((6, 6)), W), {}),
    ("x", cnn.conv2d, (np.ones((1, 1, 4, 6, 6)), W), {}),
    ("x", cnn.conv2d, (np.full((4, 6, 6), np.nan), W), {}),
    ("x", cnn.conv2d, (np.full((4, 6, 6), np.inf), W), {}),
    ("x", cnn.conv2d, (np.full((4, 6, 6), "a"), W), {}),
    ("x", cnn.conv2d, (np.ones((4, 6, 6)) * 1j, W), {}),
    ("x", cnn.conv2d, (np.ones((4, 0, 6)), W), {}),
    ("x", cnn.conv2d, ([[[1, 2], [3]]], W), {}),
    ("w", cnn.conv2d, (X, np.ones((4, 3, 3))), {}),
    ("w", cnn.conv2d, (X, np.full((2, 4, 3, 3), np.nan)), {}),
    ("w", cnn.conv2d, (X, np.ones((2, 3, 3, 3))), {}),
    ("w", cnn.conv2d, (X, np.ones((2, 4, 3, 3))), dict(groups=2)),
    ("groups", cnn.conv2d, (X, W), dict(groups=0)),
    ("groups", cnn.conv2d, (X, W), dict(groups=1.0)),
    ("groups", cnn.conv2d, (X, W), dict(groups=True)),
    ("groups", cnn.conv2d, (np.ones((1, 3, 6, 6)), np.ones((2, 1, 3, 3))), dict(groups=3)),
    ("groups", cnn.conv2d, (X, np.ones((3, 2, 3, 3))), dict(groups=2)),
    ("groups", cnn.conv2d, (np.ones((1, 3, 6, 6)), np.ones((3, 1, 3, 3))), dict(groups=2)),
    ("stride", cnn.conv2d, (X, W), dict(stride=0)),
    ("stride", cnn.conv2d, (X, W), dict(stride=(1, -1))),
    ("stride", cnn.conv2d, (X, W), dict(stride=(1, 2, 3))),
    ("stride", cnn.conv2d, (X, W), dict(stride="2")),
    ("stride", cnn.conv2d, (X, W), dict(stride=1.5)),
    ("dilation", cnn.conv2d, (X, W), dict(dilation=0)),
    ("dilation", cnn.conv2d, (X, W), dict(dilation=(2, None))),
    ("padding", cnn.conv2d, (X, W), dict(padding=-1)),
    ("padding", cnn.conv2d, (X, W), dict(padding=(0, -2))),
    ("padding", cnn.conv2d, (X, W), dict(padding="full")),
    ("padding", cnn.conv2d, (X, W), dict(padding=None)),
    ("padding", cnn.conv2d, (X, W), dict(padding="same", stride=2)),
    ("padding", cnn.conv2d, (X, np.ones((2, 4, 7, 3))), {}),
    ("dilation", cnn.conv2d, (X, W), dict(dilation=3)),
    ("bias", cnn.conv2d, (X, W, np.ones(3)), {}),
    ("bias", cnn.conv2d, (X, W, np.ones((2, 1))), {}),
    ("bias", cnn.conv2d, (X, W, [np.nan, 1.0]), {}),
    ("bias", cnn.conv2d, (X, W, ["a", "b"]), {}),
    ("x", cnn.conv_transpose2d, (np.ones(4), WT), {}),
    ("x", cnn.conv_transpose2d, (np.full((4, 2, 2), np.nan), WT), {}),
    ("w", cnn.conv_transpose2d, (X, np.ones((3, 2, 3, 3))), {}),
    ("w", cnn.conv_transpose2d, (X, np.ones((4, 2, 3))), {}),
    ("groups", cnn.conv_transpose2d, (X, WT), dict(groups=3)),
    ("groups", cnn.conv_transpose2d, (X, WT), dict(groups=-1)),
    ("stride", cnn.conv_transpose2d, (X, WT), dict(stride=0)),
    ("dilation", cnn.conv_transpose2d, (X, WT), dict(dilation=(1, 0))),
    ("padding", cnn.conv_transpose2d, (X, WT), dict(padding=-1)),
    ("padding", cnn.conv_transpose2d, (X, WT), dict(padding="same")),
    ("padding", cnn.conv_transpose2d, (np.ones((4, 1, 1)), WT), dict(padding=2)),
    ("output_padding", cnn.conv_transpose2d, (X, WT), dict(output_padding=1)),
    ("output_padding", cnn.conv_transpose2d, (X, WT), dict(stride=2, output_padding=(1, 2))),
    ("output_padding", cnn.conv_transpose2d, (X, WT), dict(output_padding=-1)),
    ("bias", cnn.conv_transpose2d, (X, WT, np.ones(4)), {}),
    ("size", cnn.conv2d_output_size, (0, 3), {}),
    ("size", cnn.conv2d_output_size, (4.0, 3), {}),
    ("kernel", cnn.conv2d_output_size, (4, 0), {}),
    ("stride", cnn.conv2d_output_size, (4, 3, 0), {}),
    ("stride", cnn.conv2d_output_size, (4, 3, (1, 2)), {}),
    ("padding", cnn.conv2d_output_size, (4, 3, 1, -1), {}),
    ("padding", cnn.conv2d_output_size, (4, 3, 1, (1, 1)), {}),
    ("padding", cnn.conv2d_output_size, (4, 3, 2, "same"), {}),
    ("dilation", cnn.conv2d_output_size, (4, 3, 1, 0, 0), {}),
    ("padding", cnn.conv2d_output_size, (4, 7), {}),
    ("output_padding", cnn.conv_transpose2d_output_size, (4, 3, 2, 0, 2), {}),
    ("padding", cnn.conv_transpose2d_output_size, (1, 1, 1, 1), {}),
    ("kernel", cnn.same_padding, (0,), {}),
    ("dilation", cnn.same_padding, (3, 0), {}),
    ("input_hw", cnn.receptive_cells, ((0, 4), (3, 3), 0, 0), {}),
    ("input_hw", cnn.receptive_cells, (4, (3, 3), 0, 0), {}),
    ("kernel_hw", cnn.receptive_cells, ((4, 4), (3,), 0, 0), {}),
    ("out_row", cnn.receptive_cells, ((4, 4), (3, 3), 2, 0), {}),
    ("out_col", cnn.receptive_cells, ((4, 4), (3, 3), 0, -1), {}),
    ("stride", cnn.receptive_cells, ((4, 4), (3, 3), 0, 0), dict(stride=0)),
    (
        "output_padding",
        cnn.receptive_cells,
        ((4, 4), (3, 3), 0, 0),
        dict(transposed=True, output_padding=1),
    ),
    ("out_channel", cnn.channel_terms, (X, W, 2), {}),
    ("out_channel", cnn.channel_terms, (X, WT, 1.0), dict(transposed=True)),
]


@pytest.mark.parametrize(
    ("name", "function", "args", "kwargs"),
    ERRORS,
    ids=[f"{f.__name__}-{name}-{i}" for i, (name, f, _, _) in enumerate(ERRORS)],
)
def test_bad_arguments_raise_filters_error_naming_them(name, function, args, kwargs):
    with pytest.raises(FiltersError) as raised:
        function(*args, **kwargs)
    assert re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", str(raised.value)), str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_an_empty_output_says_why():
    with pytest.raises(FiltersError, match=r"spans 7 .* only 6 .*empty"):
        cnn.conv2d(X, np.ones((2, 4, 4, 4)), dilation=2)
