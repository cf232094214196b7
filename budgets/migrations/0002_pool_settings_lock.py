"""Database-enforced lock of a pool's method, limits, rule and amount once voting has opened.

The phase is derived from the clock, so a CHECK constraint cannot express it: a trigger
compares the old and new rows and refuses the update (and deletion) once the pool's
effective voting start has passed. Written for PostgreSQL (production, CI) and SQLite (demo);
on SQLite only updates are refused, because Django's test flush deletes rows one by one
(PostgreSQL truncates, which row triggers do not see).
"""

from django.db import migrations

LOCKED = (
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

MESSAGE = "pool settings are locked once voting has opened"

PG_CHANGED = " OR ".join(f"NEW.{f} IS DISTINCT FROM OLD.{f}" for f in LOCKED)
PG_SQL = f"""
CREATE OR REPLACE FUNCTION budgets_pool_lock() RETURNS trigger AS $$
DECLARE opens timestamptz;
BEGIN
    SELECT COALESCE(OLD.voting_starts, c.voting_starts) INTO opens
      FROM budgets_cycle c WHERE c.id = OLD.cycle_id;
    IF opens <= now() AND (TG_OP = 'DELETE' OR {PG_CHANGED}) THEN
        RAISE EXCEPTION '{MESSAGE} (pool %, voting opened %)', OLD.id, opens
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER budgets_pool_lock BEFORE UPDATE OR DELETE ON budgets_pool
    FOR EACH ROW EXECUTE FUNCTION budgets_pool_lock();

CREATE OR REPLACE FUNCTION budgets_cycle_lock() RETURNS trigger AS $$
BEGIN
    IF OLD.voting_starts <= now() AND NEW.voting_starts IS DISTINCT FROM OLD.voting_starts THEN
        RAISE EXCEPTION 'the voting start of a cycle cannot move once voting has opened'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER budgets_cycle_lock BEFORE UPDATE ON budgets_cycle
    FOR EACH ROW EXECUTE FUNCTION budgets_cycle_lock();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS budgets_pool_lock ON budgets_pool;
DROP FUNCTION IF EXISTS budgets_pool_lock();
DROP TRIGGER IF EXISTS budgets_cycle_lock ON budgets_cycle;
DROP FUNCTION IF EXISTS budgets_cycle_lock();
"""

# Django keeps aware datetimes in SQLite as UTC text, so text comparison orders them.
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
SQLITE_OPENS = (
    "COALESCE(OLD.voting_starts, (SELECT voting_starts FROM budgets_cycle WHERE id = OLD.cycle_id))"
)
SQLITE_CHANGED = " OR ".join(f"NEW.{f} IS NOT OLD.{f}" for f in LOCKED)
SQLITE_SQL = [
    f"""CREATE TRIGGER budgets_pool_lock BEFORE UPDATE ON budgets_pool FOR EACH ROW
    WHEN {SQLITE_OPENS} <= {SQLITE_NOW} AND ({SQLITE_CHANGED})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER budgets_cycle_lock BEFORE UPDATE ON budgets_cycle FOR EACH ROW
    WHEN OLD.voting_starts <= {SQLITE_NOW} AND NEW.voting_starts IS NOT OLD.voting_starts
    BEGIN SELECT RAISE(ABORT, 'the voting start of a cycle cannot move once voting has opened'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS budgets_pool_lock;",
    "DROP TRIGGER IF EXISTS budgets_cycle_lock;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no pool lock for {schema_editor.connection.vendor}")
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("budgets", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_SQL, "sqlite": SQLITE_SQL}),
            _run({"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
