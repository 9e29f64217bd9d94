import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("CHECKPOINT_DISABLE", "1")


def require_terraform_mirror(also: bool = True, what: str = "") -> None:
    """Skip the calling test module unless terraform and the provider mirror (and ``also``) are
    there; never skips in CI, where a missing tool must fail loudly."""
    from scripts import terraform as tf

    if not (tf.mirror_available() and also) and not os.environ.get("CI"):
        pytest.skip(f"needs terraform and the provider mirror at /opt/tf-plugins{what} (never skipped in CI)",
                    allow_module_level=True)


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    """cdktf's ``Testing``, imported by many test modules, is no test class. Saying so here spares pytest
    looking up its source to warn about it: a parse of cdktf's generated module, 1.5 s per test module."""
    if name == "Testing" and getattr(obj, "__module__", "").split(".")[0] in ("cdktf", "cdktn"):
        return []
    return None


ROOT = Path(__file__).resolve().parent.parent
CHECKOV = Path(os.environ.get("EMR_CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))


@pytest.fixture(scope="session")
def security_scan(tmp_path_factory) -> dict:
    """`python -m scripts.security --keep DIR` once per test run: the first worker to ask runs it, the others wait
    on a lock and read its result. tests/test_security_scan.py checks the verdict; test_terraform_plan reads the
    scan's plan of emr-autoscaling instead of planning that stack a second time. ``dir`` holds plan/<stack>.tfplan.json."""
    shared = tmp_path_factory.getbasetemp()
    shared = shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared
    keep, done = shared / "security-scan", shared / "security-scan.json"
    with open(shared / "security-scan.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            # At a lower priority: the scan (mostly checkov) is off the suite's critical path, the deployments
            # to the emulator (their terraform and provider processes) are on it.
            result = subprocess.run([sys.executable, "-m", "scripts.security", "--keep", str(keep)], cwd=ROOT,
                                    capture_output=True, text=True, timeout=900, preexec_fn=lambda: os.nice(10))
            done.write_text(json.dumps({"returncode": result.returncode, "stdout": result.stdout,
                                        "stderr": result.stderr}))
    return dict(json.loads(done.read_text()), dir=keep)


def synth_json(stack) -> dict:
    from cdktf import Testing

    return json.loads(Testing.synth(stack))


def resources_of(synth: dict, type_: str) -> list[dict]:
    """The resources of one type, without cdktf's metadata."""
    found = synth.get("resource", {}).get(type_, {})
    return [{k: v for k, v in body.items() if k != "//"} for body in found.values()]


def one_resource(synth: dict, type_: str) -> dict:
    found = resources_of(synth, type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="session")
def build_stack():
    """Build an example stack in a fresh Testing app: ``build_stack(spec, env={})``."""
    from cdktf import Testing

    from stacks.emr_stack import EmrStack
    from stacks.environment import Environment

    def build(spec, env=None):
        return EmrStack(Testing.app(), spec, Environment.from_env(env or {}))

    return build


# ---- unit / integration ----------------------------------------------------------------------------------
# The rule: a test is ``integration`` when it, its class or its module (``pytestmark``) is marked so; every
# other test gets ``unit`` here. ``make unit`` runs ``-m unit``. The guard below keeps the rule honest: while a
# unit test (its setup, call or teardown) runs, starting a process, binding or connecting an inet socket, or a
# time.sleep longer than UNIT_SLEEP_LIMIT fails it. The jsii kernel (the node process cdktf talks to, started
# once per Python process on first use) is allowed: it is how cdktf runs in-process, not a tool the test runs.
# Threads alive before the test (a worker's own, a stopped emulator's leftovers) are not watched. Python 3.12+
# audits every time.sleep; on 3.11 the guard swaps ``time.sleep`` itself, so a sleep bound before the test
# (``from time import sleep``, a ``sleep=time.sleep`` default) goes unseen there.

UNIT_SLEEP_LIMIT = 0.01
_PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec", "os.fork",
                   "os.forkpty", "pty.spawn"}
_WATCHED = _PROCESS_EVENTS | {"socket.bind", "socket.connect", "time.sleep"}


class UnitTestOutOfBounds(RuntimeError):
    """A unit test did what only an integration test may do."""


class _UnitGuard:
    def __init__(self) -> None:
        self.active = False
        self.old_threads: frozenset[int] = frozenset()
        self.broken: list[str] = []

    def audit(self, event: str, args: tuple) -> None:
        if not self.active or event not in _WATCHED:
            return
        if threading.get_ident() in self.old_threads and threading.current_thread() is not threading.main_thread():
            return
        if event == "time.sleep":
            if args[0] <= UNIT_SLEEP_LIMIT:
                return
            what = f"time.sleep({args[0]})"
        elif event.startswith("socket."):
            if not isinstance(args[1], tuple) or _ipv6_probe(event, args[1]):
                return
            what = f"{event} {args[1]!r}"
        else:
            if event == "subprocess.Popen" and _from_jsii():
                return
            what = f"{event} {args[1] if event == 'subprocess.Popen' else args[:1]!r}"
        self.broken.append(what)
        raise UnitTestOutOfBounds(f"a unit test did {what}: mark it integration, or fake it")

    def sleep(self, seconds: float) -> None:
        """time.sleep while a unit test runs, on Pythons that do not audit it."""
        self.audit("time.sleep", (seconds,))
        _REAL_SLEEP(seconds)

    def run(self, item: pytest.Item):
        if item.get_closest_marker("unit") is None:
            return (yield)
        self.active, self.broken = True, []
        self.old_threads = frozenset(t.ident for t in threading.enumerate() if t.ident is not None)
        if sys.version_info < (3, 12):
            time.sleep = self.sleep
        try:
            result = yield
        finally:
            self.active = False
            time.sleep = _REAL_SLEEP
        if self.broken:
            raise UnitTestOutOfBounds(f"{item.nodeid} is marked unit but did: {'; '.join(self.broken)}")
        return result


def _from_jsii() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_globals.get("__name__", "").startswith("jsii._kernel"):
            return True
        frame = frame.f_back
    return False


def _ipv6_probe(event: str, address: tuple) -> bool:
    """urllib3's import-time check for IPv6 (HAS_IPV6): a bind to ('::1', 0) that reaches no network. A unit test
    may be the first in its process to import botocore (raw_json checks shapes with it)."""
    if event != "socket.bind" or address[:2] != ("::1", 0):
        return False
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "_has_ipv6" and frame.f_globals.get("__name__") == "urllib3.util.connection":
            return True
        frame = frame.f_back
    return False


_REAL_SLEEP = time.sleep
_GUARD = _UnitGuard()
sys.addaudithook(_GUARD.audit)


# Files that take longest (terraform's provider waits, checkov, Spark) go first: `make test` hands files to workers
# in collection order (--dist loadfile --no-loadscope-reorder). xdist gives each worker two files at the start, so
# the four longest are followed by four short unit files (the ones those workers queue behind them), then the
# other slow files, the other integration files and the unit files, each group in collection order.
SLOW_FIRST = (
    "tests/local_emr/test_le_shipped_stacks.py",
    "tests/test_e2e_local.py",
    "tests/test_security_scan.py",
    "tests/local_emr/test_le_workdir_pyspark.py",
    "tests/emr_constructs/test_terraform_validate.py",
    "tests/local_emr/test_le_explain_pyspark.py",
)
STARTED_AT_ONCE = 4


def pytest_collection_modifyitems(config, items):
    for item in items:
        marks = {m.name for m in item.iter_markers() if m.name in ("unit", "integration")}
        if marks == {"unit", "integration"}:
            raise pytest.UsageError(f"{item.nodeid} is marked both unit and integration")
        if not marks:
            item.add_marker(pytest.mark.unit)
    files: dict[str, bool] = {}  # each file once, in collection order: is it a unit file (its first test)?
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], item.get_closest_marker("unit") is not None)
    slow = [f for f in SLOW_FIRST if f in files]
    rest = [f for f in files if f not in slow]
    units = [f for f in rest if files[f]]
    order = (slow[:STARTED_AT_ONCE] + units[:STARTED_AT_ONCE] + slow[STARTED_AT_ONCE:]
             + [f for f in rest if not files[f]] + units[STARTED_AT_ONCE:])
    rank = {f: i for i, f in enumerate(order)}
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _GUARD.run(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _GUARD.run(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    return (yield from _GUARD.run(item))
