"""Give the built-in calendars rows, so admins find them in the admin and can override them.

The code defaults (specs.builtin_specs) still apply whenever these rows are absent; the values are
copied here rather than imported so this migration means the same thing forever.
"""

from datetime import time

from django.db import migrations

BUILTINS = [
    {
        "key": "always",
        "name": "全天候（24x7）/ Always",
        "timezone": "UTC",
        "base": "always",
        "holiday_region": "",
        "work_start": time(0),
        "work_end": time(0),
    },
    {
        "key": "cn-workdays",
        "name": "中国大陆工作日 / Mainland China workdays",
        "timezone": "Asia/Shanghai",
        "base": "cn-workdays",
        "holiday_region": "CN",
        "work_start": time(9),
        "work_end": time(18),
    },
]


def create_builtins(apps, schema_editor):
    Calendar = apps.get_model("calendars", "Calendar")
    for values in BUILTINS:
        Calendar.objects.get_or_create(key=values["key"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]

    # Reversing leaves the rows: they may carry overrides an admin made, and the code defaults equal them.
    operations = [migrations.RunPython(create_builtins, migrations.RunPython.noop)]
