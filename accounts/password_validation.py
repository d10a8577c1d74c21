"""Password rules: Django's, with a message that reads well in Dutch."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's similarity check on the attributes our user has (there is no username or first
    and last name, but a full name). Django's Dutch message puts "de" before every field name
    ("de e-mailadres"); "your" needs no article in either language."""

    DEFAULT_USER_ATTRIBUTES = ("email", "full_name")

    def __init__(self, user_attributes=DEFAULT_USER_ATTRIBUTES, max_similarity=0.7):
        super().__init__(user_attributes=user_attributes, max_similarity=max_similarity)

    def get_error_message(self):
        return _("The password is too similar to your %(verbose_name)s.")
