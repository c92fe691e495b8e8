from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tonghop.portal"
    label = "portal"
