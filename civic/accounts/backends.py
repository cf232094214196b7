"""Authentication backends whose user lookup costs no query of its own, or one precompiled.

`request.user` is loaded on every signed-in request: the user, and, where staff must use a
second factor (production), whether the user is district staff. The session store
(civic.accounts.sessions) has already read both with the session; these backends take that
user. A user not read that way is read with one SELECT written once per database vendor
(civic.rows). Either way the staff answer is left on the user for
`predicates.is_any_district_staff`. Sign-in itself (`authenticate`) is Django's and
allauth's, unchanged.
"""

import functools

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model

from civic.accounts.predicates import STAFF_KNOWN
from civic.accounts.sessions import loaded_user, staff_exists
from civic.rows import Rows


@functools.cache
def _user_rows() -> Rows:
    """Built on first use, once the apps are loaded."""
    user = get_user_model()
    pk = user._meta.pk.column
    return Rows(
        [("u", user)],
        lambda quote, table: f"FROM {table(user)} u WHERE u.{quote(pk)} = %s",
        extras=lambda quote, table: [staff_exists(quote, table, "u")],
    )


class _PrecompiledUser:
    def get_user(self, user_id):
        """The active user with this id, or None; notes whether they are district staff."""
        user = loaded_user(user_id)
        if user is None:
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
