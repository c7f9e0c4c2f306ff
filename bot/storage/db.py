"""Engine, sessions and migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration (safe to run at every start)."""
    await run_migrations(engine, "upgrade", "head")


async def run_migrations(engine: AsyncEngine, action: str, revision: str) -> None:
    """``action`` ("upgrade" or "downgrade") to ``revision``, in one transaction.

    On SQLite, a migration that changes a table copies it and drops the old one; with foreign
    keys on, that drop would delete every row referring to it (``ON DELETE CASCADE``). So
    foreign keys are off while migrating (the pragma only works outside a transaction, which
    is why it comes first) and checked afterwards, then on again for this connection.
    """

    def run(connection: Connection) -> None:
        getattr(command, action)(alembic_config(connection), revision)

    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as connection:
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # SQLite's driver opens a transaction only before INSERT, UPDATE or DELETE, so a
            # migration's DDL would commit statement by statement and a failure halfway would
            # leave a half-migrated schema. An explicit BEGIN makes it all or nothing.
            await connection.exec_driver_sql("BEGIN")
        try:
            await connection.run_sync(run)
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                if broken:
                    raise RuntimeError(f"the migration left {len(broken)} rows pointing at nothing")
            await connection.commit()
        except BaseException:
            await connection.rollback()
            raise
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
