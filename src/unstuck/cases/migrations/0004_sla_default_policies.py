"""Seed the default SLA policies (P1-P4) and their escalation ladder; admins edit them afterwards."""

from django.db import migrations

# priority: (first response, next update, resolution), in business time of the case team's calendar.
DEFAULTS = {
    "P1": ("30m", "2h", "4h"),
    "P2": ("1h", "4h", "1d"),
    "P3": ("4h", "1d", "3d"),
    "P4": ("8h", "3d", "10d"),
}
# The owner at 75% of the resolution time, the team lead at the breach, the team's supervisors 2h after.
LADDER = [
    (1, 0.75, "", "owner"),
    (2, 1.0, "", "team_lead"),
    (3, 1.0, "2h", "team_supervisors"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    EscalationLevel = apps.get_model("cases", "EscalationLevel")
    for priority, (first, update, resolution) in DEFAULTS.items():
        policy, created = SlaPolicy.objects.get_or_create(
            priority=priority,
            defaults={
                "first_response": first,
                "next_update": update,
                "resolution": resolution,
                "pause_statuses": ["waiting_customer"],
                "warn_fractions": [0.5, 0.75],
            },
        )
        if created:
            for position, fraction, delay, notify in LADDER:
                EscalationLevel.objects.create(
                    policy=policy,
                    position=position,
                    target="resolution",
                    at_fraction=fraction,
                    delay=delay,
                    notify=notify,
                    reassign="none",
                )


def unseed(apps, schema_editor):
    apps.get_model("cases", "SlaPolicy").objects.filter(priority__in=list(DEFAULTS)).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_sla_policies")]

    operations = [migrations.RunPython(seed, unseed)]
