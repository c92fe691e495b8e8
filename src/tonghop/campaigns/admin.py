from django.contrib import admin

from tonghop.campaigns.models import Assignment, Campaign, Indicator


class IndicatorInline(admin.TabularInline[Indicator, Campaign]):
    model = Indicator
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    list_display = ("title", "slug", "office", "due_at", "status")
    inlines = [IndicatorInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    # State changes go through the actions, never through the admin.
    list_display = ("unit", "campaign", "state", "due_at", "submitted_at")
    list_filter = ("state", "campaign")
    readonly_fields = ("state", "submitted_at", "first_submitted_at", "accepted_at", "version")
