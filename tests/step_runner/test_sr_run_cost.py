"""The report's cost: the run window, each step's share (retries included), and the three renderings; a
failure to price says why and changes nothing else."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from decimal import Decimal

from emr_cost.prices import PriceNotFound
from emr_cost.timelines import ClusterUsage
from emr_cost.usage import Instance
from step_runner.report.run_report import RunReport, StepResult, render_table, to_dict, to_junit
from step_runner.report.run_cost import price_run
from step_runner.state import StepObservation
from tests.emr_cost.fixed_book import FixedBook


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 11, 25, hh, mm, ss, tzinfo=timezone.utc)


class Adapter:
    """The two reads price_run makes: earlier attempts (ListSteps) and the instances."""

    def __init__(self, instances: list[Instance], earlier: list[StepObservation], region: str = "us-east-1") -> None:
        self.instances, self.earlier, self.region, self.asked = instances, earlier, region, []

    def list_steps(self, cluster_id: str, ids: list[str]) -> list[StepObservation]:
        self.asked.append(ids)
        return [o for o in self.earlier if o.step_id in ids]

    def cluster_usage(self, cluster_id: str) -> ClusterUsage:
        return ClusterUsage(cluster_id, self.region, None, None, tuple(self.instances))


# One on-demand m5.xlarge ($0.00012/s with the EMR fee), up all along.
MASTER = Instance("ci-M", "m5.xlarge", "ON_DEMAND", at(11, 0))
# "load" failed once (12:00-12:10), was retried 12:10-12:20; "report" ran 12:15-12:30 (5 min shared).
STEPS = [
    StepResult("load", "s-2", "COMPLETED", "COMPLETED", attempts=2, step_ids=["s-1", "s-2"], created=at(12, 10),
               started=at(12, 10), ended=at(12, 20)),
    StepResult("report", "s-3", "COMPLETED", "COMPLETED", attempts=1, step_ids=["s-3"], created=at(12, 0),
               started=at(12, 15), ended=at(12, 30)),
    StepResult("never", None, "NOT_SUBMITTED", None),
]
EARLIER = [StepObservation("s-1", "load [run=r]", "FAILED", created=at(11, 59), started=at(12, 0), ended=at(12, 10))]


def report_with_cost(adapter: Adapter, book=FixedBook) -> RunReport:  # type: ignore[no-untyped-def]
    report = RunReport("r", "j-1", "SUCCEEDED", STEPS)
    report.cost = price_run(adapter, "j-1", STEPS, book, now=at(13, 0))
    return report


def test_the_window_runs_from_the_first_submission_to_the_last_end_and_retries_count() -> None:
    adapter = Adapter([MASTER], EARLIER)
    cost = report_with_cost(adapter).cost.cost
    assert adapter.asked == [["s-1"]]  # only the earlier attempt: the last one's times are in the report
    assert (cost.window.start, cost.window.end) == (at(11, 59), at(12, 30))  # 31 min x $0.00012/s = $0.2232
    assert cost.total == Decimal("0.2232")
    # load: 12:00-12:15 alone (0.108) + half of 12:15-12:20 (0.018); report: that half + 12:20-12:30 (0.072)
    assert cost.steps == {"load": Decimal("0.126"), "report": Decimal("0.09")}  # "never" has no share
    assert cost.idle == Decimal("0.0072")  # 11:59-12:00


def test_table_json_and_junit_show_the_cost() -> None:
    report = report_with_cost(Adapter([MASTER], EARLIER))
    table = render_table(report)
    assert "COST" in table and "$0.1260" in table and "$0.0900" in table
    assert "cost: $0.2232 over 31m00s (2026-11-25 11:59:00 .. 12:30:00, 1 instances, us-east-1)" in table
    assert "idle (no step running) $0.0072; one-minute minimums $0.0000" in table
    assert "prices: fixed test book (2026-11-01)" in table
    cost = json.loads(json.dumps(to_dict(report)))["cost"]
    assert cost["total_usd"] == 0.2232 and cost["steps"] == {"load": 0.126, "report": 0.09}
    assert cost["split"]["on_demand"] == {"ec2": 0.186, "emr": 0.0372, "ebs": 0.0, "total": 0.2232}
    assert cost["window"] == {"start": "2026-11-25T11:59:00+00:00", "end": "2026-11-25T12:30:00+00:00", "seconds": 1860.0}
    assert cost["prices"] == "fixed test book (2026-11-01)" and cost["idle_usd"] == 0.0072
    suite = ET.fromstring(to_junit(report))
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["cost_total_usd"] == "0.2232" and props["cost_on_demand_ec2_usd"] == "0.186"
    load = next(c for c in suite.iter("testcase") if c.get("name") == "load")
    assert load.find("properties/property").attrib == {"name": "cost_usd", "value": "0.1260"}


def test_a_price_the_book_lacks_says_cost_unavailable_and_why() -> None:
    report = report_with_cost(Adapter([MASTER], EARLIER, region="eu-west-3"))
    assert report.cost.cost is None
    assert "cost unavailable: no prices for region eu-west-3" in render_table(report)
    assert to_dict(report)["cost"] == {"unavailable": "no prices for region eu-west-3"}
    props = {p.get("name"): p.get("value") for p in ET.fromstring(to_junit(report)).find("properties")}
    assert props == {"cost_unavailable": "no prices for region eu-west-3"}


def test_an_aws_error_says_cost_unavailable() -> None:
    class Denied(Adapter):
        def cluster_usage(self, cluster_id: str) -> ClusterUsage:
            raise RuntimeError("ListInstances: AccessDeniedException: not authorized")

    report = report_with_cost(Denied([MASTER], EARLIER))
    assert report.cost.unavailable == "RuntimeError: ListInstances: AccessDeniedException: not authorized"
    assert PriceNotFound  # the other failure kind, above


def test_nothing_submitted_prices_nothing() -> None:
    steps = [StepResult("never", None, "NOT_SUBMITTED", None)]
    assert price_run(Adapter([MASTER], []), "j-1", steps, FixedBook, now=at(13, 0)) is None
    assert "cost" not in render_table(RunReport("r", "j-1", "ERROR", steps))
