"""Database locks for voting: the new pool settings, and frozen ballots.

- `min_age` and `points_exact` join the pool settings locked once voting opens.
- Once a pool's ballots are frozen (a `BallotFreeze` row exists), its ballots and ballot
  lines can no longer be inserted, changed or deleted, and the freeze itself (digest and
  ballot file) can no longer change. As in 0002, SQLite refuses inserts and updates only,
  because Django's test flush deletes rows one by one.

SQLite rebuilds a table to alter it, and its triggers name the tables: a later migration
that alters `budgets_ballot` or `budgets_ballotline` must drop these triggers first and
create them again after.
"""

from django.db import migrations

from budgets.migrations import _locks

LOCKED = (
    "amount",
    "currency",
    "share",
    "method",
    "min_choices",
    "max_choices",
    "points_total",
    "points_per_project",
    "points_exact",
    "min_age",
    "tally_rule",
    "tie_break",
    "lot_seed",
    "min_votes",
    "add1_stop",
    "voting_starts",
    "cycle_id",
    "district_id",
)

FROZEN = _locks.FROZEN

PG_SQL = _locks.pg_pool_lock(LOCKED) + f"""
CREATE OR REPLACE FUNCTION budgets_ballot_frozen() RETURNS trigger AS $$
DECLARE pool bigint;
BEGIN
    IF TG_TABLE_NAME = 'budgets_ballotline' THEN
        SELECT b.pool_id INTO pool FROM budgets_ballot b
         WHERE b.id = COALESCE(NEW.ballot_id, OLD.ballot_id);
    ELSIF TG_OP = 'DELETE' THEN
        pool := OLD.pool_id;
    ELSE
        pool := NEW.pool_id;
    END IF;
    IF EXISTS (SELECT 1 FROM budgets_ballotfreeze f WHERE f.pool_id = pool) THEN
        RAISE EXCEPTION '{FROZEN} (pool %)', pool
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER budgets_ballot_frozen BEFORE INSERT OR UPDATE OR DELETE ON budgets_ballot
    FOR EACH ROW EXECUTE FUNCTION budgets_ballot_frozen();
CREATE TRIGGER budgets_ballotline_frozen BEFORE INSERT OR UPDATE OR DELETE ON budgets_ballotline
    FOR EACH ROW EXECUTE FUNCTION budgets_ballot_frozen();

CREATE OR REPLACE FUNCTION budgets_freeze_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a ballot freeze cannot change (pool %)', OLD.pool_id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER budgets_freeze_immutable BEFORE UPDATE OR DELETE ON budgets_ballotfreeze
    FOR EACH ROW EXECUTE FUNCTION budgets_freeze_immutable();
"""

PG_REVERSE = _locks.pg_pool_lock(_locks.LOCKED_0002) + """
DROP TRIGGER IF EXISTS budgets_ballot_frozen ON budgets_ballot;
DROP TRIGGER IF EXISTS budgets_ballotline_frozen ON budgets_ballotline;
DROP FUNCTION IF EXISTS budgets_ballot_frozen();
DROP TRIGGER IF EXISTS budgets_freeze_immutable ON budgets_ballotfreeze;
DROP FUNCTION IF EXISTS budgets_freeze_immutable();
"""

SQLITE_SQL = [
    "DROP TRIGGER IF EXISTS budgets_pool_lock;",
    _locks.sqlite_pool_lock(LOCKED),
    *_locks.SQLITE_BALLOT_TRIGGERS,
    """CREATE TRIGGER budgets_freeze_immutable BEFORE UPDATE ON budgets_ballotfreeze
    FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'a ballot freeze cannot change'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS budgets_pool_lock;",
    _locks.sqlite_pool_lock(_locks.LOCKED_0002),
    *_locks.SQLITE_BALLOT_TRIGGERS_DROP,
    "DROP TRIGGER IF EXISTS budgets_freeze_immutable;",
]


class Migration(migrations.Migration):
    dependencies = [("budgets", "0004_voting")]

    operations = [
        migrations.RunPython(
            _locks.run({"postgresql": PG_SQL, "sqlite": SQLITE_SQL}),
            _locks.run({"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
