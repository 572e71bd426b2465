"""Print benchmark rows as one table."""
from __future__ import annotations


def print_table(rows: list[tuple[str, str, str]]) -> None:
    widths = [max(len(str(r[i])) for r in rows + [("Measure", "Result", "Same-run baseline / goal")]) for i in range(3)]
    header = ("Measure", "Result", "Same-run baseline / goal")
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
