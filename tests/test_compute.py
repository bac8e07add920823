"""ui.compute: decoding for a preview, working images, large images and the kept decorator."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

import filters
from filters import images
from ui import budget as memory
from ui import compute


@pytest.fixture
def fresh_budget() -> Iterator[memory.MemoryBudget]:
    yield memory.reset_budget(max_bytes=256 * 2**20)
    memory.reset_budget()


def _jpeg(width: int, height: int) -> bytes:
    pixels = np.random.default_rng(5).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def test_a_preview_decodes_small_and_remembers_the_full_size(fresh_budget):
    data = _jpeg(2400, 1600)
    preview = compute.decode(data, 256)
    assert preview.size == (2400, 1600)
    assert preview.pixels.dtype == np.uint8 and 256 <= max(preview.pixels.shape) <= 600
    assert compute.decode(data, 256) is preview  # kept in the budget
    assert fresh_budget.used >= preview.pixels.nbytes
    working = compute.working_image("bytes:x", preview, "colour", 256)
    assert max(working.shape[:2]) == 256 and working.dtype == np.float64
    assert not working.flags.writeable


def test_full_resolution_of_a_small_image_is_the_image_itself(fresh_budget):
    data = _jpeg(300, 200)
    original = compute.decode(data, 0)
    assert not compute.is_large(original, "colour", 0)
    working = compute.working_image("bytes:y", original, "grey", 0)
    np.testing.assert_allclose(working, images.to_grey(images.load_image(data)))


def test_a_large_image_at_full_resolution_is_compared_in_strips(fresh_budget):
    original = compute.Original(np.zeros((3000, 4000, 3), dtype=np.uint8), (4000, 3000))
    assert compute.is_large(original, "colour", 0)
    assert not compute.is_large(original, "colour", 512)
    side = compute.whole_side(original, "colour")
    assert side < 4000
    shape = (side * 3 // 4, side, 3)
    assert filters.comparison_bytes(shape, (1, 1)) <= compute.whole_limit() * 1.01
    assert compute.large_scale(original) == 4


def test_shrinking_a_compact_picture_averages_blocks():
    pixels = np.arange(6 * 8, dtype=np.uint8).reshape(6, 8)
    shrunk = compute._shrunk_compact(pixels, 3)
    expected = np.rint(pixels.reshape(3, 2, 4, 2).mean(axis=(1, 3))).astype(np.uint8)
    np.testing.assert_array_equal(shrunk, expected)


def test_kept_results_are_shared_read_only_and_keyed_without_underscore_arguments(
    fresh_budget,
):
    calls = []

    @compute.kept
    def doubled(name: str, _values: np.ndarray) -> np.ndarray:
        calls.append(name)
        return _values * 2

    first = doubled("a", np.ones(3))
    again = doubled("a", np.zeros(3))  # same key: the underscore argument is not part of it
    other = doubled("b", np.ones(3))
    assert again is first and calls == ["a", "b"]
    assert not first.flags.writeable
    np.testing.assert_array_equal(other, [2, 2, 2])
