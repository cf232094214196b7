import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import (
    DistrictFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
)

pytestmark = pytest.mark.django_db


def _user(role, pool, other_district):
    return {
        "anonymous": AnonymousUser,
        "resident": lambda: make_resident(pool.district),
        "council": make_council,
        "staff": lambda: make_staff(pool.district),
        "staff_elsewhere": lambda: make_staff(other_district),
        "city_admin": make_city_admin,
    }[role]()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("resident", False),
        ("council", False),
        ("staff", True),
        ("staff_elsewhere", False),
        ("city_admin", True),
    ],
)
@pytest.mark.parametrize("phase", ["draft", "submission", "review", "voting", "tallying"])
def test_change_pool_phases_until_results(role, allowed, phase):
    pool = make_pool(phase=phase)
    user = _user(role, pool, DistrictFactory())
    assert user.has_perm("budgets.change_pool_phases", pool) is allowed


@pytest.mark.parametrize("role", ["staff", "city_admin"])
def test_change_pool_phases_refused_once_results_are_out(role):
    # The rule ANDs `pool_phase_dates_editable` for admins too; a superuser must not
    # bypass it through Django's "superusers have every permission" shortcut.
    pool = make_pool(phase="results")
    user = _user(role, pool, DistrictFactory())
    assert not user.has_perm("budgets.change_pool_phases", pool)
