"""Reading fact-check files: ClaimReview JSON-LD, fact-check tools' JSON, CSV, HTML pages.

Every reader yields one :class:`ReadItem` per item of the file, with the item's
location (``item 3 (line 40)``, ``line 12``, ``script block 2 (line 88)``) and
either the fact-checks it holds or the reason it was left out, so one bad item
never costs the others. Only a file that cannot be read at all raises
:class:`~app.engine.errors.ImportFileError`.

Files are read as a stream: a JSON array, a ``{"claims": [...]}`` or
``{"@graph": [...]}`` wrapper, JSON Lines and CSV are read item by item, so a
file of any size needs memory for one item at a time.

Formats (chosen by extension, else by the first bytes):

- **ClaimReview** (schema.org JSON-LD): a single object, a list, an ``@graph``,
  or nested anywhere (a ``WebPage`` whose ``mainEntity`` is a ClaimReview).
- **Google Fact Check Tools**: ``{"claims": [{"text", "claimant", "claimDate",
  "claimReview": [{"publisher": {"name", "site"}, "url", "title", "reviewDate",
  "textualRating", "languageCode"}]}]}``; each review is one fact-check.
- **Flat JSON** (our demo format and most tools' exports): objects with ``claim``,
  ``claimant``, ``rating``, ``publisher``, ``url``, ``date``, ``language``, ``id``
  (and the aliases in
  :data:`app.engine.factchecks.items.FIELD_ALIASES`), as a list, a wrapper, or JSON Lines.
- **CSV** with a header row naming the same fields (comma, semicolon or tab).
- **HTML** pages: every ``<script type="application/ld+json">`` block.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TextIO

from ..errors import ImportFileError
from .items import FactCheckDraft, ReadItem, claim_reviews, field_of, read_item

CHUNK = 1 << 20  # characters read at a time
MAX_ITEM = 8 << 20  # one JSON item larger than this is broken, not big
CSV_FIELD_LIMIT = 1 << 20
_WRAPPER_KEYS = frozenset({"claims", "@graph", "factchecks", "fact_checks", "factCheck", "factChecks", "items",
                           "data", "results", "records", "entries", "reviews", "claimReviews", "itemListElement"})


# --------------------------------------------------------------------------- JSON, streamed


class _JsonStream:
    """Decodes JSON values one at a time from a text stream, tracking line numbers.

    Positions kept across reads are *marks*: offsets from the start of the file,
    since the buffer drops what was consumed.
    """

    def __init__(self, handle: TextIO, path: str) -> None:
        self.handle = handle
        self.path = path
        self.buffer = ""
        self.pos = 0
        self.offset = 0  # characters dropped before buffer[0]
        self.line_base = 1  # line number of buffer[0]
        self.eof = False
        self.decoder = json.JSONDecoder()

    def mark(self) -> int:
        return self.offset + self.pos

    def line_at(self, pos: int) -> int:
        return self.line_base + self.buffer.count("\n", 0, pos)

    def _fill(self) -> bool:
        if self.eof:
            return False
        if self.pos > CHUNK:  # drop what was consumed, keeping the current line whole
            cut = self.buffer.rfind("\n", 0, self.pos) + 1
            self.line_base += self.buffer.count("\n", 0, cut)
            self.buffer = self.buffer[cut:]
            self.offset += cut
            self.pos -= cut
        chunk = self.handle.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._fill():
                return ""

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise self.error(f"expected {char!r}", self.pos)
        self.pos += 1

    def value(self) -> Any:
        """Decode the next value; raise ImportFileError at malformed JSON."""
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                # Valid JSON cut by the end of the buffer fails within a token of its end
                # (a cut "\u20", "tru", "1.") or in a string running to it: read on.
                # Failing anywhere else, it is malformed.
                near_end = exc.pos >= len(self.buffer) - 8 or exc.msg.startswith("Unterminated string")
                if near_end and len(self.buffer) - self.pos < MAX_ITEM and self._fill():
                    continue
                raise self.error(exc.msg, exc.pos) from None
            if end >= len(self.buffer) and not isinstance(value, (dict, list, str)) and self._fill():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value

    def error(self, message: str, pos: int) -> ImportFileError:
        line = self.line_at(pos)
        column = pos - (self.buffer.rfind("\n", 0, pos) + 1) + 1
        return ImportFileError(self.path, f"malformed JSON: {message}", f"line {line}, column {column}")

    def resync(self, mark: int) -> bool:
        """After a malformed array item, move to the next item at the same indentation.

        Pretty-printed arrays start every item on a line of its own, indented alike;
        without that layout there is no safe place to start again.
        """
        start = mark - self.offset
        line_start = self.buffer.rfind("\n", 0, start) + 1
        indent = self.buffer[line_start:start]
        if indent.strip():
            return False
        pattern = re.compile("\n" + re.escape(indent) + r"[{\[]")
        search_from = start + 1
        while True:
            found = pattern.search(self.buffer, search_from)
            if found:
                self.pos = found.end() - 1
                return True
            # Read on, keeping a tail in case the next item's start straddles two reads.
            self.pos = max(search_from, len(self.buffer) - len(indent) - 2)
            if not self._fill():
                return False
            search_from = self.pos


def _stream_array(stream: _JsonStream) -> Iterator[ReadItem]:
    stream.take("[")
    if stream.peek() == "]":
        stream.pos += 1
        return
    number = 0
    while True:
        number += 1
        stream.peek()
        start = stream.mark()
        location = f"item {number} (line {stream.line_at(stream.pos)})"
        try:
            value = stream.value()
        except ImportFileError as exc:
            yield ReadItem(location, error=f"{exc.args[0].split(': ', 1)[-1]} at {exc.location}")
            if not stream.resync(start):
                yield ReadItem(location, error="the rest of the file could not be read after this item")
                return
            continue
        yield read_item(location, value)
        following = stream.peek()
        if following == ",":
            stream.pos += 1
        elif following == "]":
            stream.pos += 1
            return
        else:
            where = stream.error("", stream.pos).location
            yield ReadItem(f"after item {number} ({where})", error="malformed JSON: expected ',' or ']'")
            if not stream.resync(stream.mark()):
                return


def read_json(handle: TextIO, path: str) -> Iterator[ReadItem]:
    """Items of a JSON document: an array, a wrapper object around arrays, or one object."""
    stream = _JsonStream(handle, path)
    first = stream.peek()
    if first == "[":
        yield from _stream_array(stream)
    elif first == "{":
        stream.take("{")
        fields: dict[str, Any] = {}
        wrapped = False
        while stream.peek() not in ("}", ""):
            key = stream.value()
            stream.take(":")
            if key in _WRAPPER_KEYS and stream.peek() == "[":
                wrapped = True
                yield from _stream_array(stream)
            else:
                fields[str(key)] = stream.value()
            if stream.peek() == ",":
                stream.pos += 1
        stream.take("}")
        if not wrapped:
            yield read_item("the object", fields)
    elif first == "":
        raise ImportFileError(path, "the file is empty")
    else:
        raise stream.error("the file does not start with '[' or '{'", stream.pos)


def read_json_lines(handle: TextIO, path: str) -> Iterator[ReadItem]:
    """Items of a JSON Lines file, one per line."""
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadItem(f"line {number}", error=f"malformed JSON: {exc.msg} (column {exc.colno})")
            continue
        yield read_item(f"line {number}", value)


# --------------------------------------------------------------------------- CSV


def read_csv(handle: TextIO, path: str) -> Iterator[ReadItem]:
    """Rows of a CSV file with a header row naming the fields (see :data:`.items.FIELD_ALIASES`).

    Raises
    ------
    ImportFileError
        No header row, or no column holds the claim's text.
    """
    sample = handle.read(64 * 1024)
    handle.seek(0)
    header_line = sample.splitlines()[0] if sample else ""
    delimiter = max(",;\t|", key=header_line.count)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(path, "the file is empty") from None
    except csv.Error as exc:
        raise ImportFileError(path, f"unreadable header row: {exc}", "line 1") from None
    columns = [field_of(name) for name in header]
    if "claim" not in columns:
        names = ", ".join(repr(n) for n in header[:12]) or "nothing"
        raise ImportFileError(path, f"no column holds the claim's text (the header has {names}); "
                                    "name it 'claim' (or claim_text, claimReviewed, text)", "line 1")
    ignored = [name for name, canonical in zip(header, columns) if canonical is None and name.strip()]
    if ignored:
        yield ReadItem("line 1", warnings=(f"columns not used: {', '.join(ignored)}",))
    last_line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield ReadItem(f"line {last_line + 1}", error=f"unreadable row ({exc}; an unclosed quote?)")
            last_line = reader.line_num
            continue
        location = f"line {last_line + 1}"
        last_line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        record = {}
        for canonical, cell in zip(columns, row):
            if canonical and cell.strip() and canonical not in record:
                record[canonical] = cell.strip()
        warnings = (f"{len(row)} cells where the header has {len(header)}",) if len(row) > len(header) else ()
        item = read_item(location, record)
        yield ReadItem(item.location, item.drafts, item.error, warnings + item.warnings)


# --------------------------------------------------------------------------- HTML


class _LdJsonScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[int, str]] = []
        self._line: int | None = None
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and any(k == "type" and (v or "").strip().lower() == "application/ld+json"
                                   for k, v in attrs):
            self._line, self._parts = self.getpos()[0], []

    def handle_data(self, data: str) -> None:
        if self._line is not None:
            self._parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._line is not None:
            self.blocks.append((self._line, "".join(self._parts)))
            self._line = None


def read_html(handle: TextIO, path: str) -> Iterator[ReadItem]:
    """ClaimReviews in a page's ``<script type="application/ld+json">`` blocks.

    Raises
    ------
    ImportFileError
        The page has no JSON-LD block.
    """
    parser = _LdJsonScripts()
    while chunk := handle.read(CHUNK):
        parser.feed(chunk)
    parser.close()
    if not parser.blocks:
        raise ImportFileError(path, 'the page has no <script type="application/ld+json"> block')
    found = False
    for number, (line, text) in enumerate(parser.blocks, 1):
        location = f"script block {number} (line {line})"
        text = re.sub(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)\s*$", "", text.strip())
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield ReadItem(location, error=f"malformed JSON-LD: {exc.msg} (line {line + exc.lineno - 1})")
            continue
        if not any(True for _ in claim_reviews(value)):
            continue  # an article's or breadcrumb's JSON-LD: not ours to read
        found = True
        yield read_item(location, value)
    if not found:
        yield ReadItem("the page", error="no ClaimReview in its JSON-LD blocks")


# --------------------------------------------------------------------------- files


def file_format(path: Path, head: str) -> str:
    """``json``, ``jsonl``, ``csv`` or ``html``, from the extension, else from the first characters."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        return "html"
    if stripped.startswith("{"):
        first_line = stripped.split("\n", 1)
        try:
            json.loads(first_line[0])
        except json.JSONDecodeError:
            return "json"
        return "jsonl" if len(first_line) > 1 and first_line[1].lstrip().startswith("{") else "json"
    if stripped.startswith("[") or suffix in (".json", ".jsonld"):
        return "json"
    return "csv"


def read_factcheck_file(path: str | Path, *, read: Callable[[float], None] | None = None) -> Iterator[ReadItem]:
    """Yield the items of a fact-check file, in order, with their locations.

    ``read``, if given, is called now and then with the share of the file read so far.

    Raises
    ------
    ImportFileError
        The file cannot be opened, or its format cannot be read at all (an empty
        file, a CSV without a claim column, a page without JSON-LD, JSON that is
        malformed before its first item).

    Examples
    --------
    >>> for item in read_factcheck_file("factchecks.json"):
    ...     print(item.location, item.error or item.drafts[0].claim)
    """
    path = Path(path)
    name = str(path)
    try:
        handle = path.open(encoding="utf-8-sig", errors="replace", newline="")
    except OSError as exc:
        raise ImportFileError(name, f"cannot be opened: {exc.strerror or exc}") from exc
    with handle:
        try:
            head = handle.read(4096)
            handle.seek(0)
        except OSError as exc:
            raise ImportFileError(name, f"cannot be read: {exc.strerror or exc}") from exc
        kind = file_format(path, head)
        reader = {"json": read_json, "jsonl": read_json_lines, "csv": read_csv, "html": read_html}[kind]
        if read is None:
            yield from reader(handle, name)
            return
        size = max(1, path.stat().st_size)
        for number, item in enumerate(reader(handle, name)):
            if number % 200 == 0:
                read(min(1.0, handle.buffer.tell() / size))
            yield item


__all__ = ["FactCheckDraft", "ReadItem", "file_format", "read_csv", "read_factcheck_file", "read_html", "read_json",
           "read_json_lines"]
