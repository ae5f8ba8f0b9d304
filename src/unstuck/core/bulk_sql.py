"""Bulk writes on the hot paths (event ingest, the deadline worker), in as few statements as the
database allows.

The ORM's bulk_create cannot say which rows it skipped as duplicates, splits inserts into small
statements on SQLite, and bulk_update writes one CASE expression per column. Here:
- SQLite: multi-row VALUES (SQLite >= 3.32 takes 32,766 parameters) and executemany;
- PostgreSQL: one statement per batch over `unnest()` of one array per column, so the driver
  binds a dozen parameters instead of thousands.
Values are passed already adapted with `adapt_time` / `adapt_json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from django.db import connection, models


def _orjson_text(value: Any) -> str:
    return orjson.dumps(value).decode()


@cache
def _stores_text() -> bool:
    """SQLite stores datetimes and JSON as text; PostgreSQL takes them as typed values.

    Cached: looking the vendor up through Django's connection proxy costs more than the adapting.
    """
    return connection.vendor == "sqlite"


def adapt_time(value: datetime | None) -> Any:
    """An aware datetime as the database stores it (what the ORM would send); None stays None."""
    if value is None:
        return None
    if _stores_text():
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def adapt_json(value: Any) -> Any:
    """A JSON-able value as JSON text (SQLite stores it so; PostgreSQL casts it to jsonb)."""
    return _orjson_text(value)


def _column_types(model: type[models.Model], columns: Sequence[str]) -> list[str]:
    types = []
    for name in columns:
        field = next(f for f in model._meta.concrete_fields if f.column == name)
        db_type = field.db_type(connection) or "text"
        if db_type in {"bigserial", "serial"}:
            db_type = "bigint"
        # JSON travels as text in the arrays and is cast per row (see `_select_list`).
        types.append("text" if db_type == "jsonb" else db_type)
    return types


def _select_list(model: type[models.Model], columns: Sequence[str], alias: str) -> str:
    quote = connection.ops.quote_name
    parts = []
    for name in columns:
        field = next(f for f in model._meta.concrete_fields if f.column == name)
        cast = "::jsonb" if field.db_type(connection) == "jsonb" else ""
        parts.append(f"{alias}.{quote(name)}{cast}")
    return ", ".join(parts)


def _unnest(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[str, list[Any]]:
    """`unnest(%s::type[], ...) AS alias(columns)` and its parameters: one list per column."""
    quote = connection.ops.quote_name
    # %b: binary parameters; the driver then sends arrays without quoting each element as text.
    arrays = ", ".join(f"%b::{db_type}[]" for db_type in _column_types(model, columns))
    names = ", ".join(quote(c) for c in columns)
    params = [list(values) for values in zip(*rows, strict=True)]
    return f"unnest({arrays}) AS v({names})", params


def _server_bound_cursor() -> Any:
    """A psycopg cursor that binds parameters on the server (binary arrays).

    Django's PostgreSQL backend binds on the client, which quotes every array element into the
    SQL text in Python; for a 1,000-row batch that quoting costs more than the database's work.
    It runs on Django's own connection, so it takes part in the surrounding transaction.
    """
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def rows_update(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE `model` SET columns... WHERE id = the row's last value, for every row."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if _stores_text():
        assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {quote('id')} = %s", rows)
        return
    source, params = _unnest(model, [*columns, "id"], rows)
    assignments = ", ".join(f"{quote(c)} = {_select_list(model, [c], 'v')}" for c in columns)
    with _server_bound_cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {source} WHERE {table}.{quote('id')} = v.{quote('id')}",
            params,
        )


def rows_insert_ignoring_conflicts(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
    returning: Sequence[str] = (),
    chunk: int = 1000,
) -> list[tuple[Any, ...]]:
    """INSERT rows, skipping those that collide on `conflict`; returns `returning` of the new ones."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
    tail = f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(quote(c) for c in returning)}"
    if not _stores_text():
        source, params = _unnest(model, columns, rows)
        with _server_bound_cursor() as cursor:
            cursor.execute(f"{head}SELECT {_select_list(model, columns, 'v')} FROM {source}{tail}", params)
            return [tuple(r) for r in cursor.fetchall()] if returning else []
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        size = max(1, min(chunk, 30_000 // len(columns)))
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            cursor.execute(
                f"{head}VALUES {', '.join([row_sql] * len(part))}{tail}", [v for row in part for v in row]
            )
            if returning:
                out.extend(tuple(r) for r in cursor.fetchall())
    return out
