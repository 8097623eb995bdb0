"""What keeps a template's pods from ever becoming available on the fake, looked at when a rollout begins.

An image whose repository's last path segment starts with `bad` (`reg/bad:1`, `registry.example/bad@sha256:…`) never
becomes available. A container whose environment takes a key of a Secret (not `optional`) that the namespace lacks, or
that lacks the key, never starts either (the kubelet's CreateContainerConfigError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]


def never_available(image: str) -> bool:
    # Only the repository name counts: a digest is random hex and contains "bad" in about 1.5% of pushes,
    # which once failed a real image's rollout.
    repository = image.split("@", 1)[0]
    last = repository.rsplit("/", 1)[-1].split(":", 1)[0]
    return last.startswith("bad")


def never_ready(namespace: str, spec: Obj, read_secret: Callable[[str, str], Obj | None]) -> bool:
    containers = spec["template"]["spec"].get("containers") or []
    return any(never_available(c.get("image", "")) for c in containers) or \
        _lacks_a_secret(namespace, containers, read_secret)


def _lacks_a_secret(namespace: str, containers: list[Obj], read_secret: Callable[[str, str], Obj | None]) -> bool:
    for container in containers:
        for variable in container.get("env") or []:
            ref = (variable.get("valueFrom") or {}).get("secretKeyRef")
            if ref is None or ref.get("optional"):
                continue
            secret = read_secret(namespace, ref.get("name", "")) or {}
            if ref.get("key") not in {**(secret.get("data") or {}), **(secret.get("stringData") or {})}:
                return True
    return False
