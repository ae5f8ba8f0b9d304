"""Two owner indexes that others already cover: the owner foreign key's own one-column index and
(owner, status), both prefixes of case_owner_sla_idx (owner, status, sla_due_at). Each index costs
every case write; dropping them also leaves the planner one owner-led choice per query.

Only the index goes: changing `db_index` through AlterField would make SQLite copy the whole table,
so the database side drops the foreign key's index by the name Django gave it.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _owner_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> tuple[type[models.Model], str]:
    case = apps.get_model("cases", "Case")
    column = case._meta.get_field("owner").column
    return case, schema_editor._create_index_name(case._meta.db_table, [column], suffix="")


def drop_owner_fk_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _, name = _owner_index(apps, schema_editor)
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_owner_fk_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    case, name = _owner_index(apps, schema_editor)
    column = schema_editor.quote_name(case._meta.get_field("owner").column)
    table = schema_editor.quote_name(case._meta.db_table)
    schema_editor.execute(f"CREATE INDEX {schema_editor.quote_name(name)} ON {table} ({column})")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_case_step"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="case_owner_status_idx"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.PROTECT,
                        related_name="owned_cases",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_owner_fk_index, create_owner_fk_index)],
        ),
    ]
