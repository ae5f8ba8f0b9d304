"""Surveys (answered once, on the case and its timeline, in analytics) and the status page (plain
customer words, no internal names)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from unstuck.accounts.services import user_ensure
from unstuck.cases.models import Case
from unstuck.portal.links import status_url, survey_url
from unstuck.portal.models import Survey
from unstuck.portal.selectors import csat_summary
from unstuck.portal.services import status_note_add
from unstuck.portal.tests.factories import ago, case_of, load_dispatch, push, stalled_item, worker_round

pytestmark = pytest.mark.django_db


def path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def resolved() -> Case:
    load_dispatch()
    item = stalled_item()
    worker_round()
    push("B-1", "confirmed", ago(0.1))
    worker_round()
    case = case_of(item)
    assert case.status == "resolved"
    return case


def test_a_resolved_case_opens_one_survey(resolved: Case) -> None:
    survey = Survey.objects.get()
    assert survey.case == resolved and survey.answered_at is None
    worker_round()
    assert Survey.objects.count() == 1


def test_the_survey_is_answered_once_and_lands_on_the_case(resolved: Case) -> None:
    url = path(survey_url(case=resolved))
    page = Client().get(url)
    assert page.status_code == 200 and "您对我们的服务满意吗" in page.content.decode()
    answer = {"score": "4", "comment": "师傅很准时", "reliability": "5", "empathy": "3"}
    done = Client().post(url, answer)
    assert done.status_code == 200 and "感谢您的回答" in done.content.decode()
    survey = Survey.objects.get()
    assert (survey.score, survey.comment, survey.reliability, survey.empathy) == (4, "师傅很准时", 5, 3)
    assert survey.responsiveness is None and survey.answered_at is not None
    entry = resolved.timeline.get(kind="survey_answered")
    assert entry.data == {"score": 4, "reliability": 5, "empathy": 3, "comment": "师傅很准时"}
    again = Client().post(url, {"score": "1", "comment": "改主意了"})
    assert again.status_code == 410 and "您已回答过此调查" in again.content.decode()
    assert Client().get(url).status_code == 410
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "师傅很准时")
    assert resolved.timeline.filter(kind="survey_answered").count() == 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({}, "请选择 1 到 5 分"),
        ({"score": "6"}, "score：请选择 1 到 5 分"),
        ({"score": "5", "empathy": "x"}, "empathy"),
    ],
)
def test_a_bad_answer_is_refused_and_stores_nothing(
    resolved: Case, answer: dict[str, str], message: str
) -> None:
    url = path(survey_url(case=resolved))
    response = Client().post(url, answer)
    assert response.status_code == 400 and message in response.content.decode()
    assert Survey.objects.get().answered_at is None


def test_a_tampered_survey_link_changes_nothing(resolved: Case) -> None:
    url = path(survey_url(case=resolved))
    response = Client().post(url[:-3] + "x/", {"score": "5"})
    assert response.status_code == 400
    assert Survey.objects.get().answered_at is None


def test_csat_summary_counts_what_the_user_may_see(resolved: Case) -> None:
    Client().post(path(survey_url(case=resolved)), {"score": "5", "assurance": "4"})
    since, until = timezone.now() - timedelta(days=1), timezone.now() + timedelta(minutes=1)
    admin = user_ensure(username="root", role="admin")
    summary = csat_summary(user=admin, since=since, until=until)
    assert (summary.invited, summary.answered, summary.mean_score, summary.csat) == (1, 1, 5.0, 1.0)
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    assert summary.dimensions["assurance"] == 4.0 and summary.dimensions["empathy"] is None
    assert csat_summary(user=admin, since=since, until=until, team="ops").answered == 1
    assert csat_summary(user=admin, since=since, until=until, team="other").invited == 0
    stranger = user_ensure(username="stranger", role="agent", team_key="billing")
    assert csat_summary(user=stranger, since=since, until=until).invited == 0
    before = csat_summary(user=admin, since=since - timedelta(days=5), until=since)
    assert before.invited == 0 and before.mean_score is None and before.response_rate is None


def test_the_status_page_speaks_customer_words() -> None:
    load_dispatch()
    item = stalled_item(promised_at=(timezone.now() + timedelta(days=1)).isoformat())
    worker_round()
    url = path(status_url(item=item))
    body = Client().get(url).content.decode()
    assert "等待您的确认" in body and "等待您确认派单" in body and "承诺完成时间" in body
    assert "我们正在等待您的确认" in body, "the stall's plain reason"
    case = case_of(item)
    for internal in (case.number or "C-", "ops", "confirmation", "awaiting_confirmation", "dispatch"):
        assert internal not in body, internal
    agent = user_ensure(username="xiaoli", role="agent", team_key="ops")
    eta = timezone.now() + timedelta(days=2)
    status_note_add(case_id=case.pk, actor=agent, reason="师傅临时请假，已改派他人", eta=eta)
    body = Client().get(url).content.decode()
    assert "师傅临时请假，已改派他人" in body and "预计完成时间：" in body and "xiaoli" not in body
    english = Client().get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting for your confirmation." in english and "Promised by" in english
    assert "Waiting for your confirmation." in Client().get(url + "?lang=en").content.decode()


def test_a_finished_item_shows_completed_without_a_stale_update() -> None:
    load_dispatch()
    item = stalled_item()
    worker_round()
    push("B-1", "done", ago(0.05))
    worker_round()
    body = Client().get(path(status_url(item=item))).content.decode()
    assert "已完成" in body and "最新进展" not in body
