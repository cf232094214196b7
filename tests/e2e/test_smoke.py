"""The home page in en, bg and tr, in a real browser at phone width, checked with axe-core."""

from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"

EXPECTED = {
    "en": ("Participatory budget of Sofia", ["Mladost", "Lyulin", "Sredets"]),
    "bg": ("Бюджет с участие на София", ["Младост", "Люлин", "Средец"]),
    "tr": ("Sofya katılımcı bütçesi", ["Mladost", "Lyulin", "Sredets"]),
}


@pytest.fixture
def demo_city():
    call_command("demo_data", verbosity=0)


def _axe_violations(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text())
    tags = "['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']"
    result = page.evaluate(f"async () => await axe.run(document, {{runOnly: {tags}}})")
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize("language", ["en", "bg", "tr"])
def test_home_page_in_each_language(live_server, page, demo_city, language):
    page.goto(live_server.url + "/")
    page.select_option("#language-select", language)
    page.locator(".language-form button").click()
    heading, districts = EXPECTED[language]
    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_role("heading", level=1).inner_text() == heading
    cards = page.locator(".card-title").all_inner_texts()
    for name in districts:
        assert name in cards
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert _axe_violations(page) == []


def test_home_page_works_without_javascript(live_server, browser, demo_city):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.goto(live_server.url + "/districts/mladost/")
    page.select_option("#language-select", "bg")
    page.locator(".language-form button").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Младост"
    assert page.locator("html").get_attribute("lang") == "bg"
    context.close()


def _sign_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("civic-demo")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(base_url + "/")


@pytest.mark.parametrize(
    "path",
    ["/districts/mladost/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"],
)
def test_public_pages_pass_axe(live_server, page, demo_city, path):
    page.goto(live_server.url + path)
    assert _axe_violations(page) == []


def test_staff_pages_pass_axe(live_server, page, demo_city):
    _sign_in(page, live_server.url, "staff@mladost.civic.test")
    page.goto(live_server.url + "/staff/")
    assert page.get_by_role("heading", level=1).inner_text() == "Staff area: Mladost"
    assert _axe_violations(page) == []
    page.get_by_role("link", name="Change phase dates").first.click()
    assert page.get_by_label("Voting opens").is_visible()
    assert _axe_violations(page) == []


def test_resident_verification_page_passes_axe(live_server, page, demo_city):
    from tests.factories import UserFactory

    UserFactory(email="newcomer@example.test", password="civic-demo")
    _sign_in(page, live_server.url, "newcomer@example.test")
    page.goto(live_server.url + "/residency/")
    page.get_by_label("National id number").fill("9001000021")
    page.get_by_label("Year of birth").fill("1964")
    page.get_by_role("button", name="Verify").click()
    assert "No census record matches" in page.locator(".form-errors").inner_text()
    assert _axe_violations(page) == []
    page.get_by_label("Year of birth").fill("1965")
    page.get_by_label("National id number").fill("9001000021")
    page.get_by_role("button", name="Verify").click()
    assert "verified resident of Sredets" in page.locator("main").inner_text()
