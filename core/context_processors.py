from django.conf import settings


def support(request):
    """The support contact every page shows in its footer (SUPPORT_EMAIL)."""
    return {"support_email": settings.SUPPORT_EMAIL}
