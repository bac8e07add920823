"""Messages that quote what a user typed or uploaded show it as plain text (AppTest).

The Compare page's kernel editor is driven as a user would: hostile text typed in the
Text tab, crafted CSV and NPY files in the Upload tab. Each refusal must be one error
whose body is the parser's (or reader's) sentence passed through ``ui.text.plain``,
quoting at most about 40 characters of the input, saying that the previous kernel is
still in use, and the page must go on with that kernel.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from filters import FiltersError, kernels
from tests.test_text import HOSTILE, npy_with_header, quoted_parts, unescaped
from ui import text, widgets

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 60
SMALL = {"preview": "256"}
STILL_IN_USE = "The previous kernel is still in use."

#: Kernel text a user might paste that Markdown would otherwise render.
HOSTILE_KERNEL_TEXTS = [
    HOSTILE["www autolink"],
    HOSTILE["angle autolink"],
    HOSTILE["emphasis and strikethrough"],
    HOSTILE["link"],
    "1 [click here](https://evil.example)",
    HOSTILE["html"],
    HOSTILE["colour directive"],
    HOSTILE["icon"],
    HOSTILE["latex"],
    "1 2\n3 " + "www.evil.example/" * 200,
]


@pytest.fixture(scope="module")
def session() -> AppTest:
    """One session of the Compare page (small preview) on the default Gaussian."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in SMALL.items():
        at.query_params[key] = value
    return shown(at.run())


def shown(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_tab(at: AppTest, label: str) -> AppTest:
    at.session_state[widgets.KERNEL_TAB] = label
    return shown(at.run())


def refusal(source: str) -> str:
    """The sentence the editor shows when ``source`` (kernel text) is refused."""
    with pytest.raises(FiltersError) as raised:
        kernels.parse(source)
    return f"{str(raised.value).rstrip('.')}. {STILL_IN_USE}"


def kernel_line(at: AppTest) -> str:
    (line,) = [m.value for m in at.markdown if "DC gain" in m.value]
    return line


def assert_plain_and_brief(body: str, sentence: str) -> None:
    assert body == text.plain(sentence)
    assert body.endswith(STILL_IN_USE)
    assert len(body) < 400
    assert all(len(part) <= text.QUOTE_LIMIT + 3 for part in quoted_parts(sentence)), sentence
    assert "www." not in body and "://" not in body and "<" not in body.replace("\\<", "")


def test_hostile_kernel_text_is_refused_as_plain_text(session: AppTest) -> None:
    at = open_tab(session, "Text")
    for source in HOSTILE_KERNEL_TEXTS:
        (area,) = at.text_area
        area.set_value(source)
        (use,) = [b for b in at.button if b.label == "Use this kernel"]
        shown(use.click().run())
        (error,) = [e.value for e in at.error]
        assert_plain_and_brief(error, refusal(source))
        assert unescaped(error).replace("\u200b", "") == refusal(source)
        assert "5×5" in kernel_line(at)  # still the Gaussian


def test_a_value_beyond_the_bound_is_refused_with_its_row_and_column(session: AppTest) -> None:
    at = open_tab(session, "Text")
    (area,) = at.text_area
    area.set_value("0 0 0\n0 1 -2e6\n0 0 0")
    (use,) = [b for b in at.button if b.label == "Use this kernel"]
    shown(use.click().run())
    (error,) = [e.value for e in at.error]
    assert error.startswith("At row 2, column 3")
    assert "within ±1e+06" in error and error.endswith(STILL_IN_USE)
    assert "5×5" in kernel_line(at)


CRAFTED_FILES = {
    "CSV with a link": ("k.csv", b"1,2\n3,[click here](https://evil.example)\n"),
    "CSV with a long word": ("k.csv", b"1 2\n3 " + b"<b>www.evil.example</b>" * 500 + b"\n"),
    "NPY header with a link": (
        "k.npy",
        npy_with_header(HOSTILE["crafted NPY header"]),
    ),
    "NPY header of 3,000 characters": (
        "k.npy",
        npy_with_header("[click here](https://evil.example) " + "A" * 3000),
    ),
}


@pytest.mark.parametrize("name, data", CRAFTED_FILES.values(), ids=CRAFTED_FILES.keys())
def test_a_crafted_kernel_file_is_refused_as_plain_text(
    session: AppTest, name: str, data: bytes
) -> None:
    at = open_tab(session, "Upload")
    (uploader,) = [u for u in at.get("file_uploader") if (u.key or "").startswith("kernel_file")]
    shown(uploader.upload(name, data, "application/octet-stream").run())
    with pytest.raises(FiltersError) as raised:
        widgets.read_kernel_file(name, data)
    sentence = f"{str(raised.value).rstrip('.')}. {STILL_IN_USE}"
    (error,) = [e.value for e in at.error]
    assert_plain_and_brief(error, sentence)
    assert not re.search(r"A{50}|(<b>www\.evil\.example</b>){3}", error)
    assert "5×5" in kernel_line(at)
