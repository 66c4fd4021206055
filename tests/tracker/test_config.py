import tomllib
from pathlib import Path

import pytest

from tracker.config import DEFAULT_CONFIG, ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_committed_config_loads_with_every_source():
    settings = load_settings(env={})
    assert settings.path == DEFAULT_CONFIG
    assert settings.sources["ft_search"].interval_minutes == 360
    assert settings.sources["ft_bulk"].interval_minutes == 1440
    assert settings.database.url == f"sqlite:///{DEFAULT_CONFIG.parent / 'instance' / 'radar.db'}"


def test_environment_overrides_file_and_converts_types():
    env = {
        "RADAR_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/test",
        "RADAR_WEB_PORT": "9001",
        "RADAR_SOURCES_FT_SEARCH_PAUSE_SECONDS": "2.5",
        "RADAR_SOURCES_FT_BULK_ENABLED": "false",
    }
    settings = load_settings(env=env)
    assert settings.database.url == "postgresql+psycopg://postgres@127.0.0.1/test"
    assert settings.web.port == 9001
    assert settings.sources["ft_search"].pause_seconds == 2.5
    assert settings.sources["ft_bulk"].enabled is False


def test_radar_config_points_to_another_file(tmp_path):
    path = write(tmp_path, '[database]\nurl = "sqlite:///data/other.db"\n[web]\nport = 8123\n')
    settings = load_settings(env={"RADAR_CONFIG": str(path)})
    assert settings.web.port == 8123
    # A relative SQLite path is relative to the config file that names it.
    assert settings.database.url == f"sqlite:///{tmp_path / 'data' / 'other.db'}"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[web]\nprot = 8000\n", "web.prot: unknown key"),
        ("[web]\nport = 'eighty'\n", "web.port: expected an integer, got 'eighty'"),
        ("[web]\nport = true\n", "web.port: expected an integer"),
        ("[databse]\nurl = 'x'\n", "databse: unknown key"),
        ("[sources.ft_serch]\nenabled = true\n", "sources.ft_serch: unknown source"),
        (
            "[sources.ft_search]\npage_size = '100'\n",
            "sources.ft_search.page_size: expected an integer",
        ),
        ("[sources.ft_bulk]\nenabled = 1\n", "sources.ft_bulk.enabled: expected true or false"),
        ("[web\nport = 1\n", "not valid TOML"),
        ("[web]\nproxies = -1\n", "web.proxies: expected at least 0, got -1"),
        ("[web]\nproxies = 'one'\n", "web.proxies: expected an integer"),
        (
            "[mail]\nmax_per_recipient_per_hour = 0\n",
            "mail.max_per_recipient_per_hour: expected at least 1",
        ),
        ("[mail]\ntls = true\nstarttls = true\n", "mail.tls and mail.starttls: choose one"),
        ("[digests]\nsend_at = '7'\n", "digests.send_at: expected HH:MM, got '7'"),
        ("[digests]\nsend_at = '24:00'\n", "digests.send_at: expected HH:MM"),
        ("[matching]\nrescore_at = '4.30'\n", "matching.rescore_at: expected HH:MM"),
        ("[digests]\nweekly_on = 'maanantai'\n", "digests.weekly_on: expected one of monday"),
        ("[reminders]\nsend_at = '8'\n", "reminders.send_at: expected HH:MM, got '8'"),
        ("[reminders]\ndays_before = 30\n", "reminders.days_before: expected a list"),
        ("[reminders]\ndays_before = ['30']\n", r"reminders.days_before[0]: expected an integer"),
        ("[reminders]\ndays_before = [14, -1]\n", "reminders.days_before: expected distinct"),
        ("[reminders]\ndays_before = []\n", "reminders.days_before: expected distinct"),
        ("[scheduler]\nnice = 20\n", "scheduler.nice: expected a niceness from 0 to 19, got 20"),
        ("[scheduler]\nnice = -5\n", "scheduler.nice: expected a niceness from 0 to 19"),
        ("[reminders]\ndays_before = [3, 3]\n", "reminders.days_before: expected distinct"),
        (
            "[digests]\nconfirm_valid_hours = 0\n",
            "digests.confirm_valid_hours: expected at least 1",
        ),
        (
            "[digests]\nunconfirmed_days = 2\n",
            "digests.unconfirmed_days: a subscription is removed only after its confirmation "
            "link expires",
        ),
    ],
)
def test_broken_config_names_the_key(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.").replace("[", r"\[")):
        load_settings(write(tmp_path, text), env={})


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="RADAR_WEB_PORT: expected an integer, got 'x'"):
        load_settings(env={"RADAR_WEB_PORT": "x"})


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_no_secret_in_committed_config():
    def keys(table):
        for key, value in table.items():
            yield key
            if isinstance(value, dict):
                yield from keys(value)

    committed = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    assert not {"secret_key", "password"} & set(keys(committed))
    assert load_settings(env={}).web.secret_key == ""
    assert load_settings(env={"RADAR_WEB_SECRET_KEY": "s3cret"}).web.secret_key == "s3cret"


def test_today_is_the_day_in_the_service_time_zone():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    assert load_settings(env={}).today() == datetime.now(ZoneInfo("Europe/Helsinki")).date()
    # 25 hours apart, these two zones never share a date: the zone, not the machine, decides.
    east = load_settings(env={"RADAR_WEB_TIMEZONE": "Pacific/Kiritimati"}).today()
    west = load_settings(env={"RADAR_WEB_TIMEZONE": "Pacific/Pago_Pago"}).today()
    assert east > west
