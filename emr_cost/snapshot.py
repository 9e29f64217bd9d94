"""The offline price book: a bundled, dated JSON snapshot (emr_cost/price_snapshot.json).

Every figure in the file names a source key; the file's ``sources`` say what each key is (a Price List
file, an AWS pricing page, a stated derivation or assumption) and when. A figure the file lacks is
PriceNotFound, never a guess. Spot has no history here: the file's stated assumption (a fraction of
on-demand) is used, and says so in ``source``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import InputError
from .prices import Price, PriceNotFound

DEFAULT_PATH = Path(__file__).with_name("price_snapshot.json")
EBS_UNITS = {"storage": "GB-month", "iops": "IOPS-month", "throughput": "MiBps-month"}


@dataclass(frozen=True)
class SnapshotPriceBook:
    data: dict[str, Any]
    path: Path

    @classmethod
    def load(cls, path: Path | None = None) -> "SnapshotPriceBook":
        path = path or DEFAULT_PATH
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(f"cannot read price snapshot {path}: {e}") from e
        if not isinstance(data, dict) or "regions" not in data or "sources" not in data:
            raise InputError(f"{path} is not a price snapshot (no regions/sources)")
        return cls(data, path)

    # --- PriceBook ----------------------------------------------------------------------------------

    def ec2_hourly(self, region: str, instance_type: str, market: str = "ON_DEMAND",
                   at: datetime | None = None) -> Price:
        on_demand = self._figure(region, "ec2", instance_type, "hour", f"EC2 {instance_type} in {region}")
        if market == "ON_DEMAND":
            return on_demand
        if market != "SPOT":
            raise PriceNotFound(f"market {market!r} (ON_DEMAND or SPOT)")
        spot = self.data["spot"]
        return Price(on_demand.usd * Decimal(spot["fraction_of_on_demand"]), "hour",
                     f"{spot['text']}; on-demand from {on_demand.source}", spot["as_of"])

    def emr_fee_hourly(self, region: str, instance_type: str) -> Price:
        return self._figure(region, "emr", instance_type, "hour", f"EMR fee for {instance_type} in {region}")

    def ebs_monthly(self, region: str, volume_type: str, what: str = "storage") -> Price:
        if what not in EBS_UNITS:
            raise PriceNotFound(f"EBS figure {what!r} (storage, iops or throughput)")
        entry = self.data["regions"].get(region, {}).get("ebs", {}).get(volume_type, {}).get(what)
        if entry is None:
            raise PriceNotFound(f"EBS {volume_type} {what} in {region} (not in the snapshot {self.path.name})")
        return self._price(entry, EBS_UNITS[what])

    def describe(self) -> str:
        return f"bundled price snapshot {self.path.name} of {self.data.get('as_of')} (offline; some figures derived " \
               f"or assumed, each says so)"

    # --- helpers ------------------------------------------------------------------------------------

    def regions(self) -> list[str]:
        return sorted(self.data["regions"])

    def instance_types(self, region: str) -> list[str]:
        return sorted(self.data["regions"].get(region, {}).get("ec2", {}))

    def _figure(self, region: str, kind: str, key: str, unit: str, what: str) -> Price:
        entry = self.data["regions"].get(region, {}).get(kind, {}).get(key)
        if entry is None:
            raise PriceNotFound(f"{what} (not in the snapshot {self.path.name}; try --prices live)")
        return self._price(entry, unit)

    def _price(self, entry: list[str], unit: str) -> Price:
        usd, key = entry
        source = self.data["sources"][key]
        return Price(Decimal(usd), unit, f"snapshot {self.path.name} ({source['text']})", source["as_of"])
