"""`add_dashboard` serves the page and its files without auth, under a strict CSP, and nothing else."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from services.approval.dashboard import ASSETS, STATIC, add_dashboard


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = web.Application()
    add_dashboard(app)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        await runner.cleanup()


async def test_the_page_is_public_uncached_and_forbids_inline_code(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    for src in re.findall(r'(?:src|href)="(/dashboard/[^"]+)"', page.text):
        asset = await http.get(src)
        assert asset.status_code == 200, src


@pytest.mark.parametrize("name,kind", [("page.js", "text/javascript"), ("style.css", "text/css")])
async def test_assets_have_their_types(http: httpx.AsyncClient, name: str, kind: str) -> None:
    answer = await http.get(f"/dashboard/{name}")
    assert answer.headers["content-type"] == f"{kind}; charset=utf-8"
    assert answer.content == (STATIC / name).read_bytes()


@pytest.mark.parametrize("path", ["/dashboard/__init__.py", "/dashboard/index.html",
                                  "/dashboard/%2e%2e%2fapp.py", "/dashboard/"])
async def test_nothing_but_the_listed_assets_is_served(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path)).status_code == 404


def test_scripts_never_write_html() -> None:
    # The escaping rule, checked where it is decided: no API that parses a string as HTML is used.
    for name in (n for n in ASSETS if n.endswith(".js")):
        source = Path(STATIC / name).read_text()
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source), name


@pytest.mark.parametrize("path", ["/ui/releases/0123abcd", "/ui/apps/tmapp"])
async def test_deep_links_serve_the_page(http: httpx.AsyncClient, path: str) -> None:
    page = await http.get(path)
    assert page.status_code == 200 and page.text == (STATIC / "index.html").read_text()
    assert page.headers["cache-control"] == "no-store"
