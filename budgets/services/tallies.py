"""Tallies: running the pool's rule (or a staff what-if) over its frozen ballots."""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets import tally as engine
from budgets.models import BallotFreeze, BallotMethod, Pool, Tally
from civic.queue import enqueue_on_commit

State = Tally.State


def pool_tally_options(pool: Pool) -> dict:
    """The options the pool publishes for its official tally."""
    return {
        "min_votes": pool.min_votes,
        "tie_break": pool.tie_break,
        "seed": pool.lot_seed or None,
        "add1_stop": pool.add1_stop,
        "points": pool.method == BallotMethod.CUMULATIVE,
    }


def _options_key(options: dict) -> str:
    return json.dumps(options, sort_keys=True, separators=(",", ":"))


@transaction.atomic
def tally_request(
    *, pool: Pool, rule: str | None = None, options: dict | None = None, requested_by=None
) -> Tally:
    """Queue a tally of the pool's frozen ballots and enqueue its task after commit.

    Without `rule`/`options` it is the official tally (the pool's published rule and
    options); anything else is a what-if. Asking twice returns the same row; a failed
    run is queued again. Raises ValidationError before the freeze or for bad options.
    """
    from budgets import tasks

    freeze = BallotFreeze.objects.filter(pool=pool).first()
    if freeze is None:
        raise ValidationError(_("Voting in this pool has not closed yet."), code="open")
    rule = rule or pool.tally_rule
    if rule not in engine.RULES:
        raise ValidationError(_("Unknown counting rule."), code="rule")
    options = {**pool_tally_options(pool), **(options or {})}
    try:
        engine.Options(**options)
    except (TypeError, ValueError) as error:
        raise ValidationError(str(error), code="options") from error
    official = rule == pool.tally_rule and options == pool_tally_options(pool)
    tally, created = Tally.objects.get_or_create(
        pool=pool,
        digest=freeze.digest,
        rule=rule,
        options_key=_options_key(options),
        run=1,
        defaults={"options": options, "official": official, "requested_by": requested_by},
    )
    if not created and tally.state == State.FAILED:
        Tally.objects.filter(pk=tally.pk).update(state=State.QUEUED, progress=0, error="")
        tally.refresh_from_db()
        created = True
    if created:
        enqueue_on_commit(tasks.tally_pool, tally_id=tally.pk)
    return tally


def _progress(tally: Tally, percent: int) -> None:
    Tally.objects.filter(pk=tally.pk, state=State.RUNNING).update(progress=percent)


def tally_run(*, tally: Tally) -> Tally:
    """Run a queued (or interrupted) tally; a finished one is returned untouched.

    Counting happens outside any transaction; the result, and for the official tally the
    proposals' selected / not selected status, are written together in one transaction.
    A second worker that finishes later finds the result stored and changes nothing.
    """
    from budgets.services import reports

    with transaction.atomic():
        tally = Tally.objects.select_for_update().get(pk=tally.pk)
        if tally.state == State.DONE:
            return tally
        Tally.objects.filter(pk=tally.pk).update(
            state=State.RUNNING,
            progress=5,
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
            error="",
        )
    tally.refresh_from_db()
    freeze = BallotFreeze.objects.get(pool_id=tally.pool_id)
    election = engine.loads(freeze.ballots_pb)
    _progress(tally, 20)
    profile = engine.profile_from_election(election)
    _progress(tally, 30)
    result = engine.tally(profile, tally.rule, engine.Options(**tally.options))
    _progress(tally, 90)
    with transaction.atomic():
        tally = Tally.objects.select_for_update().select_related("pool").get(pk=tally.pk)
        if tally.state == State.DONE:
            return tally
        tally.result = result.as_dict()
        tally.state = State.DONE
        tally.progress = 100
        tally.finished_at = timezone.now()
        tally.save(update_fields=["result", "state", "progress", "finished_at"])
        if tally.official:
            # Nothing is published here: the council's approval of the report does that.
            reports.audit(action=reports.Action.TALLY_FINISHED, pool=tally.pool, tally=tally)
            reports.report_request(tally=tally, reason=reports.retally_reason(tally))
    return tally


def _proposal_ids(tally: Tally, project_ids) -> set[int]:
    """The proposals behind the tally's project ids (the file id of imported projects)."""
    from proposals.models import Proposal

    wanted = set(project_ids)
    return {
        pk
        for pk, external_id in Proposal.objects.filter(pool_id=tally.pool_id).values_list(
            "pk", "external_id"
        )
        if (external_id or str(pk)) in wanted
    }


def tally_fail(*, tally: Tally, error: str) -> None:
    """Record that a tally gave up (time limit or retries exhausted); staff may re-queue it."""
    Tally.objects.filter(pk=tally.pk).exclude(state=State.DONE).update(
        state=State.FAILED, error=error[:2000], finished_at=timezone.now()
    )
