"""The API and the CSV downloads show nothing unpublished and no personal data.

A pool's results (votes, who was selected, the tally, the ballots file, the reports) appear
only once the council approved a report of it, and then the latest approved version.
"""

import csv
import hashlib
import io
import json

import pytest

from budgets.models import BallotFreeze
from budgets.services import ballot_cast
from proposals.models import Proposal, Status
from tests.api.factories import HIDDEN_TITLE, Counted, second_version, secrets_of
from tests.budgets.factories import make_voting_pool
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

API = "/api/v1"
CSV_TABLES = ("districts", "budgets", "cycles", "pools", "proposals", "results", "reports")


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def get_json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, body(response)[:300])
    return response.json()


def csv_rows(client, table: str, query: str = "") -> list[dict]:
    response = client.get(f"{API}/{table}.csv{query}")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(body(response))))


def everything(client, pool, proposals) -> dict[str, tuple[int, str]]:
    """Every JSON and CSV address of the API (the ballots file aside): url → (status, body)."""
    urls = [
        f"{API}/",
        f"{API}/openapi.json",
        f"{API}/districts",
        f"{API}/districts/{pool.district.slug}",
        f"{API}/budgets",
        f"{API}/cycles",
        f"{API}/pools",
        f"{API}/pools/{pool.pk}",
        f"{API}/pools/{pool.pk}/results",
        f"{API}/proposals",
        f"{API}/proposals?limit=1",
        *[f"{API}/proposals/{p.pk}" for p in proposals],
        f"{API}/reports",
        *[f"{API}/{table}.csv" for table in CSV_TABLES],
    ]
    return {url: (r.status_code, body(r)) for url in urls for r in [client.get(url)]}


PERSONAL_KEYS = {
    "author",
    "author_id",
    "email",
    "user",
    "user_id",
    "actor",
    "decided_by",
    "requested_by",
    "claimed_by",
    "census_record",
    "id_hmac",
    "birth_year",
    "internal_note",
    "hidden_reason",
    "receipt",
    "comment",
    "flags",
}


def keys(data) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for value in data.values() for k in keys(value)}
    if isinstance(data, list):
        return {k for value in data for k in keys(value)}
    return set()


def assert_no_secrets(responses: dict[str, tuple[int, str]], secrets: list[str]) -> None:
    for url, (status, text) in responses.items():
        for secret in secrets:
            assert secret not in text, (url, secret)
        if url.endswith(".csv"):
            columns = set(text.split("\r\n", 1)[0].split(","))
        elif status == 200:
            columns = keys(json.loads(text))
        else:
            columns = set()
        assert not columns & PERSONAL_KEYS, (url, columns & PERSONAL_KEYS)


def assert_nothing_of_the_results(client, pool, responses, receipts) -> None:
    """Nothing of the count is visible: no results, no ballots, no reports, no outcome."""
    assert responses[f"{API}/pools/{pool.pk}/results"][0] == 404
    assert client.get(f"{API}/pools/{pool.pk}/ballots.pb").status_code == 404
    data = get_json(client, f"{API}/pools/{pool.pk}")
    assert data["published"] is False and data["results"] is None
    assert get_json(client, f"{API}/reports?pool={pool.pk}")["count"] == 0
    for item in get_json(client, f"{API}/proposals?pool={pool.pk}")["items"]:
        assert item["selected"] is None
        assert item["status"] not in (Status.SELECTED, Status.NOT_SELECTED)
    assert get_json(client, f"{API}/proposals?status=selected")["count"] == 0
    assert csv_rows(client, "results") == []
    assert csv_rows(client, "reports") == []
    [row] = [r for r in csv_rows(client, "pools") if r["id"] == str(pool.pk)]
    assert row["published"] == "false" and row["ballots_sha256"] == "" and row["selected"] == ""
    for row in csv_rows(client, "proposals"):
        assert row["selected"] == "" and row["status"] not in ("selected", "not_selected")
    digest = BallotFreeze.objects.filter(pool=pool).values_list("digest", flat=True).first()
    for url, (_status, text) in responses.items():
        for receipt in receipts:
            assert receipt not in text, (url, "receipt")
        if digest:
            assert digest not in text, (url, "digest")
        if url.endswith(".csv"):
            text = text.split("\n", 1)[1]  # the header names the columns, results or not
        if not url.endswith("openapi.json"):
            assert '"votes"' not in text and ",votes," not in text, url


# Before publication -------------------------------------------------------------------------


def test_voting_pool_shows_no_results(client):
    pool, items = make_voting_pool()
    for n in range(3):
        ballot_cast(pool=pool, voter=make_resident(pool.district), choices={items[n].pk: 1})
    receipts = [b.receipt for b in pool.ballots.all()]
    responses = everything(client, pool, items)
    assert_nothing_of_the_results(client, pool, responses, receipts)
    assert get_json(client, f"{API}/pools/{pool.pk}")["phase"] == "voting"
    assert {p["id"] for p in get_json(client, f"{API}/proposals")["items"]} == {p.pk for p in items}


@pytest.mark.parametrize("state", ["rendering", "pending", "returned"])
def test_tallied_pool_shows_no_results_until_the_report_is_approved(client, counted, state):
    counted.set_state(state)
    # Even a row that says "selected" (written early by mistake) does not tell the outcome.
    Proposal.objects.filter(pk=counted.items[0].pk).update(status=Status.SELECTED)
    responses = everything(client, counted.pool, [*counted.items, counted.draft, counted.hidden])
    assert_nothing_of_the_results(client, counted.pool, responses, counted.receipts())
    assert_no_secrets(responses, secrets_of(counted))
    assert counted.report.tally.digest not in "".join(text for _s, text in responses.values())


# After publication --------------------------------------------------------------------------


def test_approved_report_publishes_results_ballots_and_report(client, counted: Counted):
    report = counted.set_state("approved")
    pool, tally = counted.pool, counted.tally
    freeze = BallotFreeze.objects.get(pool=pool)

    results = get_json(client, f"{API}/pools/{pool.pk}/results")
    assert results["selected"] == tally.result["selected"]
    assert results["report"]["version"] == 1
    assert results["rule"] == "greedy" and results["options"]["tie_break"] == "lexico"
    by_id = {p["project_id"]: p for p in results["projects"]}
    for project in tally.result["projects"]:
        row = by_id[project["id"]]
        assert row["votes"] == project["votes"] and row["selected"] == project["selected"]
        assert row["status"] == project["status"] and row["round"] == project.get("round")
        assert row["title"] == Proposal.objects.get(pk=int(project["id"])).title
    assert results["ballots"]["sha256"] == freeze.digest
    assert results["ballots"]["online"] == freeze.online

    response = client.get(f"{API}/pools/{pool.pk}/ballots.pb")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-SHA256"] == freeze.digest
    assert hashlib.sha256(response.content).hexdigest() == freeze.digest
    pb = response.content.decode()
    assert all(receipt in pb for receipt in counted.receipts())

    summary = get_json(client, f"{API}/pools/{pool.pk}")
    assert summary["published"] is True
    assert summary["results"]["selected"] == tally.result["selected"]
    assert summary["results"]["ballots_sha256"] == freeze.digest

    [entry] = get_json(client, f"{API}/reports?pool={pool.pk}")["items"]
    assert (entry["id"], entry["version"], entry["superseded"]) == (report.pk, 1, False)
    files = {f["language"]: f for f in entry["files"]}
    assert set(files) == {"en", "bg", "tr"}
    for language, row in files.items():
        assert row["url"] == f"http://testserver/reports/{report.pk}/{language}.pdf"
        assert row["sha256"] == report.files.get(language=language).sha256

    selected = set(tally.result["selected"])
    for item in get_json(client, f"{API}/proposals?pool={pool.pk}")["items"]:
        assert item["selected"] == (item["project_id"] in selected)
        assert item["status"] == ("selected" if item["selected"] else "not_selected")

    rows = csv_rows(client, "results")
    assert {r["project_id"] for r in rows} == {p["id"] for p in tally.result["projects"]}
    assert {r["project_id"] for r in rows if r["selected"] == "true"} == selected
    assert len(csv_rows(client, "reports")) == 3
    [row] = csv_rows(client, "pools")
    assert row["published"] == "true" and row["ballots_sha256"] == freeze.digest

    responses = everything(client, pool, [*counted.items, counted.draft, counted.hidden])
    assert_no_secrets(responses, secrets_of(counted))
    for url, (_status, text) in responses.items():  # receipts: only in the ballots file
        assert not any(receipt in text for receipt in counted.receipts()), url


def test_a_recount_shows_only_once_its_report_is_approved(client, counted: Counted):
    counted.set_state("approved")
    first = counted.tally.result["selected"]
    other = [p["id"] for p in counted.tally.result["projects"] if p["id"] not in first][:1]
    second = second_version(counted, selected=other)
    for state in ("rendering", "pending", "returned"):
        counted.set_state(state, report=second)
        assert get_json(client, f"{API}/pools/{counted.pool.pk}/results")["selected"] == first
        versions = [r["version"] for r in get_json(client, f"{API}/reports")["items"]]
        assert versions == [1]
    counted.set_state("approved", report=second)
    results = get_json(client, f"{API}/pools/{counted.pool.pk}/results")
    assert results["selected"] == other and results["report"]["version"] == 2
    reports = get_json(client, f"{API}/reports")["items"]
    assert [(r["version"], r["superseded"]) for r in reports] == [(1, True), (2, False)]
    assert {r["project_id"] for r in csv_rows(client, "results") if r["selected"] == "true"} == set(
        other
    )


# Proposals ----------------------------------------------------------------------------------


def test_hidden_and_draft_proposals_are_absent(client, counted: Counted):
    counted.set_state("approved")
    listed = {p["id"] for p in get_json(client, f"{API}/proposals?limit=500")["items"]}
    assert listed == {p.pk for p in counted.items}
    for absent in (counted.draft, counted.hidden):
        get_json(client, f"{API}/proposals/{absent.pk}", status=404)
    csv_ids = {int(r["id"]) for r in csv_rows(client, "proposals")}
    assert csv_ids == listed
    assert get_json(client, f"{API}/proposals?status=draft")["count"] == 0


def test_a_ballot_proposal_hidden_later_keeps_its_numbers_but_not_its_title(client, counted):
    counted.set_state("approved")
    gone = counted.items[0]
    Proposal.objects.filter(pk=gone.pk).update(hidden_reason="Insult", hidden_at=gone.created_at)
    results = get_json(client, f"{API}/pools/{counted.pool.pk}/results")
    [row] = [p for p in results["projects"] if p["project_id"] == str(gone.pk)]
    assert row["proposal_id"] is None and row["title"] is None
    assert gone.title not in json.dumps(results)
    assert HIDDEN_TITLE not in body(client.get(f"{API}/results.csv"))
