"""Where ``same`` output starts: ``align="scipy"`` (the default) and ``align="matlab"``.

MATLAB is not available here, so its rows are checked on results MATLAB's own
documentation and MathWorks' answers publish; SciPy and OpenCV are run directly;
PyTorch's ``padding="same"`` placement (total ``k - 1``, ``(k - 1) // 2`` before) is
run through ONNX's reference ``Conv`` with those pads.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

import filters
from filters import FiltersError, conventions

ROUTES = [filters.convolve, filters.fft_convolve]
OPTIONS = dict(boundary="constant", dtype=np.float64, backend="cpu")


def _close(a, b) -> None:
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("route", ROUTES)
def test_matlab_conv_same_documented_example(route):
    # MATLAB's conv page, "Central Part of Convolution":
    # conv([-1 2 3 -2 0 1 2], [2 4 -1 1], 'same') = [15 5 -9 7 6 7 -1].
    u = np.array([[-1, 2, 3, -2, 0, 1, 2]], dtype=float)
    v = np.array([[2, 4, -1, 1]], dtype=float)
    _close(route(u, v, align="matlab", **OPTIONS), [[15, 5, -9, 7, 6, 7, -1]])
    # The default starts one sample earlier, like scipy.signal.convolve2d.
    _close(route(u, v, **OPTIONS), [[0, 15, 5, -9, 7, 6, 7]])
    _close(route(u, v, **OPTIONS), scipy.signal.convolve2d(u, v, mode="same"))


def test_matlab_conv2_same_with_an_even_kernel():
    # A published conv2 example (f 2×3, g 3×3): conv2(f, g, 'same') = [71 108 51; 26 71 104]
    # and, with the 2×3 kernel (an even side), conv2(g, f, 'same') =
    # [71 108 51; 26 71 104; 9 28 39], where scipy.signal.convolve2d gives
    # [29 39 4; 71 108 51; 26 71 104]: one row apart.
    f = np.array([[2, 3, 4], [1, 6, 7]], dtype=float)
    g = np.array([[9, 1, 0], [2, 5, 8], [1, 3, 3]], dtype=float)
    _close(filters.convolve(f, g, align="matlab", **OPTIONS), [[71, 108, 51], [26, 71, 104]])
    _close(filters.convolve(f, g, **OPTIONS), [[71, 108, 51], [26, 71, 104]])
    matlab = [[71, 108, 51], [26, 71, 104], [9, 28, 39]]
    scipy_like = [[29, 39, 4], [71, 108, 51], [26, 71, 104]]
    for route in ROUTES:
        _close(route(g, f, align="matlab", **OPTIONS), matlab)
        _close(route(g, f, **OPTIONS), scipy_like)


def test_matlab_filter2_hankel_example():
    # MathWorks answer on filter2 (correlation, zero padding, 'same'): with F the
    # 111×111 anti-diagonal and A below, filter2(F, A) sums A's anti-diagonals and
    # filter2(F, A | 1) counts them.
    a = np.array([[3, 7, 10, 2], [3, 5, 1, 2], [6, 3, 2, 7]], dtype=float)
    f = np.flipud(np.eye(111))
    sums = [[3, 10, 21, 6], [10, 21, 6, 4], [21, 6, 4, 7]]
    counts = [[1, 2, 3, 3], [2, 3, 3, 2], [3, 3, 2, 1]]
    for align in filters.ALIGNMENTS:
        _close(filters.correlate(a, f, align=align, **OPTIONS), sums)
        _close(filters.correlate(np.ones_like(a), f, align=align, **OPTIONS), counts)


@pytest.mark.parametrize("k", range(1, 9))
def test_matlab_same_start_formula(k):
    # MATLAB: C = Cfull(floor(length(B)/2) + (1:length(A))), 1-based.
    rng = np.random.default_rng(k)
    a, b = rng.random(11), rng.random(k)
    full = np.convolve(a, b)
    start = conventions.matlab_same_start(k)
    expected = full[start : start + a.size]
    _close(filters.convolve(a[None], b[None], align="matlab", **OPTIONS)[0], expected)
    _close(filters.fft_convolve(a[None], b[None], align="matlab", **OPTIONS)[0], expected)


SHAPES = [(1, 1), (2, 2), (3, 3), (4, 4), (2, 5), (5, 2), (4, 3), (6, 7)]


@pytest.mark.parametrize("kernel_shape", SHAPES)
@pytest.mark.parametrize("boundary", list(filters.BOUNDARIES))
def test_align_matlab_is_the_default_shifted_by_one_on_even_sides(kernel_shape, boundary):
    rng = np.random.default_rng(sum(kernel_shape))
    image = rng.random((12, 13, 2))
    kernel = rng.random(kernel_shape) - 0.5
    kh, kw = kernel_shape
    options = dict(boundary=boundary, dtype=np.float64, backend="cpu")
    full = filters.convolve(image, kernel, output="full", **options)
    matlab = filters.convolve(image, kernel, align="matlab", **options)
    _close(matlab, full[kh // 2 : kh // 2 + 12, kw // 2 : kw // 2 + 13])
    _close(filters.fft_convolve(image, kernel, align="matlab", **options), matlab)
    for method in ("direct", "fft"):
        _close(filters.filter2d(image, kernel, method=method, align="matlab", **options), matlab)
    # correlate(I, K) == convolve(I, flip K) holds for each alignment.
    _close(
        filters.correlate(image, kernel, align="matlab", **options),
        filters.convolve(image, kernel[::-1, ::-1], align="matlab", **options),
    )
    if kh % 2 and kw % 2:
        _close(matlab, filters.convolve(image, kernel, **options))
    # full and valid do not depend on the alignment.
    for output in ("full", "valid"):
        _close(
            filters.convolve(image, kernel, output=output, align="matlab", **options),
            filters.convolve(image, kernel, output=output, **options),
        )


def test_bad_alignment_is_refused_by_name():
    with pytest.raises(FiltersError, match="align"):
        filters.convolve(np.ones((4, 4)), np.ones((2, 2)), align="opencv")
    with pytest.raises(FiltersError, match="align"):
        filters.ImageSpectrum(np.ones((4, 4)), (2, 2), align=None)


@pytest.mark.parametrize("kernel_shape", SHAPES)
def test_every_scipy_row_of_the_table_holds(kernel_shape):
    check = conventions.check_scipy(kernel_shape)
    assert check.all_equal, check.differences
    assert len(check.differences) == 5


def test_the_live_check_can_fail():
    # A check that cannot fail is no check: compare the default against MATLAB's rows.
    rng = np.random.default_rng(1)
    image, kernel = rng.random((9, 10)), rng.random((4, 4))
    wrong = filters.correlate(image, kernel, **OPTIONS)
    assert not np.allclose(wrong, scipy.signal.correlate2d(image, kernel, mode="same"))
    assert not np.allclose(
        filters.convolve(image, kernel, **OPTIONS),
        scipy.ndimage.convolve(image, kernel, mode="constant"),
    )


@pytest.mark.parametrize("kernel_shape", SHAPES)
def test_opencv_rows(kernel_shape):
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(7)
    image = rng.random((11, 12))
    kernel = rng.random(kernel_shape) - 0.5
    kh, kw = kernel_shape
    options = dict(boundary="mirror", dtype=np.float64, backend="cpu")
    border = cv2.BORDER_REFLECT_101
    _close(
        cv2.filter2D(image, -1, kernel, borderType=border),
        filters.correlate(image, kernel, **options),
    )
    flipped = np.ascontiguousarray(kernel[::-1, ::-1])
    _close(
        cv2.filter2D(image, -1, flipped, borderType=border),
        filters.convolve(image, kernel, **options),
    )
    anchor = (kw - kw // 2 - 1, kh - kh // 2 - 1)
    _close(
        cv2.filter2D(image, -1, flipped, anchor=anchor, borderType=border),
        filters.convolve(image, kernel, align="matlab", **options),
    )


@pytest.mark.parametrize("kernel_shape", SHAPES)
def test_pytorch_same_padding_through_onnx(kernel_shape):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    kh, kw = kernel_shape
    # PyTorch's padding="same": total k - 1 per axis, (k - 1) // 2 of it before.
    pads = [(kh - 1) // 2, (kw - 1) // 2, kh - 1 - (kh - 1) // 2, kw - 1 - (kw - 1) // 2]
    node = helper.make_node("Conv", ["X", "W"], ["Y"], pads=pads)
    graph = helper.make_graph(
        [node],
        "same",
        [
            helper.make_tensor_value_info("X", TensorProto.DOUBLE, None),
            helper.make_tensor_value_info("W", TensorProto.DOUBLE, None),
        ],
        [helper.make_tensor_value_info("Y", TensorProto.DOUBLE, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    rng = np.random.default_rng(3)
    image = rng.random((10, 11))
    kernel = rng.random(kernel_shape) - 0.5
    (torch_like,) = ReferenceEvaluator(model).run(
        None, {"X": image[None, None], "W": kernel[None, None]}
    )
    assert onnx is not None
    _close(torch_like[0, 0], filters.correlate(image, kernel, align="matlab", **OPTIONS))
