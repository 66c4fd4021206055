"""The `radar` command line: init, scrape, ingest, export, backup, restore, serve, scheduler."""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlmodel import Session, select

from matcher.profile import ORG_TYPES
from scrapers import SOURCES
from scrapers.base import Page, SourceError
from scrapers.fields import RecordError
from tracker.applications import STAGES
from tracker.config import ConfigError, Settings, load_settings
from tracker.db import SchemaMismatch, make_engine, migrate, require_current_schema
from tracker.export import FORMATS
from tracker.jobs import ingest_files, last_runs, make_source, scrape
from tracker.models import LARGEST_INTEGER, JobRun, User
from tracker.search import CURRENT, STATUSES

SOURCE_NAMES = click.Choice([s.name for s in SOURCES])
CALL_STATUSES = (*STATUSES, CURRENT)
ROW_ID = click.IntRange(
    1, LARGEST_INTEGER
)  # an id no row can have is refused, never a database error


class Context:
    """Settings and engine, made only when a command needs them."""

    def __init__(self, config: str | None) -> None:
        self.config = config
        self._settings: Settings | None = None
        self._engine: Any = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config)
            except ConfigError as exc:
                raise click.ClickException(f"configuration error: {exc}") from None
        return self._settings

    @property
    def engine(self) -> Any:
        if self._engine is None:
            url = self.settings.database.url
            try:
                self._engine = make_engine(url, echo=self.settings.database.echo)
            except (ArgumentError, NoSuchModuleError) as exc:
                raise click.ClickException(f"database.url: cannot use {url!r}: {exc}") from None
        return self._engine

    def check_schema(self) -> None:
        """Stop with one line unless the database has the schema of this code (`radar init`)."""
        self.schema(require_current_schema)

    def schema(self, action: Any) -> None:
        """Check or migrate the schema; a database that cannot be reached or used is one line."""
        try:
            action(self.engine)
        except SchemaMismatch as exc:
            raise click.ClickException(str(exc)) from None
        except OperationalError as exc:
            where = self.engine.url.render_as_string(hide_password=True)
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise click.ClickException(f"cannot use the database at {where}: {reason}") from None

    def web_app(self, *, serve: bool = False) -> Any:
        """The web app on this database: `radar serve` (`serve`: with an engine of its own, as
        every process that serves pages reads, and warmed), and the digests' words and links.

        Without RADAR_WEB_SECRET_KEY the development key kept under instance/ signs sessions
        and emailed links, so the links of `radar digest` work on `radar serve`."""
        from webapp import create_app, development_secret

        if not self.settings.web.secret_key:
            self.settings.web.secret_key = development_secret(Path("instance"))
        return create_app(self.settings, engine=None if serve else self.engine, warm=serve)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


pass_context = click.make_pass_decorator(Context)


@click.group()
@click.option("--config", envvar="RADAR_CONFIG", help="Path to a config.toml.")
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
@click.pass_context
def main(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """Häme Funding Radar: EU funding calls for Kanta-Häme."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = Context(config)
    ctx.call_on_close(ctx.obj.close)


@main.command()
@pass_context
def init(ctx: Context) -> None:
    """Create the database or migrate it to the newest schema."""
    ctx.schema(migrate)
    click.echo(f"database ready: {ctx.engine.url.render_as_string(hide_password=True)}")


def _day(ctx: click.Context, param: Any, value: str | None) -> date:
    """The day given; the service's today when none is."""
    return _given_day(ctx, param, value) or ctx.find_object(Context).settings.today()


def _given_day(_ctx: click.Context, _param: Any, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


today_option = click.option(
    "--today", callback=_day, help="The day statuses are computed for (YYYY-MM-DD)."
)


@main.command(name="scrape")
@click.argument("sources", nargs=-1, type=SOURCE_NAMES)
@today_option
@pass_context
def scrape_command(ctx: Context, sources: tuple[str, ...], today: date) -> None:
    """Fetch, parse and ingest SOURCES (default: every enabled source)."""
    names = sources or tuple(s.name for s in SOURCES if ctx.settings.source(s.name).enabled)
    ctx.check_schema()
    runs = [
        _with_progress(
            name, lambda p, n=name: scrape(ctx.engine, ctx.settings, n, today=today, progress=p)
        )
        for name in names
    ]
    _report(runs)


@main.command(name="online")
@click.option("--timeout", type=float, default=3.0, show_default=True, help="Seconds to wait.")
@pass_context
def online_command(ctx: Context, timeout: float) -> None:
    """Exit 0 when the sites of the enabled sources answer, else say so in one line."""
    from scrapers.http import any_answers, hosts

    enabled = [ctx.settings.source(s.name) for s in SOURCES if ctx.settings.source(s.name).enabled]
    if not any_answers({host for source in enabled for host in hosts(source)}, timeout):
        raise click.ClickException(f"no source answered within {timeout:g} s: no network?")


@main.command(name="ingest")
@click.argument("source", type=SOURCE_NAMES)
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@today_option
@click.option(
    "--complete",
    is_flag=True,
    help="FILES are the source's whole listing: calls missing from them count as dropped "
    "(see [ingest] withdraw_after_runs). Without it nothing is withdrawn.",
)
@pass_context
def ingest_command(
    ctx: Context, source: str, files: tuple[Path, ...], today: date, complete: bool
) -> None:
    """Parse recorded responses FILES of SOURCE and ingest them as a scrape would."""
    ctx.check_schema()
    run = _with_progress(
        source,
        lambda p: ingest_files(
            ctx.engine, ctx.settings, source, files, today=today, progress=p, complete=complete
        ),
    )
    _report([run])


@main.command(name="parse")
@click.argument("source", type=SOURCE_NAMES)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@today_option
@pass_context
def parse_command(ctx: Context, source: str, file: Path, today: date) -> None:
    """Parse one recorded response and print one JSON object per call."""
    parser = make_source(ctx.settings, source)
    page = Page(source=source, url=file.resolve().as_uri(), body=file)
    try:
        for record in parser.parse(page):
            if isinstance(record, RecordError):
                click.echo(f"left out: {record}", err=True)
                continue
            upcoming = [d.iso() for d in record.deadlines]
            line = {
                "identifier": record.identifier,
                "title": record.title,
                "programme": record.programme,
                "deadlines": upcoming,
                "status": record.status(today),
                "budget_eur": record.budget.total_eur,
                "url": record.url,
                "record": record.to_json(),
            }
            click.echo(json.dumps(line, ensure_ascii=False))
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None


@main.command(name="record")
@click.argument("source", type=SOURCE_NAMES)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("recordings"),
    show_default=True,
)
@pass_context
def record_command(ctx: Context, source: str, out: Path) -> None:
    """Save the raw responses of a live run of SOURCE as fixtures (with URL and date)."""
    from scrapers.http import HttpClient
    from tracker.recording import record

    try:
        written = record(make_source(ctx.settings, source), HttpClient(ctx.settings.http), out)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(path)


@main.command(name="duplicates")
@click.option(
    "--confirm", "confirm_id", type=ROW_ID, help="Merge the pair with this id into one call."
)
@click.option(
    "--reject", "reject_id", type=ROW_ID, help="Keep the pair with this id apart for good."
)
@pass_context
def duplicates_command(ctx: Context, confirm_id: int | None, reject_id: int | None) -> None:
    """List likely duplicate calls, or confirm or reject one pair."""
    from tracker import duplicates
    from tracker.db import session_scope
    from tracker.models import Call, utcnow

    ctx.check_schema()
    with session_scope(ctx.engine) as session:
        try:
            if confirm_id is not None:
                priority = [s.name for s in SOURCES]
                kept = duplicates.confirm(
                    session,
                    confirm_id,
                    user_id=None,
                    priority=priority,
                    today=ctx.settings.today(),
                    now=utcnow(),
                )
                click.echo(f"merged into {kept.identifier}")
            elif reject_id is not None:
                duplicates.reject(session, reject_id, user_id=None, now=utcnow())
                click.echo(f"pair {reject_id} kept apart")
            else:
                for candidate in duplicates.pending(session):
                    a, b = (
                        session.get(Call, candidate.call_id),
                        session.get(Call, candidate.other_id),
                    )
                    click.echo(
                        f"{candidate.id:5}  {candidate.similarity:.2f}  {a.identifier}  <->  {b.identifier}  ({b.title})"
                    )
        except (LookupError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None


@main.command(name="match")
@today_option
@pass_context
def match_command(ctx: Context, today: date) -> None:
    """Re-score every actor against every open or forthcoming call."""
    from tracker.jobs import match

    ctx.check_schema()
    run = match(ctx.engine, ctx.settings, today=today)
    click.echo(run.message, err=not run.ok)
    if not run.ok:
        sys.exit(1)


@main.command(name="send-mail")
@pass_context
def send_mail_command(ctx: Context) -> None:
    """Try again the emails the mail server did not take (the scheduler does it too)."""
    from tracker.jobs import send_mail

    ctx.check_schema()
    run = send_mail(ctx.engine, ctx.settings)
    click.echo(run.message if run is not None else "no mail waiting")


@main.command(name="digest")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print per subscriber what would be sent; send and store nothing.",
)
@pass_context
def digest_command(ctx: Context, dry_run: bool) -> None:
    """Send the email digests that are due (the scheduler does it at [digests] send_at)."""
    from tracker.digest_run import send_digests
    from webapp.digest_mail import DigestMail

    _mail_job(ctx, send_digests, DigestMail, dry_run)


@main.command(name="remind")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print each reminder that would be sent; send and store nothing.",
)
@pass_context
def remind_command(ctx: Context, dry_run: bool) -> None:
    """Send the deadline reminders that are due (the scheduler does it at [reminders] send_at)."""
    from tracker.reminders import send_reminders
    from webapp.reminder_mail import ReminderMail

    _mail_job(ctx, send_reminders, ReminderMail, dry_run)


def _mail_job(ctx: Context, send: Any, words: Any, dry_run: bool) -> None:
    """Run a mail job (`send`, with the web layer's `words`) and say what became of it."""
    from tracker.mail_jobs import MailJobRunning

    ctx.check_schema()
    try:
        run = send(ctx.engine, ctx.settings, words(ctx.web_app()), dry_run=dry_run, say=click.echo)
    except MailJobRunning as exc:
        raise click.ClickException(str(exc)) from None
    if run is not None:
        click.echo(run.message)


@main.command(name="eval-matcher")
@click.argument("cases", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("topics", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def eval_matcher_command(cases: Path, topics: Path) -> None:
    """Rank the benchmark's candidate topics for each case; print recall@10/50, MRR, nDCG@10."""
    from matcher.evaluation import evaluate

    try:
        click.echo(json.dumps(evaluate(cases, topics), indent=1))
    except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise click.ClickException(
            f"not the benchmark's cases and topics ({cases}, {topics}): {exc!r}"
        ) from None


@main.command(name="import-cordis")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--region", help="Create actors for the organisations of this NUTS region, e.g. FI1C2."
)
@click.option(
    "--topics",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CORDIS topics.csv: each project's topic id and title.",
)
@pass_context
def import_cordis_command(
    ctx: Context, file: Path, region: str | None, topics: Path | None
) -> None:
    """Attach past EU projects from a CORDIS organization.csv to actors."""
    from tracker.cordis import import_cordis
    from tracker.db import session_scope

    ctx.check_schema()
    with session_scope(ctx.engine) as session:
        try:
            report = import_cordis(session, file, region=region, topics=topics)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    _report_import(report)


def _report_import(report: Any) -> None:
    click.echo(
        f"{report.rows} rows: {report.projects_added} projects attached to {len(report.actors_matched)} actors "
        f"({report.actors_created} new), {len(report.skipped)} rows skipped"
    )
    if report.priors is not None:
        click.echo(f"{report.priors} organisation-type priors learned")
    for line, why in report.skipped:
        click.echo(f"line {line}: {why}", err=True)


SHARED_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@main.command(name="load-recordings")
@click.argument("shared", type=SHARED_DIR)
@pass_context
def load_recordings_command(ctx: Context, shared: Path) -> None:
    """Ingest the real recorded responses under SHARED/fixtures, every source (`make run`
    without a network)."""
    from tracker.demo import load_recordings

    ctx.check_schema()
    _report(load_recordings(ctx.engine, ctx.settings, shared))


@main.command(name="load-region-actors")
@click.argument("shared", type=SHARED_DIR)
@pass_context
def load_region_actors_command(ctx: Context, shared: Path) -> None:
    """The Kanta-Häme organisations of SHARED's CORDIS file as actors with their projects, and
    every match (`make run`)."""
    from tracker.demo import load_region_actors

    ctx.check_schema()
    report, run = load_region_actors(ctx.engine, ctx.settings, shared)
    _report_import(report)
    click.echo(run.message, err=not run.ok)
    if not run.ok:
        sys.exit(1)


@main.command(name="create-user")
@click.argument("email")
@click.option(
    "--role", type=click.Choice(["admin", "staff", "member"]), default="member", show_default=True
)
@click.option("--actor-id", type=ROW_ID, help="The organisation of a member.")
@click.option("--name", help="The person's name.")
@click.option("--locale", type=click.Choice(["fi", "en"]), default="fi", show_default=True)
@click.password_option(help="Leave out to be asked; at least 10 characters.")
@pass_context
def create_user_command(
    ctx: Context,
    email: str,
    role: str,
    actor_id: int | None,
    name: str | None,
    locale: str,
    password: str,
) -> None:
    """Create a user who signs in with EMAIL (the first admin, say)."""
    from tracker.accounts import AccountError, create_user
    from tracker.db import session_scope

    ctx.check_schema()
    with session_scope(ctx.engine) as session:
        try:
            user = create_user(
                session, email, role, actor_id=actor_id, password=password, name=name, locale=locale
            )
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{user.role} {user.email} created")


@main.command(name="create-actor")
@click.argument("name")
@click.option("--business-id", help="Y-tunnus, e.g. 0112038-9 (required for a Finnish actor).")
@click.option("--municipality", help="A Kanta-Häme municipality, or 'other'.")
@click.option(
    "--type",
    "org_type",
    type=click.Choice(ORG_TYPES),
    default="small",
    show_default=True,
    help="Organisation type.",
)
@pass_context
def create_actor_command(
    ctx: Context, name: str, business_id: str | None, municipality: str | None, org_type: str
) -> None:
    """Create an organisation (staff also do it on the web at /actors/new)."""
    from matcher.validation import validate_profile
    from tracker.actors import find_actor, save_actor
    from tracker.db import session_scope

    ctx.check_schema()
    fields = {"name": name, "business_id": business_id, "municipality": municipality}
    profile, errors = validate_profile({**fields, "org_type": org_type})
    if profile is None:
        raise click.ClickException("; ".join(f"{k}: {en}" for k, (en, _fi) in errors.items()))
    values = {
        "name": profile.name,
        "business_id": profile.business_id or None,
        "municipality": profile.municipality,
        "nuts3": profile.nuts3 or None,
        "organisation_type": profile.org_type,
    }
    with session_scope(ctx.engine) as session:
        if values["business_id"] and find_actor(session, values["business_id"]):
            raise click.ClickException(f"an actor with Y-tunnus {business_id} exists already")
        actor = save_actor(session, None, values)
        click.echo(f"actor {actor.id} {actor.name} created")


@main.command(name="actors")
@pass_context
def actors_command(ctx: Context) -> None:
    """The organisations, with the id that `create-user --actor-id` takes."""
    from tracker.actors import list_actors

    ctx.check_schema()
    with Session(ctx.engine) as session:
        for actor in list_actors(session):
            click.echo(f"{actor.id:6}  {actor.business_id or '-':9}  {actor.name}")


@main.command(name="sources")
@pass_context
def sources_command(ctx: Context) -> None:
    """The registered sources with their last run."""
    ctx.check_schema()
    runs = last_runs(ctx.engine)
    for source in SOURCES:
        settings = ctx.settings.source(source.name)
        run = runs.get(source.name)
        state = "enabled" if settings.enabled else "disabled"
        last = _describe(run) if run else "never run"
        click.echo(
            f"{source.name:16} {state:9} every {settings.interval_minutes} min  last: {last}"
        )


@main.command(name="export")
@click.argument("what", type=click.Choice(["calls", "matches", "applications"]))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: stdout).",
)
@click.option("--status", type=click.Choice(CALL_STATUSES), help="Calls of this status only.")
@click.option("--programme", help="Calls or applications of this programme only.")
@click.option("--text", default="", help="Calls with these words, as the calls page searches.")
@click.option(
    "--actor",
    "actor_ids",
    type=ROW_ID,
    multiple=True,
    help="Matches or applications of this actor (repeatable).",
)
@click.option("--language", type=click.Choice(["fi", "en"]), help="Language of match reasons.")
@click.option("--stage", type=click.Choice(STAGES), help="Applications at this stage only.")
@click.option("--staff", help="Applications this staff member (email) is responsible for.")
@click.option(
    "--deadline-from",
    callback=_given_day,
    help="Applications with a deadline on or after this day (YYYY-MM-DD).",
)
@click.option(
    "--deadline-to",
    callback=_given_day,
    help="Applications with a deadline on or before this day (YYYY-MM-DD).",
)
@today_option
@pass_context
def export_command(
    ctx: Context, what: str, fmt: str, out: Path | None, today: date, **filters: Any
) -> None:
    """Export calls (every call, or those of the filters), matches (of every actor, or of
    --actor) or applications (every one, or those of the filters) as CSV, JSON or an Excel
    workbook (xlsx)."""
    from tracker.export import write_table

    ctx.check_schema()
    with Session(ctx.engine) as session:
        table = _export_table(ctx, session, what, today, **filters)
        if out is None:
            write_table(table, sys.stdout.buffer if fmt == "xlsx" else sys.stdout, fmt)
            return
        try:
            handle = (
                out.open("wb") if fmt == "xlsx" else out.open("w", encoding="utf-8", newline="")
            )
        except OSError as exc:
            raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
        with handle:
            count = write_table(table, handle, fmt)
    click.echo(f"{count} {what} written to {out}", err=True)


def _export_table(ctx: Context, session: Session, what: str, today: date, **filters: Any) -> Any:
    from tracker.export import calls_table, matches_table
    from tracker.match_inputs import themes
    from tracker.search import CallQuery

    min_days = ctx.settings.matching.min_days_to_prepare
    if what == "calls":
        query = CallQuery(
            text=filters["text"],
            programme=filters["programme"] or "",
            status=filters["status"] or "",
        )
        return calls_table(session, today, min_days, query)
    if what == "applications":
        return _applications_table(session, today, **filters)
    actor_ids = _actor_ids(session, filters["actor_ids"])
    language = filters["language"] or ctx.settings.web.default_locale
    known = {theme.name: theme for theme in themes(ctx.settings)}
    return matches_table(session, actor_ids, today, min_days, language, known)


def _applications_table(session: Session, today: date, **filters: Any) -> Any:
    from tracker.application_queries import ApplicationFilter
    from tracker.export import applications_table

    staff_id = None
    if filters["staff"]:
        staff = session.exec(select(User).where(User.email == filters["staff"].strip())).first()
        if staff is None:
            raise click.ClickException(f"no user {filters['staff']}")
        staff_id = staff.id
    chosen = ApplicationFilter(
        programme=filters["programme"] or "",
        stage=filters["stage"] or "",
        staff_id=staff_id,
        deadline_from=filters["deadline_from"],
        deadline_to=filters["deadline_to"],
    )
    actor_ids = _actor_ids(session, filters["actor_ids"]) if filters["actor_ids"] else [None]
    return applications_table(session, [replace(chosen, actor_id=a) for a in actor_ids], today)


def _actor_ids(session: Session, chosen: tuple[int, ...]) -> list[int]:
    """The actors asked for (every actor when none), each one that exists."""
    from tracker.models import Actor

    actor_ids = list(chosen) or list(session.exec(select(Actor.id)).all())
    missing = [n for n in actor_ids if session.get(Actor, n) is None]
    if missing:
        raise click.ClickException(f"no actor {missing[0]} (`radar actors` lists them)")
    return actor_ids


@main.command(name="backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def backup_command(ctx: Context, file: Path) -> None:
    """Write everything the database holds into FILE (gzip JSON Lines) for `radar restore`."""
    from tracker.backup import backup

    ctx.check_schema()
    try:
        counts = backup(ctx.engine, file)
    except OSError as exc:
        raise click.ClickException(f"backup not written: {exc}") from None
    click.echo(f"{sum(counts.values())} rows of {len(counts)} tables written to {file}")


@main.command(name="restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def restore_command(ctx: Context, file: Path) -> None:
    """Load a `radar backup` FILE into an empty database made by `radar init`."""
    from tracker.backup import BackupError, restore

    ctx.check_schema()
    try:
        counts = restore(ctx.engine, file)
    except BackupError as exc:
        raise click.ClickException(f"restore refused, nothing stored: {exc}") from None
    click.echo(f"{sum(counts.values())} rows of {len(counts)} tables restored from {file}")


@main.command()
@click.option("--host", help="Address to listen on (default from config).")
@click.option("--port", type=int, help="Port (default from config).")
@pass_context
def serve(ctx: Context, host: str | None, port: int | None) -> None:
    """Run the web app (for production use gunicorn, see README)."""
    ctx.check_schema()
    with Session(ctx.engine) as session:
        if session.exec(select(User.id)).first() is None:
            click.echo(
                "No users yet: create the first with `make user EMAIL=... ROLE=admin`"
                " (or `.venv/bin/radar create-user EMAIL --role admin`).",
                err=True,
            )
    app = ctx.web_app(serve=True)  # its key kept under instance/: sessions outlive a restart
    app.run(host=host or ctx.settings.web.host, port=port or ctx.settings.web.port)


@main.command()
@pass_context
def scheduler(ctx: Context) -> None:
    """Run the scheduled jobs in this process (run exactly one of these)."""
    from tracker.scheduler import SchedulerRunning, run_scheduler
    from webapp.digest_mail import DigestMail
    from webapp.reminder_mail import ReminderMail

    ctx.check_schema()
    logging.getLogger().setLevel(logging.INFO)
    app = ctx.web_app()
    try:
        run_scheduler(ctx.engine, ctx.settings, DigestMail(app), ReminderMail(app))
    except SchedulerRunning as exc:
        raise click.ClickException(str(exc)) from exc


def _with_progress(name: str, job: Any) -> JobRun:
    """Run a job with a running count of records on a terminal and none in logs or pipes."""
    if not sys.stderr.isatty():
        return job(None)
    # The number of records is unknown until the source is read, so count instead of a bar.
    count, shown = 0, 0.0

    def progress(step: int) -> None:
        nonlocal count, shown
        count += step
        if time.monotonic() - shown > 0.1:
            shown = time.monotonic()
            click.echo(f"\r{name:16} {count:>8} records", nl=False, err=True)

    try:
        return job(progress)
    finally:
        click.echo(f"\r{name:16} {count:>8} records", err=True)


def _describe(run: JobRun) -> str:
    when = run.started_at.strftime("%Y-%m-%d %H:%M UTC")
    if run.finished_at is None:
        return f"{when} running"
    if not run.ok:
        return f"{when} FAILED: {run.message}"
    return f"{when} ok, fetched {run.fetched}, new {run.new}, changed {run.changed}, unchanged {run.unchanged}"


def _report(runs: list[JobRun]) -> None:
    click.echo(
        f"{'source':16} {'fetched':>8} {'new':>6} {'changed':>8} {'unchanged':>10} {'errors':>7}"
    )
    for run in runs:
        click.echo(
            f"{run.source:16} {run.fetched:8} {run.new:6} {run.changed:8} {run.unchanged:10} {run.errors:7}"
        )
    for run in runs:
        if run.message:  # a failure's message may name its source already
            message = run.message.removeprefix(f"{run.source}: ")
            click.echo(f"{run.source}: {message}", err=not run.ok)
    if any(not run.ok for run in runs):
        sys.exit(1)
