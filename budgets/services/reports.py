"""Results reports: each version's PDFs, the council's decision, and counting again.

An official tally that finishes asks for a report version; a Celery task renders its PDF in
every language; the council approves it (which publishes the results and marks the
proposals selected or not) or sends it back with a comment. After an approval only a city
admin, with a written reason, can have the ballots counted again: that makes a new tally
and a new version needing its own approval. Every step is written to the audit log.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.models import AuditEvent, Cycle, CycleSummary, Pool, Report, ReportFile, Tally
from civic.queue import enqueue_on_commit

Action = AuditEvent.Action
State = Report.State
REASON_MAX = 2000


def audit(*, action: str, pool: Pool, actor=None, tally=None, report=None, note: str = "") -> None:
    """Append to the audit log (inside the caller's transaction)."""
    AuditEvent.objects.create(
        action=action,
        pool=pool,
        actor=actor if actor is not None and actor.is_authenticated else None,
        tally=tally,
        report=report,
        note=note[:REASON_MAX],
    )


def report_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def report_request(*, tally: Tally, requested_by=None, reason: str = "") -> Report:
    """The report version for a finished official tally, made (and queued for rendering)
    on first request; asking again returns the same row."""
    from budgets import tasks

    if not tally.official or tally.state != Tally.State.DONE:
        raise ValidationError(_("Only a finished official count can be reported."), code="tally")
    Pool.objects.select_for_update().filter(pk=tally.pool_id).first()  # numbering versions
    existing = Report.objects.filter(tally=tally).order_by("-version").first()
    if existing is not None:
        return existing
    version = (
        Report.objects.filter(pool_id=tally.pool_id).aggregate(v=Max("version"))["v"] or 0
    ) + 1
    report = Report.objects.create(
        pool_id=tally.pool_id,
        tally=tally,
        version=version,
        reason=reason[:REASON_MAX],
        requested_by=requested_by if requested_by and requested_by.is_authenticated else None,
    )
    audit(
        action=Action.REPORT_REQUESTED,
        pool=report.pool,
        actor=requested_by,
        tally=tally,
        report=report,
        note=reason,
    )
    enqueue_on_commit(tasks.render_report, report_id=report.pk)
    return report


@transaction.atomic
def report_render_again(*, report: Report, user) -> Report:
    """Staff have a version that is not approved rendered again (after fixing a reason, say)."""
    from budgets import tasks

    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.state == State.APPROVED:
        raise ValidationError(_("An approved report cannot be rendered again."), code="approved")
    if report.state == State.RENDERING:
        return report
    report.state, report.progress, report.error = State.RENDERING, 0, ""
    report.save(update_fields=["state", "progress", "error"])
    audit(action=Action.REPORT_REQUESTED, pool=report.pool, actor=user, report=report)
    enqueue_on_commit(tasks.render_report, report_id=report.pk)
    return report


def report_render(*, report: Report) -> Report:
    """Render every language's PDF and store them; the version then awaits approval.

    Rendering runs outside any transaction; the files and the new state are stored in one.
    A rerun after a crash renders again; a report already rendered is left as it is.
    """
    from budgets.report_pdf import render_pool_report

    report = Report.objects.select_related("pool", "tally").get(pk=report.pk)
    if report.state != State.RENDERING:
        return report
    languages = report_languages()
    rendered = {}
    for done, language in enumerate(languages):
        rendered[language] = render_pool_report(
            pool=report.pool, tally=report.tally, report=report, language=language
        )
        Report.objects.filter(pk=report.pk, state=State.RENDERING).update(
            progress=int(90 * (done + 1) / len(languages))
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("pool").get(pk=report.pk)
        if report.state != State.RENDERING:
            return report
        for old in report.files.all():
            old.file.delete(save=False)
            old.delete()
        now = timezone.now()
        for language, data in rendered.items():
            sha = hashlib.sha256(data).hexdigest()
            row = ReportFile(
                report=report, language=language, sha256=sha, size=len(data), rendered_at=now
            )
            name = f"{report.pool_id}/v{report.version}-{language}-{sha[:12]}.pdf"
            row.file.save(name, ContentFile(data), save=False)
            row.save()
        report.state, report.progress, report.rendered_at = State.PENDING, 100, now
        report.save(update_fields=["state", "progress", "rendered_at"])
        audit(action=Action.REPORT_RENDERED, pool=report.pool, report=report)
    return report


def report_fail(*, report: Report, error: str) -> None:
    """Rendering gave up; staff can ask again."""
    with transaction.atomic():
        changed = Report.objects.filter(pk=report.pk, state=State.RENDERING).update(
            state=State.FAILED, error=error[:REASON_MAX]
        )
        if changed:
            audit(action=Action.REPORT_FAILED, pool=report.pool, report=report, note=error)


@transaction.atomic
def report_approve(*, report: Report, user) -> Report:
    """The council approves a rendered version: it becomes immutable and the results public.

    The pool's proposals are marked selected or not selected from the version's tally.
    """
    from budgets import tasks
    from budgets.services.tallies import _proposal_ids
    from proposals.services import pool_outcome_apply

    report = Report.objects.select_for_update().select_related("pool", "tally").get(pk=report.pk)
    if report.state != State.PENDING:
        raise ValidationError(_("This report is not awaiting approval."), code="state")
    newer = Report.objects.filter(pool_id=report.pool_id, version__gt=report.version)
    if newer.exists():
        raise ValidationError(
            _("A newer version of this report exists; decide on that one."), code="stale"
        )
    report.state, report.decided_by, report.decided_at = State.APPROVED, user, timezone.now()
    report.save(update_fields=["state", "decided_by", "decided_at"])
    pool_outcome_apply(
        pool=report.pool,
        selected_ids=_proposal_ids(report.tally, report.tally.selected),
    )
    audit(action=Action.REPORT_APPROVED, pool=report.pool, actor=user, report=report)
    enqueue_on_commit(tasks.render_cycle_summary, cycle_id=report.pool.cycle_id)
    return report


@transaction.atomic
def report_return(*, report: Report, user, comment: str) -> Report:
    """The council sends a rendered version back to the district with a comment."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs to change.")}, code="comment")
    report = Report.objects.select_for_update().select_related("pool").get(pk=report.pk)
    if report.state != State.PENDING:
        raise ValidationError(_("This report is not awaiting approval."), code="state")
    report.state, report.decided_by, report.decided_at = State.RETURNED, user, timezone.now()
    report.comment = comment[:REASON_MAX]
    report.save(update_fields=["state", "decided_by", "decided_at", "comment"])
    audit(action=Action.REPORT_RETURNED, pool=report.pool, actor=user, report=report, note=comment)
    return report


@transaction.atomic
def retally_request(*, pool: Pool, user, reason: str) -> Tally:
    """A city admin has the pool's ballots counted again after an approved report.

    The new official tally gets the next run number; when it finishes it is reported as a
    new version carrying the reason. The approved version stays public until the council
    approves the new one.
    """
    from budgets import tasks

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for counting again.")}, code="reason")
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    approved = (
        Report.objects.filter(pool=pool, state=State.APPROVED)
        .select_related("tally")
        .order_by("-version")
        .first()
    )
    if approved is None:
        raise ValidationError(
            _("Nothing has been approved yet: the district can render the report again."),
            code="not_approved",
        )
    if Tally.objects.filter(pool=pool, official=True).exclude(state=Tally.State.DONE).exists():
        raise ValidationError(_("A count of this pool is already running."), code="running")
    base = approved.tally
    run = (
        Tally.objects.filter(
            pool=pool, digest=base.digest, rule=base.rule, options_key=base.options_key
        ).aggregate(r=Max("run"))["r"]
        or 0
    ) + 1
    tally = Tally.objects.create(
        pool=pool,
        digest=base.digest,
        rule=base.rule,
        options=base.options,
        options_key=base.options_key,
        official=True,
        run=run,
        requested_by=user,
    )
    audit(action=Action.RETALLY, pool=pool, actor=user, tally=tally, note=reason)
    enqueue_on_commit(tasks.tally_pool, tally_id=tally.pk)
    return tally


def retally_reason(tally: Tally) -> str:
    """The reason a city admin gave for this run (empty for the first count)."""
    event = AuditEvent.objects.filter(tally=tally, action=Action.RETALLY).first()
    return event.note if event else ""


def cycle_summary_render(*, cycle: Cycle) -> list[CycleSummary]:
    """The council's summary of the cycle in every language, from each pool's latest
    approved report; replaces the previous summary files."""
    from budgets.report_pdf import render_cycle_summary

    latest: dict[int, Report] = {}
    for report in (
        Report.objects.filter(pool__cycle=cycle, state=State.APPROVED)
        .select_related("pool__district", "pool__cycle", "tally")
        .order_by("pool__district__slug", "-version")
    ):
        latest.setdefault(report.pool_id, report)
    reports = list(latest.values())
    rendered = {
        language: render_cycle_summary(cycle=cycle, reports=reports, language=language)
        for language in report_languages()
    }
    now, rows = timezone.now(), []
    with transaction.atomic():
        for language, data in rendered.items():
            sha = hashlib.sha256(data).hexdigest()
            row = CycleSummary.objects.select_for_update().filter(
                cycle=cycle, language=language
            ).first() or CycleSummary(cycle=cycle, language=language)
            if row.pk and row.file:
                row.file.delete(save=False)
            row.sha256, row.size, row.rendered_at = sha, len(data), now
            row.file.save(
                f"summary/{cycle.year}-{language}-{sha[:12]}.pdf", ContentFile(data), save=False
            )
            row.save()
            rows.append(row)
    return rows
