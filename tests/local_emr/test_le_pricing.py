"""The emulator's Price List API and spot history (local_emr/api/pricing_api.py): real boto3 clients, and
`emr-cost estimate --prices live` end to end, answered from emr_cost's snapshot."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from emr_cost.cli import main
from emr_cost.live import LivePriceBook
from emr_cost.snapshot import SnapshotPriceBook

from .conftest import FAKE

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pricing(emulator: Any) -> Any:
    return boto3.client("pricing", endpoint_url=emulator.endpoint_url, **FAKE)


def test_get_products_answers_like_aws(pricing: Any) -> None:
    filters = [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in
               {"instanceType": "m5.xlarge", "regionCode": "us-east-1", "operatingSystem": "Linux", "tenancy": "Shared",
                "preInstalledSw": "NA", "capacitystatus": "Used"}.items()]
    answer = pricing.get_products(ServiceCode="AmazonEC2", Filters=filters)
    assert len(answer["PriceList"]) == 1 and isinstance(answer["PriceList"][0], str)
    product = json.loads(answer["PriceList"][0])
    (term,) = product["terms"]["OnDemand"].values()
    (dim,) = term["priceDimensions"].values()
    assert dim["pricePerUnit"]["USD"] == "0.192" and dim["unit"] == "Hrs"
    assert pricing.get_products(ServiceCode="AmazonEC2", Filters=filters[:1] + [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "ap-east-1"}])["PriceList"] == []


def test_describe_services_and_attribute_values(pricing: Any) -> None:
    codes = {s["ServiceCode"] for s in pricing.describe_services()["Services"]}
    assert {"AmazonEC2", "ElasticMapReduce"} <= codes
    values = {v["Value"] for v in pricing.get_attribute_values(ServiceCode="AmazonEC2",
                                                               AttributeName="volumeApiName")["AttributeValues"]}
    assert {"gp3", "gp2", "io1"} <= values


def test_spot_price_history_from_the_snapshot(emulator: Any) -> None:
    ec2 = boto3.client("ec2", endpoint_url=emulator.endpoint_url, **{**FAKE, "region_name": "eu-west-1"})
    history = ec2.describe_spot_price_history(InstanceTypes=["r5.2xlarge"], ProductDescriptions=["Linux/UNIX"])
    prices = {(h["AvailabilityZone"], h["SpotPrice"]) for h in history["SpotPriceHistory"]}
    assert prices == {("eu-west-1a", "0.282"), ("eu-west-1b", "0.282")}


def test_live_book_against_the_emulator_matches_the_snapshot(emulator: Any, tmp_path: Path) -> None:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    book = LivePriceBook(session.client("pricing", region_name="us-east-1", endpoint_url=emulator.endpoint_url),
                         lambda region: session.client("ec2", region_name=region, endpoint_url=emulator.endpoint_url),
                         tmp_path)
    snap = SnapshotPriceBook.load()
    for region, itype in (("eu-west-1", "r5.2xlarge"), ("us-east-1", "c6g.4xlarge")):
        assert book.ec2_hourly(region, itype).usd == snap.ec2_hourly(region, itype).usd
    assert book.emr_fee_hourly("eu-west-1", "m5.xlarge").usd == Decimal("0.048")
    assert book.ebs_monthly("eu-west-1", "gp3", "throughput").usd == Decimal("0.044")
    # The emulator's spot history is stamped with the snapshot's date: ask for a moment after it.
    at = datetime.fromisoformat(snap.data["as_of"]).replace(tzinfo=timezone.utc) + timedelta(days=30)
    assert book.ec2_hourly("eu-west-1", "r5.2xlarge", "SPOT", at=at).usd == Decimal("0.282")
    assert "AWS Price List API" in book.describe()


def test_estimate_with_live_prices_from_the_emulator(emulator: Any, tmp_path: Path, monkeypatch: Any) -> None:
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(k, v)
    stack = tmp_path / "s.tf.json"
    stack.write_text(json.dumps({"provider": {"aws": [{"region": "eu-west-1"}]}, "resource": {"aws_emr_cluster": {"c": {
        "name": "c", "master_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 1}],
        "core_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 2}]}}}}))
    out = io.StringIO()
    code = main(["estimate", str(stack), "--json", "--prices", "live", "--endpoint-url", emulator.endpoint_url,
                 "--cache-dir", str(tmp_path / "cache")], out=out)
    assert code == 0
    report = json.loads(out.getvalue())
    assert report["prices"].startswith("live: AWS Price List API")
    initial = report["stacks"][0]["clusters"][0]["scenarios"][0]
    assert initial["hourly_low"]["total"] == "0.79"  # 3 x (0.214 + 0.048)
