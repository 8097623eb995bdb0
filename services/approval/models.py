"""The API's request bodies (a release, a decision, a rollback); the OpenAPI document is built from these.

The rules every input shares (no NUL, RFC 3339 times in UTC) are in input_rules.py, re-exported here."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from services.approval.input_rules import Body
from services.approval.input_rules import NulFree as NulFree  # re-exported: params.py, hook_payloads.py
from services.approval.input_rules import Rfc3339 as Rfc3339  # re-exported: params.py
from services.approval.input_rules import in_utc as in_utc  # re-exported: delivery_reads.py, delivery_views.py
from services.approval.inputs import REF_PATTERN, REPOSITORY_PATTERN
from services.shared.release import NewAppName

# An image pinned by digest: `<registry>/<repository>@sha256:<64 hex>`; a tag could move under us.
PINNED_IMAGE = r"^[a-z0-9.:/_-]{1,400}@sha256:[0-9a-f]{64}$"


class ReleaseRequest(Body):
    # A full SHA needs no network, so the example is accepted by any Greenlight whatever its DNS.
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"app": "tmapp", "repository": "https://github.com/greenlight-dev/tmapp.git",
                      "commit": "4b825dc642cb6eb9a060e54bf8d69288fbee4904"}],
        # Which fields go together (promotion.check_request_fields), said where schema tools can read it.
        "oneOf": [
            {"required": ["repository", "commit"], "properties": {
                "repository": {"type": "string"}, "commit": {"type": "string"}, "from_release": {"type": "null"}}},
            {"required": ["from_release"], "properties": {
                "from_release": {"type": "string"}, "repository": {"type": "null"}, "commit": {"type": "null"},
                "image": {"type": "null"}}},
        ],
    })

    app: NewAppName = Field(description="the app to release: a DNS-1035 label of at most 55 characters, "
                                        "so that every name derived from it is valid on the platform")
    repository: str | None = Field(
        None, min_length=1, max_length=500, pattern=REPOSITORY_PATTERN,
        description="git URL (https, ssh, git or user@host:path; never with credentials: the operator configures "
                    "a credential helper); required unless `from_release` is given. 403 when the operator's "
                    "GREENLIGHT_REPOSITORY_ALLOW does not allow it")
    commit: str | None = Field(
        None, min_length=1, max_length=255, pattern=REF_PATTERN,
        description="a 40-hex commit SHA, or a branch, tag or HEAD (404 when the repository has no such ref); "
                    "required unless `from_release` is given")
    image: str | None = Field(None, pattern=PINNED_IMAGE,
                              description="deploy this image (pinned by digest) instead of building; it must "
                                          "be in the app's repository of the target registry. The spec is "
                                          "read from greenlight.yaml at `commit`")
    from_release: str | None = Field(None, min_length=1, max_length=64,
                                     description="redeploy the image of this earlier release of the app "
                                                 "(same repository, commit and spec), without building")


class DecisionRequest(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comment": "preview checked"}]})

    comment: str | None = Field(None, max_length=2000, description="why; kept in the audit trail")


class RollbackRequest(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "error rate doubled"}]})

    reason: str = Field(min_length=1, max_length=2000, description="why the live release is rolled back")
    to: str | None = Field(None, min_length=1, max_length=64, description=(
        "roll back to this earlier release of the app: a new release redeploys its image (no build), runs the "
        "checks and switches, `restores` naming it; the request is its approval unless the app's policy says "
        "`rollback_needs_approval`. Without `to`: the previous release, still warm, goes live again at once"))
