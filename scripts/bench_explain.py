"""`make bench`: `emr-steps explain FILE` on big driver logs.

A log of INFO chatter (task and block-manager lines), WARN lines every few hundred lines, and at its end a real
failure from the triage corpus (a PySpark ModuleNotFoundError). Measured, never asserted:
- explain_10mb_seconds: the whole command on a 10 MB file (median of 3, in this process);
- explain_1gb_seconds and explain_1gb_peak_rss_mb: a 1 GB file in a fresh process, and its peak memory.
"""
from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAILURE = ROOT / "tests" / "step_runner" / "corpus" / "a-kmeans-worker-no-numpy.log"
MB = 1024 * 1024


def chatter(i: int) -> str:
    if i % 400 == 0:
        return f"26/11/25 12:{i % 60:02d}:05 WARN TaskSetManager: Lost task {i}.0 in stage 3.0 (TID {i}): slow node\n"
    return (f"26/11/25 12:{i % 60:02d}:05 INFO TaskSetManager: Finished task {i}.0 in stage 3.0 (TID {i}) in "
            f"1234 ms on ip-10-0-1-{i % 250}.ec2.internal (executor {i % 40}) ({i}/200000)\n")


def write_log(path: Path, size: int) -> None:
    block = "".join(chatter(i) for i in range(1, 20_001))
    from scripts.corpus_accuracy import load

    failure = load(FAILURE).text
    with open(path, "w", encoding="utf-8") as out:
        written = 0
        while written < size:
            out.write(block)
            written += len(block)
        out.write(failure)


def explain(path: Path) -> str:
    """The kind `emr-steps explain FILE --json` prints (the real CLI, in this process)."""
    from step_runner import cli

    out = io.StringIO()
    cli.main(["explain", str(path), "--json"], cli.Deps(stdout=out, stderr=io.StringIO(), install_signals=False))
    return json.loads(out.getvalue())["kind"]


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-explain-") as tmp:
        small, big = Path(tmp) / "driver-10mb.log", Path(tmp) / "driver-1gb.log"
        write_log(small, 10 * MB)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            kind = explain(small)
            times.append(time.perf_counter() - start)
        if kind != "missing_dependency":
            raise SystemExit(f"explain bench: 10 MB log explained as {kind}")
        write_log(big, 1024 * MB)
        start = time.perf_counter()
        # VmHWM, the peak of this process's own memory: ru_maxrss would also count the parent it was forked from,
        # which in `make bench` has just synthesized every stack
        probe = ("import os, sys; sys.path.insert(0, sys.argv[2]); from scripts.bench_explain import explain; "
                 "from scripts.bench import _peak_kb; "
                 "kind = explain(__import__('pathlib').Path(sys.argv[1])); print(kind, _peak_kb(os.getpid()))")
        done = subprocess.run([sys.executable, "-c", probe, str(big), str(ROOT)], capture_output=True, text=True,
                              check=True)
        seconds = time.perf_counter() - start
        kind, peak_kb = done.stdout.split()
        if kind != "missing_dependency":
            raise SystemExit(f"explain bench: 1 GB log explained as {kind}")
    return {"explain_10mb_seconds": round(statistics.median(times), 3), "explain_1gb_seconds": round(seconds, 1),
            "explain_1gb_peak_rss_mb": round(int(peak_kb) / 1024)}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(measure(), sort_keys=True))
