"""`make bench`: synthesis speed and memory against the CDK core floor (cdktn or cdktf, as EMR_CDK chooses).

The last line printed is one JSON object (the keys the issues ask for). Figures are medians
of repeated runs in fresh processes, measured here and never asserted by a timed test.
"""
from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))

EMPTY_STACK = """
from {library} import App, TerraformStack
app = App(outdir={outdir!r})
TerraformStack(app, "empty")
app.synth()
"""


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _peak_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed_run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds, and the peak RSS in MB of the largest process in the child's tree."""
    peaks: dict[int, int] = {}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for pid in _descendants(process.pid):
                peaks[pid] = max(peaks.get(pid, 0), _peak_kb(pid))
            done.wait(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr.decode()}")
    return seconds, max(peaks.values(), default=0) / 1024


def chosen_library(env: dict[str, str]) -> tuple[str, str]:
    """The library emr_constructs.cdk picks under ``env``, and its version: asked in a child, since
    importing it here would start a jsii kernel in the measuring process."""
    name = subprocess.run([sys.executable, "-c", "from emr_constructs.cdk import NAME; print(NAME)"], cwd=ROOT,
                          env=env, check=True, capture_output=True, text=True).stdout.strip()
    return name, version(name)


def measure_synth() -> dict[str, float]:
    """Both sides import from bytecode, as any Python does after the first run (pip compiled
    cdktf's at install; ours is compiled here, since PYTHONDONTWRITEBYTECODE may be set)."""
    for package in ("emr_contract", "emr_constructs", "stacks"):  # every package of ours the synth imports
        compileall.compile_dir(ROOT / package, quiet=1)
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", EMR_STACKS="")
    library, library_version = chosen_library(env)
    full, floor, rss = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(RUNS):
            seconds, peak = timed_run([sys.executable, "-c", EMPTY_STACK.format(library=library, outdir=f"{tmp}/e{i}")], env)
            floor.append(seconds)
            seconds, peak = timed_run(
                [sys.executable, "-c",
                 f"from {library} import App; from stacks.app_builder import build_app; "
                 f"build_app(App(outdir={tmp + '/f' + str(i)!r})).synth()"],
                env,
            )
            full.append(seconds)
            rss.append(peak)
    synth, core = statistics.median(full), statistics.median(floor)
    return {
        "cdk_library": f"{library} {library_version}",
        "synth_seconds": round(synth, 3),
        "core_floor_seconds": round(core, 3),
        "synth_vs_core_floor_ratio": round(synth / core, 3),
        "synth_peak_rss_mb": round(max(rss), 1),
    }


def main() -> None:
    result = measure_synth()
    print(f"full synth of every shipped stack: median {result['synth_seconds']} s over {RUNS} runs; "
          f"empty {result['cdk_library']} stack: {result['core_floor_seconds']} s; largest process {result['synth_peak_rss_mb']} MB")
    from scripts.bench_log_latency import measure as measure_log_latency
    from scripts.bench_poll import measure as measure_poll

    result.update(measure_poll())
    latency = measure_log_latency()
    print(f"emr-steps --follow --follow-mode live on the emulator (agent flush modelled): a line reaches stdout "
          f"p50 {latency['log_latency_p50_seconds']} s, p95 {latency['log_latency_p95_seconds']} s, max "
          f"{latency['log_latency_max_seconds']} s after the step printed it; {latency['log_lines_lost']} lost, "
          f"{latency['log_lines_duplicated']} duplicated; with sessions ending every 10 s: "
          f"{latency['log_lines_lost_across_session_restarts']} lost, "
          f"{latency['log_lines_duplicated_across_session_restarts']} duplicated; polling: p50 "
          f"{latency['log_latency_poll_p50_seconds']} s, p95 {latency['log_latency_poll_p95_seconds']} s")
    result.update(latency)
    from scripts.bench_explain import measure as measure_explain

    result.update(measure_explain())
    print(f"emr-steps explain: a 10 MB driver log in {result['explain_10mb_seconds']} s (goal < 0.5 s); a 1 GB one "
          f"in {result['explain_1gb_seconds']} s, peak memory {result['explain_1gb_peak_rss_mb']} MB")
    from scripts.bench_cost import measure as measure_cost

    result.update(measure_cost())
    print(f"emr-cost estimate over every shipped stack: median {result['cost_estimate_all_stacks_seconds']} s (goal < 2 s)")
    from scripts.bench_scaling import measure as measure_scaling

    result.update(measure_scaling())
    print(f"emr-scaling simulate, a 200-application day at one-minute resolution through emr-production: median "
          f"{result['scaling_simulate_day_seconds']} s for the command (goal < 1 s), "
          f"{result['scaling_model_day_seconds']} s of it simulating")
    from scripts.bench_emulator_scaling import measure as measure_emulator_scaling

    result.update(measure_emulator_scaling())
    print(f"the emulator's scaling at its default clock factor: a burst of steps to the new task node RUNNING in "
          f"{result['emulator_scale_out_seconds']} s (median; goal < 30 s)")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
