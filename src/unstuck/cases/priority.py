"""A new case's impact, urgency and priority: impact rules over the item's attributes, urgency from
the case type, and the impact × urgency matrix. Urgency and matrix are tables in the admin
(`TypeUrgency`, `PriorityCell`), seeded from the defaults in `cases.lifecycle`; a missing row
falls back to its default, so a half-edited table never leaves a case without a priority."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unstuck.cases.lifecycle import DEFAULT_IMPACT, PRIORITY_MATRIX, URGENCY_FOR_TYPE, Level
from unstuck.cases.models import ImpactRule
from unstuck.cases.routing_models import PriorityCell, TypeUrgency

_RANK = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}
_MISSING = object()


@dataclass(frozen=True)
class PriorityConfig:
    """The priority tables as they stand, read once per case opened by hand or per routing batch."""

    urgency: dict[str, str]
    matrix: dict[tuple[str, str], str]
    impact_rules: list[ImpactRule]


def priority_config_load() -> PriorityConfig:
    """Read the urgency table, the matrix and the active impact rules (three small queries)."""
    urgency: dict[str, str] = {str(k): str(v) for k, v in URGENCY_FOR_TYPE.items()}
    urgency.update(TypeUrgency.objects.values_list("case_type", "urgency"))
    matrix: dict[tuple[str, str], str] = {(str(i), str(u)): str(p) for (i, u), p in PRIORITY_MATRIX.items()}
    matrix.update(
        {
            (impact, urgency_): priority
            for impact, urgency_, priority in PriorityCell.objects.values_list(
                "impact", "urgency", "priority"
            )
        }
    )
    return PriorityConfig(urgency=urgency, matrix=matrix, impact_rules=active_impact_rules())


def _lookup(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _matches(rule: ImpactRule, actual: Any) -> bool:
    if actual is _MISSING:
        return False
    expected: Any = rule.value
    try:
        match rule.operator:
            case ImpactRule.Operator.TRUTHY:
                return bool(actual)
            case ImpactRule.Operator.EQ:
                return bool(actual == expected)
            case ImpactRule.Operator.IN:
                return isinstance(expected, list) and actual in expected
            case ImpactRule.Operator.GTE:
                return float(actual) >= float(expected)
            case ImpactRule.Operator.GT:
                return float(actual) > float(expected)
            case ImpactRule.Operator.LTE:
                return float(actual) <= float(expected)
            case ImpactRule.Operator.LT:
                return float(actual) < float(expected)
    except (TypeError, ValueError):  # "n/a" compared with 5000: the rule simply does not apply
        return False
    return False


def impact_for(*, attrs: dict[str, Any] | None, process_id: int | None, rules: list[ImpactRule]) -> str:
    """The highest impact among the rules matching the item's attributes, else the default."""
    if attrs is None:
        return DEFAULT_IMPACT
    document = {"attrs": attrs}
    found: str | None = None
    for rule in rules:
        if rule.process_id is not None and rule.process_id != process_id:
            continue
        higher = found is None or _RANK[Level(rule.impact)] > _RANK[Level(found)]
        if higher and _matches(rule, _lookup(document, rule.attribute)):
            found = rule.impact
    return found or DEFAULT_IMPACT


def active_impact_rules() -> list[ImpactRule]:
    return list(ImpactRule.objects.filter(active=True))


def priority_for(*, impact: str, urgency: str, config: PriorityConfig | None = None) -> str:
    """The matrix cell for (impact, urgency), from `config` or the stored tables."""
    return (config or priority_config_load()).matrix[(impact, urgency)]


def urgency_for(case_type: str, config: PriorityConfig | None = None) -> str:
    """How urgent a case of `case_type` is, from `config` or the stored table (unknown: medium)."""
    return (config or priority_config_load()).urgency.get(case_type, Level.MEDIUM)
