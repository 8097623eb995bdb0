"""A logged release's `spec` with the fields this version's greenlight.yaml models do not know.

A newer Greenlight may add a field to greenlight.yaml (or to its `approval` or `analysis` blocks); its events carry it
in `release.spec`, whose models refuse unknown fields so that a typo in a repository's file fails the release. Read
as such, every later event of the release was unreadable to an older replica in a rolling upgrade: dead-lettered by
its services, skipped by its projector, a 500 where its snapshot was read. `LoggedSpec` reads a spec as AppSpec and,
only where AppSpec refuses it for unknown fields alone, as `SpecAsLogged`: those fields set aside, and written back
where they were in every event made from it, so the newer replicas after this one act on them. The models stay as
strict as they are for a repository's file, and a spec AppSpec reads costs nothing more. A value this version
cannot read (a new enum member, a wider type) is still refused.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import (
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from services.shared.appspec import AppSpec

Path = tuple[str | int, ...]


class SpecAsLogged(AppSpec):
    """An AppSpec read from the log with fields this version does not know (path inside the spec, value)."""

    _unknown: tuple[tuple[Path, Any], ...] = PrivateAttr(())

    @model_validator(mode="wrap")
    @classmethod
    def _set_aside(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Self:
        try:
            return handler(data)  # type: ignore[no-any-return]
        except ValidationError as exc:
            paths = [error["loc"] for error in exc.errors() if error["type"] == "extra_forbidden"]
            if not paths or len(paths) < len(exc.errors()) or not isinstance(data, dict):
                raise
            known = _copied(data, paths)
            unknown = tuple((path, _at(known, path[:-1]).pop(path[-1])) for path in paths)
            spec: Self = handler(known)
            spec._unknown = unknown
            return spec

    @model_serializer(mode="wrap")
    def _written_back(self, handler: SerializerFunctionWrapHandler) -> Any:
        written = handler(self)
        for path, value in self._unknown:
            try:
                _at(written, path[:-1])[path[-1]] = value
            except (KeyError, IndexError, TypeError):  # its place left out of this dump (exclude=...)
                continue
        return written


class _ReadAsLogged:
    """AppSpec first (pydantic-core alone, from JSON), SpecAsLogged only if that fails; AppSpec's JSON schema (the
    union's `ref` keeps the field untitled, as a plain `AppSpec | None` is)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # The labels name each try in the errors of a spec neither reads (`release.spec.AppSpec.port: ...`).
        choices: list[CoreSchema | tuple[CoreSchema, str]] = [
            (handler.generate_schema(AppSpec), "AppSpec"), (handler.generate_schema(SpecAsLogged), "as logged")]
        return core_schema.union_schema(choices, mode="left_to_right", ref="LoggedSpec")

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return handler.resolve_ref_schema(handler(schema))["anyOf"][0]  # type: ignore[no-any-return]


LoggedSpec = Annotated[AppSpec, _ReadAsLogged()]


def _copied(value: Any, paths: list[Path]) -> Any:
    # Only the dicts and lists on the paths are copied: the caller's input stays as it was.
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    for step in {path[0] for path in paths if len(path) > 1}:
        copy[step] = _copied(copy[step], [path[1:] for path in paths if path[0] == step and len(path) > 1])
    return copy


def _at(value: Any, where: Path) -> Any:
    for step in where:
        value = value[step]
    return value
