"""How numbers read in every report: money with its currency, fractions as percentages, counts with separators.

One place decides, so the terminal tables, the workbook and the figure axes agree. Fractions are 0–1 everywhere in
callsim (``architecture.md``); they become percentages only here, at the moment they are shown.

The *kind* of a value (``money``, ``percent``, ``integer``, ``number``, ``text``) is given explicitly where the
caller knows it, or inferred from the field name with :func:`infer_kind` (``price.total`` is money,
``p_miss`` a percentage, ``agents`` a count), which follows the names of the JSON contract.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

__all__ = [
    "CURRENCY_SYMBOLS",
    "Kind",
    "excel_number_format",
    "format_money",
    "format_number",
    "format_percent",
    "format_points",
    "format_value",
    "humanize",
    "infer_kind",
    "is_number",
]

Kind = Literal["money", "percent", "integer", "number", "text"]
KINDS: tuple[str, ...] = ("money", "percent", "integer", "number", "text")

# Symbols only where they are unambiguous to a reader; every other code is written out ("CHF 1,234.50").
CURRENCY_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
# Currencies without minor units: cents would be noise.
_ZERO_DECIMAL = {"JPY", "KRW", "CLP", "ISK", "VND"}
_SCALES = ((1e9, "B"), (1e6, "M"), (1e3, "k"))
_MISSING = "n/a"

# Name fragments, matched on the whole (lower-case, dotted) field path. Percent is tested before money so that
# "credit_threshold" style fractions are not taken for amounts.
_PERCENT_EXACT = {"service_level", "occupancy", "shrinkage", "p_miss", "margin", "markup", "target_sl",
                  "schedule_efficiency", "attrition", "occupancy_cap", "delta_relative", "at_risk_share",
                  "credit_threshold"}
_PERCENT_SUFFIXES = ("_rate", "_probability", "_share", "_fraction", "_pct", "_relative")
_PERCENT_PREFIXES = ("service_level", "p_miss", "sl_")
_BILLING_UNIT_FIELDS = {"per_fte_month", "per_productive_hour", "per_paid_hour", "per_handled_minute", "per_call"}
_MONEY_FRAGMENTS = ("price", "cost", "amount", "credit", "wage", "fee", "invoice", "premium", "revenue",
                    "burden", "licen", "telephony", "overhead", "recruit", "training", "escalat")
# Words that make a field a quantity even inside a money section ("cost.paid_hours" is hours, not money).
_MONEY_EXCLUDE = {"threshold", "count", "hours", "minutes", "seconds", "heads", "fte", "agents", "calls"}
_INTEGER_EXACT = {"agents", "seats", "heads", "calls", "offered", "answered", "abandoned", "replications", "seed",
                  "day", "month", "interval", "attempt", "agents_for_sla", "peak_agents"}
_UNIT_WORDS = {"seconds": "s", "minutes": "min"}
_ACRONYMS = {"fte": "FTE", "asa": "ASA", "aht": "AHT", "sl": "SL", "ivr": "IVR", "qa": "QA", "wfm": "WFM",
             "sla": "SLA", "p95": "P95", "ci": "CI", "acw": "ACW", "fcr": "FCR", "msa": "MSA"}


def is_number(value: Any) -> bool:
    """True for real numbers (Python or numpy), False for bools, strings, None and everything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _finite(value: Any) -> float | None:
    """The value as a float, or None when it is missing or not a finite number."""
    if not is_number(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _split_sign(value: float, signed: bool) -> tuple[str, float]:
    if value < 0:
        return "-", -value
    return ("+" if signed and value > 0 else ""), value


def _compact(magnitude: float) -> str:
    """Three significant digits with a k/M/B suffix: 1.25M, 350k, 12.3k, 950."""
    for index, (scale, suffix) in enumerate(_SCALES):
        if magnitude >= scale * 0.9995:
            scaled = magnitude / scale
            digits = max(0, 3 - len(str(int(scaled))))
            text = f"{scaled:.{digits}f}"
            if float(text) >= 1000 and index > 0:  # 999.96k rounds to 1000k: move up one scale
                prev_scale, prev_suffix = _SCALES[index - 1]
                return f"{magnitude / prev_scale:.2f}".rstrip("0").rstrip(".") + prev_suffix
            return (text.rstrip("0").rstrip(".") if "." in text else text) + suffix
    digits = max(0, 3 - len(str(int(magnitude))))
    text = f"{magnitude:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_money(value: Any, currency: str | None, *, decimals: int = 2, compact: bool = False,
                 signed: bool = False) -> str:
    """An amount with its currency, as a negotiator reads it.

    Parameters
    ----------
    value : float
        The amount. [currency]
    currency : str or None
        ISO 4217 code of the master agreement (``"USD"``). USD, EUR, GBP, JPY and INR print as a symbol
        (``$1,234.50``); any other code is written before the amount (``CHF 1,234.50``); None or ``""`` prints the
        bare number.
    decimals : int
        Digits after the decimal point (0 for currencies without minor units such as JPY).
    compact : bool
        Three significant digits with a k/M/B suffix (``$1.25M``), for axis ticks and headlines.
    signed : bool
        Prefix positive amounts with ``+`` (for deltas).

    Returns
    -------
    str
        The formatted amount; ``"n/a"`` for None or NaN.

    Examples
    --------
    >>> format_money(1234.5, "USD")
    '$1,234.50'
    >>> format_money(-98000, "CHF", compact=True)
    '-CHF 98k'
    """
    if value is not None and is_number(value) and math.isinf(float(value)):
        return ("-" if float(value) < 0 else "+" if signed else "") + "∞"
    number = _finite(value)
    if number is None:
        return _MISSING
    code = (currency or "").strip().upper()
    if code in _ZERO_DECIMAL:
        decimals = 0
    sign, magnitude = _split_sign(number, signed)
    body = _compact(magnitude) if compact else f"{magnitude:,.{max(decimals, 0)}f}"
    if body.strip("0.,") == "":  # -0.001 shown as 0.00 carries no sign
        sign = ""
    if not code:
        return f"{sign}{body}"
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{code} {body}"


def format_percent(value: Any, *, decimals: int = 1, signed: bool = False) -> str:
    """A fraction (0–1) as a percentage: ``0.811`` → ``"81.1%"``; ``"n/a"`` for None or NaN."""
    number = _finite(value)
    if number is None:
        return _MISSING
    sign = "+" if signed and number > 0 else ""
    text = f"{sign}{100.0 * number:,.{decimals}f}%"
    return "0" + text[2:] if text.startswith("-0") and text.strip("-0.%") == "" else text


def format_points(value: Any, *, decimals: int = 1) -> str:
    """A difference of two fractions in percentage points, always signed: ``0.05`` → ``"+5.0 pp"``."""
    number = _finite(value)
    if number is None:
        return _MISSING
    return f"{100.0 * number:+,.{decimals}f} pp"


def format_number(value: Any, *, decimals: int | None = None, signed: bool = False) -> str:
    """A count or quantity with thousands separators.

    Integers print without decimals; other numbers with ``decimals`` digits (default 2, trailing zeros kept so a
    column lines up). Strings are returned unchanged; None and NaN give ``"n/a"``.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    number = _finite(value)
    if number is None:
        return _MISSING
    plus = "+" if signed else ""
    if decimals is None:
        integral = isinstance(value, numbers.Integral)
        decimals = 0 if integral else 2
    return f"{number:{plus},.{decimals}f}"


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-/]+", "_", name.strip().lower())


def infer_kind(name: str, value: Any = None) -> Kind:
    """Guess how a field should be shown from its name (and, failing that, its value).

    The rules follow the JSON contract's names: fractions (``service_level``, ``p_miss``, ``*_rate``,
    ``*_probability``, ``occupancy``, ``shrinkage``, ``margin``) are percentages; prices, costs, credits and the
    billing units (``per_fte_month``, ``per_call``, ...) are money; ``agents``, ``seats``, call counts are
    integers. ``name`` may be a dotted path (``price.total``); every segment is considered.

    Parameters
    ----------
    name : str
        Field name or dotted path.
    value : object, optional
        The value, used only when the name says nothing: strings are text, integers integers, other numbers
        plain numbers.

    Returns
    -------
    {'money', 'percent', 'integer', 'number', 'text'}
    """
    path = _normalise(name)
    segments = [s for s in path.split(".") if s]
    last = segments[-1] if segments else path
    if isinstance(value, str):
        return "text"
    if last in _PERCENT_EXACT or last.endswith(_PERCENT_SUFFIXES) or last.startswith(_PERCENT_PREFIXES):
        return "percent"
    if segments and segments[0] in {"p_miss_by_metric", "service_level_by_definition"}:
        return "percent"
    if last in _BILLING_UNIT_FIELDS:
        return "money"
    if not _MONEY_EXCLUDE.intersection(last.split("_")) and any(fragment in path for fragment in _MONEY_FRAGMENTS):
        return "money"
    if last in _INTEGER_EXACT or last.endswith(("_agents", "_calls", "_heads", "_count", "_seats")):
        return "integer"
    if value is None or is_number(value):
        if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
            return "integer"
        return "number"
    return "text"


def format_value(value: Any, kind: str | None = None, *, currency: str | None = None, name: str = "",
                 decimals: int | None = None) -> str:
    """Format one value by kind (inferred from ``name`` and the value when ``kind`` is None).

    Strings pass through; None and NaN give ``"n/a"``; lists print comma-separated; mappings as ``k=v`` pairs.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={format_value(v, None, currency=currency, name=str(k))}" for k, v in value.items())
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(format_value(v, kind, currency=currency, name=name, decimals=decimals) for v in value)
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    chosen = kind or infer_kind(name, value)
    if chosen == "money":
        return format_money(value, currency, decimals=2 if decimals is None else decimals)
    if chosen == "percent":
        return format_percent(value, decimals=1 if decimals is None else decimals)
    if chosen == "integer":
        number = _finite(value)
        if number is not None and number.is_integer():
            return format_number(int(number))
        return format_number(value, decimals=decimals)
    if chosen == "number":
        return format_number(value, decimals=decimals)
    return _MISSING if value is None else str(value)


def humanize(name: str) -> str:
    """A field name as a row label: ``per_fte_month`` → ``Per FTE month``, ``p_miss`` → ``P(miss)``."""
    if "." in name:
        return " · ".join(humanize(part) for part in name.split("."))
    if name.startswith("p_miss"):
        rest = name[len("p_miss"):].strip("_")
        return "P(miss)" + (" " + humanize(rest).lower() if rest else "")
    words = [w for w in re.split(r"[_\s]+", name) if w]
    if not words:
        return name
    if len(words) > 1 and words[-1].lower() in _UNIT_WORDS:  # asa_seconds → ASA [s]
        return f"{humanize('_'.join(words[:-1]))} [{_UNIT_WORDS[words[-1].lower()]}]"
    out = [_ACRONYMS.get(w.lower(), w) for w in words]
    first = out[0]
    out[0] = first if first in _ACRONYMS.values() else first[:1].upper() + first[1:]
    return " ".join(out)


def excel_number_format(kind: str, currency: str | None = None, *, decimals: int = 2) -> str | None:
    """The Excel number format for a kind: money ``"$"#,##0.00`` (or ``#,##0.00 "CHF"``), percent ``0.0%``."""
    if kind == "money":
        code = (currency or "").strip().upper()
        places = 0 if code in _ZERO_DECIMAL else decimals
        body = "#,##0" + ("." + "0" * places if places > 0 else "")
        if not code:
            return body
        symbol = CURRENCY_SYMBOLS.get(code)
        return f'"{symbol}"{body}' if symbol else f'"{code} "{body}'
    if kind == "percent":
        return "0.0%"
    if kind == "integer":
        return "#,##0"
    if kind == "number":
        return "#,##0.00"
    return None
