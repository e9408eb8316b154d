from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularSwaggerSplitView

from gisportal import accounts, audit_api, events, fastpath, health, openapi

api_v1: list[URLPattern | URLResolver] = [
    path("me/", accounts.me, name="me"),
    path("me/tokens", accounts.my_tokens, name="my-tokens"),
    path("me/tokens/<int:pk>", accounts.my_token, name="my-token"),
    path("events", events.events, name="events"),
    path("ping", fastpath.ping, name="ping"),
    path("audit/", audit_api.audit_log, name="audit-log"),
    path("", include("layers.urls")),
    path("", include("households.urls")),
    path("", include("businesses.urls")),
    path("", include("imagery.urls")),
    path("", include("imagery.detection.urls")),
]

urlpatterns = [
    path("", include("frontend.urls")),
    path("api/v1/", include(api_v1)),
    path("tiles/", include("layers.basemap.api")),
    path("tiles/", include("layers.tiles.api")),
    path("", include("layers.ogc.api")),  # with and without the slash: layers/ogc/api.py
    path("imagery/", include("imagery.api.tiles")),
    path("land/", include("imagery.pages")),
    path("layers/themes/", include("layers.themes.pages")),
    path("land/detection/", include("imagery.detection.views")),
    path("", include("layers.reports.urls")),
    path("api/health/", health.health, name="health"),
    path("api/schema/", openapi.SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script): the CSP runs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="gisportal/swagger_ui.html"),
        name="api-docs",
    ),
    path("login/", auth_views.LoginView.as_view(template_name="frontend/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", accounts.tokens_page, name="account-tokens"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

handler400 = "gisportal.errors.bad_request"
handler404 = "gisportal.errors.not_found"
