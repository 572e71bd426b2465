"""The trainees x competencies heatmap as inline SVG, built on the server (no script, no style attributes).

Colours come from classes in lms.css (`hm-l0`, `hm-l1`, ... by position on the scale, `hm-none` for no
rating), so the strict CSP holds; each cell also carries the level's letter, so colour is never the only cue.
"""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

NAME_WIDTH, CELL_W, CELL_H, HEAD_H, NAME_CHARS = 190, 30, 24, 26, 26


def level_letters(levels: Sequence[tuple[str, str]]) -> dict[str, str]:
    """A short mark per level id: the label's first letter, or more letters where two would clash."""
    letters: dict[str, str] = {}
    for level_id, label in levels:
        size = 1
        while label[:size].upper() in letters.values() and size < len(label):
            size += 1
        letters[level_id] = label[:size].upper()
    return letters


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


def heatmap_svg(rows: Sequence[tuple[str, dict[str, str]]], competencies: Sequence[str],
                levels: Sequence[tuple[str, str]], title: str, description: str) -> Markup:
    """`rows`: (trainee name, {competency id: level id}); columns are numbered 1..n in `competencies` order."""
    index = {level_id: i for i, (level_id, _label) in enumerate(levels)}
    letters = level_letters(levels)
    width = NAME_WIDTH + CELL_W * len(competencies)
    height = HEAD_H + CELL_H * len(rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img" '
             f'aria-labelledby="heatmap-title heatmap-desc" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}">',
             f'<title id="heatmap-title">{escape(title)}</title><desc id="heatmap-desc">{escape(description)}</desc>',
             '<g class="hm-head">']
    for col in range(len(competencies)):
        parts.append(f'<text x="{NAME_WIDTH + col * CELL_W + CELL_W // 2}" y="{HEAD_H - 8}">{col + 1}</text>')
    parts.append("</g>")
    for r, (name, ratings) in enumerate(rows):
        y = HEAD_H + r * CELL_H
        parts.append(f'<g class="hm-row"><text class="hm-name" x="{NAME_WIDTH - 8}" y="{y + CELL_H - 7}">'
                     f'{escape(_short(name))}</text>')
        for col, competency in enumerate(competencies):
            level = ratings.get(competency)
            css = f"hm-l{index[level]}" if level in index else "hm-none"
            x = NAME_WIDTH + col * CELL_W
            parts.append(f'<rect class="hm-cell {css}" x="{x + 1}" y="{y + 1}" width="{CELL_W - 2}" '
                         f'height="{CELL_H - 2}"/><text class="hm-mark {css}" x="{x + CELL_W // 2}" '
                         f'y="{y + CELL_H - 7}">{escape(letters.get(level, "–"))}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
