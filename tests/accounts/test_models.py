import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_stores_the_email_in_lower_case():
    user = User.objects.create_user(email="  Jan@Example.NL ", password="pw-Secret-123")

    user.refresh_from_db()
    assert user.email == "jan@example.nl"


def test_a_case_variant_of_an_existing_email_is_refused_by_the_database():
    UserFactory(email="jan@example.nl")

    # Written past the manager's normalisation: only the constraint stands in the way.
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Jan@Example.NL")

    assert User.objects.filter(email__iexact="jan@example.nl").count() == 1


def test_create_user_without_password_makes_a_person_who_cannot_log_in_yet():
    user = User.objects.create_user(email="nieuw@example.nl")

    assert not user.has_usable_password()
