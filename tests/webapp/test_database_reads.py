"""How each kind of process reads a SQLite database: the web's workers through mmap (the OS's
page cache, shared by workers and connections), jobs, which read each row once, not."""

from tracker.config import load_settings
from tracker.db import SQLITE_MAP_BYTES, make_engine
from webapp import create_app


def _mapped_bytes(engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA mmap_size").scalar())


def test_the_web_maps_the_sqlite_file_and_jobs_do_not(tmp_path):
    settings = load_settings(env={})
    settings.database.url = f"sqlite:///{tmp_path / 'radar.db'}"
    app = create_app(settings)
    assert _mapped_bytes(app.extensions["radar"]["engine"]) == SQLITE_MAP_BYTES
    assert _mapped_bytes(make_engine(settings.database.url)) == 0
