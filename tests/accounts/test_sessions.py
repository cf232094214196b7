"""The session store, which reads the session and its user in one SELECT, and the
authentication backends that take that user or read it without the ORM's compiler
(civic/accounts/sessions.py, civic/accounts/backends.py, civic/rows.py)."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civic.accounts.backends import AuthenticationBackend, ModelBackend
from civic.accounts.models import Session
from civic.accounts.predicates import STAFF_KNOWN, is_any_district_staff
from civic.accounts.sessions import SessionStore, loaded_user
from districts.models import StaffMembership
from tests.accounts.test_views import PASSWORD
from tests.factories import DistrictFactory, UserFactory, make_resident, make_staff

pytestmark = pytest.mark.django_db


def test_sessions_use_the_precompiled_store():
    assert settings.SESSION_ENGINE == "civic.accounts.sessions"


def test_session_round_trip_reads_what_was_saved():
    store = SessionStore()
    store["answer"] = {"a": [1, "two"], "é": "ü"}
    store.create()
    key = store.session_key
    again = SessionStore(session_key=key)
    assert again["answer"] == {"a": [1, "two"], "é": "ü"}
    assert again.session_key == key


def test_session_expired_or_unknown_reads_empty_and_forgets_its_key():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(session_key=store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    unknown = SessionStore(session_key="x" * 32)
    assert unknown.get("answer") is None
    assert unknown.session_key is None


def test_session_tampered_data_reads_empty():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    Session.objects.filter(pk=store.session_key).update(session_data="forged:data")
    assert SessionStore(session_key=store.session_key).load() == {}


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_backend_get_user_equals_the_orm(backend):
    user = UserFactory(preferred_language="tr", is_council=True)
    got = backend().get_user(user.pk)
    expected = type(user).objects.get(pk=user.pk)
    for field in type(user)._meta.concrete_fields:
        assert getattr(got, field.attname) == getattr(expected, field.attname), field.name
    assert got._state.adding is False and got._state.db == "default"
    assert backend().get_user(user.pk + 1000) is None


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_backend_refuses_inactive_users(backend):
    user = UserFactory(is_active=False)
    assert backend().get_user(user.pk) is None


def test_backend_notes_staff_membership_and_the_predicate_uses_it():
    district = DistrictFactory()
    staff, resident = make_staff(district), make_resident(district)
    loaded_staff = AuthenticationBackend().get_user(staff.pk)
    loaded_resident = AuthenticationBackend().get_user(resident.pk)
    assert getattr(loaded_staff, STAFF_KNOWN) is True
    assert getattr(loaded_resident, STAFF_KNOWN) is False
    with CaptureQueriesContext(connection) as queries:
        assert is_any_district_staff(loaded_staff) is True
        assert is_any_district_staff(loaded_resident) is False
    assert len(queries) == 0
    # A user loaded any other way still gets asked.
    plain = type(staff).objects.get(pk=staff.pk)
    with CaptureQueriesContext(connection) as queries:
        assert is_any_district_staff(plain) is True
    assert len(queries) == 1


def test_signed_in_request_reads_session_and_user_in_one_query(client):
    """Session, user and the staff question in one SELECT: nothing more for the MFA check."""
    district = DistrictFactory()
    resident = make_resident(district)
    client.force_login(resident)
    assert client.session[BACKEND_SESSION_KEY] in settings.AUTHENTICATION_BACKENDS
    with (
        override_settings(CIVIC_REQUIRE_MFA_FOR_PRIVILEGED=True),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get("/accounts/email/")
    assert response.status_code == 200
    assert response.context["user"] == resident
    sql = [query["sql"] for query in queries]
    assert "accounts_session" in sql[0] and "accounts_user" in sql[0]
    assert "districts_staffmembership" in sql[0]
    assert not any("accounts_session" in text for text in sql[1:]), "\n".join(sql)
    assert not any('FROM "accounts_user"' in text for text in sql[1:]), "\n".join(sql)
    assert not any("districts_staffmembership" in text for text in sql[1:]), "\n".join(sql)


def test_session_row_names_its_user_from_sign_in_to_sign_out(client):
    user = UserFactory(email="voter@example.test")
    client.get("/accounts/login/")  # an anonymous session (CSRF, language) may exist first
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.get(pk=key).user_id == user.pk
    client.post("/accounts/logout/")
    assert not Session.objects.filter(pk=key).exists()
    assert not Session.objects.filter(user=user).exists()


def test_session_without_a_user_loads_none_and_leaves_no_user_behind():
    user = UserFactory()
    signed_in = SessionStore()
    signed_in[SESSION_KEY] = str(user.pk)
    signed_in.create()
    anonymous = SessionStore()
    anonymous["answer"] = 42
    anonymous.create()
    assert Session.objects.get(pk=anonymous.session_key).user_id is None
    SessionStore(session_key=signed_in.session_key).load()
    # A later load of a session without a user (or of no session) forgets the earlier user.
    assert SessionStore(session_key=anonymous.session_key).load() == {"answer": 42}
    assert loaded_user(user.pk) is None
    SessionStore(session_key=signed_in.session_key).load()
    assert SessionStore(session_key="x" * 32).load() == {}
    assert loaded_user(user.pk) is None


def test_session_with_a_forged_user_id_stores_no_user():
    store = SessionStore()
    store[SESSION_KEY] = "1; DROP TABLE accounts_user"
    store.create()
    assert Session.objects.get(pk=store.session_key).user_id is None


def test_loaded_user_is_taken_once_and_only_for_its_own_id():
    user, other = UserFactory(), UserFactory()
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store.create()
    SessionStore(session_key=store.session_key).load()
    with CaptureQueriesContext(connection) as queries:
        assert AuthenticationBackend().get_user(other.pk) == other
    assert len(queries) == 1  # the other id: read, not the loaded user
    SessionStore(session_key=store.session_key).load()
    with CaptureQueriesContext(connection) as queries:
        got = AuthenticationBackend().get_user(user.pk)
        assert got == user and getattr(got, STAFF_KNOWN) is False
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        assert AuthenticationBackend().get_user(user.pk) == user
    assert len(queries) == 1  # taken already: read again


def test_session_user_deactivated_or_password_changed_is_signed_out(client):
    """The user read with the session still passes Django's checks: active, auth hash."""
    district = DistrictFactory()
    user = make_resident(district)
    client.force_login(user)
    assert client.get("/accounts/email/").status_code == 200
    user.set_password("a-new-long-password-1")
    user.save()
    response = client.get("/accounts/email/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    other = make_resident(district)
    client.force_login(other)
    type(other).objects.filter(pk=other.pk).update(is_active=False)
    response = client.get("/accounts/email/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_deleting_a_user_ends_their_sessions(client):
    user = UserFactory()
    client.force_login(user)
    assert Session.objects.filter(user=user).count() == 1
    user.delete()
    assert not Session.objects.exists()


@override_settings(CIVIC_REQUIRE_MFA_FOR_PRIVILEGED=True)
def test_staff_made_during_a_session_must_enrol_on_the_next_request(client):
    """The staff answer is per request: a membership granted mid-session counts at once."""
    district = DistrictFactory()
    user = make_resident(district)
    client.force_login(user)
    assert client.get("/accounts/email/").status_code == 200
    StaffMembership.objects.create(user=user, district=district)
    response = client.get("/")
    assert response.status_code == 302
    assert "totp" in response["Location"]
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    assert client.get("/").status_code == 200


def test_sign_in_through_allauth_uses_the_precompiled_backend(client):
    user = UserFactory(email="voter@example.test")
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session[BACKEND_SESSION_KEY].startswith("civic.accounts.backends.")
    assert client.get("/accounts/email/").status_code == 200


def test_a_user_loaded_and_not_taken_is_forgotten_when_the_next_request_starts(client):
    user = UserFactory()
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store.create()
    SessionStore(session_key=store.session_key).load()
    client.get("/")  # any request, even one without a session
    assert loaded_user(user.pk) is None


@pytest.mark.django_db(transaction=True)
def test_session_saved_for_a_user_deleted_meanwhile_is_saved_and_reads_signed_out(client):
    """No endless retry: Django's store tries a new key for ever when an insert fails."""
    user = UserFactory()
    user_id = user.pk
    user.delete()
    store = SessionStore()
    store[SESSION_KEY] = str(user_id)
    store.create()
    assert Session.objects.get(pk=store.session_key).user_id == user_id
    assert SessionStore(session_key=store.session_key).load() == {SESSION_KEY: str(user_id)}
    assert loaded_user(user_id) is None
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    response = client.get("/accounts/email/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
