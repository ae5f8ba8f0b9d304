"""The timeline's sealed hash chain: `unstuck audit verify` passes on an honest history, and catches
the two forgeries someone with database access but without the audit key or the anchor file can try
(rewrite an entry and recompute the chain; delete the last entry and roll the head back), naming every
broken case. Entries written before the key existed verify as a plain chain until an anchor pins them."""

from __future__ import annotations

import json
import os
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from unstuck.cases.audit_seal import audit_key
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.services import case_note_add
from unstuck.cases.tests.factories import manual_case, person
from unstuck.cases.timeline import entry_hash

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def audit_files(settings, tmp_path: Path) -> Path:
    """A fresh key file and anchor file per test (the row ids they name are reused after rollback)."""
    settings.UNSTUCK_AUDIT_KEY = ""
    settings.UNSTUCK_AUDIT_KEY_FILE = str(tmp_path / "secret" / "audit_key")
    settings.UNSTUCK_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors" / "audit_anchors.jsonl")
    return tmp_path


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue().strip()


def verify_broken() -> list[str]:
    """The lines `verify` printed, one per broken case; it must have failed (exit 1)."""
    err = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert failed.value.returncode == 1
    return err.getvalue().strip().splitlines()


def anchor(*args: str) -> str:
    out = StringIO()
    call_command("audit", "anchor", *args, stdout=out)
    return out.getvalue().strip()


def busy_history() -> list[Case]:
    author = person("writer", "admin")
    cases = []
    for n in range(3):
        case = manual_case(title=f"案例 {n}")
        for i in range(3):
            case_note_add(case_id=case.pk, actor=author, text=f'第{i}条备注 {{"json": true}}')
        cases.append(case)
    return cases


def reseal(case: Case, *, key: bytes | None, message: str | None = None, seq: int | None = None) -> None:
    """What a forger with write access to the database does: change entry `seq`'s message (if given)
    and recompute the whole chain and the case's head with `key` (None: plain SHA-256, as before)."""
    head = ""
    entries = list(TimelineEntry.objects.filter(case=case).order_by("seq"))
    for entry in entries:
        if message is not None and entry.seq == seq:
            entry.message = message
        digest = entry_hash(
            prev_hash=head,
            key=key,
            case_id=entry.case_id,
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            kind=entry.kind,
            data=entry.data,
            message=entry.message,
        )
        TimelineEntry.objects.filter(pk=entry.pk).update(message=entry.message, prev_hash=head, hash=digest)
        head = digest
    Case.objects.filter(pk=case.pk).update(timeline_seq=len(entries), timeline_head=head)


def test_an_honest_history_verifies_and_the_key_file_is_private(audit_files: Path) -> None:
    busy_history()
    assert verify() == "ok: 12 entries in 3 cases, 0 anchored"  # opened + 3 notes each
    key_file = audit_files / "secret" / "audit_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert anchor() == "anchored: 3 case heads"
    assert stat.S_IMODE(os.stat(audit_files / "anchors" / "audit_anchors.jsonl").st_mode) == 0o600
    assert verify() == "ok: 12 entries in 3 cases, 3 anchored"


def test_the_key_may_come_from_the_environment(settings) -> None:
    settings.UNSTUCK_AUDIT_KEY = "a key every web and worker machine shares"
    assert audit_key() == b"a key every web and worker machine shares"
    busy_history()
    assert verify().startswith("ok: 12 entries")
    settings.UNSTUCK_AUDIT_KEY = "another key"
    assert len(verify_broken()) == 3  # sealed under a different key: nothing verifies


def test_a_row_altered_with_raw_sql_is_named() -> None:
    busy_history()
    target = TimelineEntry.objects.filter(kind="note").order_by("pk")[4]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_timelineentry SET message = %s WHERE id = %s", ["改过了", target.pk])
    (line,) = verify_broken()
    assert line == (
        f"broken: case {target.case.number} entry {target.seq} (id {target.pk}): "
        "altered (its hash does not match its content)"
    )


def test_a_rewritten_note_with_a_recomputed_chain_is_caught() -> None:
    """Forgery 1: the forger rewrites a note and recomputes every hash after it and the case's head.
    Without the key they can only compute plain SHA-256 (or an HMAC under a guessed key)."""
    first, second, _third = busy_history()
    reseal(first, key=None, message="客户同意延期", seq=3)
    reseal(second, key=b"a guessed key", message="客户同意延期", seq=2)
    assert verify_broken() == [
        f"broken: case {first.number} entry 1 (id {first.timeline.get(seq=1).pk}): "
        "not sealed with the audit key (rewritten by someone without the key?)",
        f"broken: case {second.number} entry 1 (id {second.timeline.get(seq=1).pk}): "
        "altered (its hash does not match its content)",
    ]


def test_a_deleted_last_entry_with_the_head_rolled_back_is_caught_by_the_anchor() -> None:
    """Forgery 2: delete the last entry and set the case's head to the entry before it. Every
    remaining entry is still sealed, so only the anchor outside the database can tell."""
    cases = busy_history()
    anchor()
    for case in cases[:2]:
        last = case.timeline.get(seq=4)
        before = case.timeline.get(seq=3)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM cases_timelineentry WHERE id = %s", [last.pk])
            cursor.execute(
                "UPDATE cases_case SET timeline_seq = 3, timeline_head = %s WHERE id = %s",
                [before.hash, case.pk],
            )
    broken = verify_broken()
    assert len(broken) == 2  # every broken case, not only the first
    for line, case in zip(broken, cases[:2], strict=True):
        assert line.startswith(f"broken: case {case.number}: anchored at entry 4 on ")
        assert line.endswith(", chain ends at 3")


def test_a_removed_entry_is_found_in_the_middle_or_at_the_end() -> None:
    busy_history()
    middle, last = TimelineEntry.objects.filter(case__title="案例 1").order_by("seq")[1::2]  # 2 and 4 of 4
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_timelineentry WHERE id = %s", [last.pk])
    assert verify_broken() == [f"broken: case {last.case.number}: 4 entries recorded, chain ends at 3"]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_timelineentry WHERE id = %s", [middle.pk])
    (line,) = verify_broken()
    assert f"entry {middle.seq} is missing" in line


def test_entries_from_before_the_key_verify_and_are_pinned_when_the_key_is_born(
    settings, audit_files: Path
) -> None:
    """Rows written before this version (plain SHA-256) still verify: the moment the key file is
    created, the heads of every chain are written to the anchor file, so rewriting such a row
    afterwards, or adding an unkeyed entry after them, is caught."""
    settings.UNSTUCK_AUDIT_KEY_FILE = str(audit_files / "throwaway_key")
    settings.UNSTUCK_AUDIT_ANCHOR_FILE = str(audit_files / "throwaway_anchors")
    old, older, _oldest = busy_history()
    for case in Case.objects.all():
        reseal(case, key=None)  # what the previous version wrote
    settings.UNSTUCK_AUDIT_KEY_FILE = str(audit_files / "upgraded" / "audit_key")  # the upgrade:
    settings.UNSTUCK_AUDIT_ANCHOR_FILE = str(audit_files / "upgraded" / "anchors")  # no key, no anchors

    out = verify()
    assert out.startswith(
        "ok: 12 entries in 3 cases, 3 anchored; 12 entries predate the audit key (pinned on "
    )
    case_note_add(case_id=old.pk, actor=person("writer2", "admin"), text="新备注")  # sealed under the key
    assert verify().startswith("ok: 13 entries in 3 cases, 3 anchored; 12 entries predate")

    reseal(older, key=None, message="改写的旧备注", seq=2)
    (line,) = verify_broken()
    assert (
        line.startswith(f"broken: case {older.number} entry 4 ")
        and "differs from the entry anchored on" in line
    )


def test_entries_from_before_the_key_without_any_anchor_verify_as_a_plain_chain(
    settings, audit_files: Path
) -> None:
    """With the key in the environment nothing marks its birth: until the first `audit anchor`, rows
    from before the key verify as a plain chain, and verify says so."""
    settings.UNSTUCK_AUDIT_KEY = "shared key"
    busy_history()
    for case in Case.objects.all():
        reseal(case, key=None)
    assert verify() == (
        "ok: 12 entries in 3 cases, 0 anchored; 12 entries predate the audit key, not anchored yet: "
        "run `audit anchor`"
    )
    assert anchor() == "anchored: 3 case heads"
    assert verify().startswith(
        "ok: 12 entries in 3 cases, 3 anchored; 12 entries predate the audit key (pinned"
    )


def test_an_altered_anchor_file_is_reported(audit_files: Path) -> None:
    busy_history()
    anchor()
    path = audit_files / "anchors" / "audit_anchors.jsonl"
    baseline, text = path.read_text(encoding="utf-8").splitlines()  # the key's birth, then the anchor
    line = json.loads(text)
    first = next(iter(line["heads"]))
    line["heads"][first][0] = 3  # pretend the case was shorter when anchored
    path.write_text(f"{baseline}\n{json.dumps(line)}\n", encoding="utf-8")
    assert verify_broken() == [f"broken: anchor file {path} line 2: not sealed with the audit key"]


def test_later_anchors_hold_only_the_heads_that_moved() -> None:
    first, _second, _third = busy_history()
    assert anchor() == "anchored: 3 case heads"
    assert anchor() == "anchored: 0 case heads"
    case_note_add(case_id=first.pk, actor=person("writer2", "admin"), text="又一条")
    assert anchor() == "anchored: 1 case heads"
    assert anchor("--full") == "anchored: 3 case heads"
    assert verify() == "ok: 13 entries in 3 cases, 3 anchored"
