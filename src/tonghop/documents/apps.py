from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tonghop.documents"
    label = "documents"
