import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from garage.models import Membership
from notifications.models import Notification
from tests.accounts.factories import PASSWORD, UserFactory
from tests.garage.factories import MembershipFactory
from tests.helpers import can_log_in, set_password_path

pytestmark = pytest.mark.django_db


def url(name, garage):
    return reverse(name, kwargs={"garage_id": garage.pk})


def settings_data(garage, **changes):
    """Every field of the account settings form, as the page would post it."""
    data = {
        "name": garage.name,
        "email": garage.email,
        "phone": garage.phone,
        "street": garage.street,
        "house_number": garage.house_number,
        "postcode": garage.postcode,
        "city": garage.city,
        "kvk_number": garage.kvk_number,
        "current_password": "",
    }
    if garage.prices_include_vat:
        data["prices_include_vat"] = "on"  # a checkbox: posted only when ticked
    data.update(changes)
    return data


# --- Account settings ---------------------------------------------------------------------------


def test_account_settings_page_shows_the_current_account_email(client_for, garage, garage_admin):
    response = client_for(garage_admin).get(url("garage:settings", garage))

    assert response.status_code == 200
    assertContains(response, 'value="garage-a@example.nl"')


def test_changing_the_account_email_moves_the_login_and_tells_both_addresses(
    client_for, garage, garage_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(garage_admin).post(
            url("garage:settings", garage),
            settings_data(garage, email="Balie@Garage-A.nl", current_password=PASSWORD),
        )

    assert response.status_code == 302
    garage.refresh_from_db()
    garage.account_user.refresh_from_db()
    assert garage.email == "balie@garage-a.nl"
    assert not can_log_in("garage-a@example.nl", PASSWORD)
    assert can_log_in("balie@garage-a.nl", PASSWORD)
    notices = {(n.kind, n.recipient, n.state) for n in Notification.objects.all()}
    assert notices == {
        ("login_email_changed_old", "garage-a@example.nl", "sent"),
        ("login_email_changed_new", "balie@garage-a.nl", "sent"),
    }
    assert sorted(message.to[0] for message in mail.outbox) == [
        "balie@garage-a.nl",
        "garage-a@example.nl",
    ]


@pytest.mark.parametrize(
    ("email", "current_password", "field"),
    [
        ("balie@garage-a.nl", "", "current_password"),
        ("balie@garage-a.nl", "not-my-password", "current_password"),
        ("OWNER", PASSWORD, "email"),  # the owner's address, in capitals
    ],
    ids=["no-password", "wrong-password", "address-of-another-person"],
)
def test_an_account_email_change_is_refused_without_the_password_or_for_a_taken_address(
    client_for,
    garage,
    garage_admin,
    owner,
    django_capture_on_commit_callbacks,
    email,
    current_password,
    field,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(garage_admin).post(
            url("garage:settings", garage),
            settings_data(
                garage,
                name="Garage Anders",
                email=owner.email.upper() if email == "OWNER" else email,
                current_password=current_password,
            ),
        )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    garage.refresh_from_db()
    garage.account_user.refresh_from_db()
    assert (garage.name, garage.email) == ("Garage A", "garage-a@example.nl")
    assert can_log_in("garage-a@example.nl", PASSWORD)
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_settings_without_an_email_change_save_without_a_password(client_for, garage, garage_admin):
    response = client_for(garage_admin).post(
        url("garage:settings", garage),
        settings_data(garage, name="Garage A & Zn.", postcode="3511ab", kvk_number="87654321"),
    )

    assert response.status_code == 302
    garage.refresh_from_db()
    assert (garage.name, garage.postcode, garage.kvk_number) == (
        "Garage A & Zn.",
        "3511 AB",
        "87654321",
    )
    assert not Notification.objects.exists()


def test_settings_page_refuses_a_bad_postcode_beside_the_field(client_for, garage, garage_admin):
    response = client_for(garage_admin).post(
        url("garage:settings", garage), settings_data(garage, postcode="0123 AB")
    )

    assert response.status_code == 200
    assert "postcode" in response.context["form"].errors
    garage.refresh_from_db()
    assert garage.postcode == ""


@pytest.mark.parametrize("page", ["garage:settings", "garage:staff"])
def test_a_mechanic_may_not_open_admin_pages(client_for, garage, mechanic, page):
    response = client_for(mechanic).get(url(page, garage))

    assert response.status_code == 403


def test_a_mechanic_may_not_change_the_account_email(client_for, garage, mechanic):
    response = client_for(mechanic).post(
        url("garage:settings", garage),
        settings_data(garage, email="kaper@example.nl", current_password=PASSWORD),
    )

    assert response.status_code == 403
    garage.account_user.refresh_from_db()
    assert garage.email == "garage-a@example.nl"


@pytest.mark.parametrize("page", ["garage:settings", "garage:staff", "garage:dashboard"])
def test_staff_of_another_garage_get_404_for_this_garage(
    client_for, garage, other_garage_staff, page
):
    response = client_for(other_garage_staff).get(url(page, garage))

    assert response.status_code == 404


def test_staff_of_another_garage_cannot_invite_into_this_garage(
    client_for, garage, other_garage_staff
):
    response = client_for(other_garage_staff).post(
        url("garage:staff", garage),
        {"email": "indringer@example.nl", "full_name": "", "role": "admin"},
    )

    assert response.status_code == 404
    assert not User.objects.filter(email="indringer@example.nl").exists()


def test_anonymous_visitors_are_sent_to_login(anonymous, garage):
    response = anonymous.get(url("garage:dashboard", garage))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_mechanic_sees_the_dashboard_of_their_garage(client_for, garage, mechanic):
    response = client_for(mechanic).get(url("garage:dashboard", garage))

    assert response.status_code == 200
    assertContains(response, "Garage A")
    assertNotContains(response, url("garage:settings", garage))


# --- Staff ------------------------------------------------------------------------------------


def test_staff_invite_link_sets_a_password_once_and_leads_to_the_dashboard(
    client_for, garage, garage_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(garage_admin).post(
            url("garage:staff", garage),
            {
                "email": "Nieuwe.Monteur@Example.NL",
                "full_name": "Nieuwe Monteur",
                "role": "mechanic",
            },
        )

    assert response.status_code == 302
    invited = User.objects.get(email="nieuwe.monteur@example.nl")
    assert not invited.has_usable_password()
    membership = Membership.objects.get(garage=garage, user=invited)
    assert (membership.role, membership.invited_by) == ("mechanic", garage_admin)
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("staff_invite", invited.email)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [invited.email]
    link = set_password_path(mail.outbox[0])

    browser = Client()
    response = browser.get(link)
    assert response.status_code == 302
    assert "/set-password/" in response["Location"]
    form_page = browser.get(response["Location"])
    assert form_page.context["validlink"] is True
    response = browser.post(
        response["Location"],
        {"new_password1": "Sleutel-Olie-2024", "new_password2": "Sleutel-Olie-2024"},
    )
    assert response.status_code == 302

    response = Client().post(
        reverse("accounts:login"),
        {"username": invited.email, "password": "Sleutel-Olie-2024"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == garage.get_absolute_url()
    assertContains(response, "Garage A")

    reused = Client().get(link, follow=True)
    assert reused.status_code == 200
    assert reused.context["validlink"] is False
    assertNotContains(reused, 'name="new_password1"')


def test_inviting_someone_who_already_works_here_is_refused(
    client_for, garage, garage_admin, mechanic
):
    response = client_for(garage_admin).post(
        url("garage:staff", garage),
        {"email": mechanic.email.upper(), "full_name": "", "role": "sales"},
    )

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert Membership.objects.get(garage=garage, user=mechanic).role == "mechanic"
    assert not Notification.objects.exists()


def test_adding_a_person_who_has_a_password_sends_a_notice_not_an_invite(
    client_for, garage, garage_admin, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(garage_admin).post(
            url("garage:staff", garage), {"email": owner.email, "full_name": "", "role": "sales"}
        )

    assert response.status_code == 302
    assert Membership.objects.get(garage=garage, user=owner).role == "sales"
    assert can_log_in(owner.email, PASSWORD)  # their password is untouched
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("staff_added", owner.email)
    assert len(mail.outbox) == 1
    assert "/accounts/password/set/" not in mail.outbox[0].body


def test_staff_added_email_links_to_the_login_page(
    client_for, garage, garage_admin, owner, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(garage_admin).post(
            url("garage:staff", garage), {"email": owner.email, "full_name": "", "role": "sales"}
        )

    assert settings.SITE_URL + reverse("accounts:login") in mail.outbox[0].body


@pytest.mark.parametrize("extra_members", [1, 11])
def test_staff_page_query_count_does_not_grow_with_the_staff(
    client_for, garage, garage_admin, django_assert_num_queries, extra_members
):
    MembershipFactory.create_batch(extra_members, garage=garage)
    MembershipFactory(garage=garage, user=UserFactory(password=False))  # invited, no password
    client = client_for(garage_admin)

    with django_assert_num_queries(4):
        response = client.get(url("garage:staff", garage))

    assert response.status_code == 200
    assert len(response.context["members"]) == extra_members + 2


def test_inviting_without_choosing_a_role_is_refused(client_for, garage, garage_admin):
    response = client_for(garage_admin).post(
        url("garage:staff", garage), {"email": "nieuw@example.nl", "full_name": "", "role": ""}
    )

    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(email="nieuw@example.nl").exists()


def remove_url(garage, membership):
    return reverse(
        "garage:staff_remove", kwargs={"garage_id": garage.pk, "membership_id": membership.pk}
    )


def test_an_admin_removes_a_staff_member(client_for, garage, garage_admin, mechanic):
    membership = Membership.objects.get(garage=garage, user=mechanic)

    response = client_for(garage_admin).post(remove_url(garage, membership))

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert client_for(mechanic).get(url("garage:dashboard", garage)).status_code == 404


def test_the_garage_account_login_cannot_be_removed(client_for, garage, garage_admin):
    second_admin = _second_admin(garage)
    membership = Membership.objects.get(garage=garage, user=garage_admin)

    response = client_for(second_admin).post(remove_url(garage, membership), follow=True)

    assert response.status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_mechanic_cannot_remove_staff(client_for, garage, garage_admin, mechanic, sales):
    membership = Membership.objects.get(garage=garage, user=sales)

    response = client_for(mechanic).post(remove_url(garage, membership))

    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_another_garages_staff_member_cannot_be_removed_through_this_garage(
    client_for, garage, garage_admin, other_garage
):
    theirs = MembershipFactory(garage=other_garage)

    response = client_for(garage_admin).post(remove_url(garage, theirs))

    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def _second_admin(garage):
    return MembershipFactory(garage=garage, role=Membership.Role.ADMIN).user


@pytest.mark.parametrize("other_garages", [0, 5])
def test_dashboard_query_count_does_not_grow_with_the_garages_in_the_navigation(
    client_for, garage, mechanic, django_assert_num_queries, other_garages
):
    for _ in range(other_garages):
        MembershipFactory(user=mechanic)
    client = client_for(mechanic)

    with django_assert_num_queries(10):  # tests/autopaspoort/test_views.py: DASHBOARD_QUERIES
        response = client.get(url("garage:dashboard", garage))

    assert response.status_code == 200
    assert len(response.context["nav_memberships"]) == other_garages + 1
