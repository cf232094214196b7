"""The resident's ballot (/vote/<pool>/) and the staff paper-ballot pages, through the views.

The ballot: every method with full round trips (no JavaScript) and as htmx partials, the
confirmation step, the receipt shown once, changing the ballot, refusals with their reasons,
bad input, "add to my ballot" links and a query count that does not grow with the ballot.

Paper ballots: each page × each role (foreign district staff included), blind double entry
by two staff members, and the reconciliation page, which shows no online totals before
voting closes.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from budgets.models import Ballot, BallotFreeze, BallotLine, PaperBallot, PaperEntry
from budgets.services import ballot_cast, paper_entry_record
from budgets.views import RECEIPT_COOKIE
from districts.models import Assembly, CensusRecord, StaffMembership
from districts.services import national_id_hmac
from proposals.models import Status
from tests.budgets.factories import make_voting_pool
from tests.factories import (
    CensusRecordFactory,
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
)
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def ballot_url(pool) -> str:
    return f"/vote/{pool.pk}/"


def receipt_url(pool) -> str:
    return f"/vote/{pool.pk}/receipt/"


def ballot_data(pool, items, picks: dict[int, int], action: str | None = None) -> dict:
    """The ballot form as a browser posts it; `picks` maps item index → weight."""
    if pool.method == "cumulative":
        data = {f"points-{items[i].pk}": str(weight) for i, weight in picks.items()}
    else:
        data = {"choice": [str(items[i].pk) for i in picks]}
    return {**data, "action": action} if action else data


def figure(html: str, label: str) -> str:
    """The value shown next to `label` in the ballot summary."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", html)
    assert match, f"no {label!r} in the summary"
    return match[1]


def hidden_fields(html: str) -> dict[str, list[str]]:
    """The hidden inputs of the confirmation form (what the confirm button posts)."""
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)">', html):
        fields.setdefault(name, []).append(value)
    return fields


def stored(pool) -> dict[int, int] | None:
    ballot = Ballot.objects.filter(pool=pool).first()
    return {line.proposal_id: line.weight for line in ballot.lines.all()} if ballot else None


def grouped(receipt: str) -> str:
    return "-".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def shows(html: str | bytes, receipt: str) -> bool:
    """Whether a page shows the receipt code, as stored or grouped for reading."""
    html = html.decode() if isinstance(html, bytes) else html
    return receipt in html or grouped(receipt) in html


# Each method: pool settings, a first ballot and the summary it shows, a second ballot.
METHODS = {
    "approval": {
        "fields": {"method": "approval", "max_choices": 3},
        "first": {0: 1, 1: 1},
        "figures": {
            "Projects chosen": "2 / 3",
            "Picks left": "1",
            "Cost of your choices": "€50,000",
        },
        "second": {3: 1},
    },
    "knapsack": {
        "fields": {"method": "knapsack"},
        "first": {0: 1, 1: 1},
        "figures": {"Cost of your choices": "€50,000", "Money left": "€73,456"},  # 123,456
        "second": {2: 1, 3: 1, 4: 1},
    },
    "cumulative": {
        "fields": {"method": "cumulative", "points_total": 10, "points_per_project": 5},
        "first": {0: 5, 2: 3},
        "figures": {"Points given": "8 / 10", "Points left": "2"},
        "second": {1: 4, 3: 2, 4: 4},
    },
}


@pytest.fixture(params=list(METHODS))
def method(request):
    return request.param


@pytest.fixture
def voting(method):
    """A voting pool of the method, its five proposals and a verified resident of it."""
    pool, items = make_voting_pool(**METHODS[method]["fields"])
    return pool, items, make_resident(pool.district)


# The ballot, without JavaScript --------------------------------------------------------------


def test_ballot_round_trip_without_javascript(client, method, voting):
    pool, items, resident = voting
    spec = METHODS[method]
    client.force_login(resident)

    page = client.get(ballot_url(pool))
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert re.search(r'<div id="ballot-summary"[^>]*aria-live="polite"', html)
    assert "HX-Request" in page["Vary"] and "no-store" in page["Cache-Control"]
    assert "You have voted" not in html
    assert all(item.title in html for item in items)

    # "Update the summary" is a full round trip that keeps the choices.
    data = ballot_data(pool, items, spec["first"])
    update = client.post(ballot_url(pool), {**data, "action": "update"})
    html = update.content.decode()
    assert update.status_code == 200 and "<html" in html
    for label, value in spec["figures"].items():
        assert figure(html, label) == value
    for index, weight in spec["first"].items():
        pk = items[index].pk
        if method == "cumulative":
            assert f'name="points-{pk}" value="{weight}"' in html
        else:
            assert f'value="{pk}" checked' in html
    assert "Your ballot can be cast." in html

    # Review shows the choices and stores nothing; its form carries them to "Cast".
    review = client.post(ballot_url(pool), {**data, "action": "review"})
    html = review.content.decode()
    assert review.status_code == 200 and "Your ballot is not cast yet" in html
    chosen = {items[i].title for i in spec["first"]}
    assert all(title in html for title in chosen)
    assert not any(item.title in html for item in items if item.title not in chosen)
    assert stored(pool) is None
    confirm_form = hidden_fields(html)
    confirm_form.pop("csrfmiddlewaretoken", None)

    cast = client.post(ballot_url(pool), {**confirm_form, "action": "confirm"})
    assert cast.status_code == 302 and cast["Location"] == receipt_url(pool)
    assert stored(pool) == {items[i].pk: w for i, w in spec["first"].items()}
    receipt = Ballot.objects.get(pool=pool).receipt

    first_visit = client.get(receipt_url(pool)).content.decode()
    assert grouped(receipt) in first_visit
    assert all(title in first_visit for title in chosen)
    second_visit = client.get(receipt_url(pool)).content.decode()
    assert not shows(second_visit, receipt) and "was shown once" in second_visit

    again = client.get(ballot_url(pool)).content.decode()
    assert "You have voted" in again and not shows(again, receipt)
    for index, weight in spec["first"].items():
        pk = items[index].pk
        shown = (
            f'name="points-{pk}" value="{weight}"'
            if method == "cumulative"
            else f'value="{pk}" checked'
        )
        assert shown in again


def test_changing_the_ballot_replaces_it_and_issues_a_new_receipt(client, method, voting):
    pool, items, resident = voting
    spec = METHODS[method]
    client.force_login(resident)
    client.post(ballot_url(pool), ballot_data(pool, items, spec["first"], "confirm"))
    first = Ballot.objects.get(pool=pool)
    client.get(receipt_url(pool))

    change = ballot_data(pool, items, spec["second"])
    assert client.post(ballot_url(pool), {**change, "action": "review"}).status_code == 200
    assert stored(pool) == {items[i].pk: w for i, w in spec["first"].items()}  # not yet
    assert client.post(ballot_url(pool), {**change, "action": "confirm"}).status_code == 302

    ballot = Ballot.objects.get(pool=pool)
    assert ballot.receipt != first.receipt
    assert stored(pool) == {items[i].pk: w for i, w in spec["second"].items()}
    # The old version is gone: no ballot with its receipt, no line of its choices.
    assert not Ballot.objects.filter(receipt=first.receipt).exists()
    old_only = {items[i].pk for i in spec["first"]} - {items[i].pk for i in spec["second"]}
    assert not BallotLine.objects.filter(proposal_id__in=old_only).exists()
    page = client.get(receipt_url(pool)).content.decode()
    assert shows(page, ballot.receipt) and not shows(page, first.receipt)


# The ballot, with htmx ---------------------------------------------------------------------


def test_htmx_update_renders_only_the_live_summary_and_notes(client, method, voting):
    pool, items, resident = voting
    spec = METHODS[method]
    client.force_login(resident)
    data = ballot_data(pool, items, spec["first"], "update")
    response = client.post(ballot_url(pool), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html and "<fieldset" not in html
    assert re.search(r'<div id="ballot-summary"[^>]*aria-live="polite"', html)
    for label, value in spec["figures"].items():
        assert figure(html, label) == value
    # One out-of-band note per project, so each explains itself where it stands.
    for item in items:
        assert re.search(rf'<p id="note-{item.pk}" class="[^"]*" hx-swap-oob="true">', html)
    assert stored(pool) is None
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("method", "picks", "explanation", "castable"),
    [
        (
            "approval",
            {0: 1, 1: 1, 2: 1, 3: 1},
            "You can choose at most 3 projects; remove 1.",
            False,
        ),
        ("approval", {0: 1, 1: 1, 2: 1}, "You have used all your picks.", True),  # on the rest
        ("knapsack", {0: 1, 1: 1, 2: 1, 3: 1}, "Adding this would exceed the pool by", True),
        ("cumulative", {0: 5, 1: 5, 2: 1}, "You have 10 points to give; remove 1.", False),
        ("cumulative", {0: 6}, "At most 5 points per project.", False),
    ],
)
def test_an_impossible_choice_explains_itself(client, method, picks, explanation, castable):
    costs = (100000, 10000, 5000, 5000, 4000)  # knapsack: 120,000 chosen, 3,456 left
    pool, items = make_voting_pool(costs=costs, **METHODS[method]["fields"])
    client.force_login(make_resident(pool.district))
    data = ballot_data(pool, items, picks, "update")
    for headers in ({}, HTMX):
        html = client.post(ballot_url(pool), data, **headers).content.decode()
        assert explanation in html
        assert ("Your ballot can be cast." in html) is castable
    review = client.post(ballot_url(pool), {**data, "action": "review"})
    assert review.status_code == (200 if castable else 400)
    assert (b"Cast my ballot" in review.content) is castable
    assert stored(pool) is None


def test_knapsack_says_by_how_much_a_project_would_exceed_the_pool(client):
    pool, items = make_voting_pool(method="knapsack", costs=(100000, 30000, 20000, 3456))
    client.force_login(make_resident(pool.district))
    chosen = ballot_data(pool, items, {0: 1}, "update")
    html = client.post(ballot_url(pool), chosen, **HTMX).content.decode()
    assert figure(html, "Money left") == "€23,456"
    assert re.search(
        rf'id="note-{items[1].pk}"[^>]*>Adding this would exceed the pool by €6,544\.<', html
    )  # 30,000 − 23,456
    assert re.search(rf'id="note-{items[3].pk}"[^>]*></p>', html)  # 3,456 fits
    over = ballot_data(pool, items, {0: 1, 1: 1}, "review")
    response = client.post(ballot_url(pool), over)
    assert response.status_code == 400
    assert "more than the pool’s €123,456: remove €6,544." in response.content.decode()


@pytest.mark.parametrize(("extra", "status"), [(0, 302), (1, 400)])
def test_knapsack_exactly_at_the_budget_is_cast_one_unit_over_is_not(client, extra, status):
    pool, items = make_voting_pool(method="knapsack", costs=(100000, 23456 + extra))
    client.force_login(make_resident(pool.district))
    response = client.post(ballot_url(pool), ballot_data(pool, items, {0: 1, 1: 1}, "confirm"))
    assert response.status_code == status
    assert Ballot.objects.filter(pool=pool).count() == (1 if status == 302 else 0)
    if status == 400:
        assert "remove €1." in response.content.decode()


# Only "confirm" stores ---------------------------------------------------------------------


def test_only_the_confirm_action_stores_a_ballot(client):
    pool, items = make_voting_pool()
    client.force_login(make_resident(pool.district))
    data = ballot_data(pool, items, {0: 1})
    attempts = [
        client.get(ballot_url(pool), {**data, "action": "confirm"}),
        client.post(ballot_url(pool), data),  # no action: an update
        client.post(ballot_url(pool), {**data, "action": "update"}),
        client.post(ballot_url(pool), {**data, "action": "review"}),
        client.post(ballot_url(pool), {**data, "action": "cast"}),
        client.post(ballot_url(pool), {**data, "action": "update"}, **HTMX),
    ]
    assert all(response.status_code == 200 for response in attempts)
    assert not Ballot.objects.exists()
    assert client.post(ballot_url(pool), {**data, "action": "confirm"}).status_code == 302
    assert stored(pool) == {items[0].pk: 1}


def test_the_receipt_is_shown_once_and_emailed(client, django_capture_on_commit_callbacks):
    pool, items = make_voting_pool()
    resident = make_resident(pool.district)
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ballot_url(pool), ballot_data(pool, items, {0: 1}, "confirm"))
    receipt = Ballot.objects.get(pool=pool).receipt
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [resident.email]
    assert receipt in mail.outbox[0].body
    page = client.get(receipt_url(pool))
    assert grouped(receipt).encode() in page.content and "no-store" in page["Cache-Control"]
    for _ in range(2):
        assert not shows(client.get(receipt_url(pool)).content, receipt)


def test_the_receipt_is_shown_when_the_broker_is_down(
    client, django_capture_on_commit_callbacks, broker_down
):
    """The ballot is stored before the e-mail is queued: a broker outage must not turn the
    cast into an error page (the sweep e-mails the receipt later; tests/budgets/test_ballots)."""
    pool, items = make_voting_pool()
    client.force_login(make_resident(pool.district))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ballot_url(pool), ballot_data(pool, items, {0: 1}, "confirm"))
    assert response.status_code == 302 and response["Location"] == receipt_url(pool)
    ballot = Ballot.objects.get(pool=pool)
    assert ballot.receipt_unsent and mail.outbox == []
    assert grouped(ballot.receipt).encode() in client.get(receipt_url(pool)).content


def test_a_receipt_kept_for_another_pool_or_voter_is_not_shown_here(client):
    pool, items = make_voting_pool()
    client.force_login(make_resident(pool.district))
    client.post(ballot_url(pool), ballot_data(pool, items, {0: 1}, "confirm"))
    receipt = Ballot.objects.get(pool=pool).receipt
    voter = Ballot.objects.get(pool=pool).census_record.claimed_by
    for user_pk, pool_pk in ((voter.pk, pool.pk + 1000), (voter.pk + 1000, pool.pk)):
        client.cookies[RECEIPT_COOKIE] = signing.get_cookie_signer(
            salt=f"{RECEIPT_COOKIE}civic.receipt:{user_pk}:{pool_pk}"
        ).sign(receipt)
        assert not shows(client.get(receipt_url(pool)).content, receipt)


def test_the_receipt_page_without_a_ballot_leads_to_the_ballot(client):
    pool, _items = make_voting_pool()
    client.force_login(make_resident(pool.district))
    response = client.get(receipt_url(pool))
    assert response.status_code == 302 and response["Location"] == ballot_url(pool)


# Refusals ---------------------------------------------------------------------------------


def _voter(kind: str, pool):
    if kind == "unverified":
        return UserFactory()
    if kind == "other_district":
        return make_resident(DistrictFactory())
    user = UserFactory()
    age = {"too_young": 15, "just_old_enough": 16}[kind]
    CensusRecordFactory(
        district=pool.district,
        claimed_by=user,
        claimed_at=timezone.now(),
        birth_year=pool.dates.voting_ends.year - age,
    )
    return user


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("unverified", "Only verified residents can vote. Verify your residency first."),
        ("other_district", "This ballot is for residents of {district} only."),
        ("too_young", "Residents vote in this pool from the year they turn 16."),
    ],
)
def test_who_may_not_vote_is_refused_with_the_reason(client, kind, message):
    pool, items = make_voting_pool()
    client.force_login(_voter(kind, pool))
    message = message.format(district=pool.district)
    data = ballot_data(pool, items, {0: 1})
    for response in (
        client.get(ballot_url(pool)),
        client.get(ballot_url(pool), {"add": items[0].pk}),
        client.post(ballot_url(pool), {**data, "action": "update"}, **HTMX),
        client.post(ballot_url(pool), {**data, "action": "review"}),
        client.post(ballot_url(pool), {**data, "action": "confirm"}),
    ):
        html = response.content.decode()
        assert response.status_code == 403 and message in html
        assert 'role="alert"' in html and "ballot-summary" not in html
    assert not Ballot.objects.exists()


def test_a_resident_who_turns_the_minimum_age_this_year_may_vote(client):
    pool, items = make_voting_pool()
    client.force_login(_voter("just_old_enough", pool))
    assert client.get(ballot_url(pool)).status_code == 200
    assert (
        client.post(ballot_url(pool), ballot_data(pool, items, {0: 1}, "confirm")).status_code
        == 302
    )
    assert Ballot.objects.filter(pool=pool).count() == 1


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        ("review", "Voting in this pool has not opened yet."),
        ("support", "Voting in this pool has not opened yet."),
        ("tallying", "Voting in this pool has closed."),
        ("results", "Voting in this pool has closed."),
    ],
)
def test_before_and_after_voting_the_ballot_is_refused(client, phase, message):
    if phase == "support":
        now = timezone.now()
        day = timedelta(days=1)
        pool = make_pool(
            phase="review",
            review_starts=now - day,
            support_starts=now - day / 2,
            voting_starts=now + day,
            voting_ends=now + 2 * day,
            results_starts=now + 3 * day,
        )
    else:
        pool = make_pool(phase=phase)
    item = ProposalFactory(pool=pool, status=Status.ON_BALLOT)
    client.force_login(make_resident(pool.district))
    for response in (
        client.get(ballot_url(pool)),
        client.post(ballot_url(pool), {"choice": [str(item.pk)], "action": "confirm"}),
    ):
        assert response.status_code == 403 and message in response.content.decode()
    assert not Ballot.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_is_stored(client):
    pool, items = make_voting_pool()
    data = ballot_data(pool, items, {0: 1}, "confirm")
    for response in (
        client.get(ballot_url(pool)),
        client.post(ballot_url(pool), data),
        client.get(receipt_url(pool)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/vote/")
    assert not Ballot.objects.exists()


def test_a_resident_with_a_paper_ballot_cannot_also_vote_online(client):
    pool, items = make_voting_pool()
    resident = make_resident(pool.district)
    record = resident.census_record
    paper = PaperBallot.objects.create(pool=pool, census_record=record, booth="Town hall")
    PaperEntry.objects.create(
        paper_ballot=paper, entered_by=make_staff(pool.district), choices={str(items[0].pk): 1}
    )
    client.force_login(resident)
    response = client.post(ballot_url(pool), ballot_data(pool, items, {1: 1}, "confirm"))
    assert response.status_code == 400
    assert "A paper ballot has been recorded for you" in response.content.decode()
    assert not Ballot.objects.exists()


# Bad input: 400 with a message, nothing stored -----------------------------------------------


def _foreign(pool, items):
    _other, other_items = make_voting_pool()  # another district's pool, also voting
    return other_items[0].pk


def _not_on_ballot(pool, items):
    return ProposalFactory(pool=pool, status=Status.FEASIBLE).pk


def _hidden(pool, items):
    return ProposalFactory(
        pool=pool, status=Status.ON_BALLOT, hidden_at=timezone.now(), hidden_reason="Spam"
    ).pk


BAD_CHOICES = {
    # name: (method, form data from (pool, items), message)
    "forged id": ("approval", lambda p, i: {"choice": ["999999"]}, "not on this ballot"),
    "another pool's proposal": (
        "approval",
        lambda p, i: {"choice": [str(i[0].pk), str(_foreign(p, i))]},
        "not on this ballot",
    ),
    "proposal not on the ballot": (
        "knapsack",
        lambda p, i: {"choice": [str(_not_on_ballot(p, i))]},
        "not on this ballot",
    ),
    "hidden proposal": (
        "approval",
        lambda p, i: {"choice": [str(_hidden(p, i))]},
        "not on this ballot",
    ),
    "non-numeric id": ("approval", lambda p, i: {"choice": ["abc"]}, "does not exist"),
    "negative id": ("knapsack", lambda p, i: {"choice": ["-3"]}, "does not exist"),
    "duplicate id": (
        "approval",
        lambda p, i: {"choice": [str(i[0].pk), str(i[0].pk)]},
        "same project twice",
    ),
    "zero picks": ("approval", lambda p, i: {}, "Choose at least 1 project."),
    "too many picks": (
        "approval",
        lambda p, i: {"choice": [str(x.pk) for x in i[:4]]},
        "at most 3 projects",
    ),
    "non-numeric points": (
        "cumulative",
        lambda p, i: {f"points-{i[0].pk}": "two"},
        "Points must be whole numbers",
    ),
    "fractional points": (
        "cumulative",
        lambda p, i: {f"points-{i[0].pk}": "1.5"},
        "Points must be whole numbers",
    ),
    "non-ASCII digits": (
        "cumulative",
        lambda p, i: {f"points-{i[0].pk}": "\uff13"},
        "Points must be whole numbers",
    ),
    "negative points": (
        "cumulative",
        lambda p, i: {f"points-{i[0].pk}": "-1", f"points-{i[1].pk}": "3"},
        "Points cannot be negative.",
    ),
    "points over the cap": (
        "cumulative",
        lambda p, i: {f"points-{i[0].pk}": "6"},
        "At most 5 points per project.",
    ),
    "points for another pool's proposal": (
        "cumulative",
        lambda p, i: {f"points-{_foreign(p, i)}": "2"},
        "not on this ballot",
    ),
    "points for a non-numeric id": (
        "cumulative",
        lambda p, i: {"points-abc": "2"},
        "Give at least one point.",
    ),
    "no points": (
        "cumulative",
        lambda p, i: {f"points-{i[0].pk}": "0"},
        "Give at least one point.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CHOICES))
def test_bad_ballots_are_refused_with_a_message_and_nothing_is_stored(client, case):
    method, make_data, message = BAD_CHOICES[case]
    pool, items = make_voting_pool(**METHODS[method]["fields"])
    client.force_login(make_resident(pool.district))
    data = make_data(pool, items)
    for action in ("review", "confirm"):
        response = client.post(ballot_url(pool), {**data, "action": action})
        html = response.content.decode()
        assert response.status_code == 400, action
        assert message in html and "Cast my ballot" not in html
        assert 'id="ballot-problems"' in html
    assert not Ballot.objects.exists() and not BallotLine.objects.exists()


def test_a_bad_change_leaves_the_earlier_ballot_as_it_was(client):
    pool, items = make_voting_pool(method="cumulative", points_total=10, points_per_project=5)
    client.force_login(make_resident(pool.district))
    client.post(ballot_url(pool), ballot_data(pool, items, {0: 4}, "confirm"))
    before = Ballot.objects.get(pool=pool).receipt
    response = client.post(ballot_url(pool), {f"points-{items[1].pk}": "-2", "action": "confirm"})
    assert response.status_code == 400
    assert Ballot.objects.get(pool=pool).receipt == before
    assert stored(pool) == {items[0].pk: 4}


# "Add to my ballot" -----------------------------------------------------------------------


def test_add_link_preselects_the_proposal(client, method, voting):
    pool, items, resident = voting
    client.force_login(resident)
    html = client.get(ballot_url(pool), {"add": items[2].pk}).content.decode()
    if method == "cumulative":
        assert f'name="points-{items[2].pk}" value="1"' in html
    else:
        assert f'value="{items[2].pk}" checked' in html
    assert "ballot-problems" not in html
    detail = client.get(f"/proposals/{items[2].pk}/").content.decode()
    assert f'href="/vote/{pool.pk}/?add={items[2].pk}"' in detail


def test_add_link_keeps_the_stored_choices(client):
    pool, items = make_voting_pool(max_choices=3)
    resident = make_resident(pool.district)
    ballot_cast(pool=pool, voter=resident, choices={items[0].pk: 1})
    client.force_login(resident)
    html = client.get(ballot_url(pool), {"add": items[1].pk}).content.decode()
    assert f'value="{items[0].pk}" checked' in html and f'value="{items[1].pk}" checked' in html
    assert figure(html, "Projects chosen") == "2 / 3"
    assert stored(pool) == {items[0].pk: 1}  # preselected, not stored


@pytest.mark.parametrize("add", ["abc", "-1", "1e3", "999999", "foreign"])
def test_a_bad_add_link_is_ignored(client, add):
    pool, items = make_voting_pool()
    client.force_login(make_resident(pool.district))
    if add == "foreign":
        add = str(_foreign(pool, items))
    response = client.get(ballot_url(pool), {"add": add})
    html = response.content.decode()
    assert response.status_code == 200
    assert "checked" not in html and "not on this ballot" not in html
    assert figure(html, "Projects chosen") == "0"


# Queries ----------------------------------------------------------------------------------


def _queries(client, request) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code in (200, 302)
    return len(queries)


def test_ballot_page_queries_do_not_grow_with_the_proposals(client, django_assert_max_num_queries):
    small, small_items = make_voting_pool(method="cumulative", costs=[1000 + i for i in range(3)])
    large, large_items = make_voting_pool(
        method="cumulative", costs=[1000 + i for i in range(40)], district=DistrictFactory()
    )
    counts = {}
    for pool, items in ((small, small_items), (large, large_items)):
        resident = make_resident(pool.district)
        ballot_cast(pool=pool, voter=resident, choices={items[0].pk: 2, items[1].pk: 1})
        client.force_login(resident)
        every = {f"points-{item.pk}": "0" for item in items} | {f"points-{items[2].pk}": "1"}
        requests = {
            "page": lambda p=pool: client.get(ballot_url(p)),
            "add": lambda p=pool, i=items: client.get(ballot_url(p), {"add": i[2].pk}),
            "update": lambda p=pool, d=every: client.post(ballot_url(p), {**d, "action": "update"}),
            "htmx": lambda p=pool, d=every: client.post(ballot_url(p), d, **HTMX),
            "review": lambda p=pool, d=every: client.post(ballot_url(p), {**d, "action": "review"}),
        }
        counts[len(items)] = {name: _queries(client, request) for name, request in requests.items()}
    assert counts[3] == counts[40]
    # Session with its user (and whether they are staff), pool, census record, the ballot's
    # choices, the items.
    with django_assert_max_num_queries(5):
        client.get(ballot_url(large))
    # The ballot lists titles and costs: the descriptions stay in the database.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ballot_url(large)).status_code == 200
    assert not any("body_html" in query["sql"] for query in queries)
    # Each change of a choice (htmx): session with its user, pool, census record, the items;
    # the summary does not say whether the resident has voted, so no ballot is read.
    every = {f"points-{item.pk}": "0" for item in large_items}
    with django_assert_max_num_queries(4):
        response = client.post(ballot_url(large), {**every, "action": "update"}, **HTMX)
    assert response.status_code == 200


def test_casting_queries_do_not_grow_with_the_proposals(client):
    counts = []
    for size in (3, 40):
        pool, items = make_voting_pool(costs=[1000 + i for i in range(size)])
        resident = make_resident(pool.district)
        client.force_login(resident)
        data = ballot_data(pool, items, {0: 1, 1: 1}, "confirm")
        counts.append(_queries(client, lambda p=pool, d=data: client.post(ballot_url(p), d)))
    assert counts[0] == counts[1]


def test_cast_on_postgresql_is_five_statements_in_production_settings(
    client, require_postgres, settings
):
    """Session with its user (and the staff question of the second-factor check), pool; then,
    in one transaction, the voter's lock, the state read after it, and the one-statement
    store."""
    settings.CIVIC_REQUIRE_MFA_FOR_PRIVILEGED = True
    pool, items = make_voting_pool(costs=[1000, 2000, 3000])
    resident = make_resident(pool.district)
    client.force_login(resident)
    data = ballot_data(pool, items, {0: 1, 1: 1}, "confirm")
    with CaptureQueriesContext(connection) as queries:
        assert client.post(ballot_url(pool), data).status_code == 302
    sql = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(sql) == 5, "\n".join(sql)
    assert "accounts_session" in sql[0]
    assert "accounts_user" in sql[0] and "districts_staffmembership" in sql[0]
    assert "budgets_pool" in sql[1]
    assert "FOR UPDATE OF c FOR SHARE OF p" in sql[2]
    assert "budgets_ballotfreeze" in sql[3]
    assert sql[4].startswith("WITH ballot AS (INSERT INTO budgets_ballot")


# Staff: paper ballots ------------------------------------------------------------------------


def paper_urls(pool, paper=None, slug: str | None = None) -> dict[str, str]:
    base = f"/staff/{slug or pool.district.slug}/pools/{pool.pk}/paper/"
    return {
        "entry": base,
        "reconcile": f"{base}reconcile/",
        "resolve": f"{base}{paper.pk if paper else 0}/resolve/",
    }


def paper_data(pool, items, picks: dict[int, int], national_id: str, **fields) -> dict:
    return {"national_id": national_id, "booth": "", "assembly": "", **fields} | ballot_data(
        pool, items, picks
    )


@pytest.fixture
def paper_world():
    """A voting pool with a conflict waiting (a resident voted online and on paper)."""
    pool, items = make_voting_pool(method="approval", max_choices=3)
    first, second = make_staff(pool.district), make_staff(pool.district)
    dual = make_resident(pool.district)
    ballot_cast(pool=pool, voter=dual, choices={items[0].pk: 1})
    CensusRecordFactory(district=pool.district, national_id="5550001111")
    # The staff type in the resident's national id; give the record a known one.
    CensusRecord.objects.filter(pk=dual.census_record.pk).update(
        id_hmac=national_id_hmac("5550002222")
    )
    for staff in (first, second):
        paper_entry_record(
            pool=pool, staff=staff, national_id="5550002222", choices={items[1].pk: 1}, booth="Hall"
        )
    conflict = PaperBallot.objects.get(pool=pool)
    assert conflict.state == PaperBallot.State.CONFLICT
    return pool, items, conflict, first


def _state(pool) -> tuple:
    """Everything a paper page could change."""
    return (
        PaperEntry.objects.count(),
        sorted(PaperBallot.objects.values_list("state", flat=True)),
        sorted(Ballot.objects.filter(pool=pool).values_list("channel", "held", "receipt")),
    )


PAPER_ROLES = {
    # role: (user maker, expected status for entry GET / entry POST / reconcile / resolve)
    "anonymous": (lambda pool: None, ("login",) * 4),
    "resident": (lambda pool: make_resident(pool.district), (403,) * 4),
    "staff": (lambda pool: make_staff(pool.district), (200, 302, 200, 302)),
    "staff_other_district": (lambda pool: make_staff(DistrictFactory()), (403,) * 4),
    "council": (lambda pool: make_council(), (403,) * 4),
    "city_admin": (lambda pool: make_city_admin(), (403,) * 4),
}


@pytest.mark.parametrize("role", list(PAPER_ROLES))
def test_paper_pages_by_role(client, paper_world, role):
    pool, items, conflict, _first = paper_world
    make_user, expected = PAPER_ROLES[role]
    user = make_user(pool)
    if user is not None:
        client.force_login(user)
    urls = paper_urls(pool, conflict)
    before = _state(pool)
    entry = paper_data(pool, items, {2: 1}, "5550001111", booth="School 5")
    resolve = {"keep": "paper", "note": "The resident voted at the assembly."}
    responses = [
        client.get(urls["entry"]),
        client.post(urls["entry"], entry),
        client.get(urls["reconcile"]),
        client.post(urls["resolve"], resolve),
    ]
    for response, status in zip(responses, expected, strict=True):
        if status == "login":
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=/staff/")
        else:
            assert response.status_code == status, response.request["PATH_INFO"]
    if role == "staff":
        conflict.refresh_from_db()
        assert conflict.state == PaperBallot.State.COUNTED
        assert PaperEntry.objects.filter(entered_by=user).count() == 1
    else:
        assert _state(pool) == before
    # The pages answer only the methods they are for.
    assert client.post(urls["reconcile"]).status_code == 405
    assert client.get(urls["resolve"]).status_code == 405


def test_staff_of_another_district_cannot_reach_this_pool_through_their_own(client, paper_world):
    pool, items, conflict, _first = paper_world
    other = DistrictFactory()
    client.force_login(make_staff(other))
    urls = paper_urls(pool, conflict, slug=other.slug)
    before = _state(pool)
    entry = paper_data(pool, items, {2: 1}, "5550001111", booth="School 5")
    assert client.get(urls["entry"]).status_code == 404
    assert client.post(urls["entry"], entry).status_code == 404
    assert client.get(urls["reconcile"]).status_code == 404
    assert client.post(urls["resolve"], {"keep": "online", "note": "x"}).status_code == 404
    assert _state(pool) == before


def test_a_paper_ballot_of_another_pool_cannot_be_resolved_here(client, paper_world):
    pool, _items, conflict, first = paper_world
    own_pool, _ = make_voting_pool(district=DistrictFactory())
    StaffMembership.objects.create(user=first, district=own_pool.district)
    client.force_login(first)
    url = paper_urls(own_pool, conflict)["resolve"]
    before = _state(pool)
    assert client.post(url, {"keep": "online", "note": "x"}).status_code == 404
    assert _state(pool) == before


def test_after_voting_closes_staff_can_no_longer_enter_paper_ballots(client):
    pool = make_pool(phase="tallying")
    staff = make_staff(pool.district)
    client.force_login(staff)
    urls = paper_urls(pool)
    assert client.get(urls["entry"]).status_code == 403
    assert client.post(urls["entry"], {"national_id": "1", "booth": "x"}).status_code == 403
    assert client.get(urls["reconcile"]).status_code == 200
    assert not PaperEntry.objects.exists()


@pytest.mark.parametrize("method", ["approval", "cumulative"])
def test_paper_double_entry_through_the_pages_is_blind(client, method):
    pool, items = make_voting_pool(**METHODS[method]["fields"])
    assembly = Assembly.objects.create(
        district=pool.district, title="Spring assembly", held_on=timezone.now().date()
    )
    CensusRecordFactory(district=pool.district, national_id="5550001111")
    first, second = make_staff(pool.district), make_staff(pool.district)
    picks = {1: 1, 3: 1} if method == "approval" else {1: 4, 3: 3}
    entry = paper_data(pool, items, picks, "5550001111", assembly=str(assembly.pk))
    urls = paper_urls(pool)

    client.force_login(first)
    saved = client.post(urls["entry"], entry, follow=True)
    assert saved.redirect_chain == [(urls["entry"], 302)]
    assert "A different staff member must now type in the same ballot." in saved.content.decode()
    again = client.post(urls["entry"], entry)
    assert again.status_code == 400
    assert "You have already entered this ballot" in again.content.decode()
    assert PaperEntry.objects.count() == 1

    client.force_login(second)
    blank = client.get(urls["entry"]).content.decode()
    assert "5550001111" not in blank and "checked" not in blank
    assert f'<option value="{assembly.pk}" selected>' not in blank
    assert "A different staff member" not in blank  # the first one's message is theirs
    for index in picks:
        pk = items[index].pk
        if method == "cumulative":
            assert f'name="points-{pk}" value="0"' in blank
        else:
            assert f'name="choice" value="{pk}"' in blank  # offered, not ticked
    assert not re.search(r'name="points-\d+" value="[1-9]', blank)
    counted = client.post(urls["entry"], entry, follow=True)
    assert "the paper ballot is counted" in counted.content.decode()
    ballot = Ballot.objects.get(pool=pool)
    assert ballot.channel == "paper"
    assert stored(pool) == {items[i].pk: w for i, w in picks.items()}


def test_paper_entries_that_differ_wait_for_a_blind_third_check(client):
    pool, items = make_voting_pool(method="approval", max_choices=3)
    CensusRecordFactory(district=pool.district, national_id="5550001111")
    staff = [make_staff(pool.district) for _ in range(3)]
    urls = paper_urls(pool)
    typed = [{0: 1}, {4: 1}, {4: 1}]
    for member, picks in zip(staff[:2], typed[:2], strict=True):
        client.force_login(member)
        client.post(urls["entry"], paper_data(pool, items, picks, "5550001111", booth="Market"))
    assert PaperBallot.objects.get().state == PaperBallot.State.MISMATCH
    reconcile = client.get(urls["reconcile"]).content.decode()
    assert "Entries that differ: third check" in reconcile
    assert staff[0].email in reconcile and staff[1].email in reconcile
    assert items[0].title not in reconcile and items[4].title not in reconcile  # still blind
    assert not Ballot.objects.exists()
    client.force_login(staff[2])
    assert "checked" not in client.get(urls["entry"]).content.decode()
    client.post(urls["entry"], paper_data(pool, items, typed[2], "5550001111", booth="Market"))
    assert PaperBallot.objects.get().state == PaperBallot.State.COUNTED
    assert stored(pool) == {items[4].pk: 1}


def test_paper_entry_errors_are_shown_by_their_fields(client):
    pool, items = make_voting_pool()
    client.force_login(make_staff(pool.district))
    response = client.post(paper_urls(pool)["entry"], paper_data(pool, items, {0: 1}, "0000000000"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_booth_error"' in html and "Name the booth or choose the assembly." in html
    assert not PaperEntry.objects.exists()


def test_reconciliation_shows_no_online_totals_before_voting_closes(client):
    pool, items = make_voting_pool()
    Ballot.objects.bulk_create(
        Ballot(pool=pool, channel="online", receipt=f"R{i:015d}") for i in range(1013)
    )
    client.force_login(make_staff(pool.district))
    url = paper_urls(pool)["reconcile"]
    html = client.get(url).content.decode()
    online_total = re.compile(r"(?<![\d.,])1[,.\u00a0\u202f ]?013(?!\d)")
    assert not online_total.search(html)
    assert "Online ballot totals are shown only after voting closes" in html
    # Once the ballots are frozen the same page shows them: the check above can fail.
    BallotFreeze.objects.create(pool=pool, digest="0" * 64, ballots_pb="", online=1013, paper=0)
    assert online_total.search(client.get(url).content.decode())


def test_a_conflict_is_resolved_on_the_reconciliation_page(client, paper_world):
    pool, _items, conflict, first = paper_world
    client.force_login(first)
    urls = paper_urls(pool, conflict)
    page = client.get(urls["reconcile"]).content.decode()
    assert f'action="{urls["resolve"]}"' in page
    refused = client.post(urls["resolve"], {"keep": "online", "note": ""}, follow=True)
    assert "Choose which ballot counts and give a reason." in refused.content.decode()
    conflict.refresh_from_db()
    assert conflict.state == PaperBallot.State.CONFLICT
    done = client.post(
        urls["resolve"], {"keep": "online", "note": "Voted online first."}, follow=True
    )
    assert "The conflict is resolved." in done.content.decode()
    conflict.refresh_from_db()
    assert conflict.state == PaperBallot.State.DISCARDED
    assert Ballot.objects.get(pool=pool).held is False
