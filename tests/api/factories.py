"""Factories for the open data API tests: a counted pool whose report goes through its
states, and the rows that must never reach the API."""

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from budgets.models import Ballot, Pool, Report, ReportFile, Tally
from districts.models import CensusRecord
from proposals.models import Proposal, Review, Status
from tests.budgets.factories import make_counted_pool
from tests.factories import make_council
from tests.proposals.factories import CommentFactory, FlagFactory, ProposalFactory, ReviewFactory

INTERNAL_NOTE = "INTERNAL-NOTE-never-public"
HIDDEN_TITLE = "HIDDEN-proposal-title"
HIDDEN_REASON = "HIDDEN-reason-for-moderators"
DRAFT_TITLE = "DRAFT-proposal-title"
FLAG_REASON = "FLAG-reason-private"
COMMENT_BODY = "COMMENT-body-not-open-data"


@dataclass
class Counted:
    """A pool whose voting closed and whose official tally finished; its report v1 exists."""

    pool: Pool
    items: list[Proposal]
    tally: Tally
    report: Report
    draft: Proposal
    hidden: Proposal

    def set_state(self, state: str, report: Report | None = None) -> Report:
        """Move a report through rendering → pending → approved | returned, with files."""
        report = report or self.report
        if state in ("pending", "approved", "returned") and not report.files.exists():
            add_files(report)
        fields = {"state": state}
        if state in ("approved", "returned"):
            fields.update(decided_by=make_council(), decided_at=timezone.now())
        if state == "returned":
            fields["comment"] = "Please explain project 3."
        Report.objects.filter(pk=report.pk).update(**fields)
        if state == "approved":
            from proposals.services import pool_outcome_apply

            selected = set(Tally.objects.get(pk=report.tally_id).selected)
            pool_outcome_apply(
                pool=self.pool,
                selected_ids={p.pk for p in self.items if str(p.pk) in selected},
            )
        report.refresh_from_db()
        return report

    def receipts(self) -> list[str]:
        return list(Ballot.objects.filter(pool=self.pool).values_list("receipt", flat=True))


def add_files(report: Report) -> None:
    for language in ("en", "bg", "tr"):
        data = f"%PDF-1.7 report {report.pk} {language}".encode()
        row = ReportFile(
            report=report,
            language=language,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            rendered_at=timezone.now(),
        )
        row.file.save(f"report-{report.pk}-{language}.pdf", ContentFile(data), save=False)
        row.save()


def second_version(counted: Counted, *, selected: list[str]) -> Report:
    """A recount after an approval (run 2) selecting `selected`, and its report v2 (rendering)."""
    first = counted.tally
    result = dict(first.result)
    result["selected"] = selected
    result["projects"] = [
        {**p, "selected": p["id"] in selected, "round": selected.index(p["id"]) + 1}
        if p["id"] in selected
        else {**p, "selected": False, "round": None, "status": "does-not-fit"}
        for p in first.result["projects"]
    ]
    tally = Tally.objects.create(
        pool=counted.pool,
        digest=first.digest,
        rule=first.rule,
        options=first.options,
        options_key=first.options_key,
        official=True,
        run=2,
        state=Tally.State.DONE,
        result=result,
        finished_at=timezone.now(),
    )
    return Report.objects.create(pool=counted.pool, tally=tally, version=2, reason="recount")


def secrets_of(counted: Counted) -> list[str]:
    """Strings that must appear in no response (the .pb file aside, for receipts)."""
    pool = counted.pool
    people = Proposal.objects.filter(pool=pool).values_list("author__email", flat=True)
    census = CensusRecord.objects.filter(district=pool.district).values_list("id_hmac", flat=True)
    return [
        *[email for email in people if email],
        *census,
        INTERNAL_NOTE,
        HIDDEN_TITLE,
        HIDDEN_REASON,
        DRAFT_TITLE,
        FLAG_REASON,
        COMMENT_BODY,
        "@example.test",
    ]


def make_counted() -> Counted:
    """A counted pool (report v1 rendering) with a draft, a hidden proposal, an internal
    note, a comment and a flag next to it."""
    pool, items, tally, report = make_counted_pool()
    draft = ProposalFactory(pool=pool, status=Status.DRAFT, title=DRAFT_TITLE)
    hidden = ProposalFactory(
        pool=pool,
        status=Status.FEASIBLE,
        title=HIDDEN_TITLE,
        hidden_at=timezone.now(),
        hidden_reason=HIDDEN_REASON,
    )
    ReviewFactory(
        proposal=items[0],
        action=Review.Action.MARK_FEASIBLE,
        from_status=Status.UNDER_REVIEW,
        to_status=Status.FEASIBLE,
        public_reason="Fits the rules.",
        internal_note=INTERNAL_NOTE,
    )
    FlagFactory(comment=CommentFactory(proposal=items[1], body=COMMENT_BODY), reason=FLAG_REASON)
    return Counted(pool, items, tally, report, draft, hidden)
