from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tonghop.audit"
    label = "audit"

    def ready(self) -> None:
        from tonghop import checks  # noqa: F401 - registers tonghop's system checks
        from tonghop.audit import records

        records.connect_auth_signals()
