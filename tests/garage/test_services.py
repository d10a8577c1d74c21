"""garage.services as a caller sees it: what each service writes, what it refuses (and with which
message), and which emails it leaves in the outbox."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.models import User
from core.errors import ApplicationError
from garage.models import ApiToken, Garage, Membership
from garage.services import (
    api_token_create,
    api_token_hash,
    api_token_revoke,
    api_token_revoke_by_support,
    garage_create,
    garage_update_settings,
    membership_remove,
    staff_invite,
)
from notifications.models import Notification
from tests.accounts.factories import PASSWORD, UserFactory
from tests.garage.factories import MembershipFactory
from tests.helpers import can_log_in

pytestmark = pytest.mark.django_db

TAKEN = "This email address is already used by another account."
SETTINGS = {
    "name": "Garage A",
    "phone": "030 123 45 67",
    "street": "Kanaalweg",
    "house_number": "12a",
    "postcode": "3526 KL",
    "city": "Utrecht",
    "kvk_number": "12345678",
}


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def outbox():
    return list(Notification.objects.order_by("id").values_list("kind", "recipient"))


def refused(error) -> tuple:
    return (error.value.message, error.value.field)


# --- garage_create -------------------------------------------------------------------------


def test_a_new_garage_gets_its_login_user_and_that_users_admin_membership():
    garage = garage_create(name="Garage Oost", email=" Oost@Example.nl", password=PASSWORD)

    assert garage.account_user.email == "oost@example.nl"
    assert garage.email == "oost@example.nl"
    assert list(garage.memberships.values_list("user__email", "role")) == [
        ("oost@example.nl", Membership.Role.ADMIN)
    ]
    assert can_log_in("oost@example.nl", PASSWORD)
    assert outbox() == []  # a garage made by support or a seed is told nothing by email


def test_a_garage_cannot_take_the_email_of_an_existing_account():
    UserFactory(email="bezet@example.nl")

    with pytest.raises(ApplicationError) as error:
        garage_create(name="Garage Oost", email="BEZET@example.nl")

    assert refused(error) == (TAKEN, "email")
    assert not Garage.objects.filter(name="Garage Oost").exists()


# --- garage_update_settings ----------------------------------------------------------------


def test_saving_the_settings_keeps_the_login_and_sends_nothing(garage, garage_admin):
    garage_update_settings(garage=garage, actor=garage_admin, email=garage.email, **SETTINGS)

    garage.refresh_from_db()
    assert {name: getattr(garage, name) for name in SETTINGS} == SETTINGS
    assert garage.email == "garage-a@example.nl"
    assert outbox() == []


def test_a_new_account_email_becomes_the_login_and_both_addresses_are_told(garage, garage_admin):
    garage_update_settings(garage=garage, actor=garage_admin, email="nieuw@example.nl", **SETTINGS)

    garage.refresh_from_db()
    assert garage.email == "nieuw@example.nl"
    assert can_log_in("nieuw@example.nl", PASSWORD)
    assert outbox() == [
        (Notification.Kind.LOGIN_EMAIL_CHANGED_OLD, "garage-a@example.nl"),
        (Notification.Kind.LOGIN_EMAIL_CHANGED_NEW, "nieuw@example.nl"),
    ]
    notice = Notification.objects.first().context
    assert (notice["garage_name"], notice["changed_by"]) == ("Garage A", "Beheerder A")


def test_a_taken_account_email_is_refused_and_the_other_settings_are_not_saved(
    garage, garage_admin, owner
):
    with pytest.raises(ApplicationError) as error:
        garage_update_settings(
            garage=garage, actor=garage_admin, email=owner.email, **{**SETTINGS, "city": "Zeist"}
        )

    assert refused(error) == (TAKEN, "email")
    garage.refresh_from_db()
    assert (garage.city, garage.email, outbox()) == ("Utrecht", "garage-a@example.nl", [])


def test_an_invalid_setting_is_refused_by_field(garage, garage_admin):
    with pytest.raises(ValidationError) as error:
        garage_update_settings(
            garage=garage,
            actor=garage_admin,
            email=garage.email,
            **{**SETTINGS, "kvk_number": "12"},
        )

    assert set(error.value.message_dict) == {"kvk_number"}
    garage.refresh_from_db()
    assert garage.kvk_number == ""


@pytest.mark.parametrize("who", ["mechanic", "sales", "other_garage_staff"])
def test_only_an_admin_of_the_garage_changes_its_settings(request, garage, who):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        garage_update_settings(garage=garage, actor=actor, email="nieuw@example.nl", **SETTINGS)

    garage.refresh_from_db()
    assert (garage.email, garage.city, outbox()) == ("garage-a@example.nl", "Utrecht", [])


# --- staff_invite --------------------------------------------------------------------------


def test_inviting_someone_new_makes_an_account_without_password_and_queues_an_invitation(
    garage, garage_admin
):
    membership = staff_invite(
        garage=garage,
        actor=garage_admin,
        email=" Nieuw@Example.nl",
        role=Membership.Role.SALES,
        full_name="Nieuwe Collega",
    )

    user = User.objects.get(email="nieuw@example.nl")
    assert (user.full_name, user.has_usable_password()) == ("Nieuwe Collega", False)
    assert (membership.user, membership.role, membership.invited_by) == (
        user,
        Membership.Role.SALES,
        garage_admin,
    )
    assert outbox() == [(Notification.Kind.STAFF_INVITE, "nieuw@example.nl")]
    assert Notification.objects.get().context == {
        "garage_name": "Garage A",
        "role": "Verkoop",  # a new account gets the default language, Dutch
        "invited_by": "Beheerder A",
    }


def test_the_role_in_the_email_is_in_the_recipients_language(garage, garage_admin):
    person = UserFactory(language="en")

    with translation.override("nl"):  # the admin works in Dutch
        staff_invite(garage=garage, actor=garage_admin, email=person.email, role="mechanic")

    assert Notification.objects.get().context["role"] == "Mechanic"


def test_adding_a_person_with_a_password_sends_a_notice_instead_of_an_invitation(
    garage, garage_admin, owner
):
    staff_invite(garage=garage, actor=garage_admin, email=owner.email, role="mechanic")

    assert outbox() == [(Notification.Kind.STAFF_ADDED, owner.email)]
    assert owner.check_password(PASSWORD)  # their account is left as it was


def test_adding_a_pending_person_sends_an_invitation_to_set_a_password(garage, garage_admin):
    pending = UserFactory(password=False, is_active=False)

    staff_invite(garage=garage, actor=garage_admin, email=pending.email, role="mechanic")

    assert outbox() == [(Notification.Kind.STAFF_INVITE, pending.email)]
    assert User.objects.filter(email=pending.email).count() == 1


def test_inviting_someone_who_already_works_here_is_refused(garage, garage_admin, mechanic):
    with pytest.raises(ApplicationError) as error:
        staff_invite(garage=garage, actor=garage_admin, email=mechanic.email.upper(), role="sales")

    assert refused(error) == ("This person already works at this garage.", "email")
    assert garage.memberships.get(user=mechanic).role == Membership.Role.MECHANIC
    assert outbox() == []


def test_a_person_may_work_at_two_garages(garage, garage_admin, other_garage_staff):
    staff_invite(garage=garage, actor=garage_admin, email=other_garage_staff.email, role="sales")

    assert Membership.objects.filter(user=other_garage_staff).count() == 2


@pytest.mark.parametrize("who", ["mechanic", "sales", "other_garage_staff"])
def test_only_an_admin_of_the_garage_invites_staff(request, garage, who):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        staff_invite(garage=garage, actor=actor, email="nieuw@example.nl", role="admin")

    assert not User.objects.filter(email="nieuw@example.nl").exists()
    assert outbox() == []


# --- membership_remove ---------------------------------------------------------------------


def test_an_admin_removes_a_staff_member_and_their_account_stays(garage, garage_admin, mechanic):
    membership_remove(
        garage=garage, actor=garage_admin, membership=garage.memberships.get(user=mechanic)
    )

    assert not garage.memberships.filter(user=mechanic).exists()
    assert User.objects.filter(pk=mechanic.pk).exists()
    assert outbox() == []


def test_the_garage_accounts_own_login_cannot_be_removed(garage, garage_admin):
    second_admin = MembershipFactory(garage=garage, role=Membership.Role.ADMIN).user

    with pytest.raises(ApplicationError) as error:
        membership_remove(
            garage=garage,
            actor=second_admin,
            membership=garage.memberships.get(user=garage_admin),
        )

    assert refused(error) == ("The garage account's own login cannot be removed.", None)
    assert garage.memberships.filter(user=garage_admin).exists()


def test_an_admin_cannot_remove_themselves(garage):
    second_admin = MembershipFactory(garage=garage, role=Membership.Role.ADMIN)

    with pytest.raises(ApplicationError) as error:
        membership_remove(garage=garage, actor=second_admin.user, membership=second_admin)

    assert refused(error) == ("You cannot remove yourself.", None)
    assert Membership.objects.filter(pk=second_admin.pk).exists()


def test_another_garages_membership_cannot_be_removed_through_this_garage(
    garage, garage_admin, other_garage
):
    theirs = MembershipFactory(garage=other_garage)

    with pytest.raises(PermissionDenied):
        membership_remove(garage=garage, actor=garage_admin, membership=theirs)

    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_a_mechanic_cannot_remove_staff(garage, mechanic, sales):
    with pytest.raises(PermissionDenied):
        membership_remove(
            garage=garage, actor=mechanic, membership=garage.memberships.get(user=sales)
        )

    assert garage.memberships.filter(user=sales).exists()


# --- API tokens ----------------------------------------------------------------------------


def test_a_new_token_is_handed_out_once_and_only_its_hash_is_stored(garage, garage_admin):
    token, raw = api_token_create(garage=garage, actor=garage_admin, name="GMS")

    assert raw.startswith("ap_")
    assert len(raw) > 40
    stored = ApiToken.objects.get()
    assert stored == token
    assert (stored.garage, stored.name, stored.created_by, stored.revoked_at) == (
        garage,
        "GMS",
        garage_admin,
        None,
    )
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest() == api_token_hash(raw)
    assert stored.prefix == raw[:8]
    assert raw not in (stored.token_hash, stored.prefix)


def test_two_tokens_are_never_the_same(garage, garage_admin):
    raws = {api_token_create(garage=garage, actor=garage_admin, name="GMS")[1] for _ in range(3)}
    assert len(raws) == 3


def test_a_token_made_without_an_actor_has_no_creator(garage):
    token, _ = api_token_create(garage=garage, actor=None, name="Seed")
    assert token.created_by is None


@pytest.mark.parametrize("who", ["mechanic", "other_garage_staff"])
def test_only_an_admin_of_the_garage_makes_or_revokes_tokens(request, garage, garage_admin, who):
    actor = request.getfixturevalue(who)
    token, _ = api_token_create(garage=garage, actor=garage_admin, name="GMS")

    with pytest.raises(PermissionDenied):
        api_token_create(garage=garage, actor=actor, name="Mine")
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, actor=actor)

    assert list(ApiToken.objects.values_list("name", "revoked_at")) == [("GMS", None)]


def test_revoking_twice_keeps_the_first_moment(garage, garage_admin):
    token, _ = api_token_create(garage=garage, actor=garage_admin, name="GMS")

    first = api_token_revoke(token=token, actor=garage_admin).revoked_at
    second = api_token_revoke(token=token, actor=garage_admin).revoked_at

    assert first is not None
    assert second == first
    token.refresh_from_db()
    assert token.revoked_at == first


def test_support_revokes_any_garages_token(garage, garage_admin, support_user):
    token, _ = api_token_create(garage=garage, actor=garage_admin, name="GMS")

    revoked = api_token_revoke_by_support(token=token, actor=support_user)

    assert revoked.revoked_at is not None


@pytest.mark.parametrize(
    "flags", [{"is_staff": True}, {"is_staff": False}], ids=["staff-without-permission", "owner"]
)
def test_revoking_as_support_needs_staff_and_the_permission(garage, garage_admin, flags):
    token, _ = api_token_create(garage=garage, actor=garage_admin, name="GMS")

    with pytest.raises(PermissionDenied):
        api_token_revoke_by_support(token=token, actor=UserFactory(**flags))

    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_garage_admin_cannot_use_the_support_revoke(garage, garage_admin):
    token, _ = api_token_create(garage=garage, actor=garage_admin, name="GMS")

    with pytest.raises(PermissionDenied):
        api_token_revoke_by_support(token=token, actor=garage_admin)
