"""`manage.py demo_data`: the demo city that `make demo` loads.

Loading Sofia takes a couple of seconds, so the module loads it once inside a transaction
that is rolled back at the end; each test runs in a savepoint inside it.
"""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db import transaction

from budgets.models import Pool
from budgets.phases import Phase
from civic.accounts.models import User
from districts.demo.cities import CITIES
from districts.models import CensusRecord, District, StaffMembership

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def sofia(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            run("demo_data")
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_demo_data_kocaeli_has_12_districts_in_turkish_lira():
    run("demo_data", "--city", "kocaeli")
    slugs = [d.slug for d in CITIES["kocaeli"].districts]
    districts = District.objects.filter(slug__in=slugs)
    assert districts.count() == len(slugs) == 12
    names = set(districts.values_list("name_tr", flat=True))
    assert {"İzmit", "Gölcük", "Gebze", "Kandıra"} <= names
    assert set(Pool.objects.filter(district__in=districts).values_list("currency", flat=True)) == {
        "TRY"
    }
    assert User.objects.filter(email="staff@izmit.civic.test").exists()
    assert User.objects.filter(email="resident20@golcuk.civic.test").exists()


def _counts() -> dict:
    return {
        "districts": District.objects.count(),
        "users": User.objects.count(),
        "pools": Pool.objects.count(),
        "census": CensusRecord.objects.count(),
        "claimed": CensusRecord.objects.filter(claimed_by__isnull=False).count(),
        "staff": StaffMembership.objects.count(),
        "emails": EmailAddress.objects.count(),
    }


def test_demo_data_runs_twice_with_same_counts(sofia):
    first = _counts()
    run("demo_data")
    assert _counts() == first
    assert first["districts"] == 24
    assert first["users"] == 2 + 24 * 22  # admin, council; per district 2 staff, 20 residents


def test_demo_data_creates_sofia_districts_with_bulgarian_names(sofia):
    assert District.objects.count() == 24
    names = dict(District.objects.values_list("slug", "name_bg"))
    assert names["lozenets"] == "Лозенец"
    assert names["mladost"] == "Младост"
    assert all(name for name in names.values())
    assert set(Pool.objects.values_list("currency", flat=True)) == {"EUR"}


def test_demo_data_creates_demo_accounts_with_password_and_verified_email(sofia):
    emails = [
        "admin@civic.test",
        "council@civic.test",
        "staff@lozenets.civic.test",
        "resident1@lozenets.civic.test",
        "resident20@mladost.civic.test",
    ]
    for email in emails:
        user = User.objects.get(email=email)
        assert user.check_password("civic-demo"), email
        assert EmailAddress.objects.filter(user=user, email=email, verified=True).exists()
    assert not User.objects.filter(email="resident21@lozenets.civic.test").exists()
    admin = User.objects.get(email="admin@civic.test")
    assert admin.is_superuser and admin.is_staff
    assert User.objects.get(email="council@civic.test").is_council
    staff = User.objects.get(email="staff@lozenets.civic.test")
    assert list(staff.staff_memberships.values_list("district__slug", flat=True)) == ["lozenets"]


def test_demo_data_residents_are_verified_in_their_district(sofia):
    for district in District.objects.all():
        residents = User.objects.filter(
            email__endswith=f"@{district.slug}.civic.test", email__startswith="resident"
        )
        assert residents.count() == 20
        assert (
            CensusRecord.objects.filter(claimed_by__in=residents, district=district).count() == 20
        )
    # Spare records stay unclaimed so a visitor can try verification.
    assert CensusRecord.objects.filter(claimed_by__isnull=True).exists()


def test_demo_data_pools_cover_the_main_phases(sofia):
    phases = {pool.phase for pool in Pool.objects.select_related("cycle")}
    assert {Phase.SUBMISSION, Phase.REVIEW, Phase.VOTING, Phase.RESULTS} <= phases
