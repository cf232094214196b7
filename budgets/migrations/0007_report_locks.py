"""Approved reports, their files and their tallies never change; the audit log only grows.

PostgreSQL and SQLite triggers. On SQLite a later migration that rebuilds one of these
tables drops its triggers and must create them again.
"""

from django.db import migrations

from budgets.migrations._locks import run

MESSAGE = "an approved report, its files and its tally cannot change"
AUDIT_MESSAGE = "the audit log cannot be changed"

PG = [
    f"""
CREATE OR REPLACE FUNCTION budgets_report_lock() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'approved' THEN
        RAISE EXCEPTION '{MESSAGE} (report %)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER budgets_report_lock BEFORE UPDATE OR DELETE ON budgets_report "
    "FOR EACH ROW EXECUTE FUNCTION budgets_report_lock();",
    f"""
CREATE OR REPLACE FUNCTION budgets_reportfile_lock() RETURNS trigger AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM budgets_report r
            WHERE r.id = OLD.report_id AND r.state = 'approved'))
       OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM budgets_report r
            WHERE r.id = NEW.report_id AND r.state = 'approved')) THEN
        RAISE EXCEPTION '{MESSAGE} (report file)'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER budgets_reportfile_lock BEFORE INSERT OR UPDATE OR DELETE "
    "ON budgets_reportfile FOR EACH ROW EXECUTE FUNCTION budgets_reportfile_lock();",
    f"""
CREATE OR REPLACE FUNCTION budgets_tally_lock() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM budgets_report r
               WHERE r.tally_id = OLD.id AND r.state = 'approved') THEN
        RAISE EXCEPTION '{MESSAGE} (tally %)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER budgets_tally_lock BEFORE UPDATE OR DELETE ON budgets_tally "
    "FOR EACH ROW EXECUTE FUNCTION budgets_tally_lock();",
    f"""
CREATE OR REPLACE FUNCTION budgets_auditevent_lock() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{AUDIT_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER budgets_auditevent_lock BEFORE UPDATE OR DELETE ON budgets_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION budgets_auditevent_lock();",
]

_APPROVED = "(SELECT state FROM budgets_report WHERE id = {}.report_id) = 'approved'"
_TALLY = "EXISTS (SELECT 1 FROM budgets_report WHERE tally_id = OLD.id AND state = 'approved')"


def _sqlite(name, event, table, when, message=MESSAGE):
    return (
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW "
        f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    )


SQLITE = [
    _sqlite("budgets_report_lock_u", "UPDATE", "budgets_report", "OLD.state = 'approved'"),
    _sqlite("budgets_report_lock_d", "DELETE", "budgets_report", "OLD.state = 'approved'"),
    _sqlite("budgets_reportfile_lock_i", "INSERT", "budgets_reportfile", _APPROVED.format("NEW")),
    _sqlite(
        "budgets_reportfile_lock_u",
        "UPDATE",
        "budgets_reportfile",
        f"{_APPROVED.format('OLD')} OR {_APPROVED.format('NEW')}",
    ),
    _sqlite("budgets_reportfile_lock_d", "DELETE", "budgets_reportfile", _APPROVED.format("OLD")),
    _sqlite("budgets_tally_lock_u", "UPDATE", "budgets_tally", _TALLY),
    _sqlite("budgets_tally_lock_d", "DELETE", "budgets_tally", _TALLY),
    _sqlite("budgets_auditevent_lock_u", "UPDATE", "budgets_auditevent", "1", AUDIT_MESSAGE),
    _sqlite("budgets_auditevent_lock_d", "DELETE", "budgets_auditevent", "1", AUDIT_MESSAGE),
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS budgets_report_lock ON budgets_report;",
    "DROP TRIGGER IF EXISTS budgets_reportfile_lock ON budgets_reportfile;",
    "DROP TRIGGER IF EXISTS budgets_tally_lock ON budgets_tally;",
    "DROP TRIGGER IF EXISTS budgets_auditevent_lock ON budgets_auditevent;",
    "DROP FUNCTION IF EXISTS budgets_report_lock();",
    "DROP FUNCTION IF EXISTS budgets_reportfile_lock();",
    "DROP FUNCTION IF EXISTS budgets_tally_lock();",
    "DROP FUNCTION IF EXISTS budgets_auditevent_lock();",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "budgets_report_lock_u",
        "budgets_report_lock_d",
        "budgets_reportfile_lock_i",
        "budgets_reportfile_lock_u",
        "budgets_reportfile_lock_d",
        "budgets_tally_lock_u",
        "budgets_tally_lock_d",
        "budgets_auditevent_lock_u",
        "budgets_auditevent_lock_d",
    )
]


class Migration(migrations.Migration):
    dependencies = [("budgets", "0006_reports")]

    operations = [
        migrations.RunPython(
            run({"postgresql": PG, "sqlite": SQLITE}),
            run({"postgresql": PG_DROP, "sqlite": SQLITE_DROP}),
        )
    ]
