from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from accounts.models import User


def user_from_uidb64(uidb64: str) -> User | None:
    """The account an emailed link names, or None for anything malformed or unknown."""
    try:
        return User.objects.filter(pk=int(force_str(urlsafe_base64_decode(uidb64)))).first()
    except (TypeError, ValueError, OverflowError):
        return None
