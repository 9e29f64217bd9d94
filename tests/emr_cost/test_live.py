"""The live price book with botocore Stubber: real-shaped GetProducts answers (PriceList is a list of JSON
strings), spot history (latest price before ``at``, dearest zone), and the disk cache."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from emr_cost.errors import PriceSourceError
from emr_cost.live import LivePriceBook
from emr_cost.prices import PriceNotFound

AT = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def product(usd: str, **attrs: str) -> str:
    return json.dumps({"product": {"productFamily": "Compute Instance", "attributes": attrs, "sku": "ABC"},
                       "serviceCode": "AmazonEC2", "terms": {"OnDemand": {"ABC.JRTCKXETXF": {"priceDimensions": {
                           "ABC.JRTCKXETXF.6YS6EN2CT7": {"unit": "Hrs", "pricePerUnit": {"USD": usd},
                                                          "description": "$0.214 per On Demand Linux m5.xlarge"}}}}},
                       "version": "20260101", "publicationDate": "2026-01-01T00:00:00Z"})


@pytest.fixture()
def clients():
    kw = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    pricing, ec2 = boto3.client("pricing", **kw), boto3.client("ec2", **{**kw, "region_name": "eu-west-1"})
    with Stubber(pricing) as sp, Stubber(ec2) as se:
        yield pricing, ec2, sp, se


def book(clients, cache: Path | None = None) -> LivePriceBook:
    pricing, ec2, _, _ = clients
    return LivePriceBook(pricing, lambda region: ec2, cache, now=lambda: AT)


def test_on_demand_filters_and_answer(clients, tmp_path: Path) -> None:
    _, _, sp, _ = clients
    filters = [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in {
        "instanceType": "m5.xlarge", "regionCode": "eu-west-1", "operatingSystem": "Linux", "tenancy": "Shared",
        "preInstalledSw": "NA", "capacitystatus": "Used", "licenseModel": "No License required"}.items()]
    sp.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [product("0.2140000000", instanceType="m5.xlarge")]},
                    {"ServiceCode": "AmazonEC2", "Filters": filters, "FormatVersion": "aws_v1"})
    b = book(clients, tmp_path)
    price = b.ec2_hourly("eu-west-1", "m5.xlarge")
    assert (price.usd, price.unit, price.as_of) == (Decimal("0.214"), "hour", "2026-03-01")
    # the second ask is answered from the disk cache: no call stubbed
    again = book(clients, tmp_path).ec2_hourly("eu-west-1", "m5.xlarge")
    assert again.usd == Decimal("0.214") and "(cached)" in again.source
    assert "fetched 2026-03-01" in b.describe()
    sp.assert_no_pending_responses()


def test_emr_fee_and_gp3_throughput(clients) -> None:
    _, _, sp, _ = clients
    sp.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [product("0.048", softwareType="EMR")]},
                    {"ServiceCode": "ElasticMapReduce", "Filters": ANY, "FormatVersion": "aws_v1"})
    sp.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [product("0.0000000000"), product("0.044")]},
                    {"ServiceCode": "AmazonEC2", "Filters": [
                        {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Provisioned Throughput"},
                        {"Type": "TERM_MATCH", "Field": "volumeApiName", "Value": "gp3"},
                        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"}], "FormatVersion": "aws_v1"})
    b = book(clients)
    assert b.emr_fee_hourly("eu-west-1", "m5.xlarge").usd == Decimal("0.048")
    assert b.ebs_monthly("eu-west-1", "gp3", "throughput").usd == Decimal("0.044")


def test_no_product_is_price_not_found_and_aws_errors_are_typed(clients) -> None:
    _, _, sp, _ = clients
    sp.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": []})
    sp.add_client_error("get_products", "AccessDeniedException", "not allowed")
    b = book(clients)
    with pytest.raises(PriceNotFound):
        b.ec2_hourly("eu-west-1", "x9.huge")
    with pytest.raises(PriceSourceError, match="AccessDenied"):
        b.emr_fee_hourly("eu-west-1", "m5.xlarge")


def test_spot_latest_before_at_dearest_zone(clients) -> None:
    _, _, _, se = clients
    history = [
        {"AvailabilityZone": "eu-west-1a", "SpotPrice": "0.10", "Timestamp": AT - timedelta(hours=5)},
        {"AvailabilityZone": "eu-west-1a", "SpotPrice": "0.12", "Timestamp": AT - timedelta(hours=1)},
        {"AvailabilityZone": "eu-west-1b", "SpotPrice": "0.11", "Timestamp": AT - timedelta(hours=2)},
        {"AvailabilityZone": "eu-west-1b", "SpotPrice": "0.50", "Timestamp": AT + timedelta(hours=1)},
    ]
    se.add_response("describe_spot_price_history", {"SpotPriceHistory": history},
                    {"InstanceTypes": ["r5.2xlarge"], "ProductDescriptions": ["Linux/UNIX"], "StartTime": AT, "EndTime": AT})
    price = book(clients).ec2_hourly("eu-west-1", "r5.2xlarge", "SPOT", at=AT)
    assert price.usd == Decimal("0.12") and "DescribeSpotPriceHistory" in price.source
