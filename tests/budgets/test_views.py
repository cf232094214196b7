"""The staff page that overrides a pool's phase dates: /staff/<slug>/pools/<id>/phases/."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from budgets.models import Pool
from budgets.phases import Phase
from tests.factories import (
    DistrictFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
    phase_dates,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
FIELDS = (
    "submission_starts",
    "review_starts",
    "support_starts",
    "voting_starts",
    "voting_ends",
    "results_starts",
    "implementation_starts",
)


def minute_dates(phase: str) -> dict:
    """Phase dates on whole minutes, as staff enter them in the form."""
    now = timezone.now().replace(second=0, microsecond=0)
    return phase_dates(now, phase=phase)


def pool_in(phase: str, slug: str, **fields) -> Pool:
    district = DistrictFactory(slug=slug, name_en=slug.title())
    return make_pool(phase=phase, district=district, **{**minute_dates(phase), **fields})


def url(pool: Pool, slug: str | None = None) -> str:
    return f"/staff/{slug or pool.district.slug}/pools/{pool.pk}/phases/"


def form_data(pool: Pool, **changes) -> dict:
    """The form as the browser sends it back: every override in local time, to the second."""
    data = {}
    for name in FIELDS:
        value = changes.get(name, getattr(pool, name))
        data[name] = (
            "" if value is None else timezone.localtime(value).strftime("%Y-%m-%dT%H:%M:%S")
        )
    return data


@pytest.fixture
def pools():
    return pool_in("review", "alpha"), pool_in("review", "beta")


# Permission matrix --------------------------------------------------------------------------

ROLE_EXPECTED = {
    "resident": 403,
    "council": 403,
    "staff_a": 200,
    "staff_b": 403,
    "city_admin": 200,
}


def login_as(client, role: str, pool_a: Pool, pool_b: Pool):
    user = {
        "anonymous": lambda: None,
        "resident": lambda: make_resident(pool_a.district),
        "council": make_council,
        "staff_a": lambda: make_staff(pool_a.district),
        "staff_b": lambda: make_staff(pool_b.district),
        "city_admin": make_city_admin,
    }[role]()
    if user is not None:
        client.force_login(user)
    return user


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", ["anonymous", *ROLE_EXPECTED])
def test_staff_pool_phases_permission_matrix(client, pools, role, method):
    pool_a, pool_b = pools
    login_as(client, role, pool_a, pool_b)
    new_end = pool_a.voting_ends + DAY
    if method == "get":
        response = client.get(url(pool_a))
    else:
        response = client.post(url(pool_a), form_data(pool_a, voting_ends=new_end))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url(pool_a)}"
    elif method == "get":
        assert response.status_code == ROLE_EXPECTED[role]
    else:
        assert response.status_code == {200: 302}.get(ROLE_EXPECTED[role], 403)
    changed = Pool.objects.get(pk=pool_a.pk).voting_ends == new_end
    assert changed is (method == "post" and ROLE_EXPECTED.get(role) == 200)


def test_staff_pool_phases_pool_of_other_district_under_own_slug_is_404(client, pools):
    pool_a, pool_b = pools
    client.force_login(make_staff(pool_a.district))
    assert client.get(url(pool_b, slug="alpha")).status_code == 404
    response = client.post(url(pool_b, slug="alpha"), form_data(pool_b, voting_ends=None))
    assert response.status_code == 404
    assert Pool.objects.get(pk=pool_b.pk).voting_ends == pool_b.voting_ends


def test_staff_pool_phases_unknown_pool_is_404(client, pools):
    client.force_login(make_staff(pools[0].district))
    assert client.get("/staff/alpha/pools/999999/phases/").status_code == 404


def test_staff_pool_phases_refused_once_results_are_out(client):
    pool = pool_in("results", "gamma")
    client.force_login(make_staff(pool.district))
    assert client.get(url(pool)).status_code == 403


# The override form --------------------------------------------------------------------------


def test_staff_pool_phases_form_shows_cycle_date_as_help(client, pools):
    pool_a, _ = pools
    client.force_login(make_staff(pool_a.district))
    html = client.get(url(pool_a)).content.decode()
    assert 'type="datetime-local"' in html
    assert "cycle’s date" in html or "cycle's date" in html


def test_staff_pool_phases_sets_override(client, pools):
    pool_a, _ = pools
    client.force_login(make_staff(pool_a.district))
    new_end = pool_a.voting_ends + 2 * DAY
    response = client.post(url(pool_a), form_data(pool_a, voting_ends=new_end))
    assert response.status_code == 302
    assert response["Location"] == "/staff/alpha/"
    assert Pool.objects.get(pk=pool_a.pk).voting_ends == new_end
    assert "The phase dates were saved." in client.get("/staff/alpha/").content.decode()


def test_staff_pool_phases_adds_support_phase(client, pools):
    pool_a, _ = pools
    client.force_login(make_staff(pool_a.district))
    support = pool_a.voting_starts - 3 * DAY
    response = client.post(url(pool_a), form_data(pool_a, support_starts=support))
    assert response.status_code == 302
    pool = Pool.objects.get(pk=pool_a.pk)
    assert pool.phase_at(support) == Phase.SUPPORT


def test_staff_pool_phases_moving_started_phase_is_refused(client, pools):
    pool_a, _ = pools
    client.force_login(make_staff(pool_a.district))
    before = Pool.objects.get(pk=pool_a.pk).dates
    data = form_data(
        pool_a,
        review_starts=pool_a.review_starts + timedelta(hours=2),
        voting_ends=pool_a.voting_ends + DAY,
    )
    response = client.post(url(pool_a), data)
    assert response.status_code == 400
    assert "This phase has already started; its start can no longer move." in (
        response.content.decode()
    )
    assert "review_starts" in response.context["form"].errors
    assert Pool.objects.get(pk=pool_a.pk).dates == before


def test_staff_pool_phases_out_of_order_dates_are_refused(client, pools):
    pool_a, _ = pools
    client.force_login(make_staff(pool_a.district))
    before = Pool.objects.get(pk=pool_a.pk).dates
    data = form_data(pool_a, voting_starts=pool_a.results_starts + DAY)
    response = client.post(url(pool_a), data)
    assert response.status_code == 400
    assert "must start after the phase before it" in response.content.decode()
    assert Pool.objects.get(pk=pool_a.pk).dates == before


def test_staff_pool_phases_resubmitting_unchanged_form_is_accepted(client):
    # A past override with seconds and microseconds comes back from the form to the
    # second; that is not an attempt to move a started phase.
    pool = pool_in("review", "delta")
    Pool.objects.filter(pk=pool.pk).update(
        submission_starts=pool.submission_starts + timedelta(seconds=30, microseconds=123)
    )
    pool.refresh_from_db()
    client.force_login(make_staff(pool.district))
    response = client.post(url(pool), form_data(pool, voting_ends=pool.voting_ends + DAY))
    assert response.status_code == 302
    assert Pool.objects.get(pk=pool.pk).voting_ends == pool.voting_ends + DAY


@override_settings(TIME_ZONE="Europe/Istanbul")
def test_staff_pool_phases_reads_dates_in_local_time(client):
    pool = pool_in("submission", "izmit")
    client.force_login(make_staff(pool.district))
    data = form_data(pool)
    year = timezone.localtime(pool.voting_starts).year + 1
    data.update(
        voting_starts=f"{year}-05-01T00:00",
        voting_ends=f"{year}-05-15T20:00",
        results_starts=f"{year}-06-01T00:00",
    )
    response = client.post(url(pool), data)
    assert response.status_code == 302
    pool.refresh_from_db()
    assert pool.voting_starts == datetime(year, 4, 30, 21, 0, tzinfo=UTC)
    istanbul = ZoneInfo("Europe/Istanbul")
    assert pool.phase_at(datetime(year, 5, 1, tzinfo=istanbul) - timedelta(microseconds=1)) == (
        Phase.REVIEW
    )
    assert pool.phase_at(datetime(year, 5, 1, tzinfo=istanbul)) == Phase.VOTING


@override_settings(TIME_ZONE="Europe/Sofia")
def test_staff_pool_phases_ambiguous_dst_time_is_a_form_error(client):
    pool = pool_in("submission", "sredets")
    client.force_login(make_staff(pool.district))
    data = form_data(pool)
    year = timezone.localtime(pool.voting_starts).year + 1
    # The last Sunday of October: 03:30 happens twice in Sofia.
    last_sunday = max(
        datetime(year, 10, day) for day in range(25, 32) if datetime(year, 10, day).weekday() == 6
    )
    data.update(
        voting_starts=f"{year}-10-01T00:00",
        voting_ends=last_sunday.strftime("%Y-%m-%dT03:30"),
        results_starts=f"{year}-11-01T00:00",
    )
    response = client.post(url(pool), data)
    assert response.status_code == 400
    assert "voting_ends" in response.context["form"].errors
    assert Pool.objects.get(pk=pool.pk).voting_ends == pool.voting_ends
