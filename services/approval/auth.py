"""Who is calling: bearer tokens, stored only as sha256 digests, mapped to identities with roles."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.settings import StartupError

# Local development only (GREENLIGHT_API_DEV_TOKENS=true): the contract's well-known tokens.
DEV_IDENTITIES: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("dev-requester", "requester-token", frozenset({Role.REQUESTER})),
    ("dev-approver", "approver-token", frozenset({Role.APPROVER, Role.REQUESTER})),
    ("dev-admin", "admin-token", frozenset(Role)),
)
_ENTRIES = TypeAdapter(list[TokenEntry])
TOKENS_FILE = "GREENLIGHT_API_TOKENS_FILE"
log = structlog.get_logger(__name__)


def digest(token: str) -> str:
    # "replace": a header may carry undecodable bytes; such a token simply matches nothing.
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


_KEY_LABEL = b"greenlight caller key v1"


def token_key(token_sha256: str, secret: bytes = _KEY_LABEL) -> str:
    """The caller key of a token (`Identity.key`): the same for as long as the token's secret is, whatever its name.

    It is recorded in events every reader of a release's history sees, so it must not lead to the token: it is an
    HMAC, under a fixed label, of the token's sha256 (which the configuration holds, "a leaked config leaks no
    token"). A hash cannot be run backwards, and guessing a token generated at random is hopeless; a weak token
    could be checked offline against it, as against the configured digest, but just as well tried against the API.
    The label keeps it apart from the configured digest (it is not the value the file holds), the truncation to 128
    bits still tells tokens apart. With GREENLIGHT_API_CALLER_KEY_SECRET it is keyed by that secret instead, so not
    even a weak token can be checked against it offline. Never the token, never logged."""
    return "token:" + hmac.new(secret, token_sha256.encode(), hashlib.sha256).hexdigest()[:32]


def slack_key(slack_user: str) -> str:
    """The caller key of a Slack user: its id, which Slack never changes and which is no secret."""
    return f"slack:{slack_user}"


@dataclass(frozen=True)
class Identity:
    name: str
    roles: frozenset[Role]
    # What stays when the name changes (token_key, slack_key): four eyes and the approval count compare it too (a
    # renamed token is still its holder). None for callers no credential stands behind (a git hook, a stream ticket).
    key: str | None = field(default=None, repr=False)  # repr=False: an identity logged whole shows no key

    def has(self, role: Role) -> bool:
        # An admin may do everything the other roles may.
        return role in self.roles or Role.ADMIN in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


class TokenTable:
    def __init__(self, entries: Iterable[TokenEntry], key_secret: bytes = _KEY_LABEL) -> None:
        self._entries = tuple(entries)
        self._key_secret = key_secret  # token_key's

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self._entries]

    def holders(self, role: Role) -> frozenset[str]:
        """The names whose roles let them act as `role` (an admin's let it act as any)."""
        return frozenset(entry.name for entry in self._entries if Identity(entry.name, entry.roles).has(role))

    def identify(self, token: str) -> Identity | None:
        wanted = digest(token)
        found: TokenEntry | None = None
        # Every entry is compared, so the time taken says nothing about which one matched.
        for entry in self._entries:
            if hmac.compare_digest(wanted, entry.token_sha256):
                found = entry
        if found is None:
            return None
        return Identity(found.name, found.roles, token_key(found.token_sha256, self._key_secret))


def load_tokens(settings: ApprovalSettings) -> TokenTable:
    """Tokens from the setting, the secrets file and (dev only) the built-ins; a bad file stops start-up."""
    entries = list(settings.tokens)
    if settings.tokens_file is not None:
        entries += _entries_in(settings.tokens_file)
    if settings.dev_tokens:
        entries += [TokenEntry(name=name, roles=roles, token_sha256=digest(token))
                    for name, token, roles in DEV_IDENTITIES]
    if settings.dev_tokens:
        log.warning("dev tokens enabled: anyone knowing the well-known tokens can use the API")
    if not entries:
        log.warning("no API tokens configured: every authenticated route will answer 401")
    secret = settings.caller_key_secret
    return TokenTable(entries, secret.get_secret_value().encode(errors="surrogatepass") if secret else _KEY_LABEL)


def _entries_in(path: Path) -> list[TokenEntry]:
    """The file's entries, or a StartupError saying where and why, never what: pydantic's own error quotes the
    value it refused, and a secrets file's mistakes are tokens (one where its sha256 belongs, a `token` field)."""
    try:
        return _ENTRIES.validate_json(path.read_bytes())
    except OSError as exc:
        raise StartupError(f"{TOKENS_FILE} cannot be read ({exc.strerror or type(exc).__name__}): "
                           f"{str(path)!r}") from None
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        # A field's name is said only when it is one of ours: an unknown key might be a token itself.
        where = ["entry " + str(part + 1) if isinstance(part, int) else f"`{part}`" if part in TokenEntry.model_fields
                 else "an unknown field" for part in first["loc"]]
        count = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise StartupError(f"{TOKENS_FILE} is invalid: {' '.join(where) or 'the file'}: {first['msg']}{count}; "
                           'it is a JSON list of {"name", "roles", "token_sha256"} (the sha256 of each token, never '
                           "the token)") from None


def bearer_token(request: web.Request) -> str | None:
    """The caller's token, from the header only: a URL is logged by proxies and kept by browsers
    (an EventSource, which cannot set headers, uses a stream ticket instead: `tickets.py`)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None
