"""The README's library example runs as written."""
import json
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_block_after(heading: str) -> str:
    text = README.read_text()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_use_the_constructs_example_synthesizes(tmp_path):
    code = _python_block_after("## Use the constructs in your own app")
    assert "App()" in code
    # jsii's node process keeps the directory it started in: name the output directory explicitly.
    code = code.replace("App()", f"App(outdir={str(tmp_path / 'out')!r})")
    exec(compile(code, "README.md", "exec"), {})
    stack = json.loads((tmp_path / "out" / "stacks" / "analytics" / "cdk.tf.json").read_text())
    (cluster,) = stack["resource"]["aws_emr_cluster"].values()
    assert cluster["step_concurrency_level"] == 10
    assert cluster["core_instance_group"][0]["instance_count"] == 4


def test_step_runner_library_example_runs_against_the_strict_fake(tmp_path, monkeypatch):
    """The "Library use" example, with the strict EMR fake behind make_clients and fake time."""
    from step_runner import emr_adapter

    from tests.step_runner.conftest import FakeClock
    from tests.step_runner.strict_emr import StrictEmr

    code = _python_block_after("### Library use")
    assert "clock=time.monotonic, sleep=time.sleep" in code
    code = code.replace("clock=time.monotonic, sleep=time.sleep", "clock=clock, sleep=clock.sleep")
    clock = FakeClock()
    emr = StrictEmr(clock)
    emr.cluster(cluster_id="j-XXXXXXXX")
    client = emr.client()
    monkeypatch.setattr(emr_adapter, "make_clients", lambda region=None, profile=None: (client, None))
    monkeypatch.setattr(emr_adapter, "make_submit_client", lambda region=None, profile=None: client)
    (tmp_path / "steps.yaml").write_text("steps:\n  - name: a\n    entry_point: s3://b/a.py\n")
    monkeypatch.chdir(tmp_path)
    namespace = {"clock": clock}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["report"].outcome == "SUCCEEDED"
    assert emr.submitted_names() == ["a [run=nightly-2026-11-25]"]
