"""The sandbox's verdicts, limits, cache and lifecycle, through the public API."""

from __future__ import annotations

import math
import os
import threading
import time
import warnings

import pytest

from codeloop.exceptions import IsolationWarning, SandboxError
from codeloop.execution import AssertTest, IOTest, Limits, Sandbox, Status

FAST = Limits(timeout_s=1.0, candidate_timeout_s=4.0)


@pytest.fixture(scope="module")
def fast_sandbox():  # not conftest's sandbox: the timeout tests need FAST's short limits
    with Sandbox(workers=2, limits=FAST) as sb:
        yield sb


def statuses(result):
    return [v.status for v in result.verdicts]


def test_right_and_wrong_outputs_are_decided_in_the_parent(fast_sandbox):
    code = "def f(a, b=0):\n    return a + b\n"
    result = fast_sandbox.run(code, "f", [IOTest(args=(1, 2), expected=3), IOTest(args=(1,), kwargs={"b": 5}, expected=7)])
    assert statuses(result) == [Status.PASSED, Status.FAILED]
    assert result.verdicts[1].output == 6
    assert result.verdicts[1].reason == "expected 7, got 6"
    assert all(v.decided_in == "parent" for v in result.verdicts)
    assert not result.passed and result.pass_ratio == 0.5


@pytest.mark.parametrize(
    "value",
    [None, True, -7, 2**100, 1.5, "héllo\x00", b"\x00\xff", 1 + 2j, [1, [2]], (1, (2, 3)), {1, 2}, frozenset({3}),
     {"a": [1], (1, 2): {"b": None}}, math.inf, -math.inf],
)
def test_builtin_types_cross_the_boundary_intact(fast_sandbox, value):
    code = "def f(x):\n    return x\n"  # the value goes in encoded and comes back decoded
    verdict = fast_sandbox.run(code, "f", [IOTest(args=(value,), expected=value)]).verdicts[0]
    assert verdict.status is Status.PASSED, verdict.reason
    assert verdict.output == value and type(verdict.output) is type(value)


def test_nan_crosses_as_a_float_and_subclasses_cross_as_their_base(fast_sandbox):
    code = ("import collections\nP = collections.namedtuple('P', 'x y')\n"
            "def f(k):\n    return [float('nan'), collections.Counter('aab'), P(1, 2)][k]\n")
    nan, counter, point = fast_sandbox.run(code, "f", [IOTest(args=(k,), expected=None) for k in range(3)]).verdicts
    assert math.isnan(nan.output)
    assert counter.output == {"a": 2, "b": 1} and type(counter.output) is dict
    assert point.output == (1, 2) and type(point.output) is tuple


def test_unencodable_output_is_failed_with_a_reason(fast_sandbox):
    verdict = fast_sandbox.run("def f():\n    return object()\n", "f", [IOTest(expected=None)]).verdicts[0]
    assert verdict.status is Status.FAILED
    assert "'object'" in verdict.reason and "cannot cross" in verdict.reason


def test_float_tolerance_and_assertion_style_comparisons(fast_sandbox):
    code = "def f(x):\n    return x\n"
    tests = [
        IOTest(args=(0.1 + 0.2,), expected=0.3),
        IOTest(args=(0.1 + 0.2,), expected=0.3, atol=1e-9),
        IOTest(args=([1.0, 2.0000001],), expected=[1, 2], rtol=1e-6),
        IOTest(args=([0],), compare="truthy"),
        IOTest(args=(0,), compare="falsy"),
        IOTest(args=(1,), expected=True, compare="is"),
        IOTest(args=(True,), expected=True, compare="is"),
    ]
    assert statuses(fast_sandbox.run(code, "f", tests)) == [
        Status.FAILED, Status.PASSED, Status.PASSED, Status.PASSED, Status.PASSED, Status.FAILED, Status.PASSED]


def test_expected_values_never_enter_the_child(fast_sandbox):
    secret = "expected-" + os.urandom(8).hex()
    code = ("import gc\ndef f():\n    return any(isinstance(o, (str, dict, list)) and "
            f"'{secret[:9]}' + '{secret[9:]}' in str(o)[:10000] for o in gc.get_objects())\n")
    verdict = fast_sandbox.run(code, "f", [IOTest(expected=secret)]).verdicts[0]
    assert verdict.status is Status.FAILED
    assert verdict.output is False


def test_exceptions_timeouts_and_crashes_are_distinct(fast_sandbox):
    code = ("import ctypes, os\n"
            "def f(k):\n"
            "    if k == 0:\n        raise ValueError('bad k')\n"
            "    if k == 1:\n        while True:\n            pass\n"
            "    if k == 2:\n        os._exit(3)\n"
            "    if k == 3:\n        ctypes.string_at(0)\n"
            "    if k == 4:\n        return bytearray(10**10)\n"
            "    return k\n")
    result = fast_sandbox.run(code, "f", [IOTest(args=(k,), expected=k) for k in range(6)])
    error, timeout, exited, killed, memory, fine = result.verdicts
    assert (error.status, error.error_type, error.error_message) == (Status.ERROR, "ValueError", "bad k")
    assert timeout.status is Status.TIMEOUT and "per-test" in timeout.reason
    assert exited.status is Status.CRASHED and "code 3" in exited.reason
    assert killed.status is Status.CRASHED and "SIGSEGV" in killed.reason
    assert memory.status is Status.CRASHED and memory.reason == "memory limit exceeded"
    assert fine.status is Status.PASSED  # later tests still run in a fresh child


def test_candidate_time_limit_stops_the_remaining_tests(fast_sandbox):
    code = "import time\ndef f(k):\n    time.sleep(0.4)\n    return k\n"
    limits = Limits(timeout_s=1.0, candidate_timeout_s=1.0)
    result = fast_sandbox.run(code, "f", [IOTest(args=(k,), expected=k) for k in range(6)], limits)
    assert result.verdicts[0].status is Status.PASSED
    assert result.verdicts[-1].status is Status.TIMEOUT
    assert all(v.status in (Status.PASSED, Status.TIMEOUT) for v in result.verdicts)
    assert result.duration_s < 3.0


def test_load_failures_name_the_problem(fast_sandbox):
    syntax = fast_sandbox.run("def f(:\n", "f", [IOTest(expected=1)] * 2)
    assert statuses(syntax) == [Status.ERROR, Status.ERROR]
    assert syntax.verdicts[0].error_type == "SyntaxError"
    missing = fast_sandbox.run("def g():\n    return 1\ndef h():\n    pass\n", "f", [IOTest(expected=1)])
    assert missing.verdicts[0].status is Status.ERROR
    assert "'f' is not defined" in missing.verdicts[0].reason and "g, h" in missing.verdicts[0].reason
    hang = fast_sandbox.run("while True:\n    pass\ndef f():\n    return 1\n", "f", [IOTest(expected=1)] * 2,
                            Limits(timeout_s=0.3, candidate_timeout_s=2.0))
    assert statuses(hang) == [Status.TIMEOUT, Status.TIMEOUT]


def test_stdout_and_stderr_tails_are_kept_per_test_and_capped(fast_sandbox):
    code = "import sys\ndef f(k):\n    print('out', k)\n    print('x' * 5000, file=sys.stderr)\n    return k\n"
    limits = Limits(output_tail_bytes=100)
    first, second = fast_sandbox.run(code, "f", [IOTest(args=(1,), expected=1), IOTest(args=(2,), expected=2)],
                                     limits).verdicts
    assert first.stdout == "out 1\n" and second.stdout == "out 2\n"
    assert len(second.stderr) == 100 and set(second.stderr.strip()) == {"x"}


def test_assertion_tests_are_judged_in_the_parent_where_their_form_allows(fast_sandbox):
    code = "def add(a, b):\n    return a + b\n"
    tests = [
        AssertTest(code="assert add(1, 2) == 3"),
        AssertTest(code="def check(candidate):\n    assert candidate(2, 2) == 5, 'two and two'\n"),
        AssertTest(code="assert undefined_name"),
        AssertTest(code="for x in range(3):\n    assert add(x, 0) == x\n"),
    ]
    ok, bad, broken, loop = fast_sandbox.run(code, "add", tests).verdicts
    assert ok.status is Status.PASSED and ok.decided_in == "parent" and ok.output == 3
    assert bad.status is Status.FAILED and "two and two" in bad.reason and "candidate(2, 2) gave 4" in bad.reason
    assert bad.decided_in == "parent"
    assert broken.status is Status.ERROR and broken.error_type == "NameError" and broken.decided_in == "child"
    assert loop.status is Status.PASSED and loop.decided_in == "child"
    assert fast_sandbox.run(code, "add", tests).n_decided_in_child == 2


def test_split_assertions_keep_python_semantics(fast_sandbox):
    code = ("import math\ndef f(k):\n    if k == 9:\n        raise KeyError('nine')\n"
            "    if k == 4:\n        return (i for i in (2, 1))\n    return [None, 1.5, 7, [3, 1]][k]\n")
    tests = [AssertTest(code=c) for c in (
        "assert f(0) is None", "assert abs(f(1) - 1.4) < 0.2", "assert set(f(4)) == {1, 2}",
        "assert sorted(f(4)) == [1, 2]", "assert f(2) in (6, 7) and f(2) not in [1]", "assert f(1) < f(2) < 8",
        "assert f(2) == 7 or f(9) == 0", "assert f(2) == 8 or f(9) == 0", "assert f(3)[5] == 1",
        "import math\nassert math.isclose(f(1), 1.5000001, rel_tol=1e-6)", "assert len(f(3)) == 2 == len([1, 2])",
        "assert f(2) * 2 == 14, 'doubled'", "assert not f(0)", "assert isinstance(f(2), int)")]
    got = [(v.status, v.decided_in) for v in fast_sandbox.run(code, "f", tests).verdicts]
    p, f, e = Status.PASSED, Status.FAILED, Status.ERROR
    assert [g[0] for g in got] == [p, p, p, p, p, p, p, e, e, p, p, p, p, p]
    assert {g[1] for g in got} == {"parent"}
    raised, index = fast_sandbox.run(code, "f", tests[7:9]).verdicts
    assert raised.error_type == "KeyError" and index.error_type == "IndexError"
    assert fast_sandbox.run(code, "f", [AssertTest(code="assert f(2) == 8, 'eight'")]).verdicts[0].status is f


def test_always_equal_objects_and_shadowed_builtins_do_not_pass_assertions(fast_sandbox):
    liar = ("class Anything:\n    def __eq__(self, other):\n        return True\n"
            "    __hash__ = object.__hash__\ndef f(n):\n    return Anything()\n")
    verdict = fast_sandbox.run(liar, "f", [AssertTest(code="assert f(3) in (1, 2)")]).verdicts[0]
    assert verdict.status is Status.FAILED and "cannot cross" in verdict.reason
    shadow = ("def sorted(x):\n    return [1, 2, 3]\ndef len(x):\n    return 3\nset = lambda x: {1}\n"
              "def f(n):\n    return [3, 2]\n")
    tests = [AssertTest(code="assert sorted(f(0)) == [1, 2, 3]"), AssertTest(code="assert len(f(0)) == 3"),
             AssertTest(code="assert set(f(0)) == {1}"),
             AssertTest(code="for _ in range(1):\n    assert sorted(f(0)) == [1, 2, 3] and len(f(0)) == 3\n")]
    verdicts = fast_sandbox.run(shadow, "f", tests).verdicts
    assert [v.status for v in verdicts] == [Status.FAILED] * 4
    assert [v.decided_in for v in verdicts] == ["parent"] * 3 + ["child"]


def test_frames_written_at_import_never_pass_assertion_code_run_in_the_child(fast_sandbox):
    forger = ("import os, json, struct\n"
              "def _frame(obj):\n    body = json.dumps(obj).encode()\n    os.write(3, struct.pack('>I', len(body)) + body)\n"
              "_frame({'load': True, 'i': -1})\n"
              "for i in range(3):\n    _frame({'ok': True, 'v': None, 'i': i, 'n': 'x' * 32})\n"
              "os._exit(0)\ndef f(n):\n    return -1\n")
    tests = [AssertTest(code=f"for _ in range(1):\n    assert f({k}) == {k}\n") for k in range(3)]
    verdicts = fast_sandbox.run(forger, "f", tests).verdicts
    assert all(v.status is not Status.PASSED for v in verdicts), [v.reason for v in verdicts]
    honest = fast_sandbox.run("def f(n):\n    return n\n", "f", tests).verdicts
    assert [v.status for v in honest] == [Status.PASSED] * 3


def test_assertion_code_is_not_run_while_the_candidate_left_threads_running(fast_sandbox):
    code = ("import threading, time\nthreading.Thread(target=time.sleep, args=(5,), daemon=True).start()\n"
            "def f(n):\n    return n\n")
    loop = AssertTest(code="for _ in range(1):\n    assert f(1) == 1\n")
    split = AssertTest(code="assert f(1) == 1")
    child, parent = fast_sandbox.run(code, "f", [loop, split]).verdicts
    assert child.status is Status.ERROR and "thread" in child.reason
    assert parent.status is Status.PASSED


def test_results_are_cached_by_code_tests_and_limits(fast_sandbox):
    code = f"def f():\n    return {os.urandom(4).hex()!r}\n"
    tests = [IOTest(expected=1)]
    first = fast_sandbox.run(code, "f", tests)
    again = fast_sandbox.run(code, "f", tests)
    other_limits = fast_sandbox.run(code, "f", tests, Limits(timeout_s=1.5))
    assert not first.cached and again.cached and not other_limits.cached
    assert again.verdicts == first.verdicts


def test_bad_arguments_raise_errors_that_name_them(fast_sandbox):
    with pytest.raises(ValueError, match="entry must be a Python identifier, got 'no pe'"):
        fast_sandbox.run("", "no pe", [])
    with pytest.raises(ValueError, match="test 1: .*'object'"):
        fast_sandbox.run("def f(x):\n    return x\n", "f", [IOTest(args=(1,), expected=1), IOTest(args=(object(),))])
    with pytest.raises(ValueError, match="isolation must be 'auto', 'namespaces', 'strict' or 'none'"):
        Sandbox(isolation="docker")


def test_many_threads_share_one_pool(fast_sandbox):
    code = "def f(x):\n    return x * 2\n"
    errors: list[str] = []

    def worker(t: int) -> None:
        for i in range(15):
            n = t * 100 + i + 1
            result = fast_sandbox.run(code + f"# {n}\n", "f", [IOTest(args=(n,), expected=2 * n),
                                                                IOTest(args=(n,), expected=n)])
            if statuses(result) != [Status.PASSED, Status.FAILED]:
                errors.append(f"{n}: {statuses(result)}")

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_killed_zygote_is_replaced():
    with Sandbox(workers=1, limits=FAST) as sb:
        assert sb.run("def f():\n    return 1\n", "f", [IOTest(expected=1)]).passed
        dead = sb._zygote
        dead.proc.kill()
        dead.proc.wait()
        for _ in range(500):  # the pool notices the death on its own
            if not dead.alive:
                break
            time.sleep(0.01)
        assert not dead.alive
        assert sb.run("def f():\n    return 2\n", "f", [IOTest(expected=2)]).passed
        assert sb.zygote_restarts == 1


def test_closed_sandbox_refuses_work_and_leaves_no_process():
    sb = Sandbox(workers=1, limits=FAST).start()
    proc = sb._zygote.proc
    sb.run("def f():\n    return 1\n", "f", [IOTest(expected=1)])
    sb.close()
    assert proc.poll() is not None
    with pytest.raises(SandboxError, match="closed"):
        sb.run("def f():\n    return 1\n", "f", [IOTest(expected=1)])


def test_without_namespaces_verdicts_hold_and_a_warning_says_isolation_is_reduced(monkeypatch):
    from codeloop.execution import _sandbox

    monkeypatch.setattr(_sandbox, "_warned", set())
    monkeypatch.setattr(_sandbox, "_namespace_support", lambda: (False, "test says no"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Sandbox(workers=1, limits=FAST, isolation="auto") as sb:
            assert sb.isolation == "none"
            result = sb.run("import os\ndef f(k):\n    if k:\n        os._exit(0)\n    return 5\n", "f",
                            [IOTest(args=(0,), expected=5), IOTest(args=(1,), expected=5)])
    assert statuses(result) == [Status.PASSED, Status.CRASHED]
    messages = [str(w.message) for w in caught if issubclass(w.category, IsolationWarning)]
    assert len(messages) == 1 and "test says no" in messages[0]


def test_puzzle_answers_are_checked_by_sat_in_a_separate_child(fast_sandbox):
    from codeloop.execution import SatTest

    sat = "def sat(s: str):\n    return s.count('o') == 3 and 'oo' not in s\n"
    tests = [SatTest(sat=sat)]
    right = fast_sandbox.run("def sol():\n    return 'ho' * 3\n", "sol", tests).verdicts[0]
    wrong = fast_sandbox.run("def sol():\n    return 'ooo'\n", "sol", tests).verdicts[0]
    broken = fast_sandbox.run("def sol():\n    return 5\n", "sol", tests).verdicts[0]
    raising = fast_sandbox.run("def sol():\n    raise KeyError('k')\n", "sol", tests).verdicts[0]
    liar = fast_sandbox.run("class T:\n    def __bool__(self):\n        return True\n"
                            "def sol():\n    return T()\n", "sol", tests).verdicts[0]
    assert right.status is Status.PASSED and right.output == "hohoho"
    assert wrong.status is Status.FAILED and "did not return True" in wrong.reason
    assert broken.status is Status.FAILED and "AttributeError" in broken.reason  # sat raised on an int
    assert raising.status is Status.ERROR and raising.error_type == "KeyError"
    assert liar.status is Status.FAILED and "cannot cross" in liar.reason


def test_malformed_or_hostile_frames_become_verdicts_not_exceptions(fast_sandbox):
    code = ("import os, struct\ndef f(k):\n"
            "    body = [b'[' * 100000, b'{\"ok\": true, \"dt\": ' + b'9' * 400 + b'}',"
            " b'{\"ok\": true, \"v\": {\"c\": [' + b'9' * 400 + b', 0]}}', b'\\xff\\xfe'][k]\n"
            "    os.write(3, struct.pack('>I', len(body)) + body)\n    os._exit(0)\n")
    result = fast_sandbox.run(code, "f", [IOTest(args=(k,), expected=1) for k in range(4)])
    assert all(v.status is not Status.PASSED for v in result.verdicts)
    assert [v.status for v in result.verdicts][0] is Status.CRASHED


def test_huge_integers_cross_and_compare_under_tolerance(fast_sandbox):
    big = 7 ** 9000  # beyond Python's 4300-digit decimal conversion limit
    code = "def f(n):\n    return 7 ** n\n"
    exact, tolerant = fast_sandbox.run(code, "f", [IOTest(args=(9000,), expected=big),
                                                   IOTest(args=(9000,), expected=big, rtol=1e-9)]).verdicts
    assert exact.status is Status.PASSED and exact.output == big
    assert tolerant.status is Status.PASSED


def test_truthiness_is_judged_from_the_childs_bool_so_any_object_can_pass(fast_sandbox):
    code = "import re\ndef f(s):\n    return re.match('a+$', s)\n"
    yes, no = fast_sandbox.run(code, "f", [IOTest(args=("aaa",), compare="truthy"),
                                           IOTest(args=("abc",), compare="falsy")]).verdicts
    assert yes.status is Status.PASSED and no.status is Status.PASSED


def test_each_candidate_gets_an_empty_private_tmp(fast_sandbox):
    if not fast_sandbox.isolation.startswith("namespaces"):
        pytest.skip("private /tmp needs namespaces")
    writer = "import os\ndef f():\n    open('/tmp/left-behind', 'w').write('x')\n    return sorted(os.listdir('/tmp'))\n"
    reader = "import os\ndef f():\n    return sorted(os.listdir('/tmp'))\n"
    assert fast_sandbox.run(writer, "f", [IOTest(expected=["left-behind"])]).passed
    assert fast_sandbox.run(reader, "f", [IOTest(expected=[])]).passed


def test_the_candidate_sees_a_minimal_root_without_the_checkout_or_site_packages(fast_sandbox):
    if not fast_sandbox.isolation.startswith("namespaces") or "minimal root" in fast_sandbox.missing_protections:
        pytest.skip("the minimal root needs namespaces and pivot_root")
    import codeloop

    checkout = os.path.dirname(os.path.dirname(os.path.abspath(codeloop.__file__)))
    code = ("import os, sys, json\nCHECKOUT = " + repr(checkout) + "\ndef f(k):\n"
            "    if k == 0:\n        return sorted(os.listdir('/dev'))\n"
            "    if k == 1:\n        return [os.path.exists(p) for p in (CHECKOUT, '/etc/shadow', '/home', sys.modules['__main__'].__file__)]\n"
            "    if k == 2:\n        return sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
            "    if k == 3:\n        import hashlib, sqlite3, decimal\n        return hashlib.sha256(b'').hexdigest()[:6]\n"
            "    try:\n        import pydantic\n        return 'pydantic'\n    except ImportError:\n        return 'none'\n"
            )
    tests = [IOTest(args=(0,), expected=["fd", "full", "null", "random", "shm", "stderr", "stdin", "stdout", "urandom",
                                          "zero"]),
             IOTest(args=(1,), expected=[False] * 4), IOTest(args=(2,), expected=[1]),
             IOTest(args=(3,), expected="e3b0c4"), IOTest(args=(4,), expected="none")]
    result = fast_sandbox.run(code, "f", tests)
    assert [v.status for v in result.verdicts] == [Status.PASSED] * 5, [v.reason for v in result.verdicts]


def test_an_allow_list_makes_a_site_package_importable():
    pytest.importorskip("numpy")
    code = "def f():\n    import numpy\n    return int(numpy.arange(4).sum())\n"
    with Sandbox(workers=1, limits=FAST, allow_imports=("numpy",)) as sb:
        assert sb.run(code, "f", [IOTest(expected=6)]).passed
    with pytest.raises(ValueError, match="'no_such_package_xyz', which is not installed"):
        Sandbox(allow_imports=("no_such_package_xyz",)).start()


@pytest.mark.parametrize("way", ["as available", "network namespace"])
def test_each_candidate_has_its_own_ipc_and_abstract_sockets_and_no_vsock(way, monkeypatch):
    from codeloop.execution import _sandbox

    if way == "network namespace":
        monkeypatch.setattr(_sandbox, "_ZYGOTE_TEST_ARGS", ("--no-landlock",))
    with Sandbox(workers=1, limits=FAST, cache_size=0) as sandbox:
        if not sandbox.isolation.startswith("namespaces"):
            pytest.skip("private IPC and sockets need namespaces")
        if way == "network namespace":
            assert sandbox._zygote.socket_privacy == "a network namespace"
        _private_ipc_and_sockets(sandbox)


def _private_ipc_and_sockets(fast_sandbox):
    writer = ("import ctypes, socket\ndef f():\n    libc = ctypes.CDLL(None)\n"
              "    s = socket.socket(socket.AF_UNIX)\n    s.bind('\\0codeloop-test-abstract')\n"
              "    return libc.shmget(0x5EED, 4096, 0o1666) >= 0\n")
    reader = ("import ctypes, socket\ndef f():\n    libc = ctypes.CDLL(None)\n"
              "    s = socket.socket(socket.AF_UNIX)\n    s.bind('\\0codeloop-test-abstract')\n"  # free again
              "    try:\n        socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)\n        vsock = True\n"
              "    except OSError:\n        vsock = False\n"
              "    return [libc.shmget(0x5EED, 0, 0) >= 0, vsock]\n")
    assert fast_sandbox.run(writer, "f", [IOTest(expected=True)]).passed
    verdict = fast_sandbox.run(reader, "f", [IOTest(expected=[False, False])]).verdicts[0]
    assert verdict.status is Status.PASSED, verdict.reason
    if "per-candidate cgroups" in fast_sandbox.missing_protections:
        return  # without cgroups a candidate is one process: nothing of its own to meet
    # Within one candidate, its own processes still meet on an abstract socket.
    among = ("import os, socket\ndef f():\n    s = socket.socket(socket.AF_UNIX)\n    s.bind('\\0codeloop-own')\n"
             "    s.listen(1)\n    if os.fork() == 0:\n        c = socket.socket(socket.AF_UNIX)\n"
             "        c.connect('\\0codeloop-own')\n        c.sendall(b'hi')\n        os._exit(0)\n"
             "    conn, _ = s.accept()\n    return conn.recv(2).decode()\n")
    verdict = fast_sandbox.run(among, "f", [IOTest(expected="hi")]).verdicts[0]
    assert verdict.status is Status.PASSED, verdict.reason


def test_outputs_over_a_decoding_or_frame_limit_fail_naming_the_limit(fast_sandbox):
    forge = ("import os, json, struct\ndef f(k):\n    M = 2 ** 61 - 1\n"
             "    if k == 0:\n        v = {'s': [j * M + 7 for j in range(1, 2000)]}\n"
             "    else:\n        os.write(3, struct.pack('>I', 50 << 20) + b'{' * 1000)\n        os._exit(0)\n"
             "    body = json.dumps({'ok': True, 'i': k, 'v': v}).encode()\n"
             "    os.write(3, struct.pack('>I', len(body)) + body)\n    os._exit(0)\n")
    (flood,) = fast_sandbox.run(forge, "f", [IOTest(args=(0,), expected=1)]).verdicts
    (big,) = fast_sandbox.run(forge.replace("i': k", "i': 0"), "f", [IOTest(args=(1,), expected=1)]).verdicts
    assert flood.status is Status.FAILED and "share a hash value" in flood.reason
    assert big.status is Status.FAILED and "frame size limit" in big.reason


def test_strict_isolation_refuses_naming_each_missing_protection_and_auto_warns_once(monkeypatch):
    from codeloop.exceptions import SandboxUnavailable
    from codeloop.execution import _sandbox

    monkeypatch.setattr(_sandbox, "_warned", set())
    monkeypatch.setattr(_sandbox, "make_pool", lambda slots, processes: (None, "no cgroups in this test"))
    with pytest.raises(SandboxUnavailable, match=r"per-candidate cgroups \(no cgroups in this test"):
        Sandbox(workers=1, isolation="strict").start()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            with Sandbox(workers=1, limits=FAST) as sb:
                assert sb.run("def f():\n    return 1\n", "f", [IOTest(expected=1)]).passed
    messages = [str(w.message) for w in caught if issubclass(w.category, IsolationWarning)]
    assert len(messages) == 1 and "per-candidate cgroups: no cgroups in this test" in messages[0]
    monkeypatch.setattr(_sandbox, "_namespace_support", lambda: (False, "test says no"))
    with pytest.raises(SandboxUnavailable, match="strict isolation needs Linux namespaces.*test says no"):
        Sandbox(workers=1, isolation="strict").start()


def test_strict_isolation_runs_where_every_protection_is_in_place():
    with Sandbox(workers=1, limits=FAST, isolation="auto") as probe:
        if probe.missing_protections:
            pytest.skip(f"missing here: {sorted(probe.missing_protections)}")
    with Sandbox(workers=1, limits=FAST, isolation="strict") as sb:
        assert sb.run("def f():\n    return 1\n", "f", [IOTest(expected=1)]).passed
