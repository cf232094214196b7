"""A resident proposes with the map and an image, staff finds it feasible, a visitor sees why."""

import io
from decimal import Decimal

import pytest
from PIL import Image

from proposals.models import Category, Proposal, Status
from tests.e2e.test_smoke import _axe_violations
from tests.factories import DistrictFactory, UserFactory, make_pool, make_resident, make_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(base_url + "/")


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "bench.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 60)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_proposal_from_submission_to_feasible(live_server, browser, photo):
    district = DistrictFactory(
        slug="mladost",
        name_en="Mladost",
        centre_lat=Decimal("42.6506"),
        centre_lon=Decimal("23.3790"),
    )
    make_pool(district=district, phase="submission")
    Category.objects.get_or_create(
        slug="parks-green", defaults={"name_en": "Parks and green spaces"}
    )
    resident = make_resident(district, email="resident@example.test")
    make_staff(district, email="staff@example.test")
    UserFactory(email="visitor@example.test")

    # The resident writes the proposal, picks the place on the map and adds a photo.
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    _sign_in(page, live_server.url, resident.email)
    page.goto(live_server.url + "/districts/mladost/proposals/new/")
    page.get_by_label("Title").fill("Benches around the pond")
    page.get_by_label("Summary").fill("Six benches along the path around the pond in Mladost 1.")
    page.get_by_label("Description").fill("The path has **no benches**; older people cannot rest.")
    page.get_by_label("Category").select_option(label="Parks and green spaces")
    page.get_by_label("Estimated cost").fill("4200")
    page.locator('[data-map="picker"]').click()
    assert page.get_by_label("Latitude").input_value() != ""
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/proposals/*/")
    proposal = Proposal.objects.get(title="Benches around the pond")
    assert proposal.status == Status.SUBMITTED
    assert proposal.latitude is not None
    assert proposal.images.count() == 1
    assert _axe_violations(page) == []
    context.close()

    # Staff of the district marks it feasible with a cost and a public note.
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, live_server.url, "staff@example.test")
    page.goto(f"{live_server.url}/staff/mladost/proposals/{proposal.pk}/")
    page.locator("summary", has_text="Mark as feasible").click()
    form = page.locator("form", has=page.locator("input[name=action][value=mark_feasible]"))
    form.get_by_label("District's cost estimate").fill("5000")
    form.get_by_label("Public note").fill("Checked on site: the path can take six benches.")
    form.get_by_role("button", name="Mark feasible").click()
    page.wait_for_function(
        "document.querySelector('#decision') && "
        "document.querySelector('#decision').innerText.includes('Feasible')"
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.staff_cost) == (Status.FEASIBLE, Decimal("5000"))
    context.close()

    # Anyone sees the decision and its reason in the public history.
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    main = page.locator("main").inner_text()
    assert "Checked on site: the path can take six benches." in main
    assert "€5,000" in main
    assert page.locator("main img").count() >= 1
    assert _axe_violations(page) == []
    context.close()


def test_comment_with_javascript_shows_errors_and_announces_the_post(live_server, page):
    from tests.proposals.factories import ProposalFactory

    proposal = ProposalFactory(title="Shade for the playground")
    resident = make_resident(proposal.pool.district)
    _sign_in(page, live_server.url, resident.email)
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    form = page.locator("form.comment-form").last
    form.get_by_role("button", name="Post comment").click()
    # htmx swaps the 400 answer in: the error is shown and tied to the field.
    error = page.locator("#comment-body-new_error")
    error.wait_for()
    assert page.get_by_label("Your comment").get_attribute("aria-describedby") == (
        "comment-body-new_error"
    )
    assert page.url.endswith(f"/proposals/{proposal.pk}/")  # no full reload
    page.get_by_label("Your comment").fill("Yes — and a drinking fountain, please.")
    page.locator("form.comment-form").last.get_by_role("button", name="Post comment").click()
    page.locator("#comments-status").get_by_text("Your comment was posted.").wait_for(
        state="attached"
    )
    assert page.get_by_text("Yes — and a drinking fountain, please.").is_visible()
    assert _axe_violations(page) == []


def test_map_speaks_the_page_language(live_server, page):
    """Leaflet's own labels are English: the zoom buttons, each marker's image and the
    popup's close button get the page's language and the proposal's title instead."""
    from tests.proposals.factories import ProposalFactory

    district = DistrictFactory(centre_lat=Decimal("42.69"), centre_lon=Decimal("23.32"))
    ProposalFactory(
        pool=make_pool(district=district),
        title="Пейки в парка",
        latitude=Decimal("42.690000"),
        longitude=Decimal("23.320000"),
    )
    page.goto(f"{live_server.url}/proposals/map/?district={district.slug}")
    page.select_option("#language-select", "bg")
    page.locator(".language-form button").click()
    assert page.locator("html").get_attribute("lang") == "bg"
    marker = page.get_by_role("button", name="Пейки в парка")
    marker.wait_for()
    assert page.locator(".leaflet-marker-icon").first.get_attribute("alt") == "Пейки в парка"
    assert page.get_by_role("button", name="Увеличаване").is_visible()
    assert page.get_by_role("button", name="Намаляване").is_visible()
    marker.click()
    popup = page.locator(".leaflet-popup")
    popup.get_by_role("link", name="Пейки в парка").wait_for()
    popup.get_by_role("button", name="Затваряне").click()
    popup.wait_for(state="detached")
    assert _axe_violations(page) == []
