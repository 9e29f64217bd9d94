"""`make bench`: how soon a line a running step prints reaches `emr-steps --follow`, on the emulator.

A step prints a numbered, timestamped line about every second (0.5–1.5 s apart, so the lines fall at every
phase of the agent's flush and of Live Tail's updates); the real CLI follows it and each line's latency is the
time it reached our stdout minus the time the step printed it. The emulator ships lines as the node does
(log_naming's shipping timing: the watcher's scan, the agent's 1 s flush). Also counts lines lost or printed
twice (both must stay 0). Measured, never asserted. Three runs:

- live: `--follow-mode live` (the numbers without a suffix; `log_latency_mode` says which mode they are);
- live, with Live Tail sessions that end every 10 s (restarted and read back): lost and duplicated lines;
- poll: `--follow-mode poll`, FilterLogEvents every 5 s.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

LINES = int(os.environ.get("BENCH_LOG_LINES", "60"))
SHORT_RUN_LINES = 30
FORCED_SESSION_SECONDS = 10.0


def job(lines: int) -> str:
    return ("import random, time\n"
            f"for i in range({lines}):\n"
            "    print(f'LATENCY {i} {time.time():.3f}', flush=True)\n"
            "    time.sleep(0.5 + random.random())\n")
# The emulator runs the entry point with plain Python: the point is the log path, not Spark. As Spark does,
# --py-files and spark.submit.pyFiles go on the PYTHONPATH.
STAND_IN_SPARK_SUBMIT = """#!{python}
import os, sys
args, py_files = sys.argv[1:], []
while args and args[0].startswith("--"):
    option, value = args[:2]
    if option == "--py-files" or (option == "--conf" and value.startswith("spark.submit.pyFiles=")):
        py_files += value.partition("=")[2].split(",") if option == "--conf" else value.split(",")
    args = args[2:]
os.environ["PYTHONPATH"] = os.pathsep.join(py_files + [os.environ.get("PYTHONPATH", "")])
os.execv({python!r}, [{python!r}] + args)
"""


class _Arrivals(io.TextIOBase):
    """stdout of the CLI: records when each LATENCY line arrives."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, float, float]] = []  # (line number, printed at, arrived at)
        self._buffer = ""

    def write(self, text: str) -> int:
        now = time.time()
        self._buffer += text
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            parts = line.split("LATENCY ", 1)
            if len(parts) == 2:
                number, printed = parts[1].split()[:2]
                self.seen.append((int(number), float(printed), now))
        return len(text)


@contextlib.contextmanager
def stand_in_environment(tmp: Path) -> Iterator[None]:
    """AWS keys for the emulator, and a spark-submit that runs the entry point with plain Python (the benches
    measure the emulator and the runner, not Spark); the environment as it was afterwards."""
    stand_in = tmp / "spark-submit"
    stand_in.write_text(STAND_IN_SPARK_SUBMIT.format(python=sys.executable))
    stand_in.chmod(0o755)
    saved = {k: os.environ.get(k) for k in ("LOCAL_EMR_SPARK_SUBMIT", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                                           "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_PROFILE")}
    os.environ.update(LOCAL_EMR_SPARK_SUBMIT=str(stand_in), AWS_ACCESS_KEY_ID="testing",
                      AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(mode: str, lines: int, session_seconds: float | None = None) -> dict[str, float]:
    """One followed step of ``lines`` lines: latency percentiles, lines lost and duplicated."""
    from local_emr.server import LocalEmr
    from step_runner import cli

    import boto3

    settings = {"live_tail_session_seconds": session_seconds} if session_seconds else {}
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp_name:
        tmp = Path(tmp_name)
        with stand_in_environment(tmp), LocalEmr(port=0, **settings) as emulator:
            os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint_url
            s3 = boto3.client("s3")
            s3.create_bucket(Bucket="bench-jobs")
            s3.put_object(Bucket="bench-jobs", Key="latency.py", Body=job(lines).encode())
            cluster_id = boto3.client("emr").run_job_flow(
                Name="bench", ReleaseLabel="emr-7.5.0", JobFlowRole="EMR_EC2_DefaultRole",
                ServiceRole="EMR_DefaultRole",
                Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                           "KeepJobFlowAliveWhenNoSteps": True})["JobFlowId"]
            boto3.client("emr").get_waiter("cluster_running").wait(ClusterId=cluster_id,
                                                                   WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
            spec = tmp / "latency.yaml"
            spec.write_text("steps:\n  - name: latency\n    deploy_mode: client\n"
                            "    entry_point: s3://bench-jobs/latency.py\n")
            out = _Arrivals()
            code = cli.main([str(spec), "--cluster-id", cluster_id, "--follow", "--follow-mode", mode, "-q",
                             "--no-logs", "--run-id", "bench", "--state-dir", str(tmp / "state")],
                            cli.Deps(stdout=out, stderr=io.StringIO(), install_signals=False))
            if code != 0:
                raise SystemExit(f"log latency bench: emr-steps exited {code}")
    numbers = [n for n, _, _ in out.seen]
    latencies = sorted(arrived - printed for _, printed, arrived in out.seen)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    return {"p50_seconds": round(statistics.median(latencies), 2), "p95_seconds": round(p95, 2),
            "max_seconds": round(latencies[-1], 2), "lost": lines - len(set(numbers)),
            "duplicated": len(numbers) - len(set(numbers))}


def measure() -> dict[str, float | str]:
    live = run("live", LINES)
    restarted = run("live", SHORT_RUN_LINES, session_seconds=FORCED_SESSION_SECONDS)
    polled = run("poll", SHORT_RUN_LINES)
    return {
        "log_latency_mode": "live",
        "log_latency_p50_seconds": live["p50_seconds"],
        "log_latency_p95_seconds": live["p95_seconds"],
        "log_latency_max_seconds": live["max_seconds"],
        "log_lines_lost": live["lost"],
        "log_lines_duplicated": live["duplicated"],
        "log_latency_session_restarts_p95_seconds": restarted["p95_seconds"],
        "log_lines_lost_across_session_restarts": restarted["lost"],
        "log_lines_duplicated_across_session_restarts": restarted["duplicated"],
        "log_latency_poll_p50_seconds": polled["p50_seconds"],
        "log_latency_poll_p95_seconds": polled["p95_seconds"],
        "log_lines_lost_polling": polled["lost"],
        "log_lines_duplicated_polling": polled["duplicated"],
    }


if __name__ == "__main__":
    print(json.dumps(measure(), sort_keys=True))
