from __future__ import annotations

from django.urls import URLPattern, path

from tonghop.audit import views

app_name = "audit"
urlpatterns: list[URLPattern] = [
    path("", views.events, name="events"),
]
