"""CSV for spreadsheets: formula-safe cells (OWASP "CSV injection") and a byte order mark Excel needs."""
from __future__ import annotations

import csv
import io

# A spreadsheet treats a cell starting with these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(cell):
    """Text that a spreadsheet would run as a formula is prefixed with a quote and shown as text."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def to_csv(header: list[str], rows: list[list]) -> str:
    """CSV text with a UTF-8 byte order mark: Excel reads a BOM-less file in the legacy code page and
    garbles accented names, while LibreOffice, Google Sheets and Python's utf-8-sig all accept the BOM."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return buffer.getvalue()
