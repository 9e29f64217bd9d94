"""emr_cost.usage: the cost of a window and each step's share, checked against figures worked out by hand.

Prices (tests/emr_cost/fixed_book.py): m5.xlarge on demand $0.0001/s, Spot $0.00003/s, EMR fee $0.00002/s;
gp3 $0.08/GB-month, $0.005/IOPS-month above 3,000, $0.04/MiBps-month above 125. November has 30 days:
2,592,000 s.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from emr_cost.prices import PriceNotFound
from emr_cost.usage import Instance, StepSpan, Volume, Window, exact_sum, run_cost

from .fixed_book import FixedBook

D = Decimal


def close(value: Decimal, expected: Decimal) -> bool:
    """Equal but for the last of 50 digits (a repeating decimal on either side)."""
    return abs(value - expected) < D("1e-25")


def at(hh: int, mm: int, ss: int = 0, day: int = 25, month: int = 11) -> datetime:
    return datetime(2026, month, day, hh, mm, ss, tzinfo=timezone.utc)


WINDOW = Window(at(12, 0), at(13, 0))
# A: master, on demand, started before the window, still running: $0.00012/s for 3,600 s.
A = Instance("ci-A", "m5.xlarge", "ON_DEMAND", at(11, 50))
# B: core, Spot, ends 12:40 inside the window; gp3 600 GiB, 4,200 IOPS, 125 MiB/s:
# 600 x 0.08 + 1,200 x 0.005 = $54/month = 54/2,592,000 = $1/48,000 per s; $0.00005/s EC2 + EMR.
B = Instance("ci-B", "m5.xlarge", "SPOT", at(12, 0), at(12, 40),
             (Volume("gp3", 600, iops=4200, throughput=125),))
# C: task, on demand, lives 30 s: billed 60 s, the other 30 s are the minimum charge.
C = Instance("ci-C", "m5.xlarge", "ON_DEMAND", at(12, 10), at(12, 10, 30))
# s1 and s2 overlap 12:15-12:25; nothing runs 12:35-12:45 (idle gap); s3 runs 12:45-12:55.
STEPS = [StepSpan("s1", at(12, 5), at(12, 25)), StepSpan("s2", at(12, 15), at(12, 35)),
         StepSpan("s3", at(12, 45), at(12, 55))]


def test_the_run_total_its_split_and_each_step_share_to_the_cent() -> None:
    cost = run_cost([A, B, C], WINDOW, FixedBook(), "us-east-1", STEPS, now=at(13, 0))
    # A: 3,600 s x 0.0001 = 0.36 EC2, x 0.00002 = 0.072 EMR.
    # B: 2,400 s x 0.00003 = 0.072 Spot EC2, x 0.00002 = 0.048 EMR, 2,400/48,000 = 0.05 EBS.
    # C: 60 s x 0.0001 = 0.006 EC2, x 0.00002 = 0.0012 EMR (30 s in the window, 30 s minimum).
    assert cost.split.amounts == {"ON_DEMAND": {"ec2": D("0.366"), "emr": D("0.0732"), "ebs": 0},
                                  "SPOT": {"ec2": D("0.072"), "emr": D("0.048"), "ebs": D("0.05")}}
    assert cost.total == D("0.6092")  # $0.61
    assert cost.minimum_charge == D("0.0036")
    # The stretches (A+B cost $0.0001908333/s... written as exact sums per stretch):
    #   12:00-12:05 idle  A 0.036 + B (0.015 + 0.00625)               = 0.05725
    #   12:05-12:10 s1    the same                                    = 0.05725
    #   12:10:00-12:10:30 s1  A 0.0036 + B 0.002125 + C 0.0036        = 0.009325
    #   12:10:30-12:15 s1 A 0.0324 + B 0.019125                       = 0.051525
    #   12:15-12:25 s1,s2 A 0.072 + B 0.0425 = 0.1145, halved         = 0.05725 each
    #   12:25-12:35 s2                                                = 0.1145
    #   12:35-12:40 idle  0.05725; 12:40-12:45 idle A alone 0.036
    #   12:45-12:55 s3    A 0.072;  12:55-13:00 idle A 0.036
    assert cost.steps == {"s1": D("0.17535"), "s2": D("0.17175"), "s3": D("0.072")}
    assert cost.idle == D("0.1865")
    assert sum(cost.steps.values()) + cost.idle + cost.minimum_charge == cost.total
    assert cost.instances == 3
    assert cost.prices == "fixed test book (2026-11-01)"
    assert cost.sources == ("fixed test book (2026-11-01)",)


def test_an_instance_under_one_minute_is_billed_one_minute() -> None:
    cost = run_cost([C], WINDOW, FixedBook(), "us-east-1")
    assert cost.total == D("0.0072")  # 60 s x $0.00012
    assert cost.minimum_charge == D("0.0036") and cost.idle == D("0.0036")


def test_the_minimum_belongs_to_the_window_the_instance_started_in() -> None:
    early = Instance("ci-E", "m5.xlarge", "ON_DEMAND", at(11, 59, 50), at(12, 0, 10))  # 20 s, started before
    assert run_cost([early], WINDOW, FixedBook(), "us-east-1").total == D("0.0012")  # its 10 s in the window
    before = Window(at(11, 0), at(12, 0))
    assert run_cost([early], before, FixedBook(), "us-east-1").total == D("0.0012") + D("0.0048")  # 10 s + 40 s


def test_a_running_instance_younger_than_a_minute_is_billed_its_minute() -> None:
    young = Instance("ci-Y", "m5.xlarge", "ON_DEMAND", at(12, 59, 30))
    cost = run_cost([young], WINDOW, FixedBook(), "us-east-1", now=at(13, 0))
    assert cost.total == D("0.0072") and cost.minimum_charge == D("0.0036")


def test_spot_is_priced_at_the_instance_start() -> None:
    book = FixedBook()
    run_cost([B], WINDOW, book, "us-east-1")
    assert book.spot_at == [at(12, 0)]


def test_gp3_iops_and_throughput_above_the_free_baseline_and_io1_every_iops() -> None:
    hour = Window(at(12, 0), at(13, 0))  # 3,600 / 2,592,000 = 1/720 of November
    gp3 = Instance("ci-G", "m5.xlarge", "ON_DEMAND", at(12, 0), at(13, 0),
                   (Volume("gp3", 90, iops=3000, throughput=250),))  # 90 x 0.08 + 125 x 0.04 = $12.2/month
    io1 = Instance("ci-I", "m5.xlarge", "ON_DEMAND", at(12, 0), at(13, 0),
                   (Volume("io1", 144, iops=1000),))  # 144 x 0.125 + 1,000 x 0.065 = $83/month
    cost = run_cost([gp3, io1], hour, FixedBook(), "us-east-1")
    assert close(cost.split.kind("ebs"), (D("12.2") + D("83")) / 720)  # $0.13
    assert cost.split.kind("ec2") == D("0.72") and cost.split.kind("emr") == D("0.144")


def test_ebs_is_prorated_by_the_length_of_each_calendar_month() -> None:
    # 23:00 on 30 November to 01:00 on 1 December: 3,600 s of a 30-day month, 3,600 s of a 31-day month.
    vol = Instance("ci-M", "m5.xlarge", "ON_DEMAND", at(23, 0, day=30), at(1, 0, day=1, month=12),
                   (Volume("gp2", 100),))  # $10/month
    cost = run_cost([vol], Window(at(23, 0, day=30), at(1, 0, day=1, month=12)), FixedBook(), "us-east-1")
    assert close(cost.split.kind("ebs"), D(10) / 720 + D(10) / 744)  # $0.0139 + $0.0134


def test_an_instance_that_ended_before_the_window_costs_nothing_in_it() -> None:
    gone = Instance("ci-O", "m5.xlarge", "ON_DEMAND", at(10, 0), at(11, 0))
    cost = run_cost([gone, A], WINDOW, FixedBook(), "us-east-1")
    assert cost.total == D("0.432") and cost.instances == 1


def test_instances_never_provisioned_are_skipped_and_a_step_still_running_runs_to_now() -> None:
    pending = Instance("ci-P", "m5.xlarge", "SPOT", None)
    cost = run_cost([pending, A], WINDOW, FixedBook(), "us-east-1", [StepSpan("s", at(12, 30))], now=at(13, 0))
    assert cost.steps == {"s": D("0.216")} and cost.idle == D("0.216")


def test_a_missing_price_raises() -> None:
    with pytest.raises(PriceNotFound):
        run_cost([A], WINDOW, FixedBook(), "eu-west-3")


def test_naive_datetimes_are_read_as_utc() -> None:
    naive = Instance("ci-N", "m5.xlarge", "ON_DEMAND", datetime(2026, 11, 25, 12, 0), datetime(2026, 11, 25, 12, 30))
    assert run_cost([naive], WINDOW, FixedBook(), "us-east-1").total == D("0.216")


def test_many_instances_and_steps_stay_fast_and_additive() -> None:
    insts = [Instance(f"ci-{i}", "m5.xlarge", "SPOT" if i % 2 else "ON_DEMAND", at(12, 0) + timedelta(seconds=7 * i),
                      at(12, 50) - timedelta(seconds=5 * i), (Volume("gp3", 100),)) for i in range(200)]
    steps = [StepSpan(f"s{i}", at(12, 0) + timedelta(seconds=11 * i), at(12, 20) + timedelta(seconds=9 * i))
             for i in range(256)]
    cost = run_cost(insts, WINDOW, FixedBook(), "us-east-1", steps)
    assert abs(exact_sum([*cost.steps.values(), cost.idle, cost.minimum_charge]) - cost.total) < D("1e-40")
