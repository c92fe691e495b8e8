from django.apps import AppConfig


class CompilationConfig(AppConfig):
    name = "tonghop.compilation"
    label = "compilation"

    def ready(self) -> None:
        from tonghop.compilation.actions import record_emailed
        from tonghop.outbox.models import MessageKind
        from tonghop.outbox.queue import after_sent

        # The outbox comes before this package and does not import it: it is told here what to
        # record when a compiled report has really been sent.
        after_sent(MessageKind.REPORT, record_emailed)
