"""Database expressions the ORM does not have."""

from django.db.models import BigIntegerField, FloatField, Func


class HoursBetween(Func):
    """Hours from the first datetime to the second, computed by the database: a report over a
    month's 40,000 rows reads floats instead of parsing 80,000 datetimes in Python."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 24.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0)",
            arg_joiner=" - ",
            **extra,
        )

    def __init__(self, start, end, **extra):
        # julianday(end) - julianday(start): the arguments in the order the SQL reads them
        super().__init__(end, start, **extra)


class MicrosecondsBetween(Func):
    """Microseconds from the first datetime to the second, exactly: a bound compared with it
    counts what Python's datetimes count (HoursBetween's floats are off by up to ~50 µs).
    SQLite keeps datetimes as text, 'YYYY-MM-DD HH:MM:SS[.ffffff]': whole seconds through
    strftime (which would round a fraction), plus the fraction's digits."""

    output_field = BigIntegerField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        (end, end_params), (start, start_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )

        def micros(column: str) -> str:
            return (
                f"(CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
                f" + CAST(substr({column} || '.000000', 21, 6) AS INTEGER))"
            )

        params = (*end_params, *end_params, *start_params, *start_params)
        return f"({micros(end)} - {micros(start)})", params

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) * 1000000)",
            arg_joiner=" - ",
            **extra,
        )

    def __init__(self, start, end, **extra):
        super().__init__(end, start, **extra)
