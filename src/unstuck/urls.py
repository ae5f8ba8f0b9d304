"""URL map: the admin, the versioned API and the apps' pages."""

from django.contrib import admin
from django.urls import include, path

from unstuck.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("casework/", include("unstuck.casework.urls")),
    path("messaging/", include("unstuck.messaging.urls")),
    path("p/", include("unstuck.portal.urls")),
    path("insights/", include("unstuck.insights.urls")),
    path("brief/", include("unstuck.insights.urls_brief")),
    path("", include("unstuck.desk.urls")),  # last: the desk owns "/" and /i18n/
]

# Unmatched /api/ paths answer JSON like every other API error.
handler404 = "unstuck.core.api_errors.page_not_found"
# Database trouble raised outside a view (a middleware) answers 503 like inside one.
handler500 = "unstuck.core.middleware.server_error"
