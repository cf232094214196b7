"""Ballot.receipt_unsent. SQLite rebuilds budgets_ballot to add the column: its frozen-ballot
triggers are dropped first and created again after (see 0005)."""

from django.db import migrations, models

from budgets.migrations import _locks

DROP = _locks.run({"postgresql": [], "sqlite": _locks.SQLITE_BALLOT_TRIGGERS_DROP})
CREATE = _locks.run({"postgresql": [], "sqlite": _locks.SQLITE_BALLOT_TRIGGERS})


class Migration(migrations.Migration):

    dependencies = [
        ('budgets', '0007_report_locks'),
        ('districts', '0003_voting'),
    ]

    operations = [
        migrations.RunPython(DROP, CREATE),
        migrations.AddField(
            model_name='ballot',
            name='receipt_unsent',
            field=models.BooleanField(default=False, verbose_name='receipt not e-mailed yet'),
        ),
        migrations.AddIndex(
            model_name='ballot',
            index=models.Index(condition=models.Q(('receipt_unsent', True)), fields=['pool'], name='ballot_receipt_unsent'),
        ),
        migrations.RunPython(CREATE, DROP),
    ]
