"""ui.text: untrusted text reaches the screen as plain text, never as Markdown.

Streamlit renders alert and caption bodies with react-markdown, remark-gfm (whose
autolinks are found in the *unescaped* text of each node, so a backslash cannot stop
them), remark-math, remark-emoji and its own icon and colour directives. The unit
tests check ``plain`` against those rules: after Markdown's backslash escapes are
resolved, the text equals the original (give or take invisible zero-width spaces)
and none of the patterns that turn text into links, icons or emoji is left. The
browser test then asks the real renderer: each hostile text, shown with
``st.error(plain(text))`` by ``streamlit run`` in Chromium, comes out as exactly
that text with no link, emphasis, strikethrough, HTML, formula or icon.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters import FiltersError, kernels
from tests.browser import chromium, serve_for_tests, wait_idle
from ui import widgets
from ui.text import QUOTE_LIMIT, plain, quote

ZWSP = "\u200b"


def npy_with_header(header: str) -> bytes:
    """An NPY file (version 1.0) whose header dictionary text is ``header``."""
    raw = header.encode("latin-1")
    raw += b" " * ((64 - (10 + len(raw) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(raw).to_bytes(2, "little") + raw


#: Text a user controls (kernel text, file contents, names) that Markdown would render.
HOSTILE = {
    "www autolink": "www.evil.example",
    "angle autolink": "<https:evil.example>",
    "http autolink": "see https://evil.example/login now",
    "mailto": "mailto:boss@evil.example",
    "bare e-mail": "write to boss@evil.example",
    "emphasis and strikethrough": "_it_ ~~st~~ *em* **strong** __strong__",
    "link": "[click here](https://evil.example)",
    "image": "![](https://evil.example/p.png)",
    "reference link": "[x][1]\n\n[1]: https://evil.example",
    "html": "<b>bold</b> <img src=x onerror=alert(1)>",
    "entity": "&lt;b&gt; &amp; &#x41;",
    "colour directive": ":red[x] :blue-background[y]",
    "icon": ":material/home: :streamlit:",
    "emoji": ":smile: :+1:",
    "latex": "$x$ and $$y^2$$",
    "code": "`code` and ```fence```",
    "heading and list": "# Title\n- item\n+ item\n1. item\n2) item\n> quote",
    "setext heading": "Title\n===\nSub\n---",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |",
    "backslashes": "C:\\new\\table \\* \\_",
    "kernel text": "1/273 * [1 4 7; 4 16 26] www.x.y",
    "crafted CSV": "1,2\n3,[click here](https://evil.example)\n<b>4</b>,_5_",
    "crafted NPY header": "{'descr': '<f8[click](https://evil.example)', 'fortran_order': False}",
}

#: Patterns the renderer acts on in the text of a node, after backslash escapes are gone.
LIVE_PATTERNS = {
    "GFM www/http autolink": re.compile(r"(?i)(https?://|www(?=\.))"),
    "GFM e-mail autolink": re.compile(r"[-.\w+]+@[-\w]+(\.[-\w]+)+"),
    "emoji or icon shortcode": re.compile(r":[\w+-][\w+/-]*:"),
    "colour or text directive": re.compile(r":[a-z][\w-]*\["),
}

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescaped(markdown: str) -> str:
    """The text Markdown shows for escaped text: backslash escapes resolved."""
    return _ESCAPE.sub(r"\1", markdown)


def same_text(original: str) -> str:
    """What plain keeps of a text: each line without surrounding spaces and tabs."""
    return "\n".join(line.strip(" \t") for line in original.split("\n"))


# ---------------------------------------------------------------------------- plain


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_plain_shows_the_same_characters(text: str) -> None:
    assert unescaped(plain(text)).replace(ZWSP, "") == same_text(text)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_plain_leaves_no_markdown_construct(text: str) -> None:
    escaped = plain(text)
    # Every character that opens or closes inline Markdown is escaped...
    bare = re.sub(r"\\.", "", escaped, flags=re.DOTALL)
    assert not set(bare) & set("\\`*_{}[]()#<>!|~$&:"), escaped
    # ... no line starts a block (list, heading, quote, table, code) ...
    for line in escaped.split("\n"):
        assert not re.match(r"\s|[-+=>#|]|\d+[.)]", line), line
    # ... and once the escapes are resolved, no autolink, shortcode or directive remains.
    shown = unescaped(escaped)
    for name, pattern in LIVE_PATTERNS.items():
        assert not pattern.search(shown), (name, shown)


def test_plain_keeps_ordinary_sentences_readable() -> None:
    sentence = "At row 1, column 2: the value 1e+308 is too large; within ±1e+06."
    assert plain(sentence) == "At row 1, column 2\\: the value 1e+308 is too large; within ±1e+06."
    assert plain(42) == "42"
    assert plain("") == ""


def test_plain_is_still_importable_from_widgets() -> None:
    assert widgets.plain is plain


@settings(max_examples=300, deadline=None)
@given(st.text().map(lambda text: text.replace(ZWSP, "").replace("\r\n", "\n")))
def test_plain_never_loses_or_adds_visible_text(text: str) -> None:
    shown = unescaped(plain(text))
    assert shown.replace(ZWSP, "") == same_text(text)
    for name, pattern in LIVE_PATTERNS.items():
        assert not pattern.search(shown), (name, shown)


# ---------------------------------------------------------------------------- quote


def test_quote_is_repr_for_short_values() -> None:
    assert quote("abc") == "'abc'"
    assert quote("it's") == '"it\'s"'
    assert quote(12) == "'12'"
    # Control and invisible characters (a right-to-left override) are written as escapes.
    assert quote("a\nb\u202ec") == "'a\\nb\\u202ec'"


def test_quote_keeps_at_most_the_limit_and_marks_the_cut() -> None:
    assert quote("x" * 100) == "'" + "x" * QUOTE_LIMIT + "…'"
    assert quote("x" * QUOTE_LIMIT) == "'" + "x" * QUOTE_LIMIT + "'"
    assert quote("abcdef", limit=3) == "'abc…'"
    assert len(quote("y" * 100_000)) == QUOTE_LIMIT + 3


# ---------------------------------------------------------------------------- messages


def quoted_parts(message: str) -> list[str]:
    """The quotations (repr-style, '…' or "…") inside a message."""
    return [m.group() for m in re.finditer(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", message)]


@pytest.mark.parametrize(
    "text",
    [HOSTILE["kernel text"], HOSTILE["crafted CSV"], "x" * 5_000 + " 1", "[1 2] " + "z" * 900],
)
def test_kernel_text_errors_quote_at_most_forty_characters(text: str) -> None:
    with pytest.raises(FiltersError) as raised:
        widgets.read_kernel_file("kernel.csv", text.encode())
    message = str(raised.value)
    assert len(message) < 200
    assert all(len(part) <= QUOTE_LIMIT + 3 for part in quoted_parts(message)), message


@pytest.mark.parametrize(
    "header",
    [
        HOSTILE["crafted NPY header"],
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': '" + "A" * 500 + "'}",
        "[click here](https://evil.example) " + "B" * 3000,
    ],
    ids=["bad descr", "extra key", "not a dictionary"],
)
def test_a_crafted_npy_header_is_quoted_briefly(header: str) -> None:
    with pytest.raises(FiltersError) as raised:
        widgets.read_kernel_file("kernel.npy", npy_with_header(header))
    message = str(raised.value)
    assert message.startswith("The file is not a readable NPY array: ")
    assert len(message) < 200
    assert "A" * 50 not in message and "B" * 50 not in message


def test_a_structured_npy_array_names_its_dtype_briefly() -> None:
    names = [("[click](https://evil.example)" + "n" * 200 + str(i), "<f8") for i in range(3)]
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(2, dtype=names), allow_pickle=False)
    with pytest.raises(FiltersError) as raised:
        widgets.read_kernel_file("kernel.npy", buffer.getvalue())
    assert len(str(raised.value)) < 200


def test_kernel_parse_messages_quote_briefly() -> None:
    with pytest.raises(FiltersError) as raised:
        kernels.parse("1 " + "<b>" * 10_000)
    assert str(raised.value) == f"At row 1, column 2: '{'<b>' * 13}<…' is not a number."


# ---------------------------------------------------------------------------- in a browser

_RENDER_SCRIPT = """
import json
from pathlib import Path

import streamlit as st

from ui.text import plain

cases = json.loads((Path(__file__).parent / "cases.json").read_text())
for index, text in enumerate(cases):
    with st.container(key=f"case_{index}"):
        st.error(plain(text), icon=":material/error:")
st.success("all shown")
"""

#: Elements that would mean the renderer saw Markdown, HTML, LaTeX or an icon.
FORMATTED = (
    "a, em, strong, del, s, code, pre, img, h1, h2, h3, h4, h5, h6, ul, ol, li, "
    "blockquote, table, hr, .katex, [data-testid='stIconMaterial'], span[style], b, i"
)


@pytest.fixture(scope="module")
def rendered_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("plain_app")
    (folder / "cases.json").write_text(json.dumps(list(HOSTILE.values())))
    script = folder / "plain_app.py"
    script.write_text(_RENDER_SCRIPT)
    yield from serve_for_tests(script, "plain_text_server.log")


@pytest.mark.browser
def test_streamlit_renders_plain_text_literally(rendered_url: str) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        page: Any = browser.new_page(viewport={"width": 1200, "height": 3000})
        page.goto(rendered_url)
        wait_idle(page, page.get_by_text("all shown"))
        for index, (name, text) in enumerate(HOSTILE.items()):
            body = page.locator(f".st-key-case_{index} [data-testid='stMarkdownContainer']")
            expect(body).to_have_count(1)
            assert body.locator(FORMATTED).count() == 0, (name, body.inner_html())
            shown = body.evaluate("node => node.innerText").replace(ZWSP, "")
            # A line break inside a paragraph shows as a space: compare words.
            assert shown.split() == text.split(), (name, shown)
