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
