"""Who may sign in to the desk (and the Django admin): people, not integrations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_role


class PeopleBackend(ModelBackend):
    """Django's model backend, except that an integration's service user has no session: it is refused
    at sign-in and a session that names it (however it was made) resolves to nobody, so the desk sends
    it to the sign-in page. Integrations use their bearer token on the API."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and user_role(user) != Role.INTEGRATION
