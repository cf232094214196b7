import pytest
from django.contrib.auth.models import AnonymousUser

from civic.accounts.predicates import (
    is_admin_site_user,
    is_any_district_staff,
    is_city_admin,
    is_council_member,
    is_privileged,
)
from tests.factories import (
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_resident,
    make_staff,
)

pytestmark = pytest.mark.django_db


def _user(role: str):
    return {
        "anonymous": AnonymousUser,
        "plain": UserFactory,
        "resident": lambda: make_resident(DistrictFactory()),
        "staff": lambda: make_staff(DistrictFactory()),
        "council": make_council,
        "city_admin": make_city_admin,
        "admin_site": lambda: UserFactory(is_staff=True),
    }[role]()


@pytest.mark.parametrize(
    ("role", "admin", "council", "staff", "admin_site", "privileged"),
    [
        ("anonymous", False, False, False, False, False),
        ("plain", False, False, False, False, False),
        ("resident", False, False, False, False, False),
        ("staff", False, False, True, False, True),
        ("council", False, True, False, False, True),
        ("city_admin", True, False, False, True, True),
        ("admin_site", False, False, False, True, True),
    ],
)
def test_role_predicates(role, admin, council, staff, admin_site, privileged):
    user = _user(role)
    assert is_city_admin(user) is admin
    assert is_council_member(user) is council
    assert is_any_district_staff(user) is staff
    assert is_admin_site_user(user) is admin_site
    assert bool(is_privileged(user)) is privileged


def test_role_predicates_ignore_inactive_users():
    user = make_city_admin(is_active=False, is_council=True)
    assert not is_city_admin(user)
    assert not is_council_member(user)
    assert not is_admin_site_user(user)
