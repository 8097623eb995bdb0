"""`greenlight.yaml`: how to build and run an app, versioned with its code."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo, field_validator

from services.shared.analysis_spec import AnalysisSpec
from services.shared.approval_policy import FROM_REPOSITORY, ApprovalPolicy
from services.shared.secret_ref import SecretRef
from services.shared.spec_bounds import MAX_SPEC_PROBLEMS, MAX_SPEC_VALUES, too_many_values

SPEC_FILE = "greenlight.yaml"
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# readiness_path is repository content that reaches probes and HAProxy (its admin socket, the health
# check's request line): RFC 3986's path characters (unreserved, %XX, ':' '@' and the sub-delims but ';'
# and "'"), then an optional query of the same and '/' '?'. No whitespace, control characters, ';' (the
# HAProxy CLI's command separator), '\\' (its escape), '#', quotes or '<>{}|^`'.
READINESS_PATH_MAX = 200
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&()*+,=:@]|%[0-9A-Fa-f]{2})"
READINESS_PATH = re.compile(rf"/(?:{_PCHAR}|/)*(?:\?(?:{_PCHAR}|[/?])*)?")
__all__ = ["MAX_SPEC_PROBLEMS", "MAX_SPEC_VALUES", "SPEC_FILE", "AppSpec", "AppSpecError", "SecretRef",
           "parse_app_spec"]


class AppSpec(BaseModel):
    """Every field has a default, so a plain repository with a Dockerfile needs no greenlight.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dockerfile: str = Field("Dockerfile", description="path of the Dockerfile, relative to the repo root")
    context: str = Field(".", description="build context, relative to the repo root")
    image: str | None = Field(None, description="image repository name; default: the app name")
    port: int = Field(8080, ge=1, le=65535, description="port the container listens on")
    readiness_path: str = Field("/readyz", pattern=r"^/", description="HTTP path that answers 200 when ready")
    replicas: int = Field(2, ge=1, le=100, description="replicas of each colour")
    namespace: str | None = Field(None, description="Kubernetes namespace; default: the deployer's setting")
    env: dict[EnvName, str] = Field(default_factory=dict, description="plain environment variables")
    secret_env: dict[EnvName, SecretRef] = Field(
        default_factory=dict, description="environment variables whose values come from secrets"
    )
    # Issue 18 (approval policy): its own block, bounded by the operator's settings.
    approval: ApprovalPolicy | None = Field(None, description=(
        "approval policy: required approvals, soak, expiry, auto-promotion (services/shared/approval_policy.py)"))
    build_args: dict[EnvName, str] = Field(default_factory=dict, description="extra docker build args")
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec,
                                   description="checks before approval (pre) and after the switch (post)")

    @field_validator("readiness_path")
    @classmethod
    def _url_path(cls, value: str, info: ValidationInfo) -> str:
        # Where a repository's greenlight.yaml is read (parse_app_spec), not where a logged event is: a release logged
        # before this rule is still read back (the HAProxy socket refuses such an argument on its own).
        if not (info.context or {}).get(FROM_REPOSITORY):
            return value
        if len(value) > READINESS_PATH_MAX or not READINESS_PATH.fullmatch(value):
            raise ValueError(
                f"must be a URL path of at most {READINESS_PATH_MAX} characters: '/' then letters, digits, "
                "-._~!$&()*+,=:@/ or %XX escapes, optionally ?query; no spaces, control characters, ';', "
                "'#', '\\' or quotes")
        return value

    @field_validator("dockerfile", "context")
    @classmethod
    def _inside_repo(cls, value: str) -> str:
        if "/" not in value and value != "..":  # the usual "Dockerfile" and ".": no path to parse
            return value
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError("must be a relative path inside the repository")
        return value

    def image_name(self, app: str) -> str:
        return self.image or app

    def foreign_image(self, app: str) -> str | None:
        """Why `image` is not `app`'s own repository to push to or release from (None when it is): its last path
        component must be the app's name. Named freely, a repository's greenlight.yaml pushed into another app's
        registry repository and released that app's images as its own; app names are unique, so no two apps'
        repositories meet. Checked where images are pushed and released (builder, pusher), not in validation: a
        release logged before the rule is still read back."""
        if self.image is None or self.image.rsplit("/", 1)[-1] == app:
            return None
        return (f"image {self.image!r} is not app {app}'s: its last path component must be the app's name "
                f"({app} or <namespace>/{app})")


class AppSpecError(ValueError):
    """A bad greenlight.yaml; the message is what the release's failure reason says."""


def parse_app_spec(text: str | None) -> AppSpec:
    if text is None:
        return AppSpec()
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AppSpecError(f"{SPEC_FILE} is not valid YAML: {exc}") from exc
    if raw is None:
        return AppSpec()
    if not isinstance(raw, dict):
        raise AppSpecError(f"{SPEC_FILE} must be a mapping, got {type(raw).__name__}")
    raw.pop("app", None)  # informational: the release names the app
    if too_many_values(raw):
        raise AppSpecError(f"{SPEC_FILE} holds more than {MAX_SPEC_VALUES} values (its aliases expanded)")
    try:
        return AppSpec.model_validate(raw, context={FROM_REPOSITORY: True})
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))[:200]}: {e['msg'][:300]}"
                             for e in errors[:MAX_SPEC_PROBLEMS])
        more = f" (and {len(errors) - MAX_SPEC_PROBLEMS} more problems)" if len(errors) > MAX_SPEC_PROBLEMS else ""
        raise AppSpecError(f"{SPEC_FILE} is invalid: {problems}{more}") from exc
