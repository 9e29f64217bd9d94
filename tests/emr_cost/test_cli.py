"""`emr-cost estimate` over every shipped stack (synthesized once into tmp), in all three formats."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from emr_cost.cli import EXIT_BAD_INPUT, main
from stacks.examples import EXAMPLES


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from emr_constructs.cdk import App
    from stacks.app_builder import build_app

    out = tmp_path_factory.mktemp("cdktf.out")
    build_app(App(outdir=str(out)), env={}).synth()
    return out / "stacks"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_table_names_every_shipped_stack_and_the_price_source(synthesized: Path) -> None:
    code, out, _ = run("estimate", str(synthesized))
    assert code == 0
    for name in EXAMPLES:
        assert f"{name} (eu-west-1)" in out
    assert out.startswith("prices: bundled price snapshot price_snapshot.json of ")
    assert "24 h/day" in out and "left out: data transfer" in out


def test_json_parses(synthesized: Path) -> None:
    code, out, _ = run("estimate", str(synthesized), "--json", "--hours-per-day", "8")
    report = json.loads(out)
    assert code == 0 and {s["stack"] for s in report["stacks"]} == set(EXAMPLES)
    assert report["hours_per_day"] == 8.0
    minimal = next(s for s in report["stacks"] if s["stack"] == "emr-minimal")
    assert [sc["name"] for sc in minimal["clusters"][0]["scenarios"]] == ["initial", "minimum", "maximum"]


def test_markdown_renders_tables(synthesized: Path) -> None:
    code, out, _ = run("estimate", str(synthesized), "--markdown")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "## EMR cost estimate"
    header = lines.index("| scenario | instances | EC2 on-demand | EC2 spot | EMR fee | EBS | $/hour | $/month |")
    assert lines[header + 1] == "| --- | --- | --- | --- | --- | --- | --- | --- |"
    assert out.count("| initial |") == len(EXAMPLES)


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, out, err = run("estimate", str(tmp_path / "nope.json"))
    assert (code, out) == (EXIT_BAD_INPUT, "") and err.count("\n") == 1 and "does not exist" in err
    code, _, err = run("estimate", "--hours-per-day", "25", str(tmp_path))
    assert code == EXIT_BAD_INPUT and "hours-per-day" in err


def test_strict_fails_on_a_missing_price(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"provider": {"aws": [{"region": "ap-east-1"}]}, "resource": {"aws_emr_cluster": {
        "c": {"name": "c", "master_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 1}]}}}}))
    code, out, _ = run("estimate", str(path))
    assert code == 0 and "NOT PRICED: EC2 m5.xlarge in ap-east-1" in out
    assert run("estimate", str(path), "--strict")[0] == 3
