from __future__ import annotations

from django.urls import URLPattern, path

from tonghop.twofactor import views

app_name = "twofactor"
urlpatterns: list[URLPattern] = [
    path("", views.setup, name="setup"),
    path("on/", views.enable, name="enable"),
    path("confirm/", views.confirm, name="confirm"),
    path("off/", views.disable, name="disable"),
    path("codes/", views.new_codes, name="new-codes"),
    path("qr.svg", views.qr, name="qr"),
    path("code/", views.verify, name="verify"),
    path("unlock/", views.unlock, name="unlock"),
]
