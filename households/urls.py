from django.urls import path

from households import api

urlpatterns = [
    path("streets/", api.StreetList.as_view(), name="street-list"),
]
