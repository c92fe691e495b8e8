from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tonghop.campaigns.form_models import FormTemplate, FormVersion, Indicator
from tonghop.campaigns.models import Campaign


class IndicatorInline(admin.TabularInline[Indicator, Campaign]):
    """Shown, not edited: the form changes only through the form page (formedit.py), which
    refuses changes that would break reports already in and keeps every version."""

    model = Indicator
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    list_display = ("title", "slug", "office", "due_at", "status")
    # Closing, reopening and archiving go through campaigns.actions (audited), never here.
    readonly_fields = ("status", "version")
    inlines = [IndicatorInline]


@admin.register(FormTemplate)
class FormTemplateAdmin(admin.ModelAdmin[FormTemplate]):
    list_display = ("name", "office", "is_active", "created_at")
    list_filter = ("is_active", "office")
    readonly_fields = ("indicators", "rules", "created_by", "created_at")


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin[FormVersion]):
    """The history of a campaign's form: read only."""

    list_display = ("campaign", "number", "created_at", "created_by")
    list_filter = ("campaign",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
