"""Whole model rows read without compiling an ORM query on every request.

The reads that every signed-in request makes (its session, its user) and the ballot's pool
cost 0.3–0.5 ms each through the ORM, most of it compiling the same query again. A `Rows`
writes its SELECT once per database vendor from the models' own fields and turns a row into
model instances exactly as the ORM does: the backend's converters, then each field's own,
then `Model.from_db`. The converters are looked up once per connection object.

Only names from the models' metadata go into the SQL text; values are always parameters.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

from django.db import connections
from django.db.models import Model

Quote = Callable[[str], str]


class Rows:
    """SELECT <every concrete field of each model> [, extras] <tail>, for one row at a time.

    `models` are (alias, model) pairs; `tail(quote, table)` writes the FROM ... WHERE part,
    where `table(model)` is the quoted table name; `extras(quote, table)` adds expressions
    returned as they come. `skip` leaves fields out (their attributes are then deferred).
    `optional` names the aliases of models on the nullable side of an outer join: their
    instance is None when the row has none (its primary key is NULL).
    """

    def __init__(
        self,
        models: Sequence[tuple[str, type[Model]]],
        tail: Callable[[Quote, Callable[[type[Model]], str]], str],
        *,
        extras: Callable[[Quote, Callable[[type[Model]], str]], Sequence[str]] | None = None,
        skip: dict[type[Model], set[str]] | None = None,
        optional: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.models = list(models)
        self.tail = tail
        self.extras = extras
        self.skip = skip or {}
        self.optional = [alias in optional for alias, _model in self.models]
        self._sql: dict[str, tuple[str, list]] = {}
        self._converters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _plan(self, connection) -> tuple[str, list]:
        plan = self._sql.get(connection.vendor)
        if plan is None:
            quote = connection.ops.quote_name

            def table(model: type[Model]) -> str:
                return quote(model._meta.db_table)

            columns, readers = [], []
            for alias, model in self.models:
                skip = self.skip.get(model, set())
                fields = [f for f in model._meta.concrete_fields if f.name not in skip]
                columns += [f"{alias}.{quote(f.column)}" for f in fields]
                cols = [f.get_col(alias) for f in fields]
                names = [f.attname for f in fields]
                readers.append((model, names, cols, names.index(model._meta.pk.attname)))
            extras = list(self.extras(quote, table)) if self.extras else []
            sql = f"SELECT {', '.join(columns + extras)} {self.tail(quote, table)}"
            plan = self._sql[connection.vendor] = (sql, readers)
        return plan

    def _converters_for(self, connection, readers: list) -> list:
        """Per model: [(column index, [converter, ...])] for the columns that have any."""
        found = self._converters.get(connection)
        if found is None:
            found = []
            for _model, _names, cols, _pk in readers:
                found.append(
                    [
                        (i, converters)
                        for i, col in enumerate(cols)
                        if (
                            converters := connection.ops.get_db_converters(col)
                            + col.get_db_converters(connection)
                        )
                    ]
                )
            self._converters[connection] = found
        return found

    def one(self, params: Sequence, *, using: str = "default") -> tuple[list, tuple] | None:
        """(one instance per model, the extras) of the first row, or None without one.

        An optional model's instance is None when the row has none.
        """
        connection = connections[using]
        sql, readers = self._plan(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            row = cursor.fetchone()
        if row is None:
            return None
        instances, start = [], 0
        for (model, names, cols, pk), optional, converters in zip(
            readers, self.optional, self._converters_for(connection, readers), strict=True
        ):
            values = list(row[start : start + len(names)])
            start += len(names)
            if optional and values[pk] is None:
                instances.append(None)
                continue
            for i, convert_all in converters:
                for convert in convert_all:
                    values[i] = convert(values[i], cols[i], connection)
            instances.append(model.from_db(using, names, values))
        return instances, tuple(row[start:])
