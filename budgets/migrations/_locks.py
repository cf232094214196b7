"""SQL shared by the lock migrations (a module starting with _ is not a migration)."""

LOCKED_0002 = (
    "amount",
    "currency",
    "share",
    "method",
    "min_choices",
    "max_choices",
    "points_total",
    "points_per_project",
    "tally_rule",
    "tie_break",
    "lot_seed",
    "min_votes",
    "add1_stop",
    "voting_starts",
    "cycle_id",
    "district_id",
)

POOL_MESSAGE = "pool settings are locked once voting has opened"


def pg_pool_lock(locked) -> str:
    """The PostgreSQL function behind the pool trigger, for this list of locked columns."""
    changed = " OR ".join(f"NEW.{f} IS DISTINCT FROM OLD.{f}" for f in locked)
    return f"""
CREATE OR REPLACE FUNCTION budgets_pool_lock() RETURNS trigger AS $$
DECLARE opens timestamptz;
BEGIN
    SELECT COALESCE(OLD.voting_starts, c.voting_starts) INTO opens
      FROM budgets_cycle c WHERE c.id = OLD.cycle_id;
    IF opens <= now() AND (TG_OP = 'DELETE' OR {changed}) THEN
        RAISE EXCEPTION '{POOL_MESSAGE} (pool %, voting opened %)', OLD.id, opens
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def sqlite_pool_lock(locked) -> str:
    """The SQLite pool trigger for this list of locked columns."""
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    opens = (
        "COALESCE(OLD.voting_starts, "
        "(SELECT voting_starts FROM budgets_cycle WHERE id = OLD.cycle_id))"
    )
    changed = " OR ".join(f"NEW.{f} IS NOT OLD.{f}" for f in locked)
    return f"""CREATE TRIGGER budgets_pool_lock BEFORE UPDATE ON budgets_pool FOR EACH ROW
    WHEN {opens} <= {now} AND ({changed})
    BEGIN SELECT RAISE(ABORT, '{POOL_MESSAGE}'); END;"""


FROZEN = "the ballots of this pool are frozen"
_FROZEN_POOL = "EXISTS (SELECT 1 FROM budgets_ballotfreeze f WHERE f.pool_id = {pool})"
_LINE_POOL = "(SELECT b.pool_id FROM budgets_ballot b WHERE b.id = {ballot})"

# SQLite's frozen-ballot triggers (0005). SQLite rebuilds a table to alter it, and these
# triggers name budgets_ballot: a migration that alters budgets_ballot or budgets_ballotline
# runs SQLITE_BALLOT_TRIGGERS_DROP first and SQLITE_BALLOT_TRIGGERS after.
SQLITE_BALLOT_TRIGGERS = [
    *(
        f"""CREATE TRIGGER budgets_ballot_frozen_{op.lower()} BEFORE {op} ON budgets_ballot
        FOR EACH ROW WHEN {_FROZEN_POOL.format(pool="NEW.pool_id")}
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END;"""
        for op in ("INSERT", "UPDATE")
    ),
    *(
        f"""CREATE TRIGGER budgets_ballotline_frozen_{op.lower()} BEFORE {op} ON budgets_ballotline
        FOR EACH ROW WHEN {_FROZEN_POOL.format(pool=_LINE_POOL.format(ballot="NEW.ballot_id"))}
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END;"""
        for op in ("INSERT", "UPDATE")
    ),
]
SQLITE_BALLOT_TRIGGERS_DROP = [
    f"DROP TRIGGER IF EXISTS budgets_{table}_frozen_{op};"
    for table in ("ballot", "ballotline")
    for op in ("insert", "update")
]


def run(statements_by_vendor):
    """A RunPython function executing the statements for the connection's vendor."""

    def _run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no lock SQL for {schema_editor.connection.vendor}")
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement, params=None)

    return _run
