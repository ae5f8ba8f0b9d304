"""The compiled, cached form of a process version that the hot paths (ingest, worker) work from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from unstuck.calendars.durations import Duration
from unstuck.processes.definition import ProcessDefinition, StepDefinition, parse_process_definition


@dataclass(frozen=True)
class ProcessSpec:
    """Everything the stall rules need to know about one process version."""

    process_id: int
    version_id: int
    key: str
    calendar: str
    promise: Duration | None
    terminal: frozenset[str]
    steps: dict[str, StepDefinition]

    def is_known_step(self, step: str) -> bool:
        return step in self.steps or step in self.terminal


def spec_from_definition(process_id: int, version_id: int, definition: ProcessDefinition) -> ProcessSpec:
    return ProcessSpec(
        process_id=process_id,
        version_id=version_id,
        key=definition.key,
        calendar=definition.calendar,
        promise=definition.promise,
        terminal=frozenset(definition.terminal),
        steps={step.key: step for step in definition.steps},
    )


@lru_cache(maxsize=1024)
def spec_for_version(version_id: int) -> ProcessSpec:
    """The spec of a version; versions never change once stored, so caching by id is safe."""
    from unstuck.processes.models import ProcessVersion

    version = ProcessVersion.objects.only("id", "process_id", "source").get(pk=version_id)
    return spec_from_definition(version.process_id, version.pk, parse_process_definition(version.source))


def step_name(version_id: int | None, step: str) -> str:
    """The step's display name in its process version (the key when the version does not list it)."""
    if version_id is None:
        return step
    definition = spec_for_version(version_id).steps.get(step)
    return definition.name if definition is not None and definition.name else step
