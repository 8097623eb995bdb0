"""How the CLI reads what the approval API answers: every failure, of the transport or a refusal, becomes one
`ApiError` a person can read, with what to do about it after the API's own sentence."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import httpx

from services.cli.errors import JSON, ApiError, redirected, unreachable


class AnswerReading:
    """Mixed into `GreenlightClient`, which sets what these read: the URL as shown, the token and where it came from,
    the timeout."""

    shown_url: str
    token: str | None
    token_source: str
    timeout: float

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

