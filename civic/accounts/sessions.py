"""Database sessions that bring their signed-in user along (SESSION_ENGINE).

Every signed-in request reads its session and then its user. Django's database sessions keep
the user's id inside the encoded data, so that takes two queries, each compiled by the ORM
again. Here the session row (civic.accounts.models.Session) also has the user's id as a
column, and one SELECT, written once per database vendor (civic.rows), reads the session, its
user and whether that user is district staff. The user waits in a context variable until the
authentication backend (civic.accounts.backends) asks for that same id, which it takes
instead of querying; Django still checks the session's auth hash against it as usual. It is
forgotten when the next session is read or the next request starts.

Everything else is Django's database sessions: the writes, expiry and `clearsessions`.
"""

import functools
from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone

from civic.accounts.predicates import STAFF_KNOWN
from civic.rows import Rows

# The user read with the session in this request (thread, task), until the backend takes it.
_LOADED_USER: ContextVar = ContextVar("civic_session_user", default=None)


def staff_exists(quote, table, user_alias: str) -> str:
    """SQL: whether the user under `user_alias` holds a district staff membership."""
    from districts.models import StaffMembership

    pk = get_user_model()._meta.pk.column
    member = StaffMembership._meta.get_field("user").column
    # Names from the models' metadata only; values are parameters.
    return (
        f"EXISTS (SELECT 1 FROM {table(StaffMembership)} m "  # noqa: S608
        f"WHERE m.{quote(member)} = {user_alias}.{quote(pk)})"
    )


@functools.cache
def _session_rows() -> Rows:
    """Built on first use, once the apps are loaded."""
    from civic.accounts.models import Session

    user = get_user_model()
    column = Session._meta.get_field("user").column
    return Rows(
        [("s", Session), ("u", user)],
        lambda quote, table: (
            f"FROM {table(Session)} s LEFT JOIN {table(user)} u "
            f"ON u.{quote(user._meta.pk.column)} = s.{quote(column)} "
            f"WHERE s.{quote('session_key')} = %s AND s.{quote('expire_date')} > %s"
        ),
        extras=lambda quote, table: [staff_exists(quote, table, "u")],
        optional={"u"},
    )


def loaded_user(user_id):
    """The user read with this request's session, if it has this id (taken: asked once)."""
    user = _LOADED_USER.get()
    if user is None:
        return None
    _LOADED_USER.set(None)
    return user if str(user.pk) == str(user_id) else None


def forget_loaded_user(**kwargs) -> None:
    """Drop a user read with a session and not taken (connected to `request_started`)."""
    _LOADED_USER.set(None)


class SessionStore(db.SessionStore):
    """Django's database session store on civic's session table, reading its user along."""

    @classmethod
    def get_model_class(cls):
        from civic.accounts.models import Session

        return Session

    def _get_session_from_db(self):
        _LOADED_USER.set(None)
        using = router.db_for_read(self.model)
        now = connections[using].ops.adapt_datetimefield_value(timezone.now())
        found = _session_rows().one([self.session_key, now], using=using)
        if found is None:
            self._session_key = None
            return None
        (session, user), (is_staff,) = found
        if user is not None:
            setattr(user, STAFF_KNOWN, bool(is_staff))
            _LOADED_USER.set(user)
        return session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data.get(SESSION_KEY))
        return session


def _user_id(value):
    """The signed-in user's id as the column stores it; None if the session has none."""
    if value is None:
        return None
    try:
        return get_user_model()._meta.pk.to_python(value)
    except ValidationError:
        return None
