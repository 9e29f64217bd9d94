"""The run command's arguments and every check that needs no AWS call, all problems in one error, before the
first AWS call."""
from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from emr_contract.log_naming import log_group_problem

from ..errors import Problem, SpecError
from ..plan.spec import StepPlan, load_spec_file, parse_duration, run_id_problems
from ..plan.stack_outputs import load_outputs
from ..run import state_file
from ..run.runner import RunnerConfig
from .shell import Deps, RaisingParser


FOLLOW_MODES = ("auto", "live", "poll")
EPILOG = """why a step failed: emr-steps explain FILE|- (offline) or emr-steps explain --cluster-id j-... --step-id s-...

exit codes:
  0  all steps completed          4  cancelled (Ctrl-C / SIGTERM)
  2  bad input (spec, arguments)  5  cluster terminated before the run's steps could run
  3  a step failed or was skipped 6  timeout (cluster wait, run or step)
  7  AWS error (e.g. AccessDenied, no credentials)   130 abandoned by a second Ctrl-C
  1  internal error               141 stdout's reader went away (e.g. | head)
"""


def build_parser() -> argparse.ArgumentParser:
    p = RaisingParser(
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


def check_inputs(args: argparse.Namespace, deps: Deps, known: RunContext) -> _Inputs:
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
    if args.log_group and (problem := log_group_problem(args.log_group)):
        problems.append(Problem("--log-group", args.log_group, problem))
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
