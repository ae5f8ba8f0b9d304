"""The morning brief agrees with the cases and events in the database, on a seeded demo week."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from unstuck.accounts.services import user_ensure
from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case, TimelineEntry
from unstuck.core.errors import DomainError
from unstuck.demo.tests.shared import demo_week_rolled_back
from unstuck.insights.brief import brief_as_json, brief_build, brief_for
from unstuck.insights.brief_text import brief_text
from unstuck.stalls.models import Stall
from unstuck.tracking.models import Event, Item

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=SHANGHAI)
DAY = date(2026, 11, 20)  # a Friday inside the seeded week
START = datetime.combine(DAY, time(), tzinfo=SHANGHAI)
END = START + timedelta(days=1)


@pytest.fixture(scope="module")
def demo_week(django_db_setup, django_db_blocker):
    """One demo week with its case work, shared by this module's tests and rolled back after them."""
    with demo_week_rolled_back(django_db_blocker, now=NOW) as seeded:
        yield seeded


@pytest.fixture
def brief_json(demo_week, db):
    return brief_as_json(brief_build(first=DAY))


def test_volume_counts_are_the_rows_of_the_day(brief_json):
    volume = brief_json["volume"]
    assert volume["items"] == Item.objects.filter(started_at__gte=START, started_at__lt=END).count() > 0
    day_stalls = [s for s in Stall.objects.all() if START <= s.detected_at < END]
    assert volume["stalls"] == len(day_stalls) > 0
    assert volume["stalls_by_rule"] == dict(Counter(s.rule for s in day_stalls))
    cases = list(Case.objects.all())
    assert volume["cases_opened"] == sum(START <= c.opened_at < END for c in cases) > 0
    assert volume["cases_resolved"] == sum(
        bool(c.resolved_at and START <= c.resolved_at < END) for c in cases
    )
    # Backlog at the end of the day: opened by then, and still open now or resolved since.
    assert volume["backlog"] == sum(
        c.opened_at < END and (c.status in OPEN or (c.resolved_at is not None and c.resolved_at >= END))
        for c in cases
    )


def test_time_lost_is_the_time_between_consecutive_events_of_each_item(brief_json):
    spent: dict[tuple[str, str], list[float]] = defaultdict(list)
    previous: dict[int, Event] = {}
    for event in Event.objects.select_related("process").order_by("item_id", "at", "id"):
        before = previous.get(event.item_id)
        if before is not None and START <= event.at < END:
            spent[(event.process.key, before.step)].append((event.at - before.at).total_seconds())
        previous[event.item_id] = event
    expected = sorted(
        ((round(sum(v) / 3600, 2), len(v), key) for key, v in spent.items()), key=lambda r: (-r[0], r[2])
    )[:10]
    got = [
        (row["total_hours"], row["visits"], (row["process"], row["step"])) for row in brief_json["time_lost"]
    ]
    assert got == expected


def test_causes_cover_every_case_opened_that_day(brief_json):
    """The owner's recorded cause wins; else the cause the source system sent with the item."""
    from unstuck.casework.models import CaseCause

    recorded = dict(CaseCause.objects.values_list("case_id", "category__key"))
    opened = [c for c in Case.objects.select_related("item") if START <= c.opened_at < END]
    expected = Counter(
        recorded.get(c.pk) or str((c.item.attrs if c.item else {}).get("cause_category") or "unknown")
        for c in opened
    )
    assert {row["category"]: row["cases"] for row in brief_json["causes"]} == dict(expected)
    assert brief_json["causes"][-1]["cumulative_share"] == 1.0


def test_agents_handled_the_cases_resolved_that_day(brief_json):
    resolved = [
        c for c in Case.objects.select_related("owner") if c.resolved_at and START <= c.resolved_at < END
    ]
    handled = Counter(c.owner.username for c in resolved if c.owner)
    assert {row["username"]: row["handled"] for row in brief_json["agents"] if row["handled"]} == dict(
        handled
    )
    reopened = Counter(
        e.case.owner.username
        for e in TimelineEntry.objects.select_related("case__owner").filter(kind="reopened")
        if START <= e.at < END and e.case.owner
    )
    assert {row["username"]: row["reopened"] for row in brief_json["agents"] if row["reopened"]} == dict(
        reopened
    )


def test_agents_csat_is_the_surveys_answered_that_day_on_their_cases(brief_json):
    from unstuck.portal.models import Survey

    scores: dict[str, list[int]] = defaultdict(list)
    for survey in Survey.objects.select_related("case__owner"):
        if survey.answered_at and START <= survey.answered_at < END and survey.case.owner and survey.score:
            scores[survey.case.owner.username].append(survey.score)
    assert scores, "the demo's customers answer some of their surveys"
    got = {row["username"]: (row["csat_answers"], row["csat_mean"]) for row in brief_json["agents"]}
    assert {name: got[name] for name in scores} == {
        name: (len(v), round(sum(v) / len(v), 2)) for name, v in scores.items()
    }
    assert all(got[name] == (0, None) for name in set(got) - set(scores))
    every = [score for v in scores.values() for score in v]
    assert brief_json["csat"]["answered"] == len(every)


def test_customers_less_pleased_than_the_team_flag_their_agent_for_a_one_to_one():
    from unstuck.insights.brief_sections import AgentRow, _flag

    def row(name: str, answers: int, mean: float | None) -> AgentRow:
        return AgentRow(
            username=name, name=name, team="t", handled=3, median_handling_hours=2.0, reopened=0,
            reopen_rate=0.0, open_now=1, csat_answers=answers, csat_mean=mean,
        )  # fmt: skip

    rows = [row("low", 3, 2.7), row("one", 1, 1.0), row("ok", 4, 4.5)]
    flagged = {r.username: r.flags for r in _flag(rows)}
    assert flagged == {"low": ("low_csat",), "one": (), "ok": ()}


def test_the_demo_week_carries_case_work_in_its_own_time(demo_week, db):
    kinds = Counter(TimelineEntry.objects.values_list("kind", flat=True))
    assert kinds["opened"] == Case.objects.count() > 50
    assert kinds["note"] > 0 and kinds["status_changed"] > 0 and kinds["resolved_auto"] > 0
    # A case is opened by the simulated office's first round after its stall's detection, not at
    # seed time. The office runs when an event arrives at least its cadence after its last round, so
    # the case is open by the first event that comes a cadence after the detection.
    from unstuck.demo.services import WORK_EVERY_EARLIER

    for case in Case.objects.prefetch_related("case_stalls__stall")[:50]:
        first = min(link.stall.detected_at for link in case.case_stalls.all())
        next_round = (
            Event.objects.filter(at__gte=first + WORK_EVERY_EARLIER)
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
        assert next_round is not None
        assert timedelta(0) <= case.opened_at - first and case.opened_at <= next_round
    assert not Case.objects.filter(opened_at__gt=NOW).exists()


def test_a_team_brief_counts_only_that_team(demo_week, db):
    data = brief_as_json(brief_build(first=DAY, team="warehouse"))
    assert (
        data["volume"]["cases_opened"]
        == Case.objects.filter(team__key="warehouse", opened_at__gte=START, opened_at__lt=END).count()
    )
    assert {row["team"] for row in data["agents"]} <= {"warehouse"}


def test_supervisors_read_their_teams_brief_and_agents_none(demo_week, db):
    supervisor = user_ensure(username="sup-wh", role="supervisor", team_key="warehouse")
    agent = user_ensure(username="agent-wh", role="agent", team_key="warehouse")
    assert brief_for(user=supervisor, first=DAY, days=1, team=None).team == "warehouse"
    with pytest.raises(DomainError) as refused:
        brief_for(user=supervisor, first=DAY, days=1, team="finance")
    assert refused.value.status == 403
    with pytest.raises(DomainError):
        brief_for(user=agent, first=DAY, days=1, team="warehouse")


def test_the_command_prints_json_and_refuses_a_bad_day(demo_week, db):
    out = StringIO()
    call_command("brief", "--date", DAY.isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue())["volume"] == brief_as_json(brief_build(first=DAY))["volume"]
    with pytest.raises(CommandError, match="2026-11-30"):
        call_command("brief", "--date", "20/11/2026")
    with pytest.raises(CommandError, match="no team"):
        call_command("brief", "--team", "nobody")


def test_the_page_shows_the_brief_with_its_charts(demo_week, db, client):
    admin = user_ensure(username="brief-admin", role="admin")
    client.force_login(admin)
    page = client.get("/brief/", {"date": DAY.isoformat()})
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("<svg") >= 2
    opened = Case.objects.filter(opened_at__gte=START, opened_at__lt=END).count()
    assert f"<dd>{opened}</dd>" in body
    for section in ("h-cost", "h-problems", "h-qa", "h-risk"):
        assert f'id="{section}"' in body
    seeded = client.get("/brief/", {"date": SEED_DAY.isoformat()}).content.decode()
    assert 'id="chart-remedy-cost"' in seeded and "599.00" in seeded
    agent = user_ensure(username="brief-agent", role="agent", team_key="warehouse")
    client.force_login(agent)
    assert client.get("/brief/").status_code == 403


SEED_DAY = NOW.date()  # the casework demo (remedies, the problem and its links) runs at the seed's "now"
SEED_START = datetime.combine(SEED_DAY, time(), tzinfo=SHANGHAI)
SEED_END = SEED_START + timedelta(days=1)


def test_remedy_cost_is_the_sum_of_the_remedies_requested_in_the_period(demo_week, db):
    from unstuck.casework.models import Remedy

    data = brief_as_json(brief_build(first=SEED_DAY))["remedy_cost"]
    remedies = list(Remedy.objects.select_related("case__cause__category"))
    counted = [
        r
        for r in remedies
        if SEED_START <= r.requested_at < SEED_END and r.amount is not None and r.status != "rejected"
    ]
    assert counted, "the casework demo adds remedies with amounts"
    totals: dict[str, Decimal] = defaultdict(Decimal)
    by_kind: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_cause: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in counted:
        assert r.amount is not None
        totals[r.currency] += r.amount
        by_kind[(r.kind, r.currency)] += r.amount
        cause = getattr(r.case, "cause", None)
        by_cause[(cause.category.key if cause else "unknown", r.currency)] += r.amount
    assert {t["currency"]: Decimal(t["amount"]) for t in data["totals"]} == dict(totals)
    assert {t["currency"]: t["remedies"] for t in data["totals"]} == dict(
        Counter(r.currency for r in counted)
    )
    pending = [r for r in counted if r.status == "pending"]
    assert pending, "the 599 CNY refund waits for a supervisor"
    assert {t["currency"]: t["pending"] for t in data["totals"] if t["pending"]} == dict(
        Counter(r.currency for r in pending)
    )
    assert {(k["key"], k["currency"]): Decimal(k["amount"]) for k in data["by_kind"]} == dict(by_kind)
    assert {(k["key"], k["currency"]): Decimal(k["amount"]) for k in data["by_cause"]} == dict(by_cause)
    # The day before had none of them: its figure is the previous period's.
    before = brief_as_json(brief_build(first=SEED_DAY + timedelta(days=1)))["remedy_cost"]["totals"]
    assert {t["currency"]: Decimal(t["previous_amount"]) for t in before} == dict(totals)


def test_recurring_problems_are_the_problems_with_cases_linked_in_the_period(demo_week, db):
    import time_machine

    from unstuck.casework.models import ActionItem, ProblemCase
    from unstuck.casework.services import action_item_add

    link = ProblemCase.objects.select_related("problem").first()
    assert link is not None, "the casework demo links cases to a problem"
    admin = user_ensure(username="brief-admin", role="admin")
    with time_machine.travel(NOW, tick=False):
        action_item_add(
            actor=admin,
            title="逾期的行动项",
            owner_username="brief-admin",
            due_date=SEED_DAY - timedelta(days=1),
            problem_id=link.problem_id,
        )
    rows = brief_as_json(brief_build(first=SEED_DAY))["problems"]
    links = [
        lk for lk in ProblemCase.objects.select_related("problem") if SEED_START <= lk.linked_at < SEED_END
    ]
    assert {row["number"]: row["new_links"] for row in rows} == dict(
        Counter(lk.problem.number for lk in links)
    )
    for row in rows:
        items = [
            a
            for a in ActionItem.objects.filter(problem__number=row["number"])
            if a.done_at is None or a.done_at >= SEED_END
        ]
        assert row["open_action_items"] == len(items)
        assert row["overdue_action_items"] == sum(a.due_date <= SEED_DAY for a in items) >= 1
        assert row["cases"] == ProblemCase.objects.filter(problem__number=row["number"]).count()
    assert brief_as_json(brief_build(first=DAY))["problems"] == []


def test_qa_picks_are_the_samples_of_the_day_per_agent(brief_json, demo_week, db):
    from unstuck.insights.models import QaSample

    samples = list(QaSample.objects.filter(day=DAY).select_related("agent", "case"))
    assert samples, "the worker's QA sampling ran over the seeded days"
    expected = defaultdict(set)
    for sample in samples:
        expected[sample.agent.username].add((sample.case.number, sample.reason))
    got = {a["username"]: {(p["case"], p["reason"]) for p in a["picks"]} for a in brief_json["qa"]}
    assert got == dict(expected)
    team = brief_as_json(brief_build(first=DAY, team="warehouse"))["qa"]
    assert {a["username"] for a in team} == {
        s.agent.username for s in samples if s.team and s.team.key == "warehouse"
    }


def test_items_at_risk_come_from_the_stored_predictions(demo_week, db):
    import time_machine

    from unstuck.insights.models import ItemPrediction
    from unstuck.insights.services_ml import prediction_score_all, prediction_train
    from unstuck.processes.models import Process

    with time_machine.travel(NOW, tick=False):
        for process in Process.objects.all():
            try:
                prediction_train(process=process, now=NOW)
            except DomainError:  # too few finished items in one week of this process
                continue
            prediction_score_all(process=process, now=NOW)
        latest = brief_as_json(brief_build(first=NOW.date() - timedelta(days=1)))
        older = brief_as_json(brief_build(first=DAY))  # three days before NOW
        text = brief_text(brief_build(first=NOW.date() - timedelta(days=1)))
    rows = latest["at_risk"]
    assert latest["at_risk_current"] is True
    # Predictions are not kept per day: an older brief shows none instead of today's under its date.
    assert older["at_risk"] == [] and older["at_risk_current"] is False
    scored = sorted(
        (
            p
            for p in ItemPrediction.objects.select_related("item__process")
            if p.p_miss is not None and not p.item.is_terminal
        ),
        key=lambda p: (-(p.p_miss or 0.0), p.item_id),
    )[:10]
    assert scored, "the demo's open items were scored"
    assert [(r["process"], r["item"]) for r in rows] == [
        (p.item.process.key, p.item.external_id) for p in scored
    ]
    assert [r["p_miss"] for r in rows] == [round(p.p_miss or 0.0, 3) for p in scored]
    assert [r["expected_remaining_hours"] for r in rows] == [
        round(p.expected_remaining_seconds / 3600, 1) for p in scored
    ]
    assert "可能违约的跟踪项" in text and scored[0].item.external_id in text
