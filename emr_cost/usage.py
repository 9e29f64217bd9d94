"""What a cluster cost over a window, and each step's share, from instance timelines and a price book.

Pure: the timelines come in as data (emr_cost/timelines.py reads them from EMR) and the prices from an
injected PriceBook. Amounts are exact Decimals; round only to show them (emr_cost/cost_report.py).

Billing rules used (docs/cost.md, "After a run", says them for users):

- EMR on EC2 bills each instance its EC2 price plus the EMR fee, and its EBS volumes, "per-second, with a
  one-minute minimum" (https://aws.amazon.com/emr/pricing/); EC2 alone the same: "a one-minute minimum for
  instance usage, and thereafter ... per second" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StartInstances.html).
- An instance is billed from its Status.Timeline.CreationDateTime, not its ReadyDateTime: EC2 bills an
  instance from the moment it is `running` (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html),
  which is before EMR's bootstrap actions and daemons run, and ReadyDateTime comes only after them; EMR's
  FAQ: "Billing commences when Amazon EMR starts running your cluster ... The Amazon EC2 instances will begin
  booting immediately" (https://aws.amazon.com/emr/faqs/). CreationDateTime also covers the few seconds the
  instance is `pending`, which EC2 does not bill: a small over-estimate, never an under-estimate.
  It ends at EndDateTime, or now while it runs.
- EBS is priced per GB-month (and gp3 / io1 IOPS-month, gp3 MiB/s-month), prorated per second over the
  length of the calendar month the second falls in, as the EBS pricing page's examples prorate "in a 30 day
  month" (https://aws.amazon.com/ebs/pricing/). gp3 includes 3,000 IOPS and 125 MiB/s free; io1 / io2 bill
  every provisioned IOPS (same page).
- Spot instances pay the Spot price at the instance's start (the price book's ``at``) for their whole life.
  EC2 bills the Spot price in effect each second, and it changes gradually
  (https://aws.amazon.com/ec2/spot/pricing/): a simplification, said in the docs. The EMR fee does not
  depend on the market (https://aws.amazon.com/emr/pricing/).

Sharing: every stretch of time in the window costs what the instances alive in it cost; a stretch in which
steps run is split equally among the step attempts running in it, one with none is idle. The one-minute
minimum of an instance that lived less than 60 s is billed, but belongs to no step (``minimum_charge``).
So: sum(steps) + idle + minimum_charge == total, exactly.
"""
from __future__ import annotations

import calendar
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from .prices import Price, PriceBook

MIN_BILLED = timedelta(seconds=60)  # https://aws.amazon.com/emr/pricing/: one-minute minimum per instance
# https://aws.amazon.com/ebs/pricing/: gp3 includes 3,000 IOPS and 125 MiB/s; io1/io2 bill all provisioned IOPS.
FREE_IOPS = {"gp3": 3000, "io1": 0, "io2": 0}
FREE_THROUGHPUT = {"gp3": 125}
MARKETS = ("ON_DEMAND", "SPOT")
KINDS = ("ec2", "emr", "ebs")
_HOUR = Decimal(3600)
_CONTEXT = decimal.Context(prec=50)  # far beyond cents: shares and sums stay exact for any real run


@dataclass(frozen=True)
class Volume:
    """One EBS volume of an instance (EMR's VolumeSpecification)."""

    volume_type: str
    size_gib: int
    iops: int | None = None
    throughput: int | None = None


@dataclass(frozen=True)
class Instance:
    """One EC2 instance of the cluster, as ListInstances tells it (start None: never provisioned)."""

    instance_id: str
    instance_type: str
    market: str  # "ON_DEMAND" | "SPOT"
    start: datetime | None
    end: datetime | None = None
    volumes: tuple[Volume, ...] = ()


@dataclass(frozen=True)
class StepSpan:
    """One attempt of a step while it ran (StartDateTime .. EndDateTime; end None: still running)."""

    name: str
    start: datetime | None
    end: datetime | None = None


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> Decimal:
        return _seconds(self.end - self.start)


@dataclass
class Split:
    """Cost by market and kind: split[market][kind]."""

    amounts: dict[str, dict[str, Decimal]] = field(
        default_factory=lambda: {m: {k: Decimal(0) for k in KINDS} for m in MARKETS})

    def add(self, market: str, kind: str, usd: Decimal) -> None:
        self.amounts[market][kind] = _CONTEXT.add(self.amounts[market][kind], usd)

    def market(self, market: str) -> Decimal:
        return exact_sum(self.amounts[market].values())

    def kind(self, kind: str) -> Decimal:
        return exact_sum(self.amounts[m][kind] for m in MARKETS)

    @property
    def total(self) -> Decimal:
        return exact_sum(self.market(m) for m in MARKETS)


@dataclass
class RunCost:
    """The cost over ``window``: the total, its split, each step's share, idle time and minimum charges."""

    window: Window
    region: str
    split: Split
    steps: dict[str, Decimal]
    idle: Decimal
    minimum_charge: Decimal
    instances: int
    prices: str  # the book's describe(): source and date
    sources: tuple[str, ...]  # every distinct "source (as_of)" a figure came from

    @property
    def total(self) -> Decimal:
        return self.split.total


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """A sum at the module's precision (the default context keeps only 28 digits)."""
    total = Decimal(0)
    for v in values:
        total = _CONTEXT.add(total, v)
    return total


def _seconds(delta: timedelta) -> Decimal:
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1_000_000)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def month_seconds(at: datetime) -> Decimal:
    """Seconds in the calendar month ``at`` falls in (UTC)."""
    at = at.astimezone(timezone.utc)
    return Decimal(calendar.monthrange(at.year, at.month)[1] * 86400)


def next_month(at: datetime) -> datetime:
    at = at.astimezone(timezone.utc)
    year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
    return datetime(year, month, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class _Rates:
    """One instance's rates: EC2 and EMR per hour, EBS per month."""

    market: str
    ec2_hourly: Decimal
    emr_hourly: Decimal
    ebs_monthly: Decimal


class _Pricer:
    """Asks the book once per figure and remembers where each came from."""

    def __init__(self, book: PriceBook, region: str) -> None:
        self.book = book
        self.region = region
        self.sources: dict[str, None] = {}
        self._cache: dict[tuple[object, ...], Price] = {}

    def _get(self, key: tuple[object, ...], fetch) -> Decimal:  # type: ignore[no-untyped-def]
        if key not in self._cache:
            self._cache[key] = fetch()
            price = self._cache[key]
            self.sources[f"{price.source} ({price.as_of})"] = None
        return self._cache[key].usd

    def rates(self, inst: Instance) -> _Rates:
        market = "SPOT" if inst.market == "SPOT" else "ON_DEMAND"
        at = inst.start if market == "SPOT" else None
        ec2 = self._get(("ec2", inst.instance_type, market, at),
                        lambda: self.book.ec2_hourly(self.region, inst.instance_type, market, at))
        emr = self._get(("emr", inst.instance_type),
                        lambda: self.book.emr_fee_hourly(self.region, inst.instance_type))
        ebs = Decimal(0)
        for v in inst.volumes:
            ebs += v.size_gib * self._ebs(v.volume_type, "storage")
            extra_iops = max(0, (v.iops or 0) - FREE_IOPS.get(v.volume_type, 0)) if v.volume_type in FREE_IOPS else 0
            if extra_iops:
                ebs += extra_iops * self._ebs(v.volume_type, "iops")
            extra_tp = max(0, (v.throughput or 0) - FREE_THROUGHPUT[v.volume_type]) if v.volume_type in FREE_THROUGHPUT else 0
            if extra_tp:
                ebs += extra_tp * self._ebs(v.volume_type, "throughput")
        return _Rates(market, ec2, emr, ebs)

    def _ebs(self, volume_type: str, what: str) -> Decimal:
        return self._get(("ebs", volume_type, what), lambda: self.book.ebs_monthly(self.region, volume_type, what))


def _span_cost(rates: _Rates, start: datetime, end: datetime) -> dict[str, Decimal]:
    """EC2, EMR and EBS cost of one instance over [start, end), EBS prorated by calendar month."""
    c = _CONTEXT
    secs = _seconds(end - start)
    out = {"ec2": c.divide(c.multiply(rates.ec2_hourly, secs), _HOUR),
           "emr": c.divide(c.multiply(rates.emr_hourly, secs), _HOUR), "ebs": Decimal(0)}
    if rates.ebs_monthly:
        t = start
        while t < end:
            stop = min(end, next_month(t))
            out["ebs"] = c.add(out["ebs"], c.divide(c.multiply(rates.ebs_monthly, _seconds(stop - t)), month_seconds(t)))
            t = stop
    return out


def run_cost(instances: Iterable[Instance], window: Window, book: PriceBook, region: str,
             steps: Sequence[StepSpan] = (), now: datetime | None = None) -> RunCost:
    """The cluster's cost over ``window`` and each step's share (see the module docstring for the rules).

    ``now`` ends instances and steps that have not ended (default: the window's end). Raises PriceNotFound
    when the book lacks a figure."""
    window = Window(_aware(window.start), _aware(window.end))
    now = _aware(now) if now is not None else window.end
    pricer = _Pricer(book, region)
    split = Split()
    lives, minimum = _instance_lives(instances, window, now, pricer, split)
    spans = _step_spans(steps, window, now)
    # The stretches of time: every instance's and step's start and end inside the window, and month starts.
    cuts = {window.start, window.end} | {t for _, lo, hi in lives for t in (lo, hi)} | \
        {t for _, lo, hi in spans for t in (lo, hi)}
    t = window.start
    while (t := next_month(t)) < window.end:
        cuts.add(t)
    shares, idle = _sweep(lives, spans, sorted(cuts), split, {s.name: Decimal(0) for s in steps})
    return RunCost(window, region, split, shares, idle, minimum, len(lives), book.describe(), tuple(pricer.sources))


def _instance_lives(instances: Iterable[Instance], window: Window, now: datetime, pricer: "_Pricer",
                    split: Split) -> tuple[list[tuple["_Rates", datetime, datetime]], Decimal]:
    """Each instance's rates and its time inside the window; the one-minute minimums go into ``split`` and the
    returned total."""
    lives: list[tuple[_Rates, datetime, datetime]] = []
    minimum = Decimal(0)
    for inst in instances:
        if inst.start is None:
            continue
        start, end = _aware(inst.start), _aware(inst.end) if inst.end is not None else now
        if end < start:
            continue
        rates = pricer.rates(inst)
        if end - start < MIN_BILLED and window.start <= start < window.end:
            for kind, usd in _span_cost(rates, end, start + MIN_BILLED).items():
                split.add(rates.market, kind, usd)
                minimum = _CONTEXT.add(minimum, usd)
        lo, hi = max(start, window.start), min(end, window.end)
        if lo < hi:
            lives.append((rates, lo, hi))
    return lives, minimum


def _step_spans(steps: Sequence[StepSpan], window: Window, now: datetime) -> list[tuple[str, datetime, datetime]]:
    spans = []
    for s in steps:
        if s.start is None:
            continue
        lo, hi = max(_aware(s.start), window.start), min(_aware(s.end) if s.end else now, window.end)
        if lo < hi:
            spans.append((s.name, lo, hi))
    return spans


def _sweep(lives: list[tuple["_Rates", datetime, datetime]], spans: list[tuple[str, datetime, datetime]],
           ordered: list[datetime], split: Split, shares: dict[str, Decimal]) -> tuple[dict[str, Decimal], Decimal]:
    """The stretches in order, keeping the sum of the alive instances' rates per market and kind: each stretch's
    cost goes into ``split`` and is shared by the steps running through it, or is idle."""
    changes: dict[datetime, list[tuple[_Rates, int]]] = {}
    for rates, lo, hi in lives:
        changes.setdefault(lo, []).append((rates, 1))
        changes.setdefault(hi, []).append((rates, -1))
    hourly = {(m, k): Decimal(0) for m in MARKETS for k in ("ec2", "emr")}
    monthly = {m: Decimal(0) for m in MARKETS}
    c = _CONTEXT
    idle = Decimal(0)
    for a, b in zip(ordered, ordered[1:]):
        for rates, sign in changes.get(a, ()):
            hourly[rates.market, "ec2"] = c.add(hourly[rates.market, "ec2"], sign * rates.ec2_hourly)
            hourly[rates.market, "emr"] = c.add(hourly[rates.market, "emr"], sign * rates.emr_hourly)
            monthly[rates.market] = c.add(monthly[rates.market], sign * rates.ebs_monthly)
        piece = _stretch_cost(hourly, monthly, _seconds(b - a), month_seconds(a), split)
        running = [name for name, lo, hi in spans if lo <= a and b <= hi]
        if not running:
            idle = c.add(idle, piece)
            continue
        each = c.divide(piece, len(running))
        for name in running:
            shares[name] = c.add(shares[name], each)
    return shares, idle


def _stretch_cost(hourly: dict[tuple[str, str], Decimal], monthly: dict[str, Decimal], secs: Decimal,
                  month: Decimal, split: Split) -> Decimal:
    c = _CONTEXT
    piece = Decimal(0)
    for market in MARKETS:
        for kind in ("ec2", "emr"):
            if hourly[market, kind]:
                usd = c.divide(c.multiply(hourly[market, kind], secs), _HOUR)
                split.add(market, kind, usd)
                piece = c.add(piece, usd)
        if monthly[market]:
            usd = c.divide(c.multiply(monthly[market], secs), month)
            split.add(market, "ebs", usd)
            piece = c.add(piece, usd)
    return piece
