"""Every earlier schema revision, holding data, upgrades to the newest on both engines; commands
other than `radar init` refuse a schema older or newer than the code, with one line."""

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
