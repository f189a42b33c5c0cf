"""The add-feed dialog refuses what the engine refuses, as the user types."""

from app.ui.feed_dialog import source_problem


def test_the_dialog_refuses_an_address_without_a_host_as_the_command_line_does():
    assert "has no host name" in source_problem("https://")
    assert source_problem("https://example.org/rss") is None
    assert source_problem("http://newsroom-box:8080/rss") is None  # an intranet host is a host
