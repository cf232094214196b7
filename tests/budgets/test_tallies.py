"""Tallies in the product: import/export of pabulib files, the tally task, what-ifs."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from budgets import tally as engine
from budgets.models import BallotFreeze, Pool, Report, Tally
from budgets.services import report_approve, report_render, tally_request, tally_run
from budgets.services.imports import pool_import_pabulib
from proposals.models import Proposal, Review, Status
from tests.factories import DistrictFactory, make_council

pytestmark = pytest.mark.django_db

PABULIB = Path(__file__).resolve().parents[2].parent / "shared" / "pabulib"
ASSEN = PABULIB / "Netherlands_Assen_2024.pb"
SWIECIE = PABULIB / "Poland_Swiecie_2023.pb"


def _engine_selected(path: Path, rule: str, **options) -> set[str]:
    election = engine.load(path)
    profile = engine.profile_from_election(election)
    return set(engine.tally(profile, rule, engine.Options(**options)).selected)


def _import(path: Path, year: int = 2024) -> tuple[Pool, BallotFreeze]:
    return pool_import_pabulib(
        text=path.read_text(encoding="utf-8"), district=DistrictFactory(), year=year
    )


def test_import_creates_closed_frozen_pool_with_official_tally_queued():
    pool, freeze = _import(ASSEN)
    election = engine.load(ASSEN)
    assert pool.phase not in ("voting", "submission", "review")
    assert pool.proposals.count() == len(election.projects)
    assert freeze.ballots == len(election.votes)
    assert pool.tally_rule == "mes-add1"  # META rule equalshares/add1
    tally = Tally.objects.get(pool=pool)
    assert tally.official and tally.state == Tally.State.QUEUED


def test_official_tally_selects_what_the_engine_and_the_city_selected():
    pool, _freeze = _import(ASSEN)
    tally = tally_run(tally=Tally.objects.get(pool=pool))
    assert tally.state == Tally.State.DONE and tally.progress == 100
    expected = _engine_selected(ASSEN, "mes-add1")
    official = {
        pid
        for pid, project in engine.load(ASSEN).projects.items()
        if project.extra.get("selected") == "1"
    }
    assert set(tally.selected) == expected == official
    # Counted is not published: the proposals wait for the council's approval.
    assert not Proposal.objects.filter(pool=pool, status=Status.SELECTED).exists()
    report = Report.objects.get(pool=pool, tally=tally)
    assert report.version == 1 and report.state == Report.State.RENDERING
    report = report_render(report=report)  # the real PDFs, in every language
    assert report.state == Report.State.PENDING and report.files.count() == 3
    report_approve(report=report, user=make_council())
    selected = set(
        Proposal.objects.filter(pool=pool, status=Status.SELECTED).values_list(
            "external_id", flat=True
        )
    )
    assert selected == expected
    assert not Proposal.objects.filter(pool=pool, status=Status.ON_BALLOT).exists()
    assert Review.objects.filter(proposal__pool=pool, action="select").count() == len(expected)


def test_tally_run_twice_and_interrupted_run_give_one_result():
    pool, _freeze = _import(ASSEN)
    tally = Tally.objects.get(pool=pool)
    Tally.objects.filter(pk=tally.pk).update(state=Tally.State.RUNNING, progress=30)  # worker died
    first = tally_run(tally=tally)
    second = tally_run(tally=tally)
    assert first.result == second.result
    assert second.attempts == 1  # the finished tally was not counted again
    assert Tally.objects.filter(pool=pool).count() == 1
    assert tally_request(pool=pool).pk == tally.pk


def test_tally_row_is_unique_per_pool_digest_rule_and_options():
    pool, freeze = _import(ASSEN)
    tally = Tally.objects.get(pool=pool)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tally.objects.create(
            pool=pool, digest=freeze.digest, rule=tally.rule, options_key=tally.options_key
        )


def test_what_if_tally_is_stored_apart_and_never_official():
    pool, _freeze = _import(ASSEN)
    what_if = tally_request(pool=pool, rule="greedy")
    assert not what_if.official
    tally_run(tally=what_if)
    assert set(Tally.objects.get(pk=what_if.pk).selected) == _engine_selected(ASSEN, "greedy")
    # A what-if does not touch the proposals' outcome.
    assert not Proposal.objects.filter(pool=pool, status=Status.SELECTED).exists()


def test_tally_request_refuses_bad_options():
    from django.core.exceptions import ValidationError

    pool, _freeze = _import(ASSEN)
    with pytest.raises(ValidationError):
        tally_request(pool=pool, rule="greedy", options={"tie_break": "lot"})  # no seed
    with pytest.raises(ValidationError):
        tally_request(pool=pool, rule="dictator")


def test_export_then_import_gives_same_file_digest_and_winners():
    pool, freeze = _import(SWIECIE)
    out = io.StringIO()
    call_command("export_pabulib", str(pool.pk), stdout=out)
    exported = out.getvalue()
    assert exported == freeze.ballots_pb
    assert hashlib.sha256(exported.encode()).hexdigest() == freeze.digest
    again, again_freeze = pool_import_pabulib(text=exported, district=DistrictFactory(), year=2023)
    # Same projects and ballots; only META (district, dates) describes the new pool.
    before, after = engine.loads(freeze.ballots_pb), engine.loads(again_freeze.ballots_pb)
    assert after.projects == before.projects and after.votes == before.votes
    first = tally_run(tally=Tally.objects.get(pool=pool))
    second = tally_run(tally=Tally.objects.get(pool=again))
    assert set(first.selected) == set(second.selected) == _engine_selected(SWIECIE, "mes-add1")


def test_export_has_receipts_and_no_personal_data():
    pool, freeze = _import(ASSEN)
    election = engine.loads(freeze.ballots_pb)
    assert set(election.vote_columns) == {"voter_id", "vote"}
    assert set(election.project_columns) == {"project_id", "cost", "votes", "name"}


def test_import_pabulib_command_reports_the_pool_and_errors(tmp_path):
    district = DistrictFactory(slug="import-here")
    out = io.StringIO()
    call_command(
        "import_pabulib", str(ASSEN), "--district", "import-here", "--cycle", "2024", stdout=out
    )
    assert "ballots" in out.getvalue() and "sha256" in out.getvalue()
    with pytest.raises(CommandError, match="already has a pool"):
        call_command("import_pabulib", str(ASSEN), "--district", district.slug, "--cycle", "2024")
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;abc\nVOTES\n")
    with pytest.raises(CommandError, match="line"):
        call_command("import_pabulib", str(bad), "--district", district.slug, "--cycle", "2025")
    with pytest.raises(CommandError, match="no district"):
        call_command("import_pabulib", str(ASSEN), "--district", "nowhere", "--cycle", "2024")
    with pytest.raises(CommandError, match="not closed"):
        call_command("export_pabulib", "999999")


@pytest.mark.worker
def test_real_worker_counts_the_official_tally_after_close(celery_worker, require_postgres):
    """Freezing commits, the worker picks the task from Redis and stores one tally."""
    import time

    pool, _freeze = _import(ASSEN)  # transactional_db: committed, task sent to the broker
    tally = Tally.objects.get(pool=pool)
    deadline = time.monotonic() + 120  # generous: CI runs other tests beside it
    while time.monotonic() < deadline:
        tally.refresh_from_db()
        if tally.state == Tally.State.DONE:
            break
        time.sleep(0.1)
    assert tally.state == Tally.State.DONE, (tally.state, tally.progress, tally.error)
    assert set(tally.selected) == _engine_selected(ASSEN, "mes-add1")
    assert Tally.objects.filter(pool=pool).count() == 1


def _staff_url(pool: Pool) -> str:
    return f"/staff/{pool.district.slug}/pools/{pool.pk}/tallies/"


def test_staff_tallies_page_shows_progress_then_result_and_polls_while_counting(client):
    from tests.factories import make_staff

    pool, _freeze = _import(ASSEN)
    client.force_login(make_staff(pool.district))
    page = client.get(_staff_url(pool))
    assert page.status_code == 200
    assert b'hx-trigger="every 2s"' in page.content and b"<progress" in page.content
    tally_run(tally=Tally.objects.get(pool=pool))
    partial = client.get(_staff_url(pool), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content
    assert b"every 2s" not in partial.content
    assert b"Official tally" in partial.content


def test_staff_see_a_failed_tally_explained_in_their_language(client):
    from budgets.services.tallies import tally_fail
    from tests.factories import make_staff

    pool, _freeze = _import(ASSEN)
    tally_fail(tally=Tally.objects.get(pool=pool, official=True), error="time limit exceeded")
    client.force_login(make_staff(pool.district, preferred_language="bg"))
    html = client.get(_staff_url(pool)).content.decode()
    assert "Преброяването спря с грешка." in html
    assert '<code lang="en">time limit exceeded</code>' in html


def test_staff_what_if_is_queued_and_marked(client):
    from tests.factories import make_staff

    pool, _freeze = _import(ASSEN)
    client.force_login(make_staff(pool.district))
    response = client.post(
        _staff_url(pool), {"rule": "greedy", "tie_break": "fewer-cost", "min_votes": "0"}
    )
    assert response.status_code == 302
    what_if = Tally.objects.get(pool=pool, official=False)
    assert what_if.rule == "greedy" and what_if.options["tie_break"] == "fewer-cost"
    page = client.get(_staff_url(pool))
    assert b"What-if (not official, never published)" in page.content


@pytest.mark.parametrize("role", ["anonymous", "resident", "foreign_staff", "council", "admin"])
def test_staff_tallies_refused_to_others(client, role):
    from tests.factories import make_city_admin, make_council, make_resident, make_staff

    pool, _freeze = _import(ASSEN)
    user = {
        "anonymous": lambda: None,
        "resident": lambda: make_resident(pool.district),
        "foreign_staff": lambda: make_staff(DistrictFactory()),
        "council": make_council,
        "admin": make_city_admin,
    }[role]()
    if user is not None:
        client.force_login(user)
    post = client.post(
        _staff_url(pool), {"rule": "greedy", "tie_break": "lexico", "min_votes": "0"}
    )
    assert post.status_code in (302, 403)
    if role != "anonymous":
        assert post.status_code == 403
    assert not Tally.objects.filter(pool=pool, official=False).exists()
    page = client.get(_staff_url(pool))
    if role == "admin":
        assert page.status_code == 200  # the city admin reads every district's tallies
    elif role == "anonymous":
        assert page.status_code == 302
    else:
        assert page.status_code == 403


def test_staff_tallies_of_a_foreign_pool_under_the_own_district_are_not_found(client):
    from tests.factories import make_staff

    pool, _freeze = _import(ASSEN)
    own = DistrictFactory()
    client.force_login(make_staff(own))
    url = f"/staff/{own.slug}/pools/{pool.pk}/tallies/"
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    post = client.post(url, {"rule": "greedy", "tie_break": "lexico", "min_votes": "0"})
    assert post.status_code == 404
    assert not Tally.objects.filter(pool=pool, official=False).exists()


def _children(pid: int) -> list[int]:
    """Processes whose parent is pid (the worker's pool children), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait_for(tally: Tally, done, seconds: float, poll: float) -> Tally:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tally.refresh_from_db()
        if done(tally):
            return tally
        time.sleep(poll)
    raise AssertionError(f"tally {tally.pk} stuck: {tally.state} {tally.progress}% {tally.error}")


@pytest.mark.worker
def test_worker_killed_mid_tally_leaves_one_finished_tally(worker_process, tmp_path):
    """SIGKILL the worker's child while it counts: the message goes back to the queue
    (acks_late, reject_on_worker_lost), a new child counts again, and there is one tally,
    one result and one report version."""
    import os
    import signal

    pool, _freeze = _import(SWIECIE)  # official tally: mes-add1 (META equalshares/add1)
    tally = Tally.objects.get(pool=pool)
    tally = _wait_for(tally, lambda t: t.state != Tally.State.QUEUED, 120, 0.005)
    assert tally.state == Tally.State.RUNNING, (tally.state, tally.progress)
    children = _children(worker_process.pid)
    assert len(children) == 1, (children, (tmp_path / "worker.log").read_text())
    os.kill(children[0], signal.SIGKILL)

    tally = _wait_for(tally, lambda t: t.state == Tally.State.DONE, 120, 0.05)
    log = (tmp_path / "worker.log").read_text()
    assert "WorkerLostError" in log or "SIGKILL" in log, log
    assert tally.attempts == 2  # the killed count and the one that finished
    assert set(tally.selected) == _engine_selected(SWIECIE, "mes-add1")
    assert Tally.objects.filter(pool=pool).count() == 1
    assert Report.objects.filter(pool=pool).count() == 1
