from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "tonghop.links"
    label = "links"
