"""`emr-steps` / `python -m step_runner`: parses, wires, prints and maps exit codes; the library decides.

The only module that knows about exit codes, signals, stdout and the wall clock. Everything that can be
checked without AWS (arguments, the spec, the run id, the output and state paths) is checked before the
first AWS call; every error ends as one line on stderr and its exit code, and `--json` always prints
exactly one JSON object on stdout (the last line, with `--follow`).

It stays one module for now: it is the shell of both commands (arguments, the guard, printing); a module per
command is the next step.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar

from .run import state_file
from .aws.cloudwatch_logs import CloudWatchLogs, make_logs_client
from .aws.emr_adapter import EmrAdapter, make_clients, make_submit_client
from .explain import explain_main
from .errors import (AwsCallError, ClusterDiedError, ClusterWaitTimeout, InputError, Problem, ResumeError,
                     RunAbandoned, RunCancelled, SpecError, StepRunnerError)
from .follow import CloudWatchSource, FollowedLines, LogFollower, LogLine
from .follow import LiveTailSource
from .follow import S3TailSource
from emr_contract.log_naming import LOG_GROUP_TAG, choose_log_group, log_group_problem
from emr_contract.outputs import CLUSTER_ID, CLUSTER_NAME, LOG_GROUP, LOG_URI
from .run.machine import Event, RunMachine, RunOutcome
from .plan.stack_outputs import load_outputs
from .report.run_report import ERROR_OUTCOME, RunReport, render_table, to_dict, to_junit
from .run.results import plan_report
from .report.run_cost import price_run
from .run.runner import CancelToken, RunnerConfig, StepRunner
from .aws.s3_logs import S3StepLogs
from .report.step_evidence import EvidenceReader, LogPlace
from .plan.spec import StepPlan, check_against_cluster, load_spec_file, parse_duration, run_id_problems, step_config
from .state import Outcome
from .diagnosis.triage import triage

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_STEP_FAILED = 3
EXIT_CANCELLED = 4
EXIT_CLUSTER_DIED = 5
EXIT_TIMEOUT = 6
EXIT_AWS_ERROR = 7
EXIT_ABANDONED = 130
EXIT_READER_GONE = 141  # 128 + SIGPIPE, as a shell reports a process killed by a closed pipe
FOLLOW_MODES = ("auto", "live", "poll")

EXIT_CODES = {
    RunOutcome.SUCCEEDED: EXIT_OK,
    RunOutcome.STEP_FAILED: EXIT_STEP_FAILED,
    RunOutcome.CANCELLED: EXIT_CANCELLED,
    RunOutcome.CLUSTER_DIED: EXIT_CLUSTER_DIED,
    RunOutcome.TIMEOUT: EXIT_TIMEOUT,
}

# The exit code of each library error a run can end with, most specific first.
_ERROR_EXIT_CODES: tuple[tuple[type[StepRunnerError], int], ...] = (
    (InputError, EXIT_BAD_INPUT),
    (ClusterDiedError, EXIT_CLUSTER_DIED),
    (ClusterWaitTimeout, EXIT_TIMEOUT),
    (RunCancelled, EXIT_CANCELLED),
    (RunAbandoned, EXIT_ABANDONED),
    (AwsCallError, EXIT_AWS_ERROR),
    (StepRunnerError, EXIT_INTERNAL),
)

EPILOG = """why a step failed: emr-steps explain FILE|- (offline) or emr-steps explain --cluster-id j-... --step-id s-...

exit codes:
  0  all steps completed          4  cancelled (Ctrl-C / SIGTERM)
  2  bad input (spec, arguments)  5  cluster terminated before the run's steps could run
  3  a step failed or was skipped 6  timeout (cluster wait, run or step)
  7  AWS error (e.g. AccessDenied, no credentials)   130 abandoned by a second Ctrl-C
  1  internal error               141 stdout's reader went away (e.g. | head)
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
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    install_signals: bool = True
    # (--prices choice, --profile) -> emr_cost PriceBook; None: emr_cost's snapshot or live book
    price_book: Callable[[str, str | None], Any] | None = None

    def __post_init__(self) -> None:
        if self.make_submit_client is None and self.make_clients is make_clients:
            self.make_submit_client = make_submit_client


class _Parser(argparse.ArgumentParser):
    """argparse that raises InputError instead of printing usage and exiting, so `--json` still answers."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message} (see emr-steps --help)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
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
    run.add_argument("--run-id", help="run token put in step names: letters, digits, _ . - (default: generated)")
    run.add_argument("--resume", metavar="RUN_ID", help="attach to the steps of an earlier run instead of resubmitting")
    run.add_argument("--state-dir", default=None, help="where run state files live (default: ~/.local/state/emr-steps)")
    run.add_argument("--cluster-timeout", default="30m", help="how long to wait for WAITING (default 30m)")
    run.add_argument("--timeout", default=None, help="whole-run timeout, e.g. 2h (default: none)")
    run.add_argument("--cancel-grace", default="60s",
                     help="SEND_INTERRUPT -> TERMINATE_PROCESS escalation delay (default 60s)")
    run.add_argument("--cancel-wait", default="10m",
                     help="after that, how long to wait for CANCELLED before giving a step up as STILL_ACTIVE "
                          "(default 10m)")
    run.add_argument("--details-wait", default="3m", help="how long to wait for late FailureDetails (default 3m)")
    run.add_argument("--no-logs", action="store_true", help="do not fetch stderr from S3 after failures")
    run.add_argument("--no-cost", action="store_true", help="do not price the run (no ListInstances, no price lookup)")
    run.add_argument("--prices", choices=("snapshot", "live"), default="snapshot",
                     help="price source for the run's cost: the bundled dated snapshot (default, offline, no extra "
                          "permission) or live (needs pricing:GetProducts, ec2:DescribeSpotPriceHistory)")
    run.add_argument("--validate", action="store_true",
                     help="check everything that needs no AWS call and print the AddJobFlowSteps step configs")
    out = p.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print one JSON object on stdout, whatever the exit code")
    out.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    out.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    out.add_argument("--follow", action=argparse.BooleanOptionalAction, default=False,
                     help="print each running step's log lines on stdout, prefixed [step-name] (CloudWatch Logs, "
                          "else S3); with --json as {\"event\": \"log\", ...} lines (default: off)")
    out.add_argument("--log-group", help="CloudWatch Logs group to follow (default: the stack output log_group, "
                                         "else the cluster tag emr-log-group, else /aws/emr/<cluster-id>)")
    out.add_argument("--follow-mode", choices=FOLLOW_MODES, default="auto",
                     help="live: CloudWatch Logs Live Tail (lines about a second after the agent ships them; needs "
                          "logs:StartLiveTail); poll: FilterLogEvents every 5 s; auto: live, else poll (default); "
                          "S3 is the last resort of each")
    return p


# --- checks that need no AWS call ----------------------------------------------------------------------

@dataclass
class _Inputs:
    """Everything main() learnt before its first AWS call."""

    config: RunnerConfig
    plan: StepPlan
    spec_path: str
    run_id: str
    state_dir: Path
    saved: state_file.RunState | None
    outputs: dict[str, Any]


def _duration(value: str | None, flag: str, problems: list[Problem]) -> float | None:
    if value is None:
        return None
    if value.strip() in ("0", "0s"):
        return 0.0
    seconds = parse_duration(value)
    if seconds is None:
        problems.append(Problem(flag, value, "must be a duration like 90s, 30m or 2h"))
    return seconds


def _new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def _writable_file(path: str, flag: str) -> Problem | None:
    target = Path(path)
    if target.is_dir():
        return Problem(flag, path, "is a directory; name a file")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        return Problem(flag, path, f"directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        return Problem(flag, path, "is not writable")
    return None


def _usable_dir(path: Path, flag: str) -> Problem | None:
    """A directory we can create files in, or can create (nothing is created here)."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return Problem(flag, str(path), f"{probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        return Problem(flag, str(path), f"{probe} is not writable")
    return None


@dataclass
class RunContext:
    """What one `emr-steps` run has learned so far: enough for a report when it ends early, and for how the
    report is printed (--json, --follow, --junit)."""

    json: bool = False
    follow: bool = False
    junit: str | None = None
    junit_ok: bool = False
    plan: Any = None
    run_id: str | None = None
    cluster_id: str | None = None
    started: bool = False


def _check_inputs(args: argparse.Namespace, deps: Deps, known: RunContext) -> _Inputs:
    """Every check that needs no AWS call, with all problems in one error."""
    problems: list[Problem] = []
    config = RunnerConfig(
        cluster_timeout=_duration(args.cluster_timeout, "--cluster-timeout", problems) or 0.0,
        run_timeout=_duration(args.timeout, "--timeout", problems),
        cancel_grace=_duration(args.cancel_grace, "--cancel-grace", problems) or 0.0,
        cancel_wait=_duration(args.cancel_wait, "--cancel-wait", problems) or 0.0,
        details_wait=_duration(args.details_wait, "--details-wait", problems) or 0.0,
        fetch_logs=not args.no_logs,
    )
    if args.resume and args.run_id:
        problems.append(Problem("--run-id", args.run_id, "cannot be combined with --resume (the run id is RUN_ID)"))
    chosen = [f"--{f.replace('_', '-')}" for f in ("cluster_id", "cluster_name", "outputs") if getattr(args, f)]
    if len(chosen) > 1:
        problems.append(Problem("cluster", ", ".join(chosen), "pick one of --cluster-id, --cluster-name, --outputs"))
    if args.junit:
        junit_problem = _writable_file(args.junit, "--junit")
        known.junit_ok = junit_problem is None
        problems += filter(None, [junit_problem])
    state_dir = Path(args.state_dir) if args.state_dir else state_file.default_state_dir()
    problems += filter(None, [_usable_dir(state_dir, "--state-dir")])
    if args.log_group and log_group_problem(args.log_group):
        problems.append(Problem("--log-group", args.log_group, log_group_problem(args.log_group) or ""))
    run_id = args.resume or args.run_id or _new_run_id(deps.now())
    run_flag = "--resume" if args.resume else "--run-id"
    run_id_ok = not run_id_problems(None, run_id, run_flag)

    saved = None
    if args.resume and run_id_ok:
        path = state_file.state_path(state_dir, args.resume)
        if path.exists():
            saved = state_file.load(path)
    spec_path = args.spec or (saved.spec_path if saved else None)
    plan = None
    if not spec_path:
        problems.append(Problem("spec", None, "a step spec file is required (or --resume RUN_ID with a state file)"))
    else:
        try:
            plan = load_spec_file(spec_path)
        except SpecError as exc:
            problems += exc.problems
    if plan is not None:
        known.plan = plan
    problems += run_id_problems(plan, run_id, run_flag)
    if run_id_ok:
        known.run_id = run_id
    outputs: dict[str, Any] = {}
    if args.outputs:
        outputs = load_outputs(args.outputs, args.stack)
    if problems:
        flags_only = all(p.field.startswith("--") or p.field in ("cluster", "spec") for p in problems)
        raise SpecError(problems, "arguments" if flags_only or not spec_path else spec_path)
    assert plan is not None and spec_path is not None
    return _Inputs(config, plan, spec_path, run_id, state_dir, saved, outputs)


# --- main ----------------------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None, deps: Deps | None = None) -> int:
    deps = deps or Deps()
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv), deps)
    except BrokenPipeError:
        return _reader_gone(deps)


def _reader_gone(deps: Deps) -> int:
    """stdout's reader went away (`emr-steps explain log | head`): stop quietly, as `cat` does. Python's
    documented recipe: point stdout at devnull so the interpreter's last flush cannot fail again
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    if deps.stdout is sys.stdout:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
    return EXIT_READER_GONE


def _dispatch(argv: list[str], deps: Deps) -> int:
    if argv[:1] == ["explain"]:
        return explain(argv[1:], deps)
    known = RunContext(json="--json" in argv)

    def run() -> RunReport:
        args = build_parser().parse_args(argv)
        known.json, known.follow, known.junit = args.json, args.follow, args.junit
        return _main(args, deps, known)

    try:
        report, code, error = _guarded(run, deps)
    except KeyboardInterrupt:
        print("emr-steps: abandoned; submitted steps keep running. Re-attach with --resume <run-id>.",
              file=deps.stderr)
        code, report, error = EXIT_ABANDONED, _early_report(known, RunAbandoned("abandoned by a second Ctrl-C")), None
    if report is None:
        failed_run = getattr(error, "report", None)
        report = failed_run if isinstance(failed_run, RunReport) else _early_report(known, error)
    elif code is None:
        code = report.exit_code if report.exit_code is not None else EXIT_INTERNAL
    report.exit_code = code
    return _finish(report, known, deps, code)


T = TypeVar("T")


def _guarded(action: Callable[[], T], deps: Deps) -> tuple[T | None, int | None, Exception | None]:
    """``action``'s result, or (None, exit code, error) with the error said in one line on stderr: a
    StepRunnerError's own exit code, EXIT_INTERNAL for a bug (its traceback only with EMR_STEPS_TRACEBACK=1).
    One guard for both commands; a broken pipe and Ctrl-C go to their callers."""
    try:
        return action(), None, None
    except StepRunnerError as exc:
        _print_error(exc, deps.stderr)
        return None, next(c for kind, c in _ERROR_EXIT_CODES if isinstance(exc, kind)), exc
    except BrokenPipeError:
        raise
    except Exception as exc:  # a bug: one line, the traceback only on request
        print(f"emr-steps: internal error: {type(exc).__name__}: {exc} (please report it; set "
              "EMR_STEPS_TRACEBACK=1 for the traceback)", file=deps.stderr)
        if os.environ.get("EMR_STEPS_TRACEBACK"):
            raise
        return None, EXIT_INTERNAL, exc


def explain(argv: list[str], deps: Deps) -> int:
    """`emr-steps explain`: 0 when explained (a kind or not), 2 bad input, 7 an AWS error, 1 a bug."""
    _, code, error = _guarded(lambda: explain_main(argv, stdin=deps.stdin, stdout=deps.stdout,
                                                   make_clients=deps.make_clients,
                                                   make_logs_client=deps.make_logs_client, parser_class=_Parser),
                              deps)
    if error is None:
        return EXIT_OK
    if "--json" in argv:
        print(json.dumps({"kind": None, "error": {"type": type(error).__name__, "message": str(error)}}, indent=2),
              file=deps.stdout)
    return code if code is not None else EXIT_INTERNAL


def _print_error(exc: StepRunnerError, err: TextIO) -> None:
    prefix = "emr-steps: error: " if isinstance(exc, InputError) else "emr-steps: "
    print(f"{prefix}{exc}", file=err)
    if isinstance(exc, ClusterDiedError):
        hint = triage(str(exc))
        if hint:
            print(f"emr-steps: hint: {hint.text}", file=err)


def _early_report(known: RunContext, exc: BaseException) -> RunReport:
    error = {"type": type(exc).__name__, "message": str(exc)}
    outcome = RunOutcome.CLUSTER_DIED.value if isinstance(exc, ClusterDiedError) else ERROR_OUTCOME
    if known.plan is not None:
        return plan_report(known.plan, known.run_id, known.cluster_id, outcome, error=error)
    return RunReport(known.run_id, known.cluster_id, outcome, [], error=error)


def _finish(report: RunReport, known: RunContext, deps: Deps, code: int) -> int:
    """Write the JUnit file (if asked and its path was checked) and print the report."""
    if known.junit and known.junit_ok:
        try:
            Path(known.junit).write_text(to_junit(report), encoding="utf-8")
        except OSError as exc:
            print(f"emr-steps: error: --junit {known.junit}: {exc.strerror or exc}", file=deps.stderr)
            code = code or EXIT_BAD_INPUT
            report.exit_code = code
    if known.json and known.follow:  # stdout is JSON Lines: log events, then the report
        print(json.dumps({"event": "report", **to_dict(report)}), file=deps.stdout)
    elif known.json:
        print(json.dumps(to_dict(report), indent=2), file=deps.stdout)
    elif known.started:
        print(render_table(report), file=deps.stdout)
    return code


def _main(args: argparse.Namespace, deps: Deps, known: RunContext) -> RunReport:
    inputs = _check_inputs(args, deps, known)
    plan, run_id, saved = inputs.plan, inputs.run_id, inputs.saved
    if args.validate:
        configs = [step_config(s, run_id) for s in plan.steps]
        print(json.dumps({"run_id": run_id, "steps": configs}, indent=2), file=deps.stdout)
        known.json = False
        return RunReport(run_id, None, "VALID", [], exit_code=EXIT_OK)

    emr_client, s3_client = deps.make_clients(args.region, args.profile)
    submit_client = deps.make_submit_client(args.region, args.profile) if deps.make_submit_client else None
    adapter = EmrAdapter(emr_client, submit_client=submit_client)
    cluster_id = _resolve_cluster(args, adapter, inputs.outputs, saved)
    known.cluster_id = cluster_id
    if saved and saved.cluster_id != cluster_id:
        raise ResumeError(f"run {run_id} ran on {saved.cluster_id}, not {cluster_id}")

    cancel = CancelToken()
    progress = _Progress(deps.stderr, quiet=args.quiet)
    sleep = deps.sleep or _interruptible_sleep(cancel)
    runner = StepRunner(adapter, clock=deps.clock, sleep=sleep, rand=deps.rand, config=inputs.config,
                        on_event=progress.event, cancel=cancel)
    if deps.install_signals:
        _install_signals(cancel, deps.stderr, run_id)

    cluster = runner.wait_for_cluster(cluster_id, need_free_slot=not args.resume)
    check_against_cluster(plan, cluster.step_concurrency_level, cluster.auto_terminate)
    log_uri = cluster.log_uri or inputs.outputs.get(LOG_URI)
    places = [LogPlace("s3", S3StepLogs(s3_client, log_uri))]
    follower = None
    if args.follow:
        follower = _follower(args, deps, inputs.outputs, cluster_id, log_uri, s3_client, progress,
                             tagged_group=cluster.tags.get(LOG_GROUP_TAG))
        places.append(LogPlace("followed", FollowedLines(follower)))
    logs = EvidenceReader(places)
    started = datetime.fromisoformat(saved.started_at) if saved else deps.now()
    run_state = saved or state_file.RunState(run_id, cluster_id, str(Path(inputs.spec_path).resolve()),
                                             started.isoformat())
    state_path = state_file.state_path(inputs.state_dir, run_id)
    if not args.resume:  # before any AddJobFlowSteps: a crash right after one still leaves a resumable run
        state_file.save(run_state, state_path)
    progress.line(f"run {run_id} on {cluster_id} ({cluster.state}, StepConcurrencyLevel "
                  f"{cluster.step_concurrency_level}{', ends when no step is left' if cluster.auto_terminate else ''}"
                  f"); state file {state_path}")
    known.started = True
    try:
        report = _run_or_resume(args, runner, plan, cluster, run_id, saved, started, logs, follower,
                                _state_saver(run_state, state_path))
    finally:
        if follower is not None:
            follower.close()
    report.exit_code = EXIT_CODES[RunOutcome(report.outcome)]
    if not args.no_cost:
        report.cost = price_run(adapter, cluster_id, report.steps,
                                lambda: _price_book(deps, args.prices, args.profile), deps.now())
    run_state.finished = True
    state_file.save(run_state, state_path)
    return report


def _run_or_resume(args: argparse.Namespace, runner: StepRunner, plan: Any, cluster: Any, run_id: str,
                   saved: state_file.RunState | None, started: datetime, logs: EvidenceReader, follower: LogFollower | None,
                   saver: Callable[[RunMachine], None]) -> RunReport:
    if not args.resume:
        return runner.run(plan, cluster, run_id, logs=logs, follower=follower, on_progress=saver)
    # Without a state file the run's start is unknown, so the cluster's whole step history is searched.
    created_after = started - timedelta(minutes=5) if saved else None
    return runner.resume(plan, cluster, run_id, known_step_ids=saved.step_ids if saved else None,
                         created_after=created_after, logs=logs, follower=follower, on_progress=saver)


def _price_book(deps: Deps, prices: str, profile: str | None) -> Any:
    if deps.price_book is not None:
        return deps.price_book(prices, profile)
    from emr_cost.prices import open_price_book
    return open_price_book(prices, profile=profile)


def _resolve_cluster(args: argparse.Namespace, adapter: EmrAdapter, outputs: dict[str, Any],
                     saved: state_file.RunState | None) -> str:
    if args.cluster_id:
        return args.cluster_id
    if args.cluster_name:
        return adapter.find_cluster_by_name(args.cluster_name)
    if outputs:
        if outputs.get(CLUSTER_ID):
            return str(outputs[CLUSTER_ID])
        if outputs.get(CLUSTER_NAME):
            return adapter.find_cluster_by_name(str(outputs[CLUSTER_NAME]))
        raise InputError(f"{args.outputs} has neither cluster_id nor cluster_name")
    if saved:
        return saved.cluster_id
    raise InputError("say which cluster: --cluster-id, --cluster-name or --outputs")


def _follower(args: argparse.Namespace, deps: Deps, outputs: dict[str, Any], cluster_id: str, log_uri: str | None,
              s3_client: Any, progress: "_Progress", tagged_group: str | None = None) -> LogFollower:
    """CloudWatch Logs first (group from --log-group, the stack output, the cluster tag or /aws/emr/<id>),
    then S3."""
    try:
        group, source = choose_log_group(cluster_id, flag=args.log_group, output=outputs.get(LOG_GROUP),
                                         tag=tagged_group)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    logs = CloudWatchLogs(deps.make_logs_client(args.region, args.profile))
    polling = CloudWatchSource(logs, group, cluster_id, clock=deps.clock)
    live = LiveTailSource(logs, group, cluster_id, clock=deps.clock, readback=polling, on_notice=progress.line)
    sources = {"auto": [live, polling], "live": [live], "poll": [polling]}[args.follow_mode]
    sources.append(S3TailSource(s3_client, log_uri, cluster_id))
    out = deps.stdout

    def on_line(line: LogLine) -> None:
        print(json.dumps(line.event()) if args.json else line.text(), file=out, flush=True)

    poll = f"by polling every {polling.interval:g} s"
    how = {"auto": f"by Live Tail, else {poll}, else from S3", "live": "by Live Tail, else from S3",
           "poll": f"{poll}, else from S3"}[args.follow_mode]
    progress.line(f"following step logs in CloudWatch Logs group {group} ({source}) {how} "
                  f"(--follow-mode {args.follow_mode})")
    return LogFollower(sources, on_line, clock=deps.clock, rand=deps.rand, on_notice=progress.line)


def _state_saver(run_state: state_file.RunState, path: Path) -> Callable[[RunMachine], None]:
    def save(machine: RunMachine) -> None:
        ids = {name: list(rec.step_ids) for name, rec in machine.records.items() if rec.step_ids}
        if ids != run_state.step_ids or not path.exists():
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
