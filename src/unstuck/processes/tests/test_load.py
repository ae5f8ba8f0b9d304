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
