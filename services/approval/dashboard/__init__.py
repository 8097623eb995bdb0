"""The web dashboard: one static page at `/` that talks to the approval API from the browser.

No build step and no CDN: plain files shipped in the package. The page builds its DOM with
textContent only, and a strict Content-Security-Policy forbids inline script and style besides.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent
PREFIX = "/dashboard/"
# Served by name only, so nothing else in the package directory can be fetched.
SCRIPTS = ("core", "router", "loading", "newer", "sse", "stream", "actions", "apps", "releases", "gate", "page",
           "session", "delivery")
ASSETS = {**{f"{name}.js": "text/javascript" for name in SCRIPTS}, "style.css": "text/css"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


FILES = web.AppKey("dashboard_files", dict[str, bytes])


def add_dashboard(app: web.Application) -> None:
    """Registers `GET /` and `GET /ui/...` (the page: one URL per app and release, routed in the browser)
    and `GET /dashboard/{asset}`; all public, like /healthz: the data behind them needs a token.

    The files are read once, here, while the app is built: a request never waits on a disk read on
    the event loop."""
    app[FILES] = {name: (STATIC / name).read_bytes() for name in ("index.html", *ASSETS)}
    app.router.add_get("/", _index, name="dashboard")
    app.router.add_get("/ui/releases/{id}", _index, name="dashboard-release")
    app.router.add_get("/ui/apps/{app}", _index, name="dashboard-app")
    app.router.add_get(PREFIX + "{asset}", _asset, name="dashboard-asset")


async def _index(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[FILES]["index.html"], content_type="text/html", charset="utf-8",
        # The page holds a token in sessionStorage: never cache it, never frame it.
        headers={**HEADERS, "Content-Security-Policy": CSP, "Cache-Control": "no-store",
                 "X-Frame-Options": "DENY"},
    )


async def _asset(request: web.Request) -> web.Response:
    name = request.match_info["asset"]
    if name not in ASSETS:
        raise web.HTTPNotFound(text='{"error": "no such dashboard file"}', content_type="application/json")
    return web.Response(body=request.app[FILES][name], content_type=ASSETS[name], charset="utf-8",
                        headers={**HEADERS, "Cache-Control": "no-cache"})
