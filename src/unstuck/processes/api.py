"""API v1 for processes: list them, read one, load a new version from its YAML file."""

from __future__ import annotations

from typing import Any

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.accounts.permissions import require_role
from unstuck.core.errors import DomainError
from unstuck.processes.definition import ProcessDefinitionError
from unstuck.processes.models import Process
from unstuck.processes.selectors import process_visible, process_visible_get
from unstuck.processes.services import process_load

router = Router(tags=["processes"])


class StepOut(Schema):
    key: str = Field(..., description="Step key, as events name it.")
    name: str = Field(..., description="Display name.")
    max_dwell: str = Field(
        ..., description="Longest stay before the item is stuck, in calendar time ('' = none)."
    )
    team: str = Field(..., description="Team owning stalls in this step ('' = none).")
    confirmation_by: str = Field(..., description="Who must confirm in this step ('' = no confirmation).")
    remind_after: list[str] = Field(..., description="Reminders before the confirmation deadline.")
    interruption: bool = Field(..., description="Reaching this step is itself a stall.")


class ProcessOut(Schema):
    key: str = Field(..., description="Unique, URL-safe key.")
    name: str = Field(..., description="Display name.")
    version: int = Field(..., description="Current version number.")
    calendar: str = Field(..., description="Business calendar the limits are counted in.")
    promise: str = Field(..., description="Default promise from the first event ('' = none).")
    terminal: list[str] = Field(..., description="Steps that finish an item.")
    steps: list[StepOut] = Field(..., description="Steps in order.")
    source: str = Field(..., description="The YAML file of the current version.")


class ProcessLoadIn(Schema):
    source: str = Field(..., description="The process file (YAML) as text.")
    migrate_open: bool = Field(False, description="Move open items to the new version (default: they stay).")


class ProcessLoadOut(Schema):
    key: str = Field(..., description="Process key.")
    version: int = Field(..., description="Current version after the load.")
    created: bool = Field(..., description="The process did not exist before.")
    changed: bool = Field(..., description="A new version was made (false: the file was unchanged).")
    migrated_items: int = Field(..., description="Open items moved to the new version.")


def _out(process: Process) -> dict[str, Any]:
    version = process.current_version
    assert version is not None
    return {
        "key": process.key,
        "name": process.name,
        "version": version.number,
        "calendar": version.calendar_key,
        "promise": version.promise,
        "terminal": version.terminal,
        "steps": [
            {
                "key": s.key,
                "name": s.name,
                "max_dwell": s.max_dwell,
                "team": s.team_key,
                "confirmation_by": s.confirmation_by,
                "remind_after": s.remind_after,
                "interruption": s.interruption,
            }
            for s in version.steps.all()
        ],
        "source": version.source,
    }


@router.get("/processes", response=list[ProcessOut], summary="List processes")
def processes_list(request: AuthedHttpRequest) -> list[dict[str, Any]]:
    """The processes you may read (your teams' processes; admins and auditors all)."""
    return [
        _out(p)
        for p in process_visible(user=request.user)
        .filter(current_version__isnull=False)
        .prefetch_related("current_version__steps")
    ]


@router.get("/processes/{key}", response=ProcessOut, summary="One process with its steps")
def process_detail(request: AuthedHttpRequest, key: str) -> dict[str, Any]:
    """Another team's process is not found (404)."""
    process = process_visible_get(user=request.user, key=key)
    if process is None or process.current_version is None:
        raise HttpError(404, f"no process {key!r}")
    return _out(process)


@router.post("/processes", response=ProcessLoadOut, summary="Load a process file (idempotent)")
def process_upload(request: AuthedHttpRequest, payload: ProcessLoadIn) -> dict[str, Any]:
    """An unchanged file changes nothing; a changed one makes a new version. Admins only."""
    require_role(request, "admin")
    try:
        result = process_load(
            source=payload.source, loaded_by=request.user.get_username(), migrate_open=payload.migrate_open
        )
    except ProcessDefinitionError as error:
        raise DomainError(
            "invalid_process", str(error), status=422, details={"path": error.path, "line": error.line}
        ) from None
    return {
        "key": result.process.key,
        "version": result.version.number,
        "created": result.created,
        "changed": result.changed,
        "migrated_items": result.migrated_items,
    }
