"""CSV records written by the database, so that an export streams at the speed the
database reads: each row comes back as its finished CSV record, one text per row.

Python's csv module, with the per-cell formatting before it, cost three times what the
database does to read the row (31 cells, three timestamps, twelve amount cells). These
expressions write exactly what `csv.writer` (the excel dialect, QUOTE_MINIMAL) writes for
the same cells: a cell is quoted when it holds a comma, a double quote, CR or LF, with
its quotes doubled. tests/admin/test_export_sql.py holds them to the csv module's output
on both databases.

What keeps it cheap:
- a record is built in two versions; one scan of the row's typed text picks the quoting
  one only for rows where some cell needs quotes (almost none do);
- the record is built once per kind of currency (0, 2 or 3 decimals), so a row tests its
  currency once, and each pair of amount cells is one call (printf on SQLite);
- only the cells others typed are checked; ours (ids, numbers, times) are written as they
  are.

Cells are `Ours`, `Typed` or `Money`; `record()` joins them.
"""

from dataclasses import dataclass

from sqlalchemy import Boolean, Integer, String, Text, case, func, literal_column, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.money import THREE_DECIMAL, ZERO_DECIMAL
from app.spreadsheet import FORMULA_STARTS


def read_fast(connection):
    """Ready a connection for a record query: PostgreSQL's JIT would compile the record's
    expressions for each export, which more than doubles its time (measured at 200k
    rows: 31k rows/s with it, 76k without); this transaction only goes without it."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")


class NeedsQuotes(FunctionElement):
    """True when a text holds a comma, a double quote, CR or LF."""

    type = Boolean()
    inherit_cache = True


@compiles(NeedsQuotes, "sqlite")
def _needs_quotes_sqlite(element, compiler, **kw):
    # A constant pattern (CR and LF written as themselves inside the SQL string).
    return f"({compiler.process(element.clauses, **kw)} GLOB '*[,\"\r\n]*')"


@compiles(NeedsQuotes, "postgresql")
def _needs_quotes_postgresql(element, compiler, **kw):
    return f"""({compiler.process(element.clauses, **kw)} ~ E'[,"\\\\r\\\\n]')"""


class LooksLikeFormula(FunctionElement):
    """True when a text starts like a spreadsheet formula (FORMULA_STARTS)."""

    type = Boolean()
    inherit_cache = True


@compiles(LooksLikeFormula, "sqlite")
def _formula_sqlite(element, compiler, **kw):
    # One character class, "-" last so that it is itself; TAB and CR as themselves.
    starts = "".join(c for c in FORMULA_STARTS if c != "-") + "-"
    return f"({compiler.process(element.clauses, **kw)} GLOB '[{starts}]*')"


@compiles(LooksLikeFormula, "postgresql")
def _formula_postgresql(element, compiler, **kw):
    starts = "".join(c for c in FORMULA_STARTS if c not in "-\t\r")
    return f"({compiler.process(element.clauses, **kw)} ~ E'^[{starts}\\\\t\\\\r-]')"


class IsoUtc(FunctionElement):
    """A stored UTC time as 2026-03-01T09:30:00Z (whole seconds); NULL stays NULL."""

    type = Text()
    inherit_cache = True


@compiles(IsoUtc, "sqlite")
def _iso_utc_sqlite(element, compiler, **kw):
    # SQLite holds the naive UTC text SQLAlchemy wrote ("2026-03-01 09:30:00.000000").
    value = compiler.process(element.clauses, **kw)
    return f"(substr({value}, 1, 10) || 'T' || substr({value}, 12, 8) || 'Z')"


@compiles(IsoUtc, "postgresql")
def _iso_utc_postgresql(element, compiler, **kw):
    value = compiler.process(element.clauses, **kw)
    return f"""to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


class Decimal(FunctionElement):
    """Minor units as the currency's decimal text: 69.00, -0.50; 1.250 for 3 places.
    Not used for 0 places (the integer is its own text)."""

    type = Text()
    inherit_cache = True

    def __init__(self, minor, places):
        # A literal column, not a bound value: the places are part of the statement
        # (and of its cache key), as compiled into it.
        super().__init__(minor, literal_column(str(int(places)), Integer))


def _decimal_parts(element, compiler, kw):
    minor, places = element.clauses
    return compiler.process(minor, **kw), int(places.name)


@compiles(Decimal, "sqlite")
def _decimal_sqlite(element, compiler, **kw):
    minor, places = _decimal_parts(element, compiler, kw)
    unit = 10**places
    return (f"printf('%s%d.%0{places}d', CASE WHEN {minor} < 0 THEN '-' ELSE '' END, "
            f"abs({minor}) / {unit}, abs({minor}) % {unit})")


@compiles(Decimal, "postgresql")
def _decimal_postgresql(element, compiler, **kw):
    # numeric is exact: a division by a power of ten, then the scale, round nothing.
    minor, places = _decimal_parts(element, compiler, kw)
    return (f"CAST(CAST(CAST({minor} AS NUMERIC) / {10**places} AS NUMERIC(32, {places}))"
            " AS TEXT)")


class Joined(FunctionElement):
    """Texts (or integers) joined by `separator` in one call, NULL as an empty text:
    SQLite's printf, PostgreSQL's format. Cheaper than a chain of ||, which copies the
    growing line once per part."""

    type = Text()
    inherit_cache = True

    def __init__(self, parts, separator=","):
        super().__init__(literal_column(repr_sql(separator)), *parts)


def repr_sql(text):
    """A SQL string literal (for our own constants only)."""
    return "'" + text.replace("'", "''") + "'"


def _joined_parts(element, compiler, kw):
    separator, *parts = element.clauses
    text = separator.name[1:-1].replace("''", "'")
    return text, [compiler.process(p, **kw) for p in parts]


@compiles(Joined, "sqlite")
def _joined_sqlite(element, compiler, **kw):
    separator, parts = _joined_parts(element, compiler, kw)
    template = separator.join(["%s"] * len(parts))
    return f"printf({repr_sql(template)}, {', '.join(parts)})"


@compiles(Joined, "postgresql")
def _joined_postgresql(element, compiler, **kw):
    separator, parts = _joined_parts(element, compiler, kw)
    # psycopg2's paramstyle needs %% for a literal %.
    template = separator.join(["%%s"] * len(parts))
    return f"format({repr_sql(template)}, {', '.join(parts)})"


@dataclass(frozen=True)
class Ours:
    """A cell whose text never needs quotes or neutralising (ids, numbers, times, our
    fixed words); NULL is an empty cell."""

    value: object

    def parts(self, places, careful):
        return [self.value]

    def typed_text(self):
        return None


@dataclass(frozen=True)
class Typed:
    """A cell with text someone else typed (or Stripe sent): a leading quote when it
    starts like a formula (`formula=False` for codes we validated, such as a country),
    then quoted as csv.writer would when it needs quotes; NULL is an empty cell."""

    value: object
    formula: bool = True

    def parts(self, places, careful):
        value = type_coerce(self.value, String)
        written = (case((LooksLikeFormula(value), "'" + value), else_=value)
                   if self.formula else value)
        if careful:
            doubled = func.replace(written, '"', '""', type_=Text)
            written = case((NeedsQuotes(value), '"' + doubled + '"'), else_=written)
        return [written]

    def typed_text(self):
        return self.value


@dataclass(frozen=True)
class Money:
    """Two cells: minor units as the currency's decimal text, then as the integer."""

    minor: object

    def parts(self, places, careful):
        return [Decimal(self.minor, places) if places else self.minor, self.minor]

    def typed_text(self):
        return None


def _line(cells, places):
    plain = Joined([p for c in cells for p in c.parts(places, careful=False)])
    typed = [t for t in (c.typed_text() for c in cells) if t is not None]
    if not typed:
        return plain
    careful = Joined([p for c in cells for p in c.parts(places, careful=True)])
    return case((NeedsQuotes(Joined(typed, separator="")), careful), else_=plain)


def record(cells, currency):
    """SQL: the cells joined into one CSV record (without its line end). `currency` (a
    lower-case code) says how many decimals the Money cells have."""
    return type_coerce(case(
        (currency.in_(sorted(ZERO_DECIMAL)), _line(cells, 0)),
        (currency.in_(sorted(THREE_DECIMAL)), _line(cells, 3)),
        else_=_line(cells, 2),
    ), Text)
