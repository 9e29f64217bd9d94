"""`emr-steps SPEC`: wires the checked inputs to the runner, the follower and the report; the wall clock, signals
and progress lines live here."""
from __future__ import annotations

import argparse
import json
import signal
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from emr_contract.log_naming import LOG_GROUP_TAG, choose_log_group
from emr_contract.outputs import CLUSTER_ID, CLUSTER_NAME, LOG_GROUP, LOG_URI

from ..aws.cloudwatch_logs import CloudWatchLogs
from ..aws.emr_adapter import EmrAdapter
from ..aws.s3_logs import S3StepLogs
from ..errors import ClusterDiedError, InputError, ResumeError, RunAbandoned
from ..follow import CloudWatchSource, FollowedLines, LiveTailSource, LogFollower, LogLine, S3TailSource
from ..plan.spec import check_against_cluster, step_config
from ..report.run_cost import price_run
from ..report.run_report import ERROR_OUTCOME, RunReport, render_table, to_dict, to_junit
from ..report.step_evidence import EvidenceReader, LogPlace
from ..run import state_file
from ..run.machine import Event, RunMachine, RunOutcome
from ..run.results import plan_report
from ..run.runner import CancelToken, StepRunner
from ..state import Outcome
from .run_inputs import RunContext, build_parser, check_inputs
from .shell import Deps, EXIT_ABANDONED, EXIT_BAD_INPUT, EXIT_CODES, EXIT_INTERNAL, EXIT_OK, guarded


def run_spec(argv: list[str], deps: Deps) -> int:
    """The run: its exit code, with the report printed however it ended (an early error still gets one)."""
    known = RunContext(json="--json" in argv)

    def run() -> RunReport:
        args = build_parser().parse_args(argv)
        known.json, known.follow, known.junit = args.json, args.follow, args.junit
        return _main(args, deps, known)

    try:
        report, code, error = guarded(run, deps)
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
    inputs = check_inputs(args, deps, known)
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
