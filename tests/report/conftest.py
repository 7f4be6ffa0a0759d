"""Report tests never need a display: the figures use matplotlib's object API, and Agg is forced in case anything
reaches for pyplot (before matplotlib is first imported, so the choice holds)."""

import os

os.environ["MPLBACKEND"] = "Agg"
