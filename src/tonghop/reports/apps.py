from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tonghop.reports"
    label = "reports"
