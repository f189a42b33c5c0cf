"""Outlets are sites: an article's link host, else its feed's, never an aggregator's."""

import doctest

import pytest

from app.engine import boilerplate, link_evidence, outlets
from app.engine.outlets import outlet


@pytest.mark.parametrize("module", [outlets, link_evidence, boilerplate])
def test_examples_in_the_docstrings_hold(module):
    assert doctest.testmod(module).failed == 0


def test_an_outlet_is_a_site():
    assert outlet("https://www.elpais.com/a", "https://feeds.elpais.com/opinion", 1) == "elpais.com"
    assert outlet("javascript:alert(1)", "https://rss.example.org/feed", 2) == "example.org"
    assert outlet("https://bit.ly/x", "https://news.google.com/rss", 3) == "feed 3"
    assert outlet("https://alice.substack.com/p/1", None, 4) == "feed 4"  # each author her own outlet
    assert outlet("http://[::1", None, 5) == "feed 5"  # a malformed link is not an outlet
