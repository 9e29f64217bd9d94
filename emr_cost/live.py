"""The live price book: the AWS Price List Query API (pricing GetProducts) and EC2 DescribeSpotPriceHistory,
cached on disk with the date each figure was fetched.

The Price List Query API answers in us-east-1, eu-central-1 and ap-south-1 only
(https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html); each
PriceList entry is a JSON string with product attributes and OnDemand terms
(https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html).
Spot: the latest price at or before ``at`` in each Availability Zone, the dearest zone taken
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSpotPriceHistory.html).
boto3 is imported only here, and only when a session is made.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import PriceSourceError
from .prices import Price, PriceNotFound

PRICING_REGION = "us-east-1"
SOURCE = "AWS Price List API"
SPOT_SOURCE = "EC2 DescribeSpotPriceHistory"
# productFamily per EBS figure in the AmazonEC2 price list.
EBS_FAMILIES = {"storage": ("Storage", "GB-month"), "iops": ("System Operation", "IOPS-month"),
                "throughput": ("Provisioned Throughput", "MiBps-month")}


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "emr-cost"


def _filters(**terms: str) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in terms.items()]


@dataclass
class LivePriceBook:
    """``pricing``: a boto3 pricing client; ``ec2_for``: region -> EC2 client (for spot)."""

    pricing: Any
    ec2_for: Callable[[str], Any]
    cache_dir: Path | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    fetched: set[str] = field(default_factory=set)

    @classmethod
    def from_session(cls, cache_dir: Path | None = None, profile: str | None = None,
                     endpoint_url: str | None = None) -> "LivePriceBook":
        try:
            import boto3
        except ImportError as e:  # pragma: no cover - boto3 is a dependency of the kit
            raise PriceSourceError("live prices need boto3") from e
        session = boto3.Session(profile_name=profile)
        pricing = session.client("pricing", region_name=PRICING_REGION, endpoint_url=endpoint_url)
        return cls(pricing, lambda region: session.client("ec2", region_name=region, endpoint_url=endpoint_url),
                   cache_dir)

    # --- PriceBook ----------------------------------------------------------------------------------

    def ec2_hourly(self, region: str, instance_type: str, market: str = "ON_DEMAND",
                   at: datetime | None = None) -> Price:
        if market == "SPOT":
            return self._spot(region, instance_type, at or self.now())
        return self._cached(f"ec2|{region}|{instance_type}", lambda: self._product(
            "AmazonEC2", _filters(instanceType=instance_type, regionCode=region, operatingSystem="Linux",
                                  tenancy="Shared", preInstalledSw="NA", capacitystatus="Used", licenseModel="No License required"),
            "hour", f"EC2 {instance_type} in {region}"))

    def emr_fee_hourly(self, region: str, instance_type: str) -> Price:
        return self._cached(f"emr|{region}|{instance_type}", lambda: self._product(
            "ElasticMapReduce", _filters(instanceType=instance_type, regionCode=region, softwareType="EMR"),
            "hour", f"EMR fee for {instance_type} in {region}"))

    def ebs_monthly(self, region: str, volume_type: str, what: str = "storage") -> Price:
        if what not in EBS_FAMILIES:
            raise PriceNotFound(f"EBS figure {what!r} (storage, iops or throughput)")
        family, unit = EBS_FAMILIES[what]
        return self._cached(f"ebs|{region}|{volume_type}|{what}", lambda: self._product(
            "AmazonEC2", _filters(productFamily=family, volumeApiName=volume_type, regionCode=region),
            unit, f"EBS {volume_type} {what} in {region}"))

    def describe(self) -> str:
        dates = sorted(self.fetched)
        when = f"fetched {dates[0]}" + (f" to {dates[-1]}" if len(dates) > 1 else "") if dates else "nothing fetched yet"
        return f"live: {SOURCE} and {SPOT_SOURCE} ({when}" + (f"; cache {self.cache_dir}" if self.cache_dir else "") + ")"

    # --- the calls ----------------------------------------------------------------------------------

    def _product(self, service: str, filters: list[dict[str, str]], unit: str, what: str) -> Price:
        prices = set()
        try:
            pages = self.pricing.get_paginator("get_products").paginate(ServiceCode=service, Filters=filters,
                                                                          FormatVersion="aws_v1")
            for page in pages:
                for item in page.get("PriceList", []):
                    prices.update(on_demand_prices(json.loads(item) if isinstance(item, str) else item))
        except (ValueError, KeyError) as e:
            raise PriceSourceError(f"{SOURCE}: an answer for {what} we cannot read: {e}") from e
        except Exception as e:
            if _aws_error(e):
                raise PriceSourceError(f"{SOURCE} for {what}: {e}") from e
            raise
        prices.discard(Decimal(0))  # free tiers, e.g. gp3's first 3,000 IOPS
        if not prices:
            raise PriceNotFound(f"{what} ({SOURCE} has no such product)")
        # Several matching products: the dearest, so an estimate errs high, not low.
        return Price(max(prices), unit, f"{SOURCE} ({service})", self.now().date().isoformat())

    def _spot(self, region: str, instance_type: str, at: datetime) -> Price:
        key = f"spot|{region}|{instance_type}|{at.strftime('%Y-%m-%dT%H')}"
        def fetch() -> Price:
            try:
                answer = self.ec2_for(region).describe_spot_price_history(
                    InstanceTypes=[instance_type], ProductDescriptions=["Linux/UNIX"], StartTime=at, EndTime=at)
            except Exception as e:
                if _aws_error(e):
                    raise PriceSourceError(f"{SPOT_SOURCE} for {instance_type} in {region}: {e}") from e
                raise
            latest: dict[str, tuple[datetime, Decimal]] = {}
            for h in answer.get("SpotPriceHistory", []):
                ts = h["Timestamp"]
                if ts > at:
                    continue
                zone = h.get("AvailabilityZone", "")
                if zone not in latest or ts > latest[zone][0]:
                    latest[zone] = (ts, Decimal(h["SpotPrice"]))
            if not latest:
                raise PriceNotFound(f"spot price of {instance_type} in {region} at {at.isoformat()}")
            return Price(max(p for _, p in latest.values()), "hour",
                         f"{SPOT_SOURCE} (dearest zone, latest before {at.isoformat()})", self.now().date().isoformat())
        return self._cached(key, fetch)

    # --- the disk cache -----------------------------------------------------------------------------

    def _cached(self, key: str, fetch: Callable[[], Price]) -> Price:
        path = self.cache_dir / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".json") if self.cache_dir else None
        if path is not None and path.is_file():
            try:
                d = json.loads(path.read_text(encoding="utf-8"))
                price = Price(Decimal(d["usd"]), d["unit"], d["source"] + " (cached)", d["as_of"])
                self.fetched.add(price.as_of)
                return price
            except (OSError, ValueError, KeyError):
                pass  # a damaged entry is fetched again
        price = fetch()
        self.fetched.add(price.as_of)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"key": key, "usd": str(price.usd), "unit": price.unit, "source": price.source,
                                       "as_of": price.as_of}), encoding="utf-8")
            tmp.replace(path)
        return price


def _aws_error(e: Exception) -> bool:
    """An error of AWS or of botocore (no credentials, no connection), not a bug of ours."""
    from botocore.exceptions import BotoCoreError, ClientError
    return isinstance(e, (BotoCoreError, ClientError))


def on_demand_prices(product: dict[str, Any]) -> set[Decimal]:
    """Every USD price per unit in a Price List product's OnDemand terms."""
    out = set()
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dim in term.get("priceDimensions", {}).values():
            usd = dim.get("pricePerUnit", {}).get("USD")
            if usd is not None:
                out.add(Decimal(usd))
    return out
