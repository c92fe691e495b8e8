"""Reminders (đôn đốc): chasing units that have not reported, by email and in the app."""
