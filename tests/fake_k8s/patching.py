"""The three PATCH content types kubernetes-asyncio sends, applied as the API server applies them."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch

from tests.fake_k8s.status import ApiStatus

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
# patchMergeKey of the list fields Greenlight's objects use (from the API's Go struct tags).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
              "volumeMounts": "mountPath", "conditions": "type", "imagePullSecrets": "name"}


def apply_patch(current: dict[str, Any], body: bytes, content_type: str) -> dict[str, Any]:
    media = content_type.split(";")[0].strip().lower()
    if media not in (JSON_PATCH, MERGE_PATCH, STRATEGIC):
        raise ApiStatus(415, "the body of the request was in an unknown format - accepted media types "
                             f"include: {JSON_PATCH}, {MERGE_PATCH}, {STRATEGIC}")
    try:
        patch = json.loads(body)
    except ValueError as exc:
        raise ApiStatus(400, f"error decoding patch: {exc}") from exc
    if media == JSON_PATCH:
        if not isinstance(patch, list):
            raise ApiStatus(400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        try:
            return jsonpatch.JsonPatch(patch).apply(copy.deepcopy(current))  # type: ignore[no-any-return]
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            # The API server answers a failed `test` or a bad path with 422 and the library's message.
            raise ApiStatus(422, str(exc)) from exc
    if not isinstance(patch, dict):
        raise ApiStatus(400, "json: cannot unmarshal array into Go value of type map[string]interface {}")
    return merge_patch(current, patch) if media == MERGE_PATCH else strategic_merge(current, patch)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: maps merge, null deletes, anything else (lists included) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge(target: Any, patch: Any, key: str = "") -> Any:
    """Strategic merge for the fields Greenlight's objects have: keyed lists merge item by item."""
    if not isinstance(patch, dict) or not isinstance(target, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = copy.deepcopy(target)
    if isinstance(retained := patch.get("$retainKeys"), list):  # a map like `strategy`: the keys not listed go
        result = {k: v for k, v in result.items() if k in retained}
    for name, value in patch.items():
        if name.startswith("$"):
            continue  # $setElementOrder and friends only order lists; order is kept as patched here
        if value is None:
            result.pop(name, None)
        elif isinstance(value, list) and (merge_key := _merge_key(name, value)) is not None:
            result[name] = _merge_list(result.get(name) or [], value, merge_key)
        else:
            result[name] = strategic_merge(result.get(name), value, name)
    return result


def _merge_key(name: str, items: list[Any]) -> str | None:
    if name == "ports":  # containerPort in a container, port in a Service
        return "containerPort" if any(isinstance(i, dict) and "containerPort" in i for i in items) else "port"
    return MERGE_KEYS.get(name)


def _merge_list(current: list[Any], patch: list[Any], merge_key: str) -> list[Any]:
    result = copy.deepcopy(current)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise ApiStatus(400, f"map: {item} does not contain declared merge key: {merge_key}")
        index = next((i for i, old in enumerate(result) if old.get(merge_key) == item[merge_key]), None)
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
        elif index is None:
            result.append(copy.deepcopy(item))
        else:
            result[index] = strategic_merge(result[index], item)
    return result
