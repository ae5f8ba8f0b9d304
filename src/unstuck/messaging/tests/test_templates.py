"""Templates: the most specific wins, both languages are seeded for every key, variables outside a
key's list are refused when saved (naming the variable), HTML is escaped, unsafe tags are refused."""

# Tests dereference Optional results (a just-enqueued message, a fetched row) they know exist.
# mypy: disable-error-code="union-attr,misc"

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from unstuck.messaging.models import MessageTemplate
from unstuck.messaging.selection import template_pick
from unstuck.messaging.services import message_enqueue
from unstuck.messaging.templating import TemplateRefused, render_parts, template_check, used_variables
from unstuck.messaging.tests.factories import case_with_customer
from unstuck.messaging.vocabulary import TEMPLATE_VARIABLES

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = [
    "confirmation_request",
    "stall_update",
    "survey_invitation",
    "case_escalation",
    "sla_warning",
    "confirmation_reminder",
    "incident_notice",
]


def test_every_key_has_seeded_chinese_and_english_templates_that_pass_the_check():
    for key in CONTRACT_KEYS:
        for language in ("zh-hans", "en"):
            template = MessageTemplate.objects.get(
                key=key, language=language, case_type="", cause="", step=""
            )
            template.full_clean()
        zh = MessageTemplate.objects.get(key=key, language="zh-hans", case_type="")
        assert any("\u4e00" <= char <= "\u9fff" for char in zh.subject), zh.subject


def test_stall_update_tells_the_reason_and_the_new_eta_in_both_languages():
    for language, words in (
        ("zh-hans", ("原因", "新的预计完成时间")),
        ("en", ("Why", "New estimated completion")),
    ):
        template = template_pick(key="stall_update", language=language)
        assert template is not None
        _subject, text, _html = render_parts(
            key="stall_update",
            subject=template.subject,
            body_text=template.body_text,
            body_html="",
            context={"reason": "REASON-X", "eta": "ETA-Y", "customer_name": "Wang", "item": "SO-1"},
        )
        assert all(word in text for word in words) and "REASON-X" in text and "ETA-Y" in text


def test_most_specific_template_wins():
    base = {"key": "stall_update", "language": "zh-hans", "body_text": "x"}
    MessageTemplate.objects.create(**base, case_type="overdue", subject="by type")
    MessageTemplate.objects.create(**base, case_type="overdue", step="paid", subject="by type and step")
    MessageTemplate.objects.create(**base, cause="inventory", subject="by cause")
    pick = lambda **scope: template_pick(key="stall_update", language="zh-hans", **scope).subject  # noqa: E731
    assert pick(case_type="overdue", step="paid") == "by type and step"
    assert pick(case_type="overdue", step="shipped") == "by type"
    assert pick(case_type="stuck", cause="inventory") == "by cause"
    assert pick(case_type="overdue", cause="inventory") == "by type"  # case type outranks cause
    assert "进展说明" in pick(case_type="stuck")  # the seeded default
    assert template_pick(key="stall_update", language="en", case_type="overdue").language == "en"


def test_a_variable_outside_the_keys_list_is_refused_naming_it():
    with pytest.raises(TemplateRefused) as refused:
        template_check(
            key="survey_invitation", subject="{{ case_number }}", body_text="{{ confirm_link }} {{ eta }}"
        )
    assert refused.value.code == "template_variable_not_allowed"
    assert "confirm_link, eta" in refused.value.message and "body_text" in refused.value.message
    template = MessageTemplate(
        key="stall_update", language="en", subject="Hi {{ customer.name }}", body_text="ok"
    )
    with pytest.raises(ValidationError) as invalid:
        template.full_clean()
    assert "customer" in str(invalid.value.message_dict["subject"])


def test_variables_are_found_in_conditions_filters_and_loops():
    assert used_variables("{% if eta and reason %}{{ item|default:case_title }}{% endif %}") == {
        "eta",
        "reason",
        "item",
        "case_title",
    }
    assert used_variables("{% for x in reason %}{{ x }}{{ forloop.counter }}{% endfor %}") == {"reason"}


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}",
        "{% include 'x.html' %}",
        "{% extends 'base.html' %}",
        "{% debug %}",
        "{% now 'Y' %}",
    ],
)
def test_tags_that_reach_outside_the_message_are_refused(source):
    with pytest.raises(TemplateRefused):
        template_check(key="stall_update", subject="s", body_text=source)


def test_html_body_escapes_variables_and_text_does_not():
    _subject, text, html = render_parts(
        key="stall_update",
        subject="{{ reason }}",
        body_text="{{ reason }}",
        body_html="<p>{{ reason }}</p>",
        context={"reason": "<script>x</script> & co"},
    )
    assert text == "<script>x</script> & co"
    assert html == "<p>&lt;script&gt;x&lt;/script&gt; &amp; co</p>"


def test_subject_newlines_cannot_inject_headers():
    subject, _text, _html = render_parts(
        key="stall_update",
        subject="Re: {{ reason }}",
        body_text="",
        body_html="",
        context={"reason": "a\r\nBcc: x@y"},
    )
    assert "\n" not in subject and "\r" not in subject


def test_english_speaking_customer_gets_the_english_template():
    case = case_with_customer(language="en")
    message = message_enqueue(
        template_key="stall_update", context={"reason": "a storm", "eta": "Friday"}, dedupe_key="d", case=case
    )
    assert message.language == "en" and message.subject.startswith("SO-1001: delayed, new estimate Friday")
    assert "Dear 王女士" in message.body_text and case.number in message.subject


def test_every_key_lists_only_known_variables():
    known = {
        "customer_name", "item", "reason", "eta", "agent_name", "confirm_link", "status_link",
        "survey_link", "case_number", "case_title", "case_link", "message",
    }  # fmt: skip
    assert all(set(names) <= known for names in TEMPLATE_VARIABLES.values())
