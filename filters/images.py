"""Reading images into float arrays, and turning arrays back into pictures.

:func:`load_image` is the single door through which user files enter the
workbench. It accepts bytes, a path or a binary file object and returns a
float64 array with values in [0, 1]: ``(H, W)`` for grey sources and
``(H, W, 3)`` for colour ones. Everything that can go wrong on the way (an
empty upload, a text file, a truncated JPEG, a decompression bomb) is
reported as :class:`~filters._errors.ImageLoadError` with a sentence a person
can act on; no Pillow exception escapes.

The display helpers go the other way: :func:`to_uint8` and
:func:`encode_png` turn filter results into pixels, :func:`to_grey` reduces
colour to luma and :func:`resize_long_side` shrinks large inputs.
"""

from __future__ import annotations

import functools
import io
import math
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from filters import _pixels
from filters._checks import positive_int
from filters._errors import FiltersError, ImageLoadError

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "LUMA_WEIGHTS",
    "compact_to_float",
    "encode_png",
    "finite_range",
    "image_info",
    "load_compact",
    "load_image",
    "resize_long_side",
    "signed_to_grey",
    "signed_to_index",
    "signed_to_rgb",
    "to_grey",
    "to_uint8",
]

DEFAULT_MAX_PIXELS = 40_000_000
"""Default largest number of pixels (width × height) :func:`load_image` accepts."""

LUMA_WEIGHTS = (0.299, 0.587, 0.114)
"""ITU-R BT.601 luma weights for red, green and blue, as used by :func:`to_grey`.

These are the weights Pillow uses for ``convert("L")``, so a colour upload
reduced with :func:`to_grey` matches the same file opened as greyscale.
"""

_FORMATS_WANTED = ("PNG", "JPEG", "MPO", "TIFF", "BMP", "WEBP", "GIF", "PPM")
_FORMATS_HINT = "use PNG, JPEG, TIFF, BMP, WebP or GIF"

# Largest value of a 16-bit sample, and of Pillow's signed 32-bit mode "I".
_UINT16_MAX = 2**16 - 1
_INT32_MAX = 2**31 - 1

# EXIF orientations 5 to 8 rotate the picture by 90 degrees (and may mirror it).
_EXIF_ORIENTATION_TAG = 0x0112
_QUARTER_TURN_ORIENTATIONS = frozenset({5, 6, 7, 8})


# --------------------------------------------------------------------------
# Loading


def load_image(source: Any, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode an image file into a float64 array with values in [0, 1].

    Parameters
    ----------
    source : bytes, bytearray, memoryview, str, os.PathLike or binary file object
        The encoded image: its bytes, the path of a file, or an object with a
        ``read()`` method returning bytes (an upload, an open file). PNG,
        JPEG (including MPO), TIFF, BMP, WebP, GIF and PPM are accepted.
    max_pixels : int, optional
        Largest accepted width × height. It is checked against the size in
        the file's header before any pixel data is decoded, so a small file
        claiming an enormous size is refused at once. Pillow's own
        decompression-bomb guard (``PIL.Image.MAX_IMAGE_PIXELS``, about 89
        million pixels by default) also applies, so larger values than that
        do not raise the limit further.

    Returns
    -------
    image : (H, W) or (H, W, 3) ndarray of float64
        Values in [0, 1], C-contiguous and writable. Grey sources (Pillow modes
        ``1``, ``L``, ``LA``, ``I;16``, ``I``, ``F``, and palette images whose
        colours are all grey) give ``(H, W)``; colour sources give
        ``(H, W, 3)``. The EXIF orientation tag is applied, so the array is the
        right way up. Animated files (GIF, APNG, WebP) give their first frame.

    Raises
    ------
    ImageLoadError
        If ``source`` has the wrong type, names a file that cannot be read, is
        empty, is not an image in an accepted format, is truncated or corrupt,
        or has more than ``max_pixels`` pixels.

    Notes
    -----
    Values are scaled to [0, 1] as follows:

    - 8-bit data (modes ``1``, ``L``, ``P``, ``RGB``, ``CMYK``, ...) is divided
      by 255; CMYK and other colour spaces are converted to RGB by Pillow.
      Embedded ICC colour profiles are not applied.
    - 16-bit data (modes ``I;16``, ``I;16B``, ...) is divided by 65535.
    - 32-bit integer data (mode ``I``) is divided by 65535 when all values lie
      in 0..65535 (16-bit data in a 32-bit container, as some TIFF writers
      produce), by 2**31 - 1 (the largest value mode ``I`` holds) when the
      values are non-negative but some exceed 65535, and is rescaled so that
      its minimum maps to 0 and its maximum to 1 when any value is negative.
    - Floating-point data (mode ``F``) is kept as it is when all finite values
      lie in [0, 1]; otherwise it is rescaled so that its finite minimum maps
      to 0 and its finite maximum to 1 (a constant image maps to 0). NaN and
      -inf become 0, +inf becomes 1.
    - Transparency (modes ``LA``, ``RGBA``, ``PA``, palette or grey images with
      a transparent colour) is composited over white, so a fully transparent
      pixel comes back white whatever its stored colour.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("RGB", (3, 2), (255, 0, 0)).save(buffer, format="PNG")
    >>> load_image(buffer.getvalue()).shape
    (2, 3, 3)
    """
    max_pixels = positive_int(max_pixels, "max_pixels", error=ImageLoadError)
    with _open_source(source) as (stream, label), _pillow_errors_as_load_errors(label, max_pixels):
        image = Image.open(stream, formats=_readable_formats())
        _check_pixel_count(image.size, label, max_pixels)
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        image, from_palette = _normalise_mode(image)
    return _pixels_to_float(image, from_palette=from_palette)


def load_compact(
    source: Any, *, max_pixels: int = DEFAULT_MAX_PIXELS, long_side: int | None = None
) -> np.ndarray:
    """Decode an image file into its most compact exact array: 8 or 16 bits a sample.

    :func:`load_image` gives float64, eight bytes a sample; a 40-megapixel colour
    photo is then 960 MB. This gives the same picture in one or two bytes a
    sample (``compact_to_float(load_compact(s))`` equals ``load_image(s)``
    exactly for every 8- and 16-bit source), and can decode straight to a
    smaller size.

    Parameters
    ----------
    source : bytes, path or binary file object
        As for :func:`load_image`.
    max_pixels : int, optional
        As for :func:`load_image`: checked from the header before decoding.
    long_side : int, optional
        When given, the picture may be decoded at a reduced size whose longer
        side is still at least ``long_side`` (a JPEG's DCT scaling, Pillow's
        ``draft``, or an integer box reduction, ``Image.reduce``), for callers
        that shrink it to ``long_side`` afterwards. Never enlarges.

    Returns
    -------
    compact : (H, W[, C]) ndarray
        ``uint8`` for 8-bit sources, ``uint16`` for 16-bit ones (mode ``I``
        holding 0..65535 included) and ``float32`` in [0, 1] otherwise. Colour
        gives C = 3; sources with transparency keep it as a last channel
        (C = 2 for grey + alpha, C = 4 for colour + alpha), composited over
        white by :func:`compact_to_float`.

    Raises
    ------
    ImageLoadError
        As :func:`load_image`.
    """
    max_pixels = positive_int(max_pixels, "max_pixels", error=ImageLoadError)
    if long_side is not None:
        long_side = positive_int(long_side, "long_side", error=ImageLoadError)
    with _open_source(source) as (stream, label), _pillow_errors_as_load_errors(label, max_pixels):
        image = Image.open(stream, formats=_readable_formats())
        _check_pixel_count(image.size, label, max_pixels)
        if long_side is not None and image.format == "JPEG" and max(image.size) > long_side:
            scale = long_side / max(image.size)
            image.draft(
                image.mode, (math.ceil(image.size[0] * scale), math.ceil(image.size[1] * scale))
            )
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        image, from_palette = _normalise_mode(image)
        reducible = image.mode in ("L", "LA", "RGB", "RGBA", "I", "F")
        if long_side is not None and reducible and max(image.size) >= 2 * long_side:
            image = image.reduce(max(image.size) // long_side)
    return _pixels_compact(image, from_palette=from_palette)


def compact_to_float(compact: Any) -> np.ndarray:
    """The float64 picture in [0, 1] that a :func:`load_compact` array stands for.

    ``uint8`` is divided by 255 and ``uint16`` by 65535; ``float32`` is widened.
    A last channel of transparency (2 or 4 channels) is composited over white,
    as :func:`load_image` does.
    """
    values = np.asarray(compact)
    if values.dtype == np.uint8:
        values = values / 255.0
    elif values.dtype == np.uint16:
        values = values / float(_UINT16_MAX)
    else:
        values = values.astype(np.float64)
    if values.ndim == 3 and values.shape[2] in (2, 4):
        colour, alpha = values[..., :-1], values[..., -1:]
        values = colour * alpha + (1.0 - alpha)
        if values.shape[2] == 1:
            values = values[..., 0]
    return np.ascontiguousarray(values, dtype=np.float64)


def _pixels_compact(image: Image.Image, *, from_palette: bool) -> np.ndarray:
    """The pixels of a normalised image in one or two bytes a sample where exact."""
    mode = image.mode
    if mode.startswith("I;16"):
        return np.asarray(image, dtype=np.uint16)
    if mode == "I":
        values = np.asarray(image)
        if values.min() >= 0 and values.max() <= _UINT16_MAX:
            return values.astype(np.uint16)
        return _scale_int32(values.astype(np.float64)).astype(np.float32)
    if mode == "F":
        return _scale_float(np.asarray(image, dtype=np.float64)).astype(np.float32)
    values = np.asarray(image, dtype=np.uint8)
    if from_palette and _channels_equal(values[..., :3]):
        values = values[..., [0, 3]] if values.shape[2] == 4 else values[..., 0]
    return np.ascontiguousarray(values)


def image_info(source: Any) -> dict[str, Any]:
    """Describe an image file from its header, without decoding its pixels.

    Parameters
    ----------
    source : bytes, bytearray, memoryview, str, os.PathLike or binary file object
        The encoded image, as for :func:`load_image`.

    Returns
    -------
    info : dict
        ``format`` (str, e.g. ``"PNG"``), ``mode`` (str, Pillow's mode as
        stored, e.g. ``"RGBA"`` or ``"I;16"``), ``width`` and ``height`` (int,
        as displayed, that is after the EXIF orientation is applied), ``frames``
        (int, 1 for still images) and ``animated`` (bool).

    Raises
    ------
    ImageLoadError
        For the same unreadable sources as :func:`load_image`. The pixel limit
        of :func:`load_image` is not applied, except Pillow's own
        decompression-bomb guard.
    """
    with (
        _open_source(source) as (stream, label),
        _pillow_errors_as_load_errors(label, DEFAULT_MAX_PIXELS),
    ):
        image = Image.open(stream, formats=_readable_formats())
        width, height = image.size
        if _header_orientation(image) in _QUARTER_TURN_ORIENTATIONS:
            width, height = height, width
        frames = getattr(image, "n_frames", 1)
        return {
            "format": image.format,
            "mode": image.mode,
            "width": width,
            "height": height,
            "frames": frames,
            "animated": frames > 1,
        }


def _header_orientation(image: Image.Image) -> int:
    """Return the EXIF orientation found in the file's header, 1 (upright) if none.

    Pillow reads the EXIF block of a PNG file from its header only when the
    block comes before the pixel data; otherwise ``getexif`` would decode the
    whole image to reach it, so such a PNG counts as upright here.
    """
    if image.format == "PNG" and "exif" not in image.info:
        return 1
    return image.getexif().get(_EXIF_ORIENTATION_TAG, 1)


@functools.cache
def _readable_formats() -> tuple[str, ...]:
    """Return the accepted Pillow format names that this Pillow build can open.

    Restricting ``Image.open`` to these keeps uploads away from plugins that
    run external programs (EPS) or read exotic scientific containers.
    """
    Image.init()
    return tuple(name for name in _FORMATS_WANTED if name in Image.OPEN)


@contextmanager
def _open_source(source: Any) -> Iterator[tuple[IO[bytes], str]]:
    """Yield a readable binary stream for ``source`` and a label for messages.

    Paths are opened (and closed again on exit); bytes and file objects are
    read into memory. Empty sources are refused here.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if not data:
            raise ImageLoadError("The file is empty.")
        yield io.BytesIO(data), "The data"
    elif isinstance(source, str | os.PathLike):
        path = _as_path(source)
        label = f"'{path.name}'"
        try:
            stream = path.open("rb")
        except FileNotFoundError as error:
            raise ImageLoadError(f"There is no file at '{path}'; check the path.") from error
        except IsADirectoryError as error:
            raise ImageLoadError(f"'{path}' is a folder, not an image file.") from error
        except PermissionError as error:
            raise ImageLoadError(
                f"'{path}' cannot be read: permission denied; check the file's permissions."
            ) from error
        except OSError as error:
            raise ImageLoadError(f"'{path}' cannot be read: {error.strerror or error}.") from error
        with stream:
            if os.fstat(stream.fileno()).st_size == 0:
                raise ImageLoadError(f"The file is empty: {label} holds no data.")
            yield stream, label
    elif callable(getattr(source, "read", None)):
        name = _file_object_name(source)
        label = name or "The file"
        try:
            data = source.read()
        except (OSError, ValueError) as error:
            raise ImageLoadError(f"{label} cannot be read: {error}.") from error
        if isinstance(data, str):
            raise ImageLoadError(
                f"{label} was opened in text mode; open it in binary mode ('rb') instead."
            )
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ImageLoadError(f"source.read() must return bytes, not {type(data).__name__}.")
        if not data:
            raise ImageLoadError(
                f"The file is empty: {name} holds no data." if name else "The file is empty."
            )
        yield io.BytesIO(bytes(data)), label
    else:
        raise ImageLoadError(
            "source must be bytes, a path (str or os.PathLike) or a binary file object "
            f"with a read() method, not {type(source).__name__}."
        )


def _as_path(source: str | os.PathLike) -> Path:
    """Return ``source`` as a :class:`~pathlib.Path`, refusing unusable names."""
    name = os.fspath(source)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not name or "\x00" in name:
        raise ImageLoadError(f"source {name!r} is not a usable file path.")
    return Path(name)


def _file_object_name(source: Any) -> str | None:
    """Return a file object's file name, quoted for messages, or None if it has none."""
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        return f"'{Path(name).name}'"
    return None


@contextmanager
def _pillow_errors_as_load_errors(label: str, max_pixels: int) -> Iterator[None]:
    """Turn anything Pillow raises inside the block into :class:`ImageLoadError`.

    Pillow's decoders raise many exception types for bad data (``OSError``,
    ``SyntaxError``, ``ValueError``, ``EOFError``, ``struct.error``, ...), so
    every exception from the block is caught; the block must therefore only
    call Pillow. :class:`ImageLoadError` raised by our own checks passes
    through unchanged. Pillow's ``DecompressionBombWarning`` is made an error
    for the duration of the block only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except ImageLoadError:
            raise
        except UnidentifiedImageError as error:
            raise ImageLoadError(
                f"{label} is not an image Pillow can read; {_FORMATS_HINT}."
            ) from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
            raise ImageLoadError(
                f"{label} is too large: it has more than the limit of {limit:,} pixels. "
                "Shrink it and try again."
            ) from error
        except MemoryError as error:
            raise ImageLoadError(
                f"{label} is too large to decode in the memory available. Shrink it and try again."
            ) from error
        except Exception as error:
            raise ImageLoadError(
                f"{label} is truncated or corrupt and cannot be decoded ({error}). "
                "Save it again from an image editor and re-upload it."
            ) from error


def _check_pixel_count(size: tuple[int, int], label: str, max_pixels: int) -> None:
    """Refuse images with no pixels or more than ``max_pixels`` pixels."""
    width, height = size
    if width < 1 or height < 1:
        raise ImageLoadError(f"{label} has zero size ({width} × {height} pixels).")
    if width * height > max_pixels:
        raise ImageLoadError(
            f"{label} is {width:,} × {height:,} = {width * height:,} pixels, more than the "
            f"limit of {max_pixels:,} pixels. Shrink it and try again."
        )


def _normalise_mode(image: Image.Image) -> tuple[Image.Image, bool]:
    """Convert ``image`` to one of the modes :func:`_pixels_to_float` reads.

    Returns the converted image (mode ``L``, ``LA``, ``RGB``, ``RGBA``,
    ``I;16*``, ``I`` or ``F``) and whether it came from a palette, whose grey
    palettes are reduced to one channel later.
    """
    mode = image.mode
    has_transparency = "transparency" in image.info
    if mode in ("P", "PA"):
        return image.convert("RGBA" if mode == "PA" or has_transparency else "RGB"), True
    if mode in ("1", "L"):
        return image.convert("LA" if has_transparency else "L"), False
    if mode in ("LA", "La"):
        return image.convert("LA"), False
    if mode.startswith("I;16") or mode in ("I", "F"):
        return image, False
    if mode in ("RGBA", "RGBa") or has_transparency:
        return image.convert("RGBA"), False
    return image.convert("RGB"), False


def _pixels_to_float(image: Image.Image, *, from_palette: bool) -> np.ndarray:
    """Return the pixels of a normalised image as float64 in [0, 1]."""
    mode = image.mode
    if mode.startswith("I;16"):
        values = np.asarray(image, dtype=np.float64) / _UINT16_MAX
    elif mode == "I":
        values = _scale_int32(np.asarray(image, dtype=np.float64))
    elif mode == "F":
        values = _scale_float(np.asarray(image, dtype=np.float64))
    else:
        values = np.asarray(image, dtype=np.float64) / 255.0
        if mode in ("LA", "RGBA"):
            colour, alpha = values[..., :-1], values[..., -1:]
            values = colour * alpha + (1.0 - alpha)
            if mode == "LA":
                values = values[..., 0]
        if from_palette and _channels_equal(values):
            values = values[..., 0]
    return np.ascontiguousarray(values, dtype=np.float64)


def _channels_equal(values: np.ndarray) -> bool:
    """Return whether every pixel of a ``(H, W, 3)`` array is a shade of grey."""
    return bool(
        np.array_equal(values[..., 0], values[..., 1])
        and np.array_equal(values[..., 0], values[..., 2])
    )


def _scale_int32(values: np.ndarray) -> np.ndarray:
    """Scale mode ``I`` data to [0, 1] by the rule given in :func:`load_image`."""
    low, high = values.min(), values.max()
    if low < 0:
        return _rescale(values, low, high)
    return values / (_UINT16_MAX if high <= _UINT16_MAX else _INT32_MAX)


def _scale_float(values: np.ndarray) -> np.ndarray:
    """Scale mode ``F`` data to [0, 1] by the rule given in :func:`load_image`."""
    finite = values[np.isfinite(values)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        values = _rescale(values, finite.min(), finite.max())
    return np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=0.0)


def _rescale(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Map ``low`` to 0 and ``high`` to 1; a constant array (``high == low``) maps to 0."""
    if high > low:
        return (values - low) / (high - low)
    return np.zeros_like(values)


# --------------------------------------------------------------------------
# Display helpers


def to_uint8(array: Any, *, mode: Literal["clip", "rescale"] = "clip") -> np.ndarray:
    """Convert an image array to 8-bit pixels for display.

    Parameters
    ----------
    array : (M, N[, C]) array_like of real numbers
        The image. In ``"clip"`` mode a uint8 array is taken to be pixels
        already and is returned as a copy; any other dtype is read on the
        [0, 1] scale.
    mode : {"clip", "rescale"}, optional
        ``"clip"`` clips values to [0, 1] and maps them to 0..255. ``"rescale"``
        maps the smallest finite value to 0 and the largest to 255, over all
        channels together so colours keep their balance; it shows results
        with negative values such as edge filters. A constant array maps to
        0 (black) in ``"rescale"`` mode.

    Returns
    -------
    pixels : (M, N[, C]) ndarray of uint8
        ``round(255 * value)`` of the clipped or rescaled values. NaN and -inf
        become 0, +inf becomes 255.

    Raises
    ------
    FiltersError
        If ``array`` is not a non-empty 2-D or 3-D array of real numbers, or
        ``mode`` is not ``"clip"`` or ``"rescale"``.
    """
    values = _image_array(array, "array")
    if mode not in ("clip", "rescale"):
        raise FiltersError(f"mode must be 'clip' or 'rescale', not {mode!r}.")
    if mode == "clip" and values.dtype == np.uint8:
        return values.copy()
    if mode == "rescale":
        extent = _pixels.finite_range(values)
        if extent is not None:
            return _pixels.scaled_to_uint8(values, *extent)
    return _pixels.scaled_to_uint8(values)


def finite_range(array: Any) -> tuple[float, float] | None:
    """The smallest and largest finite value of an image, or ``None`` if it has none."""
    return _pixels.finite_range(_image_array(array, "array"))


def signed_to_index(array: Any, limit: float, levels: int = 256) -> np.ndarray:
    """Place signed data on a diverging colour map centred at zero.

    Parameters
    ----------
    array : (M, N[, C]) array_like of real numbers
        The data; a multi-channel image is placed by the mean of its channels.
    limit : float > 0
        The magnitude at the ends of the map: ``-limit`` maps to index 0, zero
        to the middle and ``+limit`` to ``levels - 1``; values beyond are
        clipped. NaN maps to the middle.
    levels : int, 2 ≤ levels ≤ 256, optional
        The number of colours of the map.

    Returns
    -------
    index : (M, N) ndarray of uint8
        Each pixel's colour index, ``floor((v / limit + 1) / 2 · (levels - 1) + ½)``.
    """
    values = _image_array(array, "array")
    limit = float(limit)
    if not (np.isfinite(limit) and limit > 0):
        raise FiltersError(f"limit must be a finite positive number, not {limit!r}.")
    if not (isinstance(levels, (int, np.integer)) and 2 <= levels <= 256):
        raise FiltersError(f"levels must be an integer from 2 to 256, not {levels!r}.")
    return _pixels.signed_to_index(values, limit, int(levels))


def signed_to_rgb(array: Any, limit: float, colours: Any) -> np.ndarray:
    """Colour signed data with a diverging map given as a lookup table.

    ``colours`` is an (L, 3) uint8 table (2 ≤ L ≤ 256) running from ``-limit`` to
    ``+limit``; see :func:`signed_to_index` for how values are placed.

    Returns
    -------
    pixels : (M, N, 3) ndarray of uint8
    """
    table = np.asarray(colours)
    if (
        table.ndim != 2
        or table.shape[1] != 3
        or not 2 <= table.shape[0] <= 256
        or table.dtype != np.uint8
    ):
        raise FiltersError("colours must be an (L, 3) uint8 array with 2 <= L <= 256.")
    return table[signed_to_index(array, limit, table.shape[0])]


def signed_to_grey(array: Any, limit: float) -> np.ndarray:
    """Show signed data as grey relief: zero at mid-grey, like the classic emboss picture.

    Parameters
    ----------
    array : (M, N[, C]) array_like of real numbers
        The data. An RGB image is shown by its luma (:data:`LUMA_WEIGHTS`, as
        :func:`to_grey`): the filters are linear, so the relief of a colour
        result is exactly the result of filtering the grey image, the picture
        an emboss filter is known by. Other channel counts use their mean.
    limit : float > 0
        The magnitude shown as white (``+limit``) and black (``-limit``);
        values beyond are clipped. NaN shows as mid-grey.

    Returns
    -------
    grey : (M, N) ndarray of uint8
        ``round(255 · clip(0.5 + v / (2 · limit), 0, 1))``, halves rounded up:
        0 → 128, ``+limit`` → 255, ``-limit`` → 0. It is :func:`signed_to_index`
        on 256 levels, so the grey level is the index a diverging map would use.
    """
    values = _image_array(array, "array")
    if values.ndim == 3 and values.shape[2] == 3:
        values = to_grey(values)
    return signed_to_index(values, limit, 256)


def encode_png(array: Any) -> bytes:
    """Encode an image array as a PNG file.

    Parameters
    ----------
    array : (M, N) or (M, N, C) array_like, C in {1, 3, 4}
        uint8 pixels, or any other real dtype read on the [0, 1] scale and
        clipped (as :func:`to_uint8` does in ``"clip"`` mode). One channel
        gives a greyscale PNG, three RGB and four RGBA.

    Returns
    -------
    png : bytes
        The encoded file.

    Raises
    ------
    FiltersError
        If ``array`` is not a non-empty 2-D array or 3-D array with 1, 3 or 4
        channels of real numbers.
    """
    pixels = to_uint8(array, mode="clip")
    if pixels.ndim == 3:
        if pixels.shape[2] not in (1, 3, 4):
            raise FiltersError(
                f"array must have 1, 3 or 4 channels to be saved as PNG, not {pixels.shape[2]}."
            )
        if pixels.shape[2] == 1:
            pixels = pixels[..., 0]
    buffer = io.BytesIO()
    # Fast compression: these PNGs go to a browser on every rerun.
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def to_grey(image: Any) -> np.ndarray:
    """Reduce a colour image to luma with the ITU-R BT.601 weights.

    Parameters
    ----------
    image : (M, N) or (M, N, 3) array_like of real numbers
        A grey or RGB image.

    Returns
    -------
    grey : (M, N) ndarray of float64
        ``0.299 R + 0.587 G + 0.114 B`` (see :data:`LUMA_WEIGHTS`). A 2-D
        input passes through as float64, without a copy when it is float64
        already.

    Raises
    ------
    FiltersError
        If ``image`` is not a non-empty ``(M, N)`` or ``(M, N, 3)`` array of
        real numbers.
    """
    values = _image_array(image, "image").astype(np.float64, copy=False)
    if values.ndim == 2:
        return values
    if values.shape[2] != 3:
        raise FiltersError(f"image must have shape (M, N) or (M, N, 3), not {values.shape}.")
    return values @ np.asarray(LUMA_WEIGHTS)


def resize_long_side(image: Any, long_side: int) -> np.ndarray:
    """Shrink an image so that its longer side is at most ``long_side`` pixels.

    Parameters
    ----------
    image : (M, N) or (M, N, C) array_like of real numbers
        The image, on any scale.
    long_side : int
        Largest allowed height or width, at least 1.

    Returns
    -------
    resized : (P, Q) or (P, Q, C) ndarray of float64
        The image scaled by ``long_side / max(M, N)`` with Lanczos resampling
        (each channel separately, in 32-bit floating point), so that
        ``max(P, Q) == long_side`` and the aspect ratio is kept to the nearest
        pixel. Lanczos ringing is clipped to the range of the input, so an
        image in [0, 1] stays in [0, 1]. Images that already fit are returned
        as float64 without resampling (and without a copy when float64
        already): this function never enlarges.

    Raises
    ------
    FiltersError
        If ``image`` is not a non-empty 2-D or 3-D array of real numbers, or
        ``long_side`` is not a positive integer.
    """
    values = _image_array(image, "image").astype(np.float64, copy=False)
    long_side = positive_int(long_side, "long_side", error=FiltersError)
    height, width = values.shape[:2]
    if max(height, width) <= long_side:
        return values
    scale = long_side / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    channels = values[..., np.newaxis] if values.ndim == 2 else values
    resized = np.stack(
        [
            np.asarray(
                Image.fromarray(
                    np.ascontiguousarray(channels[..., index], dtype=np.float32)
                ).resize(new_size, Image.Resampling.LANCZOS)
            )
            for index in range(channels.shape[2])
        ],
        axis=-1,
    ).astype(np.float64)
    resized = np.clip(resized, values.min(), values.max())
    return resized[..., 0] if values.ndim == 2 else resized


def _image_array(array: Any, name: str) -> np.ndarray:
    """Return ``array`` as a non-empty 2-D or 3-D ndarray of real numbers."""
    values = np.asarray(array)
    if values.dtype == np.bool_:
        values = values.astype(np.float64)
    if not (np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)):
        raise FiltersError(f"{name} must hold real numbers, not {values.dtype}.")
    if values.ndim not in (2, 3):
        raise FiltersError(f"{name} must have shape (M, N) or (M, N, C), not {values.shape}.")
    if values.size == 0:
        raise FiltersError(f"{name} is empty (shape {values.shape}).")
    return values
