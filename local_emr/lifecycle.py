"""Background scheduler that moves clusters and steps through EMR's states.

Cluster: STARTING -> BOOTSTRAPPING -> WAITING <-> RUNNING -> TERMINATING -> TERMINATED[_WITH_ERRORS].
Step: PENDING -> RUNNING -> COMPLETED | FAILED | CANCELLED (CANCEL_PENDING while a cancel signal
is in flight). Steps start in submission order, at most StepConcurrencyLevel at a time.
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

from .bootstrap import Bootstrapper, emulator_env
from .config import EmulatorConfig
from .failure import UNKNOWN_REASON, failure_details, read_tail
from .models import ENDED_STEP_STATES, EmulatedCluster, EmulatedStep
from .s3_io import S3Store, S3Uri
from .step_command import StepCommandError, build_command
from .step_process import ProcessResult, StepProcess
from .step_workdir import StepWorkdir

BUSY_STEP_STATES = frozenset({"RUNNING", "CANCEL_PENDING"})
TERMINATE_ACTIONS = frozenset({"TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW"})
CANCEL_SIGNALS = {"SEND_INTERRUPT": signal.SIGTERM, "TERMINATE_PROCESS": signal.SIGKILL}


class LineSink(Protocol):
    """Receives each output line of a step as it is printed (e.g. a CloudWatch Logs writer)."""

    def __call__(self, cluster: EmulatedCluster, step: EmulatedStep, stream: str, line: str) -> None: ...


def next_boot_state(state: str, elapsed: float, config: EmulatorConfig) -> str | None:
    """The boot phase that follows ``state`` once ``elapsed`` seconds were spent in it, else None."""
    if state == "STARTING" and elapsed >= config.boot_seconds:
        return "BOOTSTRAPPING"
    if state == "BOOTSTRAPPING" and elapsed >= config.bootstrap_seconds:
        return "WAITING"
    return None


def steps_to_start(states: list[str], concurrency: int) -> list[int]:
    """Indexes of PENDING steps to start now: in submission order, within the concurrency limit."""
    free = max(1, concurrency) - sum(1 for s in states if s in BUSY_STEP_STATES)
    pending = [i for i, s in enumerate(states) if s == "PENDING"]
    return pending[: max(0, free)]


def step_log_prefix(log_uri: str | None, cluster_id: str, step_id: str) -> S3Uri | None:
    """``<LogUri>/<cluster-id>/steps/<step-id>/``, where EMR puts stdout.gz and stderr.gz."""
    base = S3Uri.parse(log_uri) if log_uri else None
    return base.join(cluster_id, "steps", step_id) if base else None


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
        self.bootstrap = Bootstrapper(config, endpoint_url)
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
            procs = [s.process for c in self.clusters.values() for s in c.steps
                     if isinstance(s, EmulatedStep) and s.process is not None]
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
        for step in cluster.steps:
            if isinstance(step, EmulatedStep) and step.process is not None and step.process.done.is_set():
                self._reap(cluster, step)
        state = cluster.state or ""
        following = next_boot_state(state, now - cluster.phase_started, self.config)
        following = self.bootstrap.gate(cluster, state, following)  # runs bootstrap actions, holds WAITING
        if following:
            cluster.set_state(following, now)
            cluster.idle_since = now
        if cluster.state in ("WAITING", "RUNNING"):
            self._schedule(cluster, now)
        if cluster.state == "TERMINATING":
            self._shut_down(cluster, now)

    def _schedule(self, cluster: EmulatedCluster, now: float) -> None:
        states = [s.state for s in cluster.steps]
        for index in steps_to_start(states, int(cluster.step_concurrency_level or 1)):
            self._start_step(cluster, cluster.steps[index])  # type: ignore[arg-type]
            if not cluster.is_active:
                return
        busy = any(s.state in BUSY_STEP_STATES for s in cluster.steps)
        pending = any(s.state == "PENDING" for s in cluster.steps)
        if busy and cluster.state != "RUNNING":
            cluster.set_state("RUNNING", now, message="Running step")
        elif not busy and cluster.state != "WAITING":
            cluster.set_state("WAITING", now, message="Cluster ready after last step completed.")
            cluster.idle_since = now
        if busy or pending:
            return
        if not cluster.keep_job_flow_alive_when_no_steps:
            cluster.begin_termination("ALL_STEPS_COMPLETED", "Steps completed")
            return
        idle_timeout = (cluster.auto_termination_policy or {}).get("IdleTimeout")
        if idle_timeout and now - cluster.idle_since >= float(idle_timeout):
            cluster.begin_termination("ALL_STEPS_COMPLETED", "Cluster was idle for longer than IdleTimeout")

    def _shut_down(self, cluster: EmulatedCluster, now: float) -> None:
        alive = False
        for step in cluster.steps:
            assert isinstance(step, EmulatedStep)
            if step.state == "PENDING":
                step.set_state("CANCELLED", "Cancelled because the cluster terminated")
            elif step.process is not None:
                alive = True
                if step.cancel_option is None:
                    step.cancel_option = "CLUSTER_TERMINATION"
                    threading.Thread(target=step.process.terminate_tree,
                                     args=(self.config.kill_grace_seconds,), daemon=True).start()
        if not alive and now - cluster.phase_started >= self.config.terminate_seconds:
            final = "TERMINATED_WITH_ERRORS" if cluster.terminate_with_errors else "TERMINATED"
            cluster.set_state(final, now)
            self.clusters.pop(cluster.id, None)

    # ---- steps ------------------------------------------------------------------------------

    def cancel_steps(self, cluster: EmulatedCluster, step_ids: list[str], option: str) -> list[dict[str, str]]:
        """CancelSteps: PENDING steps end at once; RUNNING ones get a signal and CANCEL_PENDING."""
        by_id = {s.id: s for s in cluster.steps}
        infos = []
        for step_id in step_ids:
            step = by_id.get(step_id)
            if step is None:
                infos.append({"StepId": step_id, "Status": "FAILED", "Reason": "Step not found."})
                continue
            assert isinstance(step, EmulatedStep)
            if step.state == "PENDING":
                step.set_state("CANCELLED", "Cancelled by user request")
            elif step.state in BUSY_STEP_STATES and step.process is not None:
                step.cancel_option = option
                step.set_state("CANCEL_PENDING", "Cancel requested by user")
                step.process.send_signal(CANCEL_SIGNALS[option])
            else:
                infos.append({"StepId": step_id, "Status": "FAILED",
                              "Reason": f"Step is in state {step.state} and cannot be cancelled."})
                continue
            infos.append({"StepId": step_id, "Status": "SUBMITTED", "Reason": ""})
        self.wake()
        return infos

    def _start_step(self, cluster: EmulatedCluster, step: EmulatedStep) -> None:
        work = StepWorkdir.create(self.config.work_dir, step.id, S3Store(cluster.emr_backend.account_id))
        step.set_state("RUNNING")
        try:
            command = build_command(step.jar, step.args, step.hadoop_jar_step.get("MainClass"),
                                    fetch=work.local_path)
            work.localize(command.resources)
            work.seal()
            proc = StepProcess(
                command.argv, cwd=work.cwd, env=self._step_env(cluster, step),
                on_line=lambda stream, line: self._emit(cluster, step, stream, work.rewrite(line)),
                on_exit=lambda result: self._finish_process(cluster, step, work, result),
            )
            proc.log_paths = work.log_paths  # beside the working directory, not in it
            proc.start()
        except (StepCommandError, OSError) as exc:
            with open(work.log_paths["stderr"], "w") as fh:
                fh.write(f"local_emr: cannot start step: {exc}\n")
            open(work.log_paths["stdout"], "w").close()
            result = ProcessResult(127, None, work.log_paths)
            self._finish_process(cluster, step, work, result)
            step.exit_info["reason"] = str(exc)
            self._complete(cluster, step, result)
            return
        step.process = proc

    def _step_env(self, cluster: EmulatedCluster, step: EmulatedStep) -> dict[str, str]:
        """The caller's environment, pointed at this emulator (never at real AWS); the cluster's
        bootstrap sandbox (its python for PySpark, its PATH) when it has one."""
        env = dict(os.environ)
        sandbox = self.bootstrap.sandbox_for(cluster.id)
        if sandbox is not None:
            env.update(PYSPARK_PYTHON=sandbox.python, PYSPARK_DRIVER_PYTHON=sandbox.python,
                       PATH=sandbox.search_path(env.get("PATH")))
        env.setdefault("PYSPARK_PYTHON", sys.executable)
        env.setdefault("PYSPARK_DRIVER_PYTHON", env["PYSPARK_PYTHON"])
        env.update(self.config.step_env)
        env = emulator_env(env, self.endpoint_url(), cluster.emr_backend.region_name)
        env.update(LOCAL_EMR_CLUSTER_ID=cluster.id, LOCAL_EMR_STEP_ID=step.id)
        return env

    def _emit(self, cluster: EmulatedCluster, step: EmulatedStep, stream: str, line: str) -> None:
        for sink in self.line_sinks:
            sink(cluster, step, stream, line)

    def _finish_process(self, cluster: EmulatedCluster, step: EmulatedStep, work: StepWorkdir,
                        result: ProcessResult) -> None:
        """Runs in the watcher thread before the step is reaped: write the S3 mirror back, ship logs
        like EMR (mirror paths shown as their s3:// URIs), then clean up."""
        for sink in self.line_sinks:  # every line is in CloudWatch Logs before the step ends
            flush = getattr(sink, "flush", None)
            if callable(flush):
                try:
                    flush()
                except Exception as exc:
                    print(f"local_emr: flushing step output of {step.id} failed: {exc!r}", file=sys.stderr)
        try:
            written = work.finish()
        except Exception as exc:  # the step still ends, with what could be written
            written, work.notes = [], work.notes + [f"local_emr: writing the S3 mirror back failed: {exc!r}"]
        prefix = step_log_prefix(cluster.log_uri, cluster.id, step.id)
        info: dict[str, Any] = {"stderr_tail": read_tail(result.log_paths["stderr"])}
        if prefix is not None:
            store = S3Store(cluster.emr_backend.account_id)
            for name, path in result.log_paths.items():
                if os.path.exists(path):
                    store.put_gzip_file(prefix.join(f"{name}.gz"), path)
            with open(work.controller_log, "w") as fh:
                fh.write(f"local_emr: step {step.id} jar={step.jar} args={step.args!r}\n"
                         f"local_emr: process exited with code {result.returncode}\n")
                fh.writelines(f"local_emr: {c.action} {c.uri}\n" for c in written)
                fh.writelines(f"{note}\n" for note in work.notes)
            store.put_gzip_file(prefix.join("controller.gz"), work.controller_log)
            info["log_file"] = str(prefix.join("stderr.gz"))
        step.exit_info = info
        work.remove()

    def _reap(self, cluster: EmulatedCluster, step: EmulatedStep) -> None:
        result = step.process.result
        step.process = None
        assert result is not None
        self._complete(cluster, step, result)

    def _complete(self, cluster: EmulatedCluster, step: EmulatedStep, result: ProcessResult) -> None:
        if step.state in ENDED_STEP_STATES:
            return
        if step.cancel_option is not None:
            step.set_state("CANCELLED", "Cancelled" + (
                " because the cluster terminated" if step.cancel_option == "CLUSTER_TERMINATION"
                else " by user request"))
            return
        if result.ok:
            step.set_state("COMPLETED", "")
            return
        info = getattr(step, "exit_info", {}) or {}
        step.failure_details = failure_details(result.returncode, info.get("stderr_tail", []), info.get("log_file"))
        if info.get("reason"):
            step.failure_details["Reason"] = info["reason"]
        step.set_state("FAILED", step.failure_details.get("Reason", UNKNOWN_REASON))
        self._on_failure(cluster, step)

    def _on_failure(self, cluster: EmulatedCluster, step: EmulatedStep) -> None:
        """ActionOnFailure: CONTINUE, CANCEL_AND_WAIT, or TERMINATE_CLUSTER/TERMINATE_JOB_FLOW."""
        action = step.action_on_failure or "TERMINATE_CLUSTER"
        if action == "CONTINUE":
            return
        for other in cluster.steps:
            if other.state == "PENDING":
                other.set_state("CANCELLED", f"Cancelled because step {step.id} failed")  # type: ignore[attr-defined]
        if action in TERMINATE_ACTIONS and cluster.is_active:
            cluster.begin_termination("STEP_FAILURE", f"Shut down as step failed: {step.name}", with_errors=True)
