"""Which secrets an app's greenlight.yaml may put in its containers' environment: its own, and those the operator
shares.

The spec comes from the repository, hostile until proven otherwise, and every app of a namespace (or of the local
secrets file) sits beside every other's secrets: a `secret_env` naming another app's Secret would hand its values to
code that app's owners never reviewed. RBAC cannot tell the two apart (the deployer's Role reads no Secret; the
kubelet resolves the reference), so the line is drawn here, before anything reaches the platform. An app's own
secrets are named after it: `<app>` or `<app>-<anything>` (`tmapp-secrets` for `tmapp`).
"""

from __future__ import annotations

from collections.abc import Collection

from services.shared.appspec import AppSpec

SETTING = "GREENLIGHT_DEPLOYER_SHARED_SECRETS"


def owns(app: str, secret: str) -> bool:
    return secret == app or secret.startswith(f"{app}-")


def refused_secrets(app: str, spec: AppSpec, shared: Collection[str]) -> str | None:
    """Why the spec may not be deployed, or None: the secrets it names that are neither the app's nor shared."""
    foreign = sorted({ref.secret for ref in spec.secret_env.values()
                      if not owns(app, ref.secret) and ref.secret not in shared})
    if not foreign:
        return None
    return (f"secret_env names {', '.join(foreign)}, not secrets of app {app}: an app reads only its own "
            f"(named {app} or {app}-*) and those the operator shares in {SETTING}")
