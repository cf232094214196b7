"""Casting ballots, freezing them when voting closes, and the reminder round."""

import base64
import secrets
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets import selectors
from budgets.methods import BallotSpec, summarise
from budgets.models import (
    AgeBand,
    Ballot,
    BallotFreeze,
    BallotLine,
    Channel,
    PaperBallot,
    PaperEntry,
    Pool,
    VotingReminder,
)
from budgets.phases import Phase
from budgets.tally import pb
from civic.queue import enqueue_on_commit, kick_on_commit
from districts.models import CensusRecord

RECEIPT_BYTES = 10  # 80 random bits: 16 base32 characters
RECEIPT_BATCH = 100  # receipt e-mails per worker task (one SMTP connection)
RECEIPT_LEASE = timedelta(minutes=10)  # a claimed receipt not sent by then is claimed again
RECEIPT_RELAY_EVERY = 1.0  # seconds: a web process asks for the relay at most this often
REMINDER_BEFORE = timedelta(days=2)


def receipt_new() -> str:
    """A fresh random receipt code: 16 characters of base32, unguessable."""
    return base64.b32encode(secrets.token_bytes(RECEIPT_BYTES)).decode("ascii")


def receipt_normalise(text: str) -> str:
    """A receipt code as typed (spaces, dashes, lower case) in its stored form."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:32]


def age_band(*, birth_year: int, year: int) -> str:
    """The coarse age group kept on a ballot for turnout reports."""
    age = year - birth_year
    for limit, band in ((18, AgeBand.UNDER_18), (30, AgeBand.FROM_18), (45, AgeBand.FROM_30)):
        if age < limit:
            return band
    return AgeBand.FROM_45 if age < 65 else AgeBand.FROM_65


def voter_problem(*, pool: Pool, record: CensusRecord | None) -> str | None:
    """Why this census record cannot vote in the pool now, as a sentence; None if it can."""
    phase = pool.phase
    if phase != Phase.VOTING:
        if phase in (Phase.TALLYING, Phase.RESULTS, Phase.IMPLEMENTATION):
            return _("Voting in this pool has closed.")
        return _("Voting in this pool has not opened yet.")
    if record is None:
        return _("Only verified residents can vote. Verify your residency first.")
    if record.district_id != pool.district_id:
        return _("This ballot is for residents of %(district)s only.") % {"district": pool.district}
    if pool.dates.voting_ends.year - record.birth_year < pool.min_age:
        return _("Residents vote in this pool from the year they turn %(age)d.") % {
            "age": pool.min_age
        }
    return None


def _pool_share_lock(pool: Pool) -> None:
    """Hold the pool row FOR SHARE, so closing (FOR UPDATE) waits for ballots in flight.

    Casts do not block each other; SQLite serialises writers anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM budgets_pool WHERE id = %s FOR SHARE", [pool.pk])


# The statements of a cast on PostgreSQL (the busiest write of an election, so written out).
# The first takes the voter's census record FOR UPDATE (parallel casts by one resident queue
# here) and the pool FOR SHARE (closing, FOR UPDATE, waits for casts in flight). The second,
# with a snapshot taken after those locks, reads everything the cast depends on: the voter,
# the freeze, a paper ballot, the current ballot, and the projects on the ballot with the
# cost that counts (as selectors.ballot_costs). One statement could not do both: it would
# read with the snapshot it had before it waited for a lock. The third writes the ballot.
_VOTER_LOCK_SQL = (
    "SELECT c.id FROM districts_censusrecord c, budgets_pool p "
    "WHERE c.claimed_by_id = %s AND p.id = %s FOR UPDATE OF c FOR SHARE OF p"
)
_VOTER_STATE_SQL = (
    "SELECT c.id, c.birth_year, c.district_id, c.neighbourhood_id, "
    "EXISTS (SELECT 1 FROM budgets_ballotfreeze f WHERE f.pool_id = %(pool)s), "
    "EXISTS (SELECT 1 FROM budgets_paperballot pb WHERE pb.pool_id = %(pool)s "
    "AND pb.census_record_id = c.id AND pb.state <> %(discarded)s), "
    "b.id, b.held"
)
_COSTS_SQL = (
    ", items.ids, items.costs FROM districts_censusrecord c "
    "LEFT JOIN budgets_ballot b ON b.pool_id = %(pool)s AND b.census_record_id = c.id "
    "CROSS JOIN LATERAL (SELECT array_agg(i.id) AS ids, "
    "array_agg(COALESCE(i.staff_cost, i.author_cost)) AS costs FROM proposals_proposal i "
    "WHERE i.pool_id = %(pool)s AND i.status = %(on_ballot)s AND i.hidden_at IS NULL) items "
    "WHERE c.claimed_by_id = %(user)s"
)
_NO_COSTS_SQL = (
    " FROM districts_censusrecord c LEFT JOIN budgets_ballot b "
    "ON b.pool_id = %(pool)s AND b.census_record_id = c.id "
    "WHERE c.claimed_by_id = %(user)s"
)
# The ballot and its lines in one statement: insert or replace the ballot (the voter's
# unique ballot in the pool), drop the lines no longer chosen, insert or re-weight the rest.
# The three touch different rows, so PostgreSQL may run them in any order.
_STORE_SQL = (
    "WITH ballot AS ("
    "INSERT INTO budgets_ballot (pool_id, census_record_id, channel, receipt, receipt_unsent, "
    "receipt_queued_at, neighbourhood_id, age_band, held) VALUES (%(pool)s, %(record)s, "
    "%(channel)s, %(receipt)s, %(receipt_unsent)s, %(receipt_queued_at)s, %(neighbourhood_id)s, "
    "%(age_band)s, %(held)s) "
    "ON CONFLICT (pool_id, census_record_id) WHERE census_record_id IS NOT NULL DO UPDATE SET "
    "channel = EXCLUDED.channel, receipt = EXCLUDED.receipt, "
    "receipt_unsent = EXCLUDED.receipt_unsent, receipt_queued_at = EXCLUDED.receipt_queued_at, "
    "neighbourhood_id = EXCLUDED.neighbourhood_id, age_band = EXCLUDED.age_band, "
    "held = EXCLUDED.held RETURNING id), "
    "gone AS (DELETE FROM budgets_ballotline l USING ballot WHERE l.ballot_id = ballot.id "
    "AND NOT l.proposal_id = ANY (%(proposals)s::bigint[])), "
    "lines AS (INSERT INTO budgets_ballotline (ballot_id, proposal_id, weight) "
    "SELECT ballot.id, x.proposal_id, x.weight FROM ballot, "
    "unnest(%(proposals)s::bigint[], %(weights)s::smallint[]) AS x (proposal_id, weight) "
    "ON CONFLICT (ballot_id, proposal_id) DO UPDATE SET weight = EXCLUDED.weight) "
    "SELECT id FROM ballot"
)
# In the model's field order, which is how Model.from_db reads a partial row.
_RECORD_FIELDS = ["id", "birth_year", "district_id", "neighbourhood_id"]


def _voter_state(*, pool: Pool, voter):
    """(census record or None, pool frozen, paper ballot recorded, (ballot id, held) or None,
    ballot costs or None), with the record locked FOR UPDATE and the pool FOR SHARE; the
    costs (proposal id → cost) are read here on PostgreSQL only."""
    from proposals.models import Status

    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute(_VOTER_LOCK_SQL, [voter.pk, pool.pk])
        cursor.execute(
            _VOTER_STATE_SQL + (_COSTS_SQL if postgresql else _NO_COSTS_SQL),
            {
                "pool": pool.pk,
                "user": voter.pk,
                "discarded": PaperBallot.State.DISCARDED,
                "on_ballot": Status.ON_BALLOT,
            },
        )
        row = cursor.fetchone()
    if row is None:
        frozen = BallotFreeze.objects.filter(pool=pool).exists()
        return None, frozen, False, None, None
    record = CensusRecord.from_db(connection.alias, _RECORD_FIELDS, row[:4])
    existing = (row[6], bool(row[7])) if row[6] is not None else None
    costs = dict(zip(row[8] or (), row[9] or (), strict=True)) if postgresql else None
    return record, bool(row[4]), bool(row[5]), existing, costs


def _choices_check(*, pool: Pool, choices: Mapping[int, int], costs=None) -> None:
    """Refuse choices the pool's method does not allow; `costs` as selectors.ballot_costs
    (read here when the caller has not)."""
    if costs is None:
        costs = selectors.ballot_costs(pool=pool)
    summary = summarise(BallotSpec.of(pool), costs, choices, explain=False)
    if not summary.castable:
        raise ValidationError(summary.problems + list(summary.line_problems.values()))


_LOOK_UP = object()


def _ballot_fields(*, pool, record, channel, held) -> dict:
    """The columns of a ballot version besides its voter: a new receipt every time."""
    return {
        "channel": channel,
        "receipt": receipt_new(),
        "receipt_unsent": channel == Channel.ONLINE,
        "receipt_queued_at": None,
        "neighbourhood_id": record.neighbourhood_id,
        "age_band": age_band(birth_year=record.birth_year, year=pool.dates.voting_ends.year),
        "held": held,
    }


def _store(*, pool, record, channel, choices, held=False, existing=_LOOK_UP) -> Ballot:
    """Write the voter's ballot, replacing the old one in place; caller holds the record lock.

    `existing` is the id of the voter's current ballot (None: there is none), when the
    caller has already read it. On PostgreSQL this is one statement.
    """
    fields = _ballot_fields(pool=pool, record=record, channel=channel, held=held)
    chosen = sorted(choices.items())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _STORE_SQL,
                {
                    "pool": pool.pk,
                    "record": record.pk,
                    **fields,
                    "proposals": [pid for pid, _weight in chosen],
                    "weights": [weight for _pid, weight in chosen],
                },
            )
            (ballot_id,) = cursor.fetchone()
        return Ballot(pk=ballot_id, pool=pool, census_record=record, **fields)
    if existing is _LOOK_UP:
        existing = (
            Ballot.objects.filter(pool=pool, census_record=record)
            .values_list("pk", flat=True)
            .first()
        )
    if existing is None:
        ballot = Ballot.objects.create(pool=pool, census_record=record, **fields)
    else:
        # The old version leaves no trace: a new receipt replaces the old, its lines go.
        Ballot.objects.filter(pk=existing).update(**fields)
        BallotLine.objects.filter(ballot_id=existing).delete()
        ballot = Ballot(pk=existing, pool=pool, census_record=record, **fields)
    BallotLine.objects.bulk_create(
        BallotLine(ballot=ballot, proposal_id=pid, weight=weight) for pid, weight in chosen
    )
    return ballot


@transaction.atomic
def ballot_cast(*, pool: Pool, voter, choices: Mapping[int, int]) -> Ballot:
    """Store the voter's online ballot for the pool, replacing an earlier one; new receipt.

    Caller checked `budgets.cast_ballot`; this checks again under a lock of the voter's
    census record, so parallel submissions leave exactly one ballot. The pool's settings
    cannot change once voting opened (a trigger), so the caller's pool object is used.
    Choices are checked against the projects on the ballot and their costs in the
    database. The receipt waits in the ballot's outbox; after commit a relay is asked to
    e-mail it (at most one request per process per second, however many residents vote).
    Raises ValidationError with sentences for the resident.
    """
    from budgets import tasks

    record, frozen, on_paper, existing, costs = _voter_state(pool=pool, voter=voter)
    if frozen:
        raise ValidationError(_("Voting in this pool has closed."), code="closed")
    problem = voter_problem(pool=pool, record=record)
    if problem:
        raise ValidationError(problem, code="not_allowed")
    if existing is not None and existing[1]:
        raise ValidationError(
            _("Your ballot is being checked against a paper ballot; ask the district staff."),
            code="held",
        )
    if on_paper:
        raise ValidationError(
            _("A paper ballot has been recorded for you in this vote, so you cannot vote online."),
            code="paper",
        )
    _choices_check(pool=pool, choices=choices, costs=costs)
    ballot = _store(
        pool=pool,
        record=record,
        channel=Channel.ONLINE,
        choices=choices,
        existing=existing[0] if existing else None,
    )
    kick_on_commit(tasks.ballot_receipts_relay, every=RECEIPT_RELAY_EVERY)
    return ballot


def receipts_claim(*, limit: int = RECEIPT_BATCH, now=None) -> list[tuple[int, str]]:
    """Claim up to `limit` receipts waiting for their e-mail: (ballot id, receipt), oldest first.

    Call inside a transaction. Claimed receipts are stamped and not claimed again until the
    lease runs out (their e-mail task was lost); parallel relays skip each other's rows. The
    row locks (FOR NO KEY UPDATE) leave casts free to add lines to these ballots. Only ballots
    of open pools qualify (freezing clears the flag).
    """
    now = now or timezone.now()
    due = list(
        Ballot.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
        .filter(receipt_unsent=True, census_record__claimed_by__isnull=False)
        .filter(Q(receipt_queued_at__isnull=True) | Q(receipt_queued_at__lt=now - RECEIPT_LEASE))
        .order_by("pk")
        .values_list("pk", "receipt")[:limit]
    )
    Ballot.objects.filter(pk__in=[pk for pk, _receipt in due]).update(receipt_queued_at=now)
    return due


def receipt_mark_sent(*, ballot_id: int, receipt: str) -> None:
    """The receipt e-mail of this version of the ballot went out (a newer one still will).

    Only while it is unsent: a pool frozen meanwhile has cleared the flag, and the database
    refuses any change to a frozen ballot.
    """
    Ballot.objects.filter(pk=ballot_id, receipt=receipt, receipt_unsent=True).update(
        receipt_unsent=False
    )


def _project_title(proposal) -> str:
    return " ".join(proposal.title.split())


def ballots_pb_text(*, pool: Pool) -> str:
    """The counted ballots of the pool as a pabulib file, voters under their receipt codes.

    Deterministic: projects by id, ballots by receipt code, so the same ballots always give
    the same text and the same SHA-256.
    """
    from proposals.models import Proposal, Status

    items = Proposal.objects.filter(
        pool=pool, status__in=(Status.ON_BALLOT, Status.SELECTED, Status.NOT_SELECTED)
    ).order_by("pk")
    pid = {item.pk: item.external_id or str(item.pk) for item in items}
    ballots = Ballot.objects.filter(pool=pool, held=False).order_by("receipt")
    lines_of: dict[int, list[tuple[str, int]]] = {}
    for ballot_id, proposal_id, weight in (
        BallotLine.objects.filter(ballot__in=ballots)
        .order_by("ballot_id", "proposal_id")
        .values_list("ballot_id", "proposal_id", "weight")
        .iterator(chunk_size=10000)
    ):
        lines_of.setdefault(ballot_id, []).append((pid[proposal_id], weight))
    cumulative = pool.method == "cumulative"
    votes = []
    counts: dict[str, int] = {}
    for ballot_id, receipt in ballots.values_list("pk", "receipt"):
        lines = sorted(lines_of.get(ballot_id, []))
        for project, weight in lines:
            counts[project] = counts.get(project, 0) + (weight if cumulative else 1)
        votes.append(
            pb.Vote(
                voter_id=receipt,
                projects=tuple(project for project, _weight in lines),
                points=tuple(weight for _project, weight in lines) if cumulative else None,
            )
        )
    projects = {
        pid[item.pk]: pb.Project(
            id=pid[item.pk],
            cost=int(Decimal(item.cost)),
            extra={"votes": str(counts.get(pid[item.pk], 0)), "name": _project_title(item)},
        )
        for item in sorted(items, key=lambda item: pid[item.pk])
    }
    dates = pool.dates
    meta = {
        "description": f"civic {pool.cycle.year} {pool.district.slug}",
        "country": "",
        "unit": pool.district.name_en,
        "instance": str(pool.cycle.year),
        "district": pool.district.slug,
        "num_projects": str(len(projects)),
        "num_votes": str(len(votes)),
        "budget": str(int(pool.amount)),
        "currency": pool.currency,
        "vote_type": "cumulative" if cumulative else "approval",
        "rule": pool.tally_rule,
        "date_begin": f"{dates.voting_starts:%d.%m.%Y}",
        "date_end": f"{dates.voting_ends:%d.%m.%Y}",
    }
    if cumulative:
        meta["max_sum_points"] = str(pool.points_total)
        meta["max_points"] = str(pool.points_per_project)
    else:
        meta["min_length"] = str(pool.min_choices)
        if pool.max_choices:
            meta["max_length"] = str(pool.max_choices)
    election = pb.Election(
        meta=meta,
        projects=projects,
        votes=votes,
        project_columns=["project_id", "cost", "votes", "name"],
        vote_columns=["voter_id", "vote", "points"] if cumulative else ["voter_id", "vote"],
    )
    return pb.dumps(election)


@transaction.atomic
def ballots_freeze(*, pool: Pool) -> BallotFreeze:
    """Close the pool's voting: digest the counted ballots and cut every voter link.

    Locks the pool row (ballots in flight finish first); a second call finds the freeze
    and returns it. Held ballots (unresolved paper/online conflicts) and unmatched paper
    ballots are not counted. Queues the official tally (counted after commit).
    """
    pool = Pool.objects.select_for_update().select_related("cycle", "district").get(pk=pool.pk)
    existing = BallotFreeze.objects.filter(pool=pool).first()
    if existing is not None:
        return existing
    if pool.phase in (Phase.DRAFT, Phase.SUBMISSION, Phase.REVIEW, Phase.SUPPORT, Phase.VOTING):
        raise ValidationError(_("Voting in this pool has not closed yet."), code="open")
    text = ballots_pb_text(pool=pool)
    counted = Ballot.objects.filter(pool=pool, held=False)
    figures = {
        "online": counted.filter(channel=Channel.ONLINE).count(),
        "paper": counted.filter(channel=Channel.PAPER).count(),
        "held": Ballot.objects.filter(pool=pool, held=True).count(),
        "paper_unmatched": PaperBallot.objects.filter(pool=pool)
        .exclude(state__in=(PaperBallot.State.COUNTED, PaperBallot.State.DISCARDED))
        .count(),
    }
    # Cut every voter link before the freeze row exists: after it, the database refuses
    # any change to this pool's ballots.
    Ballot.objects.filter(pool=pool, held=True).delete()
    Ballot.objects.filter(pool=pool).update(census_record=None, receipt_unsent=False)
    PaperBallot.objects.filter(pool=pool).update(census_record=None, ballot=None)
    PaperEntry.objects.filter(paper_ballot__pool=pool).delete()
    freeze = BallotFreeze.objects.create(
        pool=pool, digest=pb.sha256_bytes(text.encode("utf-8")), ballots_pb=text, **figures
    )
    from budgets.services.tallies import tally_request

    tally_request(pool=pool)  # the official tally, counted by a worker after commit
    return freeze


def voting_reminder_recipients(*, pool: Pool):
    """Verified, opted-in residents of the pool's district, old enough, who have not voted."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    User = get_user_model()
    min_birth_year = pool.dates.voting_ends.year - pool.min_age
    records = CensusRecord.objects.filter(
        district_id=pool.district_id, birth_year__lte=min_birth_year, claimed_by__isnull=False
    )
    voted = Ballot.objects.filter(pool=pool, census_record__isnull=False).values("census_record_id")
    on_paper = PaperBallot.objects.filter(pool=pool, census_record__isnull=False).values(
        "census_record_id"
    )
    verified = EmailAddress.objects.filter(verified=True).values("user_id")
    return User.objects.filter(
        census_record__in=records.exclude(pk__in=voted).exclude(pk__in=on_paper),
        is_active=True,
        voting_reminders=True,
        pk__in=verified,
    ).order_by("pk")


@transaction.atomic
def voting_reminder_start(*, pool: Pool) -> VotingReminder | None:
    """Start the pool's reminder round once: record it and e-mail each recipient after commit.

    Returns None when the round was already started (another beat got there first).
    """
    from budgets import tasks

    pool = Pool.objects.select_for_update().select_related("cycle").get(pk=pool.pk)
    if VotingReminder.objects.filter(pool=pool).exists() or pool.phase != Phase.VOTING:
        return None
    user_ids = list(voting_reminder_recipients(pool=pool).values_list("pk", flat=True))
    reminder = VotingReminder.objects.create(pool=pool, recipients=len(user_ids))
    for user_id in user_ids:
        enqueue_on_commit(tasks.voting_reminder_email, pool_id=pool.pk, user_id=user_id)
    return reminder


def reminder_due(*, pool: Pool, now=None) -> bool:
    """Two days or less before the pool's voting closes, and voting is open."""
    now = now or timezone.now()
    return pool.phase_at(now) == Phase.VOTING and pool.dates.voting_ends - now <= REMINDER_BEFORE
