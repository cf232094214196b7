import rules

# Set on a user by civic.accounts.backends: whether they held a staff membership when loaded.
STAFF_KNOWN = "_civic_is_district_staff"


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
    """The user holds a staff membership in at least one district.

    For `request.user` the authentication backend already asked, in the same SELECT that
    loaded the user (civic.accounts.backends), so signed-in requests pay no extra query.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    known = getattr(user, STAFF_KNOWN, None)
    if known is not None:
        return known
    return user.staff_memberships.exists()


@rules.predicate
def is_admin_site_user(user) -> bool:
    """The user may sign in to the Django admin (`is_staff`), whatever permissions it holds."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


# Who must use a second factor, and whose account is part of the public record.
is_privileged = is_city_admin | is_council_member | is_any_district_staff | is_admin_site_user


@rules.predicate
def may_close_own_account(user) -> bool:
    """A signed-in user with no role (district staff, council, administrator, admin site).

    Asked directly, not through `has_perm`: Django grants every permission to superusers.
    """
    # is_staff asked directly too: an inactive admin-site account is not closed here either.
    return bool(user.is_authenticated and not user.is_staff and not is_privileged(user))
