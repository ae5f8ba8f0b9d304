"""QA sampling and coaching: the daily pick with reasons, scoring, permissions, pages and the job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from unstuck.cases.models import Case
from unstuck.cases.services import case_note_add, case_status_change
from unstuck.cases.tests.factories import manual_case, person
from unstuck.core.errors import DomainError
from unstuck.insights.models_qa import CoachingNote, QaReason, QaRubric, QaSample, QaSamplingDay
from unstuck.insights.qa import (
    ActionItemIn,
    coaching_note_add,
    qa_review_submit,
    qa_sample_day,
    qa_sampling_due,
)
from unstuck.insights.selectors_qa import qa_agent_scores, qa_samples

pytestmark = pytest.mark.django_db

ALL_FIVE = {
    "problem_identification": 4,
    "courtesy": 5,
    "solution": 3,
    "timeliness": 2,
    "record_completeness": 5,
}


@pytest.fixture
def team() -> dict[str, Any]:
    people = {
        "sup": person("sup", "supervisor", "ops"),
        "a1": person("a1", "agent", "ops"),
        "a2": person("a2", "agent", "ops"),
        "other_sup": person("other-sup", "supervisor", "intake"),
        "auditor": person("aud", "auditor"),
    }
    return people


def _handled_cases(agent: object, count: int) -> list[Case]:
    cases = [manual_case(title=f"案件 {i}") for i in range(count)]
    for case in cases:
        case_note_add(case_id=case.pk, actor=agent, text="已联系客户")  # type: ignore[arg-type]
    return cases


def test_the_default_rubric_is_seeded() -> None:
    rubric = QaRubric.objects.get(active=True)
    names = [c.name for c in rubric.criteria.all()]
    assert names == ["问题识别", "沟通礼貌", "解决方案", "时效", "记录完整"]
    assert sum(c.weight for c in rubric.criteria.all()) == 100


def test_daily_pick_targets_breached_and_reopened_first_then_random_with_reasons(team: dict) -> None:
    cases = _handled_cases(team["a1"], 6)
    Case.objects.filter(pk=cases[2].pk).update(sla_state="breached")
    case_status_change(case_id=cases[4].pk, actor=team["a1"], status="resolved")
    case_status_change(case_id=cases[4].pk, actor=team["a1"], status="in_progress", reason="客户又来电")
    _handled_cases(team["a2"], 1)
    today = timezone.localdate()
    assert qa_sample_day(day=today) == 4  # a1: 2 targeted + 1 random; a2: only one case
    a1 = {s.case_id: s.reason for s in QaSample.objects.filter(agent=team["a1"])}
    assert a1[cases[2].pk] == QaReason.BREACHED and a1[cases[4].pk] == QaReason.REOPENED
    assert sorted(a1.values()).count(QaReason.RANDOM) == 1
    assert QaSample.objects.get(agent=team["a2"]).reason == QaReason.RANDOM
    assert qa_sample_day(day=today) == 0  # picking a day twice adds nothing
    assert not QaSample.objects.filter(agent=team["sup"]).exists()  # agents only


def test_scoring_weighted_total_and_errors_name_the_criterion(team: dict) -> None:
    _handled_cases(team["a1"], 1)
    qa_sample_day(day=timezone.localdate())
    sample = QaSample.objects.get()
    review = qa_review_submit(actor=team["sup"], sample_id=sample.pk, scores=ALL_FIVE, comment="好")
    # 100 × (25·4/5 + 15·5/5 + 30·3/5 + 15·2/5 + 15·5/5) / 100
    assert review.total == pytest.approx(20 + 15 + 18 + 6 + 15)
    with pytest.raises(DomainError) as missing:
        qa_review_submit(actor=team["sup"], sample_id=sample.pk, scores={"courtesy": 3})
    assert missing.value.code == "missing_field" and "问题识别" in missing.value.message
    with pytest.raises(DomainError) as too_high:
        qa_review_submit(actor=team["sup"], sample_id=sample.pk, scores={**ALL_FIVE, "courtesy": 9})
    assert too_high.value.code == "invalid_score" and "沟通礼貌" in too_high.value.message
    with pytest.raises(DomainError) as unknown:
        qa_review_submit(actor=team["sup"], sample_id=sample.pk, scores={**ALL_FIVE, "speed": 1})
    assert unknown.value.code == "unknown_criterion" and "speed" in unknown.value.message
    rescored = qa_review_submit(actor=team["sup"], sample_id=sample.pk, scores={k: 5 for k in ALL_FIVE})
    assert rescored.pk == review.pk and rescored.total == 100 and rescored.scores.count() == 5


def test_only_the_teams_supervisor_scores_and_agents_see_only_their_own(team: dict) -> None:
    _handled_cases(team["a1"], 1)
    _handled_cases(team["a2"], 1)
    qa_sample_day(day=timezone.localdate())
    mine = QaSample.objects.get(agent=team["a1"])
    for outsider in (team["other_sup"], team["a1"], team["a2"], team["auditor"]):
        with pytest.raises(DomainError) as refused:
            qa_review_submit(actor=outsider, sample_id=mine.pk, scores=ALL_FIVE)
        assert refused.value.status == 403
    assert [s.agent_id for s in qa_samples(user=team["a1"])] == [team["a1"].pk]
    assert qa_samples(user=team["other_sup"]).count() == 0
    assert qa_samples(user=team["sup"]).count() == 2 == qa_samples(user=team["auditor"]).count()
    qa_review_submit(actor=team["sup"], sample_id=mine.pk, scores=ALL_FIVE)
    assert qa_agent_scores(user=team["a1"], agent_id=team["a1"].pk).average == pytest.approx(74)
    with pytest.raises(DomainError):
        qa_agent_scores(user=team["a2"], agent_id=team["a1"].pk)


def test_weakest_criterion_gets_a_targeted_pick_the_next_day(team: dict) -> None:
    _handled_cases(team["a1"], 1)
    qa_sample_day(day=timezone.localdate())
    sample = QaSample.objects.get()
    yesterday = timezone.localdate() - timedelta(days=1)
    QaSample.objects.filter(pk=sample.pk).update(day=yesterday)  # as if picked from yesterday's work
    qa_review_submit(actor=team["sup"], sample_id=sample.pk, scores={**ALL_FIVE, "timeliness": 1})
    new = _handled_cases(team["a1"], 4)
    assert qa_sample_day(day=timezone.localdate()) == 3
    picks = QaSample.objects.filter(day=timezone.localdate(), agent=team["a1"])
    weak = picks.get(reason=QaReason.WEAK_CRITERION)
    assert weak.reason_detail == "时效 20%" and weak.case_id in {c.pk for c in [*new, sample.case]}
    assert picks.filter(reason=QaReason.RANDOM).count() == 2


def test_coaching_notes_by_supervisors_only_and_action_items_need_casework(team: dict) -> None:
    note = coaching_note_add(actor=team["sup"], agent_id=team["a1"].pk, text="时效需要改进：先回复客户再查询")
    assert note.supervisor == team["sup"] and note.on == timezone.localdate()
    for outsider in (team["other_sup"], team["a2"], team["auditor"]):
        with pytest.raises(DomainError) as refused:
            coaching_note_add(actor=outsider, agent_id=team["a1"].pk, text="x")
        assert refused.value.status == 403
    with pytest.raises(DomainError) as empty:
        coaching_note_add(actor=team["sup"], agent_id=team["a1"].pk, text="  ")
    assert empty.value.code == "missing_field"


def test_coaching_note_action_items_are_casework_action_items(team: dict) -> None:
    from unstuck.casework.models import ActionItem

    due = timezone.localdate() + timedelta(days=7)
    note = coaching_note_add(
        actor=team["sup"], agent_id=team["a1"].pk, text="跟进", action_items=[ActionItemIn("学习话术", due)]
    )
    item = ActionItem.objects.get(pk=note.action_item_ids[0])
    assert item.owner == team["a1"] and item.due_date == due and item.title == "学习话术"


def test_the_job_samples_yesterday_once_after_midnight(team: dict) -> None:
    _handled_cases(team["a1"], 2)
    tomorrow_morning = timezone.localtime() + timedelta(days=1)
    tomorrow_morning = tomorrow_morning.replace(hour=0, minute=30)
    assert qa_sampling_due(now=tomorrow_morning) == 0  # due at 01:00
    run = QaSamplingDay.objects.get()
    assert run.day == timezone.localdate() and run.done_at is None
    at_two = tomorrow_morning.replace(hour=2)
    assert qa_sampling_due(now=at_two) == 2
    assert qa_sampling_due(now=at_two) == 0
    assert QaSamplingDay.objects.get().picked == 2


def test_pages_score_a_sample_and_write_a_coaching_note(team: dict) -> None:
    _handled_cases(team["a1"], 1)
    qa_sample_day(day=timezone.localdate())
    sample = QaSample.objects.get()
    client = Client()
    client.force_login(team["sup"])
    page = client.get(reverse("insights:qa"))
    assert page.status_code == 200 and f'data-sample="{sample.pk}"' in page.text
    bad = client.post(reverse("insights:qa_review", args=[sample.pk]), {"score:courtesy": "x"})
    assert bad.status_code == 400 and "x" in bad.text
    form = {f"score:{key}": str(value) for key, value in ALL_FIVE.items()}
    saved = client.post(reverse("insights:qa_review", args=[sample.pk]), {**form, "comment": "不错"})
    assert saved.status_code == 302
    agent_page = client.get(reverse("insights:qa_agent", args=[team["a1"].pk]))
    assert 'data-testid="average"' in agent_page.text and "74.0" in agent_page.text
    noted = client.post(reverse("insights:qa_agent", args=[team["a1"].pk]), {"text": "多用安抚话术"})
    assert noted.status_code == 302 and CoachingNote.objects.get().text == "多用安抚话术"
    client.force_login(team["a2"])
    assert client.get(reverse("insights:qa_review", args=[sample.pk])).status_code == 404
    assert client.get(reverse("insights:qa_agent", args=[team["a1"].pk])).status_code == 404
    client.force_login(team["a1"])
    own = client.get(reverse("insights:qa_review", args=[sample.pk]))
    assert own.status_code == 200 and 'name="score:' not in own.text and "74.0" in own.text
