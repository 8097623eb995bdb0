"""Settings of the git webhooks and the Slack callbacks: `GREENLIGHT_HOOKS_*`. Every hook is off until its
secret is set (it answers 404 then). A blank secret (`GREENLIGHT_HOOKS_GITLAB_TOKEN=`) is not set: taken as
a secret it would open the hook to anyone (GitLab's empty token matches a request without the header, an
HMAC keyed with "" is computable by anyone). A secret shorter than MIN_SECRET characters is refused, as a
subscription's is: a shared secret that short can be guessed. Each secret has a `*_previous` one, accepted beside it
while a rotation moves the sender over (hook_secrets.py); set alone, it stops the start."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, SecretStr, StringConstraints, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.approval.gitlab_signature import key_problem
from services.approval.hook_claims import DEFAULT_RETENTION, MIN_RETENTION
from services.approval.hook_models import HookApp, SlackUser
from services.approval.hook_pushers import Pusher, check_entries
from services.approval.policy import GitHost
from services.shared.settings import Duration

__all__ = ["GITHUB_PAYLOAD_CAP", "MIN_SECRET", "HookApp", "HookSettings", "SlackUser"]  # the models: imported here too
MIN_SECRET = 16  # as services/shared/subscriptions.py asks of a subscription's HMAC key
# GitHub's cap on a delivery: a push lists every file each commit touched (5,000 paths per list, 2,048 commits), so
# a commit that vendors or regenerates a tree is hundreds of KiB, far past the API's own limit for its JSON bodies.
GITHUB_PAYLOAD_CAP = 25 * 1024 * 1024


# Each has a `*_previous`.
ROTATED = ("github_secret", "gitlab_token", "gitlab_signing_token", "generic_secret", "slack_signing_secret")
GitLogin = Annotated[str, StringConstraints(min_length=1, max_length=255)]  # GitLab's longest username
IdentityName = Annotated[str, StringConstraints(min_length=1, max_length=100)]  # the releases table's requested_by


class HookSettings(BaseSettings):
    # hide_input_in_errors: a refused secret must not be echoed in the validation error (nor a traceback).
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_HOOKS_", extra="ignore", populate_by_name=True,
                                      hide_input_in_errors=True)

    apps: list[HookApp] = Field(default_factory=list, description='JSON list of {"app", "repository", "branch", '
                                '"aliases"}: which pushes release which app; default none')
    github_secret: SecretStr | None = Field(None, description="secret of the GitHub webhook; default none (off)")
    gitlab_token: SecretStr | None = Field(None, description="X-Gitlab-Token of the GitLab webhook; default none (off)")
    gitlab_signing_token: SecretStr | None = Field(None, description=(
        "the GitLab webhook's signing token (whsec_…, GitLab 19.0 on): each delivery's webhook-signature checked over "
        "its body, id and time (Standard Webhooks); with gitlab_token too, both are checked; default none"))
    generic_secret: SecretStr | None = Field(None, description="HMAC key of /hooks/generic; default none (off)")
    slack_signing_secret: SecretStr | None = Field(
        None, description="the Slack app's signing secret, for its button callbacks; default none (off)")
    github_secret_previous: SecretStr | None = Field(None, description=(
        "the github_secret a rotation replaces, accepted beside the new one until GitHub has it; default none"))
    gitlab_token_previous: SecretStr | None = Field(None, description=(
        "the gitlab_token a rotation replaces, accepted beside the new one until GitLab has it; default none"))
    gitlab_signing_token_previous: SecretStr | None = Field(None, description=(
        "the gitlab_signing_token a rotation replaces, accepted beside the new one until GitLab has it; default none"))
    generic_secret_previous: SecretStr | None = Field(None, description=(
        "the generic_secret a rotation replaces, accepted beside the new one until the sender has it; default none"))
    slack_signing_secret_previous: SecretStr | None = Field(None, description=(
        "the slack_signing_secret a rotation replaces, accepted beside the new one until Slack has it; default none"))
    slack_users: list[SlackUser] = Field(
        default_factory=list, description='JSON list of {"slack_user", "name", "roles"}; default none')
    git_users: dict[GitHost, dict[GitLogin, IdentityName]] = Field(default_factory=dict, description=(
        'JSON {"github" | "gitlab" | "generic": {"<login on that host>" | "id:<account id>": "<Greenlight '
        'identity>"}}: who a pusher is to the no-self-approval rule; an account\'s id (GitHub sender.id, GitLab '
        "user_id), which a rename leaves alone, decides over its login (matched in any case, as the hosts match "
        "them); a pusher listed by neither is compared by login; default none"))
    max_body_bytes: int = Field(GITHUB_PAYLOAD_CAP, ge=64 * 1024, description=(
        "largest git webhook body read (the API's other routes keep GREENLIGHT_API_MAX_BODY_BYTES); default 25 MiB, "
        "GitHub's cap on a delivery, so any push it sends is read"))
    small_body_bytes: int = Field(256 * 1024, ge=1024, description=(
        "a git webhook body up to this size is read as any request's; a larger one needs one of large_body_reads "
        "slots while it is read and handled (the body is read before its signature can be checked); default 256 KiB"))
    large_body_reads: int = Field(4, ge=1, le=1000, description=(
        "git webhook bodies past small_body_bytes read or held at once per API process (each up to max_body_bytes); "
        "another is answered 503 with Retry-After; default 4 (100 MiB at the default max_body_bytes)"))
    large_body_seconds: float = Field(10.0, gt=0, le=600, description=(
        "seconds a git webhook body past small_body_bytes may take to arrive, from when it took its slot; a slower "
        "sender is answered 408 and its slot serves the next caller (also the Retry-After of the 503 when every "
        "slot is taken); default 10, GitHub's and GitLab's own timeout for a delivery"))
    claim_retention: Duration = Field(
        DEFAULT_RETENTION, ge=MIN_RETENTION, description=(
            "how long the claim on a delivery id, a pushed commit or a Slack press is kept (table "
            "greenlight_hook_claims), e.g. 720h or P30D: longer than any git host redelivers a delivery (GitHub "
            "3 days, GitHub Enterprise Server 7, GitLab 2); a commit whose release failed can be released by a "
            "hook again once its claim is gone; at least 7 days; default 30 days"))

    @field_validator("git_users")
    @classmethod
    def _one_login_one_key(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        """A host's logins are matched in any case: two keys that differ only so would make the mapping ambiguous.
        An account's key (`id:<n>`) must be one a push of that host can carry."""
        for host, users in value.items():
            check_entries(host, users)
            folded: dict[str, str] = {}
            for login in users:
                if (first := folded.setdefault(login.casefold(), login)) != login:
                    raise ValueError(f"{host} logins {first!r} and {login!r} are one login (matched in any case)")
        return value

    def pusher_identity(self, host: GitHost, login: str, account: int | None = None) -> str:
        """The Greenlight identity of `login` (account id `account`) on `host` per `git_users`, else the login."""
        return Pusher(host, login, account).identity(self.git_users.get(host, {})) or login

    @field_validator(*ROTATED, *(f"{name}_previous" for name in ROTATED), mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        """A blank secret is no secret: the hook stays off. A short one is refused (the message, never the value)."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(raw, str):
            return value
        if not raw.strip():
            return None
        if not raw.isprintable():  # a control character or an undecodable byte (surrogate) of the environment
            raise ValueError("a hook secret must be printable UTF-8 text")
        off = "end the rotation" if str(info.field_name).endswith("_previous") else "turn the hook off"
        if len(raw) < MIN_SECRET:
            raise ValueError(f"a hook secret must have at least {MIN_SECRET} characters (a shorter one can be "
                             f"guessed); generate one, e.g. openssl rand -hex 32, or unset it to {off}")
        if str(info.field_name).startswith("gitlab_signing_token") and (problem := key_problem(raw)) is not None:
            raise ValueError(f"{problem}; copy it from the webhook's settings, or unset it to {off}")
        return value

    @model_validator(mode="after")
    def _previous_needs_current(self) -> HookSettings:
        """A previous secret alone would keep a hook on with the secret being retired: a mistake, never a rotation."""
        for name in ROTATED:
            if getattr(self, f"{name}_previous") is not None and getattr(self, name) is None:
                current = f"GREENLIGHT_HOOKS_{name.upper()}"
                raise ValueError(f"{current}_PREVIOUS is set without {current}: a previous secret is accepted only "
                                 f"beside the current one, during a rotation; set {current} or unset the previous")
        return self
