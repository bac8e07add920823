"""Downloads, the "reproduce in Python" snippet, and reading kernel files."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

import filters
from filters import FiltersError, images, kernels, samples
from ui import exports, figures, widgets
from ui.state import Demo

FAST = settings(max_examples=50, deadline=None)


# ---------------------------------------------------------------------------- NPY, CSV, PNG


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.float64).reshape(3, 4) / 7,
        np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 4, 3),
        np.arange(40.0).reshape(5, 8)[::2, ::3],  # not contiguous
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    ],
    ids=["float64", "float32 colour", "strided", "fortran"],
)
def test_npy_bytes_round_trip_without_pickles(array: np.ndarray) -> None:
    loaded = np.load(io.BytesIO(exports.npy_bytes(array)), allow_pickle=False)
    assert loaded.dtype == array.dtype
    assert loaded.shape == array.shape
    np.testing.assert_array_equal(loaded, array)


@FAST
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 20), st.integers(1, 20)),
        # Kernel text is read within ±1e6, the bound every kernel in the app keeps.
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    )
)
def test_kernel_csv_parses_back_exactly(kernel: np.ndarray) -> None:
    text = exports.kernel_csv(kernel)
    np.testing.assert_array_equal(kernels.parse(text), kernel)
    assert text.count("\n") == kernel.shape[0]


def test_kernel_csv_reads_back_through_the_upload_tab() -> None:
    kernel = kernels.make("gaussian", size=7, sigma=1.3)
    data = exports.kernel_csv(kernel).encode()
    np.testing.assert_array_equal(widgets.read_kernel_file("kernel.csv", data), kernel)


def _decoded_png(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG"
        return np.asarray(picture)


def test_result_png_of_a_grey_result() -> None:
    values = np.linspace(0, 1, 6 * 9).reshape(6, 9)
    pixels = _decoded_png(exports.result_png(values, "clip"))
    assert pixels.shape == (6, 9)
    np.testing.assert_array_equal(pixels, images.to_uint8(values))


def test_result_png_of_a_colour_result() -> None:
    values = np.random.default_rng(1).random((7, 5, 3))
    pixels = _decoded_png(exports.result_png(values, "clip"))
    assert pixels.shape == (7, 5, 3)
    np.testing.assert_array_equal(pixels, images.to_uint8(values))


def test_result_png_rescales_when_asked() -> None:
    values = np.array([[0.2, 0.3], [0.4, 0.6]])
    pixels = _decoded_png(exports.result_png(values, "rescale"))
    assert pixels.min() == 0 and pixels.max() == 255


def test_result_png_of_a_signed_result_uses_the_diverging_map() -> None:
    values = np.array([[-1.0, 0.0, 1.0], [0.5, -0.5, 0.0]])
    pixels = _decoded_png(exports.result_png(values, "clip"))
    assert pixels.shape == (2, 3, 3)
    np.testing.assert_array_equal(pixels, figures.panel_rgb(figures.Panel("", values, True)))
    assert not np.array_equal(pixels[0, 0], pixels[0, 2])


# ---------------------------------------------------------------------------- the snippet


def _run_snippet(code: str) -> dict:
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace


def _image_as_the_app_makes_it(demo: Demo) -> np.ndarray:
    image = samples.load_sample(demo.sample)
    if demo.colour == "grey":
        image = images.to_grey(image)
    if demo.preview:
        image = images.resize_long_side(image, demo.preview)
    return image


EMBOSS = kernels.make("emboss")
EVEN = np.array([[1.0, 2.0], [3.0, -4.0]]) / 3


@pytest.mark.parametrize("boundary", sorted(filters.BOUNDARIES))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_snippet_is_valid_python_and_reproduces_the_app(boundary: str, dtype: str) -> None:
    demo = Demo(sample="chelsea", boundary=boundary, dtype=dtype, preview=256)
    code = exports.python_snippet(EMBOSS, demo, samples.SAMPLES["chelsea"].label, from_sample=True)
    compile(code, "<snippet>", "exec")
    namespace = _run_snippet(code)
    image = _image_as_the_app_makes_it(demo)
    np.testing.assert_array_equal(namespace["image"], image)
    np.testing.assert_array_equal(namespace["kernel"], EMBOSS)
    options = dict(boundary=boundary, output="same", dtype=np.dtype(dtype))
    expected = filters.convolve(image, EMBOSS, **options)
    assert namespace["convolution"].dtype == np.dtype(dtype)
    np.testing.assert_array_equal(namespace["convolution"], expected)
    np.testing.assert_array_equal(
        namespace["correlation"], filters.correlate(image, EMBOSS, **options)
    )
    np.testing.assert_allclose(namespace["via_fft"], expected, atol=1e-4)


def test_the_snippet_at_full_resolution_does_not_resize() -> None:
    code = exports.python_snippet(
        EMBOSS, Demo(sample="letter_f", preview=0), "Letter F", from_sample=True
    )
    assert "resize_long_side" not in code
    assert _run_snippet(code)["image"].shape == samples.load_sample("letter_f").shape


def test_the_snippet_writes_kernel_values_exactly() -> None:
    kernel = np.array([[0.1, 1 / 3, -2e-17], [1e300, -0.0, 7.0]])
    code = exports.python_snippet(
        kernel, Demo(sample="letter_f", preview=256), "Letter F", from_sample=True
    )
    np.testing.assert_array_equal(_run_snippet(code)["kernel"], kernel)


# ---------------------------------------------------------------------------- download files


def _comparison(kernel: np.ndarray, dtype: str = "float64", sample: str = "letter_f"):
    image = samples.load_sample(sample)
    return filters.compare(image, kernel, dtype=np.dtype(dtype)), image


def _files(kernel: np.ndarray, demo: Demo) -> dict:
    result, _ = _comparison(kernel, demo.dtype, demo.sample)
    result_key = f"{demo.sample}|{kernel.tobytes().hex()}|{demo.dtype}"
    files = exports.download_files(result, kernel, demo, result_key)
    return {file.file_name: file for file in files}


def _loaded(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_npy_keeps_the_chosen_precision(dtype: str) -> None:
    demo = Demo(sample="letter_f", dtype=dtype)
    files = _files(EMBOSS, demo)
    npys = [name for name in files if name.endswith(".npy")]
    assert sorted(npys) == [
        "conv_minus_corr.npy",
        "convolution.npy",
        "correlation.npy",
        "fft.npy",
    ]
    for name in npys:
        assert _loaded(files[name].make()).dtype == np.dtype(dtype), name


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_each_download_holds_its_result(dtype: str) -> None:
    demo = Demo(sample="letter_f", dtype=dtype, display="rescale")
    result, image = _comparison(EMBOSS, dtype)
    key = f"letter_f|emboss|{dtype}"  # like ui.compute.result_key: names the whole result
    files = {f.file_name: f for f in exports.download_files(result, EMBOSS, demo, key)}
    options = {"boundary": demo.boundary, "output": demo.output, "dtype": np.dtype(dtype)}
    np.testing.assert_array_equal(
        _loaded(files["convolution.npy"].make()), filters.convolve(image, EMBOSS, **options)
    )
    np.testing.assert_array_equal(
        _loaded(files["correlation.npy"].make()), filters.correlate(image, EMBOSS, **options)
    )
    np.testing.assert_array_equal(_loaded(files["fft.npy"].make()), result.fft)
    difference = (result.convolution - result.correlation).astype(dtype)
    np.testing.assert_array_equal(_loaded(files["conv_minus_corr.npy"].make()), difference)
    for name in ("convolution", "correlation", "fft"):
        expected = exports.result_png(getattr(result, name), "rescale")
        assert files[f"{name}.png"].make() == expected
    np.testing.assert_array_equal(kernels.parse(files["kernel.csv"].make().decode()), EMBOSS)


def test_download_buttons_keep_their_keys_and_names() -> None:
    files = exports.download_files(_comparison(EMBOSS)[0], EMBOSS, Demo(), "r")
    assert [(f.key, f.label) for f in files[:2]] == [
        ("download_convolution_png", "PNG"),
        ("download_convolution_npy", "NPY"),
    ]
    assert files[-1].key == "download_kernel_csv" and files[-1].file_name == "kernel.csv"
    assert len({f.key for f in files}) == len(files) == 9


def test_the_same_result_gives_the_same_files_and_another_result_others() -> None:
    first = exports.download_files(_comparison(EMBOSS)[0], EMBOSS, Demo(), "r")
    again = exports.download_files(_comparison(EMBOSS)[0], EMBOSS, Demo(), "r")
    assert [f.content_key for f in first] == [f.content_key for f in again]
    other = exports.download_files(_comparison(EVEN)[0], EVEN, Demo(), "other")
    assert not {f.content_key for f in first} & {f.content_key for f in other}


def _on_screen(*files: exports.DownloadFile) -> dict[str, exports.DownloadFile]:
    return {file.key: file for file in files}


def _npy_file(kernel: np.ndarray, result_key: str) -> exports.DownloadFile:
    files = exports.download_files(_comparison(kernel)[0], kernel, Demo(), result_key)
    (file,) = [f for f in files if f.file_name == "convolution.npy"]
    return file


def test_a_button_serves_the_file_on_screen() -> None:
    emboss = _npy_file(EMBOSS, "letter_f|emboss")
    on_screen = _on_screen(emboss)
    button = exports.Button(emboss.key, on_screen)
    assert button() == emboss.make()
    assert button() == emboss.make()  # again: the same file


def test_a_button_drawn_before_its_result_was_replaced_serves_the_new_one() -> None:
    """A click on the previous run's button, arriving after the new result was
    drawn, downloads the new result, not the replaced one."""
    emboss, even = _npy_file(EMBOSS, "letter_f|emboss"), _npy_file(EVEN, "letter_f|even")
    on_screen = _on_screen(emboss)
    button = exports.Button(emboss.key, on_screen)
    on_screen.update(_on_screen(even))
    assert button() == even.make()
    np.testing.assert_array_equal(
        _loaded(button()), filters.convolve(samples.load_sample("letter_f"), EVEN)
    )


def test_a_button_never_serves_two_results() -> None:
    emboss, even = _npy_file(EMBOSS, "letter_f|emboss"), _npy_file(EVEN, "letter_f|even")
    on_screen = _on_screen(emboss)
    button = exports.Button(emboss.key, on_screen)
    assert button() == emboss.make()
    on_screen.update(_on_screen(even))
    with pytest.raises(exports.ReplacedResultError, match="replaced again"):
        button()
    with pytest.raises(exports.ReplacedResultError):
        exports.Button("download_nothing", on_screen)()


def test_two_buttons_never_share_a_stored_file_even_when_streamlit_would() -> None:
    """Streamlit names a stored file by its MIME type, its name and, for files over
    1 MiB, a fingerprint of their length and three 64 KiB samples of their bytes.
    Two results that agree in those samples (flat bands at the top, middle and
    bottom of a picture) must still be served as two files."""
    from streamlit.runtime.media_file_storage import MediaFileKind
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    image = np.zeros((512, 512))
    image[100, 300] = 1.0  # away from the sampled rows
    demo = Demo(sample="impulse")
    storage = MemoryMediaFileStorage("/media")
    stored = []
    for name in ("emboss", "sobel_x"):
        kernel = kernels.make(name)
        files = exports.download_files(filters.compare(image, kernel), kernel, demo, f"dot|{name}")
        (file,) = [f for f in files if f.file_name == "convolution.npy"]
        button = exports.Button(file.key, _on_screen(file))
        data = button()
        assert len(data) > 1 << 20
        mime = button.mime(file.mime)
        stored.append(
            (storage.load_and_get_id(data, mime, MediaFileKind.DOWNLOADABLE, "c.npy"), data)
        )
    (first_id, first), (second_id, second) = stored
    assert first != second
    assert first_id != second_id
    assert storage.get_file(second_id).content == second


def _download_page() -> None:
    import filters
    from filters import kernels, samples
    from ui import exports
    from ui.state import Demo

    kernel = kernels.make("emboss")
    result = filters.compare(samples.load_sample("letter_f"), kernel)
    exports.downloads(result, kernel, Demo(), "letter_f|emboss")


def test_the_page_draws_nine_deferred_buttons_and_records_their_files() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_download_page).run()
    assert not at.exception
    assert len(at.get("download_button")) == 9
    on_screen = at.session_state[exports.ON_SCREEN]
    result = filters.compare(samples.load_sample("letter_f"), EMBOSS)
    files = exports.download_files(result, EMBOSS, Demo(), "letter_f|emboss")
    assert {key: file.content_key for key, file in on_screen.items()} == {
        file.key: file.content_key for file in files
    }


# ---------------------------------------------------------------------------- kernel files


def _npy(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_read_kernel_file_csv() -> None:
    kernel = widgets.read_kernel_file("k.csv", b"1,2,1\n2,4,2\n1,2,1\n")
    np.testing.assert_array_equal(kernel, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert kernel.dtype == np.float64


def test_read_kernel_file_text_with_bom_crlf_and_a_factor() -> None:
    data = "\ufeff1/4 * [1 2;\r\n 3 4]\r\n".encode()
    np.testing.assert_array_equal(
        widgets.read_kernel_file("K.TXT", data), [[0.25, 0.5], [0.75, 1.0]]
    )


@pytest.mark.parametrize("name", ["k.npy", "K.NPY"])
def test_read_kernel_file_npy(name: str) -> None:
    kernel = np.arange(15, dtype=np.int16).reshape(3, 5)
    loaded = widgets.read_kernel_file(name, _npy(kernel))
    assert loaded.dtype == np.float64
    np.testing.assert_array_equal(loaded, kernel)


def test_a_pickled_npy_is_refused_and_never_unpickled() -> None:
    class Exploding:
        def __reduce__(self):
            return (pytest.fail, ("the kernel file was unpickled",))

    array = np.empty((1, 1), dtype=object)
    array[0, 0] = Exploding()
    with pytest.raises(FiltersError, match="NPY"):
        widgets.read_kernel_file("evil.npy", _npy(array, allow_pickle=True))


@pytest.mark.parametrize(
    "array, match",
    [
        (np.ones((2, 2, 2)), "2-D"),
        (np.ones((2, 2), dtype=complex), "real"),
        (np.ones((2, 2), dtype=bool), "real"),
        (np.array([[1.0, np.nan]]), "NaN"),
        (np.zeros((0, 3)), "at least one"),
        (np.ones((64, 64)), "at most"),
    ],
    ids=["3-D", "complex", "bool", "NaN", "empty", "64x64"],
)
def test_npy_files_that_are_not_kernels_are_refused(array: np.ndarray, match: str) -> None:
    with pytest.raises(FiltersError, match=match):
        widgets.read_kernel_file("k.npy", _npy(array))


@pytest.mark.parametrize(
    "data",
    [b"", b"not an npy file", _npy(np.ones((3, 3)))[:-20], b"\x93NUMPY\x01\x00\xff\xff{'descr"],
    ids=["empty", "text", "truncated", "bad header"],
)
def test_broken_npy_files_are_refused(data: bytes) -> None:
    with pytest.raises(FiltersError):
        widgets.read_kernel_file("k.npy", data)


@pytest.mark.parametrize("name", ["big.csv", "big.npy"])
def test_oversized_kernel_files_are_refused_before_reading(name: str) -> None:
    data = b"1," * (widgets.MAX_KERNEL_FILE_BYTES // 2) + b"1"
    assert len(data) > widgets.MAX_KERNEL_FILE_BYTES
    with pytest.raises(FiltersError, match="kB"):
        widgets.read_kernel_file(name, data)


def test_files_within_the_size_limit_are_read() -> None:
    largest = np.random.default_rng(2).standard_normal((kernels.MAX_KERNEL_SIZE,) * 2)
    data = _npy(largest)
    assert len(data) <= widgets.MAX_KERNEL_FILE_BYTES
    np.testing.assert_array_equal(widgets.read_kernel_file("k.npy", data), largest)
    padded = b"1 2 3\n" + b" " * 90_000 + b"\n4 5 6\n"
    np.testing.assert_array_equal(widgets.read_kernel_file("k.csv", padded), [[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize(
    "data", [b"\xff\xfe1\x002\x00", b"1,2\n3,\xe9\n"], ids=["UTF-16", "Latin-1"]
)
def test_non_utf8_kernel_files_are_refused(data: bytes) -> None:
    with pytest.raises(FiltersError, match="UTF-8"):
        widgets.read_kernel_file("k.csv", data)


@pytest.mark.parametrize(
    "text, match",
    [("1 2; 3", "row 2"), ("1 x 3", "column 2"), ("", "empty"), ("1,2\n3,inf", "finite")],
)
def test_bad_kernel_text_files_name_the_problem(text: str, match: str) -> None:
    with pytest.raises(FiltersError, match=match):
        widgets.read_kernel_file("k.txt", text.encode())
