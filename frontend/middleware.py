from django.conf import settings
from django.utils import translation


class PortalLocaleMiddleware:
    """Vietnamese unless the visitor chose English with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which turns the
    portal English on most officers' machines; the language is a choice made on the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
        if lang not in self.supported:
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response
