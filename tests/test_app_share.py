"""Share links that carry an uploaded image (``image=<name>``), through AppTest."""

from __future__ import annotations

from tests.test_app_compare import (
    _png,
    component_keys,
    open_small,
    pictures,
    shown,
    sidebar_text,
    values,
)
from ui import uploads


def _upload(at, data: bytes):
    shown(at.radio(key="image_source").set_value("Upload").run())
    return shown(at.file_uploader(key="upload").upload("mine.png", data, "image/png").run())


def test_an_upload_is_named_in_the_link_and_the_link_shows_it_elsewhere():
    data = _png(36, 52)
    at = _upload(open_small(), data)
    name = uploads.name_of(data)
    assert at.query_params["image"] == name
    elsewhere = open_small(image=name)
    assert values(elsewhere.warning) == []
    assert "The image shared by the link" in sidebar_text(elsewhere)
    assert elsewhere.radio(key="image_source").value == "Upload"
    assert [p.shape for p in pictures(elsewhere)] == [(36, 52, 3)] * 3
    assert elsewhere.query_params["image"] == name


def test_choosing_a_sample_drops_the_image_from_the_link():
    at = _upload(open_small(), _png(20, 30))
    shown(at.radio(key="image_source").set_value("Sample").run())
    assert "image" not in at.query_params


def test_a_link_to_an_upload_the_server_no_longer_has_says_so_and_shows_the_sample():
    at = open_small(image="0123456789abcdef01234567")
    (warning,) = [w for w in values(at.warning) if "no longer on this server" in w]
    assert "the sample is shown" in warning
    assert "Grace Hopper" in sidebar_text(at)
    assert "image" not in at.query_params


def test_a_malformed_image_name_is_refused_with_a_warning():
    at = open_small(image="../../etc/passwd")
    (warning,) = [w for w in values(at.warning) if "image=" in w]
    assert "not the name of an uploaded image" in warning
    assert "Grace Hopper" in sidebar_text(at)


def test_the_link_and_its_qr_code_are_drawn_when_asked_for():
    at = open_small()
    assert "share_link" not in component_keys(at)
    assert not [e for e in at.main if type(e).__name__ == "Image"]
    shown(at.toggle(key="share_open").set_value(True).run())
    assert "share_link" in component_keys(at)
    (qr,) = [e for e in at.main if type(e).__name__ == "Image"]
    assert "Scan to open this state" in str(qr.proto)
