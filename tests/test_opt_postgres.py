"""The joint search's trials in PostgreSQL: two worker processes share one study.

Runs only when CODELOOP_TEST_POSTGRES_URL names a database (an SQLAlchemy URL such as
``postgresql+psycopg2://user@/db?host=/tmp/sockdir``); `.ci/run` starts a throwaway cluster
and sets it when the PostgreSQL server binaries are on the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import optuna
import pytest

from codeloop.optimizers._joint import open_storage

URL = os.environ.get("CODELOOP_TEST_POSTGRES_URL", "")

pytestmark = pytest.mark.skipif(
    not URL, reason="CODELOOP_TEST_POSTGRES_URL is not set (.ci/run sets it when it can start a PostgreSQL cluster)")

WORKER = textwrap.dedent("""
    import os, sys
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    sys.path.insert(0, {tests!r})
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from test_opt_core import joint, tiny_data
    from codeloop.execution import Sandbox
    from codeloop.modules import CodeFromExamples
    train, dev = tiny_data()
    with Sandbox(workers=1) as box:
        opt = joint(box, n_trials=6, storage={url!r}, study_name={study!r}, full_eval_top=1)
        opt.compile(CodeFromExamples(), trainset=train, valset=dev)
    print("evaluated", len([t for t in opt.trials if t.kind == "candidate"]))
""")


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
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(tests=os.path.dirname(__file__), url=URL, study=study_name))
    workers = [subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=600) for w in workers]
    assert all(w.returncode == 0 for w in workers), [o[1][-2000:] for o in outputs]
    evaluated = [int(o[0].split()[-1]) for o in outputs]
    pids = {w.pid for w in workers}
    study = optuna.load_study(study_name=study_name, storage=storage)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) >= 6
    fresh = [t for t in complete if "reused_from" not in t.user_attrs]
    assert sum(evaluated) == len(fresh)  # each recorded trial was evaluated once, by one of the workers
    assert {t.user_attrs["pid"] for t in study.trials} == pids  # both took trials from the shared study
