"""Where the joint search keeps its trials, and how workers sharing a study coordinate.

Storage: an Optuna storage from a URL or journal path. Orphans: trials left RUNNING by a
killed process are failed so they can be sampled again. Claims: workers starting together
elect one maker of the candidates; the claim carries a heartbeat, so a worker on any host can
take over a claim that has gone silent, judged on its own clock.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import optuna
from optuna.trial import TrialState

from ...exceptions import ConfigError


def open_storage(storage: str | None) -> optuna.storages.BaseStorage:
    """An Optuna storage from a URL (``sqlite:///run/trials.db``, ``postgresql://...``), a
    journal file path (``*.log``/``*.journal``), or ``None`` for memory."""
    if storage is None:
        return optuna.storages.InMemoryStorage()
    if "://" in storage:
        return _rdb_storage(storage)
    if storage.endswith((".log", ".journal", ".jsonl")):
        from optuna.storages.journal import JournalFileBackend

        return optuna.storages.JournalStorage(JournalFileBackend(storage))
    raise ConfigError(f"unknown trial storage {storage!r}: give an RDB URL (sqlite:///path.db, "
                      "postgresql://user@host/db) or a journal file path ending in .log or .journal")


def _rdb_storage(url: str, attempts: int = 5) -> optuna.storages.RDBStorage:
    """Workers opening a fresh database together race to create Optuna's schema; the loser
    sees an integrity or operational error and simply tries again once the schema exists."""
    import sqlalchemy.exc

    for attempt in range(attempts):
        try:
            return optuna.storages.RDBStorage(url)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.OperationalError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: A trial is created (RUNNING) a moment before its process writes its pid on it; a trial
#: still without a pid this many seconds later, by our own clock, belongs to a process killed
#: in between.
ORPHAN_AFTER_S = 2.0


def fail_trial(storage: optuna.storages.BaseStorage, trial: optuna.trial.FrozenTrial) -> bool:
    """Mark ``trial`` failed; False if another worker finished it first."""
    try:
        storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
    except optuna.exceptions.UpdateFinishedTrialError:
        return False
    return True


def fail_orphaned_trials(study: optuna.Study, storage: optuna.storages.BaseStorage) -> int:
    """Mark failed the running trials whose process on this host is gone (killed runs), and
    those whose process died before it could say who it was.

    A trial without a pid is looked at again ``ORPHAN_AFTER_S`` later (this waits only when
    there is one): if it still has none, its process is gone. Timing it here, rather than
    from its recorded start, keeps other hosts' clocks out of it. Trials of live processes,
    and of other hosts (left to their heartbeats), are kept.
    """
    failed = 0
    host = socket.gethostname()
    nameless = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        attrs = trial.user_attrs
        if "pid" not in attrs:
            nameless.append(trial.number)
        elif attrs.get("host") == host and not _pid_alive(int(attrs["pid"])):
            failed += fail_trial(storage, trial)
    if nameless:
        time.sleep(ORPHAN_AFTER_S)
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if trial.number in nameless and "pid" not in trial.user_attrs:
                failed += fail_trial(storage, trial)
    return failed


HEARTBEAT_ATTR = "heartbeat"


class ClaimWatch:
    """Tells stale claims from live ones by their heartbeats, on this process's own clock.

    A worker making the candidates on another host cannot be checked by pid, so a claim
    carries a counter its process raises every few seconds; a claim whose counter has not
    moved for ``timeout`` seconds, as seen from here, is stale (its process is dead or cut
    off). Comparing counters rather than timestamps makes clocks of different hosts irrelevant.
    """

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self.clock = clock
        self._seen: dict[int, tuple[Any, float]] = {}

    def stale(self, trials: Sequence[optuna.trial.FrozenTrial]) -> list[optuna.trial.FrozenTrial]:
        now, out = self.clock(), []
        for trial in trials:
            if HEARTBEAT_ATTR not in trial.user_attrs:  # just made: its first beat is not written yet
                continue
            beat = trial.user_attrs[HEARTBEAT_ATTR]
            last = self._seen.get(trial.number)
            if last is None or last[0] != beat:
                self._seen[trial.number] = (beat, now)
            elif now - last[1] >= self.timeout:
                out.append(trial)
        return out


@contextlib.contextmanager
def heartbeat(trial: optuna.Trial, interval: float) -> Iterator[None]:
    """Raise ``trial``'s heartbeat counter every ``interval`` seconds while the block runs."""
    stop = threading.Event()

    def beat() -> None:
        count = 0
        while not stop.wait(interval):
            count += 1
            with contextlib.suppress(Exception):  # a missed beat only makes the claim look older
                trial.set_user_attr(HEARTBEAT_ATTR, count)

    trial.set_user_attr(HEARTBEAT_ATTR, 0)
    thread = threading.Thread(target=beat, name="codeloop-claim-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
