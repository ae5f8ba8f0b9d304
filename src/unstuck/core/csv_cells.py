"""Spreadsheet-safe CSV cells: a cell a spreadsheet would run as a formula is written with a leading `'`.

Excel, LibreOffice and Google Sheets treat a cell starting with `=`, `+`, `-` or `@` (or a tab or
carriage return before one) as a formula, so a customer name like `=HYPERLINK(...)` in an exported
log could run when someone opens the file. The rule (docs/security.md):

- a cell starting with one of `= + - @ \\t \\r` is written as `'` + the cell, unless the whole cell
  is a plain number (`-12.5`, `+3`, `-1e-9`): numbers are data, not formulas, and stay readable;
- so that reading a file back gives the original text, a cell that starts with `'` followed by one
  of those characters or another `'` gets one more `'` too;
- reading (`cell_unescape`, used by `unstuck import`) removes one leading `'` exactly when it is
  followed by one of those characters or a `'`, so every text survives a round trip unchanged.

Timestamps (`2026-12-01T09:30:00+08:00`) start with a digit and are never touched.
"""

from __future__ import annotations

import re

_FORMULA_START = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def cell_escape(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs as a formula (see the module's rule)."""
    if not text:
        return text
    first = text[0]
    if first in _FORMULA_START:
        return text if _PLAIN_NUMBER.fullmatch(text) else "'" + text
    if first == "'" and len(text) > 1 and (text[1] in _FORMULA_START or text[1] == "'"):
        return "'" + text
    return text


def cell_unescape(text: str) -> str:
    """The text a cell written by `cell_escape` stood for."""
    if len(text) > 1 and text[0] == "'" and (text[1] in _FORMULA_START or text[1] == "'"):
        return text[1:]
    return text
