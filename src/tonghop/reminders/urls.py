from __future__ import annotations

from django.urls import URLPattern, path, re_path

from tonghop.reminders import views

app_name = "reminders"
urlpatterns: list[URLPattern] = [
    # Campaign pages live under "campaign/", so no slug can shadow the notifications pages.
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("campaign/<slug:slug>/", views.campaign, name="campaign"),
    path("campaign/<slug:slug>/schedule/", views.policy_edit, name="policy"),
    re_path(
        r"^campaign/(?P<slug>[-\w]+)/(?P<action>stop|resume)/$",
        views.policy_state,
        name="policy-state",
    ),
    path("campaign/<slug:slug>/remind/", views.remind, name="remind"),
    path("campaign/<slug:slug>/digest/", views.digest, name="digest"),
    # The directive: the office sends it and follows who received it; the unit confirms.
    path("campaign/<slug:slug>/directive/", views.directive_send, name="directive"),
    path("campaign/<slug:slug>/receipts/", views.receipts_page, name="receipts"),
    path("directive/<int:pk>/confirm/", views.confirm_receipt, name="confirm-receipt"),
    path("directive/<int:pk>/document/", views.directive_document, name="directive-document"),
]
