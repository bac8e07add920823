"""Words and offsets of the Compare page's panels (ui.compare_view)."""

from __future__ import annotations

import numpy as np
import pytest

from filters import kernels
from ui import compare_view


@pytest.mark.parametrize(
    ("kernel", "words"),
    [
        (np.zeros((3, 3)), "all zeros: rank 0"),
        (np.outer([1, 2, 1], [1, 0, -1]), "rank 1: separable"),
        (kernels.make("emboss"), "rank 3: not separable"),
        (np.eye(4), "rank 4: not separable"),
    ],
)
def test_the_rank_is_said_in_words(kernel, words):
    assert compare_view.rank_words(kernels.separability(kernel)) == words


@pytest.mark.parametrize(
    ("shape", "output", "scale", "origin"),
    [
        ((5, 5), "same", 1, (0, 0)),
        ((5, 4), "full", 1, (-2, -1)),
        ((5, 4), "valid", 1, (2, 2)),
        ((9, 9), "full", 4, (-1, -1)),
    ],
)
def test_output_origins_in_pixels_and_in_blocks(shape, output, scale, origin):
    assert compare_view.output_origin(shape, output, scale) == origin
