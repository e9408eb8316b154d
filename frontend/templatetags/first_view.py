"""`{% first_data url … %}` and `{% js_catalog %}`: what a map's first view needs, answered inside the page.

On a phone's 3G every request is over half a second, and HTTP/1.1 gives the page six connections: four small JSON
reads (the tiles catalogue, the wards, the khu phố, the facilities) took two of the first view's rounds of
requests. Each is answered here by the very view that serves its URL, for the same visitor, and written into the
page as one `<script type="application/json" id="first-data">` block ({url: answer}; a browser never runs it, so
the Content-Security-Policy allows it). first_view.js hands the answers to the page's module as it would the
fetched ones (`portalEarly.data[url]`). An answer larger than EMBED_MAX_BYTES (a city's every khu phố) is not
written into every page: its URL is left to a `<link rel="preload" as="fetch">`, fetched as before.

`{% js_catalog %}` does the same for /jsi18n/ (Django's JavaScriptCatalog, one more request in the first round, and
a parser-blocking script): the same catalogue, formats and plural rule as JSON (Django's JSONCatalog) in a
`<script type="application/json" id="js-catalog">`, from which first_view.js installs the same globals
(gettext, ngettext, interpolate, get_format, …) before any module of the page is evaluated.
"""

from __future__ import annotations

import copy
import json
from urllib.parse import urlsplit

from django import template
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils.html import format_html, format_html_join, json_script
from django.utils.safestring import SafeString
from django.views.i18n import JSONCatalog

register = template.Library()

EMBED_MAX_BYTES = 64 * 1024
# A conditional GET of the page must not turn an answer into an empty 304.
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")


def answer(request: HttpRequest, url: str) -> object | None:
    """The JSON the view of `url` answers this visitor with, or None (not 200, not JSON, too large)."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    sub = copy.copy(request)
    sub.path = sub.path_info = parts.path
    sub.META = {k: v for k, v in request.META.items() if k not in _CONDITIONAL}
    sub.META["QUERY_STRING"] = parts.query
    sub.META["HTTP_ACCEPT"] = "application/json"
    sub.GET = QueryDict(parts.query)
    response = match.func(sub, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()  # a DRF Response
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("application/json"):
        return None
    if len(response.content) > EMBED_MAX_BYTES:
        return None
    return json.loads(response.content)


@register.simple_tag(takes_context=True)
def first_data(context: template.Context, *urls: str) -> str:
    """The answers of `urls` as the page's `first-data` block; preload links for those left out."""
    request = context["request"]
    data, left = {}, []
    for url in urls:
        found = answer(request, url)
        if found is None:
            left.append((url,))
        else:
            data[url] = found
    links = format_html_join("\n", '<link rel="preload" as="fetch" crossorigin href="{}">', left)
    return format_html("{}\n{}", json_script(data, "first-data"), links)


@register.simple_tag(takes_context=True)
def js_catalog(context: template.Context) -> SafeString:
    """The page language's JavaScript catalogue (what /jsi18n/ serves) as the page's `js-catalog` block."""
    response = JSONCatalog.as_view()(context["request"])
    assert isinstance(response, HttpResponse)  # JSONCatalog renders, never streams
    return json_script(json.loads(response.content), "js-catalog")
