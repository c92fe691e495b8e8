from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "tonghop.reports.links"
    label = "links"
