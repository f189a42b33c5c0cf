"""Keyset paging: one page of a query in an SQL sort order, and the key to go on from.

A page starts after the previous page's last sort key rather than at an OFFSET, so
every page costs about the same however far the reader scrolls, and rows added
meanwhile do not shift the pages under the reader. The narratives list and a
narrative's claims both read their pages this way.

Examples
--------
>>> order = [("n.score", True), ("n.id", True)]
>>> rows, after = read_page(db, select="n.id", source="narratives n", where=["n.merged_into IS NULL"], params=[],
...                         order=order, limit=200)
>>> more, _ = read_page(db, select="n.id", source="narratives n", where=["n.merged_into IS NULL"], params=[],
...                     order=order, after=after, limit=200)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from .database import store_errors


def after_sql(order: Sequence[tuple[str, bool]], key: Sequence) -> tuple[str, list]:
    """Rows after ``key`` in this order, for columns sorted in mixed directions
    (the keyset idea of datasette's ``compound_keys_after_sql``)."""
    ors, params = [], []
    for i, (expr, desc) in enumerate(order):
        ands = [f"{order[j][0]} = ?" for j in range(i)] + [f"{expr} {'<' if desc else '>'} ?"]
        ors.append("(" + " AND ".join(ands) + ")")
        params.extend(list(key[:i]) + [key[i]])
    return "(" + " OR ".join(ors) + ")", params


def read_page(db: sqlite_utils.Database, *, select: str, source: str, where: Sequence[str], params: Sequence,
              order: Sequence[tuple[str, bool]], after: Sequence | None = None,
              limit: int = 200) -> tuple[list[tuple], tuple | None]:
    """Return up to ``limit`` rows of ``SELECT select FROM source WHERE where`` in ``order``,
    and the key the next page starts after (None: there are no more).

    Parameters
    ----------
    select, source, where, params
        The query: its columns, its FROM clause, its conditions (joined with AND) and
        their parameters. Only trusted SQL: the values go in ``params``.
    order
        ``(expression, descending)`` pairs; the last must be unique (an id), or rows
        with equal keys could fall between two pages.
    after
        The previous page's key (None: the first page).

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    where, params = list(where), list(params)
    if after is not None:
        clause, extra = after_sql(order, after)
        where.append(clause)
        params.extend(extra)
    keys = ", ".join(expr for expr, _ in order)
    order_by = ", ".join(f"{expr} {'DESC' if desc else 'ASC'}" for expr, desc in order)
    sql = f"SELECT {select}, {keys} FROM {source} WHERE {' AND '.join(where)} ORDER BY {order_by} LIMIT ?"
    with store_errors():
        rows = db.conn.execute(sql, params + [int(limit) + 1]).fetchall()
    # One row more than asked tells whether there is a next page without counting.
    more = len(rows) > limit
    rows = rows[:limit]
    width = len(order)
    return [r[:-width] for r in rows], (tuple(rows[-1][-width:]) if more and rows else None)
