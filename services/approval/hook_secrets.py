"""Which of a hook's secrets verifies a delivery: the current one, or the previous one while a rotation is under way.

GitHub and GitLab hold one secret per webhook, and an operator changes Greenlight and the forge at different moments:
with one secret, every delivery between the two changes is refused. So each hook takes a previous secret too
(`GREENLIGHT_HOOKS_*_PREVIOUS`), accepted beside the current one until the sender has moved over, as Stripe's and
Standard Webhooks' rolling secrets are. A delivery that only the previous secret verifies is logged, naming the hook
and the setting to unset once no such line appears; never a secret or a signature.

The secrets are read inside the check a caller passes (`signed`, below): only this module's frames and the
check's own hold them, never a handler's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from pydantic import SecretStr

from services.approval.errors import NotFound, Unauthorized
from services.shared.signing import BadSignature

T = TypeVar("T")
log = structlog.get_logger(__name__)

# The variable to unset once the sender signs with the current secret, as the log line names it.
PREVIOUS_SETTING = {"github": "GREENLIGHT_HOOKS_GITHUB_SECRET_PREVIOUS",
                    "gitlab": "GREENLIGHT_HOOKS_GITLAB_TOKEN_PREVIOUS",
                    "gitlab-signing": "GREENLIGHT_HOOKS_GITLAB_SIGNING_TOKEN_PREVIOUS",
                    "generic": "GREENLIGHT_HOOKS_GENERIC_SECRET_PREVIOUS",
                    "slack": "GREENLIGHT_HOOKS_SLACK_SIGNING_SECRET_PREVIOUS"}


@dataclass(frozen=True)
class HookSecrets:
    """A configured hook's current secret and its previous one, if a rotation keeps it (SecretStr: masked reprs)."""

    hook: str  # github, gitlab, generic or slack
    current: SecretStr
    previous: SecretStr | None = None

    def check(self, check: Callable[[str], bool]) -> bool:
        """Whether `check(secret)` is True for the current secret or the previous one. An exception of the check (a
        header the caller chose is odd) is raised at once: the header is as odd to either secret."""
        # The current secret first and alone when it matches: which one matched tells a caller nothing about
        # either secret (each comparison is constant-time), and a moved-over sender costs one HMAC, as before.
        if check(self.current.get_secret_value()) is True:
            return True
        previous = self._previous()
        if previous is None or check(previous.get_secret_value()) is not True:
            return False
        self._used_previous()
        return True

    def verify(self, verify: Callable[[str], T]) -> T:
        """`verify(secret)` with the current secret, else with the previous one. When both raise BadSignature, the
        current secret's is raised: the refusal reads as it did before a previous secret existed."""
        try:
            return verify(self.current.get_secret_value())
        except BadSignature as refusal:
            if (previous := self._previous()) is None:
                raise
            try:
                verified = verify(previous.get_secret_value())
            except BadSignature:
                raise refusal from None  # not the previous secret's reason: a stale delivery is stale to both
        self._used_previous()
        return verified

    def _previous(self) -> SecretStr | None:
        # Blank is no secret (HookSettings turns it into None; this holds for a hand-built one too): an HMAC keyed
        # with "" is anyone's to compute, and GitLab's "" matches a request without the header.
        return self.previous if self.previous is not None and self.previous.get_secret_value().strip() else None

    def _used_previous(self) -> None:
        log.warning("hook delivery verified with the previous secret: its sender has not moved to the current one",
                    hook=self.hook, setting=PREVIOUS_SETTING.get(self.hook, "?"))


def signed(check: Callable[[], bool], refusal: str) -> None:
    """Raises Unauthorized(refusal) unless `check()` is True; an exception in it (a header the caller chose
    is odd) is a refusal too, logged by type only. The secret is read inside `check` alone and never held
    by a handler's frame, so no traceback (rich prints frames' locals on a console) can show it; and the
    check's own exception is not chained to the 401."""
    try:
        ok = check()
    except Exception as exc:  # see above
        log.warning("signature check failed", error=type(exc).__name__)
        ok = False
    if ok is not True:
        raise Unauthorized(refusal)


def configured(hook: str, setting: SecretStr | None, previous: SecretStr | None, name: str) -> HookSecrets:
    """The hook's secrets (SecretStr: masked reprs), or 404 when the hook is off. A blank secret is no secret:
    HookSettings turns it into None, and this holds for a hand-built one too."""
    if setting is None or not setting.get_secret_value().strip():
        raise NotFound(f"{name} hook is not configured.")
    return HookSecrets(hook, setting, previous)
