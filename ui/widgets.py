"""Streamlit widgets shared by the pages: image source, options and kernel editor.

The current demo (:class:`ui.state.Demo`) in ``st.session_state`` is the single
source of truth. Widgets change it through callbacks; editors that show the
kernel are keyed by a version number that bumps whenever the kernel changes
elsewhere, so each editor always shows the current kernel.
"""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from filters import FiltersError, backends, images, kernels, samples
from ui import compute, state, uploads
from ui import text as plain_text
from ui.kernel_canvas import MAX_KERNEL_SIDE, kernel_canvas

MAX_KERNEL_FILE_BYTES = 200_000
THUMBNAIL_SIDE = 160  # long side of the gallery's pictures, in pixels
UPLOAD_TYPES = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp", "gif"]

BOUNDARY_LABELS = {
    "reflect": "reflect (MATLAB symmetric)",
    "constant": "constant (zero padding)",
    "mirror": "mirror (OpenCV default)",
    "nearest": "nearest (MATLAB replicate)",
    "wrap": "wrap (MATLAB circular)",
}
BOUNDARY_HELP = """How the image continues past its edges (the image is `a b c d`):

| here | extension | MATLAB imfilter | OpenCV |
|---|---|---|---|
| reflect | `d c b a │ a b c d │ d c b a` | 'symmetric' | BORDER_REFLECT |
| constant | `0 0 0 0 │ a b c d │ 0 0 0 0` | 0 (default) | BORDER_CONSTANT |
| mirror | `d c b │ a b c d │ c b a` | — | BORDER_REFLECT_101 (default) |
| nearest | `a a a │ a b c d │ d d d` | 'replicate' | BORDER_REPLICATE |
| wrap | `b c d │ a b c d │ a b c` | 'circular' | BORDER_WRAP |
"""
OUTPUT_LABELS = {
    "same": "same · H×W, centred like SciPy convolve2d",
    "full": "full · (H+kh−1)×(W+kw−1)",
    "valid": "valid · (H−kh+1)×(W−kw+1)",
}
OUTPUT_HELP = (
    "`same` keeps `full[(k−1)//2 :]` along each axis, centred like SciPy's `convolve2d`. "
    "For an even kernel side MATLAB's `conv2` and `imfilter` start one pixel later "
    "(`align='matlab'` in `filters`); the Questions page's conventions table maps SciPy, "
    "MATLAB, OpenCV and PyTorch onto this."
)
QUICK_KERNELS = {
    "Gaussian /273": ("gaussian273", {}),
    "Emboss": ("emboss", {}),
    "Sobel x": ("sobel_x", {}),
    "Shifted impulse": ("shift", {}),
    "Random": ("random", {}),
}

#: Escapes user text for Markdown; defined in ui.text and kept here for the pages that
#: call ``widgets.plain``.
plain = plain_text.plain


# ----------------------------------------------------------------------------
# Demo state
# ----------------------------------------------------------------------------


def demo() -> state.Demo:
    """The current demo, read from the URL on a session's first run."""
    if not st.session_state.get(state.URL_READ):
        gpu = backends.gpu_status()
        restored, warnings = state.from_query(
            st.query_params.to_dict(), gpu_usable=gpu.usable, gpu_reason=gpu.reason
        )
        st.session_state[state.DEMO] = restored
        st.session_state[state.URL_WARNINGS] = warnings
        st.session_state[state.KERNEL_VERSION] = 0
        st.session_state[state.URL_READ] = True
    return st.session_state[state.DEMO]


def set_demo(new: state.Demo, *, kernel_changed: bool = True) -> None:
    st.session_state[state.DEMO] = new
    if kernel_changed:
        st.session_state[state.KERNEL_VERSION] = st.session_state.get(state.KERNEL_VERSION, 0) + 1


def sync_url(current: state.Demo) -> None:
    """Mirror the demo in the URL (only when it changed)."""
    query = state.to_query(current)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def show_url_warnings() -> None:
    for message in st.session_state.pop(state.URL_WARNINGS, []):
        sentence = message.rstrip(".") + "."
        plain_text.warning(f"Link ignored in part: {sentence}")


# ----------------------------------------------------------------------------
# Image source (sidebar)
# ----------------------------------------------------------------------------


_LAST_GOOD_SOURCE = "last_good_source"  # (encoded bytes or None, label, source key)
_UPLOADER_GENERATION = "uploader_generation"  # bumps to clear the uploader and the camera
_SOURCE_SEEN = "image_source_seen"  # whether this session has drawn the image source yet
_SOURCE_GONE = "image_source_gone"  # a message to show once: the upload is no longer here
_SHARED_IMAGE = "shared_image"  # the content name of an upload a link named, while shown


@compute.kept
def _thumbnail(name: str) -> bytes:
    """A sample as a small PNG for the gallery, encoded once per process."""
    picture = images.resize_long_side(compute.sample(name), THUMBNAIL_SIDE)
    return images.encode_png(images.to_uint8(picture))


def _thumbnails() -> None:
    names = samples.sample_names()
    columns = st.columns(3)
    for index, name in enumerate(names):
        with columns[index % 3]:
            st.image(
                _thumbnail(name),
                caption=samples.SAMPLES[name].label,
                width="stretch",
                alt=f"Sample image: {samples.SAMPLES[name].label}",
            )


def _open_shared_image(current: state.Demo) -> state.Demo:
    """A link names an upload: show it (as an upload) if the server still has it, else say so."""
    if uploads.find(current.image) is not None:
        st.session_state[_SHARED_IMAGE] = current.image
        st.session_state["image_source"] = "Upload"
        return current
    plain_text.warning(
        "The image this link names is no longer on this server (uploads are kept for "
        f"{uploads.ttl_words()} after their last use, and a restart forgets them), so the "
        "sample is shown. Upload it again to share it."
    )
    return replace(current, image=None)


def _upload_gone() -> None:
    """The browser still lists an image this server no longer holds: say so, clear it."""
    st.session_state[_UPLOADER_GENERATION] = st.session_state.get(_UPLOADER_GENERATION, 0) + 1
    st.session_state[_SOURCE_GONE] = True
    st.session_state[_LAST_GOOD_SOURCE] = None
    st.rerun()


def image_source(current: state.Demo) -> state.Demo:
    """Sidebar: pick the image; store the working image in the session; return the demo."""
    st.subheader("Image")
    first_run = not st.session_state.get(_SOURCE_SEEN)
    st.session_state[_SOURCE_SEEN] = True
    if st.session_state.pop(_SOURCE_GONE, False):
        st.warning(
            "The image uploaded earlier is no longer on the server (it was restarted, or the "
            "upload expired), so the sample is shown. Upload it again to go on with it.",
            icon=":material/warning:",
        )
    if first_run and current.image is not None:
        current = _open_shared_image(current)
    source = st.radio(
        "Source",
        ["Sample", "Upload", "Webcam"],
        horizontal=True,
        key="image_source",
        label_visibility="collapsed",
    )
    data, label, source_key, chosen = None, "", "", current.sample
    if source == "Sample":
        names = samples.sample_names()
        chosen = st.selectbox(
            "Sample image",
            names,
            index=names.index(current.sample) if current.sample in names else 0,
            format_func=lambda name: samples.SAMPLES[name].label,
            key="sample_name",
        )
        info = samples.SAMPLES[chosen]
        st.caption(plain(info.description) + (f"  \n{plain(info.credit)}" if info.credit else ""))
        with st.expander("Gallery"):
            _thumbnails()
        label, source_key = info.label, f"sample:{chosen}"
    else:
        generation = st.session_state.get(_UPLOADER_GENERATION, 0)
        suffix = f"_{generation}" if generation else ""
        if source == "Upload":
            uploaded = st.file_uploader("Upload an image", type=UPLOAD_TYPES, key=f"upload{suffix}")
        else:
            uploaded = st.camera_input("Take a picture", key=f"webcam{suffix}")
        shared = st.session_state.get(_SHARED_IMAGE)
        shared_data = uploads.find(shared) if uploaded is None and shared else None
        if uploaded is None and shared_data is None and first_run and current.image is None:
            # A new session that starts on Upload or Webcam is a page reconnecting to a
            # restarted server: its browser may still list a file the server never got.
            _upload_gone()
        if uploaded is not None:
            data = uploaded.getvalue()
            label = uploaded.name if source == "Upload" else "Webcam picture"
            st.session_state[_SHARED_IMAGE] = None
        elif shared_data is not None:
            data, label = shared_data, "The image shared by the link"
            st.caption("Showing the image the link names; upload another to replace it.")
        if data is not None:
            source_key = f"bytes:{uploads.name_of(data)}"
    current = replace(current, sample=chosen)

    colour = st.radio(
        "Colour",
        state.COLOURS,
        index=state.COLOURS.index(current.colour),
        horizontal=True,
        key="colour",
        format_func=lambda c: "Colour" if c == "colour" else "Grey",
    )
    preview = st.selectbox(
        "Preview size (long side)",
        state.PREVIEW_SIZES,
        index=state.PREVIEW_SIZES.index(current.preview),
        format_func=lambda n: "full resolution" if n == 0 else f"{n} px",
        key="preview",
        help="Large images are filtered at this size; pick full resolution when you need it.",
    )
    current = replace(current, colour=colour, preview=preview)

    original = None
    if data is not None:
        try:
            original = compute.decode(data, preview)
        except FiltersError as exc:
            plain_text.error(exc)
            data = None
        else:
            # Kept for links once it is known to decode: the link names it.
            current = replace(current, image=uploads.keep(data))
    if original is None and source != "Sample":
        last_good = st.session_state.get(_LAST_GOOD_SOURCE)
        if last_good is not None:
            st.info("Showing the last good image.")
            data, label, source_key = last_good
            if data is not None:
                original = compute.decode(data, preview)
        elif not first_run:
            st.caption("No image uploaded yet: the sample is shown.")
    if original is None:
        current = replace(current, image=None)
        name = source_key.removeprefix("sample:") if source_key.startswith("sample:") else ""
        name = name if name in samples.SAMPLES else current.sample
        original = compute.sample_original(name)
        label, source_key = samples.SAMPLES[name].label, f"sample:{name}"
    st.session_state[_LAST_GOOD_SOURCE] = (data, label, source_key)

    large = data is not None and compute.is_large(original, colour, preview)
    image = compute.working_image(source_key, original, colour, preview)
    side = max(image.shape[:2]) if large else preview
    st.session_state[state.IMAGE] = image
    st.session_state[state.IMAGE_KEY] = f"{source_key}|{colour}|{side}"
    st.session_state[state.IMAGE_LABEL] = label
    st.session_state[state.FULL_SOURCE] = (source_key, data) if large else None
    height, width = image.shape[:2]
    kind = "colour" if image.ndim == 3 else "grey"
    full_width, full_height = original.size
    lines = [label, f"{width}×{height} {kind} (original {full_width}×{full_height})"]
    if large:
        lines[1] = f"{full_width}×{full_height} {kind}, full resolution"
        lines.append(
            f"Compare filters every pixel, in strips; the other pages use {width}×{height}."
        )
    st.text("\n".join(lines))
    return current


def _use_preview(size: int) -> None:
    st.session_state["preview"] = size
    set_demo(replace(demo(), preview=size), kernel_changed=False)


def too_large(exc: Exception, shape: tuple[int, ...]) -> None:
    """Say that a computation does not fit the memory budget, and offer a size that does."""
    plain_text.error(exc, icon=":material/memory:")
    fitting = compute.largest_fitting_preview(shape, state.PREVIEW_SIZES)
    if fitting is None:
        st.info("Nothing fits while the server is this busy: try again in a minute.")
        return
    st.button(
        f"Use a {fitting} px preview instead",
        key="use_fitting_preview",
        on_click=_use_preview,
        args=(fitting,),
        help="The largest preview size whose comparison fits in the memory left now.",
    )


# ----------------------------------------------------------------------------
# Options (sidebar)
# ----------------------------------------------------------------------------


def options(current: state.Demo) -> state.Demo:
    st.subheader("Options")
    boundary = st.selectbox(
        "Boundary",
        list(BOUNDARY_LABELS),
        index=list(BOUNDARY_LABELS).index(current.boundary),
        format_func=BOUNDARY_LABELS.get,
        key="boundary",
        help=BOUNDARY_HELP,
    )
    output = st.selectbox(
        "Output size",
        list(OUTPUT_LABELS),
        index=list(OUTPUT_LABELS).index(current.output),
        format_func=OUTPUT_LABELS.get,
        key="output",
        help=OUTPUT_HELP,
    )
    gpu = backends.gpu_status()
    choices = ["auto", "cpu", "gpu"] if gpu.usable else ["auto", "cpu"]
    backend = current.backend if current.backend in choices else "auto"
    backend = st.radio(
        "Backend",
        choices,
        index=choices.index(backend),
        horizontal=True,
        key="backend",
        format_func=str.upper,
    )
    if not gpu.usable:
        st.caption(f"GPU unavailable: {plain(gpu.reason)}")
    dtype = st.radio(
        "Precision",
        state.DTYPES,
        index=state.DTYPES.index(current.dtype),
        horizontal=True,
        key="dtype",
    )
    display = st.radio(
        "Show unsigned results",
        state.DISPLAYS,
        index=state.DISPLAYS.index(current.display),
        horizontal=True,
        key="display",
        format_func=lambda d: "clip to [0, 1]" if d == "clip" else "rescale min..max",
    )
    signed = st.radio(
        "Show signed results",
        state.SIGNED_DISPLAYS,
        index=state.SIGNED_DISPLAYS.index(current.signed),
        horizontal=True,
        key="signed",
        format_func=lambda s: "diverging colour" if s == "diverging" else "grey relief",
        help="Emboss, Sobel and differences have negative values. Diverging colour: red "
        "above 0, blue below. Grey relief: mid-grey = 0, white = +limit, black = −limit, "
        "the classic emboss picture (colour results by their luma). Kernels keep the "
        "diverging colours.",
    )
    return replace(
        current,
        boundary=boundary,
        output=output,
        backend=backend,
        dtype=dtype,
        display=display,
        signed=signed,
    )


# ----------------------------------------------------------------------------
# Kernel editor
# ----------------------------------------------------------------------------

_KERNEL_MESSAGE = "kernel_message"
_ACTION_RAN = "action_ran_"  # + a button's key: its callback ran for this click


def rerun() -> None:
    """Rerun the enclosing fragment, or the whole page when there is none."""
    try:
        st.rerun(scope="fragment")
    except st.errors.StreamlitAPIException:
        st.rerun()


def _apply_kernel(kernel: np.ndarray, message: str | None = None) -> None:
    largest = float(np.max(np.abs(kernel))) if np.size(kernel) else 0.0
    if largest > state.MAX_URL_NUMBER:
        # Beyond this the filtered values can overflow; links, the canvas and the
        # editor share the bound.
        st.session_state[_KERNEL_MESSAGE] = (
            "error",
            f"Kernel values must lie within ±{state.MAX_URL_NUMBER:g}; the largest "
            f"here is {largest:.3g}. The kernel was not changed.",
        )
        return
    set_demo(demo().with_kernel(kernel))
    if message:
        st.session_state[_KERNEL_MESSAGE] = ("info", message)


def _apply_preset(name: str, params: dict[str, float]) -> None:
    set_demo(demo().with_preset(name, params))


def _preset_changed() -> None:
    name = st.session_state["preset_name"]
    _apply_preset(name, {})


def _param_changed(name: str) -> None:
    preset = kernels.PRESETS[name]
    params = {p.name: st.session_state[f"param_{name}_{p.name}"] for p in preset.params}
    try:
        _apply_preset(name, params)
    except FiltersError as exc:
        st.session_state[_KERNEL_MESSAGE] = ("error", str(exc))


def _quick(name: str) -> None:
    _apply_preset(*QUICK_KERNELS[name])


def _normalise() -> None:
    try:
        _apply_kernel(kernels.normalize(demo().kernel()), "Normalised to sum 1.")
    except FiltersError as exc:
        st.session_state[_KERNEL_MESSAGE] = ("warning", str(exc))


def _random_asymmetric() -> None:
    seed = int(np.random.default_rng().integers(0, 10_000))
    size = demo().kernel().shape[0] if demo().kernel().shape[0] <= 15 else 5
    _apply_preset("random", {"size": max(3, min(size, 15)) | 1, "seed": seed})


def _ran(key: str, action, args) -> None:
    st.session_state[f"{_ACTION_RAN}{key}"] = True
    action(*args)


def action_button(where, label: str, *, key: str, action, args=(), **options) -> None:
    """A button that runs ``action(*args)`` once per click, even on a session that is new.

    Normally the click's callback runs ``action`` before the script. A session that
    a reconnecting page opened on a restarted server has no callbacks registered yet:
    the click then only makes the button return True, and the action runs here, and
    the page is drawn again with its result.
    """
    ran_key = f"{_ACTION_RAN}{key}"
    clicked = where.button(label, key=key, on_click=_ran, args=(key, action, args), **options)
    if clicked and not st.session_state.pop(ran_key, False):
        action(*args)
        rerun()


def _actions() -> None:
    # A row that wraps: in a narrow column, buttons move to a second line, labels stay whole.
    row = st.container(horizontal=True, gap="small")
    action_button(
        row,
        "Normalise",
        key="normalise",
        action=_normalise,
        width="stretch",
        help="Divide by the sum so the kernel keeps brightness (sum 1).",
    )
    action_button(
        row,
        "Flip 180°",
        key="flip",
        action=lambda: _apply_kernel(kernels.flip(demo().kernel())),
        width="stretch",
    )
    action_button(
        row,
        "Transpose",
        key="transpose",
        action=lambda: _apply_kernel(demo().kernel().T.copy()),
        width="stretch",
    )
    action_button(
        row,
        "Randomise",
        key="randomise",
        action=_random_asymmetric,
        width="stretch",
        help="A random asymmetric kernel of the current size.",
    )
    action_button(
        row,
        "Reset",
        key="reset",
        action=lambda: _apply_preset(kernels.DEFAULT_PRESET, {}),
        width="stretch",
        help="Back to the classic 5×5 Gaussian /273.",
    )


def _quick_index(current: state.Demo) -> int | None:
    """Which quick pick the demo shows (None for any other kernel)."""
    for index, (preset, params) in enumerate(QUICK_KERNELS.values()):
        if current.preset == preset and (preset == "random" or current.params == params):
            return index
    return None


def _apply_key(actions: str) -> bool:
    """Apply keyboard actions (ui.present.KEYS; several keys pressed in quick succession
    arrive together, separated by spaces) to the demo, in order; whether any was one."""
    applied = [_apply_one_key(action) for action in actions.split()]
    return any(applied)


def _apply_one_key(action: str) -> bool:
    names = list(QUICK_KERNELS)
    if action in ("next", "previous"):
        index = _quick_index(demo())
        step = 1 if action == "next" else -1
        start = -1 if index is None and step == 1 else (0 if index is None else index)
        _quick(names[(start + step) % len(names)])
    elif action == "flip":
        _apply_kernel(kernels.flip(demo().kernel()))
    elif action == "transpose":
        _apply_kernel(demo().kernel().T.copy())
    elif action == "gaussian":
        _apply_preset(kernels.DEFAULT_PRESET, {})
    else:
        return False
    return True


def on_key(key: str) -> None:
    """Callback of the keyboard component ``key``: apply the key pressed, before the run."""
    state_value = st.session_state.get(key)
    action = state_value.get("key") if isinstance(state_value, dict) else None
    if action and _apply_key(action):
        st.session_state[f"{_ACTION_RAN}{key}"] = True


def keyboard_action(key: str, action: str | None) -> None:
    """Apply a key the callback could not (a session with no callbacks yet), and redraw."""
    ran = st.session_state.pop(f"{_ACTION_RAN}{key}", False)
    if action and not ran and _apply_key(action):
        rerun()


def presentation_toggle(current: state.Demo) -> state.Demo:
    """Sidebar: the presentation layout (large type, results first, keys on screen)."""
    present = st.toggle(
        "Presentation mode",
        value=current.mode == "present",
        key="presentation_mode",
        help="For a projector: large type, the four pictures first, keyboard keys and a "
        "QR code of the link. The link keeps it (mode=present).",
    )
    return replace(current, mode="present" if present else "workbench")


def quick_picks() -> None:
    """One click between the symmetric Gaussian and asymmetric kernels.

    One row that wraps (a single container, not a column per button): every kernel
    edit draws it again.
    """
    row = st.container(horizontal=True, gap="small")
    for name in QUICK_KERNELS:
        action_button(row, name, key=f"quick_{name}", action=_quick, args=(name,), width="stretch")


def _preset_tab(current: state.Demo) -> None:
    names = list(kernels.PRESETS)
    chosen = current.preset if current.preset in kernels.PRESETS else None
    st.session_state.setdefault("preset_name", chosen or kernels.DEFAULT_PRESET)
    if chosen is not None and st.session_state["preset_name"] != chosen:
        st.session_state["preset_name"] = chosen
    st.selectbox(
        "Preset",
        names,
        key="preset_name",
        on_change=_preset_changed,
        format_func=lambda n: kernels.PRESETS[n].label,
    )
    preset = kernels.PRESETS[st.session_state["preset_name"]]
    st.caption(plain(preset.description))
    if chosen is None:
        st.caption("The current kernel is custom; changing a preset or parameter replaces it.")
    for param in preset.params:
        key = f"param_{preset.name}_{param.name}"
        value = (
            current.params.get(param.name, param.default)
            if chosen == preset.name
            else param.default
        )
        if param.kind == "int":
            st.session_state[key] = int(value)
            st.slider(
                param.label,
                int(param.min),
                int(param.max),
                step=int(param.step),
                key=key,
                on_change=_param_changed,
                args=(preset.name,),
            )
        else:
            st.session_state[key] = float(value)
            st.slider(
                param.label,
                float(param.min),
                float(param.max),
                step=float(param.step),
                key=key,
                on_change=_param_changed,
                args=(preset.name,),
            )


def _resized(kernel: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Crop or zero-pad a kernel around its centre to rows×cols."""
    out = np.zeros((rows, cols))
    kh, kw = kernel.shape
    top, left = (rows - kh) // 2, (cols - kw) // 2
    src_rows = slice(max(0, -top), max(0, -top) + min(kh, rows))
    src_cols = slice(max(0, -left), max(0, -left) + min(kw, cols))
    out[max(0, top) : max(0, top) + min(kh, rows), max(0, left) : max(0, left) + min(kw, cols)] = (
        kernel[src_rows, src_cols]
    )
    return out


def _grid_tab(kernel: np.ndarray, version: int) -> None:
    if max(kernel.shape) > MAX_KERNEL_SIDE:
        st.info(
            f"The grid edits kernels up to {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}; this one is "
            f"{kernel.shape[0]}×{kernel.shape[1]}. Use the text tab instead."
        )
        return
    size_columns = st.columns(2)
    rows = size_columns[0].number_input(
        "Rows", 1, MAX_KERNEL_SIDE, kernel.shape[0], key=f"grid_rows_{version}"
    )
    cols = size_columns[1].number_input(
        "Columns", 1, MAX_KERNEL_SIDE, kernel.shape[1], key=f"grid_cols_{version}"
    )
    if (rows, cols) != kernel.shape:
        _apply_kernel(_resized(kernel, int(rows), int(cols)))
        rerun()
    frame = pd.DataFrame(kernel, columns=[str(c) for c in range(kernel.shape[1])])
    edited = st.data_editor(frame, key=f"grid_{version}", hide_index=False, width="stretch")
    values = edited.to_numpy(dtype=np.float64, na_value=np.nan)
    if values.shape == kernel.shape and not np.array_equal(values, kernel):
        if np.isfinite(values).all():
            set_demo(demo().with_kernel(values), kernel_changed=False)
        else:
            st.error("Every cell needs a number; empty cells were not applied.")


def _text_tab(kernel: np.ndarray, version: int) -> None:
    key = f"kernel_text_{version}"
    st.session_state.setdefault(key, kernels.to_text(kernel, precision=6))
    st.text_area(
        "Kernel as text",
        key=key,
        height=160,
        help="Numbers separated by spaces or commas; rows by new lines or ';'. "
        "Brackets and a leading factor are fine: 1/16 * [1 2 1; 2 4 2; 1 2 1]",
    )
    if st.button("Use this kernel", key=f"use_text_{version}"):
        try:
            parsed = kernels.parse(st.session_state[key])
        except FiltersError as exc:
            plain_text.error(f"{str(exc).rstrip('.')}. The previous kernel is still in use.")
        else:
            _apply_kernel(parsed)
            rerun()


def _draw_tab(kernel: np.ndarray) -> None:
    if max(kernel.shape) > MAX_KERNEL_SIDE:
        st.info(f"Drawing works on kernels up to {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}.")
        return
    st.caption("Drag across cells to paint: each cell changes once per stroke.")
    drawn = kernel_canvas(kernel, key="kernel_canvas")
    if drawn is not None and not np.array_equal(drawn, kernel):
        set_demo(demo().with_kernel(drawn), kernel_changed=False)


def read_kernel_file(name: str, data: bytes) -> np.ndarray:
    """A kernel from an uploaded CSV/TXT (text) or NPY (no pickles) file."""
    if len(data) > MAX_KERNEL_FILE_BYTES:
        raise FiltersError(f"The kernel file is larger than {MAX_KERNEL_FILE_BYTES // 1000} kB.")
    if name.lower().endswith(".npy"):
        try:
            array = np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise FiltersError(
                f"The file is not a readable NPY array: {plain_text.quote(exc)}."
            ) from None
        return kernels.validate_kernel(array)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FiltersError("The file is not UTF-8 text; save it as CSV.") from None
    return kernels.parse(text)


def _upload_tab(version: int) -> None:
    uploaded = st.file_uploader(
        "CSV, TXT or NPY", type=["csv", "txt", "npy"], key=f"kernel_file_{version}"
    )
    if uploaded is not None:
        try:
            loaded = read_kernel_file(uploaded.name, uploaded.getvalue())
        except FiltersError as exc:
            plain_text.error(f"{str(exc).rstrip('.')}. The previous kernel is still in use.")
        else:
            _apply_kernel(loaded, f"Loaded a {loaded.shape[0]}×{loaded.shape[1]} kernel.")
            rerun()


#: Session-state key of the kernel editor's open tab (its label).
KERNEL_TAB = "kernel_tab"


def kernel_editor(current: state.Demo) -> np.ndarray:
    """Presets, grid, text, drawing and file upload; returns the current kernel."""
    version = st.session_state.get(state.KERNEL_VERSION, 0)
    kernel = current.kernel()
    # Only the open tab runs and reaches the browser (switching tabs reruns): a kernel
    # edit then redraws one tab's widgets, not the grid, canvas and uploader as well.
    contents = {
        "Presets": lambda: _preset_tab(current),
        "Grid": lambda: _grid_tab(kernel, version),
        "Text": lambda: _text_tab(kernel, version),
        "Draw": lambda: _draw_tab(kernel),
        "Upload": lambda: _upload_tab(version),
    }
    tabs = st.tabs(list(contents), key=KERNEL_TAB, on_change="rerun")
    for tab, content in zip(tabs, contents.values(), strict=True):
        if tab.open:
            with tab:
                content()
    _actions()
    message = st.session_state.pop(_KERNEL_MESSAGE, None)
    if message:
        plain_text.message(*message)
    return demo().kernel()
