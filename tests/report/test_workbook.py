"""The quote workbook and the CSV tables: contents, formats, and nothing half-written on failure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from simulator.errors import ScenarioError
from simulator.report.workbook import write_csv_tables, write_workbook

SUMMARY = [{"item": "Monthly price", "value": 1_234_567.891, "unit": "USD/month"},
           {"item": "P(miss)", "value": 0.31, "unit": "fraction"},
           {"item": "Agent FTEs", "value": 104.2, "unit": "FTE"},
           {"item": "Seats", "value": 52, "unit": "seats"},
           {"item": "Method", "value": "simulation", "unit": ""}]
STAFFING = pd.DataFrame({"start": ["08:00", "08:30", "09:00"], "calls_offered": [200.0, 220.5, 240.0],
                         "agents": [39, 41, 44], "occupancy": [0.85, 0.86, 0.87],
                         "service_level": [0.81, np.nan, 0.83]})
COST = [{"line": "wages", "amount": 900_000.0}, {"line": "seats", "amount": 40_000.0},
        {"line": "telephony", "amount": 12_345.67}]
TIERS = pd.DataFrame({"price": [1.2e6, 1.0e6], "fte": [130.2, 110.5], "p_miss": [0.08, 0.12]},
                     index=pd.Index(["gold", "silver"], name="tier"))
SHEETS = {"summary": SUMMARY, "staffing_per_interval": STAFFING, "cost_lines": COST, "tiers": TIERS}


def header(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[object]:
    return [cell.value for cell in sheet[1]]


def column(sheet: openpyxl.worksheet.worksheet.Worksheet, name: str) -> list[openpyxl.cell.Cell]:
    index = header(sheet).index(name) + 1
    return [sheet.cell(row=r, column=index) for r in range(2, sheet.max_row + 1)]


@pytest.fixture
def workbook(tmp_path: Path) -> openpyxl.Workbook:
    path = write_workbook(tmp_path / "quote.xlsx", SHEETS, title="Quote: acme retail 80/20",
                          notes={"scenario": "scenarios/retail.toml", "seed": 0, "price_total": 1_234_567.891},
                          currency="USD")
    assert path == tmp_path / "quote.xlsx"
    return openpyxl.load_workbook(path)


def test_sheets_in_order_with_an_about_sheet(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == ["About", "Summary", "Staffing per interval", "Cost lines", "Tiers"]
    about = workbook["About"]
    assert about["A1"].value == "Quote: acme retail 80/20"
    assert about["A1"].font.bold
    assert {about.cell(row=r, column=1).value for r in range(1, about.max_row + 1)} >= {"Scenario", "Seed",
                                                                                        "Sheets"}
    assert workbook.properties.title == "Quote: acme retail 80/20"


def test_headers_bold_frozen_and_humanized(workbook: openpyxl.Workbook) -> None:
    staffing = workbook["Staffing per interval"]
    assert header(staffing) == ["Start", "Calls offered", "Agents", "Occupancy", "Service level"]
    assert all(cell.font.bold for cell in staffing[1])
    assert staffing.freeze_panes == "B2"  # header row and label column stay in view
    assert header(workbook["Tiers"]) == ["Tier", "Price", "FTE", "P(miss)"]  # the named index became a column
    assert staffing.auto_filter.ref


def test_values_and_number_formats(workbook: openpyxl.Workbook) -> None:
    staffing = workbook["Staffing per interval"]
    assert [c.value for c in column(staffing, "Occupancy")] == [0.85, 0.86, 0.87]
    assert {c.number_format for c in column(staffing, "Occupancy")} == {"0.0%"}
    assert {c.number_format for c in column(staffing, "Agents")} == {"#,##0"}
    assert column(staffing, "Service level")[1].value is None  # NaN → empty cell
    cost = workbook["Cost lines"]
    assert [c.value for c in column(cost, "Amount")] == [900_000, 40_000, 12_345.67]
    assert {c.number_format for c in column(cost, "Amount")} == {'"$"#,##0.00'}
    tiers = workbook["Tiers"]
    assert {c.number_format for c in column(tiers, "FTE")} == {"#,##0.00"}
    assert {c.number_format for c in column(tiers, "P(miss)")} == {"0.0%"}


def test_summary_rows_formatted_by_their_unit(workbook: openpyxl.Workbook) -> None:
    values = column(workbook["Summary"], "Value")
    assert values[0].value == pytest.approx(1_234_567.891) and values[0].number_format == '"$"#,##0.00'
    assert values[1].number_format == "0.0%"
    assert values[2].number_format == "#,##0.00"
    assert values[3].number_format == "#,##0"
    assert values[4].value == "simulation"


def test_column_widths_fit_the_content(workbook: openpyxl.Workbook) -> None:
    staffing = workbook["Staffing per interval"]
    widths = {staffing.cell(row=1, column=i).value: staffing.column_dimensions[chr(64 + i)].width
              for i in range(1, 6)}
    assert all(8 <= w <= 60 for w in widths.values())
    assert widths["Calls offered"] >= len("Calls offered")


def test_explicit_formats_and_sheet_names(tmp_path: Path) -> None:
    long_name = "a table with a very long name: [draft]/v2"
    path = write_workbook(tmp_path / "x.xlsx", {long_name: [{"x": 0.5}], "about": [{"x": 1}]},
                          formats={"x": "money"}, currency="CHF", title="t")
    book = openpyxl.load_workbook(path)
    names = book.sheetnames
    assert names[0] == "About" and len(names) == 3
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert len({n.lower() for n in names}) == 3
    assert book[names[1]]["A2"].number_format == '"CHF "#,##0.00'
    with pytest.raises(ScenarioError, match="must be one of"):
        write_workbook(tmp_path / "y.xlsx", {"t": [{"x": 1}]}, formats={"x": "pounds"})
    assert not (tmp_path / "y.xlsx").exists()


def test_bad_table_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="every row must be a dict"):
        write_workbook(tmp_path / "q.xlsx", {"summary": [1, 2, 3]})  # type: ignore[dict-item]
    with pytest.raises(ScenarioError, match="at least one table"):
        write_workbook(tmp_path / "q.xlsx", {})
    assert list(tmp_path.iterdir()) == []


def test_failing_save_leaves_no_file_and_keeps_the_old_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def half_save(self: openpyxl.Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", half_save)
    with pytest.raises(ScenarioError, match="No space left"):
        write_workbook(tmp_path / "new.xlsx", SHEETS)
    assert list(tmp_path.iterdir()) == []

    old = tmp_path / "old.xlsx"
    old.write_bytes(b"the previous workbook")
    monkeypatch.setattr(openpyxl.Workbook, "save", lambda self, filename: (_ for _ in ()).throw(KeyError("bug")))
    with pytest.raises(KeyError):
        write_workbook(old, SHEETS)
    assert old.read_bytes() == b"the previous workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["old.xlsx"]


def test_csv_round_trip(tmp_path: Path) -> None:
    exact = pd.DataFrame({"x": [0.1 + 0.2, 1 / 3, 1e-12], "n": [1, 2, 3], "label": ["a", "b,c", 'say "hi"']})
    paths = write_csv_tables(tmp_path / "csv", {"Staffing per interval": STAFFING, "cost lines": COST,
                                                "exact": exact, "tiers": TIERS})
    assert [p.name for p in paths] == ["staffing_per_interval.csv", "cost_lines.csv", "exact.csv", "tiers.csv"]
    pd.testing.assert_frame_equal(pd.read_csv(paths[0]), STAFFING)
    pd.testing.assert_frame_equal(pd.read_csv(paths[1]), pd.DataFrame(COST))
    pd.testing.assert_frame_equal(pd.read_csv(paths[2]), exact)  # full float precision, quoting
    pd.testing.assert_frame_equal(pd.read_csv(paths[3], index_col="tier"), TIERS)
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(p.name for p in paths)


def test_csv_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    original = Path.write_bytes

    def fail_second(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(13, "Permission denied")
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", fail_second)
    with pytest.raises(ScenarioError, match="Permission denied"):
        write_csv_tables(tmp_path, {"a": COST, "b": COST})
    assert list(tmp_path.iterdir()) == []


def test_csv_names_must_not_collide(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="same file"):
        write_csv_tables(tmp_path, {"cost lines": COST, "cost-lines": COST})
    with pytest.raises(ScenarioError):
        write_csv_tables(tmp_path, {"***": COST})
    assert list(tmp_path.iterdir()) == []
