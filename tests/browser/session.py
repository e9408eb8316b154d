"""Browser tests start logged in: a Django test client logs the user in and its session cookie goes to the
page, as if the user had signed in (and, given `language`, chosen it with the switch)."""

from __future__ import annotations

from django.test import Client


def logged_in(page, user, base_url: str, language: str | None = None) -> None:
    client = Client()
    client.force_login(user)
    cookies = [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    if language:
        cookies.append({"name": "django_language", "value": language, "url": base_url})
    page.context.add_cookies(cookies)
