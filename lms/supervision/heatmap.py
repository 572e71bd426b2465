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
    """`rows`: (trainee name, {competency id: level id}); columns are numbered 1..n in `competencies` order.

    Each row is a group moved down by a transform, so a cell's markup depends only on its column and level:
    the few distinct cells are made once and each row is one join (a Jinja loop per cell cost more than
    the page's queries)."""
    letters = level_letters(levels)
    looks = [(level_id, f"hm-l{i}", escape(letters[level_id])) for i, (level_id, _label) in enumerate(levels)]
    columns = []
    for col, competency in enumerate(competencies):
        x = NAME_WIDTH + col * CELL_W

        def cell(css: str, mark: str, x: int = x) -> str:
            return (f'<rect class="hm-cell {css}" x="{x + 1}" y="1" width="{CELL_W - 2}" height="{CELL_H - 2}"/>'
                    f'<text class="hm-mark {css}" x="{x + CELL_W // 2}" y="{CELL_H - 7}">{mark}</text>')

        columns.append((competency, {level_id: cell(css, mark) for level_id, css, mark in looks},
                        cell("hm-none", escape("–"))))
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
        cells = "".join(by_level.get(ratings.get(competency), blank) for competency, by_level, blank in columns)
        parts.append(f'<g class="hm-row"><g transform="translate(0 {HEAD_H + r * CELL_H})">'
                     f'<text class="hm-name" x="{NAME_WIDTH - 8}" y="{CELL_H - 7}">{escape(_short(name))}</text>'
                     f'{cells}</g></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def ratings_table_body(rows: Sequence[tuple[str, dict[str, str]]], competencies: Sequence[str],
                       levels: Sequence[tuple[str, str]]) -> Markup:
    """The `<tbody>` rows of the heatmap's table alternative: a row header per trainee, a level name per cell."""
    cells = {level_id: f"<td>{escape(label)}</td>" for level_id, label in levels}
    missing = "<td>No rating</td>"
    return Markup("\n".join(
        f'<tr><th scope="row">{escape(name)}</th>'
        + "".join(cells.get(ratings.get(competency), missing) for competency in competencies) + "</tr>"
        for name, ratings in rows))
