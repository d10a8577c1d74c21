"""Issue 9: races, each side on its own database connection (threads let go by a barrier).

Two transfers of one car at once; one confirmation submitted ten times at once (double clicks,
two tabs, a retrying proxy); a GMS creating one plate twenty times at once.
"""

import json
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from autopaspoort.models import Passport
from core.errors import ApplicationError
from garage.services import api_token_create
from notifications.models import Notification
from tests import figures
from tests.api.conftest import BASE, clear_rate_keys
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import EN, TYPED, contact, messages_to, submit, transfer_url
from transfers.models import Transfer
from transfers.services import transfer_confirm

pytestmark = [
    pytest.mark.faults,
    pytest.mark.needs_postgres,
    pytest.mark.django_db(transaction=True),
]

TRANSFER_PAIR_RUNS = 50
SAME_CONFIRMATION_SUBMISSIONS = 10
API_CREATES = 20


def at_once(calls):
    """Run each call in its own thread, all let go together; each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test looks at what each thread got
            results[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def activations_for(passport):
    return Notification.objects.filter(
        kind=Notification.Kind.OWNER_ACTIVATION, context__plate=passport.plate
    )


def test_of_two_simultaneous_transfers_of_one_car_exactly_one_wins_every_run(
    garage, garage_admin, sales
):
    winners_total = 0
    for run in range(TRANSFER_PAIR_RUNS):
        passport = PassportFactory(garage=garage)
        second_actor = sales if run % 2 else garage_admin  # two colleagues, or two tabs

        def confirm(actor, email, passport=passport):
            return lambda: transfer_confirm(
                passport=passport, contact=contact(email), actor=actor, expected_version=0
            )

        results = at_once(
            [
                confirm(garage_admin, f"koper.a{run}@example.nl"),
                confirm(second_actor, f"koper.b{run}@example.nl"),
            ]
        )
        winners = [result for result in results if not isinstance(result, Exception)]
        losers = [result for result in results if isinstance(result, Exception)]
        figures.add("concurrency.transfer_pair.runs")
        figures.add("concurrency.transfer_pair.winners", len(winners))

        assert len(winners) == 1, results
        assert len(losers) == 1, results
        assert isinstance(losers[0], ApplicationError), results
        assert winners[0].already_done is False
        (record,) = Transfer.objects.filter(passport=passport)
        assert record == winners[0].transfer
        passport.refresh_from_db()
        assert passport.owner_version == 1
        assert passport.contact_email == record.email
        assert [n.recipient for n in activations_for(passport)] == [record.email]
        winners_total += 1
    assert winners_total == TRANSFER_PAIR_RUNS


def test_one_confirmation_submitted_ten_times_at_once_transfers_once_and_mails_once(
    garage, garage_admin, client_for
):
    passport = PassportFactory(garage=garage)
    email = "tien.keer@example.nl"
    url = transfer_url(passport)
    first = client_for(garage_admin)
    details = first.get(url, **EN)
    typed = {**TYPED, "email": email}
    confirm_page = first.post(url, submit(details, button=("step", "details"), changes=typed), **EN)
    data = submit(confirm_page, button=("step", "confirm"))  # the version the page showed
    clients = [first] + [client_for(garage_admin) for _ in range(SAME_CONFIRMATION_SUBMISSIONS - 1)]
    mail.outbox.clear()

    responses = at_once([lambda client=client: client.post(url, data, **EN) for client in clients])
    figures.add("concurrency.same_confirmation.submissions", len(responses))

    assert [getattr(response, "status_code", response) for response in responses] == [302] * len(
        clients
    )
    assert Transfer.objects.filter(passport=passport).count() == 1
    assert activations_for(passport).count() == 1
    assert len(messages_to(mail.outbox, email)) == 1
    passport.refresh_from_db()
    assert (passport.contact_email, passport.owner_version) == (email, 1)


def test_twenty_simultaneous_api_creates_of_one_plate_make_one_passport(garage):
    token, raw = api_token_create(garage=garage, actor=garage.account_user, name="GMS")
    clear_rate_keys(token)
    body = json.dumps({"plate": "GJ-55-55", "owner": {"email": garage.email}})

    def create():
        return Client().post(
            f"{BASE}/passports",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {raw}"},
        )

    try:
        responses = at_once([create] * API_CREATES)
    finally:
        clear_rate_keys(token)
    figures.add("concurrency.api_create.requests", len(responses))

    statuses = sorted(getattr(response, "status_code", repr(response)) for response in responses)
    # The API's contract: 201 for the one that created it; a plate this garage already has is
    # returned with 200, whether the other request committed before or during this one.
    assert statuses == [200] * (API_CREATES - 1) + [201], [
        getattr(response, "content", response) for response in responses
    ]
    (passport,) = Passport.objects.filter(plate="GJ-55-55")
    assert {response.json()["plate"] for response in responses} == {passport.plate}
