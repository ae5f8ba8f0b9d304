from datetime import date

import pytest
from django.test import Client

from unstuck.accounts.models import ApiToken
from unstuck.accounts.selectors import user_for_token
from unstuck.calendars.business_time import calendars_changed, get_calendar
from unstuck.calendars.models import CalendarOverride
from unstuck.desk.tests.factories import ORDER_DELIVERY, PASSWORD, make_user
from unstuck.processes.models import Process

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _current_number(key: str) -> int:
    version = Process.objects.get(key=key).current_version
    assert version is not None
    return version.number


@pytest.fixture(autouse=True)
def _fresh_calendars():
    """Calendars are cached per process: forget what these tests changed (the rollback cannot)."""
    yield
    calendars_changed()


@pytest.fixture
def admin(processes) -> Client:
    return _signed_in(make_user("zhou", role="admin"))


@pytest.mark.parametrize(
    "url",
    [
        "/settings/processes/",
        "/settings/processes/order-delivery/",
        "/settings/tokens/",
    ],
)
def test_only_admins_get_the_admin_screens(processes, url):
    for role in ("agent", "supervisor", "auditor"):
        response = _signed_in(make_user(f"u-{role}", role=role, team="warehouse")).get(url)
        assert response.status_code == 403, (role, url)
    assert _signed_in(make_user("zhou", role="admin")).get(url).status_code == 200


def test_auditors_get_a_read_only_hub_of_the_screens_they_may_read(processes):
    for role in ("agent", "supervisor"):
        assert (
            _signed_in(make_user(f"u-{role}", role=role, team="warehouse")).get("/settings/").status_code
            == 403
        )
    page = _signed_in(make_user("audit", role="auditor")).get("/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/settings/sla/" in html and "/settings/templates/" in html and "/settings/channels/" in html
    assert "/settings/calendars/" in html  # read-only for auditors
    assert "/settings/tokens/" not in html and "/admin/" not in html


def test_the_hub_links_to_the_admin_for_models_without_a_desk_screen(admin):
    page = admin.get("/settings/").content.decode()
    assert "设置" in page and 'href="/settings/processes/"' in page
    assert 'href="/admin/cases/impactrule/"' in page  # a cases model: edited in Django's admin


def test_the_process_screen_shows_the_yaml_versions_and_the_graph_as_svg(admin):
    page = admin.get("/settings/processes/order-delivery/").content.decode()
    assert "key: order-delivery" in page and "v1" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="process-graph" role="img"' in page
    for step in ("paid", "address_confirmation", "picking", "shipped", "delivery_failed", "delivered"):
        assert f'data-step="{step}"' in page, step
    assert 'class="g-node g-interruption" data-step="delivery_failed"' in page
    assert 'class="g-node g-terminal" data-step="delivered"' in page
    assert page.count('class="g-edge"') == 5  # 6 main-flow steps in a row; the interruption hangs below
    assert "g-edge-interruption" in page


def test_uploading_a_new_version_and_a_broken_file_shows_the_error_by_line(admin):
    changed = ORDER_DELIVERY.replace("max_dwell: 15m", "max_dwell: 30m")
    page = admin.post("/settings/processes/order-delivery/", {"source": changed}).content.decode()
    assert "已加载版本 2" in page
    assert _current_number("order-delivery") == 2
    broken = ORDER_DELIVERY.replace(
        "max_dwell: 4h\n    team: service", "max_dwell: forever\n    team: service"
    )
    response = admin.post("/settings/processes/order-delivery/", {"source": broken})
    text = response.content.decode()
    assert response.status_code == 400
    assert "第 10 行" in text and "forever" in text and 'class="yaml-bad" aria-current="true"' in text
    assert _current_number("order-delivery") == 2  # nothing loaded


def test_loading_a_new_process_redirects_to_its_screen(admin):
    source = "key: refund\nname: 退款\ncalendar: always\nsteps:\n"
    source += "  - {key: asked, max_dwell: 1h}\n  - {key: paid}\n"
    response = admin.post("/settings/processes/new/", {"source": source})
    assert response.status_code == 302 and response["Location"] == "/settings/processes/refund/"
    bad = admin.post("/settings/processes/new/", {"source": "key: x\nname: y\nsteps: 3\n"})
    assert bad.status_code == 400 and "第 3 行" in bad.content.decode()


def test_calendar_days_overrides_and_year_verification(admin, django_capture_on_commit_callbacks):
    page = admin.get("/settings/calendars/cn-workdays/?from=2026-09-28").content.decode()
    assert "10-01" in page and "is-off" in page
    with django_capture_on_commit_callbacks(execute=True):  # the calendar cache reloads on commit
        response = admin.post(
            "/settings/calendars/cn-workdays/?from=2026-09-28",
            {"action": "set", "day": "2026-10-09", "kind": "off", "note": "公司年假"},
        )
    assert response.status_code == 200 and "2026-10-09 已设为休息日" in response.content.decode()
    assert CalendarOverride.objects.get(date=date(2026, 10, 9)).note == "公司年假"
    assert not get_calendar("cn-workdays").day_plan(date(2026, 10, 9)).working
    removed = admin.post("/settings/calendars/cn-workdays/", {"action": "remove", "day": "2026-10-09"})
    assert "恢复按日历规则" in removed.content.decode() and not CalendarOverride.objects.exists()
    again = admin.post("/settings/calendars/cn-workdays/", {"action": "remove", "day": "2026-10-09"})
    assert again.status_code == 400 and "没有可删除的例外设置" in again.content.decode()
    bad_day = admin.post("/settings/calendars/cn-workdays/", {"action": "set", "day": "10/9", "kind": "off"})
    assert bad_day.status_code == 400 and "YYYY-MM-DD" in bad_day.content.decode()
    page = admin.get("/settings/calendars/cn-workdays/?from=2027-01-01").content.decode()
    assert "2027" in page and "没有已核实的节假日数据" in page
    with django_capture_on_commit_callbacks(execute=True):
        verified = admin.post(
            "/settings/calendars/cn-workdays/?from=2027-01-01", {"action": "verify", "year": "2027"}
        )
    assert "2027 年已标记为已核实" in verified.content.decode()
    assert get_calendar("cn-workdays").covers(2027)


def test_teams_show_members_roles_and_lead(admin):
    make_user("li", role="agent", team="warehouse")
    make_user("wang", role="supervisor", team="warehouse")
    page = admin.get("/settings/teams/").content.decode()
    assert "仓储组" in page and "li" in page and "wang" in page


def test_a_token_is_shown_once_and_can_be_revoked(admin):
    make_user("erp", role="admin")
    response = admin.post("/settings/tokens/", {"username": "erp", "name": "ERP"})
    page = response.content.decode()
    token = ApiToken.objects.get(name="ERP")
    raw = page.split('<code class="token-secret">')[1].split("</code>")[0]
    assert raw.startswith(token.prefix) and getattr(user_for_token(raw), "username", None) == "erp"
    assert response["Cache-Control"] == "no-store"
    assert raw not in admin.get("/settings/tokens/").content.decode()  # shown this once
    assert admin.post("/settings/tokens/", {"username": "nobody"}).status_code == 400
    assert admin.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 302
    assert user_for_token(raw) is None
