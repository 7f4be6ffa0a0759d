"""Calibrate a scenario from a client's data: a call-by-call log or an ACD interval report.

>>> from simulator.calibrate import calibrate_calls, load_columns
>>> calibration = calibrate_calls("calls.csv", load_columns("columns.toml", "calls"))  # doctest: +SKIP
>>> print(calibration.project_text("msa/acme.toml"))  # doctest: +SKIP

- :func:`calibrate_calls`: volume by weekday, day-to-day over-dispersion, the intraday profile, talk/hold/ACW
  distributions (chosen by AIC, with their KS distance), patience from censored waits (Kaplan–Meier and
  censored maximum likelihood), IVR navigation, containment and abandonment, FCR, redials and their delays;
- :func:`calibrate_intervals`: the profile, volume, AHT and staffing of an interval report, and the patience
  under which Erlang A reproduces its abandonment;
- :func:`backtest`: the calibrated scenario simulated at the staffing the data shows, per hour of the day
  against what was observed, with Erlang A's error beside it;
- :func:`simulate_acd_data`: a scenario simulated and exported as an ACD would (for tests and notebooks).
"""

from simulator.calibrate.backtest import Backtest, backtest
from simulator.calibrate.calls import calibrate_calls
from simulator.calibrate.columns import ColumnMap, load_columns
from simulator.calibrate.intervals import calibrate_intervals
from simulator.calibrate.result import Calibration
from simulator.calibrate.synthetic import ACD_COLUMNS, ACD_DATETIME, ACD_INTERVAL_COLUMNS, AcdData, simulate_acd_data

__all__ = ["ACD_COLUMNS", "ACD_DATETIME", "ACD_INTERVAL_COLUMNS", "AcdData", "Backtest", "Calibration", "ColumnMap",
           "backtest", "calibrate_calls", "calibrate_intervals", "load_columns", "simulate_acd_data"]
