import pytest

from app.engine.errors import ImportFileError
from app.engine.settings import Settings, load_settings, save_settings, settings_path


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
    ("same_language_threshold = 1.5", "same_language_threshold should be from 0 .* to below 1"),
    ("cross_language_threshold = -0.1", "cross_language_threshold should be from 0"),
])
def test_malformed_settings_name_the_file(tmp_path, text, match):
    settings_path(tmp_path).write_text(text)
    with pytest.raises(ImportFileError, match=match) as info:
        load_settings(tmp_path)
    assert "settings.toml" in str(info.value)
