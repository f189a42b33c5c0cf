"""Text bound for a spreadsheet (CSV briefs and listings).

Feed text is hostile input, and a spreadsheet runs a cell that looks like a formula
(``=HYPERLINK(...)``, ``+cmd|...``). A spreadsheet asked to split on ``;``, tab or ``|``
(whatever its locale or the person picks) starts a cell after each of them, so a formula
there runs too.
"""

from __future__ import annotations

import re

__all__ = ["spreadsheet_text"]

_FORMULA = re.compile(r"^[=+\-@\t\r]|[;,\t|][=+\-@]")


def spreadsheet_text(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet could run any part of it as a formula.

    Examples
    --------
    >>> spreadsheet_text("=1+1"), spreadsheet_text("Dam bursts;=1+1"), spreadsheet_text("Dam bursts")
    ("'=1+1", "'Dam bursts;=1+1", 'Dam bursts')
    """
    return "'" + text if _FORMULA.search(text) else text
