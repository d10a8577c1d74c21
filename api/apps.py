from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The GMS API (`/api/v1/`): an entry point, no models of its own (tokens are garage's)."""

    name = "api"
