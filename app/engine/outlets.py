"""Which outlet an article comes from: its site, not the feed it was read from.

A newsroom publishes several feeds (TIME's world and technology feeds, a blog's English and
Portuguese feeds, a podcast beside its newsletter), and the same article, sign-on line or
house phrase appears in each. Two feeds of one site repeating each other are one outlet
repeating itself, not two outlets telling a story; so a narrative starts, and a storyline
merges, only across sites.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["outlet"]

# Hosts that name a feed service or a section rather than the site itself.
_SERVICE_PREFIXES = ("www.", "feeds.", "feed.", "rss.", "m.", "amp.")
# Aggregators and redirectors carry many outlets' articles under one host: there the feed
# itself is the best outlet we know.
_AGGREGATORS = frozenset({"news.google.com", "feedproxy.google.com", "feedburner.com", "news.yahoo.com",
                          "msn.com", "flipboard.com", "t.co", "bit.ly", "ow.ly", "dlvr.it", "ift.tt",
                          "youtube.com", "medium.com", "substack.com", "reddit.com", "news.ycombinator.com"})


def _host(url: str | None) -> str | None:
    if not url or "://" not in url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    for prefix in _SERVICE_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix):]
    if not host or host in _AGGREGATORS or any(host.endswith("." + a) for a in _AGGREGATORS):
        return None
    return host


def outlet(article_link: str | None, feed_url: str | None, feed_id: int) -> str:
    """The site of an article: its link's host, else its feed's, else the feed itself (a local file).

    >>> outlet("https://time.com/123/ai/", "https://feeds.time.com/world", 4)
    'time.com'
    >>> outlet("https://www.time.com/7/", None, 5) == outlet(None, "https://feeds.time.com/tech", 6)
    True
    >>> outlet(None, "/home/ana/feeds/a.xml", 7)
    'feed 7'
    >>> outlet("https://news.google.com/rss/articles/x", "https://news.google.com/rss?q=a", 8)
    'feed 8'
    """
    return _host(article_link) or _host(feed_url) or f"feed {feed_id}"
