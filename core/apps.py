from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        from django.urls import register_converter

        from core.ids import IdConverter

        register_converter(IdConverter, "id")  # before any URLconf is loaded
