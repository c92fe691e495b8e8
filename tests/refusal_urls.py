"""A URL table for tests/test_errors.py: views that let each kind of refusal through."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from tonghop import errors
from tonghop.urls import urlpatterns as site


def refuse(request: HttpRequest, kind: str) -> HttpResponse:
    raise {"stale": errors.Stale, "not-allowed": errors.NotAllowed, "invalid": errors.Invalid}[
        kind
    ]("Đơn vị này đã nộp báo cáo; không thay đổi gì.")


urlpatterns = [path("refuse/<str:kind>/", refuse), path("", include(site))]
