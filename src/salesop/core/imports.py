"""One framework for every spreadsheet import (leads, companies, past deals, people). A kind
registers its fields, header words, who may import it and the function that imports its rows;
the framework guesses and checks the column mapping, reads the file, and runs the rows
all-or-nothing or valid rows only, collecting each refused row's number, column and reason.

A kind writes its rows a batch at a time inside `checkpoint`, whose transaction ends by
recording on the job the last row it wrote and the counts so far: what a stopped run (its worker
killed, an error nobody foresaw) wrote is exactly what its job says, and the run resumed starts
after that row (`run_import`), so no row is written twice whatever the kind's dedupe mode."""

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.core.audit import audit_actor
from salesop.core.spreadsheets import NotASpreadsheet, Row, read_rows

BATCH = 1000
SHOWN_ERRORS = 200  # the errors a job keeps for its page; the error report has them all


@dataclass(frozen=True)
class Choices:
    """A field whose cells must be one of our values (a deal's stage): the values with their
    labels, and the words read as one of them without being told (our keys and labels)."""

    options: list[tuple[str, str]]
    words: dict[str, str]  # casefolded word -> our value

    @classmethod
    def of(cls, choices: type, more: dict[str, str] | None = None) -> "Choices":
        """A model's choices (TextChoices), known by key and by label in either language, the
        label's first words too ("Positive: moving forward" as "positive", 积极), and the
        `more` words files use."""
        words = {value: value for value in choices.values}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                labels = [(str(label).casefold(), value) for value, label in choices.choices]
            for label, value in labels:
                words.setdefault(label, value)
                words.setdefault(re.split(r"[:：/(（]", label)[0].strip(), value)
        words |= {word.casefold(): value for word, value in (more or {}).items()}
        return cls(options=[(v, str(label)) for v, label in choices.choices], words=words)

    def read(self, text: str, value_map: dict[str, str]) -> str | None:
        """Our value for a cell: as the import's value map says, else a word we know."""
        word = text.casefold()
        mapped = {k.casefold(): v for k, v in value_map.items()}.get(word)
        return mapped or self.words.get(word)


def anyone(user) -> bool:
    """An import anyone may start: what it writes is theirs or checked row by row."""
    return True


@dataclass(frozen=True)
class ImportKind:
    """What can be imported: its name for people, its fields with their maximum lengths, the
    required ones, the header words people use for each (both languages), `run(job, rows,
    progress)`, the fields whose cells are one of our values (`choices()`, read when the
    import starts), and who may import it (`allowed(user)`, asked before a file is taken)."""

    label: str
    fields: dict[str, int]
    required: tuple[str, ...]
    synonyms: dict[str, list[str]]
    run: Callable[..., "Outcome"]
    choices: Callable[[], dict[str, Choices]] = dict
    allowed: Callable[[Any], bool] = anyone


KINDS: dict[str, ImportKind] = {}

# What the mapping page calls each field a kind imports (the command line's --map takes the
# name itself).
FIELD_LABELS = {
    "amount": gettext_lazy("Amount"),
    "budget": gettext_lazy("Budget"),
    "budget_currency": gettext_lazy("Budget currency"),
    "by": gettext_lazy("By (person)"),
    "channel": gettext_lazy("Channel"),
    "closed": gettext_lazy("Closing date"),
    "company": gettext_lazy("Company"),
    "company_name": gettext_lazy("Company"),
    "contact_name": gettext_lazy("Contact"),
    "created": gettext_lazy("Created date"),
    "currency": gettext_lazy("Currency"),
    "deal_name": gettext_lazy("Deal name"),
    "decision_role": gettext_lazy("Decision role"),
    "duration": gettext_lazy("Duration (minutes)"),
    "email": gettext_lazy("Email"),
    "employee_band": gettext_lazy("Employees"),
    "industry": gettext_lazy("Industry"),
    "kind": gettext_lazy("Kind"),
    "lost_reason": gettext_lazy("Lost reason"),
    "manager": gettext_lazy("Manager"),
    "name": gettext_lazy("Name"),
    "notes": gettext_lazy("Notes"),
    "occurred": gettext_lazy("Date and time"),
    "office": gettext_lazy("Office"),
    "outcome": gettext_lazy("Outcome"),
    "owner": gettext_lazy("Owner"),
    "phone": gettext_lazy("Phone"),
    "product": gettext_lazy("Product"),
    "region": gettext_lazy("Region"),
    "role": gettext_lazy("Role"),
    "source_id": gettext_lazy("Opportunity ID"),
    "stage": gettext_lazy("Stage"),
    "subject": gettext_lazy("Subject"),
    "team": gettext_lazy("Team"),
    "tier": gettext_lazy("Tier"),
    "title": gettext_lazy("Job title"),
    "website": gettext_lazy("Website"),
    "wechat": gettext_lazy("WeChat ID"),
}


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class Outcome:
    created: int = 0
    merged: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    # A resumed run's rows before its checkpoint: their error rows, and the errors the job kept
    earlier_error_rows: int = 0
    earlier_errors: list[RowError] = field(default_factory=list)

    @classmethod
    def so_far(cls, job) -> "Outcome":
        """Where the job's run starts counting: from nothing, or (a run resumed after its
        checkpoint) from the counts and the kept errors of the rows already written."""
        if not job.committed_row:
            return cls()
        return cls(
            created=job.created_count,
            merged=job.merged_count,
            skipped=job.skipped_count,
            earlier_error_rows=job.error_count,
            earlier_errors=[RowError(**error) for error in job.errors],
        )

    @property
    def error_rows(self) -> int:
        """Rows with at least one error (a row can have several): what the counts report."""
        return self.earlier_error_rows + len({error.row for error in self.errors})

    @property
    def all_errors(self) -> list[RowError]:
        """The errors of the whole file: of a resumed run, those kept from before it too."""
        return self.earlier_errors + self.errors


class _Rollback(Exception):
    """Raised inside an all-or-nothing import's transaction when any row was refused."""


def guess_mapping(header: list[str], kind: str) -> dict[str, str]:
    """Column -> field for the columns whose header is a known word for a field."""
    mapping = {}
    for column in header:
        word = " ".join(column.replace("_", " ").replace("-", " ").casefold().split())
        for name, words in KINDS[kind].synonyms.items():
            if word == name or word in words and name not in mapping.values():
                mapping[column] = name
                break
    return mapping


def mapping_over(guessed: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    """The guessed (or remembered) mapping with the pairs given over it: a column given ""
    is left out (`--map COLUMN=`)."""
    return {column: target for column, target in {**guessed, **given}.items() if target}


def check_mapping(header: list[str], mapping: dict[str, str], kind: str) -> list[str]:
    """What is wrong with a mapping, in words: columns not in the file, unknown fields, a field
    taken twice, a required field missing."""
    spec = KINDS[kind]
    problems = []
    for column, target in mapping.items():
        if column not in header:
            problems.append(
                _("column %(c)r is not in the file; its columns: %(columns)s")
                % {"c": column, "columns": ", ".join(header[:40])}
            )
        if target not in spec.fields:
            problems.append(
                _("%(f)r is not a field of this import; its fields: %(fields)s")
                % {"f": target, "fields": ", ".join(spec.fields)}
            )
    targets = [t for t in mapping.values() if t]
    for dup in {t for t in targets if targets.count(t) > 1}:
        problems.append(_("two columns go to %(f)s") % {"f": dup})
    for required in spec.required:
        if required not in targets:
            problems.append(_("no column is mapped to the required field %(f)s") % {"f": required})
    return problems


def check_value_map(value_map: dict[str, dict[str, str]], kind: str) -> list[str]:
    """What is wrong with a value map, in words: a field whose values are not ours to map, a
    value mapped to something that is not one of ours."""
    choices = KINDS[kind].choices()
    problems = []
    for target, pairs in value_map.items():
        if target not in choices:
            problems.append(
                _("the values of %(f)r cannot be mapped; of this import: %(fields)s")
                % {"f": target, "fields": ", ".join(choices) or "-"}
            )
            continue
        ours = [key for key, _label in choices[target].options]
        for theirs, value in pairs.items():
            if value not in ours:
                problems.append(
                    _("%(v)r (for %(theirs)r) is not a %(f)s; use one of: %(ours)s")
                    % {"v": value, "theirs": theirs, "f": target, "ours": ", ".join(ours)}
                )
    return problems


def values_in(path: Path, column: str, most: int = 50, rows: int = 20_000) -> list[str]:
    """The distinct values of a column, in the order met, among the file's first rows: what a
    value map is chosen for."""
    _header, read = read_rows(path)
    seen: dict[str, None] = {}
    for number, row in enumerate(read):
        text = "" if row.values.get(column) is None else str(row.values[column]).strip()
        if text:
            seen.setdefault(text)
        if len(seen) >= most or number >= rows:
            break
    return list(seen)


def column_of(mapping: dict[str, str], target: str) -> str:
    """The file's column mapped to a field ("" when none is): where a row error points."""
    return next((c for c, t in mapping.items() if t == target), "")


def cells(row: Row, mapping: dict[str, str], fields: dict[str, int]):
    """The row's mapped cells as trimmed text by field ("" for an empty cell), and its errors
    so far: what reading the row found wrong, and each cell longer than its field allows."""
    values: dict[str, str] = {}
    errors = []
    # a problem in a column the import reads (or in the whole row) refuses it, at that column;
    # a long cell in a column left unmapped does not
    if row.problem and (not row.column or mapping.get(row.column)):
        errors.append(RowError(row.number, row.column, row.problem))
    for column, target in mapping.items():
        if not target:
            continue
        raw = row.values.get(column)
        text = "" if raw is None else str(raw).strip()
        if row.problem and column == row.column:
            pass  # said above, once
        elif len(text) > fields[target]:
            errors.append(
                RowError(
                    row.number, column, _("longer than %(n)d characters") % {"n": fields[target]}
                )
            )
        elif "\x00" in text:  # PostgreSQL stores no NUL; SQLite kept it in a company's name
            errors.append(RowError(row.number, column, _("holds a NUL (zero) character")))
        values[target] = text  # kept, so that it is not reported empty too
    return values, errors


def batches(rows: Iterable[Row], size: int = BATCH) -> Iterator[list[Row]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_import(job, progress=None) -> Outcome:
    """Reads the job's file, checks its mapping, and imports the rows as its kind does: the
    rows after the job's checkpoint (all of them, unless a stopped run is resumed). Raises
    NotASpreadsheet saying what is wrong with the file or the mapping."""
    header, rows = read_rows(Path(job.file.path))
    problems = check_mapping(header, job.mapping, job.kind)
    if problems:
        raise NotASpreadsheet("; ".join(problems))
    return KINDS[job.kind].run(job, _after(rows, job.committed_row), progress)


def _after(rows: Iterator[Row], committed_row: int) -> Iterator[Row]:
    """The rows after the checkpoint, refusing a file with more than IMPORT_MAX_ROWS (counted
    at upload; counted here for a workbook whose recorded size understated them)."""
    most = settings.IMPORT_MAX_ROWS
    for read, row in enumerate(rows, start=1):
        if read > most:
            raise NotASpreadsheet(too_many_rows(most))
        if row.number > committed_row:
            yield row


def too_many_rows(most: int, rows: int | None = None) -> str:
    """The refusal of a file with more rows than an import takes, with its count if known."""
    if rows is None:
        return _(
            "The file has more than %(most)d rows; at most %(most)d are imported at once "
            "(SALESOP_IMPORT_MAX_ROWS): split it and import the parts."
        ) % {"most": most}
    return _(
        "The file has %(n)d rows; at most %(most)d are imported at once "
        "(SALESOP_IMPORT_MAX_ROWS): split it and import the parts."
    ) % {"n": rows, "most": most}


def resumes_midway(job) -> bool:
    """Whether a stopped run of the job continues after its last batch: only a valid-rows
    import writes as it goes; an all-or-nothing import (one transaction) or a dry run left
    nothing, and runs again from the first row."""
    return not job.all_or_nothing and not job.dry_run


PROGRESS_FIELDS = [
    "processed_rows",
    "committed_row",
    "created_count",
    "merged_count",
    "skipped_count",
    "error_count",
    "errors",
]


@contextmanager
def checkpoint(job, outcome: Outcome, batch: list[Row], progress=None) -> Iterator[None]:
    """Runs a batch's work in one transaction that ends by recording the job's progress: the
    rows read, the counts so far, and (a valid-rows import) the batch's last row as the one a
    resumed run starts after. The rows and the record of them commit together, or neither."""
    with transaction.atomic():
        yield
        job.processed_rows += len(batch)
        if resumes_midway(job):
            job.committed_row = batch[-1].number
        job.created_count, job.merged_count = outcome.created, outcome.merged
        job.skipped_count, job.error_count = outcome.skipped, outcome.error_rows
        job.errors = [error.__dict__ for error in outcome.all_errors[:SHOWN_ERRORS]]
        job.save(update_fields=PROGRESS_FIELDS)
    if progress:
        progress(job, outcome)


def all_or_nothing(job, outcome: Outcome, process: Callable[[], None]) -> Outcome:
    """Runs `process`, which imports the rows into `outcome`, with the audit entries it writes
    attributed to whoever started the import. An all-or-nothing import (not a dry run) runs in
    one transaction and, if any row was refused, writes nothing at all."""
    with audit_actor(job.created_by):
        if not job.all_or_nothing or job.dry_run:
            process()
            return outcome
        try:
            with transaction.atomic():
                process()
                if outcome.errors:
                    raise _Rollback
        except _Rollback:
            outcome.created = outcome.merged = 0
    return outcome
