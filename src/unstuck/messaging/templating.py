"""Rendering message templates with Django's template language, sandboxed.

A dedicated `Engine` with no loaders (so `{% include %}` / `{% extends %}` find nothing) and a
checked set of tags: text, variables, `if`, `comment` and `for`, nothing that loads code or reads
files. The context holds plain strings only, so a template cannot reach into models. Plain-text
parts render without autoescape; the HTML body with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, Variable, VariableNode
from django.template.defaulttags import CommentNode, ForNode, IfNode
from django.utils.translation import gettext as _

from unstuck.core.errors import DomainError
from unstuck.messaging.vocabulary import TEMPLATE_VARIABLES

_ENGINE_TEXT = Engine(loaders=[], libraries={}, autoescape=False, string_if_invalid="")
_ENGINE_HTML = Engine(loaders=[], libraries={}, autoescape=True, string_if_invalid="")
_ALLOWED_NODES = (TextNode, VariableNode, IfNode, ForNode, CommentNode)


class TemplateRefused(DomainError):
    """A template that cannot be saved: bad syntax, a tag we do not run, or a variable not allowed."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(code, message, details={"field": field})
        self.field = field


def _tag_name(node: Node) -> str:
    token = getattr(node, "token", None)
    return str(token.contents) if token is not None else type(node).__name__


def _walk(nodes: Any) -> Iterator[Node]:
    for node in nodes:
        yield node
        for attr in getattr(node, "child_nodelists", ()):
            yield from _walk(getattr(node, attr, None) or [])
        if isinstance(node, IfNode):
            for _condition, nodelist in node.conditions_nodelists:
                yield from _walk(nodelist)


def _expressions(node: Node) -> Iterator[FilterExpression]:
    if isinstance(node, VariableNode):
        yield node.filter_expression
    elif isinstance(node, ForNode) and isinstance(node.sequence, FilterExpression):
        yield node.sequence
    elif isinstance(node, IfNode):
        for condition, _nodelist in node.conditions_nodelists:
            yield from _condition_expressions(condition)


def _condition_expressions(condition: Any) -> Iterator[FilterExpression]:
    if condition is None:
        return
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        yield value
    for side in ("first", "second"):
        yield from _condition_expressions(getattr(condition, side, None))


def _names(expression: FilterExpression) -> Iterator[str]:
    if isinstance(expression.var, Variable) and expression.var.lookups:
        yield expression.var.lookups[0]
    for _func, args in expression.filters:
        for is_lookup, arg in args:
            if is_lookup and isinstance(arg, Variable) and arg.lookups:
                yield arg.lookups[0]


def used_variables(source: str, *, field: str = "body_text") -> set[str]:
    """The top-level variable names `source` reads (loop variables excluded); refuses unsafe tags."""
    try:
        template = Template(source, engine=_ENGINE_TEXT)
    except TemplateSyntaxError as error:
        raise TemplateRefused(
            "template_syntax", _("%(field)s: %(error)s") % {"field": field, "error": error}, field
        ) from error
    names: set[str] = set()
    loop_vars: set[str] = set()
    for node in _walk(template.nodelist):
        if not isinstance(node, _ALLOWED_NODES):
            raise TemplateRefused(
                "template_tag_not_allowed",
                _("%(field)s: the tag %(tag)s is not allowed in message templates.")
                % {
                    "field": field,
                    "tag": _tag_name(node),
                },
                field,
            )
        if isinstance(node, ForNode):
            loop_vars.update(node.loopvars)
        for expression in _expressions(node):
            names.update(_names(expression))
    return names - loop_vars - {"forloop"}


def template_check(*, key: str, subject: str, body_text: str, body_html: str = "") -> None:
    """Refuse a template whose parts use a variable `key` does not allow (naming it and the field)."""
    if key not in TEMPLATE_VARIABLES:
        raise TemplateRefused(
            "unknown_template_key", _("Unknown template key %(key)r.") % {"key": key}, "key"
        )
    allowed = set(TEMPLATE_VARIABLES[key])
    for field, source in (("subject", subject), ("body_text", body_text), ("body_html", body_html)):
        unknown = sorted(used_variables(source, field=field) - allowed)
        if unknown:
            raise TemplateRefused(
                "template_variable_not_allowed",
                _(
                    "%(field)s uses the variable %(names)s, which %(key)s templates cannot use; "
                    "allowed: %(allowed)s."
                )
                % {
                    "field": field,
                    "names": ", ".join(unknown),
                    "key": key,
                    "allowed": ", ".join(TEMPLATE_VARIABLES[key]),
                },
                field,
            )


def render_parts(
    *, key: str, subject: str, body_text: str, body_html: str, context: dict[str, Any]
) -> tuple[str, str, str]:
    """(subject, text, html) rendered with only `key`'s allowed variables, each as plain text."""
    allowed = TEMPLATE_VARIABLES.get(key, ())
    values = {name: "" if context.get(name) is None else str(context[name]) for name in allowed}
    rendered_subject = Template(subject, engine=_ENGINE_TEXT).render(Context(values, autoescape=False))
    text = Template(body_text, engine=_ENGINE_TEXT).render(Context(values, autoescape=False))
    html = Template(body_html, engine=_ENGINE_HTML).render(Context(values)) if body_html else ""
    # A subject is one line: a newline in a variable must not become a header break.
    return " ".join(rendered_subject.split()), text.strip(), html.strip()


SAMPLE_VALUES: dict[str, str] = {
    "customer_name": "王女士",
    "item": "SO-1001",
    "reason": "仓库系统故障，今天的订单延迟出库",
    "eta": "2026-11-25 18:00",
    "agent_name": "李明",
    "confirm_link": "https://unstuck.example.cn/p/confirm/sample",
    "status_link": "https://unstuck.example.cn/p/status/sample",
    "survey_link": "https://unstuck.example.cn/p/survey/sample",
    "case_number": "C-000123",
    "case_title": "订单 SO-1001 逾期",
    "case_link": "https://unstuck.example.cn/cases/123/",
    "message": "我们已加急处理，明天上午会再次联系您。",
}
