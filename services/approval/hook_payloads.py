"""The parts of each host's push payload Greenlight reads (everything else is ignored), and the answer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.approval.errors import ApiError
from services.approval.hook_pushers import Pusher
from services.approval.models import NulFree
from services.shared.release import CommitSha


class Payload(NulFree):
    model_config = ConfigDict(extra="ignore")


class Repo(Payload):
    clone_url: str | None = None
    git_url: str | None = None
    ssh_url: str | None = None
    html_url: str | None = None
    url: str | None = None
    git_http_url: str | None = None  # GitLab's project
    git_ssh_url: str | None = None
    web_url: str | None = None


Login = Annotated[str, StringConstraints(min_length=1, max_length=255)]  # GitLab's longest username
# The host's id of an account, which a rename leaves alone (hook_pushers.py). Strict: a JSON number, never `true`.
AccountId = Annotated[int, Field(strict=True, ge=1, lt=10**19)]


class GitHubUser(Payload):
    login: Login | None = None  # `sender`: the GitHub account that pushed
    id: AccountId | None = None


class GitHubPusher(Payload):
    name: Login | None = None  # `pusher`: GitHub's login of whoever pushed, in a push event


class GitHubPush(Payload):
    ref: str = Field(max_length=300)
    after: CommitSha
    repository: Repo
    sender: GitHubUser | None = None
    pusher: GitHubPusher | None = None

    @property
    def pushed_by(self) -> Pusher:
        login = (self.sender.login if self.sender else None) or (self.pusher.name if self.pusher else None)
        return Pusher("github", login, self.sender.id if self.sender else None)


class GitLabPush(Payload):
    ref: str = Field(max_length=300)
    after: CommitSha
    project: Repo
    user_username: Login | None = None  # who pushed (`user_name` is their display name)
    user_id: AccountId | None = None

    @property
    def pushed_by(self) -> Pusher:
        return Pusher("gitlab", self.user_username, self.user_id)


class GenericPush(Payload):
    repository: str = Field(max_length=500)
    ref: str = Field(max_length=300)
    after: CommitSha
    delivery: str = Field(min_length=1, max_length=200)
    pusher: Login | None = Field(None, description=(
        "who pushed, a login mapped by GREENLIGHT_HOOKS_GIT_USERS: they may not approve the release"))


class HookResult(BaseModel):
    app: str | None = None
    outcome: str = Field(description="released | duplicate | already_released | ignored | pong")
    reason: str | None = None
    release: str | None = Field(None, description="the release made, or the earlier one of this commit")


class HookOut(BaseModel):
    results: list[HookResult]


def github_json(content_type: str, body: bytes) -> bytes | str:
    """A GitHub delivery's JSON: the body, or with the content type `form` (the default of GitHub's API) the form field
    `payload`. Its signature is over the raw body either way, checked before this."""
    if content_type != "application/x-www-form-urlencoded":
        return body
    try:
        [payload] = parse_qs(body.decode(), max_num_fields=10)["payload"]
    except (ValueError, KeyError):  # not UTF-8, too many fields, no `payload` or more than one
        raise ApiError("The form body has no single `payload` field.", status=400) from None
    return payload
