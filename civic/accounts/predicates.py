import rules


@rules.predicate
def is_city_admin(user) -> bool:
    """A city admin is an active superuser."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


@rules.predicate
def is_council_member(user) -> bool:
    """A council member reads and approves reports; sees nothing personal."""
    return bool(user.is_authenticated and user.is_active and user.is_council)


@rules.predicate
def is_any_district_staff(user) -> bool:
    """The user holds a staff membership in at least one district."""
    return bool(user.is_authenticated and user.is_active and user.staff_memberships.exists())


is_privileged = is_city_admin | is_council_member | is_any_district_staff
