"""Month-level risk: contract months at a staffing, simulated or by the calibrated surrogate.

:mod:`~simulator.risk.months` simulates months and rolls them up (and holds the seeds and the measurement layout),
:mod:`~simulator.risk.reduction` reduces one simulated month to what pricing needs,
:mod:`~simulator.risk.queue` is the formulas' view of the queue, :mod:`~simulator.risk.calibration` ties the
formulas to the simulation, and :mod:`~simulator.risk.surrogate` evaluates hundreds of shocked months with them.
"""

from simulator.risk.calibration import Calibration, LevelCalibration, calibrate, slope_volume, volume_model
from simulator.risk.months import (
    METRICS,
    RISK_METHODS,
    MonthLayout,
    MonthRunner,
    MonthSet,
    RiskMonths,
    aht_multipliers,
    forecast_model,
    month_layout,
    risk_month_seeds,
    simulated_months,
)
from simulator.risk.queue import QueueModel, QueueTable
from simulator.risk.reduction import SimulatedMonth
from simulator.risk.surrogate import month_shocks, surrogate_months

__all__ = [
    "METRICS",
    "RISK_METHODS",
    "Calibration",
    "LevelCalibration",
    "MonthLayout",
    "MonthRunner",
    "MonthSet",
    "QueueModel",
    "QueueTable",
    "RiskMonths",
    "SimulatedMonth",
    "aht_multipliers",
    "calibrate",
    "forecast_model",
    "month_layout",
    "month_shocks",
    "risk_month_seeds",
    "simulated_months",
    "slope_volume",
    "surrogate_months",
    "volume_model",
]
