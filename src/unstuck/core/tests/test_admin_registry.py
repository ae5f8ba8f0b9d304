"""No Django admin page writes around the services.

Every model the admin registers is either read-only there (for everyone, superusers too) or listed
below with the path its writes take. A new admin class that allows add, change or delete (or an inline
that does) without being listed fails here; so does a listed model that became read-only (the table
stays true). Then, through a real superuser's client: settings the desk edits are refused by the admin
and point to the desk, and what the admin does write is refused exactly as the service refuses it.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from unstuck.accounts.models import Absence
from unstuck.accounts.services import absence_create, user_ensure
from unstuck.cases.models import ImpactRule, SlaPolicy, TimelineEntry
from unstuck.casework.models import Playbook, PlaybookStep
from unstuck.core.admin import ReadOnlyAdmin
from unstuck.insights.brief_models import BriefSubscription

pytestmark = pytest.mark.django_db

#: Models the admin may write, and how each write gets the service's checks.
THROUGH_SERVICE: dict[str, str] = {
    "calendars.calendar": "calendars.services.calendar_define / calendar_delete (save_model, delete_model)",
    "calendars.calendaroverride": "calendars.services.calendar_override_set / _remove",
    "calendars.verifiedyear": "calendars.services.calendar_year_verify / _unverify (Calendar's inline)",
    "accounts.absence": "accounts.services.absence_create / absence_delete (add and delete; no change)",
    "insights.briefsubscription": "insights.brief_mail.brief_subscribe (add and change; no delete)",
    "auth.user": "django.contrib.auth's UserAdmin: password hashing, staff and superuser flags",
    "auth.group": "django.contrib.auth's GroupAdmin: permission groups",
    "desk.loginfailure": "delete only: removing the rows lifts a sign-in lockout (desk.lockout counts them)",
    # Settings nothing else writes (no desk screen, API or service): the model form's validation is
    # the only check there is, the same the model itself declares.
    "cases.impactrule": "admin only (cases.priority reads it); refuses values its operator cannot use",
    "casework.causecategory": "admin only (no delete: causes refer to categories; deactivate)",
    "casework.approvalthreshold": "admin only (casework.services.remedies reads it)",
    "accounts.skill": "admin only (the desk's user screen picks from them)",
    "insights.warningattribute": "admin only (early warning reads it)",
    "insights.qarubric": "admin only (the QA screens read it)",
    "insights.qacriterion": "admin only, inline of the rubric",
    "insights.modelschedule": "admin only: due times (set one to now to force a retrain)",
    "portal.updatepolicy": "admin only (portal.update_policy reads it)",
    "customers.customer": "admin only besides tracking's ingest upsert of contacts",
}

#: Audit trails, outbox rows, events and engine state: never written in the admin, by anyone.
APPEND_ONLY = {
    "cases.timelineentry",
    "cases.casestall",
    "cases.slaclock",
    "cases.slatimer",
    "cases.slaescalation",
    "cases.case",
    "messaging.message",
    "messaging.deliveryattempt",
    "insights.earlywarning",
    "insights.briefdelivery",
    "insights.trainedmodel",
    "insights.itemprediction",
    "insights.qasample",
    "insights.qareview",
    "insights.coachingnote",
    "casework.casecause",
    "casework.remedy",
    "casework.incident",
    "casework.problem",
    "casework.actionitem",
    "portal.portallink",
    "portal.casefollowup",
    "portal.survey",
    "processes.processversion",
    "demo.demoseed",
}


def _label(model: Any) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _writes(model_admin: Any, request: Any) -> list[str]:
    """Which of add, change, delete `model_admin` (a ModelAdmin or an inline) allows `request`'s user."""
    inline = not isinstance(model_admin, admin.ModelAdmin)
    allowed = {
        "add": model_admin.has_add_permission(request, None)
        if inline
        else model_admin.has_add_permission(request),
        "change": model_admin.has_change_permission(request, None),
        "delete": model_admin.has_delete_permission(request, None),
    }
    return [verb for verb, yes in allowed.items() if yes]


def _writable(site: admin.AdminSite, request: Any) -> dict[str, list[str]]:
    """Each model `site` shows (registered or inline) with the writes it allows."""
    writable: dict[str, list[str]] = {}
    for model, model_admin in site._registry.items():
        writable[_label(model)] = _writes(model_admin, request)
        for inline in model_admin.get_inline_instances(request):
            label = _label(inline.model)
            writable[label] = sorted({*writable.get(label, []), *_writes(inline, request)})
    return writable


def _unlisted(writable: dict[str, list[str]]) -> dict[str, list[str]]:
    return {label: verbs for label, verbs in writable.items() if verbs and label not in THROUGH_SERVICE}


def test_every_admin_write_goes_through_a_listed_service(admin_user: Any) -> None:
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    writable = _writable(admin.site, request)
    unlisted = _unlisted(writable)
    assert not unlisted, f"admin writes that skip the services: {unlisted}"
    stale = sorted(label for label in THROUGH_SERVICE if not writable.get(label))
    assert not stale, f"listed as written through a service but read-only (or unregistered): {stale}"
    assert not (APPEND_ONLY & set(THROUGH_SERVICE))
    shown = {label for label, verbs in writable.items() if not verbs}
    assert shown >= APPEND_ONLY, APPEND_ONLY - shown


def test_a_plain_model_admin_or_an_editable_inline_is_caught(admin_user: Any) -> None:
    request = RequestFactory().get("/admin/")
    request.user = admin_user

    class StepInline(admin.TabularInline):
        model = PlaybookStep

    class PlaybookPlain(ReadOnlyAdmin):
        inlines = [StepInline]

    site = admin.AdminSite(name="probe")
    site.register(SlaPolicy)  # a plain ModelAdmin, as `admin.register` gives by default
    site.register(Playbook, PlaybookPlain)  # read-only itself, but its inline edits steps
    site.register(TimelineEntry, ReadOnlyAdmin)
    assert _unlisted(_writable(site, request)) == {
        "cases.slapolicy": ["add", "change", "delete"],
        "casework.playbookstep": ["add", "change", "delete"],
    }


def _policy_form(**change: str) -> dict[str, str]:
    form = {
        "priority": "P2",
        "first_response": "1h",
        "next_update": "4h",
        "resolution": "1d",
        "pause_statuses": '["waiting_customer"]',
        "warn_fractions": "[0.5]",
        "active": "on",
        "levels-TOTAL_FORMS": "0",
        "levels-INITIAL_FORMS": "0",
    }
    return form | change


@pytest.mark.parametrize(
    ("page", "desk"),
    [
        ("cases/slapolicy", "/settings/sla/"),
        ("casework/playbook", "/settings/playbooks/"),
        ("messaging/messagetemplate", "/settings/templates/"),
        ("messaging/channel", "/settings/channels/"),
        ("processes/process", "/settings/processes/"),
        ("accounts/team", "/settings/teams/"),
        ("cases/teamrouting", "/settings/teams/"),
        ("accounts/apitoken", "/settings/tokens/"),
    ],
)
def test_settings_the_desk_edits_are_read_only_here_and_point_to_the_desk(
    admin_client: Client, page: str, desk: str
) -> None:
    listing = admin_client.get(f"/admin/{page}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert listing.status_code == 200 and f'href="{desk}"' in listing.content.decode()
    assert "此处只读" in listing.content.decode()
    assert admin_client.post(f"/admin/{page}/add/", {"key": "x", "name": "x"}).status_code == 403


def test_an_sla_policy_with_a_negative_target_is_refused_and_nothing_changes(admin_client: Client) -> None:
    p2 = SlaPolicy.objects.get(priority="P2")
    before = (p2.first_response, p2.updated_at)
    changed = admin_client.post(f"/admin/cases/slapolicy/{p2.pk}/change/", _policy_form(first_response="-1h"))
    added = admin_client.post("/admin/cases/slapolicy/add/", _policy_form(priority="P9", resolution="-2d"))
    assert (changed.status_code, added.status_code) == (403, 403)
    p2.refresh_from_db()
    assert (p2.first_response, p2.updated_at) == before
    assert not SlaPolicy.objects.filter(priority="P9").exists()
    page = admin_client.get(f"/admin/cases/slapolicy/{p2.pk}/change/").content.decode()
    assert 'href="/settings/sla/"' in page and 'name="first_response"' not in page  # shown, not a form


def test_a_template_or_playbook_step_cannot_be_written_in_the_admin(admin_client: Client) -> None:
    template = admin_client.post(
        "/admin/messaging/messagetemplate/add/",
        {"key": "case_opened", "language": "zh-hans", "subject": "{{ password }}", "body_text": "x"},
    )
    playbook = admin_client.post(
        "/admin/casework/playbook/add/",
        {
            "key": "pb",
            "name_zh": "预案",
            "steps-TOTAL_FORMS": "1",
            "steps-INITIAL_FORMS": "0",
            "steps-0-position": "1",
            "steps-0-name_zh": "",
            "steps-0-time_limit": "-3h",
        },
    )
    assert (template.status_code, playbook.status_code) == (403, 403)


def _people() -> tuple[Any, Any, Any]:
    ana = user_ensure(username="ana", role="agent", team_key="ops")
    bo = user_ensure(username="bo", role="agent", team_key="ops")
    cy = user_ensure(username="cy", role="agent", team_key="night")
    return ana, bo, cy


def _absence(
    user: Any, deputy: Any = None, starts: str = "2026-10-08", ends: str = "2026-10-09"
) -> dict[str, Any]:
    return {
        "user": user.pk,
        "kind": Absence.Kind.LEAVE,
        "starts_at_0": starts,
        "starts_at_1": "09:00:00",
        "ends_at_0": ends,
        "ends_at_1": "18:00:00",
        "deputy": deputy.pk if deputy is not None else "",
        "note": "",
    }


def test_an_absence_the_service_refuses_is_refused_on_the_admin_form(
    admin_client: Client, admin_user: Any
) -> None:
    ana, bo, cy = _people()
    outside = admin_client.post("/admin/accounts/absence/add/", _absence(ana, deputy=cy))
    assert outside.status_code == 200  # the form again, with the service's reason on the field
    assert "shares no team with ana" in str(outside.context["adminform"].form.errors["deputy"])
    backwards = admin_client.post(
        "/admin/accounts/absence/add/", _absence(ana, starts="2026-10-09", ends="2026-10-08")
    )
    assert "must be after" in str(backwards.context["adminform"].form.errors)
    assert not Absence.objects.exists()

    added = admin_client.post("/admin/accounts/absence/add/", _absence(ana, deputy=bo))
    assert added.status_code == 302, added.content.decode()[:2000]
    absence = Absence.objects.get()
    assert (absence.deputy, absence.created_by, absence.all_day) == (bo, admin_user, False)
    overlap = admin_client.post(
        "/admin/accounts/absence/add/", _absence(ana, starts="2026-10-09", ends="2026-10-10")
    )
    assert "already away" in str(overlap.context["adminform"].form.errors["starts_at"])
    assert (
        admin_client.post(f"/admin/accounts/absence/{absence.pk}/change/", _absence(ana)).status_code == 403
    )
    deleted = admin_client.post(f"/admin/accounts/absence/{absence.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not Absence.objects.exists()


def test_a_brief_subscription_the_brief_page_would_refuse_is_refused_in_the_admin(
    admin_client: Client,
) -> None:
    ana, _, _ = _people()
    dee = user_ensure(username="dee", role="admin")
    dee.email = ""
    dee.save(update_fields=["email"])
    agents = admin_client.post(
        "/admin/insights/briefsubscription/add/", {"user": ana.pk, "send_at": "08:00", "active": "on"}
    )
    assert "team you supervise" in str(agents.context["adminform"].form.errors["team"])
    form = {"user": dee.pk, "team": "", "send_at": "08:00", "active": "on"}
    no_mail = admin_client.post("/admin/insights/briefsubscription/add/", form)
    assert no_mail.status_code == 200
    assert "e-mail address" in str(no_mail.context["adminform"].form.errors["user"])
    assert not BriefSubscription.objects.exists()
    dee.email = "dee@example.cn"
    dee.save(update_fields=["email"])
    assert admin_client.post("/admin/insights/briefsubscription/add/", form).status_code == 302
    subscription = BriefSubscription.objects.get()
    assert (subscription.user, subscription.team, subscription.send_at) == (dee, None, time(8))
    changed = admin_client.post(
        f"/admin/insights/briefsubscription/{subscription.pk}/change/", {"send_at": "07:30", "active": "on"}
    )
    assert changed.status_code == 302
    subscription.refresh_from_db()
    assert subscription.send_at == time(7, 30) and BriefSubscription.objects.count() == 1


def test_saving_a_user_in_the_admin_leaves_their_role_teams_and_absences_alone(admin_client: Client) -> None:
    ana, _, _ = _people()
    absence_create(actor=ana, user=ana, starts=date(2026, 10, 8), ends=date(2026, 10, 9))
    page = admin_client.get(f"/admin/auth/user/{ana.pk}/change/")
    assert page.status_code == 200 and "ops" in page.content.decode()
    form = page.context["adminform"].form
    data: dict[str, Any] = {
        "username": "ana",
        "first_name": "Ana",
        "email": "ana@example.cn",
        "is_active": "on",
        "date_joined_0": form.initial["date_joined"].strftime("%Y-%m-%d"),
        "date_joined_1": form.initial["date_joined"].strftime("%H:%M:%S"),
    }
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data |= {management.add_prefix(name): value for name, value in management.initial.items()}
    saved = admin_client.post(f"/admin/auth/user/{ana.pk}/change/", data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    ana.refresh_from_db()
    assert (ana.first_name, ana.profile.role) == ("Ana", "agent")
    assert list(ana.memberships.values_list("team__key", flat=True)) == ["ops"]
    assert Absence.objects.filter(user=ana).count() == 1


@pytest.mark.parametrize(
    ("operator", "value", "error"),
    [("gte", '"lots"', "请填写一个数字"), ("lt", "true", "请填写一个数字"), ("in", '"VIP"', "取值列表")],
)
def test_an_impact_rule_that_could_never_match_is_refused(
    admin_client: Client, operator: str, value: str, error: str
) -> None:
    form = {"attribute": "attrs.order_value", "operator": operator, "value": value, "impact": "high"}
    refused = admin_client.post("/admin/cases/impactrule/add/", form)
    assert refused.status_code == 200 and error in str(refused.context["adminform"].form.errors["value"])
    assert not ImpactRule.objects.exists()
    good = "5000" if operator != "in" else '["VIP"]'
    assert admin_client.post("/admin/cases/impactrule/add/", form | {"value": good}).status_code == 302
    assert ImpactRule.objects.get().operator == operator
