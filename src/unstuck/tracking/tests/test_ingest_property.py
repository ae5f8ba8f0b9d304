"""Property: whatever rows a client sends, ingest never fails as a whole. Generated hostile rows mixed
with good ones go to the service and to the HTTP endpoint; every good row is stored, every bad row is
reported by its index, and the endpoint never answers 500 (issue 11, section 1).

30 examples per test keep it well under a minute; UNSTUCK_PROPERTY_EXAMPLES=500 searches longer.
"""

# ruff: noqa: DTZ001  (hypothesis wants naive min_value / max_value; `timezones=` adds the zones)
from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from unstuck.tracking.models import Event
from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import load_simple_process
from unstuck.tracking.tests.test_api import bearer, post_events
from unstuck.tracking.validation import ATTRS_MAX_BYTES, ATTRS_MAX_DEPTH

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)
RUNS = itertools.count()  # examples share one database: every example gets its own keys
EXAMPLES = settings(
    max_examples=int(os.environ.get("UNSTUCK_PROPERTY_EXAMPLES", "30")),
    deadline=None,
    database=None,
    # Shrinking a failing batch through the database takes minutes; the failing example is printed.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a good row may carry: no control characters, no surrogates.
safe_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
good_moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2027, 9, 1), timezones=offsets
).map(datetime.isoformat)
json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | safe_text
)
good_attrs = st.dictionaries(
    safe_text, st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=3), max_leaves=5), max_size=5
)
good_customers = st.none() | st.fixed_dictionaries(
    {"id": safe_text.filter(str.strip)}, optional={"name": safe_text, "email": safe_text}
)


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"x": value}
    return value


# Not in an id (control characters), and not in any text (NUL: PostgreSQL cannot store it).
unstorable_id = st.tuples(safe_text, st.sampled_from("\x00\x01\n\x7f"), safe_text).map("".join)
unstorable_text = st.tuples(safe_text, st.just("\x00"), safe_text).map("".join)
hostile_moments = (
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(1969, 12, 31), timezones=offsets).map(
        datetime.isoformat
    )
    | st.datetimes(min_value=datetime(2028, 1, 1), timezones=offsets).map(datetime.isoformat)
    | st.sampled_from(["9999-12-31T23:00:00-08:00", "0001-01-01T00:00:00+08:00", "2026-03-02 08:00"])
    | safe_text
    | st.integers()
    | st.lists(st.integers(), max_size=2)
)
# Finite floats: the body must stay valid JSON (NaN is not). Integers are fine as ids (order 157).
not_text = (
    st.floats(allow_nan=False, allow_infinity=False) | st.booleans() | st.lists(st.integers(), max_size=2)
)
wrong_types = st.integers() | not_text
# (field, hostile value): each turns a good row into one the ingest must reject.
HOSTILE_CHANGES = st.one_of(
    st.tuples(st.sampled_from(["process", "item", "step", "key"]), unstorable_id),
    st.tuples(st.sampled_from(["process", "item", "step"]), st.none() | st.just("  ") | not_text),
    st.tuples(st.just("item"), st.text(min_size=201, max_size=260).filter(lambda t: len(t.strip()) > 200)),
    st.tuples(st.just("process"), st.just("no-such-process")),
    st.tuples(st.sampled_from(["at", "promised_at"]), hostile_moments),
    st.tuples(
        st.just("attrs"),
        st.one_of(
            st.integers(ATTRS_MAX_DEPTH + 1, 300).map(nested),
            st.just({"note": "x" * ATTRS_MAX_BYTES}),
            st.tuples(safe_text, unstorable_text).map(lambda kv: {kv[0]: kv[1]}),
            st.tuples(unstorable_text, safe_text).map(lambda kv: {"a": [{kv[0]: kv[1]}]}),
            wrong_types,
        ),
    ),
    st.tuples(
        st.just("customer"),
        st.one_of(
            st.sampled_from(["id", "name", "email", "phone"]).map(lambda f: {"id": "C1", f: "x\x00y"}),
            st.just({"name": "no id"}),
            st.just({"id": "C1", "unknown": "field"}),
            wrong_types,
        ),
    ),
)


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[Any], set[int]]:
    """A batch of good and hostile rows, and the indexes of the hostile ones."""
    run = next(RUNS)
    rows: list[Any] = []
    bad: set[int] = set()
    for index in range(draw(st.integers(1, 12))):
        row: dict[str, Any] = {
            "process": "simple",
            "item": f"r{run}-{index}/{draw(safe_text)}",
            "step": draw(
                st.sampled_from(["new", "waiting", "working", "done"]) | safe_text.filter(str.strip)
            ),
            "at": draw(good_moments),
            "key": f"r{run}-k{index}",
            "attrs": draw(good_attrs),
            "customer": draw(good_customers),
        }
        if draw(st.booleans()):
            row["promised_at"] = draw(good_moments)
        if draw(st.booleans()):
            field, value = draw(HOSTILE_CHANGES)
            row[field] = value
            bad.add(index)
        elif draw(st.integers(0, 20)) == 0:
            rows.append(draw(wrong_types | st.text(max_size=5) | st.none()))
            bad.add(index)
            continue
        rows.append(row)
    return rows, bad


def assert_outcome(rows: list[Any], bad: set[int], accepted: int, rejected: list[tuple[int, str]]) -> None:
    reported = {index for index, _code in rejected}
    assert reported == bad, f"{rejected}; rows misjudged: {[repr(rows[i]) for i in sorted(reported ^ bad)]}"
    assert accepted == len(rows) - len(bad)
    good_keys = [row["key"] for index, row in enumerate(rows) if index not in bad]
    assert Event.objects.filter(key__in=good_keys).count() == len(good_keys)


@pytest.fixture
def process():
    load_simple_process()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.usefixtures("process")
@EXAMPLES
@given(batch=batches())
def test_the_service_stores_every_good_row_and_reports_every_bad_one(batch):
    rows, bad = batch
    result = event_ingest_batch(events=rows)
    assert_outcome(rows, bad, result.accepted, [(r.index, r.code) for r in result.rejected])


@pytest.mark.usefixtures("process")
@EXAMPLES
@given(batch=batches())
def test_the_endpoint_never_answers_500(batch):
    rows, bad = batch
    if "admin" not in HEADERS:
        HEADERS["admin"] = bearer("admin")
    response = post_events(Client(), rows, HEADERS["admin"])
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert_outcome(rows, bad, body["accepted"], [(r["index"], r["code"]) for r in body["rejected"]])


HEADERS: dict[str, dict[str, Any]] = {}


@pytest.fixture(autouse=True)
def _fresh_token():
    HEADERS.clear()  # each test has its own database state: mint the token again
