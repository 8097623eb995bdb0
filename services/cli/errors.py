"""How a call to the API fails, as one `ApiError` a person can read; and the token checked before it is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class ApiError(Exception):
    """What went wrong, in the API's own words: `error`, plus field errors and conflict details."""

    message: str
    status: int | None = None
    fields: list[JSON] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None  # seconds, when a 429 or 503 said when to come back

    def __str__(self) -> str:
        return self.message


def unreachable(url: str) -> ApiError:
    return ApiError(f"cannot reach Greenlight at {url}: is `greenlight up` running?")


def bearer_token(token: str | None, source: str) -> str | None:
    """The token as a header can carry it. Whitespace around it (a paste, a file's CR LF) is no part of it;
    anything else outside visible ASCII would be refused by httpx in a message quoting the whole token."""
    token = token.strip() if token else token
    if token and not all("!" <= char <= "~" for char in token):
        raise ApiError(f"the token in {source} has characters no API token has (spaces, accents, control "
                       "characters): copy it again from where it was issued")
    return token
