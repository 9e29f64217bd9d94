"""The local EMR emulator for your own shell: `make emulator`, `make emulator-job`, `make emulator-stop`.

`make demo` runs the whole flow in one process. These targets split it so you can type each command
yourself (docs/emulator.md, "Use it by hand"):

- ``start``: runs the emulator in the background (``serve`` in a new session, its output in
  ``.emulator/emulator.log``) and, once it listens, writes ``.emulator/env``: the ``export`` lines that
  point the AWS SDKs, the step runner and ``cdktf deploy`` at it, with a terraform CLI config that
  installs providers from the offline mirror only (``cdktf deploy`` would otherwise ask the public
  registry), and that silence jsii's Node.js end-of-life banner.
- ``upload-demo-job``: the bucket and PySpark job that ``examples/demo-steps.yaml`` names.
- ``stop``: stops the emulator (its step processes with it) and forgets the local terraform state,
  which names resources of an emulator that no longer exists.

The port is ``--port`` (``EMULATOR_PORT`` in the Makefile, 5055 by default; 0 picks a free one).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from emr_contract.emulator import DEFAULT_PORT
from scripts import terraform as tf

# Not resolved: a checkout whose files are symlinks (the docs test's scratch copy) keeps its own state.
ROOT = Path(__file__).absolute().parent.parent
STATE_DIR = ROOT / ".emulator"
JOB = ROOT / "examples" / "jobs" / "demo_job.py"
ARTIFACTS_BUCKET = "emr-demo-artifacts"
REGION = "us-east-1"
# The emulator accepts any keys; these are the ones its banner prints (python -m local_emr).
ACCESS_KEY = SECRET_KEY = "testing"
READY_SECONDS = 60


def aws_settings(endpoint_url: str) -> dict[str, str]:
    """What an AWS SDK or CLI needs to talk to the emulator."""
    return {"AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}


def shell_settings(endpoint_url: str, state_dir: Path) -> dict[str, str]:
    """Everything `source .emulator/env` sets: AWS SDKs, the cdktf app's local target, offline terraform."""
    return {
        **aws_settings(endpoint_url),
        "EMR_TARGET": "local", "EMR_LOCAL_ENDPOINT": endpoint_url,
        "TF_CLI_CONFIG_FILE": str(tf.cli_config(state_dir)),
        # The Makefile sets these too: no version check call, no Node.js end-of-life banner on every jsii start.
        "CHECKPOINT_DISABLE": "1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }


def env_file_text(endpoint_url: str, state_dir: Path) -> str:
    lines = ["# Written by `make emulator`; `source` it. Removed by `make emulator-stop`.",
             # A profile or session token would win over these keys in some SDKs: the emulator needs neither.
             "unset AWS_PROFILE AWS_SESSION_TOKEN"]
    lines += [f"export {name}={value}" for name, value in shell_settings(endpoint_url, state_dir).items()]
    lines.append(f'export PATH="{ROOT / ".venv" / "bin"}:$PATH"   # emr-steps, and the python cdktf runs')
    return "\n".join(lines) + "\n"


def upload_demo_job(endpoint_url: str) -> str:
    """Create the artifacts bucket and upload the demo job; returns its s3:// URI."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint_url, region_name=REGION,
                      aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    s3.create_bucket(Bucket=ARTIFACTS_BUCKET)
    s3.upload_file(str(JOB), ARTIFACTS_BUCKET, "jobs/demo_job.py")
    return f"s3://{ARTIFACTS_BUCKET}/jobs/demo_job.py"


def forget_local_state(stack: str = "*") -> None:
    """Local-target terraform state names resources of an emulator that no longer runs."""
    for state in (ROOT / "cdktf.out" / "stacks").glob(f"{stack}/terraform.{stack}.local.tfstate*"):
        state.unlink()


def step_env() -> dict[str, str]:
    """PySpark steps run with this interpreter (the one that has pyspark), as in `make demo`."""
    return {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}


def _state(state_dir: Path) -> dict | None:
    try:
        state = json.loads((state_dir / "state.json").read_text())
        os.kill(state["pid"], 0)
        return state
    except (OSError, ValueError, KeyError):
        return None


def serve(port: int, state_dir: Path) -> int:
    """Run the emulator in this process until SIGINT/SIGTERM; write the state and env files once it listens."""
    from local_emr.server import LocalEmr

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    state_dir.mkdir(exist_ok=True)
    with LocalEmr(port=port, boot_seconds=2, bootstrap_seconds=2, step_env=step_env()) as emulator:
        (state_dir / "env").write_text(env_file_text(emulator.endpoint_url, state_dir))
        (state_dir / "state.json").write_text(json.dumps({"pid": os.getpid(), "endpoint_url": emulator.endpoint_url}))
        print(f"local EMR emulator listening on {emulator.endpoint_url}", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            for name in ("env", "state.json"):
                (state_dir / name).unlink(missing_ok=True)
            forget_local_state()
    print("local EMR emulator stopped", flush=True)
    return 0


def start(port: int, state_dir: Path) -> int:
    running = _state(state_dir)
    if running:
        print(f"the emulator already runs on {running['endpoint_url']} (pid {running['pid']}): "
              f"`source {_shown(state_dir / 'env')}`; `make emulator-stop` stops it")
        return 0
    if not tf.mirror_available():
        print(f"cdktf deploy needs terraform and the provider mirror at {tf.PLUGIN_DIR} (EMR_TF_PLUGIN_DIR)",
              file=sys.stderr)
    state_dir.mkdir(exist_ok=True)
    forget_local_state()
    for name in ("env", "state.json"):
        (state_dir / name).unlink(missing_ok=True)
    log = (state_dir / "emulator.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "scripts.emulator", "serve", "--port", str(port),
                                "--state-dir", str(state_dir)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + READY_SECONDS
    while _state(state_dir) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            print(f"the emulator did not start:\n{(state_dir / 'emulator.log').read_text()}", file=sys.stderr)
            return 1
        time.sleep(0.1)
    print(f"local EMR emulator running in the background on {_state(state_dir)['endpoint_url']} "
          f"(pid {process.pid}, log {_shown(state_dir / 'emulator.log')}). In your shell:\n")
    print(f"  source {_shown(state_dir / 'env')}\n")
    print((state_dir / "env").read_text())
    return 0


def stop(state_dir: Path) -> int:
    running = _state(state_dir)
    if running is None:
        print("no emulator is running")
        forget_local_state()
        return 0
    os.kill(running["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 30
    while _state(state_dir) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    if _state(state_dir) is not None:
        os.kill(running["pid"], signal.SIGKILL)
        for name in ("env", "state.json"):
            (state_dir / name).unlink(missing_ok=True)
        forget_local_state()
    print(f"stopped the emulator on {running['endpoint_url']}")
    return 0


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.emulator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("start", "serve", "upload-demo-job", "stop"))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR)
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    if args.command == "serve":
        return serve(args.port, state_dir)
    if args.command == "start":
        return start(args.port, state_dir)
    if args.command == "stop":
        return stop(state_dir)
    running = _state(state_dir)
    if running is None:
        print("no emulator is running: `make emulator` first", file=sys.stderr)
        return 2
    print(f"uploaded {upload_demo_job(running['endpoint_url'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
