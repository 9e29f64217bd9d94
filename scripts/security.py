"""`make security`: scan every shipped stack with checkov (two modes) and lint IAM with parliament.

1. Synthesize every stack for the local target (fake credentials, no AWS call): the shipped stacks and
   the module examples (stacks/module_examples.py), in one app and one scan.
2. checkov ``--framework terraform_json`` on each ``cdk.tf.json``. The copy we scan has
   ``terraform.required_version`` removed: with it, checkov silently parses nothing. (``--framework
   terraform`` would skip ``.tf.json`` files altogether.)
3. checkov ``--framework terraform_plan`` on terraform's own ``terraform show -json`` of an offline plan
   of each stack, planned alone (providers from the mirror; one provider process per provider block,
   ``plan_stacks``).
4. parliament on every IAM policy document: identity policies and resource policies (bucket, key
   and topic policies); trust policies are excluded. Any finding at MEDIUM or above fails.

Fails on: a checkov parse error, a mode or a stack with zero checks, any failed check not covered
by ``security/waivers.json`` (each waiver names the check, the resources it covers and why), or a
parliament finding. One checkov process per mode scans all stacks (checkov starts slowly).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parents[1]
WAIVERS = ROOT / "security" / "waivers.json"
CHECKOV = Path(os.environ.get("EMR_CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))
FAIL_SEVERITIES = ("MEDIUM", "HIGH", "CRITICAL")
# Attributes holding IAM policy documents, by resource type. Trust policies are left out on purpose.
POLICY_ATTRIBUTES = {
    "aws_iam_role_policy": "policy",
    "aws_iam_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_kms_key": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_sns_topic": "policy",
    "aws_sqs_queue_policy": "policy",
}
RESOURCE_POLICY_TYPES = {"aws_s3_bucket_policy", "aws_kms_key", "aws_sns_topic_policy", "aws_sns_topic",
                         "aws_sqs_queue_policy"}


@dataclass(frozen=True)
class Waiver:
    check: str
    reason: str
    resources: tuple[str, ...] = ("*",)
    stacks: tuple[str, ...] = ("*",)
    modes: tuple[str, ...] = ("terraform_json", "terraform_plan")

    def covers(self, check: str, stack: str, resource: str, mode: str) -> bool:
        return (check == self.check and mode in self.modes
                and any(fnmatch.fnmatchcase(stack, s) for s in self.stacks)
                and any(fnmatch.fnmatchcase(resource, r) for r in self.resources))


def load_waivers(path: Path = WAIVERS) -> list[Waiver]:
    raw = json.loads(path.read_text())
    waivers = []
    for i, entry in enumerate(raw["waivers"]):
        if not str(entry.get("reason", "")).strip():
            raise SystemExit(f"{path}: waiver {i} ({entry.get('check')}) has no reason")
        waivers.append(Waiver(check=entry["check"], reason=entry["reason"],
                              resources=tuple(entry.get("resources", ["*"])), stacks=tuple(entry.get("stacks", ["*"])),
                              modes=tuple(entry.get("modes", ["terraform_json", "terraform_plan"]))))
    return waivers


@dataclass(frozen=True)
class Finding:
    mode: str
    stack: str
    check: str
    name: str
    resource: str


def synthesize(out: Path, stacks: Optional[list[str]] = None) -> list[str]:
    """Synthesize the shipped stacks and the module examples (stacks/module_examples.py) for the local target
    (no AWS call), in one app: their names."""
    from emr_constructs.cdk import App

    from stacks.app_builder import build_app
    from stacks.environment import Environment
    from stacks.examples import EXAMPLES
    from stacks.module_examples import MODULE_EXAMPLES, build_module_examples

    names = stacks or [*EXAMPLES, *MODULE_EXAMPLES]
    unknown = sorted(set(names) - set(EXAMPLES) - set(MODULE_EXAMPLES))
    if unknown:
        raise SystemExit(f"--stacks names unknown stacks {unknown}; known: {sorted([*EXAMPLES, *MODULE_EXAMPLES])}")
    shipped = [n for n in names if n in EXAMPLES]
    env = {"EMR_TARGET": "local", "EMR_STACKS": ",".join(shipped)}
    app = build_app(App(outdir=str(out)), env=env) if shipped else App(outdir=str(out))
    build_module_examples(app, Environment.from_env(env), [n for n in names if n in MODULE_EXAMPLES])
    app.synth()
    return names


def scannable_json(document: dict, dest: Path) -> Path:
    """A copy checkov's terraform_json runner really parses: no terraform.required_version."""
    terraform = {k: v for k, v in document.get("terraform", {}).items() if k != "required_version"}
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps({**document, "terraform": terraform}, indent=1))
    return dest


def plan_json(document: dict, work_dir: Path, plugin_cache: Path, provider_env: Optional[dict] = None) -> dict:
    """An offline plan of one synthesized stack as terraform's own ``terraform show -json`` (local backend)."""
    from scripts import terraform as tf

    work_dir.mkdir(parents=True, exist_ok=True)
    document = {**document, "terraform": {k: v for k, v in document.get("terraform", {}).items() if k != "backend"}}
    (work_dir / "cdk.tf.json").write_text(json.dumps(document))  # planned against an empty state in work_dir
    env = tf.terraform_env(work_dir)
    env["TF_PLUGIN_CACHE_DIR"] = str(plugin_cache)
    tf.run(work_dir, "init", "-input=false", "-no-color", env=env)
    env.update(provider_env or {})
    tf.run(work_dir, "plan", "-input=false", "-no-color", "-refresh=false", "-lock=false", "-out=plan.tfplan", env=env)
    return json.loads(tf.run(work_dir, "show", "-json", "plan.tfplan", env=env).stdout)


def plan_stacks(documents: dict[str, dict], work_dir: Path, plugin_cache: Path) -> dict[str, dict]:
    """Each stack planned alone, one after another, so checkov reads terraform's own plan of it. They share one
    provider process (``SharedProvider``; terraform configures it at the start of each command), or terraform
    would start the 400 MB provider for every plan and show. A stack with an aliased provider is planned with
    terraform's own providers: its aliases would share, and reconfigure, the one process."""
    from scripts import terraform as tf
    from scripts.shared_provider import SharedProvider

    plans = {}
    with SharedProvider() as provider:
        for name, document in documents.items():
            shared = provider.env() if tf.single_aws_provider(document) else None
            plans[name] = plan_json(document, work_dir / name, plugin_cache, shared)
    return plans


def run_checkov(framework: str, files: list[Path]) -> list[dict]:
    if not CHECKOV.exists():
        raise SystemExit(f"checkov not found at {CHECKOV}: run `make venv` (it installs the pinned checkov)")
    command = [str(CHECKOV), "--framework", framework, "--skip-download", "--compact", "-o", "json",
               "--soft-fail"]
    for f in files:
        command += ["-f", str(f)]
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false",
               LOG_LEVEL="WARNING", PYTHONWARNINGS="ignore")
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"checkov ({framework}) gave no JSON report (exit {result.returncode}):\n"
                         f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return report if isinstance(report, list) else [report]


def evaluate(framework: str, reports: list[dict], files: dict[str, str], waivers: list[Waiver],
             used: set[int]) -> tuple[list[str], list[Finding], int]:
    """Problems (strings), unwaived failures and the number of checks run, for one mode."""
    problems: list[str] = []
    failures: list[Finding] = []
    per_stack: dict[str, int] = {stack: 0 for stack in files.values()}
    total = 0
    for report in reports:
        if report.get("check_type") not in (None, framework):
            continue
        summary = report.get("summary", {})
        if summary.get("parsing_errors"):
            problems.append(f"{framework}: {summary['parsing_errors']} file(s) could not be parsed: "
                            f"{report.get('results', {}).get('parsing_errors')}")
        results = report.get("results", {})
        for status in ("passed_checks", "failed_checks"):
            for check in results.get(status, []):
                stack = _stack_of(check.get("file_path", ""), files)
                per_stack[stack] = per_stack.get(stack, 0) + 1
                total += 1
                if status == "passed_checks":
                    continue
                resource = check.get("resource", "")
                waiver = next((i for i, w in enumerate(waivers)
                               if w.covers(check["check_id"], stack, resource, framework)), None)
                if waiver is None:
                    failures.append(Finding(framework, stack, check["check_id"], check.get("check_name", ""), resource))
                else:
                    used.add(waiver)
    for stack, count in per_stack.items():
        if count == 0 and stack in files.values():
            problems.append(f"{framework}: no check ran on stack {stack} (nothing parsed?)")
    if total == 0:
        problems.append(f"{framework}: zero checks ran")
    return problems, failures, total


def _stack_of(file_path: str, files: dict[str, str]) -> str:
    name = Path(file_path).name
    return files.get(name, name)


# parliament ----------------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}")
_FAKE = {
    "arn": {
        "aws_s3_bucket": "arn:aws:s3:::placeholder-bucket",
        "aws_iam_role": "arn:aws:iam::123456789012:role/placeholder",
        "aws_kms_key": "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000",
        "aws_sns_topic": "arn:aws:sns:us-east-1:123456789012:placeholder",
        "aws_emr_cluster": "arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/j-PLACEHOLDER",
        "aws_cloudwatch_event_rule": "arn:aws:events:us-east-1:123456789012:rule/placeholder",
    },
    "id": {"aws_s3_bucket": "placeholder-bucket", "aws_emr_cluster": "j-PLACEHOLDER"},
    "bucket": {"aws_s3_bucket": "placeholder-bucket"},
    "account_id": {"aws_caller_identity": "123456789012"},
}


def _resolve(text: str) -> str:
    """Replace Terraform references with well-formed stand-ins so ARN checks see real shapes."""
    def fake(match: re.Match) -> str:
        type_, _, attr = match.groups()
        return _FAKE.get(attr, {}).get(type_, "placeholder")
    return _INTERPOLATION.sub(fake, text.replace("${data.", "${"))


def policy_documents(stack_json: dict) -> Iterable[tuple[str, str, bool]]:
    """(address, policy JSON, is_resource_policy) for every IAM policy document in a stack."""
    for type_, attribute in POLICY_ATTRIBUTES.items():
        for name, body in stack_json.get("resource", {}).get(type_, {}).items():
            value = body.get(attribute)
            if isinstance(value, str) and value.strip().startswith("{"):
                yield f"{type_}.{name}", _resolve(value), type_ in RESOURCE_POLICY_TYPES


def load_parliament_waivers(path: Path = WAIVERS) -> list[dict]:
    raw = json.loads(path.read_text()).get("parliament", [])
    for entry in raw:
        if not str(entry.get("reason", "")).strip() or not entry.get("issue"):
            raise SystemExit(f"{path}: every parliament waiver needs an issue and a reason: {entry}")
    return raw


def lint_policies(stacks: dict[str, dict], waivers: Optional[list[dict]] = None) -> tuple[list[str], int]:
    """Findings at MEDIUM or above, one line per (stack, policy, issue, detail)."""
    import parliament

    waivers = load_parliament_waivers() if waivers is None else waivers
    problems: list[str] = []
    count = 0
    for stack, document in stacks.items():
        for address, policy, is_resource in policy_documents(document):
            count += 1
            findings = parliament.analyze_policy_string(policy, include_community_auditors=False).findings
            for finding in findings:
                finding = parliament.enhance_finding(finding)
                severity = str(getattr(finding, "severity", "")).upper()
                detail = str(finding.detail)
                if any(w["issue"] == finding.issue and w.get("detail", "") in detail for w in waivers):
                    continue
                line = f"parliament {severity} {finding.issue} in {stack}: {address}: {detail}"
                if severity in FAIL_SEVERITIES and line not in problems:
                    problems.append(line)
    return problems, count


# main ---------------------------------------------------------------------------------------

def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", help="comma-separated stacks (default: every shipped stack and module example)")
    parser.add_argument("--keep", help="keep the scanned files in this directory")
    args = parser.parse_args(argv)
    from scripts import terraform as tf

    if not tf.mirror_available():
        print("terraform and the provider mirror are needed for the plan scan", file=sys.stderr)
        return 2
    started = time.monotonic()
    waivers = load_waivers()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="emr-security-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        names = synthesize(tmp / "out", args.stacks.split(",") if args.stacks else None)
        documents = {n: json.loads((tmp / "out" / "stacks" / n / "cdk.tf.json").read_text()) for n in names}
        json_files = {n: scannable_json(d, tmp / "json" / f"{n}.tf.json") for n, d in documents.items()}
        cache = tmp / "plugin-cache"
        cache.mkdir(parents=True, exist_ok=True)
        plans: dict[str, Path] = {}
        for name, plan in plan_stacks(documents, tmp / "tf", cache).items():
            plans[name] = tmp / "plan" / f"{name}.tfplan.json"
            plans[name].parent.mkdir(parents=True, exist_ok=True)
            plans[name].write_text(json.dumps(plan))
        print(f"synthesized and planned {len(names)} stack(s) in {time.monotonic() - started:.1f}s")

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            json_run = pool.submit(run_checkov, "terraform_json", list(json_files.values()))
            plan_run = pool.submit(run_checkov, "terraform_plan", list(plans.values()))
            reports = {"terraform_json": json_run.result(), "terraform_plan": plan_run.result()}

        used: set[int] = set()
        problems: list[str] = []
        failures: list[Finding] = []
        for framework, files in (("terraform_json", json_files), ("terraform_plan", plans)):
            by_name = {p.name: n for n, p in files.items()}
            found, failed, total = evaluate(framework, reports[framework], by_name, waivers, used)
            problems += found
            failures += failed
            print(f"checkov {framework}: {total} checks on {len(files)} stack(s), {len(failed)} unwaived failure(s)")

        lint_problems, linted = lint_policies(documents)
        problems += lint_problems
        print(f"parliament: {linted} policy document(s), {len(lint_problems)} finding(s) at MEDIUM or above")

        for f in failures:
            problems.append(f"{f.mode}: {f.check} failed on {f.stack}: {f.resource} ({f.name})")
        for i, waiver in enumerate(waivers):
            if i not in used:
                print(f"note: waiver {waiver.check} matched nothing in this run", file=sys.stderr)
        print(f"make security took {time.monotonic() - started:.1f}s")
        if problems:
            print("\nSECURITY CHECK FAILED:", *problems, sep="\n  - ", file=sys.stderr)
            return 1
        print("security: OK")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
