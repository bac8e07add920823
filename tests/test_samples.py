"""Tests for filters.samples: the bundled photographs, the generated patterns and assets/."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from filters import samples
from filters._errors import FiltersError
from filters.samples import (
    ASSETS_DIR,
    DEFAULT_PATTERN_SIZE,
    DEFAULT_SAMPLE,
    SAMPLES,
    Sample,
    checkerboard,
    gradient_ramp,
    impulse,
    letter_f,
    load_sample,
    sample_names,
    step_edge,
    zone_plate,
)

PHOTOS = [name for name, sample in SAMPLES.items() if sample.kind == "photo"]
PATTERNS = [name for name, sample in SAMPLES.items() if sample.kind == "pattern"]
EXPECTED_NDIM = {"grace_hopper": 3, "astronaut": 3, "camera": 2, "chelsea": 3}


# --------------------------------------------------------------------------
# Catalogue


def test_catalogue_lists_default_first_then_photos_then_patterns():
    names = sample_names()
    assert names == tuple(SAMPLES)
    assert names[0] == DEFAULT_SAMPLE == "grace_hopper"
    assert len(set(names)) == len(names)
    kinds = [SAMPLES[name].kind for name in names]
    assert kinds == sorted(kinds, key=["photo", "pattern"].index)
    assert set(PHOTOS) == set(EXPECTED_NDIM)
    assert set(PATTERNS) == {
        "impulse",
        "letter_f",
        "checkerboard",
        "zone_plate",
        "step_edge",
        "gradient_ramp",
    }


def test_sample_entries_are_complete():
    for name, sample in SAMPLES.items():
        assert isinstance(sample, Sample)
        assert sample.name == name
        assert sample.label and sample.description
        assert sample.kind in ("photo", "pattern")
        assert bool(sample.credit) == (sample.kind == "photo")


def test_catalogue_is_read_only():
    with pytest.raises(TypeError):
        SAMPLES["new"] = SAMPLES[DEFAULT_SAMPLE]  # type: ignore[index]


# --------------------------------------------------------------------------
# Loading


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_sample_loads_as_float_in_unit_range(name):
    image = load_sample(name)
    assert image.dtype == np.float64
    assert image.ndim == EXPECTED_NDIM.get(name, 2)
    if image.ndim == 3:
        assert image.shape[2] == 3
    assert np.isfinite(image).all()
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() > image.min()
    if SAMPLES[name].kind == "pattern":
        assert image.shape == (DEFAULT_PATTERN_SIZE, DEFAULT_PATTERN_SIZE)


def test_photos_have_their_known_sizes():
    assert load_sample("grace_hopper").shape == (600, 512, 3)
    assert load_sample("astronaut").shape == (512, 512, 3)
    assert load_sample("camera").shape == (512, 512)
    assert load_sample("chelsea").shape == (300, 451, 3)


def test_colour_photos_are_really_in_colour():
    for name in ("grace_hopper", "astronaut", "chelsea"):
        image = load_sample(name)
        assert np.abs(image[..., 0] - image[..., 2]).mean() > 0.02


def test_photo_size_caps_the_long_side_and_never_enlarges():
    assert load_sample("grace_hopper", size=100).shape == (100, 85, 3)
    assert load_sample("chelsea", size=90).shape == (60, 90, 3)
    assert load_sample("camera", size=2000).shape == (512, 512)


@pytest.mark.parametrize("name", PATTERNS)
@pytest.mark.parametrize("size", [8, 33, 100])
def test_patterns_follow_size(name, size):
    image = load_sample(name, size=size)
    assert image.shape == (size, size)
    assert image.min() >= 0.0 and image.max() <= 1.0


def test_each_call_returns_a_fresh_writable_array():
    first = load_sample("astronaut")
    assert first.flags.writeable
    first[:] = 0.0
    second = load_sample("astronaut")
    assert second.max() > 0.0
    assert not np.shares_memory(first, second)


def test_unknown_name_lists_valid_names():
    with pytest.raises(FiltersError) as caught:
        load_sample("lena")
    message = str(caught.value)
    assert "'lena'" in message
    for name in SAMPLES:
        assert repr(name) in message
    with pytest.raises(FiltersError, match="name must be one of"):
        load_sample(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 7, 4097, 2.5, "big", True])
@pytest.mark.parametrize("name", ["letter_f", "camera"])
def test_bad_size_is_refused(name, size):
    with pytest.raises(FiltersError, match="size"):
        load_sample(name, size=size)


# --------------------------------------------------------------------------
# Patterns


@pytest.mark.parametrize("size", [8, 9, 64, 255])
def test_letter_f_has_no_symmetry(size):
    glyph = letter_f(size)
    assert set(np.unique(glyph)) == {0.0, 1.0}
    for flipped in (glyph[::-1, ::-1], glyph[::-1, :], glyph[:, ::-1], glyph.T):
        assert not np.array_equal(glyph, flipped)


def test_letter_f_is_upright():
    glyph = letter_f(100)
    rows = np.flatnonzero(glyph.any(axis=1))
    columns = np.flatnonzero(glyph.any(axis=0))
    top_row, bottom_row = glyph[rows[0]], glyph[rows[-1]]
    assert top_row.sum() > 3 * bottom_row.sum()  # wide bar at the top, stem alone below
    assert glyph[:, columns[0]].sum() == len(rows)  # stem along the left edge


def test_impulse_has_three_impulses_with_one_at_the_centre():
    image = impulse(64)
    assert np.count_nonzero(image) == 3
    assert image[32, 32] == 1.0
    assert sorted(image[image > 0]) == [0.5, 1.0, 1.0]
    assert not np.array_equal(image, image[::-1, ::-1])


def test_checkerboard_alternates_from_a_white_corner():
    image = checkerboard(64)
    assert image[0, 0] == 1.0
    assert image[0, 8] == 0.0 and image[8, 0] == 0.0 and image[8, 8] == 1.0
    assert image[:8, :8].min() == 1.0
    assert image.mean() == 0.5
    assert checkerboard(64, squares=2)[0, 31] == 1.0
    assert checkerboard(64, squares=2)[0, 32] == 0.0
    with pytest.raises(FiltersError, match="squares"):
        checkerboard(64, squares=0)


def test_zone_plate_follows_its_formula():
    size = 64
    image = zone_plate(size)
    offsets = np.arange(size) - (size - 1) / 2
    assert image[0, 5] == pytest.approx(
        0.5 + 0.5 * np.cos(np.pi * (offsets[0] ** 2 + offsets[5] ** 2) / size)
    )
    np.testing.assert_allclose(image, image[::-1, ::-1])
    np.testing.assert_allclose(image, image.T)
    assert image[31:33, 31:33].min() > 0.99


def test_zone_plate_frequency_reaches_nyquist_at_the_edges():
    # A local frequency of f cycles per pixel crosses the mid level 2 f times per pixel.
    size = 256
    middle_row = zone_plate(size)[size // 2]
    crossings = np.abs(np.diff(np.sign(middle_row - 0.5))) > 0
    edge_rate = crossings[:32].mean()  # radius 128 to 96: f from 0.5 to 0.375
    centre_rate = crossings[96:160].mean()  # radius 32 to 0: f from 0.125 to 0
    assert 0.8 < edge_rate <= 1.0
    assert centre_rate < 0.2


def test_step_edge_and_ramp_levels():
    edge = step_edge(16)
    np.testing.assert_array_equal(edge[:, :8], 0.25)
    np.testing.assert_array_equal(edge[:, 8:], 0.75)
    ramp = gradient_ramp(16)
    np.testing.assert_allclose(ramp[5], np.linspace(0, 1, 16))
    np.testing.assert_array_equal(ramp, np.broadcast_to(ramp[0], (16, 16)))


# --------------------------------------------------------------------------
# Assets


def asset_files() -> list[Path]:
    return sorted(path for path in ASSETS_DIR.iterdir() if path.name != "README.md")


def test_every_asset_is_documented_and_every_photo_has_its_file():
    readme = (ASSETS_DIR / "README.md").read_text()
    files = asset_files()
    assert files, "assets/ holds no images"
    for path in files:
        assert f"`{path.name}`" in readme, f"{path.name} is missing from assets/README.md"
    documented = set(re.findall(r"`([\w.-]+\.(?:png|jpg|jpeg))`", readme))
    assert documented == {path.name for path in files}
    for name in PHOTOS:
        assert any(path.stem == name for path in files)


def test_assets_are_small_enough():
    for path in asset_files():
        assert path.stat().st_size <= 1_000_000, path.name
        with Image.open(path) as image:
            assert max(image.size) <= 1024, path.name


def test_module_imports_only_numpy_and_filters_images_and_errors():
    tree = ast.parse(Path(samples.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    third_party = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert third_party == {"numpy", "filters._checks", "filters._errors", "filters.images"}
