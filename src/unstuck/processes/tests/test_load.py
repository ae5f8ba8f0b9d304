import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from unstuck.processes.definition import ProcessDefinitionError
from unstuck.processes.models import ProcessVersion
from unstuck.processes.services import process_load
from unstuck.processes.tests.test_definition import ISSUE_EXAMPLE

pytestmark = pytest.mark.django_db


def test_loading_is_idempotent_and_a_changed_file_makes_a_new_version():
    first = process_load(source=ISSUE_EXAMPLE)
    again = process_load(source=ISSUE_EXAMPLE)
    assert first.created and first.changed
    assert not again.changed and again.version.pk == first.version.pk
    changed = process_load(source=ISSUE_EXAMPLE.replace("max_dwell: 4h", "max_dwell: 5h"))
    assert changed.changed and changed.version.number == 2
    assert ProcessVersion.objects.filter(process=first.process).count() == 2
    assert list(changed.version.steps.values_list("key", "max_dwell")) == [
        ("paid", "5h"),
        ("awaiting_confirmation", "24h"),
        ("failed", ""),
    ]


def test_an_unknown_calendar_is_refused_with_its_line():
    with pytest.raises(ProcessDefinitionError) as caught:
        process_load(source=ISSUE_EXAMPLE.replace("calendar: cn-workdays", "calendar: mars-time"))
    assert caught.value.path == "calendar"
    assert caught.value.line == 3
    assert not ProcessVersion.objects.exists()


def test_the_command_reports_errors_with_file_key_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: p\nsteps:\n  - key: a\n    max_dwell: forever\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad.yaml: steps\[0\].max_dwell \(line 4\)"):
        call_command("process", "load", str(bad))


def test_open_items_stay_on_their_version_unless_migrated():
    from datetime import timedelta

    from unstuck.stalls.models import Stall
    from unstuck.stalls.services import deadlines_process_due
    from unstuck.tracking.models import Item
    from unstuck.tracking.services import event_ingest_batch
    from unstuck.tracking.tests.factories import SIMPLE_PROCESS, T0, event

    v1 = SIMPLE_PROCESS.format(key="simple", promise="")
    process_load(source=v1)
    event_ingest_batch(events=[event("A", "new", 0), event("B", "new", 0)])
    deadlines_process_due(now=T0 + timedelta(hours=2))
    assert Stall.objects.filter(resolved_at__isnull=True).count() == 2

    # v2 drops the limit of `new`: without --migrate-open nothing changes for open items.
    v2 = v1.replace("  - key: new\n    max_dwell: 1h\n", "  - key: new\n")
    kept = process_load(source=v2)
    assert set(Item.objects.values_list("version__number", flat=True)) == {1}
    assert kept.version.number == 2

    v3 = v2 + "  - key: extra\n"
    moved = process_load(source=v3, migrate_open=True)
    assert moved.migrated_items == 2
    assert set(Item.objects.values_list("version__number", flat=True)) == {3}
    assert not Stall.objects.filter(resolved_at__isnull=True).exists()
    assert set(Item.objects.values_list("next_deadline", flat=True)) == {None}
