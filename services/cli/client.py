"""The approval API as Python calls: every failure becomes one `ApiError` a person can read."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from services.cli.admin_routes import AdminRoutes
from services.cli.answer_reading import AnswerReading
from services.cli.errors import JSON, ApiError, bearer_token, unreachable, utf8, utf8_fields
from services.cli.loopback import direct_mounts
from services.shared.redact import redact_url

DEFAULT_URL = "http://127.0.0.1:8000"
__all__ = ["DEFAULT_URL", "ApiError", "GreenlightClient", "segment", "unreachable"]


def segment(value: str, name: str = "the release id") -> str:
    # Ids and app names go into paths; quoting keeps a hostile value from naming another route.
    return quote(utf8(value, name), safe="")


class GreenlightClient(AdminRoutes, AnswerReading):
    """The approval API's routes as calls: the operators' in `AdminRoutes`; how an answer or a transport failure is
    read, in `AnswerReading`."""

    def __init__(self, url: str = DEFAULT_URL, token: str | None = None, *, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None, token_source: str = "GREENLIGHT_TOKEN") -> None:
        self.url = url.rstrip("/")
        # What messages say: a proxy's password in the URL (user:password@) must not reach a screen or CI log.
        self.shown_url = redact_url(self.url)
        self.token = token = bearer_token(token, token_source)
        self.token_source = token_source  # named in a 401, so the user knows what to fix
        self.timeout = timeout
        headers = {"Accept": "application/json", "User-Agent": "greenlight-cli"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, transport=transport,
                                     mounts=direct_mounts(self.url))
        except httpx.InvalidURL:  # a port httpx cannot read (`:80OO`, `[::1`): a traceback otherwise
            raise ApiError(f"invalid Greenlight URL {self.shown_url!r}: use http://host:port") from None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GreenlightClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the contract's routes -------------------------------------------------------------------
    def create_release(self, app: str, repository: str | None, commit: str | None, *, image: str | None = None,
                       from_release: str | None = None) -> JSON:
        body = {"app": app, "repository": repository, "commit": commit, "image": image,
                "from_release": from_release}
        return self._call("POST", "/releases", json={k: v for k, v in body.items() if v is not None})

    def list_releases(self, *, app: str | None = None, state: str | None = None, limit: int = 50,
                      cursor: str | None = None) -> JSON:
        params = {"app": app, "state": state, "limit": limit, "cursor": cursor}
        return self._call("GET", "/releases", params={k: v for k, v in params.items() if v is not None})

    def get_release(self, release_id: str) -> JSON:
        return self._call("GET", f"/releases/{segment(release_id)}")

    def get_app(self, app: str) -> JSON:
        return self._call("GET", f"/apps/{segment(app, 'the app name')}")

    def decide(self, release_id: str, decision: str, comment: str | None) -> JSON:
        assert decision in ("approve", "reject")
        return self._call("POST", f"/releases/{segment(release_id)}/{decision}", json={"comment": comment})

    def abort(self, release_id: str, reason: str) -> JSON:
        return self._call("POST", f"/releases/{segment(release_id)}/abort", json={"reason": reason})

    def whoami(self) -> JSON:
        return self._call("GET", "/me")

    def rollback(self, app: str, reason: str, to: str | None = None) -> JSON:
        body = {"reason": reason} if to is None else {"reason": reason, "to": to}
        return self._call("POST", f"/apps/{segment(app, 'the app name')}/rollback", json=body)

    # --- plumbing --------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> JSON:
        utf8_fields(kwargs.get("json"))
        utf8_fields(kwargs.get("params"))
        with self.translate_errors():
            response = self.http.request(method, path, **kwargs)
        return self.parse(response)
