from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "tonghop.campaigns"
    label = "campaigns"
