"""Feeds in: fetching over HTTP(S), parsing RSS/Atom/JSON Feed, OPML import and export.

    http      fetch_feed, make_client, FetchOptions, FetchResult
    parsing   parse_feed, ParsedFeed, ParsedEntry, content_hash
    opml      read_opml, write_opml, OpmlFeed, slug_tag
"""

from app.engine.feeds.http import FetchOptions, FetchResult, fetch_feed, make_client
from app.engine.feeds.opml import OpmlFeed, read_opml, slug_tag, write_opml
from app.engine.feeds.parsing import ParsedEntry, ParsedFeed, content_hash, parse_feed

__all__ = [
    "FetchOptions",
    "FetchResult",
    "OpmlFeed",
    "ParsedEntry",
    "ParsedFeed",
    "content_hash",
    "fetch_feed",
    "make_client",
    "parse_feed",
    "read_opml",
    "slug_tag",
    "write_opml",
]
