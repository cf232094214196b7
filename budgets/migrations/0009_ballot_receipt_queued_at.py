"""Ballot.receipt_queued_at: the lease of a claimed receipt e-mail. SQLite rebuilds
budgets_ballot to add the column: its frozen-ballot triggers are dropped first and created
again after (see 0005)."""

from django.db import migrations, models

from budgets.migrations import _locks

DROP = _locks.run({"postgresql": [], "sqlite": _locks.SQLITE_BALLOT_TRIGGERS_DROP})
CREATE = _locks.run({"postgresql": [], "sqlite": _locks.SQLITE_BALLOT_TRIGGERS})


class Migration(migrations.Migration):

    dependencies = [
        ("budgets", "0008_ballot_receipt_unsent"),
    ]

    operations = [
        migrations.RunPython(DROP, CREATE),
        migrations.AddField(
            model_name="ballot",
            name="receipt_queued_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="receipt e-mail queued at"
            ),
        ),
        migrations.RunPython(CREATE, DROP),
    ]
