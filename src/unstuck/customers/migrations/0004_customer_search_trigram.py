"""Trigram indexes for the desk's search inside customer names and phone numbers, on PostgreSQL only.

`name__icontains` is `UPPER(name::text) LIKE UPPER('%q%')` and `phone__contains` is
`phone::text LIKE '%q%'`; GIN indexes over those expressions with `gin_trgm_ops` answer them
without reading every customer. SQLite has no such index and keeps scanning (fast enough at
100,000 customers, see bench/desk_pages.py). Where the pg_trgm extension cannot be created (no
right to), the migration leaves the search as it was rather than fail the upgrade.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, migrations, transaction

INDEXES = {
    "customer_name_trgm_idx": "(UPPER(name::text)) gin_trgm_ops",
    "customer_phone_trgm_idx": "(phone::text) gin_trgm_ops",
}


def create(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            try:
                with transaction.atomic(using=connection.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except DatabaseError:
                return
        for name, expression in INDEXES.items():
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer USING gin ({expression})"
            )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_scale_indexes")]

    operations = [migrations.RunPython(create, drop)]
