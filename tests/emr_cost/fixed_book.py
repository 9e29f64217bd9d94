"""A small fixed price book with round figures, so every expected cost in the tests is worked out by hand."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from emr_cost.prices import Price, PriceNotFound

AS_OF = "2026-11-01"
# m5.xlarge: on demand $0.36/h = $0.0001/s, Spot $0.108/h = $0.00003/s, EMR fee $0.072/h = $0.00002/s.
EC2 = {("m5.xlarge", "ON_DEMAND"): "0.36", ("m5.xlarge", "SPOT"): "0.108", ("r5.xlarge", "ON_DEMAND"): "0.72"}
EMR = {"m5.xlarge": "0.072", "r5.xlarge": "0.144"}
EBS = {("gp3", "storage"): "0.08", ("gp3", "iops"): "0.005", ("gp3", "throughput"): "0.04",
       ("gp2", "storage"): "0.10", ("io1", "storage"): "0.125", ("io1", "iops"): "0.065"}


class FixedBook:
    """PriceBook with the figures above, for region us-east-1 only; records every ``at`` asked for Spot."""

    def __init__(self) -> None:
        self.spot_at: list[datetime | None] = []

    def _region(self, region: str) -> None:
        if region != "us-east-1":
            raise PriceNotFound(f"no prices for region {region}")

    def ec2_hourly(self, region: str, instance_type: str, market: str = "ON_DEMAND",
                   at: datetime | None = None) -> Price:
        self._region(region)
        if market == "SPOT":
            self.spot_at.append(at)
        try:
            return Price(Decimal(EC2[(instance_type, market)]), "hour", "fixed test book", AS_OF)
        except KeyError:
            raise PriceNotFound(f"no {market} price for {instance_type} in {region}") from None

    def emr_fee_hourly(self, region: str, instance_type: str) -> Price:
        self._region(region)
        return Price(Decimal(EMR[instance_type]), "hour", "fixed test book", AS_OF)

    def ebs_monthly(self, region: str, volume_type: str, what: str = "storage") -> Price:
        self._region(region)
        try:
            return Price(Decimal(EBS[(volume_type, what)]), "GB-month", "fixed test book", AS_OF)
        except KeyError:
            raise PriceNotFound(f"no EBS {what} price for {volume_type}") from None

    def describe(self) -> str:
        return f"fixed test book ({AS_OF})"
