"""`emr-steps explain`: why a step failed, from a log file or stdin (no AWS call) or from a step on a cluster.

For a step it reads what EMR and the logs hold: DescribeStep's FailureDetails, the step's stderr and stdout
in S3 (every part), and, when those only say the application failed (cluster deploy mode), the driver
container's stdout and stderr (S3 ``containers/``, else the CloudWatch Logs streams step_logs ships).
The path from a step to its evidence is the run's own (``step_evidence``); this module only chooses the places
and prints.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
from typing import TextIO

from emr_contract.log_naming import LOG_GROUP_TAG, choose_log_group
from emr_contract.outputs import CLUSTER_ID, LOG_GROUP, LOG_URI

from ..aws.cloudwatch_logs import CloudWatchLogs
from ..aws.emr_adapter import EmrAdapter
from ..aws.s3_logs import S3StepLogs
from ..diagnosis import Diagnosis, Evidence, diagnose_sampled
from ..diagnosis.log_sample import LogSample
from ..errors import InputError
from ..plan.stack_outputs import load_outputs
from ..report.step_evidence import CloudWatchStepLogs, EvidenceReader, Explained, LogPlace
from .shell import Deps, EXIT_INTERNAL, EXIT_OK, RaisingParser, guarded


def build_parser() -> argparse.ArgumentParser:
    p = RaisingParser(
        prog="emr-steps explain",
        description="Explain why a step failed: from a log FILE (or - for stdin) with no AWS call, or from "
                    "a step on a cluster (--cluster-id/--outputs and --step-id).")
    p.add_argument("file", nargs="?", help="a log file, or - for stdin")
    p.add_argument("--cluster-id", help="EMR cluster id, j-...")
    p.add_argument("--outputs", metavar="FILE", help="stack outputs file with cluster_id (and log_group)")
    p.add_argument("--stack", help="stack to read from --outputs when it holds several")
    p.add_argument("--step-id", help="the failed step, s-...")
    p.add_argument("--log-group", help="CloudWatch Logs group with the step's logs (default: the stack output "
                                       "log_group, the cluster tag emr-log-group, else /aws/emr/<cluster-id>)")
    p.add_argument("--region", help="AWS region (default: from your AWS config)")
    p.add_argument("--profile", help="AWS profile")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def explain(argv: list[str], deps: Deps) -> int:
    """`emr-steps explain`: 0 when explained (a kind or not), 2 bad input, 7 an AWS error, 1 a bug."""
    _, code, error = guarded(lambda: explain_main(argv, deps), deps)
    if error is None:
        return EXIT_OK
    if "--json" in argv:
        print(json.dumps({"kind": None, "error": {"type": type(error).__name__, "message": str(error)}}, indent=2),
              file=deps.stdout)
    return code if code is not None else EXIT_INTERNAL


def explain_main(argv: list[str], deps: Deps) -> Diagnosis:
    args = build_parser().parse_args(argv)
    online = args.step_id or args.cluster_id or args.outputs
    if args.file and online:
        raise InputError("explain takes a FILE or a step (--cluster-id/--outputs with --step-id), not both")
    notes: tuple[str, ...] = ()
    if args.file:
        diagnosis = diagnose_sampled(Evidence(stderr=_read_input(args.file, deps.stdin), sources=(args.file,)))
    elif online:
        explained = _explain_step(args, deps)
        diagnosis, notes = explained.diagnosis, explained.notes
    else:
        raise InputError("explain needs a log FILE, - for stdin, or --step-id with --cluster-id or --outputs")
    if args.json:
        print(json.dumps({**diagnosis.to_dict(), "notes": list(notes)}, indent=2), file=deps.stdout)
    else:
        print(render(diagnosis, notes), file=deps.stdout)
    return diagnosis


def _read_input(name: str, stdin: TextIO) -> str:
    """The log to analyse, read line by line: a file of any size (gzip or plain) or stdin, sampled as
    log_sample says once it passes a megabyte, so memory stays bounded."""
    sample = LogSample()
    if name == "-":
        sample.feed(line.rstrip("\n") for line in stdin)
        return sample.text()
    try:
        with open(name, "rb") as raw:
            binary = gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == b"\x1f\x8b" else raw
            with io.TextIOWrapper(binary, encoding="utf-8", errors="replace") as fh:
                sample.feed(line.rstrip("\r\n") for line in fh)
    except (OSError, EOFError) as exc:
        raise InputError(f"{name}: {getattr(exc, 'strerror', None) or exc}") from exc
    return sample.text()


def _explain_step(args: argparse.Namespace, deps: Deps) -> Explained:
    if not args.step_id:
        raise InputError("--step-id is required to explain a step")
    outputs = load_outputs(args.outputs, args.stack) if args.outputs else {}
    cluster_id = args.cluster_id or outputs.get(CLUSTER_ID)
    if not cluster_id:
        raise InputError("say which cluster: --cluster-id, or --outputs with a cluster_id output")
    emr_client, s3_client = deps.make_clients(args.region, args.profile)
    adapter = EmrAdapter(emr_client)
    cluster = adapter.describe_cluster(cluster_id)
    obs, _args = adapter.describe_step(cluster_id, args.step_id)
    try:
        group, _ = choose_log_group(cluster_id, flag=args.log_group, output=outputs.get(LOG_GROUP),
                                    tag=cluster.tags.get(LOG_GROUP_TAG))
    except ValueError as exc:  # as in `emr-steps --follow`: a bad --log-group is bad input
        raise InputError(str(exc)) from exc
    reader = EvidenceReader([
        LogPlace("s3", S3StepLogs(s3_client, cluster.log_uri or outputs.get(LOG_URI))),
        LogPlace("cloudwatch", CloudWatchStepLogs(
            lambda: CloudWatchLogs(deps.make_logs_client(args.region, args.profile)), group)),
    ])
    reason = f"step {obs.state}" + (f": {obs.reason_code} {obs.reason_message or ''}".rstrip()
                                    if obs.reason_code else "")
    return reader.explain(cluster_id, args.step_id, obs.failure, reason)


def render(d: Diagnosis, notes: tuple[str, ...] = ()) -> str:
    out = []
    if d.hint is not None:
        out += [f"kind: {d.hint.kind}", f"hint: {d.hint.title}", f"advice: {d.hint.advice}",
                f"evidence: {d.hint.evidence}"]
    else:
        out.append("kind: none (no known failure class in these logs)")
    if d.cause is not None:
        out.append(f"probable cause ({d.cause.kind}): {d.cause.summary}")
        out += [f"  | {line}" for line in d.cause.lines]
    else:
        out.append("probable cause: none found")
    if d.application_id:
        out.append(f"application: {d.application_id}")
    if d.sources:
        out.append(f"read: {', '.join(d.sources)}")
    out += [f"note: {note}" for note in notes]
    return "\n".join(out)


__all__ = ["build_parser", "explain_main", "render"]
