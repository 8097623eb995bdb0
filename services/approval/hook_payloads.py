"""The parts of each host's push payload Greenlight reads (everything else is ignored), and the answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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


class GitHubPush(Payload):
    ref: str = Field(max_length=300)
    after: CommitSha
    repository: Repo


class GitLabPush(Payload):
    ref: str = Field(max_length=300)
    after: CommitSha
    project: Repo


class GenericPush(Payload):
    repository: str = Field(max_length=500)
    ref: str = Field(max_length=300)
    after: CommitSha
    delivery: str = Field(min_length=1, max_length=200)


class HookResult(BaseModel):
    app: str | None = None
    outcome: str = Field(description="released | duplicate | already_released | ignored | pong")
    reason: str | None = None
    release: str | None = Field(None, description="the release made, or the earlier one of this commit")


class HookOut(BaseModel):
    results: list[HookResult]
