"""The NumPy/SciPy-only "reproduce in Python" snippet runs anywhere and gives the app's numbers.

Every snippet is written to a directory of its own beside a small saved image, and
all of them run in one isolated interpreter (``python -I``: the repository is not on
the path, and the working directory is a temporary one), which saves what each
computed. The arrays must equal ``filters.convolve``, ``correlate`` and
``fft_convolve`` up to float rounding, for every boundary, output, kernel shape (odd,
even, mixed), grey and colour image and precision.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import filters
from filters import samples
from ui import exports
from ui.state import Demo

#: (boundary, cval): every rule, and "constant" with and without zero padding.
BOUNDARIES = [(b, 0.0) for b in sorted(filters.BOUNDARIES)] + [("constant", 0.25)]
OUTPUTS = ("same", "full", "valid")
KERNELS = {
    "3x5": np.arange(15.0).reshape(3, 5) / 7 - 1,
    "4x2": np.array([[1.0, -2.0], [3.0, 0.5], [-1.0, 2.0], [0.25, 4.0]]),
    "2x3": np.array([[0.0, 1.0, -3.0], [2.0, 1 / 3, 1.0]]),
}
SHAPES = {"grey": (7, 9), "colour": (6, 8, 3)}
DTYPES = ("float64", "float32")
#: Rounding allowed, relative to max|I| · Σ|K|: summation orders differ between routes.
RELATIVE = {"float64": 1e-12, "float32": 1e-5}

#: Runs every snippet below the current directory; saves its arrays beside it.
DRIVER = """
import os, runpy, sys
import numpy as np

for case in sorted(os.listdir(".")):
    if not os.path.isdir(case):
        continue
    os.chdir(case)
    names = runpy.run_path("snippet.py")
    np.savez("results.npz", **{k: names[k] for k in ("convolution", "correlation", "via_fft")})
    os.chdir("..")
print("imported filters" if "filters" in sys.modules else "filters never imported")
"""


def _cases():
    for (boundary, cval), output, kernel, colour, dtype in itertools.product(
        BOUNDARIES, OUTPUTS, KERNELS, SHAPES, DTYPES
    ):
        name = f"{boundary}-{cval}-{output}-{kernel}-{colour}-{dtype}"
        yield name, boundary, cval, output, kernel, colour, dtype


@pytest.fixture(scope="module")
def snippet_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Write every case, run them all in one isolated interpreter; (directory, stdout)."""
    root = tmp_path_factory.mktemp("snippets")
    rng = np.random.default_rng(7)
    images = {name: rng.random(shape) for name, shape in SHAPES.items()}
    for name, boundary, cval, output, kernel, colour, dtype in _cases():
        case = root / name
        case.mkdir()
        np.save(case / exports.INPUT_FILE, images[colour])
        demo = Demo(boundary=boundary, output=output, dtype=dtype)
        code = exports.numpy_snippet(KERNELS[kernel], demo, cval=cval)
        (case / "snippet.py").write_text(code, encoding="utf-8")
    (root / "driver.py").write_text(DRIVER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-I", "driver.py"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return root, done.stdout


def test_the_snippets_run_without_the_project(snippet_runs: tuple[Path, str]) -> None:
    root, stdout = snippet_runs
    assert stdout.strip().endswith("filters never imported")
    assert stdout.count("max |convolution - correlation|:") == len(list(_cases()))
    for snippet in root.glob("*/snippet.py"):
        assert "filters" not in snippet.read_text().split("\n\n")[0]  # the imports


@pytest.mark.parametrize("boundary", sorted(filters.BOUNDARIES))
def test_the_snippet_gives_the_numbers_of_filters(
    snippet_runs: tuple[Path, str], boundary: str
) -> None:
    """Every output, kernel, image and dtype of one boundary (constant: both cvals)."""
    root, _ = snippet_runs
    checked = 0
    for name, case_boundary, cval, output, kernel_name, _colour, dtype in _cases():
        if case_boundary != boundary:
            continue
        image = np.load(root / name / exports.INPUT_FILE)
        kernel = KERNELS[kernel_name]
        options = dict(boundary=boundary, output=output, cval=cval, dtype=np.dtype(dtype))
        expected = {
            "convolution": filters.convolve(image, kernel, **options),
            "correlation": filters.correlate(image, kernel, **options),
            "via_fft": filters.fft_convolve(image, kernel, **options),
        }
        tolerance = RELATIVE[dtype] * np.abs(image).max() * np.abs(kernel).sum()
        with np.load(root / name / "results.npz") as results:
            for key, wanted in expected.items():
                got = results[key]
                assert got.dtype == wanted.dtype, (name, key)
                assert got.shape == wanted.shape, (name, key)
                np.testing.assert_allclose(got, wanted, rtol=0, atol=tolerance, err_msg=name)
        checked += 1
    assert checked == len(OUTPUTS) * len(KERNELS) * len(SHAPES) * len(DTYPES) * (
        2 if boundary == "constant" else 1
    )


def test_the_snippet_names_the_boundary_in_numpys_words() -> None:
    kernel = KERNELS["3x5"]
    assert 'mode="symmetric"' in exports.numpy_snippet(kernel, Demo(boundary="reflect"))
    assert 'mode="reflect"' in exports.numpy_snippet(kernel, Demo(boundary="mirror"))
    assert 'mode="edge"' in exports.numpy_snippet(kernel, Demo(boundary="nearest"))
    zero = exports.numpy_snippet(kernel, Demo(boundary="constant"))
    assert "constant_values=0.0" in zero and "zero padding" in zero
    assert "constant_values=0.5" in exports.numpy_snippet(
        kernel, Demo(boundary="constant"), cval=0.5
    )


def test_the_snippet_writes_kernel_values_exactly() -> None:
    kernel = np.array([[0.1, 1 / 3, -2e-17], [1e300, -0.0, 7.0]])
    code = exports.numpy_snippet(kernel, Demo())
    start = code.index("kernel = ")
    namespace = {"np": np}
    exec(code[start : code.index("kh, kw")], namespace)
    np.testing.assert_array_equal(namespace["kernel"], kernel)


def test_without_an_input_download_the_snippet_asks_for_the_full_image() -> None:
    code = exports.numpy_snippet(KERNELS["3x5"], Demo(), input_download=False)
    assert "full resolution" in code and "Input as NPY" not in code


def _snippet_panel() -> None:
    import filters
    from filters import kernels, samples
    from ui import exports
    from ui.state import Demo

    kernel = kernels.make("emboss")
    image = samples.load_sample("letter_f")
    result = filters.compare(image, kernel)
    exports.reproduce_in_python(
        result, image, kernel, Demo(), "letter_f|emboss", image_label="F", from_sample=True
    )


def test_the_page_shows_both_snippets_wrapped_and_offers_the_input() -> None:
    at = AppTest.from_function(_snippet_panel).run()
    assert not at.exception
    tabs = [tab.label for tab in at.tabs]
    assert tabs == ["With NumPy and SciPy only", "With this project's filters package"]
    portable, with_filters = (code.value for code in at.code)
    assert "filters" not in portable.split("\n\n")[0]
    assert "from filters import" in with_filters
    assert all(code.proto.wrap_lines for code in at.code)
    (button,) = at.get("download_button")
    assert button.key == "download_input_npy"
    data = at.session_state[exports.ON_SCREEN]["download_input_npy"].make()
    loaded = np.load(io.BytesIO(data), allow_pickle=False)
    np.testing.assert_array_equal(loaded, samples.load_sample("letter_f"))
