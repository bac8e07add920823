"""The JSON behind the plain-HTML figures: kernel matrices on a shared scale, timing bars."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from filters import images, kernels
from ui import figures
from ui.figures import DIVERGING_LUT, diverging_ramp, hex_colour
from ui.light_figures import bars_data, matrices_data

# ---------------------------------------------------------------------------- helpers


def _expected_colours(matrix: np.ndarray, limit: float) -> list[str]:
    index = images.signed_to_index(np.asarray(matrix, dtype=float), limit)
    return [hex_colour(DIVERGING_LUT[i]) for i in index.ravel()]


def _shared_limit(named: dict[str, np.ndarray]) -> float:
    largest = max(float(np.abs(np.asarray(m, dtype=float)).max()) for m in named.values())
    return largest if largest > 0 else 1.0


def _check_cells(data: dict, named: dict[str, np.ndarray], limit: float) -> None:
    assert [entry["name"] for entry in data["matrices"]] == list(named)
    for entry, matrix in zip(data["matrices"], named.values(), strict=True):
        matrix = np.asarray(matrix, dtype=float)
        assert (entry["rows"], entry["cols"]) == matrix.shape
        assert len(entry["cells"]) == matrix.size
        assert [cell["colour"] for cell in entry["cells"]] == _expected_colours(matrix, limit)
        assert [cell["exact"] for cell in entry["cells"]] == [f"{v:.6g}" for v in matrix.ravel()]
        for cell in entry["cells"]:
            assert re.fullmatch(r"#[0-9a-f]{6}", cell["colour"])
            assert isinstance(cell["dark"], bool)


# ---------------------------------------------------------------------------- matrices


@pytest.mark.parametrize("seed", range(5))
def test_cells_share_one_scale_set_by_the_largest_magnitude(seed):
    rng = np.random.default_rng(seed)
    named = {
        f"m{i}": rng.standard_normal(tuple(rng.integers(1, 12, 2))) * rng.uniform(0.01, 50)
        for i in range(int(rng.integers(1, 5)))
    }
    data = matrices_data(named)
    limit = _shared_limit(named)
    _check_cells(data, named, limit)
    assert data["ticks"] == [f"{-limit:.3g}", "0", f"{limit:.3g}"]


def test_colours_of_known_values():
    named = {"a": np.array([[-2.0, 0.0, 2.0]]), "b": np.array([[1.0, -1.0]])}
    data = matrices_data(named)
    first, second = data["matrices"]
    assert [c["colour"] for c in first["cells"]] == [
        hex_colour(DIVERGING_LUT[0]),
        hex_colour(DIVERGING_LUT[128]),
        hex_colour(DIVERGING_LUT[255]),
    ]
    # Half the shared limit: a quarter and three quarters of the way along the map.
    assert [c["colour"] for c in second["cells"]] == [
        hex_colour(DIVERGING_LUT[191]),
        hex_colour(DIVERGING_LUT[64]),
    ]
    assert data["ticks"] == ["-2", "0", "2"]


def test_all_zero_matrices_use_a_unit_limit():
    named = {"zero": np.zeros((3, 3)), "also": np.zeros((2, 4))}
    data = matrices_data(named)
    assert data["ticks"] == ["-1", "0", "1"]
    centre = hex_colour(DIVERGING_LUT[128])
    for entry in data["matrices"]:
        assert {cell["colour"] for cell in entry["cells"]} == {centre}
        assert {cell["text"] for cell in entry["cells"]} == {"0"}
        assert {cell["exact"] for cell in entry["cells"]} == {"0"}


def test_an_all_zero_matrix_does_not_change_the_limit():
    kernel = np.array([[0.0, -0.3, 0.0], [0.1, 0.2, 0.05]])
    alone = matrices_data({"K": kernel})
    together = matrices_data({"zero": np.zeros((3, 3)), "K": kernel})
    assert alone["ticks"] == together["ticks"] == ["-0.3", "0", "0.3"]
    assert together["matrices"][1]["cells"] == alone["matrices"][0]["cells"]
    _check_cells(together, {"zero": np.zeros((3, 3)), "K": kernel}, 0.3)


def test_exact_values_have_six_significant_digits():
    matrix = np.array([[1 / 3, -2 / 3], [123456789.0, 1.5e-7]])
    (entry,) = matrices_data({"m": matrix})["matrices"]
    assert [c["exact"] for c in entry["cells"]] == [
        "0.333333",
        "-0.666667",
        "1.23457e+08",
        "1.5e-07",
    ]


def test_cell_text_is_short_and_empty_beyond_nine_a_side():
    small = np.array([[1 / 3, -2 / 3, 0.0]])
    medium = np.full((9, 2), 1 / 3)
    large = np.full((10, 1), 1 / 3)
    data = matrices_data({"small": small, "medium": medium, "large": large})
    texts = [[cell["text"] for cell in entry["cells"]] for entry in data["matrices"]]
    assert texts[0] == ["0.333", "-0.667", "0"]
    assert set(texts[1]) == {"0.33"}
    assert set(texts[2]) == {""}
    assert {cell["exact"] for cell in data["matrices"][2]["cells"]} == {"0.333333"}


def test_negative_zero_is_written_as_zero():
    (entry,) = matrices_data({"m": np.array([[-0.0, -1e-9, 1.0]])})["matrices"]
    assert [c["text"] for c in entry["cells"]][:2] == ["0", "-1e-09"]


def test_dark_cells_get_light_text():
    (entry,) = matrices_data({"m": np.array([[-1.0, 0.0, 1.0]])})["matrices"]
    ends, centre = [entry["cells"][0], entry["cells"][2]], entry["cells"][1]
    assert all(cell["dark"] for cell in ends)  # the saturated ends of the map
    assert not centre["dark"]  # the pale middle


def test_legend_and_columns():
    named = {"K": kernels.make("sobel_x"), "flip": kernels.flip(kernels.make("sobel_x"))}
    data = matrices_data(named, columns=3)
    assert data["kind"] == "matrices"
    assert data["columns"] == 3
    assert matrices_data(named)["columns"] == 2
    assert data["ramp"] == diverging_ramp()
    limit = _shared_limit(named)
    assert data["ticks"] == [f"{-limit:.3g}", "0", f"{limit:.3g}"]
    _check_cells(data, named, limit)


def test_ticks_have_three_significant_digits():
    data = matrices_data({"m": np.array([[0.0123456, -7.0]]), "n": np.array([[1234.5678]])})
    assert data["ticks"] == ["-1.23e+03", "0", "1.23e+03"]
    data = matrices_data({"m": np.array([[0.0123456, -0.0012]])})
    assert data["ticks"] == ["-0.0123", "0", "0.0123"]


def test_integer_and_list_matrices_are_accepted():
    named = {"ints": np.array([[1, -2], [3, 0]]), "list": [[0.5, -0.5]]}
    data = matrices_data(named)
    _check_cells(data, named, 3.0)
    assert [c["text"] for c in data["matrices"][0]["cells"]] == ["1", "-2", "3", "0"]


def test_matrices_data_is_plain_json():
    named = {"K": np.random.default_rng(9).standard_normal((4, 4))}
    data = matrices_data(named)
    assert json.loads(json.dumps(data)) == data


def test_matches_the_plotly_heatmap_scale():
    # The plain figure and the chart-library one show kernels on the same range.
    named = {"a": np.array([[0.2, -0.7]]), "b": np.array([[3.5, 0.0]])}
    limit = max(figures.signed_limit(np.asarray(m)) for m in named.values())
    assert matrices_data(named)["ticks"] == [f"{-limit:.3g}", "0", f"{limit:.3g}"]


# ---------------------------------------------------------------------------- bars


def test_bars_carry_milliseconds_and_labels():
    times = {"direct": 0.0123, "fft": 0.00046, "scipy": 1.5}
    data = bars_data(times, backend="cpu")
    assert data["kind"] == "bars"
    assert data["title"] == "Time per method on the CPU"
    assert [bar["label"] for bar in data["bars"]] == ["direct", "fft", "scipy"]
    assert [bar["value"] for bar in data["bars"]] == pytest.approx([12.3, 0.46, 1500.0])
    assert [bar["text"] for bar in data["bars"]] == ["12.3 ms", "0.5 ms", "1500.0 ms"]
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize("backend", ["gpu", "Cuda", "numpy"])
def test_bars_title_names_the_backend_in_upper_case(backend):
    title = bars_data({"a": 0.001}, backend=backend)["title"]
    assert title.endswith(backend.upper())
    assert backend.upper() in title


def test_bars_keep_order_and_handle_no_methods():
    times = {name: 0.001 * (i + 1) for i, name in enumerate("zyxw")}
    data = bars_data(times, backend="cpu")
    assert [bar["label"] for bar in data["bars"]] == list("zyxw")
    assert [bar["text"] for bar in data["bars"]] == ["1.0 ms", "2.0 ms", "3.0 ms", "4.0 ms"]
    assert bars_data({}, backend="cpu")["bars"] == []
