"""Writes for processes: loading a process file as a new version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import cast

from django.db import transaction

from unstuck.processes.definition import ProcessDefinition, ProcessDefinitionError, parse_process_definition
from unstuck.processes.models import Process, ProcessVersion, Step
from unstuck.processes.signals import open_items_migrate


@dataclass(frozen=True)
class ProcessLoadResult:
    """What `process_load` did: the process, its current version, and whether anything changed."""

    process: Process
    version: ProcessVersion
    created: bool
    changed: bool
    migrated_items: int = 0


def _check_calendar(definition: ProcessDefinition, source: str) -> None:
    from unstuck.calendars.business_time import UnknownCalendar, get_calendar

    try:
        get_calendar(definition.calendar)
    except UnknownCalendar as error:
        line = next(
            (n for n, text in enumerate(source.splitlines(), 1) if text.lstrip().startswith("calendar:")),
            None,
        )
        raise ProcessDefinitionError("calendar", line, str(error)) from None


def _step_rows(version: ProcessVersion, definition: ProcessDefinition) -> list[Step]:
    return [
        Step(
            version=version,
            position=position,
            key=step.key,
            name=step.name,
            max_dwell=str(step.max_dwell) if step.max_dwell else "",
            team_key=step.team or "",
            confirmation_by=step.confirmation.by if step.confirmation else "",
            confirmation_within=str(step.confirmation.within)
            if step.confirmation and step.confirmation.within
            else "",
            remind_after=[str(r) for r in step.confirmation.remind_after] if step.confirmation else [],
            interruption=step.interruption,
        )
        for position, step in enumerate(definition.steps)
    ]


@transaction.atomic
def process_load(*, source: str, loaded_by: str = "", migrate_open: bool = False) -> ProcessLoadResult:
    """Create or update a process from its file; an unchanged file changes nothing (idempotent).

    A changed file makes a new version. Items keep the version they started under unless
    `migrate_open` moves every open item to the new version (their deadlines are recomputed).
    """
    definition = parse_process_definition(source)
    _check_calendar(definition, source)
    checksum = hashlib.sha256(source.encode("utf-8")).hexdigest()

    process, created = Process.objects.select_for_update().get_or_create(
        key=definition.key, defaults={"name": definition.name}
    )
    current = process.current_version
    if current is not None and current.checksum == checksum:
        return ProcessLoadResult(process=process, version=current, created=False, changed=False)

    number = (current.number if current else 0) + 1
    version = ProcessVersion.objects.create(
        process=process,
        number=number,
        source=source,
        checksum=checksum,
        calendar_key=definition.calendar,
        promise=str(definition.promise) if definition.promise else "",
        terminal=list(definition.terminal),
        loaded_by=loaded_by,
    )
    Step.objects.bulk_create(_step_rows(version, definition))
    process.name = definition.name
    process.current_version = version
    process.save(update_fields=["name", "current_version", "updated_at"])

    migrated = 0
    if migrate_open and current is not None:
        moved = open_items_migrate.send(sender=Process, process=process, version=version)
        migrated = sum(cast(int, count) for _receiver, count in moved)  # receivers return a count
    return ProcessLoadResult(
        process=process, version=version, created=created, changed=True, migrated_items=migrated
    )
