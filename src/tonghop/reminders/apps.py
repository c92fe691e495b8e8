from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "tonghop.reminders"
    label = "reminders"
