"""The membership, the garage and the navigation every garage page reads come from the shared
cache (garage.selectors.membership_get, portal.context_processors). Every way of changing them
forgets them: a removed person loses the garage on their very next request, whoever removed
them and however, and a rename shows at once. Each test first visits the page, so the entries
are cached when the change is made."""

import pytest
from django.test import override_settings
from django.urls import reverse

from garage.models import Membership
from garage.selectors import membership_get
from tests.accounts.factories import UserFactory
from tests.garage.factories import MembershipFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def dashboard(garage):
    return reverse("garage:dashboard", kwargs={"garage_id": garage.pk})


def superuser_client(client_for):
    return client_for(UserFactory(is_staff=True, is_superuser=True))


def test_a_member_removed_by_the_garage_admin_loses_the_garage_at_once(
    client_for, garage, garage_admin, mechanic, django_capture_on_commit_callbacks
):
    client = client_for(mechanic)
    assert client.get(dashboard(garage)).status_code == 200
    membership = Membership.objects.get(garage=garage, user=mechanic)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(garage_admin).post(
            reverse("garage:staff_remove", args=[garage.pk, membership.pk])
        )

    assert client.get(dashboard(garage)).status_code == 404
    assert garage.name not in client.get(reverse("portal:home"), **EN).content.decode()


def test_a_membership_deleted_by_support_in_the_admin_ends_access_at_once(
    client_for, garage, mechanic
):
    client = client_for(mechanic)
    assert client.get(dashboard(garage)).status_code == 200
    membership = Membership.objects.get(garage=garage, user=mechanic)

    superuser_client(client_for).post(
        reverse("admin:garage_membership_delete", args=[membership.pk]), {"post": "yes"}, **EN
    )

    assert client.get(dashboard(garage)).status_code == 404


def test_a_membership_moved_to_another_person_in_the_admin_moves_the_access(
    client_for, garage, mechanic
):
    other = UserFactory()
    client = client_for(mechanic)
    assert client.get(dashboard(garage)).status_code == 200
    assert client_for(other).get(dashboard(garage)).status_code == 404
    membership = Membership.objects.get(garage=garage, user=mechanic)

    response = superuser_client(client_for).post(
        reverse("admin:garage_membership_change", args=[membership.pk]),
        {"user": other.pk, "garage": garage.pk, "role": membership.role},
        **EN,
    )

    assert response.status_code == 302
    assert client.get(dashboard(garage)).status_code == 404
    assert client_for(other).get(dashboard(garage)).status_code == 200


def test_a_membership_moved_to_another_garage_in_the_admin_ends_access_to_the_first(
    client_for, garage, other_garage, mechanic
):
    client = client_for(mechanic)
    assert client.get(dashboard(garage)).status_code == 200
    membership = Membership.objects.get(garage=garage, user=mechanic)

    response = superuser_client(client_for).post(
        reverse("admin:garage_membership_change", args=[membership.pk]),
        {"user": mechanic.pk, "garage": other_garage.pk, "role": membership.role},
        **EN,
    )

    assert response.status_code == 302
    assert client.get(dashboard(garage)).status_code == 404
    assert client.get(dashboard(other_garage)).status_code == 200


def test_a_role_changed_by_support_in_the_admin_applies_at_once(client_for, garage, mechanic):
    client = client_for(mechanic)
    staff_page = reverse("garage:staff", kwargs={"garage_id": garage.pk})
    assert client.get(staff_page).status_code == 403  # a mechanic does not manage staff
    membership = Membership.objects.get(garage=garage, user=mechanic)

    response = superuser_client(client_for).post(
        reverse("admin:garage_membership_change", args=[membership.pk]),
        {"user": mechanic.pk, "garage": garage.pk, "role": Membership.Role.ADMIN},
        **EN,
    )

    assert response.status_code == 302
    assert client.get(staff_page).status_code == 200


def test_a_renamed_garage_shows_its_new_name_to_every_member_at_once(
    client_for, garage, garage_admin, mechanic
):
    client = client_for(mechanic)
    assert "Garage A" in client.get(dashboard(garage), **EN).content.decode()

    from garage.services import garage_update_settings

    garage_update_settings(
        garage=garage, actor=garage_admin, email=garage.email, name="Garage Zuid"
    )

    page = client.get(dashboard(garage), **EN).content.decode()
    assert "Garage Zuid" in page
    assert "Garage A" not in page


def test_a_new_membership_appears_in_the_navigation_at_once(
    client_for, garage, other_garage, mechanic
):
    client = client_for(mechanic)
    assert other_garage.name not in client.get(dashboard(garage), **EN).content.decode()

    from garage.services import staff_invite

    staff_invite(
        garage=other_garage,
        actor=other_garage.account_user,
        email=mechanic.email,
        role=Membership.Role.MECHANIC,
    )

    assert other_garage.name in client.get(dashboard(garage), **EN).content.decode()
    assert client.get(dashboard(other_garage)).status_code == 200


@override_settings(CACHES={"default": {"BACKEND": "tests.api.test_auth.CacheDown"}})
def test_with_the_cache_down_garage_pages_still_work_from_the_database(
    client_for, garage, mechanic, caplog
):
    client = client_for(mechanic)  # a database session: the cached_db engine falls back

    assert client.get(dashboard(garage)).status_code == 200
    assert membership_get(user=mechanic, garage_id=garage.pk).garage == garage
    assert "Cache unavailable" in caplog.text


def test_a_membership_of_another_person_is_never_served_from_the_cache(
    client_for, garage, mechanic
):
    stranger = MembershipFactory(garage=garage).user
    client_for(stranger).get(dashboard(garage))

    membership = membership_get(user=mechanic, garage_id=garage.pk)

    assert membership.user == mechanic
    assert membership.role == Membership.Role.MECHANIC
