from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tonghop.reports"
    label = "reports"

    def ready(self) -> None:
        # A district's report taken in from another install is its answer here: the channel
        # (documents, before reports) calls it for every package it takes in.
        from tonghop.documents.channel import on_taken_in
        from tonghop.reports.remote import apply_report

        on_taken_in(apply_report)
