"""The app's shared state: session keys in one place, and the shareable URL.

A *demo* is what a link reproduces: the sample image, the kernel (a preset with
its parameters, or explicit values up to 15×15) and the options. It lives in
``st.session_state`` under the keys below and is mirrored in the URL's query
parameters. Reading a URL never trusts it: every value is checked and bounded.
Nothing is substituted silently: a value that is refused (the default is used),
changed (a GPU link where no GPU is usable) or ignored (a parameter its preset
does not have) gets a warning sentence of its own.
"""

from __future__ import annotations

import math
import re
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
SIGNED_DISPLAYS = ("diverging", "relief")  # signed data: diverging colour map, or grey relief
PREVIEW_SIZES = (256, 384, 512, 768, 1024, 0)  # long side in pixels; 0 = full resolution
DEFAULT_PREVIEW = 512

MAX_URL_KERNEL_SIDE = 15
MAX_URL_VALUE_LENGTH = 8000  # a 15×15 kernel of full-precision floats fits
MAX_URL_PARAMS = 40
MAX_URL_NUMBER = 1e6
MODES = ("workbench", "present")
IMAGE_NAME = re.compile(r"[0-9a-f]{24}")  # ui.uploads.name_of: a content hash
#: Every preset parameter's name: link keys that only mean something with their preset.
PARAMETER_NAMES = tuple(
    sorted({param.name for preset in kernels.PRESETS.values() for param in preset.params})
)


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
    image: str | None = None  # the content name of an uploaded image (ui.uploads)
    mode: str = "workbench"  # or "present": the presentation layout
    signed: str = "diverging"  # signed data as a diverging colour map, or "relief" (grey)

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
    for name in (
        "sample",
        "boundary",
        "output",
        "backend",
        "dtype",
        "colour",
        "display",
        "mode",
        "signed",
    ):
        if getattr(demo, name) != getattr(default, name):
            query[name] = getattr(demo, name)
    if demo.preview != default.preview:
        query["preview"] = str(demo.preview)
    if demo.image is not None:
        query["image"] = demo.image
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


def _image_name(query, warnings) -> str | None:
    """The uploaded image a link names (its content name), if well formed."""
    if "image" not in query:
        return None
    if IMAGE_NAME.fullmatch(query["image"]):
        return query["image"]
    warnings.append(
        f"The link's image={_quoted(query['image'])} is not the name of an uploaded image "
        "(24 hexadecimal digits); the sample is shown."
    )
    return None


def _choice(query, name, choices, default, warnings):
    if name not in query:
        return default
    value = query[name]
    if value in choices:
        return value
    warnings.append(
        f"The link's {name}={_quoted(value)} is not one of {', '.join(choices)}; "
        f"the default, {default}, is used."
    )
    return default


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _quoted(value: str) -> str:
    """A short, plain rendering of an untrusted value for a message."""
    return repr(_shortened(value, 40))


NOT_A_NUMBER = "is not a number"
NOT_FINITE = "is not a finite number"
OUT_OF_RANGE = "is out of range"


def _read_number(text: str) -> tuple[float | None, str | None]:
    """``(value, None)`` for a finite number within ±MAX_URL_NUMBER, else ``(None, problem)``.

    ``problem`` tells apart text that is no number at all, ``nan``/``inf`` (not
    finite), and numbers too large to use (``1e308``, or ``1e999`` which only
    overflows to infinity).
    """
    try:
        value = float(text)
    except ValueError:
        return None, NOT_A_NUMBER
    if math.isnan(value) or (math.isinf(value) and "inf" in text.lower()):
        return None, NOT_FINITE
    if not abs(value) <= MAX_URL_NUMBER:
        return None, OUT_OF_RANGE
    return value, None


def _format_bound(value: float) -> str:
    return f"{value:g}"


def _preview(text: str, default: int, warnings: list[str]) -> int:
    """The preview size a link asks for; ``default`` (with a warning) when it is not one."""
    sizes = ", ".join(str(size) for size in PREVIEW_SIZES if size) + " or 0 (full resolution)"
    value, problem = _read_number(text)
    if value is not None and not value.is_integer():
        problem = "is not a whole number of pixels"
    elif value is not None and int(value) in PREVIEW_SIZES:
        return int(value)
    if problem is None:
        warnings.append(
            f"The link's preview={_quoted(text)} is not one of the sizes {sizes}; "
            f"the default, {default} px, is used."
        )
    else:
        warnings.append(
            f"The link's preview={_quoted(text)} {problem}; the sizes are {sizes}. "
            f"The default, {default} px, is used."
        )
    return default


def _param_value(param: kernels.Param, text: str) -> tuple[float | None, str | None]:
    """A link's value for one preset parameter, or ``(None, why it is refused)``."""
    bounds = f"({_format_bound(param.min)}..{_format_bound(param.max)})"
    value, problem = _read_number(text)
    if problem == OUT_OF_RANGE or (value is not None and not param.min <= value <= param.max):
        return None, f"{OUT_OF_RANGE} {bounds}"
    if value is None:
        return None, problem
    if param.kind == "float":
        return value, None
    default = _format_number(param.default)
    if not value.is_integer():
        return None, f"is not a whole number; the default {param.name} {default} is used"
    whole = int(value)
    if (whole - param.min) % param.step:
        if param.step == 2 and param.min % 2 == 1:
            grid = "an odd number"
        else:
            grid = f"{_format_bound(param.min)} plus a multiple of {_format_bound(param.step)}"
        return None, f"is not {grid} {bounds}"
    return whole, None


def _preset_params(query, preset: kernels.Preset, warnings) -> dict[str, float]:
    params: dict[str, float] = {}
    for param in preset.params:
        if param.name not in query:
            continue
        value, problem = _param_value(param, query[param.name])
        if problem is not None:
            default_value = _format_number(param.default)
            used = (
                ""
                if "is used" in problem
                else f"; the default {param.name} {default_value} is used"
            )
            warnings.append(
                f"The link's {param.name}={_quoted(query[param.name])} {problem}{used}."
            )
            continue
        params[param.name] = value
    try:
        kernels.make(preset.name, **params)
    except FiltersError as exc:  # a rule across parameters; none today, but never silently
        reason = _shortened(str(exc), 120)
        for name in params:
            warnings.append(
                f"The link's {name}={_quoted(query[name])} was refused: {reason} "
                "The preset's defaults are used."
            )
        return {}
    return params


def _ignored_params(query, used: kernels.Preset | None, warnings) -> None:
    """Warn about each preset parameter in the link that the demo does not use."""
    accepted = {param.name for param in used.params} if used is not None else set()
    for name in PARAMETER_NAMES:
        if name in query and name not in accepted:
            where = (
                "the link gives explicit kernel values"
                if used is None
                else f"{used.label} has no such parameter"
            )
            warnings.append(f"The link's {name}={_quoted(query[name])} was ignored: {where}.")


def _explicit_kernel(text: str, warnings) -> tuple[tuple[float, ...], ...] | None:
    try:
        kernel = kernels.parse(text, max_size=MAX_URL_KERNEL_SIDE)
    except FiltersError as exc:
        warnings.append(
            f"The link's kernel could not be read: {_shortened(str(exc), 200)} "
            "The default kernel is used."
        )
        return None
    if np.max(np.abs(kernel)) > MAX_URL_NUMBER:
        warnings.append(
            f"The link's kernel has values beyond ±{MAX_URL_NUMBER:g}; the default kernel is used."
        )
        return None
    return tuple(tuple(float(v) for v in row) for row in kernel)


def _backend(query, default: str, gpu_usable: bool | None, gpu_reason: str, warnings) -> str:
    backend = _choice(query, "backend", BACKENDS, default, warnings)
    if backend == "gpu" and gpu_usable is False:
        reason = _shortened(gpu_reason.strip().rstrip("."), 120)
        because = f" ({reason})" if reason else ""
        warnings.append(
            f"The link asks for the GPU backend, but no GPU is usable here{because}; "
            "the CPU is used."
        )
        return "cpu"
    return backend


def from_query(
    query: dict[str, str], *, gpu_usable: bool | None = None, gpu_reason: str = ""
) -> tuple[Demo, list[str]]:
    """Read a demo from query parameters; nothing a link asks for is changed silently.

    Parameters
    ----------
    query : mapping of str to str
        The URL's parameters (untrusted).
    gpu_usable : bool or None, optional
        Whether the GPU backend can run here; when False, a link asking for it
        gets the CPU and a warning. None (unknown) keeps the link's choice.
    gpu_reason : str, optional
        Why the GPU is not usable, for that warning.

    Returns
    -------
    demo : Demo
    warnings : list of str
        One plain sentence per value that was refused, changed or ignored. Every
        known key the demo does not reproduce is named in one of them; unknown
        keys are left alone. Values are quoted to at most 40 characters.
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
    backend = _backend(query, default.backend, gpu_usable, gpu_reason, warnings)
    dtype = _choice(query, "dtype", DTYPES, default.dtype, warnings)
    colour = _choice(query, "colour", COLOURS, default.colour, warnings)
    display = _choice(query, "display", DISPLAYS, default.display, warnings)
    preview = default.preview
    if "preview" in query:
        preview = _preview(query["preview"], default.preview, warnings)

    demo = Demo(
        sample, default.preset, {}, None, boundary, output, backend, dtype, colour, preview, display
    )
    demo = replace(
        demo,
        image=_image_name(query, warnings),
        mode=_choice(query, "mode", MODES, default.mode, warnings),
        signed=_choice(query, "signed", SIGNED_DISPLAYS, default.signed, warnings),
    )
    if "kernel" in query:
        values = _explicit_kernel(query["kernel"], warnings)
        if values is not None:
            if "preset" in query:
                warnings.append(
                    f"The link's preset={_quoted(query['preset'])} was ignored: the link also "
                    "gives explicit kernel values, which are used."
                )
            _ignored_params(query, None, warnings)
            return replace(demo, preset=None, kernel_values=values), warnings
    name = default.preset
    if "preset" in query:
        if query["preset"] in kernels.PRESETS:
            name = query["preset"]
        else:
            warnings.append(
                f"The link's preset={_quoted(query['preset'])} is not a known kernel preset; "
                "the default kernel is used."
            )
    preset = kernels.PRESETS[name]
    params = _preset_params(query, preset, warnings)
    _ignored_params(query, preset, warnings)
    return demo.with_preset(name, params), warnings
