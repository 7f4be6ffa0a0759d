"""The quote pipeline and the comparisons built on it (what-if, tiers, frontier, sensitivity)."""
