"""The admin shows cases and their timeline read-only, and lets admins configure impact rules."""

from __future__ import annotations

import pytest
from django.test import Client

from unstuck.cases.tests.factories import manual_case

pytestmark = pytest.mark.django_db


def test_case_pages_render_and_the_timeline_cannot_be_edited(admin_client: Client) -> None:
    case = manual_case(title="管理后台可见")
    assert "管理后台可见" in admin_client.get("/admin/cases/case/").content.decode()
    assert admin_client.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    entry = case.timeline.get()
    assert admin_client.get("/admin/cases/timelineentry/").status_code == 200
    deleted = admin_client.post(f"/admin/cases/timelineentry/{entry.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert admin_client.get("/admin/cases/impactrule/add/").status_code == 200
    assert admin_client.get("/admin/cases/teamrouting/add/").status_code == 403  # the desk's team screen
