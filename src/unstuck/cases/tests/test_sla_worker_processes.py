"""SLA timers in real `unstuck worker` processes: a worker SIGKILLed mid-pass and the two workers
after it record every warning, breach and escalation exactly once; on PostgreSQL, three workers
started together split the work without repeating any of it."""

from __future__ import annotations

import json
import signal
import time

import pytest

from unstuck.cases.tests.test_acceptance_process import query
from unstuck.core.testing import isolated_environment, postgres_in_use, unstuck, unstuck_popen

pytestmark = pytest.mark.slow

CASES = 300
# Per case: first response 2s (warnings at 1s and 2s, breach at 2s) and resolution 4s (warnings at
# 2s and 3s, breach, and three escalation levels): 9 timers.
TIMERS_PER_CASE = 9

SEED = """
from unstuck.accounts.models import Team
from unstuck.accounts.services import user_ensure
from unstuck.cases.models import EscalationLevel, SlaPolicy
from unstuck.cases.services import case_create
lead = user_ensure(username="lead", role="supervisor", team_key="night")
user_ensure(username="sup", role="supervisor", team_key="night")
for name in ("a1", "a2"):
    user_ensure(username=name, role="agent", team_key="night")
Team.objects.filter(key="night").update(calendar_key="always", lead=lead)
boss = user_ensure(username="boss", role="admin")
p3 = SlaPolicy.objects.get(priority="P3")
p3.first_response, p3.next_update, p3.resolution = "2s", "1h", "4s"
p3.save()
EscalationLevel.objects.filter(policy=p3).delete()
EscalationLevel.objects.create(policy=p3, position=1, at_fraction=0.75, notify="owner")
EscalationLevel.objects.create(policy=p3, position=2, at_fraction=1, notify="team_lead", reassign="team_lead")
EscalationLevel.objects.create(policy=p3, position=3, at_fraction=1, delay="1s", notify="team_supervisors")
for i in range({count}):
    case_create(actor=boss, case_type="complaint", title=f"投诉 {{i}}", team_key="night", priority="P3")
"""

CHECK = """
import json
from django.db.models import Count
from unstuck.cases.models import Case, SlaEscalation, SlaTimer, TimelineEntry
from unstuck.cases.timeline import timeline_verify
kinds = dict(TimelineEntry.objects.values_list("kind").annotate(n=Count("id")))
per_case_level = SlaEscalation.objects.values("case_id", "position").annotate(n=Count("id"))
from unstuck.messaging.models import Message
messages = dict(Message.objects.values_list("status").annotate(n=Count("id")))
print(json.dumps({
    "fired": SlaTimer.objects.filter(fired_at__isnull=False).count(),
    "unfired": SlaTimer.objects.filter(fired_at__isnull=True).count(),
    "escalations": SlaEscalation.objects.count(),
    "repeated_escalations": sum(1 for row in per_case_level if row["n"] > 1),
    "kinds": kinds,
    "owners": sorted(set(Case.objects.values_list("owner__username", flat=True))),
    "states": sorted(set(Case.objects.values_list("sla_state", flat=True))),
    "chain": timeline_verify().broken,
    "messages": messages,
}))
"""


def prepare(env: dict[str, str]) -> None:
    unstuck(env, "migrate", "-v", "0")
    unstuck(env, "shell", "-c", SEED.format(count=CASES))
    time.sleep(6)  # every timer of the last case is due 5s after it opened


def check(env: dict[str, str]) -> dict[str, object]:
    return json.loads(unstuck(env, "shell", "-c", CHECK).stdout.strip().splitlines()[-1])


def expected() -> dict[str, object]:
    kinds = {
        "opened": CASES,
        "assigned": CASES,
        "sla_warning": CASES * 4,
        "sla_breached": CASES * 2,
        "escalated": CASES * 3,
        "notified": CASES * 3,
    }
    # Each escalation's notice also goes through the outbox, one message per person notified:
    # the owner (level 1), the team lead (level 2), the lead and the other supervisor (level 3).
    # Colleagues get them in the app: sent when enqueued, so each shows once as `message_sent`.
    # A repeated notice would be refused by its dedupe key, but its extra `notified` entry
    # would still show above.
    kinds["message_sent"] = CASES * 4
    messages = {"sent": CASES * 4}
    return {
        "fired": CASES * TIMERS_PER_CASE,
        "unfired": 0,
        "escalations": CASES * 3,
        "repeated_escalations": 0,
        "kinds": kinds,
        "owners": ["lead"],  # level 2 reassigned every case to the team lead
        "states": ["breached"],
        "chain": None,
        "messages": messages,
    }


def fired(env: dict[str, str]) -> int:
    return int(query(env, "SELECT COUNT(*) FROM cases_slatimer WHERE fired_at IS NOT NULL")[0][0])


def test_sigkill_mid_pass_then_two_workers_record_everything_once(tmp_path) -> None:
    with isolated_environment(tmp_path) as env:
        prepare(env)
        env["UNSTUCK_WORKER_BATCH"] = "10"
        worker = unstuck_popen(env, "worker", "--jobs", "sla_timers_job")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and fired(env) < 300:
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        assert fired(env) < CASES * TIMERS_PER_CASE, "the kill should land mid-work"
        workers = [unstuck_popen(env, "worker", "--once", "--jobs", "sla_timers_job") for _ in range(2)]
        outputs = [w.communicate(timeout=600)[0] for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
        unstuck(env, "worker", "--once")  # whatever a lock wait gave up on is simply retried
        assert check(env) == expected()
        assert unstuck(env, "audit", "verify").stdout.startswith("ok: ")


@pytest.mark.skipif(not postgres_in_use(), reason="several workers coordinate through PostgreSQL row locks")
def test_parallel_workers_fire_each_timer_once(tmp_path) -> None:
    with isolated_environment(tmp_path) as env:
        prepare(env)
        env["UNSTUCK_WORKER_BATCH"] = "15"
        workers = [unstuck_popen(env, "worker", "--once", "--jobs", "sla_timers_job") for _ in range(3)]
        outputs = [w.communicate(timeout=600)[0] for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
        unstuck(env, "worker", "--once")
        assert check(env) == expected()
