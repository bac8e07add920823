"""A large photo at full resolution in a real browser: results, and the server within its budget.

The server runs with a 1 GiB memory budget. A 12-megapixel JPEG, uploaded at full
resolution, is compared in strips with a progress bar; the page must show every
result and say how the pictures were reduced, and the server's resident memory,
sampled from outside (psutil), must stay within its starting size plus the budget.
Before the budget, the same upload took the server past 7 GB.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.bench_memory import (
    RssSampler,
    _full_resolution_upload_ready,
    _open,
    _upload,
    _wait_results,
    photo,
)
from tests.browser import ARTIFACTS, StreamlitServer, chromium, missing_browser_reason

pytestmark = pytest.mark.browser

BUDGET = 2**30


@pytest.fixture(scope="module")
def server() -> Iterator[StreamlitServer]:
    reason = missing_browser_reason()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    previous = os.environ.get("WORKBENCH_MEMORY_BUDGET")
    os.environ["WORKBENCH_MEMORY_BUDGET"] = "1GiB"
    try:
        with StreamlitServer("app.py", log_path=ARTIFACTS / "memory_server.log") as running:
            yield running
    finally:
        if previous is None:
            os.environ.pop("WORKBENCH_MEMORY_BUDGET", None)
        else:
            os.environ["WORKBENCH_MEMORY_BUDGET"] = previous


def test_a_12_megapixel_photo_at_full_resolution_stays_within_the_budget(server: Any) -> None:
    data = photo(12, seed=7)
    sampler = RssSampler(server._process.pid).start()
    try:
        with chromium() as browser:
            page = _open(browser, server.url)
            start_rss = sampler.rss()
            uploader = _full_resolution_upload_ready(page)
            start = time.monotonic()
            _upload(uploader, data, "phone.jpg")
            time.sleep(0.5)
            _wait_results([page], start, 240)
            sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
            main = page.locator('[data-testid="stMain"]').inner_text()
            page.screenshot(path=str(ARTIFACTS / "memory_full_resolution.png"), full_page=True)
        peak = sampler.peak_since(start)
    finally:
        sampler.stop()
    assert "4000×3000 colour, full resolution" in sidebar
    assert "in strips" in main and "mean of each 4×4 block" in main
    assert "Something went wrong" not in main
    assert peak <= start_rss + BUDGET, (
        f"server RSS peaked at {peak / 2**30:.2f} GiB, more than {start_rss / 2**30:.2f} GiB "
        "at the start plus the 1 GiB budget"
    )
