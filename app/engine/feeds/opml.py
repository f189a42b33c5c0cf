"""Reading and writing OPML subscription lists.

Feeds are ``<outline>`` elements with an ``xmlUrl``. The outlines around a feed
are folders and become its tags ("State media" -> ``state-media``), as do the
entries of its ``category`` attribute (OPML 2.0: comma-separated, each a
slash-delimited path such as ``/News/State media``).

OPML files come from anywhere, so the reader is defused: a DOCTYPE (and with it
any entity declaration: "billion laughs", external entities) is refused. It is
built straight on :mod:`xml.parsers.expat`, the parser under ElementTree,
because expat lets us refuse the DOCTYPE *before* anything is expanded, and the
outline stack is all the tree we need.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit
from xml.parsers import expat

from app.engine.errors import ImportFileError

__all__ = ["OpmlFeed", "read_opml", "slug_tag", "write_opml"]

log = logging.getLogger(__name__)

_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# Characters XML 1.0 cannot carry at all, even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class OpmlFeed:
    """A feed listed in an OPML file: its URL, title and tags (slugs)."""

    url: str
    title: str | None
    tags: tuple[str, ...]


def slug_tag(text: str) -> str:
    """Make a tag out of a folder or category name.

    Lower-cased, NFKC-normalised, runs of anything but letters and digits
    replaced by one hyphen. Letters of every script are kept.

    Examples
    --------
    >>> slug_tag("State media"), slug_tag(" Fact_checkers / EU ")
    ('state-media', 'fact-checkers-eu')
    >>> slug_tag("Государственные СМИ")
    'государственные-сми'
    """
    return _NOT_WORD.sub("-", unicodedata.normalize("NFKC", text).lower()).strip("-")


def read_opml(data: bytes, *, path: str = "<opml>") -> list[OpmlFeed]:
    """Read the feeds listed in an OPML file.

    Parameters
    ----------
    data
        The file's bytes.
    path
        The file's name, for error messages.

    Returns
    -------
    list[OpmlFeed]
        In document order. A URL listed twice (say in two folders) is returned
        once, with the tags of both places. Outlines whose ``xmlUrl`` is not an
        ``http``/``https`` URL are skipped (and logged).

    Raises
    ------
    ImportFileError
        The file is empty, not well-formed XML, not OPML, or has a DOCTYPE.

    Examples
    --------
    >>> read_opml(b'<opml version="2.0"><body><outline text="State media">'
    ...           b'<outline text="RT" xmlUrl="https://rt.example/rss"/>'
    ...           b'</outline></body></opml>')
    [OpmlFeed(url='https://rt.example/rss', title='RT', tags=('state-media',))]
    """
    if not data.strip():
        raise ImportFileError(path, "The file is empty")
    reader = _OutlineReader(path)
    try:
        reader.parse(data)
    except _UnknownEncoding as exc:
        # Multi-byte encodings (Shift_JIS, GBK, Big5...): decode here and hand
        # expat text, which it then reads as UTF-8 whatever the declaration says.
        try:
            text = data.decode(exc.encoding)
        except (LookupError, UnicodeDecodeError) as decode_exc:
            raise ImportFileError(
                path, f"The file's character encoding {exc.encoding!r} cannot be read", "line 1"
            ) from decode_exc
        reader = _OutlineReader(path)
        reader.parse(text)
    return reader.feeds()


def write_opml(feeds: Iterable[OpmlFeed], *, title: str = "Narrative Radar feeds") -> bytes:
    """Write feeds as an OPML 2.0 file.

    Each run of consecutive feeds sharing a first tag goes into a folder outline
    named after that tag (pass feeds sorted by tag for one folder per tag); all of
    a feed's tags go into its ``category`` attribute. Thus
    ``read_opml(write_opml(feeds)) == list(feeds)`` when URLs are distinct and
    tags are already slugs (see :func:`slug_tag`).

    Parameters
    ----------
    feeds
        The feeds to write, in order.
    title
        The OPML head title.

    Returns
    -------
    bytes
        UTF-8 XML with a declaration.

    Examples
    --------
    >>> data = write_opml([OpmlFeed("https://a.example/rss", "A", ("watchlist",))])
    >>> read_opml(data)
    [OpmlFeed(url='https://a.example/rss', title='A', tags=('watchlist',))]
    """
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _xml_text(title)
    body = ET.SubElement(root, "body")
    folder: ET.Element | None = None
    folder_tag: str | None = None
    for feed in feeds:
        first = feed.tags[0] if feed.tags else None
        if first is None:
            parent, folder, folder_tag = body, None, None
        elif folder is not None and first == folder_tag:
            parent = folder
        else:
            folder = ET.SubElement(body, "outline", text=_xml_text(first), title=_xml_text(first))
            folder_tag = first
            parent = folder
        attributes = {"type": "rss", "text": _xml_text(feed.title or feed.url)}
        if feed.title is not None:
            attributes["title"] = _xml_text(feed.title)
        attributes["xmlUrl"] = _xml_text(feed.url)
        if feed.tags:
            attributes["category"] = ",".join(_xml_text(tag) for tag in feed.tags)
        ET.SubElement(parent, "outline", attributes)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


class _Forbidden(Exception):
    pass


class _UnknownEncoding(Exception):
    def __init__(self, encoding: str) -> None:
        super().__init__(encoding)
        self.encoding = encoding


class _OutlineReader:
    """Collect feeds from expat events, keeping a stack of folder names."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.depth = 0
        self.root: str | None = None
        # One entry per open <outline>: its folder tag, or None for a feed or
        # an outline without a name.
        self.folders: list[str | None] = []
        self.order: list[str] = []
        self.by_url: dict[str, tuple[str | None, list[str]]] = {}

    def parse(self, data: bytes | str) -> None:
        try:
            self.parser.Parse(data, True)
        except _Forbidden as exc:
            raise ImportFileError(
                self.path,
                f"The file declares {exc}, which OPML never needs; it was refused for safety",
                f"line {self.parser.CurrentLineNumber}",
            ) from None
        except (LookupError, ValueError) as exc:
            # pyexpat asks Python's codecs for encodings it lacks but takes only
            # single-byte ones: LookupError (unknown name) or ValueError (multi-byte).
            if isinstance(exc, expat.ExpatError) or not isinstance(data, bytes):
                raise self._not_well_formed(exc) from exc
            declared = _DECLARED_ENCODING.match(data.lstrip())
            raise _UnknownEncoding(declared.group(1).decode("ascii") if declared else "?") from exc
        except expat.ExpatError as exc:
            raise self._not_well_formed(exc) from exc
        if self.root != "opml":
            raise ImportFileError(
                self.path, f"This is not an OPML file (its root element is <{self.root}>)", "line 1"
            )

    def _not_well_formed(self, exc: Exception) -> ImportFileError:
        code = getattr(exc, "code", None)
        message = expat.errors.messages.get(code, str(exc)) if code else str(exc)
        line = getattr(exc, "lineno", None) or self.parser.CurrentLineNumber
        return ImportFileError(
            self.path, f"The file is not well-formed XML ({message})", f"line {line}"
        )

    def feeds(self) -> list[OpmlFeed]:
        return [
            OpmlFeed(url=url, title=self.by_url[url][0], tags=tuple(self.by_url[url][1]))
            for url in self.order
        ]

    def _doctype(self, name: str, *_: object) -> None:
        raise _Forbidden("a DOCTYPE")

    def _entity(self, name: str, *_: object) -> None:
        raise _Forbidden(f"an entity ({name})")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            self.root = name.lower()
        if name.lower() != "outline":
            return
        # Real-world files spell attributes xmlUrl, xmlurl or XMLURL.
        lower = {key.lower(): value for key, value in attrs.items()}
        url = lower.get("xmlurl", "").strip()
        name_text = (lower.get("title") or "").strip() or (lower.get("text") or "").strip()
        if not url:
            tag = slug_tag(name_text) if name_text else ""
            self.folders.append(tag or None)
            return
        self.folders.append(None)
        url = _feed_address(url)
        if url is None:
            log.warning(
                "%s: skipping outline %r: neither an http(s) address nor a file path",
                self.path, lower.get("xmlurl", "")[:200],
            )
            return
        title = name_text if name_text and name_text != url else None
        tags = [tag for tag in self.folders if tag]
        for category in lower.get("category", "").split(","):
            tags.extend(slug_tag(part) for part in category.split("/"))
        if url in self.by_url:
            known_title, known_tags = self.by_url[url]
            self.by_url[url] = (known_title or title, _unique(known_tags + tags))
        else:
            self.order.append(url)
            self.by_url[url] = (title, _unique(tags))

    def _end(self, name: str) -> None:
        self.depth -= 1
        if name.lower() == "outline":
            self.folders.pop()


def _unique(tags: list[str]) -> list[str]:
    return [tag for i, tag in enumerate(tags) if tag and tag not in tags[:i]]


def _feed_address(url: str) -> str | None:
    """The outline's feed as an http(s) URL or a local path; None for anything else.

    Local paths (absolute, relative to the OPML file, or ``file://``) are kept so that
    offline feed folders round-trip through OPML like web feeds do.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return url if parts.hostname else None
    if scheme == "file":
        return unquote(parts.path) or None
    if scheme == "" or (len(scheme) == 1 and url[1:3] in (":\\", ":/")):  # a Windows drive letter
        return url
    return None


def _xml_text(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)
