"""Speak the language the signed-in user chose in their profile."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from unstuck.accounts.selectors import user_language


class ProfileLanguageMiddleware:
    """Activate the user's profile language; goes right after AuthenticationMiddleware.

    Precedence: the language switcher's cookie (an explicit choice in this browser), then the
    profile's language, then what LocaleMiddleware already took from Accept-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            language = user_language(request.user)
            if language and translation.check_for_language(language):
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
