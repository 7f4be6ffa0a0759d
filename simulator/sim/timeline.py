"""The centre's clock: opening hours, interval edges, the staffing plan, and where an instant belongs.

Both engines (simpy and the fast path) take every calendar decision from here, so they agree to the bit.

Conventions (documented once, used everywhere):

* Bin ``(d, i)`` is interval ``i`` of day ``d``: ``[open_d + i*Δ, open_d + (i+1)*Δ)``. The last interval of a
  day also takes the night that follows it (until the next opening; after the last day, for ever): calls
  answered and agents staying after closing are booked there.
* A staffing change happens at each interval edge. At closing nothing changes: the agents of the last
  interval stay until the queue and the IVR are empty (or, if that never happens before the next opening,
  the next day's staffing takes over at the opening).
* A repeat call or redial whose intended instant falls while the centre is closed arrives during the next
  day's opening hours instead, at the same *share* of that day's expected volume as the share of the night
  that had passed: an attempt meant for a third of the way through the night arrives when a third of the
  next day's calls (by the intraday profile) have arrived. Callers who found the line closed call back when
  others do, not all at the opening second (which would be a mass arrival no real queue sees). The rule is
  deterministic, so both engines apply it identically. One intended after the last day's closing is dropped
  (and counted).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.model import CentreModel

SET, CLOSE = 0, 1


@dataclass(frozen=True)
class Change:
    """One step of the staffing plan.

    ``kind`` is SET (staff ``target`` agents from ``at``) or CLOSE (the centre closes ``day``; a night
    follows). A SET with ``night_of >= 0`` is the opening that ends the night after day ``night_of``.
    """

    kind: int
    at: float
    target: int
    day: int
    night_of: int


class Timeline:
    """Calendar arithmetic for one :class:`CentreModel`."""

    def __init__(self, model: CentreModel) -> None:
        self.model = model
        n, days = model.interval_count, model.days
        day_starts = np.arange(days, dtype=float) * model.day_seconds + model.open_seconds
        # edges[d, i] = start of interval i of day d; edges[d, n] = closing of day d
        edges = day_starts[:, None] + np.arange(n + 1, dtype=float)[None, :] * model.interval_seconds
        # A centre open round the clock has no night: snap the closing onto the next opening.
        self.has_night = np.ones(days, dtype=bool)
        for d in range(days - 1):
            gap = edges[d + 1, 0] - edges[d, n]
            if gap <= 1e-9 * model.day_seconds:
                edges[d, n] = edges[d + 1, 0]
                self.has_night[d] = False
        self.edges = edges
        self.opens = edges[:, 0].copy()
        self.closes = edges[:, n].copy()
        self.bin_starts = edges[:, :n].reshape(-1).copy()  # start of each bin (d, i), in time order
        self._opens_list: list[float] = self.opens.tolist()
        self._closes_list: list[float] = self.closes.tolist()
        rates = np.asarray(model.arrival_rate, dtype=float)
        total = float(rates.sum())
        weights = rates / total if total > 0 else np.full(n, 1.0 / n)
        # Cumulative share of the day's expected volume at each interval edge.
        self.volume_edges = np.concatenate(([0.0], np.cumsum(weights)))
        self.volume_edges[-1] = 1.0

    # -- staffing plan ------------------------------------------------------------------------------------
    def plan(self) -> list[Change]:
        """The staffing changes in time order (see the module docstring)."""
        model = self.model
        agents = model.agents_by_day
        changes: list[Change] = []
        for d in range(model.days):
            night_of = d - 1 if d > 0 and self.has_night[d - 1] else -1
            for i in range(model.interval_count):
                changes.append(Change(SET, float(self.edges[d, i]), int(agents[d, i]), d,
                                      night_of if i == 0 else -1))
            if self.has_night[d]:
                changes.append(Change(CLOSE, float(self.closes[d]), 0, d, -1))
        return changes

    # -- instants -----------------------------------------------------------------------------------------
    def bins(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Day and interval of each instant (NaN → -1, -1), with nights booked to the day's last interval."""
        from simulator.sim.binning import day_and_interval  # compiled: loaded with the first log built

        times = np.asarray(times, dtype=float)
        if len(self.bin_starts) == 1:  # one day of one interval (the quick stationary form): no search at all
            day = np.where(np.isnan(times), -1, 0).astype(np.int32)
            return day, day.copy()
        day, interval = day_and_interval(self.bin_starts, times, self.model.interval_count)
        return day.reshape(times.shape), interval.reshape(times.shape)

    def day_of(self, when: float) -> int:
        """Day an instant belongs to (nights to the day before; clipped to the simulated days)."""
        d = bisect_right(self._opens_list, when) - 1
        return min(max(d, 0), self.model.days - 1)

    def arrival_instant(self, intended: float) -> float | None:
        """When an attempt meant for ``intended`` reaches the trunk: then if open, else at the next opening.

        None if that would be after the last day (the attempt is dropped).
        """
        opens, closes = self._opens_list, self._closes_list
        d = bisect_right(opens, intended) - 1
        if d < 0:
            return opens[0]
        if intended < closes[d]:
            return intended
        if d + 1 >= len(opens):
            return None
        night = opens[d + 1] - closes[d]
        share = (intended - closes[d]) / night if night > 0 else 0.0
        return opens[d + 1] + self.time_at_volume_share(share)

    def time_at_volume_share(self, share: float) -> float:
        """Seconds after opening by which ``share`` of a day's expected calls have arrived (profile-shaped)."""
        edges = self.volume_edges
        i = int(np.searchsorted(edges, share, side="right")) - 1
        i = min(max(i, 0), self.model.interval_count - 1)
        width = edges[i + 1] - edges[i]
        within = (share - edges[i]) / width if width > 0 else 0.0
        return (i + min(max(within, 0.0), 1.0)) * self.model.interval_seconds

    # -- agent time -----------------------------------------------------------------------------------------
    def staffed_seconds(self, logins: np.ndarray, login_counts: np.ndarray,
                        logouts: np.ndarray) -> np.ndarray:
        """Agent-seconds logged in per bin, shape (days, interval_count).

        ``logins[j]`` is an instant at which ``login_counts[j]`` agents log in, ``logouts`` one instant per
        agent leaving. Every agent that logs in must log out. The result depends only on the multisets, not
        on their order, so two engines that agree on them agree on this to the bit.
        """
        model = self.model
        order = np.argsort(logins, kind="stable")
        a = np.asarray(logins, dtype=float)[order]
        c = np.asarray(login_counts, dtype=float)[order]
        b = np.sort(np.asarray(logouts, dtype=float))
        if c.sum() != len(b):
            raise AssertionError(f"{c.sum():g} agents logged in but {len(b)} logged out")
        cum_c = np.concatenate(([0.0], np.cumsum(c)))
        cum_ca = np.concatenate(([0.0], np.cumsum(c * a)))
        cum_b = np.concatenate(([0.0], np.cumsum(b)))
        x = self.bin_starts
        ia = np.searchsorted(a, x, side="right")
        ib = np.searchsorted(b, x, side="right")
        # H(x) = agent-seconds logged in before x
        h = (x * cum_c[ia] - cum_ca[ia]) - (x * ib - cum_b[ib])
        total = float(cum_b[-1] - cum_ca[-1])
        per_bin = np.diff(np.append(h, total))
        return per_bin.reshape(model.days, model.interval_count)
