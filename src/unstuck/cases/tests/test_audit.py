"""The timeline's hash chain: `unstuck audit verify` passes on an honest history and names the
first entry that was altered or removed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from unstuck.cases.models import TimelineEntry
from unstuck.cases.services import case_note_add
from unstuck.cases.tests.factories import manual_case, person

pytestmark = pytest.mark.django_db


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue().strip()


def busy_history() -> None:
    author = person("writer", "admin")
    for n in range(3):
        case = manual_case(title=f"案例 {n}")
        for i in range(3):
            case_note_add(case_id=case.pk, actor=author, text=f'第{i}条备注 {{"json": true}}')


def test_an_honest_history_verifies() -> None:
    busy_history()
    assert verify() == "ok: 12 entries in 3 cases"  # opened + 3 notes each


def test_a_row_altered_with_raw_sql_is_named() -> None:
    busy_history()
    target = TimelineEntry.objects.filter(kind="note").order_by("pk")[4]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_timelineentry SET message = %s WHERE id = %s", ["改过了", target.pk])
    with pytest.raises(CommandError) as broken:
        verify()
    assert f"entry {target.seq} (id {target.pk})" in str(broken.value)
    assert str(target.case.number) in str(broken.value)


def test_a_removed_entry_is_found_in_the_middle_or_at_the_end() -> None:
    busy_history()
    middle, last = TimelineEntry.objects.filter(case__title="案例 1").order_by("seq")[
        1::2
    ]  # entries 2 and 4 of 4
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_timelineentry WHERE id = %s", [last.pk])
    with pytest.raises(CommandError, match="4 entries recorded, chain ends at 3"):
        verify()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_timelineentry WHERE id = %s", [middle.pk])
    with pytest.raises(CommandError, match=f"entry {middle.seq} is missing"):
        verify()
