import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from budgets.models import BudgetLine, DistrictBudget
from districts.models import CensusRecord, VerificationAttempt
from tests.districts.test_services import database_rows_containing
from tests.factories import (
    CensusRecordFactory,
    CycleFactory,
    DistrictBudgetFactory,
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
)

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


def use_language(client, language: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


# Home ----------------------------------------------------------------------------------------


def test_home_lists_every_district_of_the_current_cycle(client):
    pools = [make_pool(phase="review") for _ in range(3)]
    old_cycle = CycleFactory(year=pools[0].cycle.year - 1, phase="results")
    elsewhere = DistrictFactory(name_en="Old Town")
    DistrictBudgetFactory(district=elsewhere, year=old_cycle.year)
    from budgets.services import pool_create

    pool_create(cycle=old_cycle, district=elsewhere)
    html = client.get("/").content.decode()
    for pool in pools:
        assert pool.district.name_en in html
        assert f'href="/districts/{pool.district.slug}/"' in html
    assert "Old Town" not in html
    assert pools[0].cycle.title_en in html


@pytest.mark.parametrize(
    ("language", "amount", "name"),
    [
        ("en", "€123,456", "District"),
        ("bg", f"123{NBSP}456{NBSP}€", "Район"),
        ("tr", "€123.456", "İlçe"),
    ],
)
def test_home_formats_amount_per_language_cookie(client, language, amount, name):
    pool = make_pool(phase="voting")
    use_language(client, language)
    html = client.get("/").content.decode()
    assert f'<html lang="{language}">' in html
    assert f'<p class="amount">{amount}</p>' in html
    assert getattr(pool.district, f"name_{language}") in html
    assert name in html


def test_home_language_switch_with_set_language_post(client):
    make_pool(phase="voting")
    response = client.post("/i18n/setlang/", {"language": "bg", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "bg"
    html = client.get("/").content.decode()
    assert f"123{NBSP}456{NBSP}€" in html
    assert '<html lang="bg">' in html


def test_home_shows_phase_of_each_pool(client):
    make_pool(phase="voting")
    make_pool(phase="submission")
    html = client.get("/").content.decode()
    assert "phase-voting" in html
    assert "phase-submission" in html


def test_home_without_cycle_says_so(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No participatory budgeting cycle has been announced yet." in response.content.decode()


@pytest.mark.parametrize("districts", [5, 30])
def test_home_query_count_does_not_grow_with_districts(
    client, django_assert_max_num_queries, districts
):
    for _ in range(districts):
        make_pool(phase="voting")
    with django_assert_max_num_queries(3):
        response = client.get("/")
    assert response.content.decode().count('class="card"') == districts


def test_home_query_count_for_signed_in_user_does_not_grow_with_districts(
    client, django_assert_max_num_queries
):
    for _ in range(10):
        make_pool(phase="voting")
    client.force_login(UserFactory())
    with django_assert_max_num_queries(6):
        client.get("/")


# District page -------------------------------------------------------------------------------


def test_district_detail_shows_budget_pool_computation_and_timeline(client):
    pool = make_pool(phase="voting")
    budget = DistrictBudget.objects.get(district=pool.district)
    BudgetLine.objects.create(budget=budget, label_en="Schools", amount=Decimal("4000000"))
    response = client.get(f"/districts/{pool.district.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"The district’s budget for {budget.year} is €12,345,678.90." in html
    assert "1% of it, rounded down to whole units, makes a pool of €123,456." in html
    assert '<p class="amount">€123,456</p>' in html
    assert "Schools" in html and "€4,000,000" in html
    steps = re.findall(r'class="timeline-step step-(\w+)"', html)
    assert steps == ["past", "past", "current", "future", "future"]
    assert 'aria-current="step"' in html


def test_district_detail_in_bulgarian_formats_amounts_and_names(client):
    pool = make_pool(phase="review", share=Decimal("0.0125"))
    use_language(client, "bg")
    html = client.get(f"/districts/{pool.district.slug}/").content.decode()
    assert pool.district.name_bg in html
    assert f"154{NBSP}320{NBSP}€" in html
    assert "1,25%" in html


def test_district_detail_timeline_in_local_time(client, settings):
    settings.TIME_ZONE = "Europe/Istanbul"
    pool = make_pool(phase="review")
    opens = timezone.localtime(pool.voting_starts)
    html = client.get(f"/districts/{pool.district.slug}/").content.decode()
    assert f'datetime="{opens.isoformat()}"' in html
    assert opens.isoformat().endswith("+03:00")


def test_district_detail_without_pool(client):
    district = DistrictFactory()
    response = client.get(f"/districts/{district.slug}/")
    assert response.status_code == 200
    assert "This district has no pool yet." in response.content.decode()


def test_district_detail_unknown_district_is_404(client):
    assert client.get("/districts/atlantis/").status_code == 404


def test_district_detail_query_count_is_bounded(client, django_assert_max_num_queries):
    pool = make_pool(phase="voting")
    budget = DistrictBudget.objects.get(district=pool.district)
    for n in range(10):
        BudgetLine.objects.create(budget=budget, label_en=f"Line {n}", amount=n)
    with django_assert_max_num_queries(6):
        client.get(f"/districts/{pool.district.slug}/")


# Residency verification ----------------------------------------------------------------------


@pytest.fixture
def record():
    return CensusRecordFactory(national_id="PX7501019903", birth_year=1975)


@pytest.fixture
def user_client(client):
    user = UserFactory()
    client.force_login(user)
    client.user = user
    return client


def test_residency_view_requires_login(client):
    response = client.get("/residency/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_residency_view_shows_form(user_client):
    response = user_client.get("/residency/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="national_id"' in html and 'name="birth_year"' in html


def test_residency_view_match_binds_account_and_redirects(user_client, record):
    response = user_client.post("/residency/", {"national_id": "PX7501019903", "birth_year": 1975})
    assert response.status_code == 302
    assert CensusRecord.objects.get(pk=record.pk).claimed_by == user_client.user
    page = user_client.get(response["Location"]).content.decode()
    assert "You are verified as a resident" in page
    assert f"You are a verified resident of {record.district.name_en}" in page


def test_residency_view_wrong_id_shows_error_without_binding(user_client, record):
    response = user_client.post("/residency/", {"national_id": "PX7501019999", "birth_year": 1975})
    assert response.status_code == 400
    html = response.content.decode()
    assert "No census record matches this id and year of birth." in html
    assert 'role="alert"' in html
    assert CensusRecord.objects.get(pk=record.pk).claimed_by is None


def test_residency_view_wrong_year_shows_same_error_as_unknown_id(user_client, record):
    response = user_client.post("/residency/", {"national_id": "PX7501019903", "birth_year": 1976})
    assert response.status_code == 400
    assert "No census record matches this id and year of birth." in response.content.decode()


def test_residency_view_claimed_record_says_contact_district(user_client, record):
    make_other = UserFactory()
    CensusRecord.objects.filter(pk=record.pk).update(
        claimed_by=make_other, claimed_at=timezone.now()
    )
    response = user_client.post("/residency/", {"national_id": "PX7501019903", "birth_year": 1975})
    assert response.status_code == 400
    assert "already linked to another account" in response.content.decode()


def test_residency_view_field_errors_are_tied_to_their_fields(user_client, record):
    next_year = timezone.now().year + 1
    response = user_client.post("/residency/", {"national_id": "", "birth_year": next_year})
    assert response.status_code == 400
    html = response.content.decode()
    form = response.context["form"]
    assert set(form.errors) == {"national_id", "birth_year"}
    birth_input = re.search(r'<input[^>]*name="birth_year"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in birth_input
    assert "id_birth_year_error" in re.search(r'aria-describedby="([^"]*)"', birth_input).group(1)
    error_block = re.search(r'<div class="field-error" id="id_birth_year_error">(.*?)</div>', html)
    assert "cannot be in the future" in error_block.group(1)
    assert 'id="id_national_id_error"' in html
    assert not VerificationAttempt.objects.exists()  # invalid forms never reach the service


def test_residency_view_locked_after_five_failures_returns_429(user_client, record):
    for _ in range(5):
        user_client.post("/residency/", {"national_id": "PX7501019999", "birth_year": 1975})
    response = user_client.post("/residency/", {"national_id": "PX7501019903", "birth_year": 1975})
    assert response.status_code == 429
    assert "Too many unsuccessful attempts" in response.content.decode()
    assert CensusRecord.objects.get(pk=record.pk).claimed_by is None
    assert VerificationAttempt.objects.filter(outcome="throttled").count() == 1
    assert user_client.get("/residency/").status_code == 429


def test_residency_view_unlocks_after_the_window(user_client, record):
    for _ in range(5):
        user_client.post("/residency/", {"national_id": "PX7501019999", "birth_year": 1975})
    VerificationAttempt.objects.update(attempted_at=timezone.now() - timedelta(minutes=11))
    assert user_client.get("/residency/").status_code == 200
    response = user_client.post("/residency/", {"national_id": "PX7501019903", "birth_year": 1975})
    assert response.status_code == 302
    assert CensusRecord.objects.get(pk=record.pk).claimed_by == user_client.user


def test_residency_view_stores_no_typed_id(user_client, record):
    user_client.post("/residency/", {"national_id": "PX7501019999", "birth_year": 1975})
    user_client.post("/residency/", {"national_id": "PX7501019903", "birth_year": 1975})
    assert VerificationAttempt.objects.count() == 2
    assert database_rows_containing("PX7501019999") == []
    assert database_rows_containing("PX7501019903") == []


def test_residency_view_verified_user_sees_residency_and_cannot_claim_again(client, record):
    district = DistrictFactory(name_en="Izgrev")
    user = make_resident(district)
    client.force_login(user)
    response = client.post("/residency/", {"national_id": "PX7501019903", "birth_year": 1975})
    assert response.status_code == 200
    assert "You are a verified resident of Izgrev" in response.content.decode()
    assert CensusRecord.objects.get(pk=record.pk).claimed_by is None
    assert not VerificationAttempt.objects.exists()


# Staff area ----------------------------------------------------------------------------------

ROLES = ["anonymous", "resident", "council", "staff_a", "staff_b", "city_admin"]


@pytest.fixture
def two_districts():
    a = make_pool(phase="review", district=DistrictFactory(slug="alpha", name_en="Alpha"))
    b = make_pool(phase="review", district=DistrictFactory(slug="beta", name_en="Beta"))
    return a, b


def login_as(client, role: str, pool_a, pool_b):
    users = {
        "anonymous": lambda: None,
        "resident": lambda: make_resident(pool_a.district),
        "council": make_council,
        "staff_a": lambda: make_staff(pool_a.district),
        "staff_b": lambda: make_staff(pool_b.district),
        "city_admin": make_city_admin,
    }
    user = users[role]()
    if user is not None:
        client.force_login(user)
    return user


STAFF_DISTRICT_EXPECTED = {
    "resident": 403,
    "council": 403,
    "staff_a": 200,
    "staff_b": 403,
    "city_admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_staff_district_permission_matrix(client, two_districts, role):
    pool_a, pool_b = two_districts
    login_as(client, role, pool_a, pool_b)
    response = client.get("/staff/alpha/")
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/staff/alpha/"
        return
    assert response.status_code == STAFF_DISTRICT_EXPECTED[role]
    if response.status_code == 200:
        html = response.content.decode()
        assert "Staff area: Alpha" in html
        assert f"/staff/alpha/pools/{pool_a.pk}/phases/" in html
        assert "Beta" not in html


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("resident", 403),
        ("council", 403),
        ("staff_a", "/staff/alpha/"),
        ("staff_b", "/staff/beta/"),
        ("city_admin", 200),
    ],
)
def test_staff_dashboard_permission_matrix(client, two_districts, role, expected):
    login_as(client, role, *two_districts)
    response = client.get("/staff/")
    if isinstance(expected, str):
        assert response.status_code == 302
        assert response["Location"] == expected
    else:
        assert response.status_code == expected
    if role == "city_admin":
        html = response.content.decode()
        assert 'href="/staff/alpha/"' in html and 'href="/staff/beta/"' in html


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("anonymous", False),
        ("resident", False),
        ("council", False),
        ("staff_a", True),
        ("staff_b", True),
        ("city_admin", True),
    ],
)
def test_staff_area_link_only_for_staff_and_admins(client, two_districts, role, shown):
    login_as(client, role, *two_districts)
    html = client.get("/").content.decode()
    assert ('href="/staff/"' in html) is shown


def test_staff_dashboard_anonymous_redirects_to_login(client, two_districts):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/"


def test_staff_dashboard_lists_every_district_of_multi_district_staff(client, two_districts):
    pool_a, pool_b = two_districts
    user = make_staff(pool_a.district)
    user.staff_memberships.create(district=pool_b.district)
    DistrictFactory(slug="gamma")
    client.force_login(user)
    html = client.get("/staff/").content.decode()
    assert 'href="/staff/alpha/"' in html and 'href="/staff/beta/"' in html
    assert "/staff/gamma/" not in html


def test_staff_district_unknown_slug_is_404_for_staff(client, two_districts):
    client.force_login(make_staff(two_districts[0].district))
    assert client.get("/staff/atlantis/").status_code == 404


def test_staff_district_inactive_staff_is_refused(client, two_districts):
    user = make_staff(two_districts[0].district)
    client.force_login(user)
    user.is_active = False
    user.save()
    response = client.get("/staff/alpha/")
    assert response.status_code in (302, 403)
