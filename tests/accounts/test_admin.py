import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.helpers import can_log_in

pytestmark = pytest.mark.django_db


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def user_change_data(user, **changes):
    """The fields of the admin's user form that support staff can edit."""
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "is_active": "on" if user.is_active else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_support_can_correct_a_persons_email(client_for, support_user, owner):
    response = client_for(support_user).post(
        change_url(owner), user_change_data(owner, email="Juist.Adres@Example.NL")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    owner.refresh_from_db()
    assert owner.email == "juist.adres@example.nl"
    assert can_log_in("juist.adres@example.nl", PASSWORD)


def test_support_cannot_give_an_email_that_another_person_uses(
    client_for, support_user, owner, other_owner
):
    response = client_for(support_user).post(
        change_url(owner), user_change_data(owner, email=other_owner.email.upper())
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    owner.refresh_from_db()
    assert owner.email != other_owner.email


def test_support_cannot_make_themselves_superuser(client_for, support_user):
    client = client_for(support_user)

    page = client.get(change_url(support_user))
    response = client.post(
        change_url(support_user),
        user_change_data(support_user, is_superuser="on", is_staff="on"),
    )

    form_fields = page.context["adminform"].form.fields
    assert "is_superuser" not in form_fields
    assert "groups" not in form_fields
    assert "user_permissions" not in form_fields
    assert response.status_code == 302
    support_user.refresh_from_db()
    assert support_user.is_superuser is False
    assert list(support_user.groups.values_list("name", flat=True)) == ["support"]


def test_a_superuser_may_grant_superuser_status(client_for, owner):
    superuser = UserFactory(is_staff=True, is_superuser=True)

    response = client_for(superuser).post(
        change_url(owner), user_change_data(owner, is_superuser="on")
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.is_superuser is True


def test_support_cannot_set_the_password_of_a_superuser(client_for, support_user):
    """Setting an admin's password would hand support the admin's rights."""
    superuser = UserFactory(is_staff=True, is_superuser=True)
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])

    response = client_for(support_user).post(
        password_url,
        {"usable_password": "true", "password1": "Overgenomen-123", "password2": "Overgenomen-123"},
    )

    assert response.status_code in {403, 404}
    assert not can_log_in(superuser.email, "Overgenomen-123")
    assert User.objects.get(pk=superuser.pk).check_password(PASSWORD)


def test_a_garage_login_cannot_be_made_staff_or_superuser(client_for, garage):
    """Whoever runs a garage may change its login's email: that login must never carry
    admin-site rights (issue 14, item 1)."""
    superuser = UserFactory(is_staff=True, is_superuser=True)
    login = garage.account_user

    response = client_for(superuser).post(
        change_url(login), user_change_data(login, is_superuser="on", is_staff="on")
    )

    assert response.status_code == 200
    login.refresh_from_db()
    assert (login.is_staff, login.is_superuser) == (False, False)


@pytest.mark.parametrize("is_superuser", [False, True])
def test_a_garage_logins_email_cannot_be_changed_in_the_admin(
    is_superuser, client_for, support_user, garage
):
    """It changes only in the garage's settings, which notify the old and the new address."""
    user = UserFactory(is_staff=True, is_superuser=True) if is_superuser else support_user
    login = garage.account_user

    client_for(user).post(change_url(login), user_change_data(login, email="support@example.nl"))

    login.refresh_from_db()
    assert login.email == "garage-a@example.nl"
