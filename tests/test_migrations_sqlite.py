"""`make demo` migrates a fresh SQLite file: every migration, forwards and back, must work there.

CI runs the suite on PostgreSQL, so without this test a migration that breaks only on SQLite
(which rebuilds a table to alter it, and whose triggers name tables) would reach the demo
unnoticed.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _manage(database: Path, *args: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "civic.settings.local",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _triggers(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in rows}


def test_every_migration_runs_on_a_fresh_sqlite_database_and_keeps_its_triggers(tmp_path):
    database = tmp_path / "demo.sqlite3"
    _manage(database, "migrate", "--no-input", "-v", "0")
    triggers = _triggers(database)
    assert {
        "budgets_ballot_frozen_insert",
        "budgets_ballotline_frozen_insert",
        "budgets_pool_lock",
        "budgets_report_lock_u",
    } <= triggers
    # Back to before the receipt outbox and forwards again: the triggers survive both ways.
    _manage(database, "migrate", "budgets", "0007", "--no-input", "-v", "0")
    _manage(database, "migrate", "--no-input", "-v", "0")
    assert _triggers(database) == triggers
