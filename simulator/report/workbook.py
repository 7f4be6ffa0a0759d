"""The quote workbook (``.xlsx``) a negotiator can open and send, and the same tables as CSV files.

Both writers take plain tables, a pandas DataFrame or a list of dicts per table, so any command can hand over what
it has. Files are written atomically: everything is built in memory, written to a temporary file beside the
target and renamed into place, so a failure leaves the previous file (or none), never half of one.

The workbook: one sheet per table, an optional first sheet ``About`` with a title and notes (scenario, seed,
method, currency), a bold header row that stays in view (frozen panes, with the label column too), autofilter,
column widths that fit the content, and number formats by column: money with two decimals and the currency,
fractions as percentages, counts with thousands separators. The kind of each column comes from its name (see
:func:`simulator.report.formatting.infer_kind`) unless ``formats`` names it. A long table with ``value`` and
``unit`` columns (a summary: item, value, unit; or items side by side with their unit) is formatted row by row
from the unit: the currency, ``"USD/month"`` or ``"USD per call"`` → money, ``"fraction"`` or ``"%"`` → percent.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from simulator.errors import ScenarioError
from simulator.report._atomic import atomic_paths
from simulator.report.formatting import KINDS, excel_number_format, format_value, humanize, infer_kind, is_number
from simulator.report.frames import Table, table_frame

__all__ = ["Table", "table_frame", "write_csv_tables", "write_workbook"]


_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET_NAME = 31  # Excel's limit
_MIN_WIDTH, _MAX_WIDTH = 8, 60  # [characters]
_HEADER_FILL = "1F4E79"
_PERCENT_UNITS = {"%", "fraction", "percent", "share", "probability"}


def _cell_value(value: Any) -> Any:
    """A value openpyxl can store: numpy → Python, NaN/inf/NA → empty, containers → JSON text."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if is_number(value):
        number = float(value)
        if not math.isfinite(number):
            return None
        return int(value) if isinstance(value, int | np.integer) else number
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp is pd.NaT:
            return None
        return stamp.tz_localize(None).to_pydatetime() if stamp.tzinfo is not None else stamp.to_pydatetime()
    if isinstance(value, dt.date | dt.time):
        return value
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return pd.Timedelta(value).total_seconds()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Mapping | list | tuple | np.ndarray):
        return json.dumps(value.tolist() if isinstance(value, np.ndarray) else value, default=str)
    return str(value)


def _column_kind(name: str, values: pd.Series, formats: Mapping[str, str]) -> str:
    """money, percent, integer, number or text for one column (explicit ``formats`` first)."""
    if name in formats:
        return formats[name]
    numeric = [v for v in values.tolist() if is_number(v) and math.isfinite(float(v))]
    if not numeric:
        return "text"
    kind = infer_kind(name, numeric[0])
    all_integral = all(float(v).is_integer() for v in numeric)
    if kind == "integer" and not all_integral:
        return "number"  # fractional agents (FTE-like) keep their decimals
    if kind == "number" and all_integral and all(isinstance(v, int | np.integer) for v in numeric):
        return "integer"
    return kind


def _unit_kind(unit: Any, currency: str | None, value: Any) -> str:
    """The kind of a ``value`` cell in a long (item, value, unit) table, from its unit."""
    if not is_number(value):
        return "text"
    text = str(unit or "").strip()
    lowered = text.lower()
    if lowered in _PERCENT_UNITS:
        return "percent"
    code = (currency or "").strip().upper()
    head = (text.split("/")[0].split() or [""])[0].upper()  # "USD/month", "USD per call" → "USD"
    if code and head == code:
        return "money"
    if lowered in {"money", "currency"}:
        return "money"
    return "integer" if float(value).is_integer() and isinstance(value, int | np.integer) else "number"


def _sheet_names(names: Sequence[str], reserved: Sequence[str] = ()) -> list[str]:
    """Excel-safe, unique sheet titles (≤ 31 characters, none of []:*?/\\), humanized from the keys."""
    out: list[str] = []
    seen: set[str] = {r.lower() for r in reserved}
    for name in names:
        title = _INVALID_SHEET_CHARS.sub("-", humanize(str(name))).strip("' ") or "Sheet"
        title = title[:_MAX_SHEET_NAME]
        candidate, n = title, 2
        while candidate.lower() in seen:
            suffix = f" ({n})"
            candidate = title[:_MAX_SHEET_NAME - len(suffix)] + suffix
            n += 1
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _check_formats(formats: Mapping[str, str]) -> None:
    for column, kind in formats.items():
        if kind not in KINDS:
            raise ScenarioError(f"must be one of {', '.join(KINDS)}", field=f"formats.{column}", value=kind)


def _width(texts: list[str]) -> float:
    longest = max((max((len(line) for line in t.split("\n")), default=0) for t in texts), default=0)
    return float(min(_MAX_WIDTH, max(_MIN_WIDTH, longest + 2)))


def _fill_sheet(sheet: Any, frame: pd.DataFrame, *, currency: str | None, formats: Mapping[str, str],
                humanize_headers: bool) -> None:
    columns = list(frame.columns)
    headers = [humanize(c) if humanize_headers else c for c in columns]
    sheet.append(headers)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    header_border = Border(bottom=Side(style="thin", color="000000"))
    for cell in sheet[1]:
        cell.font = header_font
        cell.fill = header_fill
        cell.border = header_border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    # A "unit" column (any case) formats every other numeric cell of its row by that unit, unless the column
    # has an explicit format: a side-by-side comparison holds money, percentages and counts in one column.
    unit_column = next((c for c in columns if str(c).lower() == "unit"), None)
    kinds = {c: _column_kind(c, frame[c], formats) for c in columns}
    texts: dict[str, list[str]] = {c: [h] for c, h in zip(columns, headers, strict=True)}
    rows = frame.to_dict(orient="records")
    for row in rows:
        values = [_cell_value(row[c]) for c in columns]
        sheet.append(values)
        excel_row = sheet.max_row
        for index, column in enumerate(columns):
            value = values[index]
            kind = kinds[column]
            if unit_column is not None and column != unit_column and column not in formats:
                kind = _unit_kind(row.get(unit_column), currency, value)
            cell = sheet.cell(row=excel_row, column=index + 1)
            number_format = excel_number_format(kind, currency) if is_number(value) else None
            if number_format:
                cell.number_format = number_format
            shown = "" if value is None else format_value(value, kind, currency=currency)
            texts[column].append(shown)

    for index, column in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = _width(texts[column])
    if columns:
        first_is_label = kinds[columns[0]] == "text" and len(columns) > 1
        sheet.freeze_panes = "B2" if first_is_label else "A2"
        if rows:
            sheet.auto_filter.ref = sheet.dimensions
    sheet.row_dimensions[1].height = 30 if any("\n" in h or len(h) > 18 for h in headers) else 20


def _fill_about(sheet: Any, title: str | None, notes: str | Sequence[str] | Mapping[str, Any] | None,
                currency: str | None, sheet_titles: Sequence[str]) -> None:
    row = 1
    if title:
        sheet.cell(row=1, column=1, value=_cell_value(title)).font = Font(bold=True, size=14)
        row = 3
    if isinstance(notes, str):
        notes = [notes]
    if isinstance(notes, Mapping):
        for key, value in notes.items():
            # A field name (snake_case) is humanized; a label already in words is kept as written.
            label = str(key) if " " in str(key) else humanize(str(key))
            sheet.cell(row=row, column=1, value=_cell_value(label)).font = Font(bold=True)
            cell = sheet.cell(row=row, column=2)
            if is_number(value):  # a number stays a number, formatted by its kind
                cell.value = _cell_value(value)
                cell.number_format = excel_number_format(infer_kind(str(key), value), currency) or "General"
            else:
                shown = value if isinstance(value, str) else format_value(value, None, currency=currency,
                                                                           name=str(key))
                cell.value = _cell_value(shown)
            cell.alignment = Alignment(wrap_text=True, horizontal="left")
            row += 1
    elif notes is not None:
        for line in notes:
            sheet.cell(row=row, column=1, value=_cell_value(str(line)))
            row += 1
    row += 1
    sheet.cell(row=row, column=1, value="Sheets").font = Font(bold=True)
    for name in sheet_titles:
        row += 1
        sheet.cell(row=row, column=1, value=name)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 80


def write_workbook(path: str | Path, sheets: Mapping[str, Table], *, title: str | None = None,
                   notes: str | Sequence[str] | Mapping[str, Any] | None = None, currency: str | None = None,
                   formats: Mapping[str, str] | None = None, humanize_headers: bool = True) -> Path:
    """Write the tables to one ``.xlsx`` workbook, one sheet each, atomically.

    Parameters
    ----------
    path : str or Path
        The workbook to write (``.xlsx``); its folder is created if missing.
    sheets : mapping of str to DataFrame or list of dict
        Sheet name → table, in the order the sheets should appear (``{"summary": ..., "staffing_per_interval":
        ..., "cost_lines": ..., "tiers": ...}``). Names are shown humanized (``"Staffing per interval"``), cut to
        Excel's 31 characters and made unique.
    title : str, optional
        Title of the workbook (document property, and the top of an ``About`` sheet placed first).
    notes : str, list of str or mapping, optional
        Lines for the ``About`` sheet; a mapping becomes two columns (``{"scenario": "acme", "seed": 0}``).
    currency : str, optional
        ISO code of the money columns (``"USD"`` → ``"$"#,##0.00``). Without it money has no symbol.
    formats : mapping of str to str, optional
        Column name → ``"money"``, ``"percent"``, ``"integer"``, ``"number"`` or ``"text"``, overriding the kind
        inferred from the name.
    humanize_headers : bool
        Show ``per_fte_month`` as ``Per FTE month`` (the CSV files keep the field names).

    Returns
    -------
    Path
        The workbook written.

    Raises
    ------
    ScenarioError
        A table that is neither a DataFrame nor a list of dicts, an unknown format kind, no sheet at all, or a file
        that cannot be written. No file is left behind in any of these cases.
    """
    target = Path(path)
    formats = dict(formats or {})
    _check_formats(formats)
    if not sheets and title is None and notes is None:
        raise ScenarioError("a workbook needs at least one table", field="sheets", has_value=False)
    frames = {str(name): table_frame(table, name=str(name)) for name, table in sheets.items()}
    has_about = title is not None or notes is not None
    titles = _sheet_names(list(frames), reserved=["About"] if has_about else [])

    workbook = Workbook()
    default = workbook.active
    if has_about:
        _fill_about(workbook.create_sheet("About"), title, notes, currency, titles)
    for sheet_title, frame in zip(titles, frames.values(), strict=True):
        sheet = workbook.create_sheet(sheet_title)
        _fill_sheet(sheet, frame, currency=currency, formats=formats, humanize_headers=humanize_headers)
    workbook.remove(default)
    if title:
        workbook.properties.title = title
    workbook.properties.creator = "callsim"
    # Fixed timestamps: the same tables give the same document properties on every run.
    epoch = dt.datetime(2000, 1, 1)
    workbook.properties.created = epoch
    workbook.properties.modified = epoch

    with atomic_paths([target]) as (temp,):
        workbook.save(str(temp))
    return target


def _slug(name: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    if not slug:
        raise ScenarioError("a table name must contain a letter or digit", field="tables", value=name)
    return slug


def write_csv_tables(folder: str | Path, tables: Mapping[str, Table]) -> list[Path]:
    """Write each table to ``FOLDER/<name>.csv`` (UTF-8, comma, header row, full float precision), atomically.

    All files are written to temporary files first and renamed only when every table was written, so either all
    the CSV files are new or none changed. ``name`` becomes a file name of lower-case letters, digits and ``_``.

    Parameters
    ----------
    folder : str or Path
        Where to write; created if missing.
    tables : mapping of str to DataFrame or list of dict
        Table name → table.

    Returns
    -------
    list of Path
        The files written, in the order of ``tables``.
    """
    base = Path(folder)
    slugs = [_slug(str(name)) for name in tables]
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        raise ScenarioError("two tables would write the same file", field="tables", value=", ".join(duplicates))
    frames = [table_frame(table, name=str(name)) for name, table in tables.items()]
    texts = [frame.to_csv(index=False, lineterminator="\n") for frame in frames]
    targets = [base / f"{slug}.csv" for slug in slugs]
    with atomic_paths(targets) as temps:
        for temp, text in zip(temps, texts, strict=True):
            temp.write_bytes(text.encode("utf-8"))
    return targets
