"""The text at a path in a JSON text column, or NULL, in SQLite's and PostgreSQL's words.

SQLAlchemy's own `JSON` type would make the columns JSON, and the log's bodies and the releases' snapshots stay
text: stored as the services serialised them, compared byte for byte (fold.py). Each path is a class of its own,
made once: SQLAlchemy caches a statement's compiled form by its elements' classes and their state, and a path kept
on the instance would be left out of that key (two paths, one cached SQL).
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles


class JsonText(sa.sql.functions.FunctionElement[str]):
    type = sa.String()
    inherit_cache = True
    name = "json_text"
    path: tuple[str, ...] = ()


@functools.cache
def _at(path: tuple[str, ...]) -> type[JsonText]:
    return type(f"JsonText_{'_'.join(path)}", (JsonText,), {"path": path, "inherit_cache": True})


def json_text(column: Any, *path: str) -> JsonText:
    """The text at `path` (keys, from the top) in `column`'s JSON, or NULL."""
    return _at(path)(column)


@compiles(JsonText, "sqlite")
def _sqlite(element: JsonText, compiler: Any, **kw: Any) -> str:
    return f"json_extract({compiler.process(element.clauses, **kw)}, '$.{'.'.join(element.path)}')"


@compiles(JsonText, "postgresql")
def _postgresql(element: JsonText, compiler: Any, **kw: Any) -> str:
    # PostgreSQL's JSON refuses `\u0000` at any read into the text ("unsupported Unicode escape sequence"), and a
    # body may hold one (a failed build's reason quoting a hostile RUN's output): one such row failed every read
    # that looked into it. It reads as U+FFFD; an escaped backslash before it (`\\u0000`) stays valid JSON.
    text = f"replace({compiler.process(element.clauses, **kw)}, '\\u0000', '\\ufffd')"
    return f"(CAST({text} AS JSON) #>> '{{{','.join(element.path)}}}')"
