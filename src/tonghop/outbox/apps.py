from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "tonghop.outbox"
    label = "outbox"
