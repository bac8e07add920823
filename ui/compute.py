"""Calls into ``filters`` for the pages, inside one memory budget and one admission gate.

Everything kept between reruns (decoded originals, working images, spectra,
comparisons) lives in the process-wide :func:`ui.budget.budget`: a byte-sized
LRU with an idle expiry, shared by every session, so a class of thirty cannot
take the server's memory past its budget. Originals are kept as 8/16-bit
arrays and, unless full resolution is asked for, decoded straight to the
working size. Heavy work passes the :func:`ui.gate.gate`: at most as many
computations run at once as there are slots; the others wait their turn and say
so on the page.

Images too large to compare whole (their comparison would need more than
:func:`whole_limit` bytes) are compared in strips (:func:`filters.compare_in_strips`)
from the compact original, and only display-sized block means are kept.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import streamlit as st

import filters
from filters import images, samples
from ui import uploads
from ui.budget import budget, nbytes_of
from ui.gate import Superseded, gate

#: Long side of the arrays the Compare page keeps for an image compared in strips.
DISPLAY_LONG_SIDE = 1024

#: Bytes one strip of one result may take (the strip's working memory is about
#: twelve times this).
STRIP_BYTES = 24 * 2**20


def kept(function: Callable | None = None, *, spinner: str | None = None):
    """Decorator: keep a function's results in the memory budget, like ``st.cache_resource``.

    The key is the function and its arguments, except those whose names start
    with an underscore (large arrays passed next to a short key that names them,
    as Streamlit's caches do). Results are shared between sessions, not copied:
    returned arrays are made read-only. ``spinner`` is shown while computing.
    """

    def decorate(function: Callable) -> Callable:
        signature = inspect.signature(function)
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            named = tuple(
                (key, value) for key, value in bound.arguments.items() if not key.startswith("_")
            )
            key = (name, hashlib.blake2b(repr(named).encode(), digest_size=16).hexdigest())

            def compute():
                if spinner is None:
                    return _frozen(function(*args, **kwargs))
                with st.spinner(spinner):
                    return _frozen(function(*args, **kwargs))

            return budget().get_or_compute(key, compute)

        return wrapper

    return decorate(function) if function is not None else decorate


def _frozen(value):
    """``value``, made read-only when it is an array (it is shared between sessions)."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    return value


# ----------------------------------------------------------------------------
# Images
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Original:
    """A decoded image as kept in memory: compact pixels and the size of the file's image.

    ``pixels`` is what :func:`filters.images.load_compact` gives (8/16-bit, or
    float32 for float sources), at full resolution or reduced for a preview;
    ``size`` is the full (width, height).
    """

    pixels: np.ndarray
    size: tuple[int, int]

    @property
    def nbytes(self) -> int:
        return self.pixels.nbytes


def decode(data: bytes, preview: int) -> Original:
    """Decode uploaded bytes for a preview size (0 = full resolution); raises ImageLoadError."""
    key = f"original:{uploads.name_of(data)}:{preview}"

    def load() -> Original:
        info = images.image_info(data)
        with budget().reserve(_decode_bytes(info, preview), "decoding the image"):
            pixels = images.load_compact(data, long_side=preview or None)
        return Original(_frozen(pixels), (info["width"], info["height"]))

    return budget().get_or_compute(key, load)


def _decode_bytes(info: dict, preview: int) -> int:
    """Working memory to decode an image: four bytes a pixel, twice, at most.

    A JPEG for a preview is decoded at a reduced scale (at most twice the preview's
    side); every other format is decoded whole before it is reduced.
    """
    pixels = info["width"] * info["height"]
    if preview and info["format"] == "JPEG":
        pixels = min(pixels, 4 * preview * preview * 4)
    return 2 * 4 * pixels


def sample(name: str) -> np.ndarray:
    """A bundled sample image (float64, small), kept in the budget."""
    return budget().get_or_compute(f"sample:{name}", lambda: _frozen(samples.load_sample(name)))


def sample_original(name: str) -> Original:
    picture = sample(name)
    return Original(picture, (picture.shape[1], picture.shape[0]))


def to_working(pixels: np.ndarray, colour: str) -> np.ndarray:
    """Compact (or float) pixels as the float64 image the filters see, grey or colour."""
    values = images.compact_to_float(pixels) if pixels.dtype != np.float64 else pixels
    if colour == "grey":
        values = images.to_grey(values)
    return values


def working_image(source_key: str, original: Original, colour: str, preview: int) -> np.ndarray:
    """The float64 image the pages filter: grey or colour, at most ``preview`` a side.

    With full resolution (``preview == 0``) of an image too large to compare
    whole, this is the largest version that fits (:func:`whole_side`): the
    Compare page then compares the original in strips (:func:`compare_large`),
    and the teaching pages use this version.
    """
    side = preview or whole_side(original, colour)
    key = f"working:{source_key}|{colour}|{side}"

    def build() -> np.ndarray:
        pixels = original.pixels
        if max(pixels.shape[:2]) > side:
            # Shrink before widening to float64: the 8-bit original stays the largest copy.
            pixels = _shrunk_compact(pixels, side)
        image = to_working(pixels, colour)
        if max(image.shape[:2]) > side:
            image = images.resize_long_side(image, side)
        return _frozen(np.ascontiguousarray(image, dtype=np.float64))

    return budget().get_or_compute(key, build)


def _shrunk_compact(pixels: np.ndarray, side: int) -> np.ndarray:
    """An 8/16-bit picture reduced by an integer box factor to at least ``side`` a side."""
    factor = max(pixels.shape[:2]) // side
    if factor < 2 or pixels.dtype not in (np.uint8, np.uint16):
        return pixels
    rows, cols = pixels.shape[0] // factor, pixels.shape[1] // factor
    sums = np.zeros((rows, cols, *pixels.shape[2:]), dtype=np.float64)
    for dy in range(factor):
        for dx in range(factor):
            sums += pixels[dy::factor, dx::factor][:rows, :cols]
    return np.rint(sums / (factor * factor)).astype(pixels.dtype)


def whole_limit() -> int:
    """Largest working memory one whole comparison may take: a sixth of the budget."""
    return budget().max_bytes // 6


def whole_side(original: Original, colour: str) -> int:
    """The long side of the largest version of ``original`` that can be compared whole."""
    height, width = original.pixels.shape[:2]
    channels = 1 if colour == "grey" or original.pixels.ndim == 2 else 3
    long_side = max(height, width)
    needed = filters.comparison_bytes((height, width, channels), (1, 1))
    if needed <= whole_limit():
        return long_side
    return max(64, int(long_side * math.sqrt(whole_limit() / needed)))


def is_large(original: Original, colour: str, preview: int) -> bool:
    """Whether the Compare page compares this image in strips (full resolution, too big)."""
    return preview == 0 and whole_side(original, colour) < max(original.pixels.shape[:2])


# ----------------------------------------------------------------------------
# Heavy work: the gate, the budget, progress on the page
# ----------------------------------------------------------------------------


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.session_id if context is not None else "no-session"


@contextlib.contextmanager
def heavy(what: str) -> Iterator[Callable[[], None]]:
    """Pass the admission gate for ``what``, saying on the page how many wait ahead.

    Yields a ``check`` function that raises when a newer request of this session
    has superseded this one; a superseded request ends the run quietly.
    """
    notice = st.empty()

    def waiting(ahead: int) -> None:
        others = "computation" if ahead == 1 else "computations"
        notice.info(f"Waiting for {ahead} other {others} to finish before {what}…")

    try:
        with gate().admit(_session_id(), on_wait=waiting) as ticket:
            notice.empty()
            yield ticket.check
    except Superseded:
        notice.empty()
        st.stop()


def _kernel_key(kernel: np.ndarray) -> str:
    kernel = np.ascontiguousarray(kernel, dtype=np.float64)
    digest = hashlib.blake2b(kernel.tobytes(), digest_size=8)
    digest.update(str(kernel.shape).encode())
    return digest.hexdigest()


def result_key(image_key: str, kernel: np.ndarray, demo) -> str:
    """Names a comparison by what produced it: image, kernel values and options."""
    options = f"{demo.boundary},{demo.output},{demo.dtype},{demo.backend}"
    return f"{image_key}|kernel:{_kernel_key(kernel)}|{options}"


def _options(demo) -> dict[str, str]:
    """The filtering options of a demo, as ``filters`` takes them."""
    return dict(boundary=demo.boundary, output=demo.output, dtype=demo.dtype, backend=demo.backend)


def spectrum(image_key: str, image: np.ndarray, kernel_shape, demo) -> filters.ImageSpectrum:
    """The working image's spectrum, reused across kernel edits of one shape."""
    options = _options(demo)
    key = f"spectrum:{image_key}|{kernel_shape}|{sorted(options.items())}"
    return budget().get_or_compute(
        key, lambda: filters.ImageSpectrum(image, kernel_shape, **options)
    )


def compare(image_key: str, image: np.ndarray, kernel: np.ndarray, demo) -> filters.Comparison:
    """Compare with the demo's options, through the budget and the gate."""
    kernel = np.ascontiguousarray(kernel, dtype=np.float64)
    key = "comparison:" + result_key(image_key, kernel, demo)
    cached = budget().get(key)
    if cached is not None:
        return cached

    def run() -> filters.Comparison:
        needed = filters.comparison_bytes(image.shape, kernel.shape, demo.output, demo.dtype)
        with heavy("filtering"):
            # The spectrum is kept in the budget as an entry of its own; the estimate
            # counts it too, so the reservation holds only the rest.
            prepared = spectrum(image_key, image, kernel.shape, demo)
            rest = max(needed - nbytes_of(prepared), 0)
            with budget().reserve(rest, "comparing the whole image"):
                return filters.compare(image, kernel, spectrum=prepared, **_options(demo))

    return budget().get_or_compute(key, run)


def compare_large(
    source_key: str, original: Original, kernel: np.ndarray, demo
) -> filters.Comparison:
    """Compare a full-resolution image in strips, with a progress bar; keeps block means."""
    kernel = np.ascontiguousarray(kernel, dtype=np.float64)
    image_key = f"{source_key}|{demo.colour}|0"
    key = "comparison:" + result_key(image_key, kernel, demo)
    cached = budget().get(key)
    if cached is not None:
        return cached
    height, width = original.pixels.shape[:2]
    scale = large_scale(original)

    def run() -> filters.Comparison:
        with heavy("filtering the full-resolution image") as check:
            bar = st.progress(0.0, text=f"Filtering {width}×{height} pixels in strips…")

            def progress(fraction: float) -> None:
                check()
                bar.progress(fraction, text=f"Filtering {width}×{height} pixels: {fraction:.0%}")

            with budget().reserve(14 * STRIP_BYTES, "filtering the image in strips"):
                result = filters.compare_in_strips(
                    original.pixels,
                    kernel,
                    scale=scale,
                    rows_to_float=lambda rows: to_working(rows, demo.colour),
                    strip_bytes=STRIP_BYTES,
                    progress=progress,
                    **_options(demo),
                )
            bar.empty()
            return result

    return budget().get_or_compute(key, run)


def largest_fitting_preview(shape: tuple[int, ...], choices) -> int | None:
    """The largest preview size whose whole comparison fits the budget now (None if none)."""
    long_side = max(shape[:2])
    fitting = [
        side
        for side in choices
        if side
        and filters.comparison_bytes(
            (max(1, shape[0] * side // long_side), max(1, shape[1] * side // long_side), 3),
            (1, 1),
        )
        <= budget().available()
    ]
    return max(fitting) if fitting else None


def memory_used() -> str:
    """The budget's use, in words, for captions."""
    held = budget()
    return f"{held.used / 2**30:.2f} of {held.max_bytes / 2**30:.1f} GiB"


@st.cache_resource(show_spinner="Loading the compiled filters…")
def warm_up() -> None:
    """Load the compiled sliding-sum code once per process, so timings show the maths."""
    tiny = np.zeros((8, 8, 3))
    for kernel in (np.ones((3, 3)), np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0])):
        filters.convolve(tiny, kernel)
        filters.convolve(tiny, kernel, dtype=np.float32)


def reduced_input(source_key: str, original: Original, colour: str, scale: int) -> np.ndarray:
    """Block means of the full-resolution input, on the grid of :func:`compare_large`'s arrays."""

    def build() -> np.ndarray:
        pixels = original.pixels
        step = scale * max(1, STRIP_BYTES // max(1, pixels[0].size * 8 * scale))
        parts = [
            filters.block_means(to_working(pixels[top : top + step], colour), scale)
            for top in range(0, pixels.shape[0], step)
        ]
        return _frozen(np.concatenate(parts, axis=0))

    return budget().get_or_compute(f"reduced:{source_key}|{colour}|{scale}", build)


def large_scale(original: Original) -> int:
    """Side of the blocks a full-resolution comparison keeps the means of."""
    return max(1, math.ceil(max(original.pixels.shape[:2]) / DISPLAY_LONG_SIDE))
