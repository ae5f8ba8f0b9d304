"""`status IN (open statuses)` written with literal values, so SQLite can use the partial indexes.

SQLite uses a partial index only when the query's WHERE clause provably implies the index's
condition, and a bound parameter proves nothing: `status IN (?, ?, ?, ?)` made the supervisor
wall scan every case (2 s at 1,000,000 cases) beside `case_open_load_idx`, whose condition is the
same list written out. The lookup `status__in_literal=OPEN` renders the values themselves, in
the order given (SQLite compares the two lists term by term, so it must be the order of the
indexes' `Q(status__in=OPEN)`); it accepts only plain identifiers (code constants, never user input).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import CharField, Lookup, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from unstuck.cases.lifecycle import OPEN

_PLAIN = re.compile(r"^[a-z][a-z0-9_]*$")


@CharField.register_lookup
class LiteralIn(Lookup):
    """`field IN ('a', 'b')` with the values inlined; only for constant identifiers."""

    lookup_name = "in_literal"
    prepare_rhs = False

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> Any:
        lhs, params = self.process_lhs(compiler, connection)
        values = list(dict.fromkeys(self.rhs))  # in the given order: SQLite compares the lists as written
        if not values or not all(isinstance(v, str) and _PLAIN.match(v) for v in values):
            raise ValueError(f"in_literal takes plain identifiers only, not {self.rhs!r}")
        return f"{lhs} IN ({', '.join(repr(v) for v in values)})", list(params)


def open_only(cases: QuerySet[Any]) -> QuerySet[Any]:
    """`cases` narrowed to open ones, in the form the partial open-case indexes match on SQLite."""
    return cases.filter(OPEN_Q)


OPEN_Q = Q(status__in_literal=list(OPEN))
