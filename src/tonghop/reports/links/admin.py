from django.contrib import admin
from django.http import HttpRequest

from tonghop.reports.links.models import AccessLink


@admin.register(AccessLink)
class AccessLinkAdmin(admin.ModelAdmin[AccessLink]):
    """To look, not to change: links are issued and revoked by the office on the unit's review
    page (tonghop.reports.links.actions), where the one-time URL is shown and the audit log
    written."""

    list_display = ("assignment", "created_at", "created_by", "expires_at", "revoked_at")
    list_filter = ("assignment__campaign",)
    list_select_related = ("assignment__unit", "assignment__campaign", "created_by")
    readonly_fields = (
        "assignment",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "last_used_at",
        "use_count",
    )
    exclude = ("token_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessLink | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessLink | None = None) -> bool:
        return False
