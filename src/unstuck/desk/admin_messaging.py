"""The desk's message settings (admins change, auditors read): templates with a live preview of
unsaved text, and channels with a "send test" that goes through the outbox and shows its delivery."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.lifecycle import CaseType
from unstuck.cases.selectors import case_visible
from unstuck.core.errors import DomainError
from unstuck.core.keyset import row_id_parse
from unstuck.desk.admin_access import field_errors, settings_reader_required, settings_render
from unstuck.messaging.case_values import case_customer, default_values
from unstuck.messaging.channel_secrets import options_masked, options_secret_names, url_masked
from unstuck.messaging.models import Channel
from unstuck.messaging.services import channel_test_send
from unstuck.messaging.settings_services import (
    SAMPLE_VALUES_EN,
    channel_list,
    channel_test_message,
    channel_update,
    template_list,
    template_preview,
    template_save,
)
from unstuck.messaging.templating import SAMPLE_VALUES, TemplateRefused
from unstuck.messaging.vocabulary import TEMPLATE_VARIABLES, MessageLanguage, TemplateKey

_TEMPLATE_FIELDS = ("key", "language", "case_type", "cause", "step", "subject", "body_text", "body_html")


@settings_reader_required
def templates_view(request: AuthedHttpRequest) -> HttpResponse:
    """Templates by key, case type / cause / step and language; `?key=` and `?language=` filter."""
    key = str(request.GET.get("key") or "")
    language = str(request.GET.get("language") or "")
    context = {
        "templates": list(template_list(user=request.user, key=key, language=language)[:500]),
        "keys": TemplateKey.choices,
        "languages": MessageLanguage.choices,
        "key": key,
        "language": language,
    }
    return settings_render(request, "templates.html", context)


def _sample_values(request: HttpRequest) -> tuple[dict[str, str], dict[str, str], str]:
    """(zh-Hans values, English values, the sample case's number): the newest case the viewer sees
    fills in what a case knows (number, title, link, customer, item); the rest is the fixed sample."""
    case = case_visible(user=request.user).select_related("item", "owner").order_by("-pk").first()
    if case is None:
        return dict(SAMPLE_VALUES), dict(SAMPLE_VALUES_EN), ""
    known = default_values(case=case, item=None, customer=case_customer(case), agent=None, issue_links=False)
    known.pop("status_link", None)  # the sample's: a preview signs no link for a real customer
    zh = {**SAMPLE_VALUES, **known}
    en = {**SAMPLE_VALUES_EN, **{k: v for k, v in known.items() if k not in ("case_title", "agent_name")}}
    return zh, en, case.number or ""


def _preview_context(request: HttpRequest, source: dict[str, str]) -> dict[str, Any]:
    zh, en, case_number = _sample_values(request)
    context: dict[str, Any] = {"sample_case": case_number}
    try:
        for language, values in (("zh", zh), ("en", en)):
            context[f"preview_{language}"] = template_preview(
                key=source["key"],
                subject=source["subject"],
                body_text=source["body_text"],
                body_html=source["body_html"],
                values=values,
            )
    except TemplateRefused as refused:
        context["preview_error"] = refused.message
    return context


def _posted(request: HttpRequest) -> dict[str, str]:
    return {name: str(request.POST.get(name) or "") for name in _TEMPLATE_FIELDS}


@settings_reader_required
def template_view(request: AuthedHttpRequest, template_id: int | None = None) -> HttpResponse:
    """Edit one template (or a new one); POST saves through `template_save`, refused with the field."""
    template = None
    if template_id is not None:
        template = template_list(user=request.user).filter(pk=template_id).first()
        if template is None:
            raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        source = _posted(request)
        try:
            saved = template_save(
                actor=request.user,
                template=template,
                active=bool(request.POST.get("active")),
                key=source["key"],
                language=source["language"],
                case_type=source["case_type"],
                cause=source["cause"],
                step=source["step"],
                subject=source["subject"],
                body_text=source["body_text"],
                body_html=source["body_html"],
            )
        except ValidationError as refused:
            errors = field_errors(refused)
            active = bool(request.POST.get("active"))
        else:
            return redirect("desk:admin_template", template_id=saved.pk)
    elif template is not None:
        source = {name: str(getattr(template, name)) for name in _TEMPLATE_FIELDS}
        active = template.active
    else:
        source = {name: "" for name in _TEMPLATE_FIELDS}
        source.update(key=str(request.GET.get("key") or TemplateKey.STALL_UPDATE), language="zh-hans")
        active = True
    context = {
        "template": template,
        "source": source,
        "active": active,
        "errors": errors,
        "keys": TemplateKey.choices,
        "languages": MessageLanguage.choices,
        "case_types": CaseType.choices,
        "variables": TEMPLATE_VARIABLES.get(source["key"], ()),
        **_preview_context(request, source),
    }
    return settings_render(request, "template.html", context, status=400 if errors else 200)


@require_POST
@settings_reader_required
def template_preview_view(request: HttpRequest) -> HttpResponse:
    """HTMX: the preview of the unsaved text in the editor (nothing is saved)."""
    source = _posted(request)
    context = {"variables": TEMPLATE_VARIABLES.get(source["key"], ()), **_preview_context(request, source)}
    return settings_render(request, "partials/template_preview.html", context)


def _with_masks(channel: Channel) -> Channel:
    """The channel as pages show it: what is set, never the credential (`channel_secrets`)."""
    channel.url_masked = url_masked(channel.url)  # type: ignore[attr-defined]
    channel.secret_names = options_secret_names(channel.options)  # type: ignore[attr-defined]
    return channel


@settings_reader_required
def channels_view(request: AuthedHttpRequest) -> HttpResponse:
    channels = [_with_masks(channel) for channel in channel_list(user=request.user)]
    return settings_render(request, "channels.html", {"channels": channels})


def _options_text(options: Any) -> str:
    return json.dumps(options_masked(options or {}), ensure_ascii=False, indent=2)


def _options(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            {
                "options": gettext("Not valid JSON (line %(line)s): %(msg)s")
                % {"line": error.lineno, "msg": error.msg}
            }
        ) from None
    if not isinstance(value, dict):
        raise ValidationError({"options": gettext('Give a JSON object, e.g. {"format": "markdown"}.')})
    return value


@settings_reader_required
def channel_view(request: AuthedHttpRequest, key: str) -> HttpResponse:
    """One channel: edit it (POST) and send a test; the test's delivery status is polled on the page."""
    channel = channel_list(user=request.user).filter(key=key).first()
    if channel is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    options_text = _options_text(channel.options)
    if request.method == "POST":
        options_text = str(request.POST.get("options") or "")
        try:
            channel_update(
                channel=channel,
                actor=request.user,
                name=str(request.POST.get("name") or ""),
                active=bool(request.POST.get("active")),
                is_default=bool(request.POST.get("is_default")),
                url=str(request.POST.get("url") or "") or None,
                secret=str(request.POST.get("secret") or "") or None,
                options=_options(options_text),
            )
        except ValidationError as refused:
            errors = field_errors(refused)
            channel.refresh_from_db()
            with contextlib.suppress(ValueError):  # what was typed, its credentials masked
                options_text = _options_text(json.loads(options_text))
        else:
            return redirect("desk:admin_channel", key=channel.key)
    _with_masks(channel)
    test = None
    test_id = row_id_parse(str(request.GET.get("test") or ""))
    if test_id is not None:
        test = channel_test_message(user=request.user, message_id=test_id)
    context = {"channel": channel, "errors": errors, "options_text": options_text, "test": test}
    return settings_render(request, "channel.html", context, status=400 if errors else 200)


@require_POST
@settings_reader_required
def channel_test_view(request: AuthedHttpRequest, key: str) -> HttpResponse:
    """Queue a test message through the outbox; show its status fragment (HTMX) or the channel page."""
    channel = channel_list(user=request.user).filter(key=key).first()
    if channel is None:
        raise Http404
    try:
        message = channel_test_send(
            channel=channel,
            actor=request.user,
            address=str(request.POST.get("address") or "").strip(),
        )
    except DomainError as refused:
        context = {"channel": channel, "test_error": refused.message}
        return settings_render(request, "partials/channel_test_status.html", context, status=400)
    if request.htmx:  # type: ignore[attr-defined]
        return settings_render(request, "partials/channel_test_status.html", {"test": message})
    return redirect(f"{reverse('desk:admin_channel', kwargs={'key': channel.key})}?test={message.pk}")


@settings_reader_required
def test_status_view(request: AuthedHttpRequest, message_id: int) -> HttpResponse:
    """HTMX poll: a channel test's status (queued / sent / failed with the provider's reason)."""
    message = channel_test_message(user=request.user, message_id=message_id)
    if message is None:
        raise Http404
    return settings_render(request, "partials/channel_test_status.html", {"test": message})
