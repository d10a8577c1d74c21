from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone

from core.errors import ApplicationError
from sharing.models import ShareLink
from sharing.services import share_link_create, share_link_revoke, share_link_view
from tests.autopaspoort.factories import PassportFactory
from tests.sharing.factories import share
from tests.transfers.factories import customer_passport, transfer

pytestmark = pytest.mark.django_db


def test_the_owner_shares_their_car_for_30_days_by_default(garage, owner):
    car = customer_passport(garage, owner)
    link = share(car)
    assert link.created_for == ShareLink.For.OWNER
    assert link.created_by == owner
    assert len(link.token) >= 43  # 32 random bytes
    days = (link.expires_at - timezone.now()).total_seconds() / 86400
    assert 29.9 < days <= 30


def test_tokens_are_never_the_same(garage, owner):
    car = customer_passport(garage, owner)
    assert len({share(car).token for _ in range(5)}) == 5


@pytest.mark.parametrize("days", [0, 91, -1])
def test_a_link_lives_1_to_90_days(garage, owner, days):
    car = customer_passport(garage, owner)
    with pytest.raises(ApplicationError) as error:
        share(car, days=days)
    assert error.value.field == "days"
    assert not ShareLink.objects.exists()


def test_the_garage_shares_its_stock_cars_as_admin_or_sales(garage, sales, mechanic):
    stock = PassportFactory(garage=garage)
    assert share(stock, actor=sales).created_for == ShareLink.For.GARAGE
    assert share(stock, actor=garage.account_user).created_for == ShareLink.For.GARAGE
    with pytest.raises(PermissionDenied):
        share(stock, actor=mechanic)


def test_the_garage_cannot_share_a_customers_car(garage, owner, sales):
    car = customer_passport(garage, owner)
    with pytest.raises(PermissionDenied):
        share(car, actor=garage.account_user)
    with pytest.raises(PermissionDenied):
        share(car, actor=sales)


def test_another_garage_or_person_cannot_share(garage, other_garage_staff, owner, other_owner):
    car = customer_passport(garage, owner)
    stock = PassportFactory(garage=garage)
    for passport, actor in ((car, other_owner), (stock, other_garage_staff), (stock, owner)):
        with pytest.raises(PermissionDenied):
            share(passport, actor=actor)


def test_a_car_still_to_accept_cannot_be_shared(garage, owner):
    stock = PassportFactory(garage=garage)
    transfer(stock, owner.email)  # an existing account: awaiting the owner's confirmation
    stock.refresh_from_db()
    with pytest.raises(PermissionDenied):
        share_link_create(passport=stock, actor=owner)


def test_revoking_stops_the_link_once(garage, owner):
    link = share(customer_passport(garage, owner))
    first = share_link_revoke(link=link, actor=owner).revoked_at
    assert first is not None
    assert share_link_revoke(link=link, actor=owner).revoked_at == first


def test_only_who_may_share_may_revoke(garage, owner, other_owner):
    link = share(customer_passport(garage, owner))
    with pytest.raises(PermissionDenied):
        share_link_revoke(link=link, actor=other_owner)
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_view_is_counted_atomically(garage, owner):
    link = share(customer_passport(garage, owner))
    share_link_view(link=link)
    ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 5)
    share_link_view(link=link)  # a stale in-memory count does not overwrite the others
    link.refresh_from_db()
    assert link.view_count == 7
    assert link.last_viewed_at is not None


def test_a_transfer_revokes_the_old_owners_links(garage, owner, other_owner):
    car = customer_passport(garage, owner)
    links = [share(car), share(car, days=90)]
    transfer(car, other_owner.email)
    assert all(not ShareLink.objects.get(pk=link.pk).is_usable for link in links)


def test_selling_a_stock_car_revokes_the_garages_links(garage, owner):
    stock = PassportFactory(garage=garage)
    link = share(stock, actor=garage.account_user)
    transfer(stock, "koper@example.nl")
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_the_old_owner_cannot_share_after_the_transfer(garage, owner, other_owner):
    car = customer_passport(garage, owner)
    transfer(car, other_owner.email)
    car.refresh_from_db()
    with pytest.raises(PermissionDenied):
        share(car, actor=owner)


def test_an_expired_link_is_not_usable(garage, owner):
    link = share(customer_passport(garage, owner))
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    link.refresh_from_db()
    assert not link.is_usable
    assert not ShareLink.objects.active().exists()
