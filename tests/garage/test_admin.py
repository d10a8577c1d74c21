"""The garage's login and its staff cannot be moved from the admin (issue 14, item 1): support
must not be able to point a garage at a superuser's account and make itself that garage's admin,
then change the login email from the garage's settings and reset the password."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services import user_change_login_email
from core.errors import ApplicationError
from garage.models import Membership
from garage.services import garage_update_settings
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.nl", is_staff=True, is_superuser=True)


def garage_form(garage, **changes):
    """The garage change form as the admin posts it, with its staff inline."""
    memberships = list(garage.memberships.order_by("pk"))
    data = {
        "name": garage.name,
        "city": garage.city,
        "account_user": garage.account_user_id,  # ignored now that the field is read-only
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, membership in enumerate(memberships):
        data[f"memberships-{index}-id"] = membership.pk
        data[f"memberships-{index}-garage"] = garage.pk
        data[f"memberships-{index}-user"] = membership.user_id
        data[f"memberships-{index}-role"] = membership.role
    data.update(changes)
    return data


def change_url(garage):
    return reverse("admin:garage_garage_change", args=[garage.pk])


@pytest.mark.parametrize("actor", ["support_user", "superuser"])
def test_the_garage_login_cannot_be_moved_to_another_account_in_the_admin(
    actor, request, garage, superuser, client_for
):
    client = client_for(request.getfixturevalue(actor))

    client.post(change_url(garage), garage_form(garage, account_user=superuser.pk), **EN)

    garage.refresh_from_db()
    assert garage.account_user.email == "garage-a@example.nl"


def test_support_cannot_make_itself_admin_of_a_garage(garage, support_user, client_for):
    client = client_for(support_user)
    data = garage_form(garage)
    index = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "memberships-TOTAL_FORMS": str(index + 1),
            f"memberships-{index}-garage": garage.pk,
            f"memberships-{index}-user": support_user.pk,
            f"memberships-{index}-role": Membership.Role.ADMIN,
        }
    )

    client.post(change_url(garage), data, **EN)

    assert not Membership.objects.filter(user=support_user).exists()


def test_support_cannot_add_a_staff_membership_on_its_own_page(garage, support_user, client_for):
    response = client_for(support_user).post(
        reverse("admin:garage_membership_add"),
        {"garage": garage.pk, "user": support_user.pk, "role": Membership.Role.ADMIN},
        **EN,
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(user=support_user).exists()


def test_a_garage_whose_login_is_a_staff_account_cannot_change_that_login_email(garage, client_for):
    # However it came about (a superuser made the login staff): the settings page refuses.
    User.objects.filter(pk=garage.account_user_id).update(is_staff=True, is_superuser=True)
    garage.refresh_from_db()

    with pytest.raises(ApplicationError):
        garage_update_settings(
            garage=garage, actor=garage.account_user, name=garage.name, email="new@example.nl"
        )

    response = client_for(garage.account_user).post(
        reverse("garage:settings", args=[garage.pk]),
        {"name": garage.name, "email": "new@example.nl", "current_password": PASSWORD},
        **EN,
    )
    assert response.status_code == 200
    assert "staff account" in response.content.decode()
    assert User.objects.filter(email="garage-a@example.nl", is_superuser=True).exists()


def test_the_email_of_a_staff_login_is_never_changed_by_the_login_email_service(superuser):
    with pytest.raises(ApplicationError):
        user_change_login_email(user=superuser, new_email="attacker@example.nl", context={})

    superuser.refresh_from_db()
    assert superuser.email == "root@example.nl"
