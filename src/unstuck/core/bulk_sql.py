"""Updating many rows by primary key in one round trip per batch (executemany), which the ORM's
bulk_update (one CASE expression per column) does several times slower on both databases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def rows_update(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE `model` SET columns... WHERE id = last value, for each row (values already adapted)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def adapt_time(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value) if value is not None else None


def adapt_json(model: type[models.Model], field: str, value: Any) -> Any:
    return model._meta.get_field(field).get_db_prep_save(value, connection)  # type: ignore[union-attr]


def rows_insert_ignoring_conflicts(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
    returning: Sequence[str] = (),
    chunk: int = 1000,
) -> list[tuple[Any, ...]]:
    """INSERT rows, skipping those that collide on `conflict`; returns `returning` of the new ones.

    Multi-row VALUES in chunks (SQLite >= 3.32 allows 32,766 parameters per statement), which the
    ORM splits into far smaller statements on SQLite.
    """
    if not rows:
        return []
    quote = connection.ops.quote_name
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    tail = f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(quote(c) for c in returning)}"
    size = max(1, min(chunk, 30_000 // len(columns)))
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            cursor.execute(head + ", ".join([row_sql] * len(part)) + tail, [v for row in part for v in row])
            if returning:
                out.extend(tuple(r) for r in cursor.fetchall())
    return out
