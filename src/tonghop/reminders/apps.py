from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "tonghop.reminders"
    label = "reminders"

    def ready(self) -> None:
        from tonghop.outbox.queue import on_queued
        from tonghop.reminders.tasks import wake_delivery

        # The outbox comes before this package and does not import it: it is told here how to
        # wake the delivery run when a message is queued.
        on_queued(wake_delivery)
