"""Objects, the global resourceVersion counter, the bounded event history and the live watchers."""

from __future__ import annotations

import asyncio
import copy
import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fake_k8s.resources import Kind
from tests.fake_k8s.status import ApiStatus

Obj = dict[str, Any]
Key = tuple[str, str, str]  # plural, namespace ('' for cluster-scoped), name


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Event:
    version: int
    type: str  # ADDED, MODIFIED, DELETED
    kind: Kind
    obj: Obj


@dataclass
class Store:
    history_size: int = 1000
    version: int = 100
    objects: dict[Key, Obj] = field(default_factory=dict)
    history: deque[Event] = field(default_factory=deque)
    watchers: set[asyncio.Queue[Event | None]] = field(default_factory=set)

    def next_version(self) -> str:
        self.version += 1
        return str(self.version)

    def get(self, kind: Kind, namespace: str, name: str) -> Obj | None:
        obj = self.objects.get((kind.plural, namespace, name))
        return copy.deepcopy(obj) if obj is not None else None

    def items(self, kind: Kind, namespace: str | None) -> list[Obj]:
        return [copy.deepcopy(o) for (plural, ns, _), o in sorted(self.objects.items())
                if plural == kind.plural and (namespace is None or ns == namespace)]

    def put(self, kind: Kind, obj: Obj, event_type: str) -> Obj:
        """Store a new revision: fresh resourceVersion, one event to every watcher."""
        meta = obj["metadata"]
        meta["resourceVersion"] = self.next_version()
        if event_type == "ADDED":
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now()
        self.objects[(kind.plural, meta.get("namespace", ""), meta["name"])] = copy.deepcopy(obj)
        self._emit(Event(int(meta["resourceVersion"]), event_type, kind, copy.deepcopy(obj)))
        return obj

    def delete(self, kind: Kind, namespace: str, name: str) -> Obj:
        obj = self.objects.pop((kind.plural, namespace, name))
        obj["metadata"]["resourceVersion"] = self.next_version()
        self._emit(Event(int(obj["metadata"]["resourceVersion"]), "DELETED", kind, copy.deepcopy(obj)))
        return obj

    def _emit(self, event: Event) -> None:
        self.history.append(event)
        while len(self.history) > self.history_size:
            self.history.popleft()
        for queue in self.watchers:
            queue.put_nowait(event)

    def since(self, version: int) -> list[Event]:
        """Events after `version`; 410 when the history no longer reaches back that far."""
        floor = self.history[0].version - 1 if self.history else self.version
        if version < floor:
            raise ApiStatus(410, f"too old resource version: {version} ({self.version})", "Expired")
        return [e for e in self.history if e.version > version]


def matches(obj: Obj, label_selector: str | None, field_selector: str | None) -> bool:
    meta = obj.get("metadata", {})
    return _labels_match(meta.get("labels") or {}, label_selector or "") and \
        _fields_match(meta, field_selector or "")


_SET_TERM = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split_terms(selector: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    return [t for t in [*terms, current] if t.strip()]


def _labels_match(labels: dict[str, str], selector: str) -> bool:
    for term in _split_terms(selector):
        if match := _SET_TERM.match(term):
            key, op, values = match.groups()
            allowed = {v.strip() for v in values.split(",")}
            if (labels.get(key) in allowed) != (op == "in") or (op == "in" and key not in labels):
                return False
        elif "!=" in term:
            key, value = (s.strip() for s in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
            if labels.get(key) != value:
                return False
        elif term.strip().startswith("!"):
            if term.strip()[1:] in labels:
                return False
        elif term.strip() not in labels:
            return False
    return True


def _fields_match(meta: Obj, selector: str) -> bool:
    for term in _split_terms(selector):
        negate = "!=" in term
        key, value = (s.strip() for s in term.replace("!=", "=").replace("==", "=").split("=", 1))
        if key not in ("metadata.name", "metadata.namespace"):
            raise ApiStatus(400, f'"{key}" is not a known field selector: only "metadata.name", '
                                 '"metadata.namespace"')
        if (meta.get(key.split(".")[1], "") == value) == negate:
            return False
    return True
