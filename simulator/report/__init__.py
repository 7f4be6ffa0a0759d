"""Reports for people: terminal tables, the quote workbook and CSV files, and figures.

Pure functions over plain inputs (numbers, lists, dicts, pandas DataFrames), so any command or notebook can use
them without a quote object:

- :mod:`simulator.report.formatting`: money with its currency, percentages, counts (one place decides);
- :mod:`simulator.report.tables`: rich tables for the terminal, and the side-by-side comparison of a what-if;
- :mod:`simulator.report.workbook`: the ``.xlsx`` workbook and CSV files, written atomically;
- :mod:`simulator.report.figures`: matplotlib figures (object API, no pyplot state) and ``save_figure``.

The submodules are imported on demand: matplotlib and openpyxl load only when a figure or a workbook is made,
which keeps ``callsim --help`` fast.
"""
