"""Desk URLs, mounted at the site root."""

from __future__ import annotations

from django.urls import include, path

from unstuck.desk import (
    admin_messaging,
    admin_people,
    admin_playbooks,
    admin_sla,
    admin_views,
    case_views,
    queue_views,
    views,
    wall_views,
)

app_name = "desk"

urlpatterns = [
    path("", views.stall_board_view, name="board"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("items/<slug:process>/<path:item>/", views.item_view, name="item"),
    path("queue/", queue_views.queue_view, name="queue"),
    path("queue/views/", queue_views.saved_view_create_view, name="view_create"),
    path("queue/views/<int:view_id>/delete/", queue_views.saved_view_delete_view, name="view_delete"),
    path("cases/<int:case_id>/", case_views.case_view, name="case"),
    path("cases/<int:case_id>/timeline/", case_views.case_timeline_view, name="case_timeline"),
    path("cases/<int:case_id>/status/", case_views.case_status_view, name="case_status"),
    path("cases/<int:case_id>/assign/", case_views.case_assign_view, name="case_assign"),
    path("cases/<int:case_id>/notes/", case_views.case_note_view, name="case_note"),
    path("wall/", wall_views.wall_view, name="wall"),
    path("settings/", admin_views.admin_hub_view, name="admin_hub"),
    path("settings/processes/", admin_views.processes_view, name="admin_processes"),
    path("settings/processes/new/", admin_views.process_new_view, name="admin_process_new"),
    path("settings/processes/<slug:key>/", admin_views.process_view, name="admin_process"),
    path("settings/calendars/", admin_views.calendars_view, name="admin_calendars"),
    path("settings/calendars/<slug:key>/", admin_views.calendar_view, name="admin_calendar"),
    path("settings/teams/", admin_views.teams_view, name="admin_teams"),
    path("settings/teams/<slug:key>/", admin_people.team_view, name="admin_team"),
    path("settings/teams/<slug:key>/absences/", admin_people.team_absences_view, name="admin_team_absences"),
    path("settings/users/", admin_people.users_view, name="admin_users"),
    path("settings/users/new/", admin_people.user_view, name="admin_user_new"),
    path("settings/users/<str:username>/", admin_people.user_view, name="admin_user"),
    path("settings/tokens/", admin_views.tokens_view, name="admin_tokens"),
    path("settings/tokens/<int:token_id>/revoke/", admin_views.token_revoke_view, name="admin_token_revoke"),
    path("settings/sla/", admin_sla.sla_policies_view, name="admin_sla_policies"),
    path("settings/sla/<slug:priority>/", admin_sla.sla_policy_view, name="admin_sla_policy"),
    path("settings/playbooks/", admin_playbooks.playbooks_view, name="admin_playbooks"),
    path("settings/playbooks/new/", admin_playbooks.playbook_view, name="admin_playbook_new"),
    path("settings/playbooks/<slug:key>/", admin_playbooks.playbook_view, name="admin_playbook"),
    path("settings/templates/", admin_messaging.templates_view, name="admin_templates"),
    path("settings/templates/new/", admin_messaging.template_view, name="admin_template_new"),
    path("settings/templates/preview/", admin_messaging.template_preview_view, name="admin_template_preview"),
    path("settings/templates/<int:template_id>/", admin_messaging.template_view, name="admin_template"),
    path("settings/channels/", admin_messaging.channels_view, name="admin_channels"),
    path("settings/channels/<slug:key>/", admin_messaging.channel_view, name="admin_channel"),
    path("settings/channels/<slug:key>/test/", admin_messaging.channel_test_view, name="admin_channel_test"),
    path(
        "settings/messages/<int:message_id>/status/",
        admin_messaging.test_status_view,
        name="admin_test_status",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
]
