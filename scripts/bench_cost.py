"""`make bench`'s cost figure: `emr-cost estimate` over every shipped stack, synthesized once, timed as the
median of fresh processes (goal: under 2 s)."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def measure() -> dict[str, float]:
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", EMR_STACKS="")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", "from emr_constructs.cdk import App; from stacks.app_builder import "
                        f"build_app; build_app(App(outdir={tmp!r})).synth()"], cwd=ROOT, env=env, check=True)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "emr_cost", "estimate", f"{tmp}/stacks", "--json"], cwd=ROOT, env=env,
                           check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return {"cost_estimate_all_stacks_seconds": round(statistics.median(times), 3)}


if __name__ == "__main__":
    print(measure())
