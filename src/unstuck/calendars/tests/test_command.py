"""`unstuck calendar`: due, between, list, days, and its one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_due_across_national_day_2026() -> None:
    assert run("due", "cn-workdays", "2026-09-30T17:00:00+08:00", "8h") == "2026-10-08T16:00:00+08:00\n"


def test_due_answers_in_the_calendar_time_zone() -> None:
    assert run("due", "cn-workdays", "2026-09-30T09:00:00Z", "1h") == "2026-09-30T18:00:00+08:00\n"
    assert run("due", "always", "2026-09-30T09:00:00+08:00", "1d4h") == "2026-10-01T05:00:00+00:00\n"


def test_between() -> None:
    assert (
        run("between", "cn-workdays", "2026-09-30T17:00:00+08:00", "2026-10-08T16:00:00+08:00") == "28800\n"
    )
    assert (
        run("between", "cn-workdays", "2026-10-08T16:00:00+08:00", "2026-09-30T17:00:00+08:00") == "-28800\n"
    )


def test_list() -> None:
    lines = run("list").splitlines()
    assert [line.split("\t")[0] for line in lines] == ["always", "cn-workdays"]
    assert lines[1].endswith("09:00-18:00\tyears: 2001-2026")
    assert lines[0].endswith("00:00-24:00\tyears: all")


def test_days_shows_make_up_days_and_holidays() -> None:
    lines = run("days", "cn-workdays", "2026-09-19", "2026-09-20").splitlines()
    assert lines == ["2026-09-19 周六\t休息 -\t周末", "2026-09-20 周日\t上班 09:00-18:00\t调休上班"]
    assert run("days", "cn-workdays", "2026-10-01", "2026-10-01") == "2026-10-01 周四\t休息 -\t国庆节\n"


def test_days_previews_an_unverified_year() -> None:
    line = run("days", "cn-workdays", "2027-01-01", "2027-01-01")
    assert line == "2027-01-01 周五\t休息 -\t元旦\t未核实 unverified\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["due", "nope", "2026-09-30T17:00:00+08:00", "8h"],
            "unknown calendar 'nope'; known calendars: always",
        ),
        (["due", "cn-workdays", "2026-09-30T17:00:00", "8h"], "has no UTC offset"),
        (["due", "cn-workdays", "yesterday", "8h"], "is not an ISO-8601 timestamp"),
        (["due", "cn-workdays", "2026-09-30T17:00:00+08:00", "8 hours"], "is not a duration"),
        (["due", "cn-workdays", "2026-12-31T17:00:00+08:00", "2h"], "no verified holiday data for 2027"),
        (["between", "cn-workdays", "2026-12-31T17:00:00+08:00", "2027-01-05T10:00:00+08:00"], "2027"),
        (["days", "cn-workdays", "2026-10-02", "2026-10-01"], "FROM must not be after TO"),
        (["days", "cn-workdays", "2026-10-02", "tomorrow"], "is not a date"),
    ],
)
def test_errors(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_errors_exit_non_zero_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "UNSTUCK_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "unstuck", "calendar", "due", "cn-workdays", "2026-09-30T17:00:00", "8h"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "CommandError: '2026-09-30T17:00:00' has no UTC offset; "
        "add one, e.g. 2026-09-30T17:00:00+08:00 or ...Z"
    ]
