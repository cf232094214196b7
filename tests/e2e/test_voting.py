"""A resident votes in the browser in each method: the summary follows the choices without a
reload, impossible choices explain themselves, the ballot is reviewed, cast and changed, each
cast gives a new receipt, and every page on the way passes axe-core. Without JavaScript the
same ballot works with full round trips."""

import re

import pytest

from budgets.models import Ballot
from tests.budgets.factories import make_voting_pool
from tests.e2e.test_smoke import _axe_violations
from tests.factories import DistrictFactory, make_resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECEIPT = re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}")


def _sign_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(base_url + "/")


def _open_ballot(live_server, page, method: str, *, javascript: bool = True, **fields):
    district = DistrictFactory(slug=f"vote-{method}", name_en=f"Vote {method}")
    pool, items = make_voting_pool(district=district, method=method, **fields)
    resident = make_resident(district)
    _sign_in(page, live_server.url, resident.email)
    _goto_ballot(page, f"{live_server.url}/vote/{pool.pk}/", javascript=javascript)
    return pool, items


def _goto_ballot(page, url: str | None = None, *, javascript: bool = True) -> None:
    """Open the ballot (or wait for it) and, with JavaScript, mark this page load and its
    live region so that later checks can tell an htmx update from a reload."""
    if url:
        page.goto(url)
    page.get_by_role("heading", level=1, name="Your ballot").wait_for()
    if javascript:
        page.evaluate(
            "() => { window.civicLoad = 'ballot';"
            " window.civicSummary = document.getElementById('ballot-summary'); }"
        )


def _wait_summary(page, text: str) -> None:
    """Wait for the summary to say `text` (a figure's label and value may be split; a figure
    is matched whole, so "Points left 1" does not match "Points left 10")."""
    parts = (re.escape(part) for part in text.split("\n"))
    pattern = re.compile(r"\s*".join(parts) + r"(?![,.]?\d)")
    page.locator("#ballot-summary", has_text=pattern).wait_for(timeout=5000)


def _assert_updated_in_place(page) -> None:
    """The summary changed by htmx: no page load, and the aria-live region is the same node
    (a screen reader announces changes inside a live region, not a region put in its place)."""
    assert page.evaluate("() => window.civicLoad") == "ballot", "the page was reloaded"
    assert page.evaluate(
        "() => document.getElementById('ballot-summary') === window.civicSummary"
    ), "the live region was replaced instead of updated"
    live = page.locator("#ballot-summary")
    assert (live.get_attribute("aria-live"), live.get_attribute("aria-atomic")) == (
        "polite",
        "true",
    )


def _cast_and_read_receipt(page, *, axe: bool = True) -> str:
    """Review, confirm and read the receipt; axe-core checks the confirm and receipt pages."""
    page.get_by_role("button", name="Review my ballot").click()
    page.get_by_role("heading", name="Check your ballot").wait_for()
    if axe:
        assert _axe_violations(page) == []
    page.get_by_role("button", name="Cast my ballot").click()
    page.get_by_role("heading", name="Your ballot is cast").wait_for()
    code = page.locator(".receipt-code code").inner_text()
    assert RECEIPT.fullmatch(code)
    if axe:
        assert _axe_violations(page) == []
    return code


def _change_ballot(page) -> None:
    page.get_by_role("link", name="Change my ballot").click()
    _goto_ballot(page)


def _set_points(page, proposal_id: int, points: int) -> None:
    field = page.locator(f"#points-{proposal_id}")
    field.fill(str(points))
    field.dispatch_event("change")


def _assert_stored(pool, receipt: str, weights: dict[int, int]) -> None:
    """Exactly one ballot, under the latest receipt, with exactly the latest choices."""
    ballot = Ballot.objects.get(pool=pool)
    assert ballot.receipt == receipt.replace("-", "")
    assert {line.proposal_id: line.weight for line in ballot.lines.all()} == weights


def test_approval_ballot_in_the_browser(live_server, page):
    pool, items = _open_ballot(live_server, page, "approval", max_choices=2)
    _wait_summary(page, "Picks left\n2")
    page.get_by_label(items[0].title).check()
    _wait_summary(page, "Picks left\n1")
    _assert_updated_in_place(page)
    page.get_by_label(items[1].title).check()
    _wait_summary(page, "Picks left\n0")
    page.locator(f"#note-{items[2].pk}", has_text="You have used all your picks.").wait_for()
    page.get_by_label(items[2].title).check()
    _wait_summary(page, "remove 1")
    page.get_by_label(items[2].title).uncheck()
    _wait_summary(page, "Your ballot can be cast.")
    _assert_updated_in_place(page)
    assert _axe_violations(page) == []
    first = _cast_and_read_receipt(page)
    _assert_stored(pool, first, {items[0].pk: 1, items[1].pk: 1})

    _change_ballot(page)
    assert page.get_by_label(items[0].title).is_checked()
    page.get_by_label(items[0].title).uncheck()
    _wait_summary(page, "Picks left\n1")
    page.get_by_label(items[3].title).check()
    _wait_summary(page, "Picks left\n0")
    _assert_updated_in_place(page)
    second = _cast_and_read_receipt(page, axe=False)
    assert second != first
    _assert_stored(pool, second, {items[1].pk: 1, items[3].pk: 1})


def test_knapsack_ballot_explains_what_does_not_fit(live_server, page):
    # A pool of 123,456: 100,000 chosen leaves 23,456; the 30,000 project would not fit.
    pool, items = _open_ballot(live_server, page, "knapsack", costs=(100000, 30000, 20000))
    _wait_summary(page, "Money left\n€123,456")
    page.get_by_label(items[0].title).check()
    _wait_summary(page, "Money left\n€23,456")
    _assert_updated_in_place(page)
    page.locator(f"#note-{items[1].pk}", has_text="would exceed the pool by €6,544").wait_for(
        timeout=5000
    )
    page.get_by_label(items[1].title).check()
    _wait_summary(page, "remove €6,544")
    page.get_by_label(items[1].title).uncheck()
    page.get_by_label(items[2].title).check()
    _wait_summary(page, "Money left\n€3,456")
    _assert_updated_in_place(page)
    assert _axe_violations(page) == []
    first = _cast_and_read_receipt(page)
    _assert_stored(pool, first, {items[0].pk: 1, items[2].pk: 1})

    _change_ballot(page)
    page.get_by_label(items[2].title).uncheck()
    _wait_summary(page, "Money left\n€23,456")
    _assert_updated_in_place(page)
    second = _cast_and_read_receipt(page, axe=False)
    assert second != first
    _assert_stored(pool, second, {items[0].pk: 1})


def test_cumulative_ballot_spreads_points(live_server, page):
    pool, items = _open_ballot(
        live_server, page, "cumulative", points_total=10, points_per_project=5
    )
    _wait_summary(page, "Points left\n10")
    _set_points(page, items[0].pk, 6)
    page.locator(f"#note-{items[0].pk}", has_text="At most 5 points").wait_for(timeout=5000)
    _assert_updated_in_place(page)
    _set_points(page, items[0].pk, 5)
    _wait_summary(page, "Points left\n5")
    _set_points(page, items[1].pk, 4)
    _wait_summary(page, "Points left\n1")
    _assert_updated_in_place(page)
    assert _axe_violations(page) == []
    first = _cast_and_read_receipt(page)
    _assert_stored(pool, first, {items[0].pk: 5, items[1].pk: 4})

    _change_ballot(page)
    assert page.locator(f"#points-{items[1].pk}").input_value() == "4"
    _set_points(page, items[1].pk, 5)
    _wait_summary(page, "Points left\n0")
    _assert_updated_in_place(page)
    second = _cast_and_read_receipt(page, axe=False)
    assert second != first
    _assert_stored(pool, second, {items[0].pk: 5, items[1].pk: 5})


def test_ballot_works_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 780})
    page = context.new_page()
    try:
        pool, items = _open_ballot(
            live_server, page, "knapsack", javascript=False, costs=(100000, 30000)
        )
        ballot_url = f"{live_server.url}/vote/{pool.pk}/"
        # An impossible choice explains itself after the round trip, choices kept.
        page.get_by_label(items[0].title).check()
        page.get_by_label(items[1].title).check()
        page.get_by_role("button", name="Update the summary").click()
        _wait_summary(page, "remove €6,544")
        assert page.url == ballot_url
        assert page.get_by_label(items[0].title).is_checked()
        assert page.get_by_label(items[1].title).is_checked()
        # Reviewing it is refused with the same explanation; nothing is stored.
        page.get_by_role("button", name="Review my ballot").click()
        _wait_summary(page, "remove €6,544")
        assert not Ballot.objects.filter(pool=pool).exists()
        # Fixed and recounted by the server, then reviewed, cast and receipted.
        page.get_by_label(items[1].title).uncheck()
        page.get_by_role("button", name="Update the summary").click()
        _wait_summary(page, "Money left\n€23,456")
        page.locator(f"#note-{items[1].pk}", has_text="would exceed the pool by €6,544").wait_for()
        receipt = _cast_and_read_receipt(page, axe=False)
        _assert_stored(pool, receipt, {items[0].pk: 1})
    finally:
        context.close()
