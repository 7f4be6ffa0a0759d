"""Terminal tables (rich) from plain dicts and lists: key/value summaries, record lists, and what-if comparisons.

The builders return :class:`rich.table.Table` objects and print nothing; the CLI prints them on its console.
Numbers are formatted by kind (money with the currency, fractions as percentages, counts with separators), the
kind inferred from the field name unless ``formats`` names it (see :mod:`simulator.report.formatting`).

:func:`comparison_rows` computes the deltas of a what-if as data (for JSON, CSV and the workbook);
:func:`comparison_table` shows them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from rich import box
from rich.table import Table
from rich.text import Text

from simulator.errors import ScenarioError
from simulator.report.formatting import (
    format_money,
    format_number,
    format_percent,
    format_points,
    format_value,
    humanize,
    infer_kind,
    is_number,
)

__all__ = [
    "comparison_rows",
    "comparison_table",
    "flatten",
    "format_money",
    "format_percent",
    "key_value_table",
    "records_table",
]

_LIST_PREVIEW = 6  # values of a long list shown before "…"


def flatten(mapping: Mapping[str, Any], *, prefix: str = "", separator: str = ".") -> dict[str, Any]:
    """Nested dicts as one level with dotted keys: ``{"price": {"total": 1}}`` → ``{"price.total": 1}``.

    Lists and other values are kept as they are. The input is not modified.
    """
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        path = f"{prefix}{separator}{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, prefix=path, separator=separator))
        else:
            out[path] = value
    return out


def _kind(name: str, value: Any, formats: Mapping[str, str] | None) -> str:
    if formats:
        if name in formats:
            return formats[name]
        last = name.rsplit(".", 1)[-1]
        if last in formats:
            return formats[last]
    return infer_kind(name, value)


def _text(value: Any, kind: str, currency: str | None) -> str:
    """One cell: long lists are previewed (``12, 14, 15, … (48 values)``), the rest by kind."""
    if isinstance(value, list | tuple | np.ndarray) and len(value) > _LIST_PREVIEW:
        head = ", ".join(format_value(v, kind, currency=currency) for v in list(value)[:_LIST_PREVIEW])
        return f"{head}, … ({len(value)} values)"
    return format_value(value, kind, currency=currency)


def _label(name: str, labels: Mapping[str, str] | None) -> str:
    if labels and name in labels:
        return labels[name]
    return humanize(name)


def _pairs(items: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    if isinstance(items, Mapping):
        return list(flatten(items).items())
    pairs = []
    for index, item in enumerate(items):
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ScenarioError("must be a dict or (key, value) pairs", field=f"items[{index}]", value=item)
        pairs.append((str(item[0]), item[1]))
    return pairs


def key_value_table(items: Mapping[str, Any] | Iterable[tuple[str, Any]], *, title: str | None = None,
                    currency: str | None = None, formats: Mapping[str, str] | None = None,
                    labels: Mapping[str, str] | None = None, key_header: str = "Item",
                    value_header: str = "Value") -> Table:
    """A two-column table of named values (a quote's headline, a cost build-up, a scenario's provenance).

    Parameters
    ----------
    items : mapping or iterable of (key, value)
        The rows, in order. Nested mappings are flattened to dotted keys (``price.total``).
    title : str, optional
        Table title.
    currency : str, optional
        ISO code for money values.
    formats : mapping, optional
        Key (full dotted key, or its last part) → kind (``money``, ``percent``, ``integer``, ``number``,
        ``text``), overriding the kind inferred from the key.
    labels : mapping, optional
        Key → row label; other keys are humanized (``per_fte_month`` → ``Per FTE month``).
    key_header, value_header : str
        Column headers.

    Returns
    -------
    rich.table.Table
    """
    table = _new_table(title)
    table.add_column(Text(key_header), style="bold", no_wrap=True)
    table.add_column(Text(value_header), justify="right")
    for key, value in _pairs(items):
        table.add_row(Text(_label(key, labels)), Text(_text(value, _kind(key, value, formats), currency)))
    return table


def _new_table(title: str | None) -> Table:
    # Text, not markup: a label such as "ASA [s]" must not be read as a rich style tag.
    return Table(title=None if title is None else Text(title), box=box.SIMPLE_HEAVY, title_style="bold",
                 header_style="bold", title_justify="left")


def _numeric(value: Any) -> float | None:
    if not is_number(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def comparison_rows(columns: Mapping[str, Mapping[str, Any]], *, deltas: bool = True) -> list[dict[str, Any]]:
    """Side-by-side values of several variants, with each variant's change against the first.

    Parameters
    ----------
    columns : mapping of str to mapping
        Variant name → its values (``{"baseline": {...}, "variant": {...}}``); nested values are flattened to
        dotted keys. Rows are the union of the keys, in order of first appearance.
    deltas : bool
        Add, for every variant after the first, ``delta`` (variant − first) and ``delta_relative``
        ((variant − first) / |first|, a fraction). With two variants the keys are ``delta`` and
        ``delta_relative``; with more, ``delta_<name>`` and ``delta_relative_<name>``.

    Returns
    -------
    list of dict
        One dict per row: ``{"item": key, <name>: value, ..., "delta": ..., "delta_relative": ...}``. A delta is
        None when either value is not a number; a relative delta is None when the first value is 0.
    """
    if not columns:
        raise ScenarioError("needs at least one column", field="columns", has_value=False)
    names = [str(n) for n in columns]
    flat = {str(n): flatten(v) for n, v in columns.items()}
    keys: dict[str, None] = {}
    for values in flat.values():
        for key in values:
            keys.setdefault(key, None)
    rows: list[dict[str, Any]] = []
    first = names[0]
    for key in keys:
        row: dict[str, Any] = {"item": key}
        for name in names:
            row[name] = flat[name].get(key)
        if deltas:
            base = _numeric(row[first])
            for name in names[1:]:
                suffix = "" if len(names) == 2 else f"_{name}"
                other = _numeric(row[name])
                delta = None if base is None or other is None else other - base
                relative = None if delta is None or base == 0 or base is None else delta / abs(base)
                row[f"delta{suffix}"] = delta
                row[f"delta_relative{suffix}"] = relative
        rows.append(row)
    return rows


def _delta_text(delta: float | None, kind: str, currency: str | None, a: Any, b: Any) -> str:
    if delta is None:
        if a is None and b is None:
            return ""
        return "" if a == b else "changed"
    if kind == "money":
        return format_money(delta, currency, signed=True)
    if kind == "percent":
        return format_points(delta)
    integral = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (a, b))
    return format_number(delta, decimals=0 if integral else 2, signed=True)


def comparison_table(columns: Mapping[str, Mapping[str, Any]], *, deltas: bool = True, currency: str | None = None,
                     formats: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                     title: str | None = None, item_header: str = "Item") -> Table:
    """A what-if side by side: baseline, variant, delta and delta % per line (or every variant against the first).

    Parameters
    ----------
    columns : mapping of str to mapping
        Variant name → values, e.g. ``{"baseline": flatten(quote_a), "90/20": flatten(quote_b)}``. Nested values
        are flattened.
    deltas : bool
        Show Δ (money signed in the currency, fractions in percentage points, counts signed) and Δ % (relative to
        the first column) for every other column.
    currency, formats, labels, title, item_header
        As in :func:`key_value_table`.

    Returns
    -------
    rich.table.Table
    """
    rows = comparison_rows(columns, deltas=deltas)
    names = [str(n) for n in columns]
    table = _new_table(title)
    table.add_column(Text(item_header), style="bold", no_wrap=True)
    for name in names:
        table.add_column(Text(name), justify="right")
    delta_names = names[1:] if deltas else []
    for name in delta_names:
        tag = "" if len(names) == 2 else f" {name}"
        table.add_column(Text(f"Δ{tag}"), justify="right")
        table.add_column(Text(f"Δ %{tag}"), justify="right")
    for row in rows:
        key = row["item"]
        sample = next((row[n] for n in names if row[n] is not None), None)
        kind = _kind(key, sample, formats)
        cells = [Text(_label(key, labels))]
        cells += [Text(_text(row[n], kind, currency) if row[n] is not None else "—") for n in names]
        for name in delta_names:
            suffix = "" if len(names) == 2 else f"_{name}"
            delta = row[f"delta{suffix}"]
            relative = row[f"delta_relative{suffix}"]
            style = "dim" if delta == 0 else "bold"
            text = _delta_text(delta, kind, currency, row[names[0]], row[name])
            cells.append(Text(text, style=style))
            # A fraction's change is already in points (Δ); a relative change of a probability misleads.
            shown = relative is not None and kind != "percent"
            cells.append(Text(format_percent(relative, signed=True) if shown else ""))
        table.add_row(*cells)
    return table


def records_table(rows: Any, *, title: str | None = None, currency: str | None = None,
                  formats: Mapping[str, str] | None = None, humanize_headers: bool = True,
                  max_rows: int | None = None, columns: Sequence[str] | None = None) -> Table:
    """A table of records (staffing per interval, cost lines, tiers) from a DataFrame or a list of dicts.

    Parameters
    ----------
    rows : pandas.DataFrame or list of dict
        The records; columns in order of first appearance (or ``columns``).
    title, currency, formats
        As in :func:`key_value_table` (``formats`` keyed by column name).
    humanize_headers : bool
        Show ``agents_per_interval`` as ``Agents per interval``.
    max_rows : int, optional
        Show at most this many rows, then one row that says how many were left out.
    columns : sequence of str, optional
        The columns to show, in order.

    Returns
    -------
    rich.table.Table
    """
    from simulator.report.frames import table_frame  # pandas only when a table of records is asked for

    frame = table_frame(rows, name="rows")
    shown = list(columns) if columns is not None else list(frame.columns)
    missing = [c for c in shown if c not in frame.columns]
    if missing:
        raise ScenarioError(f"no such column (have {', '.join(map(str, frame.columns))})", field="columns",
                            value=", ".join(missing))
    records = frame.to_dict(orient="records")
    kinds = {}
    for column in shown:
        sample = next((r[column] for r in records if _numeric(r[column]) is not None or isinstance(r[column], str)),
                      None)
        kinds[column] = _kind(column, sample, formats)
    table = _new_table(title)
    for column in shown:
        numeric = kinds[column] in {"money", "percent", "integer", "number"}
        table.add_column(Text(humanize(column) if humanize_headers else column),
                         justify="right" if numeric else "left")
    limit = len(records) if max_rows is None else max(0, max_rows)
    for record in records[:limit]:
        table.add_row(*[Text(_cell(record[c], kinds[c], currency)) for c in shown])
    if len(records) > limit:
        left = len(records) - limit
        table.add_row(Text(f"… {left} more row{'s' if left != 1 else ''}", style="dim"),
                      *[Text("")] * (len(shown) - 1))
    return table


def _cell(value: Any, kind: str, currency: str | None) -> str:
    if value is None or (is_number(value) and not math.isfinite(float(value))):
        return "—"
    if kind == "integer" and is_number(value) and not float(value).is_integer():
        kind = "number"
    return _text(value, kind, currency)
