"""`greenlight.yaml`: how to build and run an app, versioned with its code."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo, field_validator

from services.shared.analysis_spec import AnalysisSpec
from services.shared.approval_policy import FROM_REPOSITORY, ApprovalPolicy

SPEC_FILE = "greenlight.yaml"
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# readiness_path is repository content that reaches probes and HAProxy (its admin socket, the health
# check's request line): RFC 3986's path characters (unreserved, %XX, ':' '@' and the sub-delims but ';'
# and "'"), then an optional query of the same and '/' '?'. No whitespace, control characters, ';' (the
# HAProxy CLI's command separator), '\\' (its escape), '#', quotes or '<>{}|^`'.
READINESS_PATH_MAX = 200
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&()*+,=:@]|%[0-9A-Fa-f]{2})"
READINESS_PATH = re.compile(rf"/(?:{_PCHAR}|/)*(?:\?(?:{_PCHAR}|[/?])*)?")


# What the API server takes (a Secret's name is a DNS-1123 subdomain, a key a config key), checked where a
# repository's greenlight.yaml is read: unchecked, a release went through build and push to fail at deploy (422).
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")


class SecretRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    secret: str = Field(description="name of the Kubernetes Secret (or local secrets-file section)")
    key: str = Field(description="key inside that Secret")
    # Left out of a dump when false: the events and stored releases of a required reference stay as they were before
    # the field, so an older replica in a rolling upgrade reads them as its own.
    optional: bool = Field(False, exclude_if=lambda optional: not optional, description=(
        "true: the variable is left unset when the Secret or key is missing (Kubernetes' secretKeyRef.optional; "
        "locally, when the secrets file lacks it) instead of the pod not starting and the local deploy being "
        "refused; default false"))

    @field_validator("secret", "key")
    @classmethod
    def _kubernetes_name(cls, value: str, info: ValidationInfo) -> str:
        if not (info.context or {}).get(FROM_REPOSITORY):  # a release logged before the rule is still read back
            return value
        secret = info.field_name == "secret"
        if len(value) > 253 or not (_SUBDOMAIN if secret else _CONFIG_KEY).fullmatch(value):
            raise ValueError("a Secret's name: lower-case letters, digits, '-' and '.', at most 253 characters"
                             if secret else "a key: letters, digits, '-', '_' and '.', at most 253 characters")
        return value


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


# A greenlight.yaml is the repository's, read on the builder's event loop. YAML aliases let a 13 kB file list one
# mapping of 1,000 bad keys 1,000 times: validated, 10**6 errors (4 s, 1.5 GB), a reason of 55 MB. Values are
# counted with the aliases expanded, and no more than MAX_SPEC_PROBLEMS problems are named (an event is ≤ 1 MB).
MAX_SPEC_VALUES = 10_000
MAX_SPEC_PROBLEMS = 10


def _too_many_values(raw: object) -> bool:
    """More than MAX_SPEC_VALUES keys and values, each alias counted as often as it is used (a loop: for ever)."""
    pending, seen = [raw], 0
    while pending:
        seen += 1
        if seen > MAX_SPEC_VALUES:
            return True
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(node.keys())
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False


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
    if _too_many_values(raw):
        raise AppSpecError(f"{SPEC_FILE} holds more than {MAX_SPEC_VALUES} values (its aliases expanded)")
    try:
        return AppSpec.model_validate(raw, context={FROM_REPOSITORY: True})
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))[:200]}: {e['msg'][:300]}"
                             for e in errors[:MAX_SPEC_PROBLEMS])
        more = f" (and {len(errors) - MAX_SPEC_PROBLEMS} more problems)" if len(errors) > MAX_SPEC_PROBLEMS else ""
        raise AppSpecError(f"{SPEC_FILE} is invalid: {problems}{more}") from exc
