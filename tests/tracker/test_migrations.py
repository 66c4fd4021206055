"""Every earlier schema revision, holding data, upgrades to the newest on both engines; commands
other than `radar init` refuse a schema older or newer than the code, with one line."""

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from tests.tracker.helpers import counts, fill
from tracker.db import SchemaMismatch, alembic_config, migrate, require_current_schema

REVISIONS = [
    s.revision
    for s in reversed(list(ScriptDirectory.from_config(alembic_config(None)).walk_revisions()))
]
DERIVED = {"calldeadline"}  # rebuilt from call.deadlines by a migration, not kept as such


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_a_database_with_data_at_each_revision_upgrades_to_the_newest(engine, revision):
    config = alembic_config(engine)
    command.downgrade(config, "base")
    command.upgrade(config, revision)
    filled = fill(engine)
    migrate(engine)
    after = counts(engine)
    assert not [name for name in after if name.startswith("_alembic_tmp")]
    kept = [n for n in filled if n in after and n not in DERIVED]
    assert {n: after[n] for n in kept} == dict.fromkeys(kept, 1)
    require_current_schema(engine)  # newest now: no complaint


def test_euro_access_reads_its_detail_pages_again_after_0029(engine):
    """Its calls stored before programmes were named as F&T names them are read again."""
    config = alembic_config(engine)
    command.downgrade(config, "base")
    command.upgrade(config, "0028_unmerged_calls_by_last_day")
    state = {"rows": {"135": "Erasmus+|Erasmus Charter|https://www.euro-access.eu/|27.01.2026"}}
    insert = sa.text("INSERT INTO sourcestate (source, data, updated_at) VALUES (:s, :d, :t)")
    with engine.begin() as connection:
        for source in ("euro_access", "ft_search"):
            data = json.dumps({**state, "etag": f"{source}-1"})
            connection.execute(insert, {"s": source, "d": data, "t": datetime.now(UTC)})
    migrate(engine)
    with engine.connect() as connection:
        stored = dict(connection.execute(sa.text("SELECT source, data FROM sourcestate")).all())
    data = {k: json.loads(v) if isinstance(v, str) else v for k, v in stored.items()}
    assert data["euro_access"] == {"etag": "euro_access-1"}  # its rows forgotten, the rest kept
    assert data["ft_search"] == {**state, "etag": "ft_search-1"}  # another source's untouched


def test_subscriptions_name_programmes_as_the_calls_are_stored_after_0030(engine):
    """A public subscription to "Erasmus+" and a search saved with "Digital Europe", from when
    euro-access's names were values of their own, name F&T's programmes; the rest is kept."""
    config = alembic_config(engine)
    command.downgrade(config, "base")
    command.upgrade(config, "0029_euro_access_read_again")
    insert = sa.text(
        "INSERT INTO subscription (kind, email, locale, frequency, query, themes, programmes,"
        " keywords, told, created_at, covered_until)"
        " VALUES (:kind, :email, 'fi', 'weekly', :query, '[]', :programmes, '[]', '[]', :t, :t)"
    )
    old = "programme=Digital+Europe&q=data&status="
    rows = [
        ("public", '["Erasmus+", "Erasmus+ (ERASMUS+)", "EU4Health programme 2021-2027"]', None),
        ("saved_search", "[]", old),
        ("saved_search", "[]", "q=kiertotalous&status=open"),
        ("saved_search", "null", "q=data"),  # JSON null: SQLAlchemy's None in a JSON column
    ]
    with engine.begin() as connection:
        for kind, programmes, query in rows:
            values = {"kind": kind, "email": "a@example.fi", "programmes": programmes}
            connection.execute(insert, {**values, "query": query, "t": datetime.now(UTC)})
    migrate(engine)
    with engine.connect() as connection:
        read = "SELECT programmes, query FROM subscription ORDER BY id"
        stored = [
            (json.loads(p) if isinstance(p, str) else p, q)
            for p, q in connection.execute(sa.text(read))
        ]
    assert stored == [
        (["Erasmus+ (ERASMUS+)", "EU4Health programme 2021-2027"], None),  # one, and kept
        ([], "programme=Digital+Europe+Programme+%28DIGITAL%29&q=data&status="),
        ([], "q=kiertotalous&status=open"),
        (None, "q=data"),  # left as it was
    ]


def test_commands_refuse_an_older_or_newer_schema_with_one_line(engine):
    config = alembic_config(engine)
    command.downgrade(config, REVISIONS[-2])
    with pytest.raises(SchemaMismatch, match="older than this code.*radar init"):
        require_current_schema(engine)
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaMismatch, match="newer than this code"):
        require_current_schema(engine)
    with pytest.raises(SchemaMismatch, match="newer than this code"):
        migrate(engine)
    with engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE alembic_version SET version_num = '{REVISIONS[-1]}'"))


def test_the_services_postgresql_connections_compile_no_plan(pg_database):
    """JIT took 32 ms of the calls list's 200 ms at 50,000 calls: the engine turns it off."""
    with pg_database.connect() as connection:
        assert connection.execute(sa.text("SHOW jit")).scalar() == "off"
