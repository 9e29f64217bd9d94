"""`make demo`: the whole flow on this machine, with no AWS account.

1. start the local EMR emulator (moto + our EMR layer) on a free port;
2. `cdktf deploy` the default stack to it: real terraform, the real AWS provider (offline mirror);
3. upload the demo PySpark job and run a three-step spec with the step runner (`--follow`);
4. `cdktf destroy` and stop the emulator: also after a failure or Ctrl-C.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts import terraform as tf
from scripts.emulator import aws_settings, forget_local_state, step_env, upload_demo_job
from stacks import DEFAULT_STACK

ROOT = Path(__file__).resolve().parent.parent
CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"
SPEC = ROOT / "examples" / "demo-steps.yaml"


def missing_prerequisites(cdktf: bool = True) -> list[str]:
    """What this machine lacks for a demo (make demo-scaling deploys with terraform alone: no cdktf CLI)."""
    missing = []
    if not tf.mirror_available():
        missing.append("terraform with the hashicorp/aws provider mirror (EMR_TF_PLUGIN_DIR, default /opt/tf-plugins)")
    if cdktf and not CDKTF.exists():
        missing.append("the cdktf CLI in node_modules (make demo runs npm ci)")
    if shutil.which("java") is None:
        missing.append("a Java runtime (Spark needs java on PATH)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark (make demo installs requirements-demo.txt)")
    return missing


def _say(step: str, started: float) -> None:
    print(f"\n[{time.monotonic() - started:5.1f}s] {step}", flush=True)


def _cdktf(action: str, endpoint_url: str, tmp: Path, *extra: str) -> int:
    """`cdktf deploy|destroy` of the default stack against the emulator, fully offline.

    `--skip-provider-lock`: locking asks the public registry for checksums; the provider comes
    from the local mirror (a CLI config with a filesystem mirror) instead.
    """
    env = dict(os.environ, EMR_TARGET="local", EMR_LOCAL_ENDPOINT=endpoint_url, EMR_STACKS=DEFAULT_STACK,
               TF_CLI_CONFIG_FILE=str(tf.cli_config(tmp)), CHECKPOINT_DISABLE="1", CI="1", NO_COLOR="1")
    command = [str(CDKTF), action, DEFAULT_STACK, "--auto-approve", "--skip-provider-lock", "--no-color", *extra]
    log = tmp / f"cdktf-{action}.log"
    shown: set[str] = set()
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)
        for line in process.stdout:
            sink.write(line)
            highlight = line.strip()
            if any(marker in line for marker in _CDKTF_HIGHLIGHTS) and highlight not in shown:
                shown.add(highlight)
                print("  " + highlight, flush=True)
        code = process.wait()
    if code != 0:
        print(log.read_text(), file=sys.stderr)
    return code


# Lines of cdktf's (long) output worth showing; the rest goes to a log file.
_CDKTF_HIGHLIGHTS = ("Apply complete!", "Destroy complete!", "Plan:", "Error", "cluster_id =", "log_uri =")


def _run_steps(outputs_file: Path, state_dir: Path, endpoint_url: str) -> int:
    command = [sys.executable, "-m", "step_runner", str(SPEC), "--outputs", str(outputs_file),
               "--stack", DEFAULT_STACK, "--follow", "--state-dir", str(state_dir),
               "--details-wait", "10s", "--cancel-grace", "10s"]
    runner = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ, **aws_settings(endpoint_url)))
    try:
        return runner.wait()
    except KeyboardInterrupt:
        # The runner got the same Ctrl-C: it cancels its steps; give it the time to do so.
        return runner.wait(timeout=60)


def main() -> int:
    missing = missing_prerequisites()
    if missing:
        print("make demo needs: " + "; ".join(missing), file=sys.stderr)
        return 2
    from local_emr.server import LocalEmr

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    forget_local_state(DEFAULT_STACK)
    with tempfile.TemporaryDirectory(prefix="emr-demo-") as tmp_name, \
            LocalEmr(port=0, boot_seconds=2, bootstrap_seconds=2, step_env=step_env()) as emulator:
        tmp = Path(tmp_name)
        _say(f"local EMR emulator listening on {emulator.endpoint_url}", started)
        code, deployed = 1, False
        try:
            _say(f"cdktf deploy {DEFAULT_STACK} (real terraform and hashicorp/aws provider, offline) ...", started)
            outputs_file = tmp / "outputs.json"
            deployed = True
            if _cdktf("deploy", emulator.endpoint_url, tmp, "--outputs-file", str(outputs_file)) != 0:
                raise RuntimeError("cdktf deploy failed")
            upload_demo_job(emulator.endpoint_url)
            _say(f"emr-steps {SPEC.relative_to(ROOT)} --follow  (3 PySpark steps, report depends on aggregate)",
                 started)
            code = _run_steps(outputs_file, tmp / "state", emulator.endpoint_url)
        except KeyboardInterrupt:
            print("\ninterrupted: cleaning up", file=sys.stderr)
            code = 130
        except RuntimeError as error:
            print(error, file=sys.stderr)
        finally:
            if deployed:
                _say(f"cdktf destroy {DEFAULT_STACK} ...", started)
                if _cdktf("destroy", emulator.endpoint_url, tmp) != 0:
                    print("cdktf destroy failed", file=sys.stderr)
                    code = code or 1
            forget_local_state(DEFAULT_STACK)
    _say(f"emulator stopped; demo finished with exit code {code}", started)
    return code


if __name__ == "__main__":
    sys.exit(main())
