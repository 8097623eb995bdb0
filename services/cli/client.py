"""The approval API as Python calls: every failure becomes one `ApiError` a person can read."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx

from services.cli.admin_routes import AdminRoutes
from services.cli.errors import JSON, ApiError, bearer_token, redirected, unreachable, utf8, utf8_fields
from services.cli.loopback import direct_mounts
from services.shared.redact import redact_url

DEFAULT_URL = "http://127.0.0.1:8000"
__all__ = ["DEFAULT_URL", "ApiError", "GreenlightClient", "segment", "unreachable"]


def segment(value: str, name: str = "the release id") -> str:
    # Ids and app names go into paths; quoting keeps a hostile value from naming another route.
    return quote(utf8(value, name), safe="")


class GreenlightClient(AdminRoutes):  # the subscription and delivery routes: admin_routes.py
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

    @contextlib.contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Transport failures become ApiError; wraps plain requests and streams alike."""
        try:
            yield
        except httpx.ConnectError as exc:
            raise unreachable(self.shown_url) from exc
        except httpx.TimeoutException as exc:
            raise ApiError(f"Greenlight at {self.shown_url} did not answer within {self.timeout:g}s") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ApiError(f"invalid Greenlight URL {self.shown_url!r}: use http://host:port") from exc
        except httpx.HTTPError as exc:
            raise ApiError(f"talking to Greenlight at {self.shown_url} failed: {exc}") from exc

    def parse(self, response: httpx.Response) -> JSON:
        if response.status_code >= 400:
            raise self.error_from(response)
        if response.has_redirect_location:  # not followed: an approval POSTed again elsewhere, the token sent after it
            raise redirected(self.shown_url, response)
        try:
            body = response.json()
        except ValueError:
            raise ApiError(f"Greenlight answered {response.status_code} without JSON",
                           status=response.status_code) from None
        if not isinstance(body, dict):
            raise ApiError("Greenlight answered with something other than a JSON object")
        return body

    def hint(self, status: int, message: str) -> str:
        """What to do about a refusal, after the API's own sentence."""
        if status == 401 and not self.token:
            return "no API token given: set GREENLIGHT_TOKEN to the token your Greenlight operator issued you, " \
                   "or GREENLIGHT_TOKEN_FILE (--token-file) to a file holding it"
        if status == 401:
            return f"{self.shown_url} did not accept the token in {self.token_source}: check that it is complete, " \
                   "not revoked, and issued for this Greenlight (GREENLIGHT_URL)"
        # Only a missing role: another token cannot help with four eyes ("someone else must approve it") or with a
        # repository the operator's policy refuses, and said there it sent people after a role they already have.
        if status == 403 and re.search(r"\brole\b", message):
            return f"{message.rstrip('.')}; use a token with that role, or ask someone who has it"
        return message

    def error_from(self, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        message = str(body.get("error") or f"HTTP {response.status_code} {response.reason_phrase}".strip())
        message = self.hint(response.status_code, message)
        fields = [f for f in body.get("fields") or [] if isinstance(f, dict)]
        details = {k: str(body[k]) for k in ("state", "blocking_release", "decided_by")
                   if body.get(k) is not None}
        retry_after = response.headers.get("Retry-After", "").strip()
        return ApiError(message, status=response.status_code, fields=fields, details=details,
                        # ASCII only: `²` is a digit to isdigit(), not to float()
                        retry_after=float(retry_after) if retry_after.isascii() and retry_after.isdigit() else None)

