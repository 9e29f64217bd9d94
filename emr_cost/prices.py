"""The price book's interface: every figure carries where it came from and when.

EMR on EC2 bills each instance its EC2 price plus the EMR fee, per second with a one-minute minimum, plus
its EBS volumes (https://aws.amazon.com/emr/pricing/). Amounts are Decimal US dollars, so sums are exact
to the cent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class Price:
    """One figure: ``usd`` per ``unit`` (e.g. "hour", "GB-month", "IOPS-month", "MiBps-month")."""

    usd: Decimal
    unit: str
    source: str  # "snapshot <file> (<page or API>)", "AWS Price List API", "DescribeSpotPriceHistory", "assumption: ..."
    as_of: str  # ISO date the figure was fetched or published


class PriceNotFound(LookupError):
    """No figure for this region / instance type / volume type in the source asked."""


class PriceBook(Protocol):
    """What every source answers. Market: "ON_DEMAND" or "SPOT" (EMR's names)."""

    def ec2_hourly(self, region: str, instance_type: str, market: str = "ON_DEMAND",
                   at: datetime | None = None) -> Price: ...

    def emr_fee_hourly(self, region: str, instance_type: str) -> Price: ...

    def ebs_monthly(self, region: str, volume_type: str, what: str = "storage") -> Price:
        """``what``: "storage" (per GB-month), "iops" (per provisioned IOPS-month above the free baseline),
        "throughput" (per MiB/s-month above the free baseline)."""
        ...

    def describe(self) -> str:
        """One line for reports: which source and which date."""
        ...
