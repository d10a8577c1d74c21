import factory
from factory.django import DjangoModelFactory

from accounts.models import User

PASSWORD = "pw-Secret-123"


class UserFactory(DjangoModelFactory):
    """A person who can log in with PASSWORD (pass `password=...` for another one, or
    `password=False` for an invited person who has not set a password yet)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.nl")
    full_name = factory.Sequence(lambda n: f"Person {n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        if extracted is False:
            obj.set_unusable_password()
        else:
            obj.set_password(PASSWORD if extracted is None else extracted)
        if create:
            obj.save(update_fields=["password"])
