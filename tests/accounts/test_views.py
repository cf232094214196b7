import json
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

from civic.accounts.models import User
from tests.factories import (
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # UserFactory's
COOKIE = settings.LANGUAGE_COOKIE_NAME


def page_language(client, path: str = "/") -> str:
    html = client.get(path).content.decode()
    return re.search(r'<html lang="([^"]+)">', html).group(1)


# Language ------------------------------------------------------------------------------------


def test_set_language_saves_preferred_language_of_signed_in_user(client):
    user = UserFactory(preferred_language="en")
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "tr", "next": "/"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).preferred_language == "tr"
    assert response.cookies[COOKIE].value == "tr"
    assert page_language(client) == "tr"


def test_set_language_unknown_language_keeps_preference(client):
    user = UserFactory(preferred_language="bg")
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert User.objects.get(pk=user.pk).preferred_language == "bg"


def test_set_language_anonymous_sets_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "bg", "next": "/"})
    assert response.cookies[COOKIE].value == "bg"
    assert page_language(client) == "bg"


def test_set_language_refuses_get(client):
    assert client.get("/i18n/setlang/?language=bg").status_code == 405


def test_preferred_language_used_for_signed_in_user_without_cookie(client):
    client.force_login(UserFactory(preferred_language="bg"))
    assert page_language(client) == "bg"


def test_login_applies_preferred_language(client):
    user = UserFactory(email="vesela@example.test", preferred_language="bg")
    client.cookies[COOKIE] = "en"  # what the visitor read the login page in
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert response.cookies[COOKIE].value == "bg"
    assert page_language(client) == "bg"


def test_login_email_is_case_insensitive(client):
    user = UserFactory(email="mehmet@example.test")
    response = client.post(
        "/accounts/login/", {"login": "Mehmet@Example.TEST", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_wrong_password_is_refused(client):
    user = UserFactory()
    response = client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# Signup --------------------------------------------------------------------------------------


def test_signup_page_renders(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="email"' in html and 'name="password1"' in html
    assert 'name="username"' not in html


def test_signup_requires_email_verification(client):
    data = {
        "email": "New.Resident@Example.test",
        "password1": "a-long-pass-42",
        "password2": "a-long-pass-42",
    }
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email__iexact="new.resident@example.test")
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject.startswith("[civic] ")
    # Signing in before confirming sends the visitor back to the confirmation notice.
    client.post("/accounts/login/", {"login": user.email, "password": "a-long-pass-42"})
    assert "_auth_user_id" not in client.session
    # Following the link in the mail verifies the address and signs in.
    link = re.search(r"/accounts/confirm-email/[^/\s]+/", message.body).group(0)
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_keeps_the_language_the_visitor_used(client):
    client.cookies[COOKIE] = "tr"
    data = {
        "email": "ayse@example.test",
        "password1": "a-long-pass-42",
        "password2": "a-long-pass-42",
    }
    client.post("/accounts/signup/", data)
    assert User.objects.get(email="ayse@example.test").preferred_language == "tr"


def test_signup_with_existing_email_in_other_case_is_refused(client):
    UserFactory(email="taken@example.test")
    data = {
        "email": "TAKEN@example.test",
        "password1": "a-long-pass-42",
        "password2": "a-long-pass-42",
    }
    response = client.post("/accounts/signup/", data)
    assert User.objects.filter(email__iexact="taken@example.test").count() == 1
    assert response.status_code in (200, 302)


# MFA for privileged users --------------------------------------------------------------------


@pytest.fixture
def district():
    return make_pool(phase="review").district


PRIVILEGED = {
    "staff": lambda d: make_staff(d),
    "council": lambda d: make_council(),
    "city_admin": lambda d: make_city_admin(),
    # Signs in to the Django admin with whatever model permissions it was given.
    "admin_site": lambda d: UserFactory(is_staff=True),
}


@override_settings(CIVIC_REQUIRE_MFA_FOR_PRIVILEGED=True)
@pytest.mark.parametrize("role", sorted(PRIVILEGED))
def test_require_mfa_redirects_privileged_user_without_totp(client, district, role):
    client.force_login(PRIVILEGED[role](district))
    for path in (f"/staff/{district.slug}/", "/", "/me/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/totp/activate/"


@override_settings(CIVIC_REQUIRE_MFA_FOR_PRIVILEGED=True)
def test_require_mfa_lets_enrolment_pages_through(client, district):
    client.force_login(make_staff(district))
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code in (200, 302)
    assert response.get("Location") != "/accounts/2fa/totp/activate/"
    assert client.get("/healthz").status_code == 200


@override_settings(CIVIC_REQUIRE_MFA_FOR_PRIVILEGED=True)
def test_require_mfa_lets_resident_through(client, district):
    client.force_login(make_resident(district))
    assert client.get("/").status_code == 200
    assert client.get("/residency/").status_code == 200
    assert client.get(f"/staff/{district.slug}/").status_code == 403


@override_settings(CIVIC_REQUIRE_MFA_FOR_PRIVILEGED=True)
def test_require_mfa_lets_staff_with_totp_through(client, district):
    user = make_staff(district)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    assert client.get(f"/staff/{district.slug}/").status_code == 200


@override_settings(CIVIC_REQUIRE_MFA_FOR_PRIVILEGED=True)
def test_require_mfa_recovery_codes_alone_are_not_enough(client, district):
    user = make_staff(district)
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={})
    client.force_login(user)
    assert client.get(f"/staff/{district.slug}/")["Location"] == "/accounts/2fa/totp/activate/"


@override_settings(CIVIC_REQUIRE_MFA_FOR_PRIVILEGED=False)
def test_require_mfa_off_lets_staff_through(client, district):
    client.force_login(make_staff(district))
    assert client.get(f"/staff/{district.slug}/").status_code == 200


# Profile -------------------------------------------------------------------------------------


def test_profile_requires_login(client):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_shows_residency_and_staff_districts(client):
    home = DistrictFactory(name_en="Vitosha")
    work = DistrictFactory(name_en="Lyulin", slug="lyulin")
    user = make_resident(home)
    user.staff_memberships.create(district=work)
    client.force_login(user)
    html = client.get("/me/").content.decode()
    assert "You are a verified resident of Vitosha" in html
    assert 'href="/staff/lyulin/"' in html


def _signed_in_browser(user) -> Client:
    browser = Client()
    response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_profile_says_where_else_the_user_is_signed_in(client):
    user = UserFactory()
    here = _signed_in_browser(user)
    assert "You are signed in only here." in here.get("/me/").content.decode()
    _signed_in_browser(user), _signed_in_browser(user)
    _signed_in_browser(UserFactory())  # someone else's
    html = here.get("/me/").content.decode()
    assert "You are also signed in on 2 other browsers or devices." in html
    assert 'action="/me/sessions/end-others/"' in html


def test_sessions_end_others_signs_out_the_other_browsers_only():
    user, neighbour = UserFactory(), UserFactory()
    here, phone = _signed_in_browser(user), _signed_in_browser(user)
    theirs = _signed_in_browser(neighbour)
    response = here.post("/me/sessions/end-others/", follow=True)
    assert response.redirect_chain == [("/me/", 302)]
    html = response.content.decode()
    assert "You were signed out on 1 other browser or device." in html
    assert "You are signed in only here." in html
    assert here.get("/me/").status_code == 200
    assert phone.get("/me/")["Location"].startswith("/accounts/login/")
    assert theirs.get("/me/").status_code == 200
    again = here.post("/me/sessions/end-others/", follow=True).content.decode()
    assert "You were not signed in anywhere else." in again


def test_sessions_end_others_refuses_get_anonymous_and_a_missing_csrf_token():
    user = UserFactory()
    phone = _signed_in_browser(user)
    here = Client(enforce_csrf_checks=True)
    here.force_login(user)
    assert here.get("/me/sessions/end-others/").status_code == 405
    assert here.post("/me/sessions/end-others/").status_code == 403
    anonymous = Client().post("/me/sessions/end-others/")
    assert anonymous["Location"].startswith("/accounts/login/")
    assert phone.get("/me/").status_code == 200


def test_delete_page_says_what_goes_and_what_stays(client):
    anonymous = client.get("/me/delete/")
    assert anonymous["Location"].startswith("/accounts/login/")
    user = make_resident(DistrictFactory())
    client.force_login(user)
    assert 'href="/me/delete/"' in client.get("/me/").content.decode()
    html = client.get("/me/delete/").content.decode()
    assert "A ballot you cast stays counted:" in html
    assert 'action="/me/delete/"' in html
    assert User.objects.filter(pk=user.pk).exists()  # reading the page deletes nothing


def test_delete_asks_for_the_password_again_then_closes_the_account():
    user = make_resident(DistrictFactory())
    browser, phone = _signed_in_browser(user), _signed_in_browser(user)
    response = browser.post("/me/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Fme%2Fdelete%2F"
    assert User.objects.filter(pk=user.pk).exists()
    wrong = browser.post("/accounts/reauthenticate/?next=/me/delete/", {"password": "nope"})
    assert wrong.status_code == 200 and User.objects.filter(pk=user.pk).exists()
    # allauth replays the suspended POST once the password is right.
    done = browser.post(
        "/accounts/reauthenticate/?next=/me/delete/", {"password": PASSWORD}, follow=True
    )
    assert done.redirect_chain == [("/", 302)]
    assert "Your account was deleted." in done.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()
    assert browser.get("/me/")["Location"].startswith("/accounts/login/")
    assert phone.get("/me/")["Location"].startswith("/accounts/login/")
    again = Client().post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert again.status_code == 200  # the sign-in form again, with its error


def test_delete_soon_after_the_password_asks_no_more(client):
    user = make_resident(DistrictFactory())
    client.force_login(user)
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    assert client.post("/me/delete/")["Location"] == "/"
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize("role", ["staff", "council", "city admin"])
def test_delete_refused_to_accounts_with_a_role(client, role):
    district = DistrictFactory()
    user = {
        "staff": lambda: make_staff(district),
        "council": make_council,
        "city admin": make_city_admin,
    }[role]()
    client.force_login(user)
    page = client.get("/me/delete/").content.decode()
    assert "part of the public record" in page and 'action="/me/delete/"' not in page
    refused = client.post("/me/delete/")  # refused at once: no password asked for nothing
    assert refused.status_code == 400
    assert "part of the public record" in refused.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    assert client.get("/me/").status_code == 200


def test_delete_refuses_a_post_without_its_csrf_token():
    user = make_resident(DistrictFactory())
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.post("/me/delete/").status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_profile_of_unverified_user_links_to_verification(client):
    client.force_login(UserFactory())
    html = client.get("/me/").content.decode()
    assert 'href="/residency/"' in html


# Downloading one's data ---------------------------------------------------------------------


def test_data_download_asks_for_the_password_again_then_gives_the_json_file():
    user = make_resident(DistrictFactory())
    browser = _signed_in_browser(user)
    assert 'href="/me/data/"' in browser.get("/me/").content.decode()
    asked = browser.get("/me/data/")
    assert asked.status_code == 302
    assert asked["Location"] == "/accounts/reauthenticate/?next=%2Fme%2Fdata%2F"
    given = browser.post(
        "/accounts/reauthenticate/?next=/me/data/", {"password": PASSWORD}, follow=True
    )
    assert given.redirect_chain[-1] == ("/me/data/", 302)
    assert given["Content-Type"] == "application/json"
    assert given["Content-Disposition"].startswith('attachment; filename="civic-my-data-')
    assert "no-store" in given["Cache-Control"]
    data = json.loads(given.content)
    assert data["account"]["email"] == user.email
    assert data["signed_in_browsers"] == 1


def test_data_download_refused_to_anonymous_and_to_post(client):
    assert client.get("/me/data/")["Location"].startswith("/accounts/login/")
    user = UserFactory()
    client.force_login(user)
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    assert client.post("/me/data/").status_code == 405
    mine = json.loads(client.get("/me/data/").content)
    assert mine["account"]["email"] == user.email  # only ever the signed-in user's own data
