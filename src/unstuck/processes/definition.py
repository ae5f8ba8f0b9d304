"""Read a process file (YAML) into a checked ProcessDefinition, naming the key and line of any error."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from unstuck.calendars.durations import Duration, InvalidDuration, parse_duration

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
STEP_KEY_MAX = 100
CONFIRMERS_DOC = "customer, or a team / role key"


class ProcessDefinitionError(ValueError):
    """A process file that cannot be loaded; `path` and `line` say where."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path} (line {line})" if line else path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ConfirmationDefinition:
    """A step that waits on someone's confirmation: who confirms, by when, when to remind."""

    by: str
    within: Duration | None = None
    remind_after: tuple[Duration, ...] = ()
    asked_by: str | None = None
    # The step a confirmation moves the item to; None: the step listed after this one.
    then: str | None = None


@dataclass(frozen=True)
class StepDefinition:
    """One step of a process and the limits that make an item stuck in it."""

    key: str
    name: str
    max_dwell: Duration | None = None
    team: str | None = None
    confirmation: ConfirmationDefinition | None = None
    interruption: bool = False


@dataclass(frozen=True)
class ProcessDefinition:
    """A whole process file, checked."""

    key: str
    name: str
    calendar: str
    promise: Duration | None
    terminal: tuple[str, ...]
    steps: tuple[StepDefinition, ...]
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


class _Mapping:
    """A YAML mapping node with line-aware access to its keys."""

    def __init__(self, node: yaml.Node, path: str) -> None:
        if not isinstance(node, yaml.MappingNode):
            raise ProcessDefinitionError(path or "file", _line(node), "expected a mapping of keys to values")
        self.node = node
        self.path = path
        self.items: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise ProcessDefinitionError(path or "file", _line(key_node), "keys must be plain text")
            if key in self.items:
                raise ProcessDefinitionError(self.sub(key), _line(key_node), "this key appears twice")
            self.items[key] = (key_node, value_node)

    def sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str) -> yaml.Node | None:
        pair = self.items.get(key)
        return pair[1] if pair else None

    def reject_unknown(self, allowed: set[str]) -> None:
        for key, (key_node, _) in self.items.items():
            if key not in allowed:
                raise ProcessDefinitionError(
                    self.sub(key),
                    _line(key_node),
                    f"unknown key; expected one of: {', '.join(sorted(allowed))}",
                )


def _scalar(node: yaml.Node, path: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ProcessDefinitionError(path, _line(node), "expected a single value")
    return yaml.safe_load(yaml.serialize(node))


def _text(node: yaml.Node | None, path: str, *, required: bool, parent_line: int | None = None) -> str | None:
    if node is None:
        if required:
            raise ProcessDefinitionError(path, parent_line, "is required")
        return None
    value = _scalar(node, path)
    if value is None and not required:
        return None
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise ProcessDefinitionError(path, _line(node), "expected text")
    text = str(value).strip()
    if not text:
        raise ProcessDefinitionError(path, _line(node), "must not be empty")
    return text


def _duration(node: yaml.Node | None, path: str) -> Duration | None:
    if node is None:
        return None
    value = _scalar(node, path)
    if value is None:
        return None
    try:
        return parse_duration(value)
    except InvalidDuration as error:
        raise ProcessDefinitionError(path, _line(node), str(error)) from None


def _bool(node: yaml.Node | None, path: str) -> bool:
    if node is None:
        return False
    value = _scalar(node, path)
    if not isinstance(value, bool):
        raise ProcessDefinitionError(path, _line(node), "expected true or false")
    return value


def _key(node: yaml.Node | None, path: str, parent_line: int | None) -> str:
    key = _text(node, path, required=True, parent_line=parent_line)
    assert key is not None
    if not KEY_PATTERN.match(key):
        raise ProcessDefinitionError(
            path, _line(node), f"{key!r} is not URL-safe: use lowercase letters, digits, '-' or '_' (max 63)"
        )
    return key


def _confirmation(node: yaml.Node, path: str) -> ConfirmationDefinition:
    mapping = _Mapping(node, path)
    mapping.reject_unknown({"by", "within", "remind_after", "asked_by", "then"})
    by = _text(mapping.get("by"), mapping.sub("by"), required=True, parent_line=_line(node))
    assert by is not None
    remind_node = mapping.get("remind_after")
    reminders: list[Duration] = []
    if remind_node is not None:
        if isinstance(remind_node, yaml.ScalarNode):
            items = [remind_node]
        elif isinstance(remind_node, yaml.SequenceNode):
            items = list(remind_node.value)
        else:
            raise ProcessDefinitionError(mapping.sub("remind_after"), _line(remind_node), "expected a list")
        for index, item in enumerate(items):
            reminder = _duration(item, f"{mapping.sub('remind_after')}[{index}]")
            if reminder is not None:
                reminders.append(reminder)
    return ConfirmationDefinition(
        by=by,
        within=_duration(mapping.get("within"), mapping.sub("within")),
        remind_after=tuple(reminders),
        asked_by=_text(mapping.get("asked_by"), mapping.sub("asked_by"), required=False),
        then=_text(mapping.get("then"), mapping.sub("then"), required=False),
    )


def _step(node: yaml.Node, path: str) -> StepDefinition:
    mapping = _Mapping(node, path)
    mapping.reject_unknown({"key", "name", "max_dwell", "team", "confirmation", "interruption"})
    key = _text(mapping.get("key"), mapping.sub("key"), required=True, parent_line=_line(node))
    assert key is not None
    if len(key) > STEP_KEY_MAX:
        raise ProcessDefinitionError(
            mapping.sub("key"), _line(mapping.get("key")), "longer than 100 characters"
        )
    confirmation_node = mapping.get("confirmation")
    confirmation = None
    if confirmation_node is not None:
        confirmation = _confirmation(confirmation_node, mapping.sub("confirmation"))
    step = StepDefinition(
        key=key,
        name=_text(mapping.get("name"), mapping.sub("name"), required=False) or key,
        max_dwell=_duration(mapping.get("max_dwell"), mapping.sub("max_dwell")),
        team=_text(mapping.get("team"), mapping.sub("team"), required=False),
        confirmation=confirmation,
        interruption=_bool(mapping.get("interruption"), mapping.sub("interruption")),
    )
    if confirmation and confirmation.within is None and step.max_dwell is None:
        raise ProcessDefinitionError(
            mapping.sub("confirmation"),
            _line(confirmation_node),
            "a confirmation needs a deadline: give the step a max_dwell or the confirmation a `within`",
        )
    return step


def parse_process_definition(source: str) -> ProcessDefinition:
    """Parse and check a process file; raise ProcessDefinitionError naming the key and line."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise ProcessDefinitionError("file", line, f"not valid YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:  # e.g. a control character the YAML reader refuses outright
        raise ProcessDefinitionError("file", None, f"not valid YAML: {error}") from None
    if root is None:
        raise ProcessDefinitionError("file", None, "the file is empty")
    top = _Mapping(root, "")
    known = {"key", "name", "calendar", "promise", "terminal", "steps", "description"}
    top.reject_unknown(known)
    key = _key(top.get("key"), "key", _line(root))
    name = _text(top.get("name"), "name", required=False) or key
    calendar = _text(top.get("calendar"), "calendar", required=False) or "always"
    promise = _duration(top.get("promise"), "promise")

    steps_node = top.get("steps")
    if steps_node is None:
        raise ProcessDefinitionError("steps", _line(root), "is required: list the steps of the process")
    if not isinstance(steps_node, yaml.SequenceNode) or not steps_node.value:
        raise ProcessDefinitionError("steps", _line(steps_node), "expected a non-empty list of steps")
    steps: list[StepDefinition] = []
    seen: dict[str, int] = {}
    for index, step_node in enumerate(steps_node.value):
        step = _step(step_node, f"steps[{index}]")
        if step.key in seen:
            raise ProcessDefinitionError(
                f"steps[{index}].key",
                _line(step_node),
                f"step {step.key!r} is already defined as steps[{seen[step.key]}]",
            )
        seen[step.key] = index
        steps.append(step)

    terminal_node = top.get("terminal")
    terminal: list[str] = []
    if terminal_node is not None:
        if not isinstance(terminal_node, yaml.SequenceNode):
            raise ProcessDefinitionError("terminal", _line(terminal_node), "expected a list of step keys")
        for index, item in enumerate(terminal_node.value):
            value = _text(item, f"terminal[{index}]", required=True)
            assert value is not None
            terminal.append(value)
    known_steps = set(seen) | set(terminal)
    for step_node, step in zip(steps_node.value, steps, strict=True):
        then = step.confirmation.then if step.confirmation else None
        if then is not None and then not in known_steps:
            raise ProcessDefinitionError(
                f"steps[{seen[step.key]}].confirmation.then",
                _line(step_node),
                f"{then!r} is not a step of this process (nor a terminal step)",
            )
    description = _text(top.get("description"), "description", required=False) or ""
    return ProcessDefinition(
        key=key,
        name=name,
        calendar=calendar,
        promise=promise,
        terminal=tuple(terminal),
        steps=tuple(steps),
        description=description,
    )
