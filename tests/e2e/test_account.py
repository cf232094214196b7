"""The account page in a real browser: checked with axe-core in each language, signing
out everywhere else, which a second browser then notices, downloading one's data and
closing the account."""

import json
from pathlib import Path

import pytest

from tests.e2e.test_smoke import _axe_violations
from tests.e2e.test_voting import _sign_in
from tests.factories import DistrictFactory, make_resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXPECTED = {
    "en": ("Sign out everywhere else", "You were signed out on 1 other browser or device."),
    "bg": (
        "Изход от всички други устройства",
        "Излязохте от профила си на 1 друг браузър или устройство.",
    ),
    "tr": (
        "Diğer her yerde oturumu kapat",
        "1 başka tarayıcı veya cihazda oturumunuz kapatıldı.",
    ),
}


@pytest.mark.parametrize("language", ["en", "bg", "tr"])
def test_sign_out_everywhere_else(live_server, browser, language):
    resident = make_resident(DistrictFactory(), preferred_language=language)
    # The phone: signed in, and without JavaScript, as every page must work.
    phone_context = browser.new_context(java_script_enabled=False)
    phone = phone_context.new_page()
    _sign_in(phone, live_server.url, resident.email)
    laptop_context = browser.new_context(viewport={"width": 360, "height": 780})
    laptop = laptop_context.new_page()
    _sign_in(laptop, live_server.url, resident.email)

    laptop.goto(live_server.url + "/me/")
    button, done = EXPECTED[language]
    assert laptop.locator("html").get_attribute("lang") == language
    assert _axe_violations(laptop) == []
    laptop.get_by_role("button", name=button).click()
    laptop.get_by_text(done).wait_for()
    assert _axe_violations(laptop) == []

    phone.goto(live_server.url + "/me/")
    assert "/accounts/login/" in phone.url
    laptop.goto(live_server.url + "/me/")
    assert laptop.url == live_server.url + "/me/"
    phone_context.close()
    laptop_context.close()


def test_delete_account_with_the_password_asked_again(live_server, page):
    from civic.accounts.models import User

    resident = make_resident(DistrictFactory(), preferred_language="bg")
    _sign_in(page, live_server.url, resident.email)
    page.goto(live_server.url + "/me/")
    page.get_by_role("link", name="Изтриване на профила ми").click()
    page.get_by_role("heading", level=1, name="Изтриване на профила ми").wait_for()
    assert _axe_violations(page) == []
    page.get_by_role("button", name="Изтриване на профила ми завинаги").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert _axe_violations(page) == []
    page.locator("input[type=password]").fill("correct horse battery")
    page.get_by_role("button", name="Потвърди").click()
    page.get_by_text("Профилът ви беше изтрит.").wait_for()
    assert page.url == live_server.url + "/"
    assert not User.objects.filter(pk=resident.pk).exists()


def test_download_my_data_with_the_password_asked_again(live_server, page):
    resident = make_resident(DistrictFactory(), preferred_language="tr")
    _sign_in(page, live_server.url, resident.email)
    page.goto(live_server.url + "/me/")
    page.get_by_role("link", name="Verilerimi indir (JSON)").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.locator("input[type=password]").fill("correct horse battery")
    with page.expect_download() as download:
        page.get_by_role("button", name="Onayla").click()
    assert download.value.suggested_filename.startswith("civic-my-data-")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == resident.email
    assert data["residency"]["birth_year"] == 1980
