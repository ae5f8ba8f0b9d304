"""The one definition of an incident's case filter, shared by the API, the page and the service:
which open, stall-opened cases an incident gathers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.fields.json import KeyTransform

from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case
from unstuck.cases.open_filter import open_only
from unstuck.core.errors import DomainError
from unstuck.stalls.models import Stall

_ATTR_KEY = re.compile(r"^[\w.\-]{1,100}\Z")
MAX_ATTRS = 10


@dataclass(frozen=True)
class IncidentFilter:
    """Which cases an incident gathers: every given criterion must hold (at least one is required)."""

    process: str | None = None
    step: str | None = None
    team: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    stalled_since: datetime | None = None

    @classmethod
    def of(
        cls,
        *,
        process: str | None = None,
        step: str | None = None,
        team: str | None = None,
        attrs: dict[str, str] | None = None,
        stalled_since: datetime | None = None,
    ) -> IncidentFilter:
        """A checked filter: blank strings are no criterion; attribute keys are plain names."""
        clean_attrs: dict[str, str] = {}
        for key, value in (attrs or {}).items():
            key = str(key).strip()
            if not _ATTR_KEY.match(key):
                raise DomainError(
                    "invalid_attribute",
                    f"Attribute name {key!r} is not valid.",
                    details={"field": f"attrs.{key}"},
                )
            clean_attrs[key] = str(value).strip()
        if len(clean_attrs) > MAX_ATTRS:
            raise DomainError("invalid_attribute", f"At most {MAX_ATTRS} attributes per filter.")
        if stalled_since is not None and stalled_since.tzinfo is None:
            raise DomainError(
                "timestamp_without_offset",
                "`stalled_since` needs a UTC offset, e.g. 2026-11-23T10:00:00+08:00.",
                details={"field": "stalled_since"},
            )
        found = cls(
            process=(process or "").strip() or None,
            step=(step or "").strip() or None,
            team=(team or "").strip() or None,
            attrs=clean_attrs,
            stalled_since=stalled_since,
        )
        if not found.criteria():
            raise DomainError(
                "empty_filter",
                "Name at least one criterion (process, step, team, an attribute or stalled since): "
                "an incident never gathers every open case.",
            )
        return found

    def criteria(self) -> dict[str, Any]:
        """The criteria that are set, as JSON (stored on the incident)."""
        found: dict[str, Any] = {}
        for name in ("process", "step", "team"):
            if getattr(self, name):
                found[name] = getattr(self, name)
        if self.attrs:
            found["attrs"] = dict(self.attrs)
        if self.stalled_since is not None:
            found["stalled_since"] = self.stalled_since.isoformat()
        return found

    def apply(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        """`cases` narrowed to the open stall-opened ones that match and are in no open incident."""
        from unstuck.casework.models import IncidentCase

        cases = open_only(cases).filter(origin=Case.Origin.STALL)
        if self.process:
            cases = cases.filter(process__key=self.process)
        if self.team:
            cases = cases.filter(team__key=self.team)
        for index, (key, value) in enumerate(sorted(self.attrs.items())):
            alias = f"incident_attr_{index}"
            cases = cases.alias(**{alias: KeyTransform(key, "item__attrs")}).filter(**{alias: value})
        if self.step or self.stalled_since is not None:
            stalls = Stall.objects.filter(case_link__case=OuterRef("pk"))
            if self.step:
                stalls = stalls.filter(step=self.step)
            if self.stalled_since is not None:
                stalls = stalls.filter(since__gte=self.stalled_since)
            cases = cases.filter(Exists(stalls))
        in_open_incident = IncidentCase.objects.filter(case=OuterRef("pk"), incident__parent__status__in=OPEN)
        return cases.exclude(Exists(in_open_incident))
