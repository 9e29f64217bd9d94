"""Bootstrap actions: run a cluster's ``BootstrapActions`` during BOOTSTRAPPING, in a per-cluster sandbox.

The sandbox (created only for a cluster that has bootstrap actions):

    <root>/venv/      a virtualenv over the emulator's interpreter and its packages (pyspark stays
                      importable); ``python``, ``python3``, ``pip``, ``pip3`` resolve here first
    <root>/shims/     ``sudo`` runs its command as you, without elevation; package managers and
                      service managers (``NOT_EMULATED``) print "local_emr: <cmd> is not emulated", exit 1
    <root>/home/hadoop, <root>/tmp      HOME and TMPDIR of the actions
    <root>/bootstrap-actions/<n>/       action n's script, its working directory and logs

Actions run in order, each as one process group; the first that fails (or cannot be fetched) ends
the cluster TERMINATED_WITH_ERRORS, BOOTSTRAP_FAILURE. Each action's stdout, stderr and controller
log go to ``<LogUri>/<cluster-id>/node/<instance-id>/bootstrap-actions/<n>/*.gz``. Steps of the
cluster then run with the sandbox's python as PYSPARK_PYTHON and its PATH.

This is no container: a script runs as your user on your machine. The shims only stop the
commands that would install packages or start services on the host.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import venv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import EmulatorConfig
from ..s3_io import S3Store, S3Uri

# ---- EMR's facts ---------------------------------------------------------------------------------
# The reason code is ClusterStateChangeReasonCode BOOTSTRAP_FAILURE (EMR API reference,
# ClusterStateChangeReason). AWS does not document the messages; these are as EMR printed them:
# - non-zero exit: "On the master instance (i-02093432d9c865f08), bootstrap action 1 returned a
#   non-zero return code" (github.com/Wittline/pyspark-on-aws-emr issue 4; Yelp/mrjob
#   mrjob/logs/bootstrap.py parses the same sentence);
# - missing script: "Master instance (i-0000000000000000) failed attempting to download bootstrap
#   action 1 file from S3" (github.com/aws-samples/emr-bootstrap-actions issue 220).
# Log layout <log-uri>/node/<instance-id>/bootstrap-actions/<n>/stderr.gz: mrjob logs/bootstrap.py
# (_EMR_BOOTSTRAP_STDERR_PATH_RE). Working directory /mnt/var/lib/bootstrap-actions/<n>: an EMR
# controller log quoted in Yelp/mrjob issue 491. EMR also writes "controller" there; ours is shorter.
BOOTSTRAP_FAILURE = "BOOTSTRAP_FAILURE"
NONZERO_MESSAGE = "On the master instance ({instance}), bootstrap action {n} returned a non-zero return code"
DOWNLOAD_MESSAGE = "Master instance ({instance}) failed attempting to download bootstrap action {n} file from S3"
LOG_NAMES = ("stdout", "stderr", "controller")

NOT_EMULATED = ("yum", "dnf", "rpm", "systemctl", "apt-get", "apt", "service")
"""Commands that would change the host's system: shims that refuse."""


def emulator_env(base: Mapping[str, str], endpoint_url: str, region: str) -> dict[str, str]:
    """``base`` pointed at the emulator, never at real AWS: endpoint, fake keys, region."""
    env = dict(base)
    env.update({
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "LOCAL_EMR": "1",
    })
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    return env


def sudo_command(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """What ``sudo args...`` runs: (its VAR=value assignments, the command), sudo's own options dropped.

    Rendered into the sandbox's ``sudo`` shim (stdlib only, like sudo's getopt: ``-u user``,
    ``-Eu user``, ``--user=x``, ``--user x``, ``--`` ends the options).
    """
    value_short = "aCcDgpRrTtUu"
    value_long = ("--auth-type", "--chdir", "--chroot", "--close-from", "--command-timeout", "--group",
                  "--host", "--login-class", "--other-user", "--prompt", "--role", "--type", "--user")
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if arg.startswith("--"):
            i += 2 if arg in value_long else 1
            continue
        if arg.startswith("-") and len(arg) > 1:
            i += 1
            for pos, flag in enumerate(arg[1:], 1):
                if flag in value_short:
                    if pos == len(arg) - 1:
                        i += 1
                    break
            continue
        break
    rest = list(args[i:])
    assignments: dict[str, str] = {}
    while rest and "=" in rest[0] and rest[0].split("=", 1)[0].isidentifier():
        name, value = rest.pop(0).split("=", 1)
        assignments[name] = value
    return assignments, rest


SUDO_SHIM = '''import os
import sys

SHIMS = {shims!r}
NOT_EMULATED = {not_emulated!r}


{sudo_command}

assignments, command = sudo_command(sys.argv[1:])
if not command:
    sys.exit(0)
if os.path.basename(command[0]) in NOT_EMULATED:
    command[0] = os.path.join(SHIMS, os.path.basename(command[0]))
try:
    os.execvpe(command[0], command, dict(os.environ, **assignments))
except OSError:
    print("sudo: %s: command not found" % command[0], file=sys.stderr)
    sys.exit(1)
'''


@dataclass(frozen=True)
class Action:
    name: str
    path: str
    args: tuple[str, ...]


def cluster_actions(cluster: Any) -> list[Action]:
    """RunJobFlow's ``BootstrapActions[].ScriptBootstrapAction`` as moto keeps them."""
    return [Action(a.name, a.script_path or "", tuple(a.args or ())) for a in getattr(cluster, "bootstrap_actions", [])]


def master_instance_id(cluster: Any) -> str:
    """The master's EC2 id (moto makes instances for instance groups); a stable made-up one otherwise."""
    for instance in getattr(cluster, "ec2_instances", []):
        if getattr(instance.instance_group, "role", None) == "MASTER":
            return str(instance.ec2_instance_id)
    return "i-" + hashlib.sha256(cluster.id.encode()).hexdigest()[:17]


def action_log_prefix(log_uri: str | None, cluster_id: str, instance_id: str, n: int) -> S3Uri | None:
    base = S3Uri.parse(log_uri) if log_uri else None
    return base.join(cluster_id, "node", instance_id, "bootstrap-actions", str(n)) if base else None


def emulator_site_dirs() -> list[str]:
    """Where the emulator's own packages live (its virtualenv, user site): the sandbox sees them too."""
    return [p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and os.path.isdir(p)]


class Sandbox:
    """A cluster's virtualenv, shims, HOME and TMPDIR under ``root``."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.venv = os.path.join(root, "venv")
        self.bin = os.path.join(self.venv, "bin")
        self.python = os.path.join(self.bin, "python")
        self.shims = os.path.join(root, "shims")
        self.home = os.path.join(root, "home", "hadoop")
        self.tmp = os.path.join(root, "tmp")

    def create(self) -> None:
        """About 0.1 s: no pip is installed into the venv, ``pip`` runs the emulator's pip in it."""
        venv.EnvBuilder(system_site_packages=True, with_pip=False, symlinks=True).create(self.venv)
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        site_packages = os.path.join(self.venv, "lib", version, "site-packages")
        with open(os.path.join(site_packages, "_local_emr_emulator_site.pth"), "w") as fh:
            for path in emulator_site_dirs():  # after the venv's own: what the actions install wins
                fh.write(f"import site; site.addsitedir({path!r})\n")
        for name in ("pip", "pip3", f"pip{sys.version_info.major}.{sys.version_info.minor}"):
            self._script(os.path.join(self.bin, name), f'exec "{self.python}" -m pip "$@"')
        os.makedirs(self.shims, exist_ok=True)
        with open(os.path.join(self.shims, "sudo.py"), "w") as fh:
            fh.write(SUDO_SHIM.format(shims=self.shims, not_emulated=NOT_EMULATED,
                                      sudo_command=inspect.getsource(sudo_command)))
        self._script(os.path.join(self.shims, "sudo"),
                     f'exec "{sys.executable}" -S "{os.path.join(self.shims, "sudo.py")}" "$@"')
        for name in NOT_EMULATED:
            self._script(os.path.join(self.shims, name), f'echo "local_emr: {name} is not emulated" >&2\nexit 1')
        os.makedirs(self.home, exist_ok=True)
        os.makedirs(self.tmp, exist_ok=True)

    @staticmethod
    def _script(path: str, body: str) -> None:
        with open(path, "w") as fh:
            fh.write(f"#!/bin/sh\n{body}\n")
        os.chmod(path, 0o755)

    def search_path(self, path: str | None) -> str:
        return os.pathsep.join([self.bin, self.shims] + ([path] if path else []))

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """The actions' environment: the sandbox first on PATH, HOME and TMPDIR inside it."""
        env = dict(base)
        env.update({
            "PATH": self.search_path(base.get("PATH")),
            "VIRTUAL_ENV": self.venv,
            "HOME": self.home,
            "TMPDIR": self.tmp,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
        })
        env.pop("PYTHONHOME", None)
        return env

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class BootstrapRun:
    """One cluster's actions, run in a thread; ``done`` is set when they finished, ``failure`` says why not."""

    def __init__(self, *, cluster_id: str, instance_id: str, actions: list[Action], sandbox: Sandbox,
                 env: dict[str, str], store: S3Store, log_uri: str | None) -> None:
        self.cluster_id = cluster_id
        self.instance_id = instance_id
        self.actions = actions
        self.sandbox = sandbox
        self.env = env
        self.store = store
        self.log_uri = log_uri
        self.done = threading.Event()
        self.failure: str | None = None
        self._cancelled = False
        self._groups: list[int] = []  # process groups: a script may leave a daemon behind, as on EMR
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"local-emr-bootstrap-{cluster_id}", daemon=True)

    def start(self) -> BootstrapRun:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.sandbox.create()
            env = self.sandbox.env(self.env)
            for n, action in enumerate(self.actions, 1):
                failure = self._run_action(n, action, env)
                if failure or self._cancelled:
                    self.failure = failure
                    return
        except Exception as exc:  # the cluster must not hang in BOOTSTRAPPING
            self.failure = f"local_emr: bootstrap actions could not run: {exc!r}"
        finally:
            self.done.set()

    def _fetch(self, path: str, folder: str) -> str | None:
        """The script, in the action's folder; None when it cannot be had."""
        if S3Uri.parse(path) is not None:
            data = self.store.get(path)
        else:
            local = path[len("file:"):] if path.startswith("file:") else path
            try:
                with open(local, "rb") as fh:
                    data = fh.read()
            except OSError:
                data = None
        if data is None:
            return None
        script = os.path.join(folder, os.path.basename(path.rstrip("/")) or "bootstrap-action")
        with open(script, "wb") as fh:
            fh.write(data)
        os.chmod(script, 0o755)
        return script

    def _run_action(self, n: int, action: Action, env: dict[str, str]) -> str | None:
        folder = os.path.join(self.sandbox.root, "bootstrap-actions", str(n))
        os.makedirs(folder, exist_ok=True)
        logs = {name: os.path.join(folder, name) for name in LOG_NAMES}
        script = self._fetch(action.path, folder)
        if script is None:
            with open(logs["stderr"], "w") as fh:
                fh.write(f"local_emr: {action.path} does not exist (the emulator's S3 has no such object)\n")
            open(logs["stdout"], "w").close()
            self._controller(logs, f"bootstrap action {n} ({action.name}): cannot download {action.path}")
            self._ship(n, logs)
            return DOWNLOAD_MESSAGE.format(instance=self.instance_id, n=n)
        with open(script, "rb") as fh:
            has_shebang = fh.read(2) == b"#!"
        argv = [script, *action.args] if has_shebang else ["/bin/bash", script, *action.args]
        with open(logs["stdout"], "wb") as out, open(logs["stderr"], "wb") as err, self._lock:
            if self._cancelled:
                return None
            try:
                proc = subprocess.Popen(argv, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=err, start_new_session=True)
                self._groups.append(proc.pid)
            except OSError as exc:  # e.g. a shebang naming an interpreter this machine lacks
                err.write(f"local_emr: cannot execute {action.path}: {exc}\n".encode())
                proc = None
        code = proc.wait() if proc is not None else 127
        self._controller(logs, f"bootstrap action {n} ({action.name}): {' '.join([action.path, *action.args])}\n"
                               f"local_emr: execution ended with return code {code}")
        self._ship(n, logs)
        return None if code == 0 or self._cancelled else NONZERO_MESSAGE.format(instance=self.instance_id, n=n)

    @staticmethod
    def _controller(logs: dict[str, str], text: str) -> None:
        with open(logs["controller"], "w") as fh:
            fh.write(f"local_emr: {text}\n")

    def _ship(self, n: int, logs: dict[str, str]) -> None:
        prefix = action_log_prefix(self.log_uri, self.cluster_id, self.instance_id, n)
        if prefix is None:
            return
        for name, path in logs.items():
            if os.path.exists(path):
                self.store.put_gzip_file(prefix.join(f"{name}.gz"), path)

    def close(self, timeout: float = 10.0) -> None:
        """Kill whatever the actions left running, then remove the sandbox."""
        with self._lock:
            self._cancelled = True
            for group in self._groups:
                try:
                    os.killpg(group, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self._thread.join(timeout)
        self.sandbox.remove()


class Bootstrapper:
    """The lifecycle's boot-phase hook: starts a cluster's actions, holds WAITING until they end."""

    def __init__(self, config: EmulatorConfig, endpoint_url: Callable[[], str]) -> None:
        self.config = config
        self.endpoint_url = endpoint_url
        self._runs: dict[str, BootstrapRun] = {}

    def gate(self, cluster: Any, state: str, following: str | None, steps_running: bool = False) -> str | None:
        """The boot state to move to now (``following`` unless the actions hold it back); call with the lock.
        ``steps_running``: step processes still use the cluster's sandbox (it is removed once they are gone)."""
        run = self._runs.get(cluster.id)
        if not cluster.is_active:
            if run is not None and not steps_running:
                self._runs.pop(cluster.id).close()
            return following
        if following == "BOOTSTRAPPING" and run is None:
            actions = cluster_actions(cluster)
            if actions:  # no actions: no sandbox, nothing to wait for
                self._runs[cluster.id] = self._start(cluster, actions)
            return following
        if state == "BOOTSTRAPPING" and run is not None:
            if not run.done.is_set():
                return None
            if run.failure:
                cluster.begin_termination(BOOTSTRAP_FAILURE, run.failure, with_errors=True)
                return None
        return following

    def _start(self, cluster: Any, actions: list[Action]) -> BootstrapRun:
        region = cluster.emr_backend.region_name
        env = emulator_env(os.environ, self.endpoint_url(), region)
        env["LOCAL_EMR_CLUSTER_ID"] = cluster.id
        root = tempfile.mkdtemp(prefix=f"local-emr-{cluster.id}-", dir=self.config.work_dir)
        return BootstrapRun(cluster_id=cluster.id, instance_id=master_instance_id(cluster), actions=actions,
                            sandbox=Sandbox(root), env=env, store=S3Store(cluster.emr_backend.account_id),
                            log_uri=cluster.log_uri).start()

    def sandbox_for(self, cluster_id: str) -> Sandbox | None:
        """The sandbox a cluster's steps run with, once its actions succeeded."""
        run = self._runs.get(cluster_id)
        return run.sandbox if run is not None and run.done.is_set() and not run.failure else None

    def stop(self) -> None:
        for cluster_id in list(self._runs):
            self._runs.pop(cluster_id).close()
