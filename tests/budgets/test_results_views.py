"""The public results pages: hidden until the council approves, a marked draft for the
district's staff and the council, the ballots file, the receipt lookup, the city-wide page."""

import hashlib
import re

import pytest
from django.utils import timezone

from budgets import results_views
from budgets.models import Ballot, Report, Tally
from budgets.services import retally_request, tally_run
from tests.budgets.factories import make_counted_pool, make_voting_pool
from tests.factories import (
    DistrictFactory,
    make_city_admin,
    make_council,
    make_resident,
    make_staff,
)

pytestmark = pytest.mark.django_db

State = Report.State


def set_state(report: Report, state: str) -> Report:
    """Put a report version in `state` directly (the renderer and council flow have tests of
    their own); an approval is recorded with a council member and the time."""
    fields = {"state": state}
    if state == State.APPROVED:
        fields.update(decided_by=make_council(), decided_at=timezone.now())
    if state == State.RETURNED:
        fields.update(comment="Please explain the tie.", decided_by=make_council())
    Report.objects.filter(pk=report.pk).update(**fields)
    report.refresh_from_db()
    return report


@pytest.fixture
def counted():
    """A closed and counted pool whose report (version 1) has not been approved."""
    return make_counted_pool()


@pytest.fixture
def published(counted):
    pool, items, tally, report = counted
    return pool, items, tally, set_state(report, State.APPROVED)


def page_url(pool) -> str:
    return f"/results/{pool.pk}/"


def receipt_url(pool) -> str:
    return f"/results/{pool.pk}/receipt/"


def ballots_url(pool) -> str:
    return f"/results/{pool.pk}/ballots.pb"


def page_digest(content: bytes) -> str:
    match = re.search(rb'id="ballots-sha256">([0-9a-f]{64})<', content)
    assert match, "the page shows the SHA-256 of the ballots file"
    return match.group(1).decode()


def sign_in(client, who: str, pool):
    users = {
        "anonymous": None,
        "resident": lambda: make_resident(pool.district),
        "foreign staff": lambda: make_staff(DistrictFactory()),
        "staff": lambda: make_staff(pool.district),
        "council": make_council,
        "city admin": make_city_admin,
    }
    if users[who] is not None:
        client.force_login(users[who]())


# Hidden before approval --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "resident", "foreign staff"])
@pytest.mark.parametrize("state", ["voting", State.RENDERING, State.PENDING, State.RETURNED])
def test_results_hidden_before_approval(client, who, state):
    if state == "voting":
        pool, items = make_voting_pool()
    else:
        pool, items, _tally, report = make_counted_pool()
        set_state(report, state)
    sign_in(client, who, pool)

    response = client.get(page_url(pool))
    assert response.status_code == 404
    body = response.content.decode()
    assert "The results are not published yet" in body
    assert all(item.title not in body for item in items)
    assert "DRAFT" not in body and "ballots-sha256" not in body
    assert client.get(ballots_url(pool)).status_code == 404
    assert client.get(receipt_url(pool)).status_code == 404
    if state != "voting":
        receipt = Ballot.objects.filter(pool=pool).first().receipt
        response = client.post(receipt_url(pool), {"code": receipt})
        assert response.status_code == 404
        assert all(item.title not in response.content.decode() for item in items)


@pytest.mark.parametrize("who", ["anonymous", "resident", "foreign staff", "staff", "council"])
def test_results_visible_after_approval(client, published, who):
    pool, items, tally, report = published
    sign_in(client, who, pool)

    response = client.get(page_url(pool))
    assert response.status_code == 200
    body = response.content.decode()
    assert all(item.title in body for item in items)
    assert "DRAFT" not in body and 'name="robots"' not in body
    assert "X-Robots-Tag" not in response.headers
    assert page_digest(response.content) == pool.freeze.digest == tally.digest
    assert body.count("outcome-selected") == len(tally.selected)
    assert response.context["results"].tally == tally
    assert f"/results/{pool.pk}/ballots.pb" in body and f"/results/{pool.pk}/receipt/" in body
    assert "method_of_equal_shares" in body or "greedy_utilitarian_welfare" in body


def test_results_page_shows_money_turnout_and_reasons(client, published):
    pool, _items, tally, _report = published
    results = client.get(page_url(pool)).context["results"]
    body = client.get(page_url(pool)).content.decode()
    assert results.rows and all(row.reason and row.reason in body for row in results.rows)
    assert "€" in body  # amounts through civic.formatting.money
    assert results.turnout.ballots == 5 and "Online and paper ballots" in body
    assert results.rule_explained in body.replace("&#x27;", "'").replace("&quot;", '"')
    assert results.left == results.amount - results.allocated


def test_results_charts_are_inline_with_text_alternatives(client, published):
    pool, _items, _tally, _report = published
    body = client.get(page_url(pool)).content.decode()
    for prefix in ("votes", "budget", "turnout-neighbourhood", "turnout-age"):
        assert f'<figure class="chart" aria-labelledby="{prefix}-caption">' in body
        assert f'aria-labelledby="{prefix}-title {prefix}-desc"' in body
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 4
    assert body.count("<details>") == 4 and "<script" not in body.split("<main", 1)[1]


def test_pool_results_are_translated(client, published):
    pool, _items, _tally, _report = published
    client.cookies["django_language"] = "bg"
    response = client.get(page_url(pool), HTTP_ACCEPT_LANGUAGE="bg")
    assert response.status_code == 200
    assert '<html lang="bg">' in response.content.decode()


# The draft -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "council", "city admin"])
@pytest.mark.parametrize("state", [State.RENDERING, State.PENDING, State.RETURNED])
def test_draft_is_marked_for_own_staff_and_council(client, counted, who, state):
    pool, items, tally, report = counted
    set_state(report, state)
    sign_in(client, who, pool)

    response = client.get(page_url(pool))
    assert response.status_code == 200
    body = response.content.decode()
    assert "DRAFT" in body and 'class="watermark"' in body
    assert '<meta name="robots" content="noindex">' in body
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "no-store" in response.headers["Cache-Control"]
    assert all(item.title in body for item in items)
    assert response.context["results"].tally == tally
    # The recount kit and the receipt check come with the approval, not before.
    assert f"/results/{pool.pk}/ballots.pb" not in body
    assert client.get(ballots_url(pool)).status_code == 404
    assert client.get(receipt_url(pool)).status_code == 404


def test_draft_before_the_count_says_so(client):
    pool, items = make_voting_pool()
    sign_in(client, "staff", pool)
    response = client.get(page_url(pool))
    assert response.status_code == 200
    body = response.content.decode()
    assert "DRAFT" in body and "have not been counted yet" in body
    assert all(item.title not in body for item in items)


def test_unknown_pool_is_404(client):
    assert client.get("/results/999999/").status_code == 404
    assert client.get("/results/999999/ballots.pb").status_code == 404
    assert client.get("/results/999999/receipt/").status_code == 404


# Superseded versions -------------------------------------------------------------------------


def test_a_newer_approved_version_replaces_the_older_which_is_listed_superseded(client, published):
    pool, _items, first_tally, first = published
    recount = retally_request(pool=pool, user=make_city_admin(), reason="A paper box was late.")
    recount = tally_run(tally=recount)
    second = Report.objects.get(pool=pool, version=2)
    assert second.state == State.RENDERING

    # Until the council approves version 2 the public sees version 1, and staff are told.
    sign_in(client, "staff", pool)
    response = client.get(page_url(pool))
    assert response.context["results"].tally == first_tally
    assert "A newer count of these ballots is awaiting" in response.content.decode()

    set_state(second, State.APPROVED)
    client.logout()
    response = client.get(page_url(pool))
    assert response.status_code == 200
    assert response.context["results"].tally == recount
    assert [version.pk for version in response.context["superseded"]] == [first.pk]
    body = response.content.decode()
    assert "Version 1, approved on" in body and "superseded" in body
    assert "A paper box was late." in body


# The ballots file ------------------------------------------------------------------------------


def test_ballots_file_download_matches_the_digest_on_the_page(client, published):
    pool, _items, _tally, _report = published
    digest = page_digest(client.get(page_url(pool)).content)

    response = client.get(ballots_url(pool))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('-ballots.pb"')
    assert hashlib.sha256(response.content).hexdigest() == digest
    assert response["X-Content-SHA256"] == digest
    assert response["Digest"].startswith("sha-256=")
    text = response.content.decode()
    assert "META" in text and "VOTES" in text
    for receipt in Ballot.objects.filter(pool=pool).values_list("receipt", flat=True):
        assert receipt in text


# The receipt lookup ----------------------------------------------------------------------------


def test_receipt_form_has_a_labelled_input(client, published):
    pool, _items, _tally, _report = published
    response = client.get(receipt_url(pool))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<label for="id_code">' in body and 'id="id_code"' in body
    assert 'method="post"' in body


def test_receipt_lookup_shows_the_ballot_as_counted(client, published):
    pool, items, tally, _report = published
    ballot = Ballot.objects.filter(pool=pool).prefetch_related("lines").first()
    chosen = {line.proposal_id for line in ballot.lines.all()}
    typed = "-".join(ballot.receipt[i : i + 4] for i in range(0, len(ballot.receipt), 4)).lower()

    response = client.post(receipt_url(pool), {"code": f"  {typed} "})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    body = response.content.decode()
    assert "Your ballot as it was counted" in body
    shown = {item.pk for item in items if item.title in body}
    assert shown == chosen
    lines = response.context["lines"]
    assert {line["selected"] for line in lines} <= {True, False}
    assert all(line["selected"] == (line["project_id"] in tally.selected) for line in lines)
    # Nothing else about the ballot: not its channel, neighbourhood or age group.
    assert all(set(line) == {"project_id", "title", "weight", "selected"} for line in lines)


def test_receipt_lookup_unknown_code(client, published):
    pool, items, _tally, _report = published
    response = client.post(receipt_url(pool), {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is no ballot with this code in this pool." in body
    assert all(item.title not in body for item in items)


def test_receipt_lookup_code_from_another_pool(client, published):
    pool, items, _tally, _report = published
    other, _other_items, _other_tally, other_report = make_counted_pool()
    set_state(other_report, State.APPROVED)
    receipt = Ballot.objects.filter(pool=other).first().receipt

    response = client.post(receipt_url(pool), {"code": receipt})
    body = response.content.decode()
    assert "There is no ballot with this code in this pool." in body
    assert all(item.title not in body for item in items)
    assert client.post(receipt_url(other), {"code": receipt}).context["lines"]


def test_receipt_lookup_empty_code_is_an_error(client, published):
    pool, _items, _tally, _report = published
    response = client.post(receipt_url(pool), {"code": " -- "})
    assert response.status_code == 400
    assert "Enter the receipt code of your ballot." in response.content.decode()


def test_receipt_lookups_are_rate_limited(client, published, monkeypatch):
    pool, _items, _tally, _report = published
    monkeypatch.setattr(results_views, "RECEIPT_LOOKUPS", 2)
    receipt = Ballot.objects.filter(pool=pool).first().receipt
    for _ in range(2):
        assert client.post(receipt_url(pool), {"code": "AAAABBBBCCCCDDDD"}).status_code == 200
    response = client.post(receipt_url(pool), {"code": receipt})
    assert response.status_code == 429
    assert response.context["lines"] is None
    assert "Too many look-ups" in response.content.decode()
    # Another connection has its own allowance.
    other = client.post(receipt_url(pool), {"code": receipt}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200 and other.context["lines"]


# The city-wide page ----------------------------------------------------------------------------


def closed_pool(**fields):
    pool, _items, _tally, report = make_counted_pool(**fields)
    return pool, report


def test_city_wide_page_lists_published_pools_with_figures(client, django_assert_max_num_queries):
    published = []
    for _ in range(3):
        pool, report = closed_pool()
        set_state(report, State.APPROVED)
        published.append(pool)
    waiting, waiting_report = closed_pool()
    set_state(waiting_report, State.PENDING)
    voting, _items = make_voting_pool()
    assert len({pool.cycle_id for pool in [*published, waiting, voting]}) == 1

    with django_assert_max_num_queries(8):
        response = client.get("/results/")
    assert response.status_code == 200
    body = response.content.decode()
    summaries = {summary.pool.pk: summary for summary in response.context["summaries"]}
    assert set(summaries) == {pool.pk for pool in [*published, waiting, voting]}
    for pool in published:
        summary = summaries[pool.pk]
        assert summary.published and f'href="/results/{pool.pk}/"' in body
        tally = Tally.objects.get(pool=pool, official=True)
        assert summary.winners == len(tally.selected)
        assert summary.turnout.ballots == 5
        assert summary.turnout.eligible == pool.district.census_records.count()
    assert not summaries[waiting.pk].published and not summaries[voting.pk].published
    assert f'href="/results/{waiting.pk}/"' not in body
    assert "Results not yet approved" in body and "Voting has not closed yet" in body
    totals = response.context["totals"]
    assert totals["winners"] == sum(summaries[pool.pk].winners for pool in published)
    assert totals["turnout"].ballots == 15


def test_city_wide_page_query_count_does_not_grow_with_districts(
    client, django_assert_max_num_queries
):
    for _ in range(6):
        _pool, report = closed_pool()
        set_state(report, State.APPROVED)
    with django_assert_max_num_queries(8):
        assert client.get("/results/").status_code == 200


def test_city_wide_page_without_cycles(client):
    response = client.get("/results/")
    assert response.status_code == 200
    assert "There are no results yet." in response.content.decode()


def test_city_wide_page_other_cycle_and_bad_year(client):
    pool, report = closed_pool()
    set_state(report, State.APPROVED)
    assert client.get(f"/results/?year={pool.cycle.year}").status_code == 200
    assert client.get("/results/?year=1890").status_code == 404
    assert client.get("/results/?year=20x4").status_code == 404
