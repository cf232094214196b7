"""Authentication backends whose user lookup skips the ORM's query compilation.

`request.user` is loaded on every signed-in request: one SELECT of the user, and, where staff
must use a second factor (production), another asking whether the user is district staff.
These backends read both in one SELECT written once per database vendor (civic.rows) and
leave the answer on the user for `predicates.is_any_district_staff`. Sign-in itself
(`authenticate`) is Django's and allauth's, unchanged.
"""

import functools

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model

from civic.accounts.predicates import STAFF_KNOWN
from civic.rows import Rows


@functools.cache
def _user_rows() -> Rows:
    """Built on first use, once the apps are loaded."""
    from districts.models import StaffMembership

    user = get_user_model()
    pk = user._meta.pk.column
    member = StaffMembership._meta.get_field("user").column
    return Rows(
        [("u", user)],
        lambda quote, table: f"FROM {table(user)} u WHERE u.{quote(pk)} = %s",
        extras=lambda quote, table: [
            # Names from the models' metadata only; the id is a parameter.
            f"EXISTS (SELECT 1 FROM {table(StaffMembership)} m "  # noqa: S608
            f"WHERE m.{quote(member)} = u.{quote(pk)})"
        ],
    )


class _PrecompiledUser:
    def get_user(self, user_id):
        """The active user with this id, or None; notes whether they are district staff."""
        found = _user_rows().one([user_id])
        if found is None:
            return None
        (user,), (is_staff,) = found
        setattr(user, STAFF_KNOWN, bool(is_staff))
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_PrecompiledUser, django_backends.ModelBackend):
    """Django's ModelBackend (the admin's sign-in, test logins) with the precompiled lookup."""


class AuthenticationBackend(_PrecompiledUser, allauth_backends.AuthenticationBackend):
    """allauth's backend (every resident's sign-in) with the precompiled lookup."""
