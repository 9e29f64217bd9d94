"""The bundled snapshot prices every instance type the shipped stacks and the module examples use, in both
regions they deploy to; and its one derived EMR fee follows the rule its source states, checked on every fee the
snapshot took from the EMR pricing page."""
from __future__ import annotations

import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import botocore.validate  # noqa: F401  (imported before the tests: urllib3 binds a socket to probe IPv6 on import)

from emr_cost.cli import main
from emr_cost.snapshot import SnapshotPriceBook
from stacks.module_examples import build_module_examples


@pytest.fixture(scope="module")
def every_stack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from emr_constructs.cdk import App
    from stacks.app_builder import build_app
    from stacks.environment import Environment

    out = {}
    for region in ("eu-west-1", "us-east-1"):
        path = tmp_path_factory.mktemp(region)
        app = App(outdir=str(path))
        build_app(app, env={"EMR_REGION": region})
        build_module_examples(app, Environment(region=region))
        app.synth()
        out[region] = path / "stacks"
    return out


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
def test_every_shipped_instance_type_is_priced(every_stack, region):
    out, err = io.StringIO(), io.StringIO()
    code = main(["estimate", str(every_stack[region]), "--json", "--strict"], out=out, err=err)
    report = json.loads(out.getvalue())
    assert len(report["stacks"]) == 8 and {s["region"] for s in report["stacks"]} == {region}
    assert code == 0, [c.get("missing") for s in report["stacks"] for c in s["clusters"]]


def test_the_derived_emr_fee_follows_the_published_ones():
    book = SnapshotPriceBook.load()
    us = book.data["regions"]["us-east-1"]
    published = {t: Decimal(fee) for t, (fee, src) in us["emr"].items() if src == "emr-pricing"}
    current = {t: fee for t, fee in published.items() if not t.startswith("c4.")}
    assert len(current) >= 15
    for t, fee in current.items():
        assert fee == (Decimal(us["ec2"][t][0]) / 4).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), t
    derived = {t: Decimal(fee) for t, (fee, src) in us["emr"].items() if src == "derived-emr-fee"}
    for t, fee in derived.items():
        assert fee == (Decimal(us["ec2"][t][0]) / 4).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), t
    assert set(derived) == {"m5a.xlarge"}


def test_every_source_is_used_and_every_figure_has_one():
    data = SnapshotPriceBook.load().data
    used = set()
    for region in data["regions"].values():
        for kind, figures in region.items():
            for figure in figures.values():
                used.update([figure[1]] if isinstance(figure, list) else [f[1] for f in figure.values()])
    assert used == set(data["sources"])
