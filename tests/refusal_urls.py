"""A URL table for tests/test_errors.py: views that let each kind of refusal through."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from tonghop import errors
from tonghop import urls as site

KINDS: dict[str, type[errors.Refused]] = {
    "stale": errors.Stale,
    "not-allowed": errors.NotAllowed,
    "invalid": errors.Invalid,
}


def refuse(request: HttpRequest, kind: str) -> HttpResponse:
    raise KINDS[kind]("Đơn vị này đã nộp báo cáo; không thay đổi gì.")


urlpatterns: list[URLPattern | URLResolver] = [
    path("refuse/<str:kind>/", refuse),
    path("", include(site)),
]
