"""factory_boy factories shared by every app's tests."""

from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from budgets.models import Cycle, DistrictBudget, Pool
from civic.accounts.models import User
from districts.models import CensusRecord, District, Neighbourhood, StaffMembership
from districts.services import national_id_hmac


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    password = factory.django.Password("correct horse battery")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """Every user has a verified address unless made with `verified_email=False`."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    slug = factory.Sequence(lambda n: f"district-{n}")
    name_en = factory.Sequence(lambda n: f"District {n}")
    name_bg = factory.Sequence(lambda n: f"Район {n}")
    name_tr = factory.Sequence(lambda n: f"İlçe {n}")
    population = 50_000


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood

    district = factory.SubFactory(DistrictFactory)
    slug = factory.Sequence(lambda n: f"neighbourhood-{n}")
    name_en = factory.Sequence(lambda n: f"Neighbourhood {n}")


class CensusRecordFactory(factory.django.DjangoModelFactory):
    """`national_id` is a factory parameter: hashed into `id_hmac`, never stored."""

    class Meta:
        model = CensusRecord

    class Params:
        national_id = factory.Sequence(lambda n: f"{8000000000 + n}")

    id_hmac = factory.LazyAttribute(lambda o: national_id_hmac(o.national_id))
    birth_year = 1980
    district = factory.SubFactory(DistrictFactory)


def make_resident(district: District, **user_fields) -> User:
    """A user with a claimed census record in the district."""
    user = UserFactory(**user_fields)
    CensusRecordFactory(district=district, claimed_by=user, claimed_at=timezone.now())
    return user


def make_staff(district: District, **user_fields) -> User:
    user = UserFactory(**user_fields)
    StaffMembership.objects.create(user=user, district=district)
    return user


def phase_dates(now=None, *, phase: str = "submission") -> dict:
    """Cycle dates that put `now` inside the named phase."""
    now = now or timezone.now()
    day = timedelta(days=1)
    offsets = {
        "draft": 5,
        "submission": -1,
        "review": -11,
        "voting": -21,
        "tallying": -31,
        "results": -41,
    }[phase]
    start = now + offsets * day
    return {
        "submission_starts": start,
        "review_starts": start + 10 * day,
        "voting_starts": start + 20 * day,
        "voting_ends": start + 30 * day,
        "results_starts": start + 40 * day,
    }


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle
        django_get_or_create = ["year"]

    class Params:
        phase = "submission"

    year = factory.LazyFunction(lambda: timezone.now().year)
    title_en = factory.LazyAttribute(lambda o: f"Participatory budget {o.year}")
    title_bg = factory.LazyAttribute(lambda o: f"Бюджет с участие {o.year}")
    title_tr = factory.LazyAttribute(lambda o: f"Katılımcı bütçe {o.year}")
    submission_starts = factory.LazyAttribute(
        lambda o: phase_dates(phase=o.phase)["submission_starts"]
    )
    review_starts = factory.LazyAttribute(lambda o: phase_dates(phase=o.phase)["review_starts"])
    voting_starts = factory.LazyAttribute(lambda o: phase_dates(phase=o.phase)["voting_starts"])
    voting_ends = factory.LazyAttribute(lambda o: phase_dates(phase=o.phase)["voting_ends"])
    results_starts = factory.LazyAttribute(lambda o: phase_dates(phase=o.phase)["results_starts"])


class DistrictBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistrictBudget

    district = factory.SubFactory(DistrictFactory)
    year = factory.LazyFunction(lambda: timezone.now().year)
    amount = Decimal("12345678.90")
    currency = "EUR"


def make_pool(*, district: District | None = None, phase: str = "submission", **fields) -> Pool:
    """A pool made by the service, with a budget; its own dates put it in `phase`."""
    from budgets.services import pool_create

    district = district or DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year)
    return pool_create(cycle=cycle, district=district, **{**phase_dates(phase=phase), **fields})


def make_council(**user_fields) -> User:
    """A council member: reads and approves reports, no district rights."""
    return UserFactory(is_council=True, **user_fields)


def make_city_admin(**user_fields) -> User:
    """A city admin: an active superuser who may also use the Django admin."""
    return UserFactory(is_staff=True, is_superuser=True, **user_fields)
