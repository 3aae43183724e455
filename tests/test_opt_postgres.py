"""The joint search's trials in PostgreSQL: two worker processes share one study.

Runs only when CODELOOP_TEST_POSTGRES_URL names a database (an SQLAlchemy URL such as
``postgresql+psycopg2://user@/db?host=/tmp/sockdir``); `.ci/run` starts a throwaway cluster
and sets it when the PostgreSQL server binaries are on the machine.
"""

from __future__ import annotations

import os
import uuid

import optuna
import pytest
from test_opt_core import run_two_workers

from codeloop.optimizers.joint import open_storage

URL = os.environ.get("CODELOOP_TEST_POSTGRES_URL", "")

pytestmark = pytest.mark.skipif(
    not URL, reason="CODELOOP_TEST_POSTGRES_URL is not set (.ci/run sets it when it can start a PostgreSQL cluster)")


@pytest.fixture
def study_name():
    name = f"codeloop-test-{uuid.uuid4().hex[:12]}"  # several CI runs may share one database
    yield name
    try:
        optuna.delete_study(study_name=name, storage=URL)
    except KeyError:  # never created
        pass


@pytest.mark.slow
def test_two_worker_processes_share_one_study_in_postgresql(tmp_path, study_name):
    storage = open_storage(URL)  # creates the schema once, before the workers race to the study
    assert isinstance(storage, optuna.storages.RDBStorage)
    assert storage.engine.dialect.name == "postgresql", URL
    run_two_workers(tmp_path, URL, study_name)
