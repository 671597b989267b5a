"""Alembic environment: the engine comes from ``config.attributes['engine']`` (see casecoder/models/migrate.py)
or, for the plain ``alembic`` command, from CASECODER_DATABASE_URL.

Only this file reads the models: ``Base.metadata`` for ``alembic revision --autogenerate`` and the
search objects' ``include_name`` (not in the metadata). The scripts in versions/ import nothing from
casecoder; each carries the DDL of its own revision (tests/models/test_migrations.py checks it)."""
from __future__ import annotations

import os

from alembic import context

from casecoder.models import Base
from casecoder.models.derived.search import include_name
from casecoder.models.engine import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(os.environ["CASECODER_DATABASE_URL"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("casecoder migrations run online only")
run_migrations_online()
