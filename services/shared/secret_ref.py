"""A `secret_env` entry of greenlight.yaml: the Secret (or local secrets-file section) and key of a variable."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from services.shared.approval_policy import FROM_REPOSITORY

# What the API server takes (a Secret's name is a DNS-1123 subdomain, a key a config key), checked where a
# repository's greenlight.yaml is read: unchecked, a release went through build and push to fail at deploy (422).
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# Kubernetes' IsConfigMapKey also refuses `.`, `..` and a `..` prefix: a key is a file name in a mounted Secret.
_CONFIG_KEY = re.compile(r"(?!\.\.)(?!\.\Z)[-._a-zA-Z0-9]+")


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
                             if secret else "a key: letters, digits, '-', '_' and '.', at most 253 characters, "
                             "neither '.' nor starting with '..'")
        return value
