import pytest
from django.utils import translation

from unstuck.core.keyset import cursor_decode, cursor_encode
from unstuck.desk.display import human_duration, rule_label, urgency
from unstuck.desk.filters import StallFilter
from unstuck.desk.tests.factories import T_REF


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (20, "不到1分钟", "under a minute"),
        (12 * 60 + 59, "12分钟", "12 min"),
        (2 * 3600 + 5 * 60, "2小时5分", "2 h 5 min"),
        (3 * 86400 + 4 * 3600 + 59 * 60, "3天4小时", "3 d 4 h"),
        (-5, "不到1分钟", "under a minute"),
    ],
)
def test_human_duration(seconds, zh, en):
    with translation.override("zh-hans"):
        assert human_duration(seconds) == zh
    with translation.override("en"):
        assert human_duration(seconds) == en


def test_urgency_thresholds():
    assert urgency(3600) == "calm"
    assert urgency(3601) == "amber"
    assert urgency(86400) == "amber"
    assert urgency(86401) == "red"


def test_rules_in_plain_chinese():
    with translation.override("zh-hans"):
        assert [rule_label(r) for r in ("confirmation", "dwell", "interruption", "promise")] == [
            "未确认",
            "停留超时",
            "流程中断",
            "逾期",
        ]
        assert rule_label("mystery") == "mystery"


def test_cursor_round_trip_and_garbage():
    assert cursor_decode(cursor_encode(T_REF, 42)) == (T_REF, 42)
    assert cursor_decode("garbage") is None
    assert cursor_decode("") is None


def test_filter_query_strings():
    filters = StallFilter(process="order-delivery", q="SO 1", after="abc")
    assert filters.query() == "?process=order-delivery&q=SO+1"
    assert filters.query(rule="dwell", process="") == "?rule=dwell&q=SO+1"
    assert filters.next_page("xyz") == "?process=order-delivery&q=SO+1&after=xyz"
    assert StallFilter().next_page("xyz") == "?after=xyz"
