"""Races: one confirmation sent twice at once, each on its own database connection; an email
correction that lands while the old link is being used. (Two different transfers of one car at
once: tests/reliability/test_concurrency.py, 50 runs.)"""

import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from accounts.models import User
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import (
    NEW_PASSWORD,
    activation_path,
    contact,
    portal_car_url,
    transfer,
)
from transfers import services
from transfers.models import Transfer
from transfers.services import transfer_confirm

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def race(passport, actors_and_emails):
    """Confirm one transfer per (actor, email) from its own thread, all let go at once, all
    against the version the page showed. Returns each thread's outcome or exception."""
    barrier = threading.Barrier(len(actors_and_emails))
    results = [None] * len(actors_and_emails)

    def confirm(index, actor, email):
        try:
            barrier.wait(timeout=10)
            results[index] = transfer_confirm(
                passport=passport, contact=contact(email), actor=actor, expected_version=0
            )
        except Exception as error:  # noqa: BLE001 - the test looks at what each thread got
            results[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=confirm, args=(index, actor, email))
        for index, (actor, email) in enumerate(actors_and_emails)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_the_same_confirmation_sent_twice_at_once_transfers_once(garage, garage_admin):
    for round_ in range(3):
        passport = PassportFactory(garage=garage)
        email = f"dubbel{round_}@example.nl"

        results = race(passport, [(garage_admin, email), (garage_admin, email)])

        assert not any(isinstance(result, Exception) for result in results), results
        assert sorted(result.already_done for result in results) == [False, True]
        assert results[0].transfer == results[1].transfer
        assert Transfer.objects.filter(passport=passport).count() == 1
        assert (
            Notification.objects.filter(
                kind=Notification.Kind.OWNER_ACTIVATION, context__plate=passport.plate
            ).count()
            == 1
        )


def test_a_correction_landing_while_the_old_link_is_submitted_does_not_hand_over_the_account(
    garage, garage_admin, monkeypatch, django_capture_on_commit_callbacks
):
    """The garage corrects a mistyped address at the moment the person at that address submits
    the activation form. The link was checked a moment before the correction committed; the
    activation itself must still refuse, or the wrong person owns the corrected account."""
    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(PassportFactory(garage=garage), "piet@gmial.com")
    (sent,) = mail.outbox
    wrong_link = activation_path(sent.body)
    activate = services.owner_activate

    def correction_commits_first(*, user, token, password):
        # What the garage's request does between the link check and the activation.
        services.transfer_correct_email(
            transfer=record, new_email="piet@gmail.com", actor=garage_admin
        )
        return activate(user=user, token=token, password=password)

    monkeypatch.setattr(services, "owner_activate", correction_commits_first)
    wrong_person = Client()
    wrong_person.post(wrong_link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    corrected = User.objects.get(email="piet@gmail.com")
    assert not corrected.is_active
    assert not corrected.has_usable_password()
    assert wrong_person.session.get("_auth_user_id") != str(corrected.pk)
    assert wrong_person.get(portal_car_url(record.passport)).status_code != 200


def test_a_double_clicked_activate_button_activates_once_and_the_second_click_says_log_in(
    garage, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    link = activation_path(mail.outbox[0].body)
    activate = services.owner_activate

    def first_click_commits_first(*, user, token, password):
        # Both clicks passed the link check; the first one's activation commits first.
        activate(user=user, token=token, password=NEW_PASSWORD)
        return activate(user=user, token=token, password=password)

    monkeypatch.setattr(services, "owner_activate", first_click_commits_first)
    second_click = Client()
    response = second_click.post(
        link,
        {"new_password1": "Tweede-klik-2024", "new_password2": "Tweede-klik-2024"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "This account has already been activated. Log in instead." in response.content.decode()
    owner = User.objects.get(pk=record.new_owner_id)
    assert owner.check_password(NEW_PASSWORD)
    assert "_auth_user_id" not in second_click.session
