"""Background scheduler that moves clusters and steps through EMR's states.

Cluster: STARTING -> BOOTSTRAPPING -> WAITING <-> RUNNING -> TERMINATING -> TERMINATED[_WITH_ERRORS].
Steps follow the strict step model (``steps.model.StepBook``, the rules the in-process fake enforces
too): which PENDING steps start (in order, within StepConcurrencyLevel), what a failure's
ActionOnFailure does, when a cluster with KeepJobFlowAliveWhenNoSteps=false ends. This module runs the
steps as processes and tells the book how they ended.
All backend mutation happens under the shared ``lock`` (also held by EMR request handling).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from dataclasses import dataclass, field

from emr_contract import s3_layout

from .bootstrap import Bootstrapper, emulator_env
from ..config import EmulatorConfig
from ..steps.failure import failure_details, read_tail
from .models import EmulatedCluster
from ..s3_io import S3Store, S3Uri
from .scaling import EmulatorScaling
from ..steps.command import SHORT_JOB_JVM_OPTIONS, StepCommandError, build_command
from ..steps.model import ModelStep, StepBook
from ..steps.process import ProcessResult, StepProcess
from ..steps.workdir import StepWorkdir

BUSY_STEP_STATES = frozenset({"RUNNING", "CANCEL_PENDING"})
CANCEL_SIGNALS = {"SEND_INTERRUPT": signal.SIGTERM, "TERMINATE_PROCESS": signal.SIGKILL}


class LineSink(Protocol):
    """Receives each output line of a step as it is printed (e.g. a CloudWatch Logs writer)."""

    def __call__(self, cluster: EmulatedCluster, step: ModelStep, stream: str, line: str) -> None: ...


@dataclass
class StepRun:
    """A running step's process and what its end left behind."""

    process: StepProcess | None = None
    signalled: str | None = None  # the cancel option already sent as a signal
    exit_info: dict[str, Any] = field(default_factory=dict)


def next_boot_state(state: str, elapsed: float, config: EmulatorConfig) -> str | None:
    """The boot phase that follows ``state`` once ``elapsed`` seconds were spent in it, else None."""
    if state == "STARTING" and elapsed >= config.boot_seconds:
        return "BOOTSTRAPPING"
    if state == "BOOTSTRAPPING" and elapsed >= config.bootstrap_seconds:
        return "WAITING"
    return None


def step_log_prefix(log_uri: str | None, cluster_id: str, step_id: str) -> S3Uri | None:
    """``<LogUri>/<cluster-id>/steps/<step-id>/``, where EMR puts stdout.gz and stderr.gz."""
    return S3Uri.parse(s3_layout.step_log_prefix(log_uri, cluster_id, step_id).rstrip("/")) if log_uri else None


class Lifecycle:
    """Owns the scheduler thread and every step process."""

    def __init__(
        self,
        config: EmulatorConfig,
        lock: threading.RLock,
        *,
        endpoint_url: Callable[[], str],
        clock: Callable[[], float] = time.monotonic,
        line_sinks: list[LineSink] | None = None,
    ) -> None:
        self.config = config
        self.lock = lock
        self.clock = clock
        self.endpoint_url = endpoint_url
        self.line_sinks: list[LineSink] = list(line_sinks or [])
        self.clusters: dict[str, EmulatedCluster] = {}
        self.runs: dict[str, StepRun] = {}  # by step id
        self.bootstrap = Bootstrapper(config, endpoint_url)
        self.scaling = EmulatorScaling(float(config.clock_factor))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- thread control -------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-emr-scheduler", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Stop scheduling and kill every step process tree (SIGTERM, then SIGKILL)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self.lock:
            procs = [run.process for run in self.runs.values() if run.process is not None]
        killers = [threading.Thread(target=p.terminate_tree, args=(self.config.kill_grace_seconds,))
                   for p in procs]
        for t in killers:
            t.start()
        for t in killers:
            t.join()
        self.bootstrap.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                now = self.clock()
                for cluster in list(self.clusters.values()):
                    try:
                        self.tick(cluster, now)
                    except Exception as exc:  # keep scheduling the other clusters
                        print(f"local_emr: scheduler error on {cluster.id}: {exc!r}", file=sys.stderr)
            self._wake.wait(self.config.tick_seconds)
            self._wake.clear()

    def register(self, cluster: EmulatedCluster) -> None:
        self.clusters[cluster.id] = cluster
        self.wake()

    # ---- state machine (call with the lock held) -------------------------------------------

    def tick(self, cluster: EmulatedCluster, now: float) -> None:
        for step in cluster.book.steps:
            run = self.runs.get(step.id)
            if run is not None and run.process is not None and run.process.done.is_set():
                self._reap(cluster, step, run)
        state = cluster.state or ""
        following = next_boot_state(state, now - cluster.phase_started, self.config)
        # runs bootstrap actions, holds WAITING
        following = self.bootstrap.gate(cluster, state, following, steps_running=self._has_processes(cluster))
        if following:
            cluster.set_state(following, now)
            cluster.idle_since = now
        if cluster.state in ("WAITING", "RUNNING"):
            self._schedule(cluster, now)
        self.scaling.advance(cluster, now)
        if cluster.state == "TERMINATING":
            self._shut_down(cluster, now)

    def _schedule(self, cluster: EmulatedCluster, now: float) -> None:
        book = cluster.book
        for step in book.startable():
            book.start(step)
            self._start_step(cluster, step)
            if not cluster.is_active:
                return
        busy = any(s.state in BUSY_STEP_STATES for s in book.steps)
        if busy and cluster.state != "RUNNING":
            cluster.set_state("RUNNING", now, message="Running step")
        elif not busy and cluster.state != "WAITING":
            cluster.set_state("WAITING", now, message="Cluster ready after last step completed.")
            cluster.idle_since = now
        book.settle()  # KeepJobFlowAliveWhenNoSteps=false: ends the cluster once no step is left
        if not cluster.is_active or any(s.active for s in book.steps):
            return
        idle_timeout = (cluster.auto_termination_policy or {}).get("IdleTimeout")
        if idle_timeout and now - cluster.idle_since >= float(idle_timeout):
            cluster.begin_termination("ALL_STEPS_COMPLETED", "Cluster was idle for longer than IdleTimeout")

    def _shut_down(self, cluster: EmulatedCluster, now: float) -> None:
        """Stop the steps' processes (their ends are recorded when reaped), then end the cluster."""
        alive = False
        for step in cluster.book.steps:
            run = self.runs.get(step.id)
            if run is not None and run.process is not None:
                alive = True
                if run.signalled != "CLUSTER_TERMINATION":
                    run.signalled = "CLUSTER_TERMINATION"
                    threading.Thread(target=run.process.terminate_tree,
                                     args=(self.config.kill_grace_seconds,), daemon=True).start()
            elif step.active:  # nothing runs it (it never started): it ends with the cluster
                cluster.book.finish(step, StepBook.end_state_for(cluster.state_change_code or ""))
        if not alive and now - cluster.phase_started >= self.config.terminate_seconds:
            final = "TERMINATED_WITH_ERRORS" if cluster.terminate_with_errors else "TERMINATED"
            cluster.set_state(final, now)
            self.clusters.pop(cluster.id, None)

    def _has_processes(self, cluster: EmulatedCluster) -> bool:
        return any((run := self.runs.get(s.id)) is not None and run.process is not None for s in cluster.book.steps)

    # ---- steps ------------------------------------------------------------------------------

    def signal_cancels(self, cluster: EmulatedCluster) -> None:
        """After CancelSteps: signal each CANCEL_PENDING step's process by its option (SEND_INTERRUPT ->
        SIGTERM, TERMINATE_PROCESS -> SIGKILL), once per option."""
        for step in cluster.book.steps:
            run = self.runs.get(step.id)
            if (step.state == "CANCEL_PENDING" and run is not None and run.process is not None
                    and step.cancel_option and run.signalled != step.cancel_option):
                run.signalled = step.cancel_option
                run.process.send_signal(CANCEL_SIGNALS[step.cancel_option])
        self.wake()

    def _start_step(self, cluster: EmulatedCluster, step: ModelStep) -> None:
        work = StepWorkdir.create(self.config.work_dir, step.id, S3Store(cluster.emr_backend.account_id))
        run = self.runs[step.id] = StepRun()
        jar_step = step.hadoop_jar_step
        try:
            command = build_command(jar_step.get("Jar", ""), list(jar_step.get("Args") or []),
                                    jar_step.get("MainClass"), fetch=work.local_path)
            work.localize(command.resources)
            work.seal()
            proc = StepProcess(
                command.argv, cwd=work.cwd, env=self._step_env(cluster, step),
                on_line=lambda stream, line: self._emit(cluster, step, stream, work.rewrite(line)),
                on_exit=lambda result: self._finish_process(cluster, step, work, result),
            )
            proc.log_paths = work.log_paths  # beside the working directory, not in it
            proc.start()
            self.scaling.step_started(cluster, step.id, jar_step, self.clock())
        except (StepCommandError, OSError) as exc:
            with open(work.log_paths["stderr"], "w") as fh:
                fh.write(f"local_emr: cannot start step: {exc}\n")
            open(work.log_paths["stdout"], "w").close()
            result = ProcessResult(127, None, work.log_paths)
            self._finish_process(cluster, step, work, result)
            run.exit_info["reason"] = str(exc)
            self._complete(cluster, step, run, result)
            return
        run.process = proc

    def _step_env(self, cluster: EmulatedCluster, step: ModelStep) -> dict[str, str]:
        """The caller's environment, pointed at this emulator (never at real AWS); the cluster's
        bootstrap sandbox (its python for PySpark, its PATH) when it has one; a Spark JVM tuned for short jobs
        unless SPARK_SUBMIT_OPTS is set."""
        env = dict(os.environ)
        sandbox = self.bootstrap.sandbox_for(cluster.id)
        if sandbox is not None:
            env.update(PYSPARK_PYTHON=sandbox.python, PYSPARK_DRIVER_PYTHON=sandbox.python,
                       PATH=sandbox.search_path(env.get("PATH")))
        env.setdefault("PYSPARK_PYTHON", sys.executable)
        env.setdefault("PYSPARK_DRIVER_PYTHON", env["PYSPARK_PYTHON"])
        env.setdefault("SPARK_SUBMIT_OPTS", SHORT_JOB_JVM_OPTIONS)
        env.update(self.config.step_env)
        env = emulator_env(env, self.endpoint_url(), cluster.emr_backend.region_name)
        env.update(LOCAL_EMR_CLUSTER_ID=cluster.id, LOCAL_EMR_STEP_ID=step.id)
        return env

    def _emit(self, cluster: EmulatedCluster, step: ModelStep, stream: str, line: str) -> None:
        for sink in self.line_sinks:
            sink(cluster, step, stream, line)

    def _finish_process(self, cluster: EmulatedCluster, step: ModelStep, work: StepWorkdir,
                        result: ProcessResult) -> None:
        """Runs in the watcher thread before the step is reaped: write the S3 mirror back, ship logs
        like EMR (mirror paths shown as their s3:// URIs), then clean up."""
        try:
            written = work.finish()
        except Exception as exc:  # the step still ends, with what could be written
            written, work.notes = [], work.notes + [f"local_emr: writing the S3 mirror back failed: {exc!r}"]
        prefix = step_log_prefix(cluster.log_uri, cluster.id, step.id)
        info: dict[str, Any] = {"stderr_tail": read_tail(result.log_paths["stderr"]),
                                "stdout_tail": read_tail(result.log_paths["stdout"])}
        if prefix is not None:
            store = S3Store(cluster.emr_backend.account_id)
            for name, path in result.log_paths.items():
                if os.path.exists(path):
                    store.put_gzip_file(prefix.join(f"{name}.gz"), path)
            with open(work.controller_log, "w") as fh:
                fh.write(f"local_emr: step {step.id} jar={step.hadoop_jar_step.get('Jar')} "
                         f"args={step.hadoop_jar_step.get('Args')!r}\n"
                         f"local_emr: process exited with code {result.returncode}\n")
                fh.writelines(f"local_emr: {c.action} {c.uri}\n" for c in written)
                fh.writelines(f"{note}\n" for note in work.notes)
            store.put_gzip_file(prefix.join("controller.gz"), work.controller_log)
            info["log_file"] = str(prefix.join("stderr.gz"))
            info["stdout_log_file"] = str(prefix.join("stdout.gz"))
        self.runs.setdefault(step.id, StepRun()).exit_info.update(info)
        work.remove()

    def _reap(self, cluster: EmulatedCluster, step: ModelStep, run: StepRun) -> None:
        assert run.process is not None and run.process.result is not None
        result = run.process.result
        run.process = None
        self._complete(cluster, step, run, result)

    def _complete(self, cluster: EmulatedCluster, step: ModelStep, run: StepRun, result: ProcessResult) -> None:
        """Tell the book how the step ended: CANCELLED after a cancel, as the cluster's end decides when the
        cluster is going down, else by the exit code (FAILED with FailureDetails; the book then applies the
        step's ActionOnFailure)."""
        self.runs.pop(step.id, None)
        self.scaling.step_ended(cluster, step.id, self.clock())
        if not step.active:
            return
        book = cluster.book
        if step.state == "CANCEL_PENDING":
            book.finish(step, "CANCELLED", message="Cancelled by user request")
        elif not cluster.is_active:
            book.finish(step, StepBook.end_state_for(cluster.state_change_code or ""),
                        message="Cancelled because the cluster terminated")
        elif result.ok:
            book.finish(step, "COMPLETED")
        else:
            info = run.exit_info
            details = failure_details(result.returncode, info.get("stderr_tail", []), info.get("log_file"),
                                      info.get("stdout_tail", []), info.get("stdout_log_file"))
            if info.get("reason"):
                details["Reason"] = info["reason"]
            book.finish(step, "FAILED", failure=details, message=details.get("Reason"))
