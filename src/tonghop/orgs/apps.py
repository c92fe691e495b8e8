from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "tonghop.orgs"
    label = "orgs"
