from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.map_page, name="map"),
    path("businesses/", views.businesses_page, name="businesses-page"),
]
