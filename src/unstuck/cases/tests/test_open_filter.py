import pytest

from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case
from unstuck.cases.open_filter import open_only

pytestmark = pytest.mark.django_db


def test_open_only_writes_the_open_statuses_as_literals_in_the_indexes_order():
    sql = str(open_only(Case.objects.all()).query)
    assert "IN (" + ", ".join(f"'{status}'" for status in OPEN) + ")" in sql
    assert list(open_only(Case.objects.all())) == []


def test_the_literal_lookup_refuses_anything_but_plain_identifiers():
    with pytest.raises(ValueError, match="plain identifiers"):
        str(Case.objects.filter(status__in_literal=["new', 'x"]).query)
