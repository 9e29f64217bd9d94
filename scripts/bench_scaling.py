"""`make bench`'s scaling figures: the shipped example day (200 applications, 24 hours at one-minute resolution)
through emr-production's managed scaling. ``scaling_simulate_day_seconds`` is the whole `emr-scaling simulate
... --json` command (start-up, reading, simulating, pricing, writing), ``scaling_model_day_seconds`` the
simulation alone; each the median of fresh processes (goal: the command under 1 s)."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
WORKLOAD = ROOT / "examples" / "workload-day.yaml"
_MODEL_ONLY = """
import json, sys, time
from pathlib import Path
from emr_scaling.simulate_cmd import _target
from emr_scaling.workload.file import load_workload
from emr_scaling.params import ModelParams
from emr_scaling.simulate import simulate
workload = load_workload(Path(sys.argv[2]))
_, shape = _target(sys.argv[1], None)
start = time.perf_counter()
result = simulate(shape, workload, ModelParams())
print(json.dumps({"seconds": time.perf_counter() - start, "apps": len(workload.applications),
                  "rows": len(result.timeline)}))
"""


def measure() -> dict[str, float]:
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", EMR_STACKS="")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", "from emr_constructs.cdk import App; from stacks.app_builder import "
                        f"build_app; build_app(App(outdir={tmp!r})).synth()"], cwd=ROOT, env=env, check=True)
        stack = f"{tmp}/stacks/emr-production"
        command, model = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "emr_scaling", "simulate", stack, "--workload", str(WORKLOAD),
                            "--json"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
            command.append(time.perf_counter() - start)
            out = subprocess.run([sys.executable, "-c", _MODEL_ONLY, stack, str(WORKLOAD)], cwd=ROOT, env=env,
                                 check=True, capture_output=True, text=True).stdout
            figures = json.loads(out)
            assert figures["apps"] == 200 and figures["rows"] == 1441, figures
            model.append(figures["seconds"])
    return {"scaling_simulate_day_seconds": round(statistics.median(command), 3),
            "scaling_model_day_seconds": round(statistics.median(model), 3)}


if __name__ == "__main__":
    print(measure())
