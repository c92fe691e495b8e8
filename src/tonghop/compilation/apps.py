from django.apps import AppConfig


class CompilationConfig(AppConfig):
    name = "tonghop.compilation"
    label = "compilation"
