"""Settings of the git webhooks and the Slack callbacks: `GREENLIGHT_HOOKS_*`. Every hook is off until its
secret is set (it answers 404 then)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.approval.settings import Role
from services.shared.release import AppName


class HookApp(BaseModel):
    """A push to `branch` of `repository` releases `app`. The release uses this repository URL, never one
    from the hook's payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app: AppName
    repository: str = Field(min_length=1, max_length=500)
    branch: str = Field("main", min_length=1, max_length=255)
    # Other spellings of the same repository a payload may name (html_url, ssh_url, ...).
    aliases: tuple[str, ...] = ()

    def names(self, repository: str) -> bool:
        return repository.rstrip("/").removesuffix(".git") in {
            r.rstrip("/").removesuffix(".git") for r in (self.repository, *self.aliases)}


class SlackUser(BaseModel):
    """A Slack user (id as in the signed payload) and the Greenlight identity they act as."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack_user: Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{2,20}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    roles: frozenset[Role]


class HookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_HOOKS_", extra="ignore", populate_by_name=True)

    apps: list[HookApp] = Field(default_factory=list, description='JSON list of {"app", "repository", "branch", '
                                '"aliases"}: which pushes release which app; default none')
    github_secret: SecretStr | None = Field(None, description="secret of the GitHub webhook; default none (off)")
    gitlab_token: SecretStr | None = Field(None, description="X-Gitlab-Token of the GitLab webhook; default none (off)")
    generic_secret: SecretStr | None = Field(None, description="HMAC key of /hooks/generic; default none (off)")
    slack_signing_secret: SecretStr | None = Field(
        None, description="the Slack app's signing secret, for its button callbacks; default none (off)")
    slack_users: list[SlackUser] = Field(
        default_factory=list, description='JSON list of {"slack_user", "name", "roles"}; default none')
