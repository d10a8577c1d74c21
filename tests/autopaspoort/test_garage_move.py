"""Moving a customer's car to another garage (issue 17, part 4): garage B finds the plate,
asks the owner, the owner allows or declines in the portal; garage A keeps a read-only view of
what it wrote up to the move."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from autopaspoort import selectors, services
from autopaspoort.models import GarageHandover, GarageMoveRequest, HistoryEntry
from core.errors import ApplicationError
from fleet.models import FleetAccount
from garage.models import Membership
from notifications.models import Notification
from tests.autopaspoort.factories import HistoryEntryFactory, PassportFactory, record_check
from tests.garage.factories import MembershipFactory

pytestmark = pytest.mark.django_db

State = GarageMoveRequest.State
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English (the app speaks Dutch by default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    """Clients that ask for English pages."""
    return lambda user: client_for(user, **EN)


@pytest.fixture
def car(garage, owner):
    """Owner's active car, serviced by garage A, with a check and a workshop entry by A."""
    passport = PassportFactory(garage=garage, customer=True, owner=owner)
    record_check(passport)
    HistoryEntryFactory(passport=passport, description="Distributieriem door A")
    return passport


def ask(car, garage_b):
    return services.garage_move_request(passport=car, garage=garage_b, actor=garage_b.account_user)


def test_a_request_emails_the_owner_and_asking_again_changes_nothing(car, other_garage, owner):
    first = ask(car, other_garage)
    second = ask(car, other_garage)

    assert first == second
    assert first.state == State.PENDING
    assert (first.from_garage, first.to_garage, first.owner) == (car.garage, other_garage, owner)
    emails = Notification.objects.filter(kind=Notification.Kind.GARAGE_MOVE_REQUEST)
    assert [(n.recipient, n.context["garage_name"]) for n in emails] == [(owner.email, "Garage B")]
    assert emails.get().context["car_url"].endswith(f"/mijn/{car.plate}/")


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ("stock", "stock car"),
        ("fleet", "fleet manager decides"),
        ("awaiting", "no owner account yet"),
        ("own", "already serviced by your garage"),
    ],
)
def test_stock_fleet_unactivated_and_own_cars_are_not_asked_for(
    garage, other_garage, owner, shape, message
):
    if shape == "stock":
        passport = PassportFactory(garage=garage)
    elif shape == "awaiting":
        passport = PassportFactory(garage=garage, awaiting_activation=True)
    else:
        passport = PassportFactory(garage=garage, customer=True, owner=owner)
    if shape == "fleet":
        fleet = FleetAccount.objects.create(name="Zakelijk BV", email="fleet@example.nl")
        passport.fleet = fleet
        passport.save(update_fields=["fleet"])
    asking = garage if shape == "own" else other_garage

    with pytest.raises(ApplicationError) as refused:
        services.garage_move_request(passport=passport, garage=asking, actor=asking.account_user)

    assert message in refused.value.message
    assert not GarageMoveRequest.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.GARAGE_MOVE_REQUEST).exists()


def test_a_mechanic_cannot_ask(car, other_garage):
    mechanic_b = MembershipFactory(garage=other_garage, role=Membership.Role.MECHANIC).user
    with pytest.raises(PermissionDenied):
        services.garage_move_request(passport=car, garage=other_garage, actor=mechanic_b)


def test_accepting_moves_the_car_and_records_the_handover(car, garage, other_garage, owner):
    move_request = ask(car, other_garage)

    services.garage_move_decide(move_request=move_request, user=owner, accept=True)

    car.refresh_from_db()
    move_request.refresh_from_db()
    assert car.garage == other_garage
    assert move_request.state == State.ACCEPTED
    assert move_request.decided_at
    handover = GarageHandover.objects.get(passport=car)
    assert (handover.from_garage, handover.to_garage) == (garage, other_garage)
    # B's lists have it, A's do not.
    assert [p.plate for p in selectors.passport_list(garage=other_garage).passports] == [car.plate]
    assert selectors.passport_list(garage=garage).passports == []
    answered = Notification.objects.get(kind=Notification.Kind.GARAGE_MOVE_ANSWERED)
    assert answered.recipient == "garage-b@example.nl"
    assert answered.context["accepted"] is True


def test_declining_changes_nothing_but_the_request(car, garage, other_garage, owner):
    move_request = ask(car, other_garage)

    services.garage_move_decide(move_request=move_request, user=owner, accept=False)

    car.refresh_from_db()
    move_request.refresh_from_db()
    assert car.garage == garage
    assert move_request.state == State.DECLINED
    assert not GarageHandover.objects.exists()
    answered = Notification.objects.get(kind=Notification.Kind.GARAGE_MOVE_ANSWERED)
    assert answered.context["accepted"] is False
    with pytest.raises(ApplicationError, match="already been answered"):
        services.garage_move_decide(move_request=move_request, user=owner, accept=True)


def test_only_the_owner_decides(car, other_garage, other_owner, garage_admin):
    move_request = ask(car, other_garage)
    for stranger in (other_owner, garage_admin, other_garage.account_user):
        with pytest.raises(PermissionDenied):
            services.garage_move_decide(move_request=move_request, user=stranger, accept=True)
    assert GarageMoveRequest.objects.get().state == State.PENDING


def test_a_question_to_the_previous_owner_cannot_be_answered_after_a_sale(
    car, other_garage, owner, other_owner
):
    move_request = ask(car, other_garage)
    car.owner = other_owner
    car.save(update_fields=["owner"])

    with pytest.raises(PermissionDenied):
        services.garage_move_decide(move_request=move_request, user=owner, accept=True)
    # The new owner is asked afresh; the old question is closed.
    fresh = ask(car, other_garage)
    assert fresh != move_request
    assert fresh.owner == other_owner
    move_request.refresh_from_db()
    assert move_request.state == State.CANCELLED


def test_accepting_one_garage_closes_the_others_questions(car, other_garage, owner):
    third = PassportFactory().garage  # a third garage
    first = ask(car, other_garage)
    second = ask(car, third)

    services.garage_move_decide(move_request=first, user=owner, accept=True)

    second.refresh_from_db()
    assert second.state == State.CANCELLED
    with pytest.raises(ApplicationError):
        services.garage_move_decide(move_request=second, user=owner, accept=True)


# --- Garage A's read-only view ------------------------------------------------------------------


def moved(car, other_garage, owner):
    services.garage_move_decide(move_request=ask(car, other_garage), user=owner, accept=True)
    car.refresh_from_db()
    return car


def test_garage_a_sees_what_it_wrote_up_to_the_move_and_nothing_after(
    client_for, car, garage, garage_admin, other_garage, owner
):
    moved(car, other_garage, owner)
    # B writes after the move; an entry dated before the move, written after it, is B's too.
    record_check(car, actor=other_garage.account_user, notes="Check door B")
    services.history_entry_add(
        passport=car,
        actor=other_garage.account_user,
        kind=HistoryEntry.Kind.REPAIR,
        on=timezone.localdate() - timedelta(days=60),
        odometer_km=30_000,
        description="Uitlaat door B",
        cost=0,
        odometer_correction_reason="",
    )

    response = client_for(garage_admin).get(
        reverse("autopaspoort:handed_over", kwargs={"garage_id": garage.pk, "plate": car.plate})
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Distributieriem door A" in body
    assert body.count("Garage A") >= 2  # A's check and entry each show the garage that wrote it
    assert "Uitlaat door B" not in body
    assert "Garage B" not in body
    timeline = response.context["timeline"]
    assert {event.item.garage_id for event in timeline} == {garage.pk}
    assert len(timeline) == 2
    # No actions: no forms, no links to A's (now closed) passport pages.
    main = body.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main
    assert "/checks/new/" not in body
    assert "/history/new/" not in body


def test_garage_a_can_no_longer_change_the_car(
    client_for, car, garage, garage_admin, other_garage, owner
):
    moved(car, other_garage, owner)
    client = client_for(garage_admin)
    kwargs = {"garage_id": garage.pk, "plate": car.plate}
    for name in ("profile", "check_create", "history_create", "details", "owner_edit"):
        assert client.get(reverse(f"autopaspoort:{name}", kwargs=kwargs)).status_code == 404
    response = client.post(
        reverse("autopaspoort:history_create", kwargs=kwargs),
        {"kind": "repair", "date": "2024-01-01", "odometer_km": 1, "description": "x"},
    )
    assert response.status_code == 404
    assert client.get(reverse("transfers:start", kwargs=kwargs)).status_code == 404
    with pytest.raises(PermissionDenied):
        services.history_entry_add(
            passport=car,
            actor=garage_admin,
            kind=HistoryEntry.Kind.REPAIR,
            on=timezone.localdate(),
            odometer_km=60_000,
            description="Na de overdracht",
            cost=0,
            odometer_correction_reason="",
        )


def test_the_dashboard_search_takes_garage_a_to_the_read_only_view(
    client_for, car, garage, garage_admin, other_garage, owner
):
    moved(car, other_garage, owner)
    response = client_for(garage_admin).get(
        reverse("garage:dashboard", kwargs={"garage_id": garage.pk}), {"q": car.plate.lower()}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "autopaspoort:handed_over", kwargs={"garage_id": garage.pk, "plate": car.plate}
    )


def test_the_read_only_view_is_only_for_the_garage_the_car_left(
    client_for, car, garage, other_garage, owner
):
    moved(car, other_garage, owner)
    url_b = reverse(
        "autopaspoort:handed_over", kwargs={"garage_id": other_garage.pk, "plate": car.plate}
    )
    # B services it: its profile is the page, not a handed-over view.
    assert client_for(other_garage.account_user).get(url_b).status_code == 404
    never = PassportFactory(garage=garage, customer=True)
    url = reverse("autopaspoort:handed_over", kwargs={"garage_id": garage.pk, "plate": never.plate})
    assert client_for(garage.account_user).get(url).status_code == 404


# --- Garage B's dashboard ----------------------------------------------------------------------


def dashboard(client, garage, q):
    return client.get(reverse("garage:dashboard", kwargs={"garage_id": garage.pk}), {"q": q})


def test_garage_b_finds_the_plate_and_asks_the_owner(client_for, car, other_garage, owner):
    client = client_for(other_garage.account_user)

    response = dashboard(client, other_garage, car.plate.replace("-", ""))
    body = response.content.decode()
    assert "Request access from the owner" in body
    # Nothing of the other garage or the owner.
    for secret in ("Garage A", owner.email, "Klant", "Distributieriem"):
        assert secret not in body

    response = client.post(
        reverse(
            "autopaspoort:move_request", kwargs={"garage_id": other_garage.pk, "plate": car.plate}
        ),
        follow=True,
    )
    assert GarageMoveRequest.objects.get().state == State.PENDING
    body = response.content.decode()
    assert "You have asked its owner" in body
    assert "Request access from the owner" not in body


@pytest.mark.parametrize("shape", ["stock", "fleet"])
def test_garage_b_is_told_why_a_stock_or_fleet_car_cannot_be_asked_for(
    client_for, garage, other_garage, shape
):
    passport = PassportFactory(garage=garage)
    if shape == "fleet":
        passport = PassportFactory(garage=garage, customer=True)
        passport.fleet = FleetAccount.objects.create(name="Zakelijk BV", email="f@example.nl")
        passport.save(update_fields=["fleet"])
    client = client_for(other_garage.account_user)

    body = dashboard(client, other_garage, passport.plate).content.decode()

    assert "has an AutoPaspoort with another garage" in body
    assert "Request access from the owner" not in body
    response = client.post(
        reverse(
            "autopaspoort:move_request",
            kwargs={"garage_id": other_garage.pk, "plate": passport.plate},
        )
    )
    assert response.status_code == 302
    assert not GarageMoveRequest.objects.exists()


def test_a_mechanic_of_garage_b_sees_no_request_button_and_is_refused(
    client_for, car, other_garage
):
    mechanic_b = MembershipFactory(garage=other_garage, role=Membership.Role.MECHANIC).user
    client = client_for(mechanic_b)
    body = dashboard(client, other_garage, car.plate).content.decode()
    assert "Request access from the owner" not in body
    url = reverse(
        "autopaspoort:move_request", kwargs={"garage_id": other_garage.pk, "plate": car.plate}
    )
    assert client.post(url).status_code == 403
    assert not GarageMoveRequest.objects.exists()


def test_an_unknown_plate_is_a_404_for_the_request(client_for, other_garage):
    url = reverse(
        "autopaspoort:move_request", kwargs={"garage_id": other_garage.pk, "plate": "ZZ-99-99"}
    )
    assert client_for(other_garage.account_user).post(url).status_code == 404


# --- The owner's portal --------------------------------------------------------------------------


def test_the_owner_sees_the_prompt_and_allows_garage_b(client_for, car, other_garage, owner):
    move_request = ask(car, other_garage)
    client = client_for(owner)

    home = client.get(reverse("portal:home")).content.decode()
    assert "Garage B asks to service your car" in home
    page = client.get(reverse("portal:car", kwargs={"plate": car.plate})).content.decode()
    assert "Allow Garage B" in page

    response = client.post(
        reverse(
            "portal:garage_move_answer",
            kwargs={"plate": car.plate, "move_request_id": move_request.pk},
        ),
        {"answer": "accept"},
        follow=True,
    )

    body = response.content.decode()
    assert "Garage B now services" in body
    assert "Allow Garage B" not in body
    car.refresh_from_db()
    assert car.garage == other_garage
    # The history stays with the car, each entry with the garage that wrote it.
    assert "Distributieriem door A" in body
    assert "Garage A" in body


def test_the_owner_declines(client_for, car, garage, other_garage, owner):
    move_request = ask(car, other_garage)
    response = client_for(owner).post(
        reverse(
            "portal:garage_move_answer",
            kwargs={"plate": car.plate, "move_request_id": move_request.pk},
        ),
        {"answer": "decline"},
        follow=True,
    )
    assert "You declined" in response.content.decode()
    car.refresh_from_db()
    assert car.garage == garage


@pytest.mark.parametrize("answer", ["", "yes", "ACCEPT"])
def test_an_unknown_answer_is_a_404(client_for, car, other_garage, owner, answer):
    move_request = ask(car, other_garage)
    url = reverse(
        "portal:garage_move_answer", kwargs={"plate": car.plate, "move_request_id": move_request.pk}
    )
    assert client_for(owner).post(url, {"answer": answer}).status_code == 404
    assert GarageMoveRequest.objects.get().state == State.PENDING


def test_another_person_cannot_answer(client_for, car, other_garage, other_owner):
    move_request = ask(car, other_garage)
    other_car = PassportFactory(customer=True, owner=other_owner)
    client = client_for(other_owner)
    for plate in (car.plate, other_car.plate):
        url = reverse(
            "portal:garage_move_answer", kwargs={"plate": plate, "move_request_id": move_request.pk}
        )
        assert client.post(url, {"answer": "accept"}).status_code == 404
    assert GarageMoveRequest.objects.get().state == State.PENDING


# --- Races ---------------------------------------------------------------------------------------


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_accepted_twice_at_once_moves_the_car_once(garage, other_garage, owner):
    """Two tabs (or a double click) accept the same request, each on its own connection: the
    passport lock lets one move the car; the other finds the request answered."""
    for _round in range(3):
        passport = PassportFactory(garage=garage, customer=True, owner=owner)
        move_request = ask(passport, other_garage)
        barrier = threading.Barrier(2)
        results = [None, None]

        def accept(index, move_request=move_request, barrier=barrier, results=results):
            try:
                barrier.wait(timeout=10)
                results[index] = services.garage_move_decide(
                    move_request=move_request, user=owner, accept=True
                )
            except Exception as error:  # noqa: BLE001 - the test looks at what each got
                results[index] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=accept, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        errors = [result for result in results if isinstance(result, Exception)]
        assert len(errors) == 1, results
        assert isinstance(errors[0], ApplicationError)
        assert GarageHandover.objects.filter(passport=passport).count() == 1
        passport.refresh_from_db()
        assert passport.garage == other_garage
        assert (
            Notification.objects.filter(
                kind=Notification.Kind.GARAGE_MOVE_ANSWERED, context__plate=passport.plate
            ).count()
            == 1
        )


# --- The emails, as delivered ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_emails_render_in_the_recipients_language(car, other_garage, owner, language):
    from notifications.rendering import build_message

    owner.language = other_garage.account_user.language = language
    owner.save(update_fields=["language"])
    other_garage.account_user.save(update_fields=["language"])
    services.garage_move_decide(move_request=ask(car, other_garage), user=owner, accept=False)

    asked = build_message(Notification.objects.get(kind=Notification.Kind.GARAGE_MOVE_REQUEST))
    answered = build_message(Notification.objects.get(kind=Notification.Kind.GARAGE_MOVE_ANSWERED))

    assert car.plate in asked.subject
    assert f"/mijn/{car.plate}/" in asked.body
    assert "Garage A" in asked.body  # the garage it leaves, named to its owner
    assert answered.to == ["garage-b@example.nl"]
    expected = {"nl": "heeft uw verzoek geweigerd", "en": "declined your request"}[language]
    assert expected in answered.subject


def test_a_third_garage_never_sees_garage_as_read_only_view(
    client_for, car, garage, other_garage, owner
):
    moved(car, other_garage, owner)
    third = PassportFactory().garage
    client = client_for(third.account_user)
    for garage_id in (third.pk, garage.pk):
        url = reverse(
            "autopaspoort:handed_over", kwargs={"garage_id": garage_id, "plate": car.plate}
        )
        assert client.get(url).status_code == 404


def test_a_car_that_comes_back_is_garage_as_again(client_for, car, garage, other_garage, owner):
    moved(car, other_garage, owner)
    services.garage_move_decide(
        move_request=services.garage_move_request(
            passport=car, garage=garage, actor=garage.account_user
        ),
        user=owner,
        accept=True,
    )
    client = client_for(garage.account_user)
    kwargs = {"garage_id": garage.pk, "plate": car.plate}
    assert client.get(reverse("autopaspoort:profile", kwargs=kwargs)).status_code == 200
    assert client.get(reverse("autopaspoort:handed_over", kwargs=kwargs)).status_code == 404
    # Garage B now has the read-only view of what it wrote (nothing: A's entries are A's).
    response = client_for(other_garage.account_user).get(
        reverse(
            "autopaspoort:handed_over", kwargs={"garage_id": other_garage.pk, "plate": car.plate}
        )
    )
    assert response.status_code == 200
    assert "Distributieriem door A" not in response.content.decode()


def test_a_fleet_question_of_the_garage_the_car_left_can_no_longer_be_accepted(
    car, garage, other_garage, owner
):
    from fleet.services import fleet_link_request, fleet_link_request_answer
    from tests.fleet.factories import FleetFactory

    fleet = FleetFactory(garages=[garage])
    link_request = fleet_link_request(passport=car, fleet=fleet, actor=garage.account_user)
    moved(car, other_garage, owner)

    with pytest.raises(ApplicationError, match="does not service this fleet"):
        fleet_link_request_answer(link_request=link_request, user=owner, accept=True)
    car.refresh_from_db()
    assert car.fleet_id is None


def test_after_a_no_the_garage_asks_the_same_owner_again_only_after_30_days(
    car, other_garage, owner
):
    first = ask(car, other_garage)
    services.garage_move_decide(move_request=first, user=owner, accept=False)

    with pytest.raises(ApplicationError, match="declined on"):
        ask(car, other_garage)

    GarageMoveRequest.objects.filter(pk=first.pk).update(
        decided_at=timezone.now() - timedelta(days=31)
    )
    assert ask(car, other_garage).state == State.PENDING
    assert Notification.objects.filter(kind=Notification.Kind.GARAGE_MOVE_REQUEST).count() == 2
