"""Report versions, the council's sign-off, immutability and the audit log.

The PDF renderer has its own tests (test_report_pdf.py); here it is replaced by one that
returns a few bytes, so the flow is tested without WeasyPrint's seconds per file.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from budgets.models import AuditEvent, Report, ReportFile, Tally
from budgets.services import (
    report_approve,
    report_render,
    report_render_again,
    report_request,
    report_return,
    retally_request,
    tally_run,
)
from budgets.services.reports import cycle_summary_render
from proposals.models import Proposal, Status
from tests.budgets.factories import make_counted_pool
from tests.factories import (
    DistrictFactory,
    make_city_admin,
    make_council,
    make_resident,
    make_staff,
)

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    def render(*, pool, tally, report=None, language):
        return f"%PDF-1.7 pool {pool.pk} tally {tally.pk} v{report.version} {language}".encode()

    def summary(*, cycle, reports, language):
        pools = ",".join(str(report.pool_id) for report in reports)
        return f"%PDF-1.7 cycle {cycle.year} pools {pools} {language}".encode()

    monkeypatch.setattr("budgets.report_pdf.render_pool_report", render)
    monkeypatch.setattr("budgets.report_pdf.render_cycle_summary", summary)


@pytest.fixture
def pending():
    pool, items, tally, report = make_counted_pool()
    return pool, items, tally, report_render(report=report)


def council_url(report) -> str:
    return f"/council/reports/{report.pk}/"


def staff_url(pool) -> str:
    return f"/staff/{pool.district.slug}/pools/{pool.pk}/report/"


# The flow ----------------------------------------------------------------------------------


def test_official_tally_requests_a_report_and_publishes_nothing():
    pool, _items, tally, report = make_counted_pool()
    assert (report.version, report.state, report.tally_id) == (1, Report.State.RENDERING, tally.pk)
    assert not Proposal.objects.filter(pool=pool, status=Status.SELECTED).exists()
    assert report_request(tally=tally) == report  # asking again: the same version
    actions = list(AuditEvent.objects.filter(pool=pool).values_list("action", flat=True))
    assert sorted(actions) == sorted([Action.TALLY_FINISHED, Action.REPORT_REQUESTED])


def test_rendering_stores_one_file_per_language_with_its_digest(pending):
    import hashlib

    _pool, _items, _tally, report = pending
    assert report.state == Report.State.PENDING and report.progress == 100
    files = {row.language: row for row in report.files.all()}
    assert set(files) == {"en", "bg", "tr"}
    for row in files.values():
        data = row.file.read()
        assert hashlib.sha256(data).hexdigest() == row.sha256 and row.size == len(data)
    assert report_render(report=report).files.count() == 3  # a rerun changes nothing


def test_council_approval_publishes_the_selection_and_is_recorded(pending):
    pool, _items, tally, report = pending
    council = make_council()
    report = report_approve(report=report, user=council)
    assert report.state == Report.State.APPROVED
    assert report.decided_by == council and report.decided_at is not None
    selected = set(
        Proposal.objects.filter(pool=pool, status=Status.SELECTED).values_list("pk", flat=True)
    )
    assert {str(pk) for pk in selected} == set(tally.selected)
    event = AuditEvent.objects.get(report=report, action=Action.REPORT_APPROVED)
    assert event.actor == council
    with pytest.raises(ValidationError):
        report_approve(report=report, user=council)  # not awaiting approval any more


def test_send_back_needs_a_comment_and_staff_can_render_again(pending):
    _pool, _items, _tally, report = pending
    council = make_council()
    with pytest.raises(ValidationError):
        report_return(report=report, user=council, comment="   ")
    report = report_return(report=report, user=council, comment="Reason for project 3 is missing")
    assert report.state == Report.State.RETURNED
    with pytest.raises(ValidationError):
        report_approve(report=report, user=council)
    report = report_render_again(report=report, user=make_staff(report.pool.district))
    assert report.state == Report.State.RENDERING
    assert report_render(report=report).state == Report.State.PENDING
    assert report.comment  # the council's comment is kept with the version


# The database keeps approved versions as they are -------------------------------------------


def test_an_approved_report_its_files_and_tally_cannot_change(pending):
    _pool, _items, tally, report = pending
    report = report_approve(report=report, user=make_council())
    attempts = [
        lambda: Report.objects.filter(pk=report.pk).update(comment="edited"),
        lambda: Report.objects.filter(pk=report.pk).delete(),
        lambda: ReportFile.objects.filter(report=report).update(sha256="0" * 64),
        lambda: ReportFile.objects.filter(report=report).delete(),
        lambda: ReportFile.objects.create(
            report=report, language="xx", sha256="0" * 64, size=1, rendered_at=timezone.now()
        ),
        lambda: Tally.objects.filter(pk=tally.pk).update(result={"selected": []}),
        lambda: Tally.objects.filter(pk=tally.pk).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    report.refresh_from_db()
    assert report.state == Report.State.APPROVED and report.comment == ""
    assert report.files.count() == 3


def test_the_audit_log_only_grows(pending):
    event = AuditEvent.objects.first()
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(note="rewritten"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()


# Counting again after an approval -------------------------------------------------------------


def test_retally_needs_a_city_admin_reason_and_makes_a_new_version(pending):
    pool, _items, tally, report = pending
    council, admin = make_council(), make_city_admin()
    with pytest.raises(ValidationError):
        retally_request(pool=pool, user=admin, reason="too early")  # nothing approved yet
    report_approve(report=report, user=council)
    with pytest.raises(ValidationError):
        retally_request(pool=pool, user=admin, reason="  ")
    again = retally_request(pool=pool, user=admin, reason="Engine fix 1.2 (ticket 42)")
    assert again.official and again.run == 2 and again.digest == tally.digest
    with pytest.raises(ValidationError):  # one count at a time
        retally_request(pool=pool, user=admin, reason="twice")
    tally_run(tally=again)
    second = Report.objects.get(tally=again)
    assert second.version == 2 and second.reason == "Engine fix 1.2 (ticket 42)"
    report_render(report=second)
    # The first version stays approved (and public) until the council approves the second.
    assert Report.objects.get(pk=report.pk).state == Report.State.APPROVED
    report_approve(report=Report.objects.get(pk=second.pk), user=council)
    assert set(
        Report.objects.filter(pool=pool, state=Report.State.APPROVED).values_list(
            "version", flat=True
        )
    ) == {1, 2}
    assert AuditEvent.objects.filter(action=Action.RETALLY, actor=admin).count() == 1


def test_an_older_version_cannot_be_approved_once_a_newer_exists(pending):
    pool, _items, _tally, report = pending
    council, admin = make_council(), make_city_admin()
    report_approve(report=report, user=council)
    tally_run(tally=retally_request(pool=pool, user=admin, reason="recount"))
    second = report_render(report=Report.objects.get(pool=pool, version=2))
    assert second.state == Report.State.PENDING
    with pytest.raises(ValidationError):
        report_approve(report=report, user=council)


# Who may do what, through the views ---------------------------------------------------------


def test_only_the_council_approves(client, pending):
    pool, _items, _tally, report = pending
    others = [
        make_staff(pool.district),
        make_staff(DistrictFactory()),
        make_resident(pool.district),
        make_city_admin(),
    ]
    for user in others:
        client.force_login(user)
        response = client.post(council_url(report), {"action": "approve"})
        assert response.status_code == 403, user
        client.logout()
    assert Report.objects.get(pk=report.pk).state == Report.State.PENDING
    client.force_login(make_council())
    page = client.get(council_url(report))
    assert page.status_code == 200 and b"Approve and publish" in page.content
    response = client.post(council_url(report), {"action": "approve"})
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).state == Report.State.APPROVED


def test_anonymous_visitors_are_sent_to_sign_in(client, pending):
    _pool, _items, _tally, report = pending
    for url in (council_url(report), "/council/reports/", "/council/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_council_send_back_without_a_comment_is_refused_with_a_message(client, pending):
    _pool, _items, _tally, report = pending
    client.force_login(make_council())
    response = client.post(council_url(report), {"action": "return", "comment": ""})
    assert response.status_code == 400
    assert b'id="id_comment_error"' in response.content
    assert Report.objects.get(pk=report.pk).state == Report.State.PENDING
    response = client.post(council_url(report), {"action": "return", "comment": "Fix p. 2"})
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).state == Report.State.RETURNED


def test_council_queue_lists_waiting_reports(client, pending, django_assert_max_num_queries):
    _pool, _items, _tally, report = pending
    make_counted_pool()  # a second district, still rendering: not in the queue
    client.force_login(make_council())
    with django_assert_max_num_queries(12):
        page = client.get("/council/reports/")
    assert page.status_code == 200
    assert page.content.count(council_url(report).encode()) == 1
    client.force_login(make_staff(report.pool.district))
    assert client.get("/council/reports/").status_code == 403


def test_audit_log_is_for_council_and_city_admins(client, pending):
    pool, _items, _tally, _report = pending
    for user, status in (
        (make_council(), 200),
        (make_city_admin(), 200),
        (make_staff(pool.district), 403),
        (make_resident(pool.district), 403),
    ):
        client.force_login(user)
        assert client.get("/council/audit/").status_code == status


def test_report_pdf_is_public_only_once_approved(client, pending):
    pool, _items, _tally, report = pending
    url = f"/reports/{report.pk}/bg.pdf"
    # Before approval: the district's staff and the council read it; nobody else knows it.
    for user, status in (
        (None, 404),
        (make_resident(pool.district), 404),
        (make_staff(DistrictFactory()), 404),
        (make_staff(pool.district), 200),
        (make_council(), 200),
    ):
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert response["Content-Type"] == "application/pdf"
            assert "no-store" in response["Cache-Control"]
    report_approve(report=report, user=make_council())
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    row = report.files.get(language="bg")
    assert response["X-Content-SHA256"] == row.sha256
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(f"/reports/{report.pk}/xx.pdf").status_code == 404


def test_staff_report_page_is_scoped_to_the_district(client, pending):
    pool, _items, _tally, report = pending
    for user, status in (
        (make_staff(pool.district), 200),
        (make_city_admin(), 200),
        (make_staff(DistrictFactory()), 403),
        (make_council(), 403),
        (make_resident(pool.district), 403),
    ):
        client.force_login(user)
        assert client.get(staff_url(pool)).status_code == status, user
    foreign = make_staff(DistrictFactory())
    client.force_login(foreign)
    response = client.post(staff_url(pool), {"action": "render", "report": report.pk})
    assert response.status_code == 403
    assert Report.objects.get(pk=report.pk).state == Report.State.PENDING


def test_staff_report_of_a_foreign_pool_under_the_own_district_is_not_found(client, pending):
    pool, _items, _tally, report = pending
    own = DistrictFactory()
    client.force_login(make_staff(own))
    url = f"/staff/{own.slug}/pools/{pool.pk}/report/"
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    assert client.post(url, {"action": "render", "report": report.pk}).status_code == 404
    assert Report.objects.get(pk=report.pk).state == Report.State.PENDING


def test_staff_see_a_failed_rendering_explained_in_their_language(client, pending):
    from budgets.services.reports import report_fail

    pool, _items, _tally, report = pending
    Report.objects.filter(pk=report.pk).update(state=Report.State.RENDERING)
    report_fail(report=report, error="OSError: no space left on device")
    client.force_login(make_staff(pool.district, preferred_language="tr"))
    html = client.get(staff_url(pool)).content.decode()
    assert "Raporun hazırlanması bir hatayla durdu." in html
    assert '<code lang="en">OSError: no space left on device</code>' in html


def test_staff_render_again_refuses_a_forged_report_id(client, pending):
    pool, _items, _tally, report = pending
    _other_pool, _i, _t, other = make_counted_pool()
    client.force_login(make_staff(pool.district))
    assert client.post(staff_url(pool), {"action": "render", "report": other.pk}).status_code == 404
    assert client.post(staff_url(pool), {"action": "render", "report": "x"}).status_code == 404
    response = client.post(staff_url(pool), {"action": "render", "report": report.pk})
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).state == Report.State.RENDERING


def test_only_a_city_admin_counts_again_and_needs_a_reason(client, pending):
    pool, _items, _tally, report = pending
    report_approve(report=report, user=make_council())
    staff = make_staff(pool.district)
    client.force_login(staff)
    page = client.get(staff_url(pool))
    assert b'name="reason"' not in page.content
    response = client.post(staff_url(pool), {"action": "retally", "reason": "mine"})
    assert response.status_code == 403
    client.force_login(make_city_admin())
    assert b'name="reason"' in client.get(staff_url(pool)).content
    response = client.post(staff_url(pool), {"action": "retally", "reason": ""})
    assert response.status_code == 400
    assert Tally.objects.filter(pool=pool).count() == 1
    response = client.post(staff_url(pool), {"action": "retally", "reason": "Court order 7/2026"})
    assert response.status_code == 302
    assert Tally.objects.filter(pool=pool, run=2).exists()


def test_the_cycle_summary_restates_approved_reports_and_is_public(client, pending):
    pool, _items, _tally, report = pending
    _other_pool, _i, _t, other = make_counted_pool()
    report_render(report=other)  # rendered, not approved: not in the summary
    report_approve(report=report, user=make_council())
    (row, *_rest) = cycle_summary_render(cycle=pool.cycle)
    data = row.file.read()
    assert data.split(b" pools ")[1].split(b" ")[0] == str(pool.pk).encode()  # not other_pool
    response = client.get(f"/reports/summary/{pool.cycle.year}/{row.language}.pdf")
    assert response.status_code == 200 and response["X-Content-SHA256"] == row.sha256
    assert client.get(f"/reports/summary/{pool.cycle.year}/xx.pdf").status_code == 404
