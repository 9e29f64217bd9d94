"""The README's library example runs as written."""
import json
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_block_after(heading: str) -> str:
    text = README.read_text()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_use_the_constructs_example_synthesizes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(_python_block_after("## Use the constructs in your own app"), "README.md", "exec"), {})
    stack = json.loads((tmp_path / "cdktf.out" / "stacks" / "analytics" / "cdk.tf.json").read_text())
    (cluster,) = stack["resource"]["aws_emr_cluster"].values()
    assert cluster["step_concurrency_level"] == 10
    assert cluster["core_instance_group"][0]["instance_count"] == 4
