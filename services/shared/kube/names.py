"""Which name templates (`GREENLIGHT_KUBE_*_NAME`) give every app names Kubernetes takes and blue/green needs.

Checked at start: a template the API server refuses for some app (a dot in a Service name, a name past 63
characters for the longest app name the API admits) would otherwise fail each of that app's releases at deploy,
after its build and push; one without `{colour}` would put both colours on one Deployment.
"""

from __future__ import annotations

import re
import string

from services.shared.release import NEW_APP_MAX_LENGTH

# A Service's name is a DNS-1035 label; a Deployment's a DNS-1123 subdomain, with room for the "-<pod-template-hash>"
# (at most 11 characters) its ReplicaSets' names add.
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
LABEL_MAX, SUBDOMAIN_MAX, REPLICA_SET_SUFFIX = 63, 253, 11
APPS = ("a", "a" * NEW_APP_MAX_LENGTH)  # the shortest and the longest name a new app may have


def check_name_template(template: str, *, deployment: bool) -> str:
    fields = {"app", "colour"} if deployment else {"app"}
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"{template!r} is no name template: {exc}") from None
    if unknown := used - fields:
        raise ValueError(f"{template!r} names {', '.join('{' + u + '}' for u in sorted(unknown))}: only "
                         f"{' and '.join('{' + f + '}' for f in sorted(fields))} are known")
    if missing := fields - used:
        raise ValueError(f"{template!r} lacks {', '.join('{' + m + '}' for m in sorted(missing))}: "
                         + ("each colour needs a Deployment of its own" if "colour" in missing
                            else "each app needs objects of its own"))
    for app in APPS:
        name = template.format(app=app, colour="green")
        if deployment and not (DNS1123_SUBDOMAIN.fullmatch(name) and
                               len(name) <= SUBDOMAIN_MAX - REPLICA_SET_SUFFIX):
            raise ValueError(f"{template!r} gives {name!r}, which Kubernetes refuses as a Deployment's name: a "
                             f"DNS-1123 subdomain of at most {SUBDOMAIN_MAX - REPLICA_SET_SUFFIX} characters")
        if not deployment and not (DNS1035_LABEL.fullmatch(name) and len(name) <= LABEL_MAX):
            raise ValueError(f"{template!r} gives {name!r} for an app name of {len(app)} characters, which "
                             f"Kubernetes refuses as a Service's name: a DNS-1035 label (lower-case letters, digits "
                             f"and '-', a letter first, no '.') of at most {LABEL_MAX} characters")
    return template
