"""Reading CSV files row by row for the imports: the header checked against the known columns,
each row validated into a model, and every row error kept with its row number.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from sopdesk.errors import InvalidInput

T = TypeVar("T")
Progress = Callable[[int], None]
Rows = Iterator[tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class RowError:
    """One reason a row cannot be imported; rows count the header as row 1, as spreadsheets do."""

    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.reason}"


@dataclass
class Parsed(Generic[T]):
    """The valid records of a file (with the rows they came from) and every row error."""

    rows: int = 0
    records: list[tuple[list[int], T]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped_rows: int


def count_rows(path: Path) -> int:
    """Data rows in a CSV file (for a progress bar's total)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def read_rows(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> Rows:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            if not header:
                raise InvalidInput(f"{path}: the file is empty; the first line names the columns")
            missing = [c for c in required if c not in header]
            unknown = [c for c in header if c not in columns]
            if missing or unknown:
                problems = []
                if missing:
                    problems.append(f"missing column(s) {', '.join(missing)}")
                if unknown:
                    problems.append(f"unknown column(s) {', '.join(unknown)}")
                raise InvalidInput(
                    f"{path}: {'; '.join(problems)}; the columns are: {', '.join(columns)}"
                )
            reader.fieldnames = header
            for index, raw in enumerate(reader, start=2):
                extra = raw.pop(None, None)
                row = {k: (v or "").strip() for k, v in raw.items()}
                if extra:
                    row["__extra__"] = "1"
                yield index, row
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise InvalidInput(f"{path}: not a readable CSV file ({exc})") from None


def errors_of(row: int, exc: ValidationError, names: dict[str, str]) -> list[RowError]:
    found = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        column = names.get(loc[-1], loc[-1]) if loc else "row"
        found.append(RowError(row, column, str(error["msg"])))
    return found


def model_row(model: type[BaseModel], row: int, data: dict[str, Any], names: dict[str, str]) -> Any:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, errors_of(row, exc, names)


def blank_to_none(row: dict[str, str], *names: str) -> dict[str, Any]:
    return {name: row.get(name) or None for name in names}


def gate(parsed: Parsed[Any], skip_bad_rows: bool) -> None:
    if parsed.errors and not skip_bad_rows:
        raise InvalidInput(
            f"{len(parsed.bad_rows)} of {parsed.rows} row(s) have errors, so nothing was "
            "imported; fix them or pass --skip-bad-rows to import only the good rows",
            errors=[{"row": e.row, "field": e.field, "msg": e.reason} for e in parsed.errors],
        )
    if not parsed.records:
        raise InvalidInput("the file has no importable rows")
