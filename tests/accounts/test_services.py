"""accounts.services as a caller sees it: which accounts a password link activates, who gets a
reset email, and what a change of login email writes and refuses."""

import pytest
from django.utils import translation

from accounts import services
from accounts.models import User
from accounts.services import (
    is_pending,
    password_reset_request,
    password_reset_send,
    user_change_login_email,
    user_create_invited,
    user_password_set,
    user_require_unprivileged,
)
from core.errors import ApplicationError
from notifications.models import Notification
from tests.accounts.factories import PASSWORD, UserFactory
from tests.helpers import can_log_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zomer-Fiets-2031"
TAKEN = "This email address is already used by another account."
STAFF_REFUSED = "This login belongs to a staff account and cannot be used or changed here."


def outbox(**filters):
    return list(Notification.objects.filter(**filters).values_list("kind", "recipient"))


@pytest.fixture
def activations(monkeypatch):
    """The accounts the activation hooks were called with (the real hooks run as well)."""
    seen = []
    hooks = [*services._activation_hooks, lambda *, user: seen.append(user)]
    monkeypatch.setattr(services, "_activation_hooks", hooks)
    return seen


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def pending_user(**kwargs):
    return UserFactory(password=False, is_active=False, **kwargs)


# --- user_password_set ---------------------------------------------------------------------


def test_setting_a_password_activates_a_pending_account_and_runs_the_hooks_once(activations):
    user = pending_user(email="nieuw@example.nl")
    assert is_pending(user)

    returned = user_password_set(user=user, password=NEW_PASSWORD)

    user.refresh_from_db()
    assert (user.is_active, is_pending(user)) == (True, False)
    assert returned == user
    assert activations == [user]
    assert can_log_in("nieuw@example.nl", NEW_PASSWORD)


def test_setting_a_password_on_an_active_account_changes_it_without_activation_hooks(
    activations,
):
    user = UserFactory(email="actief@example.nl")

    user_password_set(user=user, password=NEW_PASSWORD)

    assert activations == []
    assert can_log_in("actief@example.nl", NEW_PASSWORD)
    assert not can_log_in("actief@example.nl", PASSWORD)


def test_a_deactivated_account_stays_deactivated_when_its_password_is_set(activations):
    user = UserFactory(email="uit@example.nl", is_active=False)  # has a password: not pending
    assert not is_pending(user)

    user_password_set(user=user, password=NEW_PASSWORD)

    user.refresh_from_db()
    assert user.is_active is False
    assert activations == []
    assert user.check_password(NEW_PASSWORD)


def test_setting_a_password_ends_the_login_lockout_of_the_account():
    user = UserFactory(email="vergeten@example.nl")
    for _ in range(5):
        assert not can_log_in("vergeten@example.nl", "wrong-password")
    assert not can_log_in("vergeten@example.nl", PASSWORD)  # locked, even with the right one

    user_password_set(user=user, password=NEW_PASSWORD)

    assert can_log_in("vergeten@example.nl", NEW_PASSWORD)


# --- password_reset_request / password_reset_send ------------------------------------------


@pytest.mark.parametrize(
    ("make_user", "queued"),
    [
        (lambda: UserFactory(email="lid@example.nl"), True),
        (lambda: pending_user(email="lid@example.nl"), True),
        (lambda: UserFactory(email="lid@example.nl", is_active=False), False),
        (lambda: None, False),
    ],
    ids=["active", "pending", "deactivated", "unknown"],
)
def test_a_reset_link_is_emailed_to_active_and_pending_accounts_only(make_user, queued):
    user = make_user()

    notification = password_reset_send(email="  LID@example.nl ")

    expected = [(Notification.Kind.PASSWORD_RESET, "lid@example.nl")] if queued else []
    assert outbox() == expected
    assert (notification is not None) is queued
    if queued:
        assert notification.user == user


@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
def test_a_reset_request_only_schedules_work_after_commit(
    known, django_capture_on_commit_callbacks
):
    if known:
        UserFactory(email="lid@example.nl")

    with django_capture_on_commit_callbacks() as callbacks:
        password_reset_request(email="Lid@Example.nl")

    assert len(callbacks) == 1
    assert outbox() == []
    callbacks[0]()
    assert outbox() == ([(Notification.Kind.PASSWORD_RESET, "lid@example.nl")] if known else [])


# --- user_create_invited / user_require_unprivileged -----------------------------------------


def test_an_invited_person_is_a_new_account_without_a_usable_password():
    user = user_create_invited(email=" Nieuw@Example.nl", full_name="Nieuwe Collega")

    assert (user.email, user.full_name, user.has_usable_password()) == (
        "nieuw@example.nl",
        "Nieuwe Collega",
        False,
    )


@pytest.mark.parametrize(
    "flags", [{"is_staff": True}, {"is_superuser": True}], ids=["staff", "superuser"]
)
def test_staff_and_superuser_logins_are_refused_at_the_given_field(flags):
    user = UserFactory(**flags)

    with pytest.raises(ApplicationError) as refused:
        user_require_unprivileged(user=user, field="account")

    assert (refused.value.message, refused.value.field) == (STAFF_REFUSED, "account")


def test_an_ordinary_login_passes_the_privilege_check():
    assert user_require_unprivileged(user=UserFactory()) is None


# --- user_change_login_email ---------------------------------------------------------------

CONTEXT = {"garage_name": "Garage A", "changed_by": "Beheerder A"}


def test_changing_the_login_email_moves_the_login_and_tells_both_addresses():
    user = UserFactory(email="oud@example.nl")

    user_change_login_email(user=user, new_email=" Nieuw@Example.nl ", context=CONTEXT)

    user.refresh_from_db()
    assert user.email == "nieuw@example.nl"
    assert can_log_in("nieuw@example.nl", PASSWORD)
    assert not can_log_in("oud@example.nl", PASSWORD)
    notices = Notification.objects.filter(user=user).order_by("id")
    assert [(n.kind, n.recipient) for n in notices] == [
        (Notification.Kind.LOGIN_EMAIL_CHANGED_OLD, "oud@example.nl"),
        (Notification.Kind.LOGIN_EMAIL_CHANGED_NEW, "nieuw@example.nl"),
    ]
    expected = {**CONTEXT, "old_email": "oud@example.nl", "new_email": "nieuw@example.nl"}
    assert all(notice.context == expected for notice in notices)


def test_the_same_address_in_another_spelling_changes_nothing_and_sends_nothing():
    user = UserFactory(email="zelfde@example.nl")

    user_change_login_email(user=user, new_email="ZELFDE@example.nl ", context=CONTEXT)

    user.refresh_from_db()
    assert user.email == "zelfde@example.nl"
    assert outbox() == []


def test_an_address_of_another_account_is_refused_and_nothing_changes():
    UserFactory(email="bezet@example.nl")
    user = UserFactory(email="oud@example.nl")

    with pytest.raises(ApplicationError) as refused:
        user_change_login_email(user=user, new_email="Bezet@example.nl", context=CONTEXT)

    assert (refused.value.message, refused.value.field) == (TAKEN, "email")
    assert User.objects.get(pk=user.pk).email == "oud@example.nl"
    assert outbox() == []


@pytest.mark.parametrize(
    "flags", [{"is_staff": True}, {"is_superuser": True}], ids=["staff", "superuser"]
)
def test_a_staff_or_superuser_login_email_is_not_changed_here(flags):
    user = UserFactory(email="staf@example.nl", **flags)

    with pytest.raises(ApplicationError) as refused:
        user_change_login_email(user=user, new_email="ander@example.nl", context=CONTEXT)

    assert (refused.value.message, refused.value.field) == (STAFF_REFUSED, "email")
    assert User.objects.get(pk=user.pk).email == "staf@example.nl"
    assert outbox() == []
