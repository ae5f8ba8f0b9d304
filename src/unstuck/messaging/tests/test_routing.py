"""Who gets a message on which channel: the customer's preferred channel, their fallback when it
cannot reach them, a colleague's notification channel (in-app by default), and honest dead ends."""

# Tests dereference Optional results (a just-enqueued message, a fetched row) they know exist.
# mypy: disable-error-code="union-attr,misc"

from __future__ import annotations

import pytest

from unstuck.accounts.models import Profile
from unstuck.cases.models import TimelineEntry
from unstuck.cases.tests.factories import person
from unstuck.customers.models import Customer
from unstuck.messaging.models import Channel, Message
from unstuck.messaging.selectors import notification_list, notification_unread_count
from unstuck.messaging.services import message_enqueue, notification_mark_read
from unstuck.messaging.tests.factories import case_with_customer
from unstuck.messaging.vocabulary import ChannelKind

pytestmark = pytest.mark.django_db


def enqueue(key: str = "d", **kwargs):
    return message_enqueue(
        template_key="stall_update", context={"reason": "r", "eta": "e"}, dedupe_key=key, **kwargs
    )


def test_preferred_channel_then_fallback():
    Channel.objects.create(key="sms-main", name="SMS", kind="sms", url="http://127.0.0.1:9/sms", secret="t")
    case = case_with_customer(channel="sms", fallback_channel="email")
    assert enqueue("a", case=case).channel == "sms"
    Customer.objects.filter(pk=case.item.customer_id).update(phone="")
    case.item.customer.refresh_from_db()
    message = enqueue("b", case=case)
    assert (message.channel, message.recipient) == ("email", "wang@example.cn")


def test_unreachable_customer_is_recorded_dead_with_the_reason_not_dropped():
    case = case_with_customer(channel="wecom", email="", phone="")
    message = enqueue(case=case)
    assert message.status == "dead" and message.reason == "no active wecom channel is configured"
    entry = TimelineEntry.objects.filter(case=case, kind="message_failed").get()
    assert "no active wecom channel" in entry.message


def test_channel_argument_may_name_a_configured_channel():
    Channel.objects.create(
        key="ops-group", name="运营群", kind="dingtalk", url="http://127.0.0.1:9/x", is_default=False
    )
    case = case_with_customer()
    message = enqueue(case=case, channel="ops-group")
    assert message.channel == "dingtalk" and message.channel_config.key == "ops-group"


def test_a_colleague_gets_in_app_notifications_and_can_read_them():
    agent = person("li", "agent", "ops")
    case = case_with_customer()
    message = message_enqueue(
        template_key="case_escalation",
        context={"reason": "客户投诉"},
        dedupe_key="esc",
        case=case,
        user=agent,
    )
    assert message.channel == ChannelKind.IN_APP and message.status == "sent"
    assert case.number in message.subject
    assert [n.pk for n in notification_list(user=agent)] == [message.pk]
    assert notification_list(user=person("other", "agent", "ops")).count() == 0
    assert notification_unread_count(user=agent) == 1
    assert notification_mark_read(user=agent) == 1 and notification_unread_count(user=agent) == 0


def test_a_colleague_on_email_gets_email_and_without_an_address_falls_back_to_in_app():
    agent = person("li", "agent", "ops")
    Profile.objects.filter(user=agent).update(notify_channel="email")
    agent.refresh_from_db()
    assert (
        message_enqueue(template_key="sla_warning", context={}, dedupe_key="a", user=agent).channel
        == "in_app"
    )
    agent.email = "li@example.cn"
    agent.save()
    message = message_enqueue(template_key="sla_warning", context={}, dedupe_key="b", user=agent)
    assert (message.channel, message.recipient, message.status) == ("email", "li@example.cn", "queued")


def test_customer_channel_choices_are_messaging_kinds():
    assert set(Customer.Channel.values) - {""} <= set(ChannelKind.values) - {"in_app"}


def test_unknown_template_key_is_a_clear_error():
    from unstuck.core.errors import DomainError

    with pytest.raises(DomainError) as error:
        message_enqueue(template_key="nope", context={}, dedupe_key="x")
    assert error.value.code == "unknown_template_key"
    assert not Message.objects.exists()
