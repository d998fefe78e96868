"""The pages in a real browser: Debian's chromium driven by Playwright, against a real
server process (`vnsearch serve`).

A person's path: type a query without tone marks, submit, read the first result and its
highlighted passage, narrow by a province, open the document, jump to the first match, go
back. Then a document with ``<script>`` in its text, which must show as text (no dialog).
Screenshots (desktop and a 390x844 phone) go to ``artifacts/screenshots/`` (git-ignored).

Chromium missing is a failure, not a skip: ``make test`` runs
``scripts/ensure-chromium.sh`` first, and a silently skipped browser test proves nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.conftest import ROOT, Server, running_server

pytestmark = pytest.mark.slow  # chromium and real server processes

CHROMIUM = Path(os.environ.get("VNSEARCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000


def _sync_api() -> Any:
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("the Python package 'playwright' is missing: install the test extra "
                    "(pip install -e '.[test]')", pytrace=False)
    return sync_api


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is not installed: run scripts/ensure-chromium.sh "
                    "(as root; it installs Debian's chromium)", pytrace=False)
    sync_api = _sync_api()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]  # read by the tests
    try:
        yield page
    finally:
        context.close()


def shot(page: Any, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def test_search_facet_document_and_back(page: Any, seed_server: Server) -> None:
    expect = _sync_api().expect
    page.goto(seed_server.url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    # Type the query as officials do, without tone marks, and submit with Enter.
    page.locator("input#q").fill("xa dac biet kho khan")
    page.locator("input#q").press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=xa\+dac\+biet\+kho\+khan"))
    first = page.locator("ol.hits > li.hit").first
    expect(first.locator(".badge-number")).to_have_text("237-KL/TU")
    marks = first.locator(".passages mark")
    expect(marks.first).to_be_visible()
    assert "xã đặc biệt khó khăn" in marks.all_text_contents()
    shot(page, "desktop-1-results")

    # Narrow to one province with the facet link.
    page.locator(".facet-province a.facet-link", has_text="Kon Tum").click()
    page.wait_for_url(re.compile(r"province=Kon(\+|%20)Tum"))
    assert ("province", "Kon Tum") in params(page.url)
    expect(page.locator(".summary .total")).to_have_text("2")
    selected = page.locator(".facet-province a.facet-link.is-selected")
    expect(selected).to_have_count(1)
    expect(selected.locator(".facet-value")).to_have_text("Kon Tum")
    results_url = page.url
    shot(page, "desktop-2-facet-selected")

    # Open the first document: the query's words are marked, and the jump link works.
    page.locator("ol.hits .hit-title a").first.click()
    page.wait_for_url(re.compile(r"/documents/[^?]+\?q="))
    expect(page.locator(".fulltext mark#match-1")).to_have_text("xã đặc biệt khó khăn")
    assert page.locator(".fulltext mark").count() > 5
    page.get_by_role("link", name="Đến chỗ khớp đầu tiên").click()
    page.wait_for_url(re.compile(r"#match-1$"))
    expect(page.locator("mark#match-1")).to_be_in_viewport()
    shot(page, "desktop-3-document", full_page=False)
    expect(page.locator(".prov-inferred").first).to_contain_text("suy luận")

    # Back to the results (twice: the #match-1 jump is its own history entry).
    page.go_back()
    page.go_back()
    page.wait_for_url(results_url)
    expect(page.locator("input#q")).to_have_value("xa dac biet kho khan")
    expect(page.locator(".facet-province a.facet-link.is-selected .facet-value")).to_have_text(
        "Kon Tum")
    expect(page.locator(".summary .total")).to_have_text("2")
    shot(page, "desktop-4-back")
    assert page.dialogs == []


def test_phone_layout(browser: Any, seed_server: Server) -> None:
    expect = _sync_api().expect
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(seed_server.url("/?q=xa+dac+biet+kho+khan&province=Kon+Tum"))
        expect(page.locator("ol.hits > li.hit").first).to_be_visible()
        # Nothing wider than the screen: no sideways scrolling on a phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        # Results come first; the filters follow and a link jumps to them.
        results_top = page.locator("section.results").bounding_box()["y"]
        filters_top = page.locator("aside.sidebar").bounding_box()["y"]
        assert results_top < filters_top
        expect(page.locator("a.jump-filters")).to_be_visible()
        shot(page, "phone-1-results")
        page.locator("ol.hits .hit-title a").first.click()
        expect(page.locator(".fulltext mark#match-1")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "phone-2-document", full_page=False)
    finally:
        context.close()


def test_script_in_a_document_is_shown_as_text(page: Any, small_index: Path) -> None:
    expect = _sync_api().expect
    with running_server(small_index) as server:
        page.goto(server.url("/documents/kl-12?q=thoat"))
        expect(page.locator(".fulltext")).to_contain_text("<script>alert(1)</script>")
        expect(page.locator(".fulltext")).to_contain_text("<img src=x onerror=alert(2)>")
        assert page.locator(".fulltext script, .fulltext img, .fulltext b").count() == 0
        page.goto(server.url("/?q=alert"))
        expect(page.locator(".passages").first).to_contain_text("<script>")
        shot(page, "desktop-5-escaped")
        assert page.dialogs == []


@pytest.fixture(scope="module")
def chain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over the generated chain corpus (tests/test_chain.py: its truth is known)."""
    from search.indexer import build_index
    from tests.test_chain import write_chain_corpus

    root = tmp_path_factory.mktemp("chain-browser")
    build_index([write_chain_corpus(root / "corpus")], root / "ix", workers=1)
    with running_server(root / "ix") as server:
        yield server


def test_chain_from_a_search_for_43_nq_tw_to_a_province_and_back(page: Any,
                                                                  chain_server: Server) -> None:
    expect = _sync_api().expect
    page.goto(chain_server.url("/"))
    page.locator("input#q").fill("43-NQ/TW")
    page.locator("input#q").press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=43-NQ%2FTW"))
    search_url = page.url

    # The search for a number links to its chain.
    page.locator(".chain-link a").click()
    page.wait_for_url(re.compile(r"/chain/43-NQ/TW$"))
    expect(page.locator("h1")).to_contain_text("43-NQ/TW")
    expect(page.locator(".chain-province h2")).to_have_count(4)
    kon_tum = page.locator(".chain-province", has_text="Kon Tum")
    expect(kon_tum.locator("h2")).to_contain_text("Quảng Ngãi")
    expect(kon_tum.locator(".relation")).to_have_text("Thực hiện")
    expect(page.locator(".chain-missing-list")).to_contain_text(
        "Lai Châu: chưa có văn bản trong kho")
    chain_url = page.url
    shot(page, "desktop-5-chain")

    # A province's response: its page says what it does to 43-NQ/TW.
    kon_tum.locator(".chain-item a").first.click()
    page.wait_for_url(re.compile(r"/documents/kon-tum-kh43$"))
    expect(page.locator(".badge-number").first).to_have_text("150-KH/TU")
    cite = page.locator(".relation-item", has_text="43-NQ/TW")
    expect(cite.locator(".relation")).to_have_text("Thực hiện")
    shot(page, "desktop-6-response", full_page=False)

    # Back in history to the chain, forward, and to the chain by the response's own link.
    page.go_back()
    page.wait_for_url(chain_url)
    page.go_forward()
    cite.locator("a.chain-of").click()
    page.wait_for_url(chain_url)
    # And from the chain back to the search for the number.
    page.locator(".crumbs a").click()
    page.wait_for_url(search_url)
    expect(page.locator("input#q")).to_have_value("43-NQ/TW")
    expect(page.locator(".chain-link a")).to_be_visible()
    assert page.dialogs == []
