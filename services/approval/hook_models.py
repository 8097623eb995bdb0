"""The entries of GREENLIGHT_HOOKS_APPS and GREENLIGHT_HOOKS_SLACK_USERS (hook_settings.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.approval.settings import Role
from services.shared.release import NewAppName


class HookApp(BaseModel):
    """A push to `branch` of `repository` releases `app`. The release uses this repository URL, never one
    from the hook's payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # A release's name rule, checked at start: a name POST /releases refuses made every push to it a 500.
    app: NewAppName
    repository: str = Field(min_length=1, max_length=500)
    branch: str = Field("main", min_length=1, max_length=255)
    # Other spellings of the same repository a payload may name (html_url, ssh_url, ...).
    aliases: tuple[str, ...] = ()

    def names(self, repository: str) -> bool:
        # In any case: GitHub and GitLab route `Acme/App` to `acme/app`, and a payload spells it as the host stores
        # it. Only which app a push releases is decided here; the release clones the configured URL.
        def key(url: str) -> str:
            return url.casefold().rstrip("/").removesuffix(".git")
        return key(repository) in {key(r) for r in (self.repository, *self.aliases)}


class SlackUser(BaseModel):
    """A Slack user (id as in the signed payload) and the Greenlight identity they act as."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack_user: Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{2,20}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    roles: frozenset[Role]
