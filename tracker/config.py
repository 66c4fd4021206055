"""Typed settings from config.toml, overridden by RADAR_* environment variables."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callrules.deadlines import PREPARATION_DAYS
from scrapers import SOURCES
from scrapers.base import SourceSettings
from scrapers.http import HttpSettings

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.toml"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key."""


@dataclass
class DatabaseSettings:
    url: str = "sqlite:///instance/radar.db"
    echo: bool = False


@dataclass
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""  # only from RADAR_WEB_SECRET_KEY, never committed
    page_size: int = 50
    base_url: str = "http://127.0.0.1:8000"  # for links in emails
    default_locale: str = "fi"
    timezone: str = "Europe/Helsinki"
    session_lifetime_minutes: int = 480
    secure_cookies: bool = False  # true behind HTTPS
    proxies: int = 0  # reverse proxies in front that set X-Forwarded-For and -Proto
    login_max_failures: int = 5  # per account and address within the window
    login_max_failures_per_address: int = 100  # all accounts together, against spraying
    login_window_minutes: int = 15
    invite_valid_hours: int = 168
    reset_valid_hours: int = 2


@dataclass
class MailSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "Hame Funding Radar <radar@localhost>"
    username: str = ""
    password: str = ""  # only from RADAR_MAIL_PASSWORD, never committed
    starttls: bool = False  # STARTTLS on a plain connection (port 587)
    tls: bool = False  # SMTP over TLS from the first byte (SMTP_SSL, port 465)
    timeout_seconds: float = 10.0
    max_per_recipient_per_hour: int = 3  # password links and invitations to one address
    max_per_address_per_hour: int = 20  # asked for from one client address
    retry_minutes: int = 10  # how often messages the server did not take are tried again
    max_attempts: int = 12  # then the message is marked failed


@dataclass
class DigestSettings:
    send_at: str = "07:00"  # HH:MM in the scheduler's time zone: the end of each content period
    weekly_on: str = "monday"  # the day weekly digests are sent
    confirm_valid_hours: int = 72  # a public subscriber's confirmation link
    unconfirmed_days: int = 7  # then a public subscription never confirmed is removed


@dataclass
class ReminderSettings:
    # Days before each stage's deadline at which a follower or an application's team is reminded.
    days_before: list[int] = field(default_factory=lambda: [30, 14, 3])
    send_at: str = "08:00"  # HH:MM in the scheduler's time zone


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Contact:
    name: str
    programme: str = ""
    title_fi: str = ""
    title_en: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class AboutSettings:
    organisation: str = "Hämeen liitto"
    contacts: list[Contact] = field(default_factory=list)


@dataclass
class SchedulerSettings:
    timezone: str = "Europe/Helsinki"
    stagger_seconds: int = 60  # between the first runs of the sources at start
    # CPU niceness added to the scheduler's process (0-19): its runs take what the web leaves.
    nice: int = 10
    # On Linux, its runs take only the CPU time that nothing else wants (SCHED_IDLE).
    idle: bool = True


@dataclass
class IngestSettings:
    # A run whose failed records exceed this share of all its records stores nothing.
    max_failed_share: float = 0.10
    # Complete runs a call may be missing from every source that listed it before it is withdrawn.
    withdraw_after_runs: int = 3


@dataclass
class ThemeSettings:
    """A Smart Häme theme: data, since the regional strategy is revised every programme period."""

    name: str
    label_fi: str
    label_en: str
    keywords_fi: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)


@dataclass
class MatchingSettings:
    min_days_to_prepare: int = PREPARATION_DAYS  # a deadline sooner is not worth starting
    min_score: float = 30.0  # matches below are not kept
    max_matches_per_actor: int = 25
    rescore_at: str = "04:30"  # the nightly full re-score, HH:MM in the scheduler's time zone
    themes: list[ThemeSettings] = field(default_factory=list)


@dataclass
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    digests: DigestSettings = field(default_factory=DigestSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    about: AboutSettings = field(default_factory=AboutSettings)
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    sources: dict[str, SourceSettings] = field(default_factory=dict)
    path: Path = DEFAULT_CONFIG

    def source(self, name: str) -> SourceSettings:
        return self.sources[name]

    def today(self) -> date:
        """Today in the service's time zone: deadlines and days left are Helsinki days."""
        return datetime.now(ZoneInfo(self.web.timezone)).date()


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read the TOML file (RADAR_CONFIG or the repository's config.toml), then the environment."""
    env = dict(os.environ if env is None else env)
    path = Path(path or env.get("RADAR_CONFIG") or DEFAULT_CONFIG).resolve()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    raw_sources = data.pop("sources", {})
    if not isinstance(raw_sources, dict):
        raise ConfigError(f"{path}: sources: expected a table")
    settings = _build(Settings, data, "", path, env, skip={"sources", "path"})
    known = {source.name: source for source in SOURCES}
    for name in raw_sources:
        if name not in known:
            raise ConfigError(f"{path}: sources.{name}: unknown source")
    for name, source in known.items():
        table = raw_sources.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: sources.{name}: expected a table")
        settings.sources[name] = _build(source.Settings, table, f"sources.{name}", path, env)
    _check_ranges(settings, path)
    settings.path = path
    settings.database.url = _resolve_sqlite(settings.database.url, path.parent)
    return settings


# Settings that must be at least this (the type is checked already), named as in the file.
MINIMUMS = {
    "web.proxies": 0,
    "web.login_max_failures": 1,
    "web.login_max_failures_per_address": 1,
    "mail.max_per_recipient_per_hour": 1,
    "mail.max_per_address_per_hour": 1,
    "mail.retry_minutes": 1,
    "mail.max_attempts": 1,
    "digests.confirm_valid_hours": 1,
    "digests.unconfirmed_days": 1,
    "ingest.withdraw_after_runs": 1,
}


def _check_ranges(settings: Settings, path: Path) -> None:
    share = settings.ingest.max_failed_share
    if not 0 <= share <= 1:
        raise ConfigError(
            f"{path}: ingest.max_failed_share: expected a share from 0 to 1, got {share}"
        )
    if settings.mail.tls and settings.mail.starttls:
        raise ConfigError(f"{path}: mail.tls and mail.starttls: choose one, not both")
    if settings.digests.weekly_on not in WEEKDAYS:
        raise ConfigError(
            f"{path}: digests.weekly_on: expected one of {', '.join(WEEKDAYS)}, "
            f"got {settings.digests.weekly_on!r}"
        )
    digests = settings.digests
    if digests.unconfirmed_days * 24 < digests.confirm_valid_hours:
        raise ConfigError(
            f"{path}: digests.unconfirmed_days: a subscription is removed only after its "
            f"confirmation link expires ({digests.confirm_valid_hours} hours), "
            f"got {digests.unconfirmed_days} days"
        )
    for key, value in (
        ("matching.rescore_at", settings.matching.rescore_at),
        ("digests.send_at", settings.digests.send_at),
        ("reminders.send_at", settings.reminders.send_at),
    ):
        try:
            clock(value)
        except ValueError:
            raise ConfigError(f"{path}: {key}: expected HH:MM, got {value!r}") from None
    if not 0 <= settings.scheduler.nice <= 19:
        raise ConfigError(
            f"{path}: scheduler.nice: expected a niceness from 0 to 19, got {settings.scheduler.nice}"
        )
    ladder = settings.reminders.days_before
    if not ladder or min(ladder) < 0 or len(set(ladder)) != len(ladder):
        raise ConfigError(
            f"{path}: reminders.days_before: expected distinct days of 0 or more, got {ladder}"
        )
    for key, least in MINIMUMS.items():
        section, name = key.split(".")
        value = getattr(getattr(settings, section), name)
        if value < least:
            raise ConfigError(f"{path}: {key}: expected at least {least}, got {value}")


def clock(value: str) -> time:
    """A time of day written HH:MM (the scheduler's times); ValueError otherwise."""
    hour, _, minute = value.partition(":")
    if not (hour.isdigit() and minute.isdigit()):
        raise ValueError(value)
    return time(int(hour), int(minute))  # ValueError past 23:59


def _build(
    cls: type, data: dict[str, Any], prefix: str, path: Path, env: dict[str, str], skip=frozenset()
) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)} - set(skip)
    for key in data:
        if key not in names:
            raise ConfigError(f"{path}: {_join(prefix, key)}: unknown key")
    values: dict[str, Any] = {}
    for name in names:
        key = _join(prefix, name)
        kind = hints[name]
        if dataclasses.is_dataclass(kind):
            table = data.get(name, {})
            if not isinstance(table, dict):
                raise ConfigError(f"{path}: {key}: expected a table")
            values[name] = _build(kind, table, key, path, env)
            continue
        env_name = "RADAR_" + key.replace(".", "_").upper()
        if env_name in env:
            values[name] = _from_env(env[env_name], kind, env_name)
        elif name in data:
            values[name] = _check(data[name], kind, f"{path}: {key}")
    return cls(**values)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _check(value: Any, kind: Any, where: str) -> Any:
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        if value is None:
            return None
        return _check(value, options[0], where)
    if origin is list:
        (item,) = typing.get_args(kind)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        if dataclasses.is_dataclass(item):
            return [_build_item(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
        return [_check(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return value
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise ConfigError(f"{where}: expected {_type_name(kind)}, got {value!r}")
    return value


def _build_item(cls: type, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table, got {value!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    for key in value:
        if key not in fields:
            raise ConfigError(f"{where}.{key}: unknown key")
    try:
        return cls(**{k: _check(v, hints[k], f"{where}.{k}") for k, v in value.items()})
    except TypeError as exc:  # a required field is missing
        raise ConfigError(f"{where}: {exc}") from None


def _from_env(text: str, kind: Any, name: str) -> Any:
    try:
        if kind is bool:
            if text.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                raise ValueError(text)
            return text.lower() in {"1", "true", "yes"}
        if kind in (int, float, str):
            return kind(text)
    except ValueError:
        raise ConfigError(f"{name}: expected {_type_name(kind)}, got {text!r}") from None
    raise ConfigError(f"{name}: this setting cannot be set from the environment")


def _type_name(kind: Any) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(
        kind, getattr(kind, "__name__", str(kind))
    )


def _resolve_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path is relative to the config file, not to the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        target = base / url[len(prefix) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(target)
    return url
