"""Tables as pandas DataFrames: the one conversion every report writer shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import pandas as pd

from simulator.errors import ScenarioError

__all__ = ["Table", "table_frame"]

Table: TypeAlias = "pd.DataFrame | Sequence[Mapping[str, Any]]"


def table_frame(table: Table, *, name: str = "table") -> pd.DataFrame:
    """A table as a DataFrame: a DataFrame is copied (a named or non-default index becomes columns), a list of
    dicts becomes rows (columns in order of first appearance)."""
    if isinstance(table, pd.DataFrame):
        frame = table.copy()
        default_index = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
        if not default_index:
            frame = frame.reset_index()
        frame.columns = [str(c) for c in frame.columns]
        return frame
    if isinstance(table, str | bytes) or not isinstance(table, Sequence):
        raise ScenarioError("must be a pandas DataFrame or a list of dicts", field=name, value=type(table).__name__)
    columns: dict[str, None] = {}
    for index, row in enumerate(table):
        if not isinstance(row, Mapping):
            raise ScenarioError("every row must be a dict", field=f"{name}[{index}]", value=row)
        for key in row:
            columns.setdefault(str(key), None)
    records = [{str(k): v for k, v in row.items()} for row in table]
    return pd.DataFrame.from_records(records, columns=list(columns))
