import factory
from factory.django import DjangoModelFactory

from garage.models import Garage, Membership
from garage.services import garage_create
from tests.accounts.factories import PASSWORD, UserFactory


class GarageFactory(DjangoModelFactory):
    """A garage as the app makes one: `garage_create` adds its login user (the account email,
    password PASSWORD) and that user's admin membership."""

    class Meta:
        model = Garage

    name = factory.Sequence(lambda n: f"Garage {n}")
    email = factory.Sequence(lambda n: f"garage{n}@example.nl")
    password = PASSWORD
    city = "Utrecht"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return garage_create(*args, **kwargs)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    garage = factory.SubFactory(GarageFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MECHANIC
