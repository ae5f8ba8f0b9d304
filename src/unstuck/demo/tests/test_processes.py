import re
from pathlib import Path

import pytest

from unstuck.demo.services import PROCESS_DIR, demo_processes_load
from unstuck.processes.definition import parse_process_definition

FILES = sorted(PROCESS_DIR.glob("*.yaml"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_there_are_three_demo_processes():
    assert [f.stem for f in FILES] == ["account-closure", "b-dispatch-confirmation", "order-delivery"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_file_parses_with_chinese_names_and_owned_steps(path: Path):
    definition = parse_process_definition(path.read_text(encoding="utf-8"))
    assert definition.key == path.stem
    assert CHINESE.search(definition.name)
    assert definition.promise is not None
    assert len(definition.terminal) == 2
    steps = {step.key: step for step in definition.steps}
    assert set(definition.terminal) <= set(steps)
    for step in definition.steps:
        assert CHINESE.search(step.name), step.key
        if step.key not in definition.terminal:
            assert step.team, f"{step.key} has no responsible team"
            assert step.max_dwell or step.interruption, f"{step.key} can never stall"
    assert any(step.interruption for step in definition.steps)
    assert any(step.confirmation for step in definition.steps)


def test_the_processes_that_must_stall_within_minutes_run_around_the_clock():
    definitions = {f.stem: parse_process_definition(f.read_text(encoding="utf-8")) for f in FILES}
    assert definitions["account-closure"].calendar == "cn-workdays"
    for key in ("order-delivery", "b-dispatch-confirmation"):
        assert definitions[key].calendar == "always"
        shortest = min(
            s.max_dwell.seconds for s in definitions[key].steps if s.max_dwell and not s.max_dwell.days
        )
        assert shortest <= 15 * 60


@pytest.mark.django_db
def test_the_files_load_and_loading_again_changes_nothing():
    first = demo_processes_load()
    assert {r.process.key for r in first} == {"account-closure", "b-dispatch-confirmation", "order-delivery"}
    assert all(r.changed for r in first)
    assert not any(r.changed for r in demo_processes_load())
