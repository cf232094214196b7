"""The session store and the authentication backends that read without the ORM's compiler
(civic/accounts/sessions.py, civic/accounts/backends.py, civic/rows.py)."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civic.accounts.backends import AuthenticationBackend, ModelBackend
from civic.accounts.predicates import STAFF_KNOWN, is_any_district_staff
from civic.accounts.sessions import SessionStore
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


def test_signed_in_request_reads_session_and_user_in_two_queries(client):
    """Session, then the user with the staff question: no third query for the MFA check."""
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
    sql = [query["sql"] for query in queries]
    assert "django_session" in sql[0]
    assert "accounts_user" in sql[1] and "districts_staffmembership" in sql[1]
    assert not any("districts_staffmembership" in text for text in sql[2:]), "\n".join(sql)


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
