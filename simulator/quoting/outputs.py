"""The files each command writes with ``--out DIR``: file name → a function that writes it at a given path.

Nothing is written here: the CLI hands the mapping to its all-or-nothing writer (``simulator.cli.write_outputs``).
Every command that prices proposals writes its JSON, CSV tables, a workbook (About and Provenance sheets, headers
in words with units) and figures; quote, whatif, compare and tiers also write the one-page summary
(``summary.md`` and ``summary.pdf``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["Writers", "compare_files", "frontier_files", "quote_files", "sensitivity_files", "tiers_files",
           "whatif_files"]

Writers = dict[str, Callable[[Path], Any]]


def _json(document: Any) -> Callable[[Path], Any]:
    from simulator.jsonutil import dumps

    text = dumps(document) + "\n"
    return lambda path: path.write_text(text, encoding="utf-8")


def _figure(build: Callable[[], Any]) -> Callable[[Path], Any]:
    from simulator.report.figures import save_figure

    return lambda path: save_figure(build(), path)  # PNG and SVG beside each other


def _csv(frame: Any, *, index: bool = True) -> Callable[[Path], Any]:
    return lambda path: frame.to_csv(path, index=index)


def _workbook(sheets_and_formats: tuple[dict[str, Any], dict[str, str]], *, title: str, notes: Mapping[str, Any],
              currency: str) -> Callable[[Path], Any]:
    from simulator.report.workbook import write_workbook

    sheets, formats = sheets_and_formats
    return lambda path: write_workbook(path, sheets, title=title, notes=notes, currency=currency, formats=formats,
                                       humanize_headers=False)


def _summary(quotes: Mapping[str, Any], *, title: str, subtitle: str, term_months: int | None = None) -> Writers:
    from simulator.quoting.summary import quote_summary
    from simulator.report.onepage import save_pdf

    page = quote_summary(quotes, title=title, subtitle=subtitle, term_months=term_months)
    markdown = page.to_markdown()
    return {"summary.md": lambda path: path.write_text(markdown, encoding="utf-8"),
            "summary.pdf": lambda path: save_pdf(page.figure(), path)}


def quote_files(result: Any, *, command: str) -> Writers:
    """quote.json, quote.xlsx, the CSV tables, the staffing and monthly-SL figures and the summary."""
    from simulator.quoting.sheets import about, quote_sheets

    name = result.scenario.name
    tables = {"staffing": result.staffing_frame(), "cost": result.cost_frame(), "price": result.price_frame(),
              "comparison": result.comparison_frame()}
    files: Writers = {
        "quote.json": _json(result.to_dict()),
        "quote.xlsx": _workbook(quote_sheets(result), title=f"callsim quote: {name}", currency=result.currency,
                                notes=about({name: result}, document=f"Quote for {name}", command=command)),
        **{f"{table}.csv": _csv(frame) for table, frame in tables.items()},
        "staffing_figure": _figure(result.staffing_figure),
    }
    if result.scenario.sla.service_level is not None:  # without a service-level target there is no line to miss
        files["monthly_sl_figure"] = _figure(result.monthly_sl_figure)
    files.update(_summary({name: result}, title=f"Quote: {name}", subtitle=_subtitle(result)))
    return files


def _subtitle(q: Any) -> str:
    source = q.scenario.source_path
    where = "the embedded default scenario" if source is None else Path(source).name
    return (f"{where}, master agreement {q.scenario.agreement.name} (version {q.scenario.agreement.version}); "
            f"money in {q.currency}")


def _side_by_side(quotes: Mapping[str, Any], *, stem: str, document: str, command: str, title: str,
                  subtitle: str, figure: Callable[[], Any] | None, term_months: int | None = None,
                  extra_sheets: dict[str, Any] | None = None) -> Writers:
    from simulator.quoting.sheets import about, comparison_sheets

    first = next(iter(quotes.values()))
    sheets, formats = comparison_sheets(quotes)
    if extra_sheets:
        sheets = {**extra_sheets, **sheets}
    files: Writers = {f"{stem}.xlsx": _workbook((sheets, formats), title=f"callsim {stem}: {title}",
                                                currency=first.currency,
                                                notes=about(quotes, document=document, command=command))}
    if figure is not None:
        files[f"{stem}_figure"] = _figure(figure)
    files.update(_summary(quotes, title=title, subtitle=subtitle, term_months=term_months))
    return files


def whatif_files(result: Any, *, command: str) -> Writers:
    """whatif.json, whatif.csv (the headline lines), whatif.xlsx, the staffing figure and the summary."""
    quotes = {"baseline": result.baseline, "variant": result.variant}
    changes = [{"Field": field, "Baseline": str(row["baseline"]), "Baseline's source": row["baseline_source"],
                "Variant": str(row["variant"]), "Variant's source": row["variant_source"]}
               for field, row in result.provenance_frame().iterrows()]
    files: Writers = {"whatif.json": _json(result.to_dict()), "whatif.csv": _csv(result.to_frame())}
    files.update(_side_by_side(quotes, stem="whatif", document="What-if: the scenario with and without a change",
                               command=command, title=result.summary().split(":")[0],
                               subtitle=result.summary(), figure=result.staffing_figure,
                               extra_sheets={"Change": changes}))
    return files


def compare_files(result: Any, *, command: str) -> Writers:
    """compare.json, compare.csv, compare.xlsx, the figure and the summary."""
    files: Writers = {"compare.json": _json(result.to_dict()), "compare.csv": _csv(result.to_frame())}
    names = list(result.quotes)
    files.update(_side_by_side(result.quotes, stem="compare", document="Proposals side by side", command=command,
                               title="Proposals side by side", subtitle=f"{', '.join(names)}; differences against "
                                                                         f"{names[0]}", figure=result.figure,
                               term_months=result.term_months))
    return files


def tiers_files(menu: Any, rows: Any, *, command: str) -> Writers:
    """tiers.json, tiers.csv, tiers.xlsx, the figure and the summary."""
    first = next(iter(menu.values()))
    files: Writers = {"tiers.json": _json(menu.to_dict()), "tiers.csv": _csv(rows)}
    files.update(_side_by_side(dict(menu), stem="tiers", document="The tier menu of the master agreement",
                               command=command, title=f"The tier menu: {first.scenario.name}",
                               subtitle=_subtitle(first), figure=menu.figure))
    return files


def frontier_files(result: Any, rows: list[dict[str, Any]], *, command: str) -> Writers:
    """frontier.json, frontier.csv, frontier.xlsx and the figure."""
    import pandas as pd

    from simulator.quoting.sheets import about, frontier_sheets

    first = result.quotes[0]
    return {"frontier.json": _json(result.to_dict()), "frontier.csv": _csv(pd.DataFrame(rows), index=False),
            "frontier.xlsx": _workbook(frontier_sheets(result), title=f"callsim frontier: {first.scenario.name}",
                                       currency=first.currency,
                                       notes=about({first.scenario.name: first}, command=command,
                                                   document=f"Price–service frontier along {result.path}")),
            "frontier_figure": _figure(result.figure)}


def sensitivity_files(result: Any, *, command: str) -> Writers:
    """sensitivity.json, sensitivity.csv, sensitivity.xlsx and the tornado figure."""
    import pandas as pd

    from simulator.quoting.sheets import about, sensitivity_sheets

    base = result.baseline
    doc = result.to_dict()
    return {"sensitivity.json": _json(doc), "sensitivity.csv": _csv(pd.DataFrame(doc["rows"]), index=False),
            "sensitivity.xlsx": _workbook(sensitivity_sheets(result),
                                          title=f"callsim sensitivity: {base.scenario.name}", currency=base.currency,
                                          notes=about({base.scenario.name: base}, command=command,
                                                      document="Sensitivity of the price to one input at a time")),
            "tornado_figure": _figure(result.figure)}
