"""The customer's pages (public, no login: the signed link is the permission) and the case panel's
HTMX actions. Thin: check the link, call one service or selector, render.

A GET never changes anything a customer would notice (it only counts the opening), so mail
scanners that prefetch links confirm nothing; confirming and answering are POSTs from the page,
CSRF-protected. A bad link gets a clear page with 400 (tampered) or 410 (expired, used).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.models import Case
from unstuck.cases.selectors import case_for_write
from unstuck.core.errors import DomainError
from unstuck.core.moments import moment_check
from unstuck.portal.customer_words import customer_time_zone
from unstuck.portal.links import LinkRefused, link_check
from unstuck.portal.models import SERVQUAL_DIMENSIONS, PortalLink, Survey
from unstuck.portal.panels import case_panel_html, panel_may_pause
from unstuck.portal.selectors import confirm_page, item_status
from unstuck.portal.services import (
    SurveyAnswerError,
    confirmation_submit,
    follow_up_pause,
    follow_up_resume,
    link_opened,
    status_note_add,
    survey_answer,
)

View = Callable[..., HttpResponse]


def customer_page(view: View) -> View:
    """Customer pages speak `?lang=` when given (zh-hans or en), else what the browser asks for
    (LocaleMiddleware, zh-Hans by default); they are never cached, indexed or leak their URL."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wanted = request.GET.get("lang", "").lower()
        language = wanted if wanted in dict(settings.LANGUAGES) else translation.get_language()
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        # The signed token is in the address: never hand it to another site. "same-origin", not
        # "no-referrer": under "no-referrer" browsers send `Origin: null` with the page's own POST, and
        # Django's CSRF check refuses it, so the customer could never press "Confirm".
        response["Referrer-Policy"] = "same-origin"
        response["Content-Language"] = language
        return response

    return wrapper


def _refused(request: HttpRequest, refusal: LinkRefused, kind: str) -> HttpResponse:
    return render(
        request,
        "portal/refused.html",
        {"code": refusal.code, "kind": kind, "lang": request.LANGUAGE_CODE},
        status=refusal.status,
    )


@customer_page
@require_http_methods(["GET", "HEAD"])
def status_view(request: HttpRequest, token: str) -> HttpResponse:
    """The item's status in customer words: state, promised-by, the latest honest update, progress."""
    try:
        link = link_check(token=token, kind=PortalLink.Kind.STATUS)
    except LinkRefused as refusal:
        return _refused(request, refusal, "status")
    link_opened(link=link)
    status = item_status(item=link.item, now=timezone.now())
    return render(request, "portal/status.html", {"status": status, "lang": request.LANGUAGE_CODE})


@customer_page
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what is being confirmed; POST (from that page) confirms or records the choice."""
    try:
        link = link_check(token=token, kind=PortalLink.Kind.CONFIRM)
    except LinkRefused as refusal:
        return _refused(request, refusal, "confirm")
    if link.used_at is not None:
        return _refused(request, LinkRefused("link_used", 410, link), "confirm")
    page = confirm_page(link=link)
    if not page.still_waiting:
        return _refused(request, LinkRefused("link_used", 410, link), "confirm")
    context: dict[str, Any] = {"page": page, "lang": request.LANGUAGE_CODE, "error": ""}
    if request.method != "POST":
        link_opened(link=link)
        return render(request, "portal/confirm.html", context)
    try:
        confirmed = confirmation_submit(token=token, choice=request.POST.get("choice") or None)
    except LinkRefused as refusal:
        return _refused(request, refusal, "confirm")
    except DomainError as error:
        context["error"] = error.message
        return render(request, "portal/confirm.html", context, status=400)
    return render(
        request,
        "portal/confirmed.html",
        {"confirmed": confirmed, "page": page, "lang": request.LANGUAGE_CODE},
    )


def _survey_context(request: HttpRequest, survey: Survey, error: str = "") -> dict[str, Any]:
    return {
        "survey": survey,
        "dimensions": SERVQUAL_DIMENSIONS,
        "scores": range(1, 6),
        "posted": request.POST if request.method == "POST" else {},
        "error": error,
        "lang": request.LANGUAGE_CODE,
    }


@customer_page
@require_http_methods(["GET", "HEAD", "POST"])
def survey_view(request: HttpRequest, token: str) -> HttpResponse:
    """The CSAT survey of a resolved case: answered once; a second answer changes nothing."""
    try:
        link = link_check(token=token, kind=PortalLink.Kind.SURVEY)
    except LinkRefused as refusal:
        return _refused(request, refusal, "survey")
    survey = Survey.objects.filter(case_id=link.case_id).first() if link.case_id is not None else None
    if survey is None:
        return _refused(request, LinkRefused("link_invalid", 400, link), "survey")
    if survey.answered_at is not None:
        return _refused(request, LinkRefused("link_used", 410, link), "survey")
    if request.method != "POST":
        link_opened(link=link)
        return render(request, "portal/survey.html", _survey_context(request, survey))
    try:
        survey_answer(
            token=token,
            score=request.POST.get("score"),
            comment=request.POST.get("comment", ""),
            dimensions={name: request.POST.get(name) for name in SERVQUAL_DIMENSIONS},
            language=request.LANGUAGE_CODE,
        )
    except LinkRefused as refusal:
        return _refused(request, refusal, "survey")
    except SurveyAnswerError as error:
        return render(
            request, "portal/survey.html", _survey_context(request, survey, error.message), status=400
        )
    return render(request, "portal/survey_done.html", {"lang": request.LANGUAGE_CODE})


def _panel_action(
    request: HttpRequest, case_id: int, action: Callable[[Case], object], *, supervisors_only: bool = True
) -> HttpResponse:
    """Run a panel action and answer with the re-rendered panel. An HTMX request gets a refusal
    shown inside the panel (HTMX swaps only 2xx answers); anything else gets the real status."""
    try:
        case = case_for_write(user=request.user, case_id=case_id)
    except DomainError as error:
        return HttpResponse(error.message, status=error.status, content_type="text/plain; charset=utf-8")
    try:
        if supervisors_only and not panel_may_pause(user=request.user, case=case):
            raise DomainError("forbidden", _("Only a supervisor of the case's team can pause updates."), 403)
        action(case)
    except DomainError as error:
        status = 200 if getattr(request, "htmx", False) else error.status
        return HttpResponse(case_panel_html(request=request, case=case, error=error.message), status=status)
    return HttpResponse(case_panel_html(request=request, case=case))


@login_required
@require_POST
def follow_up_pause_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """Pause a case's proactive updates (supervisors); answers with the re-rendered panel."""
    reason = request.POST.get("reason", "")
    return _panel_action(
        request,
        case_id,
        lambda case: follow_up_pause(case_id=case.pk, actor=request.user, reason=reason),
    )


@login_required
@require_POST
def follow_up_resume_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """Resume a case's proactive updates (supervisors); answers with the re-rendered panel."""
    return _panel_action(
        request,
        case_id,
        lambda case: follow_up_resume(case_id=case.pk, actor=request.user),
    )


@login_required
@require_POST
def status_note_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """Write the customer's honest update (reason + new ETA, in the customer's time zone) from the
    panel; anyone who may change the case may; answers with the re-rendered panel."""
    reason = request.POST.get("reason", "")
    raw_eta = request.POST.get("eta", "").strip()

    def write(case: Case) -> None:
        eta = None
        if raw_eta:
            try:
                parsed = parse_datetime(raw_eta)
            except ValueError:  # well-formed but impossible, e.g. 2026-02-30T10:00
                parsed = None
            if parsed is None:
                raise DomainError(
                    "invalid_timestamp", _("New ETA: %(value)s is not a date and time.") % {"value": raw_eta}
                )
            if timezone.is_naive(parsed) and case.item is not None:  # as the customer reads it
                parsed = parsed.replace(tzinfo=customer_time_zone(case.item))
            eta = moment_check(parsed, field=_("new ETA"))
        status_note_add(case_id=case.pk, actor=request.user, reason=reason, eta=eta)

    return _panel_action(request, case_id, write, supervisors_only=False)
