"""The app's shared state: session keys in one place, and the shareable URL.

A *demo* is what a link reproduces: the sample image, the kernel (a preset with
its parameters, or explicit values up to 15×15) and the options. It lives in
``st.session_state`` under the keys below and is mirrored in the URL's query
parameters. Reading a URL never trusts it: every value is checked and bounded,
and anything wrong falls back to the default with a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from filters import BOUNDARIES, OUTPUTS, FiltersError, kernels, samples

# Session-state keys shared across pages.
IMAGE = "image"  # the working image (float64 array), after colour/preview choices
IMAGE_LABEL = "image_label"  # what the image is, for captions
IMAGE_KEY = "image_key"  # a content key of the working image, for caches
FULL_SOURCE = "full_source"  # (source key, encoded bytes) of an image Compare filters in strips
DEMO = "demo"  # the current Demo
KERNEL_VERSION = "kernel_version"  # bumps when the kernel changes, to refresh editors
URL_WARNINGS = "url_warnings"  # messages from reading the URL, shown once
URL_READ = "url_read"  # whether this session has read its URL yet

BACKENDS = ("auto", "cpu", "gpu")
DTYPES = ("float64", "float32")
COLOURS = ("colour", "grey")
DISPLAYS = ("clip", "rescale")
PREVIEW_SIZES = (256, 384, 512, 768, 1024, 0)  # long side in pixels; 0 = full resolution
DEFAULT_PREVIEW = 512

MAX_URL_KERNEL_SIDE = 15
MAX_URL_VALUE_LENGTH = 8000  # a 15×15 kernel of full-precision floats fits
MAX_URL_PARAMS = 40
MAX_URL_NUMBER = 1e6


@dataclass(frozen=True)
class Demo:
    """Everything a shared link reproduces.

    ``preset`` names a :data:`filters.kernels.PRESETS` entry built with
    ``params``; when ``preset`` is None, ``kernel`` holds explicit values.
    """

    sample: str = samples.DEFAULT_SAMPLE
    preset: str | None = kernels.DEFAULT_PRESET
    params: dict[str, float] = field(default_factory=dict)
    kernel_values: tuple[tuple[float, ...], ...] | None = None
    boundary: str = "reflect"
    output: str = "same"
    backend: str = "auto"
    dtype: str = "float64"
    colour: str = "colour"
    preview: int = DEFAULT_PREVIEW
    display: str = "clip"

    def kernel(self) -> np.ndarray:
        """The kernel this demo stands for."""
        if self.preset is None and self.kernel_values is not None:
            return np.array(self.kernel_values, dtype=np.float64)
        return kernels.make(self.preset or kernels.DEFAULT_PRESET, **self.params)

    def with_kernel(self, kernel: np.ndarray) -> Demo:
        """This demo with explicit kernel values (no preset)."""
        values = tuple(tuple(float(v) for v in row) for row in np.asarray(kernel))
        return replace(self, preset=None, params={}, kernel_values=values)

    def with_preset(self, name: str, params: dict[str, float]) -> Demo:
        return replace(self, preset=name, params=dict(params), kernel_values=None)


def _format_number(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def to_query(demo: Demo) -> dict[str, str]:
    """Query parameters for ``demo``: only what differs from the defaults."""
    default = Demo()
    query: dict[str, str] = {}
    for name in ("sample", "boundary", "output", "backend", "dtype", "colour", "display"):
        if getattr(demo, name) != getattr(default, name):
            query[name] = getattr(demo, name)
    if demo.preview != default.preview:
        query["preview"] = str(demo.preview)
    kernel = demo.kernel()
    if demo.preset is not None:
        if demo.preset != default.preset:
            query["preset"] = demo.preset
        for key, value in demo.params.items():
            query[key] = _format_number(value)
    elif max(kernel.shape) <= MAX_URL_KERNEL_SIDE and np.max(np.abs(kernel)) <= MAX_URL_NUMBER:
        text = ";".join(",".join(_format_number(v) for v in row) for row in kernel)
        if len(text) <= MAX_URL_VALUE_LENGTH:
            query["kernel"] = text
    return query


def _choice(query, name, choices, default, warnings):
    if name not in query:
        return default
    value = query[name]
    if value in choices:
        return value
    warnings.append(f"The link's {name}={_quoted(value)} is not one of {', '.join(choices)}.")
    return default


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _quoted(value: str) -> str:
    """A short, plain rendering of an untrusted value for a message."""
    return repr(_shortened(value, 40))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) <= MAX_URL_NUMBER else None


def _preset_params(query, preset: kernels.Preset, warnings) -> dict[str, float]:
    params: dict[str, float] = {}
    for param in preset.params:
        if param.name not in query:
            continue
        value = _number(query[param.name])
        if value is None:
            warnings.append(
                f"The link's {param.name}={_quoted(query[param.name])} is not a number."
            )
            continue
        params[param.name] = int(value) if param.kind == "int" and value.is_integer() else value
    try:
        kernels.make(preset.name, **params)
    except FiltersError as exc:
        warnings.append(
            f"The link's parameters for {preset.label} were refused: {_shortened(str(exc), 200)}"
        )
        return {}
    return params


def _explicit_kernel(text: str, warnings) -> tuple[tuple[float, ...], ...] | None:
    try:
        kernel = kernels.parse(text, max_size=MAX_URL_KERNEL_SIDE)
    except FiltersError as exc:
        warnings.append(f"The link's kernel could not be read: {_shortened(str(exc), 200)}")
        return None
    if np.max(np.abs(kernel)) > MAX_URL_NUMBER:
        warnings.append(f"The link's kernel has values beyond ±{MAX_URL_NUMBER:g}.")
        return None
    return tuple(tuple(float(v) for v in row) for row in kernel)


def from_query(query: dict[str, str]) -> tuple[Demo, list[str]]:
    """Read a demo from query parameters; bad values fall back with a warning each.

    Parameters
    ----------
    query : mapping of str to str
        The URL's parameters (untrusted).

    Returns
    -------
    demo : Demo
    warnings : list of str
        One plain sentence per value that was refused.
    """
    warnings: list[str] = []
    default = Demo()
    if len(query) > MAX_URL_PARAMS:
        return default, [f"The link has more than {MAX_URL_PARAMS} parameters; it was ignored."]
    query = dict(query)
    for key in list(query):
        if not isinstance(query[key], str) or len(query[key]) > MAX_URL_VALUE_LENGTH:
            warnings.append(f"The link's {key[:40]!r} value is too long and was ignored.")
            del query[key]
    sample = _choice(query, "sample", tuple(samples.SAMPLES), default.sample, warnings)
    boundary = _choice(query, "boundary", tuple(BOUNDARIES), default.boundary, warnings)
    output = _choice(query, "output", OUTPUTS, default.output, warnings)
    backend = _choice(query, "backend", BACKENDS, default.backend, warnings)
    dtype = _choice(query, "dtype", DTYPES, default.dtype, warnings)
    colour = _choice(query, "colour", COLOURS, default.colour, warnings)
    display = _choice(query, "display", DISPLAYS, default.display, warnings)
    preview = default.preview
    if "preview" in query:
        value = _number(query["preview"])
        if value is not None and int(value) in PREVIEW_SIZES:
            preview = int(value)
        else:
            warnings.append(f"The link's preview={_quoted(query['preview'])} is not a known size.")

    demo = Demo(
        sample, default.preset, {}, None, boundary, output, backend, dtype, colour, preview, display
    )
    if "kernel" in query:
        values = _explicit_kernel(query["kernel"], warnings)
        if values is not None:
            return replace(demo, preset=None, kernel_values=values), warnings
    if "preset" in query:
        name = query["preset"]
        if name in kernels.PRESETS:
            params = _preset_params(query, kernels.PRESETS[name], warnings)
            return demo.with_preset(name, params), warnings
        warnings.append(f"The link's preset={_quoted(name)} is not a known kernel preset.")
    elif demo.preset is not None:
        params = _preset_params(query, kernels.PRESETS[demo.preset], warnings)
        demo = demo.with_preset(demo.preset, params)
    return demo, warnings
