from django.contrib import admin

from tonghop.reports.models import Assignment


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    # State changes go through the actions, never through the admin.
    list_display = ("unit", "campaign", "state", "due_at", "submitted_at")
    list_filter = ("state", "campaign")
    readonly_fields = ("state", "submitted_at", "first_submitted_at", "accepted_at", "version")
