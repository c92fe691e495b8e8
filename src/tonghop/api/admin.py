"""API tokens in the administration pages: to see who has which and when each was last used,
and to revoke them (a program that should no longer read, a token shown to the wrong person).
Tokens are made only by their owners, on their own page; a token's text is never kept."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tonghop.access import signed_in_user
from tonghop.api import tokens
from tonghop.api.models import ApiToken


@admin.action(description=_("Revoke these tokens"))
def revoke(modeladmin: Any, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
    live = list(queryset.filter(revoked_at__isnull=True).select_related("user"))
    for token in live:
        tokens.revoke_token(token.user, token.pk, request=request, by=signed_in_user(request))
    modeladmin.message_user(
        request,
        ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(live))
        % {"count": len(live)},
        messages.SUCCESS,
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = (
        "name",
        "user",
        "hint",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_select_related = ("user",)
    search_fields = ("name", "user__username", "user__full_name")
    readonly_fields = (
        "user",
        "name",
        "hint",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("digest",)
    actions = [revoke]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
