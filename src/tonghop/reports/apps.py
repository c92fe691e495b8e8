from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tonghop.reports"
    label = "reports"

    def ready(self) -> None:
        # A district's report taken in from another install is its answer here: the channel
        # (documents, before reports) calls it for every package it takes in.
        from tonghop.documents.channel import on_status_taken, on_taken_in
        from tonghop.reports.remote import apply_report, status_taken

        on_taken_in(apply_report)
        # The Sở's word on the district's issued report (returned, refused) reaches its staff.
        on_status_taken(status_taken)
