import threading
from dataclasses import fields

import pytest

from app.engine.errors import ImportFileError
from app.engine.settings import (Settings, load_settings, proxy_problem, save_settings, settings_path,
                                 settings_problems)


def test_defaults_when_no_file(tmp_path):
    assert load_settings(tmp_path) == Settings()


def test_round_trip(tmp_path):
    settings = Settings().replace(proxy="socks5://127.0.0.1:9050", fetch_timeout=7.5, flag_min_sources=4,
                                  user_agent='Quote "me"')
    save_settings(tmp_path, settings)
    assert load_settings(tmp_path) == settings


def test_unknown_keys_ignored_and_ints_accepted_as_floats(tmp_path):
    settings_path(tmp_path).write_text("future_key = 1\nfetch_timeout = 3\n")
    assert load_settings(tmp_path).fetch_timeout == 3.0


@pytest.mark.parametrize("text, match", [
    ("fetch_timeout = = 3", "not valid TOML"),
    ('flag_min_sources = "three"', "flag_min_sources should be int"),
    ("flag_min_sources = true", "flag_min_sources should be int"),
    ("same_language_threshold = 1.5", "same_language_threshold must be from 0 .* to below 1, not 1.5"),
    ("cross_language_threshold = -0.1", "cross_language_threshold must be from 0"),
    ("fetch_timeout = 0", r"fetch_timeout must be more than 0 and at most 3600 seconds, not 0\.0"),
    ("fetch_deadline = -1", "fetch_deadline must be more than 0"),
    ("max_feed_bytes = 0", "max_feed_bytes must be more than 0 bytes, not 0"),
    ("window_days = 0", "window_days must be from 1 to 3650 days, not 0"),
    ("max_concurrent_fetches = 0", "max_concurrent_fetches must be from 1"),
    ("claim_min_chars = 400\nclaim_max_chars = 300", r"claim_min_chars = 400: The shortest claim \(400 characters\) must be shorter than the longest \(300\)"),
    ('proxy = "127.0.0.1:9050"', "proxy = '127.0.0.1:9050': The proxy needs a scheme"),
    ("flag_hours = 1000\nwindow_days = 2", r"flag_hours = 1000: The flag period \(1000 hours\)"),
])
def test_malformed_settings_name_the_file(tmp_path, text, match):
    settings_path(tmp_path).write_text(text)
    with pytest.raises(ImportFileError, match=match) as info:
        load_settings(tmp_path)
    assert "settings.toml" in str(info.value)


@pytest.mark.parametrize("proxy, ok", [
    ("", True), ("socks5://127.0.0.1:9050", True), ("http://proxy.lan:3128", True),
    ("127.0.0.1:9050", False), ("ftp://proxy:21", False), ("socks5://127.0.0.1", False),
    ("http://host:99999", False), ("http://:3128", False),
])
def test_proxy_addresses(proxy, ok):
    assert (proxy_problem(proxy) is None) is ok


def test_settings_problems_cover_cross_field_rules():
    assert settings_problems(Settings()) == []
    [problem] = settings_problems(Settings(flag_hours=100, window_days=2))
    assert "100 hours" in problem and "2 days" in problem
    assert settings_problems(Settings(user_agent="  "))
    assert settings_problems(Settings(user_agent="a\nb"))
    assert settings_problems(Settings(model="no-such-model"))
    assert settings_problems(Settings(fetch_interval_minutes=2))
    assert not settings_problems(Settings(fetch_interval_minutes=0))


@pytest.mark.parametrize("key", [f.name for f in fields(Settings) if isinstance(getattr(Settings(), f.name), (int, float))])
def test_every_number_is_checked_when_read(tmp_path, key):
    settings_path(tmp_path).write_text(f"{key} = -1000000000\n")
    with pytest.raises(ImportFileError, match=f"{key} must be .*, not -1000000000"):
        load_settings(tmp_path)


def test_two_saves_at_once_both_succeed_and_leave_no_temporary_file(tmp_path):
    errors = []

    def save(n: int) -> None:
        try:
            for _ in range(30):
                save_settings(tmp_path, Settings(flag_min_sources=n))
        except OSError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in (2, 3, 4, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert load_settings(tmp_path).flag_min_sources in (2, 3, 4, 5)
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_a_missing_model_folder_does_not_stop_the_settings_from_being_read(tmp_path):
    settings_path(tmp_path).write_text(f'model = "{tmp_path / "gone"}"\n')
    assert load_settings(tmp_path).model == str(tmp_path / "gone")
    assert settings_problems(load_settings(tmp_path)), "the settings dialog still says so"
