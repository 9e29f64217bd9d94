"""The price book's interface: every figure carries where it came from and when.

EMR on EC2 bills each instance its EC2 price plus the EMR fee, per second with a one-minute minimum, plus
its EBS volumes (https://aws.amazon.com/emr/pricing/). Amounts are Decimal US dollars, so sums are exact
to the cent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Optional, Protocol


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


def open_price_book(source: str = "snapshot", *, snapshot_file: Optional[Path] = None,
                    cache_dir: Optional[Path] = None, profile: Optional[str] = None,
                    endpoint_url: Optional[str] = None) -> PriceBook:
    """The price book ``source`` names: "snapshot" (the bundled file, or ``snapshot_file``) or "live" (the AWS
    Price List API, cached in ``cache_dir``). Every tool that prices opens its book here."""
    if source == "live":
        from .live import LivePriceBook, default_cache_dir
        return LivePriceBook.from_session(cache_dir=cache_dir or default_cache_dir(), profile=profile,
                                          endpoint_url=endpoint_url)
    if source != "snapshot":
        raise ValueError(f"price source must be snapshot or live, not {source!r}")
    from .snapshot import SnapshotPriceBook
    return SnapshotPriceBook.load(snapshot_file) if snapshot_file else SnapshotPriceBook.load()
