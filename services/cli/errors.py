"""How a call to the API fails, as one `ApiError` a person can read; and the token checked before it is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from services.shared.redact import redact_url

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


def redirected(shown_url: str, response: httpx.Response) -> ApiError:
    """An address that moved (http:// to https://) or a proxy's sign-in: where it pointed, credentials masked."""
    target = redact_url(str(response.url.join(response.headers.get("Location", ""))))
    return ApiError(f"Greenlight at {shown_url} answered {response.status_code}, a redirect to {target}, which the "
                    "CLI does not follow: set GREENLIGHT_URL to the API's own address", status=response.status_code)


def utf8(value: str, name: str) -> str:
    """`value` as sent. An argument or file in another encoding (Latin-1 `café` is the byte 0xE9) reaches Python as
    lone surrogates, which httpx cannot encode: a traceback otherwise. Named, never shown: a URL may hold a secret."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(f"{name} is not UTF-8 text (typed, pasted or read in another encoding?): nothing was sent") \
            from None
    return value


def utf8_fields(values: Any) -> None:
    """Every text in a request's body or query, each named by its key."""
    for key, value in (values or {}).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                utf8(item, f"the {key.replace('_', ' ')}")


def bearer_token(token: str | None, source: str) -> str | None:
    """The token as a header can carry it. Whitespace around it (a paste, a file's CR LF) is no part of it;
    anything else outside visible ASCII would be refused by httpx in a message quoting the whole token."""
    token = token.strip() if token else token
    if token and not all("!" <= char <= "~" for char in token):
        raise ApiError(f"the token in {source} has characters no API token has (spaces, accents, control "
                       "characters): copy it again from where it was issued")
    return token
