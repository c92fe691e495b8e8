from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tonghop.audit"
    label = "audit"

    def ready(self) -> None:
        from tonghop.audit import records

        records.connect_auth_signals()
