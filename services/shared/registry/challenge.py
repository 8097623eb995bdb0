"""`WWW-Authenticate` read as RFC 9110 §11.6.1 writes it: one or more challenges, in several headers or comma-separated
in one, each a scheme then a token68 or `name=value` parameters (a value a token or a quoted string). A registry
behind a proxy may offer Basic or Negotiate beside Bearer, before it or after (go-containerregistry #1075), so a
realm found anywhere in the header was the wrong challenge's as often as the right one's."""

from __future__ import annotations

import re
from collections.abc import Iterable

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_SCHEME = re.compile(rf"[\s,]*({_TOKEN})(?=\s|,|$)")
_PARAM = re.compile(rf"[\s,]*({_TOKEN})[ \t]*=[ \t]*({_TOKEN}|{_QUOTED})[ \t]*(?=,|$)")
_TOKEN68 = re.compile(r"\s+[A-Za-z0-9._~+/-]+=*[ \t]*(?=,|$)")
_ESCAPED = re.compile(r"\\(.)")


def challenges(headers: Iterable[str]) -> list[tuple[str, dict[str, str]]]:
    """Each challenge of `headers` (the values of every WWW-Authenticate header) as (scheme in lower case, its
    parameters with lower-case names). Reading stops at the first thing that is no challenge: what follows it
    cannot be told apart from it."""
    text = ", ".join(headers)
    found: list[tuple[str, dict[str, str]]] = []
    at = 0
    while (scheme := _SCHEME.match(text, at)) is not None:
        params: dict[str, str] = {}
        at = scheme.end()
        if (token68 := _TOKEN68.match(text, at)) is not None:
            at = token68.end()
        while (param := _PARAM.match(text, at)) is not None:
            name, value = param.group(1).lower(), param.group(2)
            if value.startswith('"'):
                value = _ESCAPED.sub(r"\1", value[1:-1])
            params.setdefault(name, value)  # a repeated name is the first one's (RFC: each name at most once)
            at = param.end()
        found.append((scheme.group(1).lower(), params))
    return found


def bearer(headers: Iterable[str]) -> dict[str, str] | None:
    """The parameters of the first Bearer challenge among `headers`; None if none offers Bearer."""
    return next((params for scheme, params in challenges(headers) if scheme == "bearer"), None)
