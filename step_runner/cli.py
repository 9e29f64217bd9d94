"""`emr-steps` / `python -m step_runner`: argument parsing, progress output, signals, exit codes.

The only module that knows about exit codes, signals, stdout and the wall clock.
"""
from __future__ import annotations

import argparse
import json
import random
import secrets
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

from . import state_file
from .emr_adapter import EmrAdapter, make_clients, make_submit_client
from .errors import (AwsCallError, ClusterDiedError, ClusterWaitTimeout, InputError, ResumeError, RunCancelled,
                     StepRunnerError)
from .machine import Event, RunMachine, RunOutcome
from .outputs import load_outputs
from .report import render_table, to_dict, to_junit
from .runner import CancelToken, RunnerConfig, StepRunner
from .s3_logs import S3StepLogs
from .cloudwatch_logs import CloudWatchLogs, make_logs_client
from .follow import CloudWatchSource, FollowedLogs, LogFollower, LogLine
from .follow_s3 import S3TailSource
from .log_naming import LOG_GROUP_OUTPUT, LOG_GROUP_TAG, log_group_for
from .triage import triage
from .spec import load_spec_file, parse_duration, step_config
from .state import Outcome

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_STEP_FAILED = 3
EXIT_CANCELLED = 4
EXIT_CLUSTER_DIED = 5
EXIT_TIMEOUT = 6
EXIT_AWS_ERROR = 7
EXIT_ABANDONED = 130

EXIT_CODES = {
    RunOutcome.SUCCEEDED: EXIT_OK,
    RunOutcome.STEP_FAILED: EXIT_STEP_FAILED,
    RunOutcome.CANCELLED: EXIT_CANCELLED,
    RunOutcome.CLUSTER_DIED: EXIT_CLUSTER_DIED,
    RunOutcome.TIMEOUT: EXIT_TIMEOUT,
}

EPILOG = """exit codes:
  0  all steps completed          4  cancelled (Ctrl-C / SIGTERM)
  2  bad input (spec, arguments)  5  cluster terminated
  3  a step failed or was skipped 6  timeout (cluster wait, run or step)
  7  AWS error (e.g. AccessDenied) 130 abandoned by a second Ctrl-C
  1  internal error
"""


@dataclass
class Deps:
    """What main() needs from the outside world; tests replace any of it."""

    make_clients: Callable[[str | None, str | None], tuple[Any, Any]] = make_clients
    make_logs_client: Callable[[str | None, str | None], Any] = make_logs_client
    # EMR client for AddJobFlowSteps alone, SDK retries off. None: the default one when make_clients is
    # the default, else submit through the make_clients EMR client (so a fake never pairs with a real one).
    make_submit_client: Callable[[str | None, str | None], Any] | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] | None = None
    rand: Callable[[], float] = random.random
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    install_signals: bool = True

    def __post_init__(self) -> None:
        if self.make_submit_client is None and self.make_clients is make_clients:
            self.make_submit_client = make_submit_client


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="emr-steps",
        description="Run spark-submit steps on an EMR cluster: wait for it, submit, monitor, cancel, report.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", nargs="?", help="step spec file (.yaml/.yml/.toml); optional with --resume")
    where = p.add_argument_group("cluster (one of)")
    where.add_argument("--cluster-id", help="EMR cluster id, j-...")
    where.add_argument("--cluster-name", help="name of an active cluster (looked up with ListClusters)")
    where.add_argument("--outputs", metavar="FILE",
                       help="`cdktf output --outputs-file` or `terraform output -json` file with cluster_id")
    where.add_argument("--stack", help="stack to read from --outputs when it holds several")
    p.add_argument("--region", help="AWS region (default: from your AWS config)")
    p.add_argument("--profile", help="AWS profile")
    run = p.add_argument_group("run")
    run.add_argument("--run-id", help="run token put in step names (default: generated)")
    run.add_argument("--resume", metavar="RUN_ID", help="attach to the steps of an earlier run instead of resubmitting")
    run.add_argument("--state-dir", default=None, help="where run state files live (default: ~/.local/state/emr-steps)")
    run.add_argument("--cluster-timeout", default="30m", help="how long to wait for WAITING (default 30m)")
    run.add_argument("--timeout", default=None, help="whole-run timeout, e.g. 2h (default: none)")
    run.add_argument("--cancel-grace", default="60s",
                     help="SEND_INTERRUPT -> TERMINATE_PROCESS escalation delay (default 60s)")
    run.add_argument("--details-wait", default="3m", help="how long to wait for late FailureDetails (default 3m)")
    run.add_argument("--no-logs", action="store_true", help="do not fetch stderr from S3 after failures")
    run.add_argument("--validate", action="store_true",
                     help="check the spec and print the AddJobFlowSteps step configs; no AWS calls")
    out = p.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    out.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    out.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    out.add_argument("--follow", action=argparse.BooleanOptionalAction, default=False,
                     help="print each running step's log lines on stdout, prefixed [step-name] (CloudWatch Logs, "
                          "else S3); with --json as {\"event\": \"log\", ...} lines (default: off)")
    out.add_argument("--log-group", help="CloudWatch Logs group to follow (default: the stack output log_group, "
                                         "else the cluster tag emr-log-group, else /aws/emr/<cluster-id>)")
    return p


def _duration(value: str | None, flag: str) -> float | None:
    if value is None:
        return None
    if value.strip() in ("0", "0s"):
        return 0.0
    seconds = parse_duration(value)
    if seconds is None:
        raise InputError(f"{flag}: {value!r} is not a duration like 90s, 30m or 2h")
    return seconds


def _new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


# The exit code of each library error the run can end with, most specific first.
_EXIT_CODES = (
    (ClusterWaitTimeout, EXIT_TIMEOUT),
    (RunCancelled, EXIT_CANCELLED),
    (AwsCallError, EXIT_AWS_ERROR),
    (StepRunnerError, EXIT_INTERNAL),
)


def main(argv: Sequence[str] | None = None, deps: Deps | None = None) -> int:
    deps = deps or Deps()
    args = build_parser().parse_args(argv)
    try:
        return _main(args, deps)
    except InputError as exc:
        print(f"emr-steps: error: {exc}", file=deps.stderr)
        return EXIT_BAD_INPUT
    except ClusterDiedError as exc:
        print(f"emr-steps: {exc}", file=deps.stderr)
        hint = triage(str(exc))
        if hint:
            print(f"emr-steps: hint: {hint.text}", file=deps.stderr)
        return EXIT_CLUSTER_DIED
    except StepRunnerError as exc:
        print(f"emr-steps: {exc}", file=deps.stderr)
        return next(code for kind, code in _EXIT_CODES if isinstance(exc, kind))
    except KeyboardInterrupt:
        print("emr-steps: abandoned; submitted steps keep running. Re-attach with --resume <run-id>.",
              file=deps.stderr)
        return EXIT_ABANDONED


def _main(args: argparse.Namespace, deps: Deps) -> int:
    state_dir = Path(args.state_dir) if args.state_dir else state_file.default_state_dir()
    saved: state_file.RunState | None = None
    if args.resume:
        path = state_file.state_path(state_dir, args.resume)
        if path.exists():
            saved = state_file.load(path)
    spec_path = args.spec or (saved.spec_path if saved else None)
    if not spec_path:
        raise InputError("a step spec file is required (or --resume RUN_ID with a state file)")
    plan = load_spec_file(spec_path)
    run_id = args.resume or args.run_id or _new_run_id(deps.now())
    if args.validate:
        configs = [step_config(s, run_id) for s in plan.steps]
        print(json.dumps({"run_id": run_id, "steps": configs}, indent=2), file=deps.stdout)
        return EXIT_OK

    config = RunnerConfig(
        cluster_timeout=_duration(args.cluster_timeout, "--cluster-timeout") or 0.0,
        run_timeout=_duration(args.timeout, "--timeout"),
        cancel_grace=_duration(args.cancel_grace, "--cancel-grace") or 0.0,
        details_wait=_duration(args.details_wait, "--details-wait") or 0.0,
        fetch_logs=not args.no_logs,
    )
    emr_client, s3_client = deps.make_clients(args.region, args.profile)
    submit_client = deps.make_submit_client(args.region, args.profile) if deps.make_submit_client else None
    adapter = EmrAdapter(emr_client, submit_client=submit_client)
    outputs = load_outputs(args.outputs, args.stack) if args.outputs else {}
    cluster_id = _resolve_cluster(args, adapter, outputs, saved)
    if saved and saved.cluster_id != cluster_id:
        raise ResumeError(f"run {run_id} ran on {saved.cluster_id}, not {cluster_id}")

    cancel = CancelToken()
    progress = _Progress(deps.stderr, quiet=args.quiet)
    sleep = deps.sleep or _interruptible_sleep(cancel)
    runner = StepRunner(adapter, clock=deps.clock, sleep=sleep, rand=deps.rand, config=config, on_event=progress.event,
                        cancel=cancel)
    if deps.install_signals:
        _install_signals(cancel, deps.stderr, run_id)

    cluster = runner.wait_for_cluster(cluster_id, need_free_slot=not args.resume)
    runner.log_source = S3StepLogs(s3_client, cluster.log_uri or outputs.get("log_uri"))
    if args.follow:
        runner.follower = _follower(args, deps, outputs, cluster_id, cluster.log_uri or outputs.get("log_uri"),
                                    s3_client, progress, tagged_group=cluster.tags.get(LOG_GROUP_TAG))
        runner.log_source = FollowedLogs(runner.log_source, runner.follower)
    started = datetime.fromisoformat(saved.started_at) if saved else deps.now()
    run_state = saved or state_file.RunState(run_id, cluster_id, str(Path(spec_path).resolve()), started.isoformat())
    state_path = state_file.state_path(state_dir, run_id)
    if not saved:  # before any AddJobFlowSteps: a crash right after one still leaves a resumable run
        state_file.save(run_state, state_path)
    runner.on_progress = _state_saver(run_state, state_path)
    progress.line(f"run {run_id} on {cluster_id} ({cluster.state}, StepConcurrencyLevel "
                  f"{cluster.step_concurrency_level}); state file {state_path}")

    # Resuming without a state file: the run's start is unknown, so search the cluster's whole step history.
    created_after = None if args.resume and not saved else started - timedelta(minutes=5)
    report, _ = runner.run(plan, cluster, run_id, resume=bool(args.resume), created_after=created_after)
    report.exit_code = EXIT_CODES[RunOutcome(report.outcome)]
    run_state.finished = True
    state_file.save(run_state, state_path)

    if args.junit:
        Path(args.junit).write_text(to_junit(report), encoding="utf-8")
    if args.json and args.follow:  # stdout is JSON Lines: log events, then the report on one line
        print(json.dumps({"event": "report", **to_dict(report)}), file=deps.stdout)
    elif args.json:
        print(json.dumps(to_dict(report), indent=2), file=deps.stdout)
    else:
        print(render_table(report), file=deps.stdout)
    return report.exit_code


def _resolve_cluster(args: argparse.Namespace, adapter: EmrAdapter, outputs: dict[str, Any],
                     saved: state_file.RunState | None) -> str:
    chosen = [f for f in ("cluster_id", "cluster_name", "outputs") if getattr(args, f)]
    if len(chosen) > 1:
        raise InputError(f"pick one of --cluster-id, --cluster-name, --outputs (got {', '.join(chosen)})")
    if args.cluster_id:
        return args.cluster_id
    if args.cluster_name:
        return adapter.find_cluster_by_name(args.cluster_name)
    if outputs:
        if outputs.get("cluster_id"):
            return str(outputs["cluster_id"])
        if outputs.get("cluster_name"):
            return adapter.find_cluster_by_name(str(outputs["cluster_name"]))
        raise InputError(f"{args.outputs} has neither cluster_id nor cluster_name")
    if saved:
        return saved.cluster_id
    raise InputError("say which cluster: --cluster-id, --cluster-name or --outputs")


def log_group_choice(cluster_id: str, *, flag: str | None, output: str | None,
                     tag: str | None) -> tuple[str, str]:
    """(group, where it came from): --log-group, else the stack output, else the cluster's
    emr-log-group tag, else /aws/emr/<cluster-id>. Raises ValueError for an invalid name."""
    for value, source in ((flag, "--log-group"), (output, f"output {LOG_GROUP_OUTPUT}"),
                          (tag, f"cluster tag {LOG_GROUP_TAG}")):
        if value:
            return log_group_for(cluster_id, value), source
    return log_group_for(cluster_id), "default"


def _follower(args: argparse.Namespace, deps: Deps, outputs: dict[str, Any], cluster_id: str, log_uri: str | None,
              s3_client: Any, progress: "_Progress", tagged_group: str | None = None) -> LogFollower:
    """CloudWatch Logs first (group from --log-group, the stack output, the cluster tag or /aws/emr/<id>),
    then S3."""
    try:
        group, source = log_group_choice(cluster_id, flag=args.log_group, output=outputs.get(LOG_GROUP_OUTPUT),
                                         tag=tagged_group)
    except ValueError as exc:
        raise InputError(f"--log-group / output {LOG_GROUP_OUTPUT} / tag {LOG_GROUP_TAG}: {exc}") from exc
    logs = CloudWatchLogs(deps.make_logs_client(args.region, args.profile))
    sources = [CloudWatchSource(logs, group, cluster_id, clock=deps.clock), S3TailSource(s3_client, log_uri, cluster_id)]
    out = deps.stdout

    def on_line(line: LogLine) -> None:
        print(json.dumps(line.event()) if args.json else line.text(), file=out, flush=True)

    progress.line(f"following step logs in CloudWatch Logs group {group} ({source})")
    return LogFollower(sources, on_line, clock=deps.clock, rand=deps.rand, on_notice=progress.line)


def _state_saver(run_state: state_file.RunState, path: Path) -> Callable[[RunMachine], None]:
    def save(machine: RunMachine) -> None:
        ids = {name: list(rec.step_ids) for name, rec in machine.records.items() if rec.step_ids}
        if ids != run_state.step_ids:
            run_state.step_ids = ids
            state_file.save(run_state, path)
    return save


def _interruptible_sleep(cancel: CancelToken, slice_seconds: float = 0.5) -> Callable[[float], None]:
    """time.sleep in short slices so the first Ctrl-C / SIGTERM is acted on within half a second.

    It wakes early only on the transition into cancelling: a sleep that starts while the run is
    already cancelling lasts its full length, because the runner paces the cancel phase (CancelSteps,
    the grace period, TERMINATE_PROCESS, waiting for CANCELLED, throttle backoff) with these sleeps.
    Returning at once there turned the cancel phase into a hot ListSteps loop. A second Ctrl-C still
    ends any sleep at once: the signal handler raises KeyboardInterrupt inside time.sleep."""
    def sleep(seconds: float) -> None:
        was_cancelling = cancel.requested
        end = time.monotonic() + seconds
        while was_cancelling or not cancel.requested:
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, slice_seconds))
    return sleep


def _install_signals(cancel: CancelToken, err: TextIO, run_id: str) -> None:
    def handler(signum: int, _frame: object) -> None:
        if cancel.requested:
            raise KeyboardInterrupt
        cancel.cancel(Outcome.CANCELLED)
        print(f"\nemr-steps: {signal.Signals(signum).name}: cancelling steps of run {run_id} "
              "(SEND_INTERRUPT, then TERMINATE_PROCESS); press Ctrl-C again to abandon.", file=err)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


class _Progress:
    def __init__(self, err: TextIO, quiet: bool) -> None:
        self.err = err
        self.quiet = quiet

    def line(self, text: str) -> None:
        if not self.quiet:
            print(f"{time.strftime('%H:%M:%S')} {text}", file=self.err, flush=True)

    def event(self, e: Event) -> None:
        who = f"[{e.step}] " if e.step else ""
        self.line(f"{who}{e.message}" if e.kind != "state" else f"{who}{e.step_id}: {e.message}")
