import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import (
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_resident,
    make_staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def districts():
    return DistrictFactory(), DistrictFactory()


def _user(role, a, b):
    return {
        "anonymous": AnonymousUser,
        "resident_a": lambda: make_resident(a),
        "council": make_council,
        "staff_a": lambda: make_staff(a),
        "staff_b": lambda: make_staff(b),
        "city_admin": make_city_admin,
    }[role]()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("resident_a", False),
        ("council", False),
        ("staff_a", True),
        ("staff_b", False),
        ("city_admin", True),
    ],
)
def test_view_staff_area_of_district_a(districts, role, allowed):
    a, b = districts
    assert _user(role, a, b).has_perm("districts.view_staff_area", a) is allowed


def test_view_staff_area_inactive_staff_is_refused(districts):
    user = make_staff(districts[0], is_active=False)
    assert not user.has_perm("districts.view_staff_area", districts[0])


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("anonymous", False), ("unverified", True), ("resident_a", False)],
)
def test_verify_residency_only_for_signed_in_unverified_users(districts, role, allowed):
    a, b = districts
    user = UserFactory() if role == "unverified" else _user(role, a, b)
    assert user.has_perm("districts.verify_residency") is allowed
