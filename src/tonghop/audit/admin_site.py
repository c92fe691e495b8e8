"""The admin site: every model admin registered on it copies its changes into the audit log.

Django's admin writes a LogEntry for each addition, change and deletion; the mixin below writes
an AuditEvent next to it, so the audit page and its export hold the admin's changes too. The
site adds the mixin to every admin class registered, Django's own (groups) included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from tonghop.audit import records
from tonghop.forms import CleanInputForm


class AuditedAdminMixin:
    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)  # type: ignore[misc]
        records.admin_change(request, obj, "added", message)
        return entry

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        records.admin_change(request, obj, "changed", message)
        return entry

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # The admin is one more place text and dates enter: cleaned and bounded as on every
        # other form (tonghop.forms).
        form = super().get_form(request, obj, **kwargs)  # type: ignore[misc]
        if issubclass(form, CleanInputForm):
            return form
        return type(form.__name__, (CleanInputForm, form), {"__module__": form.__module__})

    def log_deletions(self, request: HttpRequest, queryset: Iterable[models.Model]) -> Any:
        # Called before the deletion: the objects still have their ids.
        objects = list(queryset)
        entries = super().log_deletions(request, objects)  # type: ignore[misc]
        for obj in objects:
            records.admin_change(request, obj, "deleted", "")
        return entries


class AuditedAdminSite(admin.AdminSite):
    def register(
        self,
        model_or_iterable: Any,
        admin_class: type[admin.ModelAdmin[Any]] | None = None,
        **options: Any,
    ) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (AuditedAdminMixin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)
