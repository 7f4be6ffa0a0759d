"""A one-page summary: sections of labelled rows with one column per proposal, as Markdown and as an A4 PDF page
drawn with matplotlib (text kept as text, so the PDF can be searched and copied from).

The content is plain strings chosen by the caller (:mod:`simulator.quoting.summary`); this module only lays it out.
The page shrinks its font until everything fits on one page.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.report._atomic import atomic_paths

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

__all__ = ["OnePage", "Section", "save_pdf"]

A4 = (8.27, 11.69)  # [in]
_MARGIN = 0.6  # [in]
_LABEL_SHARE = 0.27  # share of the text width for the row labels
_SIZES = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5, 5.0)  # [pt] tried in turn until the page fits
_CHAR_WIDTH = 0.6  # mean glyph width of DejaVu Sans as a share of the font size
_LINE = 1.35  # line height as a multiple of the font size


@dataclass(frozen=True)
class Section:
    """A titled block of rows: (label, one text per column)."""

    title: str
    rows: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class OnePage:
    """What a negotiator reads first: title, subtitle, sections side by side per proposal, a footer."""

    title: str
    subtitle: str
    columns: tuple[str, ...]
    sections: tuple[Section, ...]
    footer: tuple[str, ...] = ()

    def to_markdown(self) -> str:
        """The page as Markdown: one table per section (a single proposal: two columns)."""
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = [f"# {self.title}", "", self.subtitle, ""]
        for section in self.sections:
            lines += [f"## {section.title}", ""]
            head = ["", *self.columns] if len(self.columns) > 1 else ["", "value"]
            lines.append("| " + " | ".join(cell(h) for h in head) + " |")
            lines.append("|" + "|".join(["---"] * len(head)) + "|")
            for label, values in section.rows:
                lines.append("| " + " | ".join(cell(t) for t in (label, *values)) + " |")
            lines.append("")
        lines += [f"_{cell(line)}_" for line in self.footer]
        return "\n".join(lines).rstrip() + "\n"

    def _layout(self, size: float) -> tuple[list[tuple[str, float, list[list[str]]]], float]:
        """Wrapped cells and the height they need at font ``size`` [pt]: (kind, size, cells per row), height [in]."""
        width = A4[0] - 2 * _MARGIN
        label_w = width * (_LABEL_SHARE if len(self.columns) > 1 else 0.30)
        value_w = (width - label_w) / max(1, len(self.columns))

        def wrap(text: str, inches: float, points: float) -> list[str]:
            chars = max(8, int(inches * 72 / (points * _CHAR_WIDTH)) - 1)
            return textwrap.wrap(text, chars) or [""]

        blocks: list[tuple[str, float, list[list[str]]]] = []
        height = 0.0
        line = size * _LINE / 72
        if len(self.columns) > 1:
            blocks.append(("head", size, [wrap(c, value_w, size) for c in ("", *self.columns)]))
            height += line * max(len(c) for c in blocks[-1][2]) + 0.05
        for section in self.sections:
            blocks.append(("section", size + 1.5, [[section.title]]))
            height += (size + 1.5) * _LINE / 72 + 0.08
            for label, values in section.rows:
                cells = [wrap(label, label_w, size), *(wrap(v, value_w, size) for v in values)]
                blocks.append(("row", size, cells))
                height += line * max(len(c) for c in cells)
        return blocks, height

    def figure(self) -> Figure:
        """The page as an A4 portrait matplotlib Figure (save it with :func:`save_pdf`)."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=A4)
        top = A4[1] - _MARGIN
        fig.text(_MARGIN / A4[0], top / A4[1], self.title, fontsize=14, fontweight="bold", va="top", parse_math=False)
        y = top - 0.32
        for text in textwrap.wrap(self.subtitle, 110):
            fig.text(_MARGIN / A4[0], y / A4[1], text, fontsize=8, color="#444444", va="top", parse_math=False)
            y -= 0.16
        y -= 0.12
        footer = [part for line in self.footer for part in textwrap.wrap(line, 150)]
        footer_h = 0.16 * len(footer) + 0.1
        available = y - _MARGIN - footer_h
        blocks, _ = self._layout(_SIZES[-1])
        for size in _SIZES:  # the largest font at which the page fits
            blocks, height = self._layout(size)
            if height <= available:
                break
        width = A4[0] - 2 * _MARGIN
        label_w = width * (_LABEL_SHARE if len(self.columns) > 1 else 0.30)
        value_w = (width - label_w) / max(1, len(self.columns))
        xs = [_MARGIN, *(_MARGIN + label_w + k * value_w for k in range(len(self.columns)))]
        for kind, size, cells in blocks:
            line = size * _LINE / 72
            if kind == "section":
                y -= 0.08
                fig.text(xs[0] / A4[0], y / A4[1], cells[0][0], fontsize=size, fontweight="bold",
                         color="#1F4E79", va="top", parse_math=False)
                y -= line
                fig.add_artist(_rule(fig, y + 0.03))
                continue
            weight = "bold" if kind == "head" else "normal"
            for k, lines in enumerate(cells):
                fig.text(xs[k] / A4[0], y / A4[1], "\n".join(lines), fontsize=size, va="top", parse_math=False,
                         fontweight="bold" if k == 0 or kind == "head" else weight, linespacing=_LINE)
            y -= line * max(len(c) for c in cells) + (0.05 if kind == "head" else 0.0)
        fy = _MARGIN + footer_h - 0.1
        for text in footer:
            fig.text(_MARGIN / A4[0], fy / A4[1], text, fontsize=6.5, color="#555555", va="top", parse_math=False)
            fy -= 0.16
        return fig


def _rule(fig: Figure, y: float) -> Line2D:
    from matplotlib.lines import Line2D

    return Line2D([_MARGIN / A4[0], 1 - _MARGIN / A4[0]], [y / A4[1], y / A4[1]], transform=fig.transFigure,
                  color="#1F4E79", linewidth=0.6)


def save_pdf(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as a one-page PDF, atomically, with TrueType fonts (searchable text) and no timestamp
    (the same page gives the same bytes)."""
    from matplotlib import rc_context

    target = Path(path)
    with atomic_paths([target]) as (temp,), rc_context({"pdf.fonttype": 42}):
        fig.savefig(str(temp), format="pdf", metadata={"CreationDate": None, "Producer": "callsim",
                                                       "Creator": "callsim"})
    return target
