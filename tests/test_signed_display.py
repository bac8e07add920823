"""Signed results shown the user's way: diverging colour, or grey relief (0 at mid-grey).

The mapping (:func:`filters.images.signed_to_grey`), the panels and legends that
use it, and the sidebar choice on the Compare page and in shared links.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from filters import images
from tests.test_app_compare import open_small, panels, pictures, viewer
from ui import figures, state
from ui.image_viewer import build_payload, read_payload

LIMIT = 2.5


# ---------------------------------------------------------------------------- the mapping


def test_relief_puts_zero_at_mid_grey_and_the_limits_at_black_and_white() -> None:
    grey = images.signed_to_grey(np.array([[0.0, LIMIT, -LIMIT]]), LIMIT)
    assert grey.dtype == np.uint8
    assert grey.tolist() == [[128, 255, 0]]


def test_relief_is_half_grey_plus_value_over_twice_the_limit() -> None:
    values = np.linspace(-LIMIT, LIMIT, 1001).reshape(7, 143)
    expected = np.floor(255 * (0.5 + values / (2 * LIMIT)) + 0.5)
    np.testing.assert_array_equal(images.signed_to_grey(values, LIMIT), expected)


def test_relief_is_monotonic_and_clipped_beyond_the_limit() -> None:
    values = np.linspace(-3 * LIMIT, 3 * LIMIT, 4001)[None, :]
    grey = images.signed_to_grey(values, LIMIT).ravel().astype(int)
    assert np.all(np.diff(grey) >= 0)
    assert set(grey[values.ravel() <= -LIMIT]) == {0}
    assert set(grey[values.ravel() >= LIMIT]) == {255}
    assert images.signed_to_grey(np.array([[np.nan]]), LIMIT).item() == 128


def test_colour_relief_is_the_relief_of_the_luma() -> None:
    rng = np.random.default_rng(7)
    colour = rng.uniform(-LIMIT, LIMIT, (9, 11, 3))
    grey = images.signed_to_grey(colour, LIMIT)
    assert grey.shape == (9, 11)
    np.testing.assert_array_equal(grey, images.signed_to_grey(images.to_grey(colour), LIMIT))


@pytest.mark.parametrize("limit", [0.0, -1.0, np.inf, np.nan])
def test_relief_refuses_a_limit_that_is_not_finite_and_positive(limit: float) -> None:
    with pytest.raises(ValueError, match="limit"):
        images.signed_to_grey(np.zeros((2, 2)), limit)


# ---------------------------------------------------------------------------- panels and legends


def _signed_panel(signed_display: str, values: np.ndarray | None = None) -> figures.Panel:
    if values is None:
        values = np.linspace(-1.0, 1.0, 48).reshape(6, 8)
    return figures.Panel("d", values, signed=True, limit=1.0, signed_display=signed_display)


def test_a_relief_panel_is_grey_and_a_diverging_one_is_coloured() -> None:
    relief = figures.panel_rgb(_signed_panel("relief"))
    assert relief.ndim == 2
    np.testing.assert_array_equal(relief, images.signed_to_grey(_signed_panel("relief").values, 1))
    diverging = figures.panel_rgb(_signed_panel("diverging"))
    assert diverging.shape == (6, 8, 3)
    assert not np.all(diverging[..., 0] == diverging[..., 2])


def test_the_viewer_sends_relief_as_grey_pixels_with_a_legend_in_words() -> None:
    colour = np.linspace(-1.0, 1.0, 6 * 8 * 3).reshape(6, 8, 3)
    header, parts = read_payload(
        build_payload(
            [_signed_panel("relief"), _signed_panel("relief", colour)], group="g", max_height=100
        )
    )
    for entry, (pixels, _) in zip(header["panels"], parts, strict=True):
        assert entry["picture"]["indexed"] is False
        assert pixels.shape[2] == 1
        scale = entry["scale"]
        assert scale["ramp"] == ["#000000", "#808080", "#ffffff"]
        assert scale["ticks"] == ["-1", "0", "1"]
        assert scale["text"].startswith("mid-grey = 0, white = +1, black = −1")
    assert "luma" in header["panels"][1]["scale"]["text"]
    np.testing.assert_array_equal(
        parts[0][0][:, :, 0], images.signed_to_grey(_signed_panel("relief").values, 1)
    )


def test_kept_pictures_of_one_panel_differ_by_display() -> None:
    panel = _signed_panel("diverging")
    keyed = [
        figures.Panel(**{**panel.__dict__, "key": "same", "signed_display": display})
        for display in figures.SIGNED_DISPLAYS
    ]
    diverging, relief = (figures.display_picture(p) for p in keyed)
    assert diverging.indexed and not relief.indexed


# ---------------------------------------------------------------------------- the link


def test_the_link_carries_relief_and_reads_it_back() -> None:
    demo = state.Demo(signed="relief")
    query = state.to_query(demo)
    assert query == {"signed": "relief"}
    restored, warnings = state.from_query(query)
    assert restored == demo and not warnings
    assert "signed" not in state.to_query(state.Demo())


def test_a_link_with_an_unknown_signed_display_warns_and_uses_the_default() -> None:
    restored, warnings = state.from_query({"signed": "rainbow"})
    assert restored.signed == "diverging"
    assert len(warnings) == 1 and "signed='rainbow'" in warnings[0]
    assert "diverging" in warnings[0]


# ---------------------------------------------------------------------------- the Compare page


@pytest.fixture(scope="module")
def emboss_app():
    return open_small(preset="emboss")


def test_choosing_relief_changes_every_signed_picture_on_compare(emboss_app) -> None:
    at = emboss_app
    assert at.sidebar.radio(key="signed").value == "diverging"
    before = {key: pictures(at, key) for key in ("results", "differences")}
    assert all(entry["picture"]["indexed"] for entry in panels(at))

    at.sidebar.radio(key="signed").set_value("relief").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["signed"] == "relief"
    for key in ("results", "differences"):
        header, parts = viewer(at, key)
        for entry, (pixels, _), old in zip(header["panels"], parts, before[key], strict=True):
            assert entry["picture"]["indexed"] is False
            assert "mid-grey = 0" in entry["scale"]["text"]
            assert pixels.shape[2] == 1
            assert not np.array_equal(pixels, old)
    # The input is not signed: unchanged.
    assert viewer(at, "input_view")[0]["panels"][0]["picture"]["indexed"] is False


def test_a_link_with_relief_opens_compare_in_relief_and_keeps_it_in_the_url() -> None:
    at = open_small(preset="emboss", signed="relief")
    assert at.sidebar.radio(key="signed").value == "relief"
    assert at.query_params["signed"] == "relief"
    assert not any(entry["picture"]["indexed"] for entry in panels(at))
    restored, warnings = state.from_query(dict(at.query_params))
    assert restored.signed == "relief" and not warnings


def test_png_downloads_of_signed_results_follow_the_choice():
    from PIL import Image

    from ui import exports

    values = np.linspace(-1, 1, 48).reshape(6, 8)
    relief = np.asarray(Image.open(io.BytesIO(exports.result_png(values, "clip", "relief"))))
    diverging = np.asarray(Image.open(io.BytesIO(exports.result_png(values, "clip"))))
    grey = relief if relief.ndim == 2 else relief[..., 0]
    if relief.ndim == 3:
        assert (relief[..., 0] == relief[..., 1]).all() and (relief[..., 1] == relief[..., 2]).all()
    assert grey.min() == 0 and grey.max() == 255
    assert diverging.ndim == 3 and not (diverging[..., 0] == diverging[..., 2]).all()
