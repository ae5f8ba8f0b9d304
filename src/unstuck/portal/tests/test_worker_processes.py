"""With a real `unstuck worker` process: a confirmation stall gets its follow-up schedule, the item's
confirmation resolves the case, the resolved case gets one survey; SIGKILL and a restart repeat
nothing, and the timeline's hash chain still verifies."""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from unstuck.cases.tests.test_acceptance_process import query, wait_for
from unstuck.core.testing import isolated_environment, unstuck, unstuck_popen

pytestmark = pytest.mark.slow

PROCESS = """\
key: quick
calendar: always
terminal: [done]
steps:
  - key: awaiting_confirmation
    max_dwell: 2s
    team: ops
    confirmation: {by: customer}
  - {key: confirmed, max_dwell: 1h}
"""

PUSH = """
from datetime import UTC, datetime
from unstuck.tracking.services import event_ingest_batch
print(event_ingest_batch(events=[{{"process": "quick", "item": "Q-1", "step": "{step}",
    "at": datetime.now(UTC).isoformat(), "customer": {{"id": "C-1", "email": "c@example.cn"}}}}]))
"""


def counts(env: dict[str, str]) -> tuple[Any, ...]:
    return (
        query(env, "SELECT COUNT(*), MIN(state) FROM portal_casefollowup")[0],
        query(env, "SELECT COUNT(*) FROM portal_survey")[0][0],
        query(env, "SELECT kind FROM cases_timelineentry ORDER BY case_id, seq"),
    )


def test_follow_ups_and_surveys_survive_sigkill(tmp_path) -> None:
    with isolated_environment(tmp_path) as env:
        env["UNSTUCK_WORKER_IDLE_SECONDS"] = "0.2"
        unstuck(env, "migrate", "-v", "0")
        (tmp_path / "quick.yaml").write_text(PROCESS, encoding="utf-8")
        unstuck(env, "process", "load", str(tmp_path / "quick.yaml"))
        unstuck(env, "shell", "-c", PUSH.format(step="awaiting_confirmation"))
        worker = unstuck_popen(env, "worker")
        try:
            wait_for(lambda: query(env, "SELECT COUNT(*) FROM portal_casefollowup")[0][0] == 1)
            unstuck(env, "shell", "-c", PUSH.format(step="confirmed"))
            wait_for(lambda: query(env, "SELECT COUNT(*) FROM portal_survey")[0][0] == 1)
            time.sleep(1)
            before = counts(env)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            worker = unstuck_popen(env, "worker")
            time.sleep(3)
            assert counts(env) == before
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        (followups, survey_count, kinds) = counts(env)
        assert followups[0] == 1, "one follow-up schedule for the one case"
        assert survey_count == 1
        # The outbox writes `customer_told` / `message_*` entries next to the case's own (how many
        # depends on delivery and quiet hours): the case's life is checked apart from them, the
        # message entries against the outbox.
        every = [k[0] for k in kinds]
        assert [k for k in every if k != "customer_told" and not k.startswith("message_")] == [
            "opened",
            "resolved_auto",
            "survey_invited",
        ]
        queued = query(env, "SELECT COUNT(*) FROM messaging_message WHERE case_id IS NOT NULL")[0][0]
        assert every.count("message_queued") == queued >= 1, "each queued message is on the timeline once"
        sent = query(
            env, "SELECT COUNT(*) FROM messaging_message WHERE case_id IS NOT NULL AND status = 'sent'"
        )
        assert every.count("message_sent") == sent[0][0]
        assert unstuck(env, "audit", "verify").stdout.startswith(f"ok: {len(every)} entries")
