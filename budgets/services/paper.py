"""Paper ballots: blind double entry by two staff members, third checks and conflicts."""

from collections import Counter
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.models import Ballot, BallotFreeze, Channel, PaperBallot, PaperEntry, Pool
from budgets.services.voting import _choices_check, _pool_share_lock, _store, voter_problem
from districts.models import Assembly, CensusRecord
from districts.services import national_id_hmac, national_id_normalise

State = PaperBallot.State


def _census_record(*, pool: Pool, national_id: str) -> CensusRecord:
    value = national_id_normalise(national_id)
    record = (
        CensusRecord.objects.select_for_update().filter(id_hmac=national_id_hmac(value)).first()
    )
    if record is None or record.district_id != pool.district_id:
        raise ValidationError(
            {
                "national_id": _("No resident of %(district)s has this national id.")
                % {"district": pool.district}
            },
            code="unknown_voter",
        )
    return record


def _as_key(choices: Mapping[int, int]) -> dict[str, int]:
    """Choices as stored in an entry (JSON keys are strings), sorted for comparison."""
    return {str(pid): int(weight) for pid, weight in sorted(choices.items())}


def _agreed(paper: PaperBallot) -> dict[int, int] | None:
    """The choices that two entries of this paper ballot agree on, if any."""
    counts = Counter(tuple(sorted(entry.choices.items())) for entry in paper.entries.all())
    for key, seen in counts.items():
        if seen >= 2:
            return {int(pid): weight for pid, weight in key}
    return None


def _settle(paper: PaperBallot) -> None:
    """Count a paper ballot whose entries agree, or mark the conflict with an online one."""
    choices = _agreed(paper)
    if choices is None:
        paper.state = State.MISMATCH if paper.entries.count() >= 2 else State.AWAITING_SECOND
        return
    online = Ballot.objects.filter(pool=paper.pool, census_record=paper.census_record).first()
    if online is not None:
        online.held = True
        online.save(update_fields=["held"])
        paper.state = State.CONFLICT
        return
    paper.ballot = _store(
        pool=paper.pool, record=paper.census_record, channel=Channel.PAPER, choices=choices
    )
    paper.state = State.COUNTED


@transaction.atomic
def paper_entry_record(
    *,
    pool: Pool,
    staff,
    national_id: str,
    choices: Mapping[int, int],
    assembly: Assembly | None = None,
    booth: str = "",
) -> PaperBallot:
    """Record one staff member's blind typing of a paper ballot.

    Caller checked `budgets.enter_paper_ballot`. The first entry waits for a second by a
    different person; two equal entries count the ballot (or flag a conflict with the
    resident's online ballot, neither counted until resolved); unequal ones wait for a
    third check that agrees with one of them. Locks the voter's census record.
    """
    record = _census_record(pool=pool, national_id=national_id)
    _pool_share_lock(pool)
    pool = Pool.objects.select_related("cycle", "district").get(pk=pool.pk)
    if BallotFreeze.objects.filter(pool=pool).exists():
        raise ValidationError(_("Voting in this pool has closed."), code="closed")
    problem = voter_problem(pool=pool, record=record)
    if problem:
        raise ValidationError(problem, code="not_allowed")
    if assembly is not None and assembly.district_id != pool.district_id:
        raise ValidationError({"assembly": _("Choose an assembly of this district.")})
    booth = " ".join(booth.split())[:80]
    if assembly is None and not booth:
        raise ValidationError({"booth": _("Name the booth or choose the assembly.")})
    _choices_check(pool=pool, choices=choices)
    paper, _created = PaperBallot.objects.get_or_create(
        pool=pool, census_record=record, defaults={"assembly": assembly, "booth": booth}
    )
    if paper.state in (State.COUNTED, State.DISCARDED, State.CONFLICT):
        raise ValidationError(
            _("This resident’s paper ballot has already been settled."), code="settled"
        )
    if paper.entries.filter(entered_by=staff).exists():
        raise ValidationError(
            _("You have already entered this ballot; another staff member must enter it."),
            code="same_staff",
        )
    PaperEntry.objects.create(paper_ballot=paper, entered_by=staff, choices=_as_key(choices))
    _settle(paper)
    paper.save()
    return paper


@transaction.atomic
def paper_conflict_resolve(*, paper: PaperBallot, staff, keep: str, note: str) -> PaperBallot:
    """Settle a resident who has both a matched paper ballot and an online one.

    `keep` is "paper" (the paper ballot replaces the online one) or "online" (the paper
    ballot is set aside). A written note is required; who and when are recorded.
    """
    paper = PaperBallot.objects.select_for_update().select_related("pool").get(pk=paper.pk)
    if paper.state != State.CONFLICT:
        raise ValidationError(_("This paper ballot has no conflict to resolve."), code="state")
    if BallotFreeze.objects.filter(pool=paper.pool).exists():
        raise ValidationError(_("Voting in this pool has closed."), code="closed")
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": _("Say why, for the record.")}, code="note")
    if keep not in ("paper", "online"):
        raise ValidationError(_("Choose which ballot counts."), code="keep")
    online = Ballot.objects.select_for_update().get(
        pool=paper.pool, census_record=paper.census_record
    )
    if keep == "paper":
        paper.ballot = _store(
            pool=paper.pool,
            record=paper.census_record,
            channel=Channel.PAPER,
            choices=_agreed(paper) or {},
        )
        paper.state = State.COUNTED
    else:
        online.held = False
        online.save(update_fields=["held"])
        paper.state = State.DISCARDED
    paper.resolved_by = staff
    paper.resolved_at = timezone.now()
    paper.resolution_note = note[:500]
    paper.save()
    return paper
