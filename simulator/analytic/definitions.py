"""The five service-level definitions of domain.md §1.2, by their ids (the analytic module's lowest layer: the
formulas, the scenario schema and the metrics all name them from here)."""

SL_DEFINITIONS = (
    "abandons_fail",
    "short_excluded",
    "abandons_within_threshold_excluded",
    "abandons_within_threshold_success",
    "answered_only",
)

__all__ = ["SL_DEFINITIONS"]
