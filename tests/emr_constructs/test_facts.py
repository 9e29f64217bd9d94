"""emr_constructs.facts: each gate on both sides, the application and classification tables, EBS limits,
metric units, and the data's own consistency. Pure Python."""
import ast
from pathlib import Path

import pytest

from emr_constructs import facts
from emr_constructs.facts import Release, application_available, classification_available, gate_allows

R = Release.parse


# --- releases ---------------------------------------------------------------------------------------------

def test_release_parse_order_and_str():
    assert R("emr-6.10.1") == Release(6, 10, 1)
    assert R("emr-6.10.1") > R("emr-6.9.0") > R("emr-5.36.2")
    assert str(Release(7, 2, 0)) == "emr-7.2.0"
    for bad in ("6.10.1", "emr-6.10", "emr-6.10.1-latest", "EMR-6.10.1", None, 6):
        assert R(bad) is None
    assert Release.of((5, 28, 0)) == Release.of("emr-5.28.0") == Release.of(Release(5, 28, 0))
    assert Release.of("nonsense") is None


def test_known_release():
    assert facts.known_release("emr-6.15.0") is True
    assert facts.known_release("emr-6.16.0") is False  # the 6.x line ended at 6.15.0
    assert facts.known_release("emr-5.36.2") is True and facts.known_release("emr-5.37.0") is False
    assert facts.known_release("emr-7.2.0") is True
    assert facts.known_release("emr-7.99.0") is None and facts.known_release("emr-8.0.0") is None
    assert facts.known_release("emr-4.9.6") is None


# --- gates ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gate, cases", [
    ("step_concurrency", {"5.27.1": False, "5.28.0": True, "6.0.0": True, "7.2.0": True, "4.9.6": False}),
    ("auto_termination", {"5.29.0": False, "5.30.0": True, "6.0.0": False, "6.0.1": False, "6.1.0": True,
                          "7.0.0": True}),
    ("managed_scaling", {"5.29.0": False, "5.30.0": True, "6.0.0": False, "6.0.1": True, "6.1.0": True,
                         "7.0.0": True}),
    ("three_masters_groups", {"5.22.0": False, "5.23.0": True, "6.0.0": True}),
    ("three_masters_fleets", {"5.23.0": False, "5.36.0": False, "5.36.1": True, "5.36.2": True,
                              "6.8.0": False, "6.8.1": True, "6.9.0": False, "6.9.1": True, "6.10.0": False,
                              "6.10.1": True, "6.11.0": False, "6.11.1": True, "6.12.0": True, "6.15.0": True,
                              "7.0.0": True}),
    ("log_encryption_kms_key", {"5.29.0": False, "5.30.0": True, "6.0.0": False, "6.0.1": None, "6.1.0": True,
                                "7.0.0": True}),
    ("ebs_root_volume_iops", {"5.36.2": False, "6.14.0": False, "6.15.0": True, "7.0.0": True}),
    ("ebs_root_volume_throughput", {"6.14.0": False, "6.15.0": True}),
    ("ebs_root_volume_size", {"4.0.0": True, "5.0.0": True}),
    ("os_release_label", {"5.35.0": False, "5.36.0": None, "6.5.0": False, "6.6.0": True, "7.0.0": True}),
    ("custom_ami", {"5.6.1": False, "5.7.0": True}),
    ("instance_fleets", {"4.7.4": False, "4.8.0": True, "5.0.0": False, "5.0.3": False, "5.1.0": True}),
    ("fleet_allocation_strategy", {"5.12.0": False, "5.12.1": True, "6.0.0": True}),
    ("scale_down_at_instance_hour", {"5.0.3": False, "5.1.0": True}),
    ("scale_down_at_task_completion", {"4.0.0": False, "4.1.0": True}),
    ("custom_autoscaling", {"4.0.0": True, "7.0.0": True}),
])
def test_gates_on_both_sides(gate, cases):
    for version, expected in cases.items():
        assert gate_allows(gate, f"emr-{version}") is expected, (gate, version)


def test_gate_helpers():
    assert gate_allows("step_concurrency", "not-a-label") is None
    assert facts.three_masters_allowed("emr-6.9.1", fleets=True) is True
    assert facts.three_masters_allowed("emr-6.9.0", fleets=True) is False
    assert facts.three_masters_allowed("emr-6.9.0", fleets=False) is True
    assert facts.MANAGED_SCALING.first_label() == "emr-5.30.0+ (5.x), emr-6.0.0+ (6.x), except emr-6.0.0"
    assert facts.STEP_CONCURRENCY.first_label() == "emr-5.28.0+ (5.x)"


def test_release_dependent_defaults():
    assert facts.default_spot_allocation_strategy("emr-6.8.0") == "capacity-optimized"
    assert facts.default_spot_allocation_strategy("emr-6.9.0") == "price-capacity-optimized"
    assert facts.default_root_volume_size_gib("emr-6.9.1") == 10
    assert facts.default_root_volume_size_gib("emr-6.10.0") == 15
    assert facts.default_root_volume_type("emr-6.14.0") == "gp2"
    assert facts.default_root_volume_type("emr-6.15.0") == "gp3"
    assert facts.root_volume_size_range("emr-7.2.0") == (15, 100)
    assert facts.default_spot_allocation_strategy("x") is None
    assert facts.default_spot_allocation_strategy("emr-6.8.1") == "capacity-optimized"
    assert facts.default_spot_allocation_strategy("emr-5.36.2") == "capacity-optimized"
    assert facts.default_spot_allocation_strategy("emr-7.0.0") == "price-capacity-optimized"


def test_a_span_is_the_releases_from_its_first_to_its_last_or_to_the_newest_seen():
    from emr_contract.releases import span

    closed, open_ = span("6.0.0", last="6.15.0"), span("7.0.0", seen="7.12.0")
    assert [closed.contains(f"emr-{v}") for v in ("5.36.2", "6.0.0", "6.15.0", "6.16.0")] == [False, True, True, False]
    assert [open_.contains(f"emr-{v}") for v in ("6.15.0", "7.12.0", "7.13.0")] == [False, True, None]
    assert span("7.0.0").contains("emr-7.1.0") is None and closed.contains("6.1") is None
    assert [facts.known_release(f"emr-{v}") for v in ("6.15.0", "6.16.0", "7.14.0", "7.15.0", "8.0.0")] == [
        True, False, True, None, None]


def test_release_comparisons_live_in_the_contract_alone():
    """A release ordered (<, <=, >, >=) anywhere but emr_contract/releases.py is a gate or a span said twice."""
    def release_like(node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            func = node.func
            return getattr(func, "id", getattr(func, "attr", "")) in ("_r", "release", "Release", "of", "parse")
        if isinstance(node, ast.Attribute):
            return node.attr in ("first", "last", "seen")
        return isinstance(node, ast.Name) and node.id in ("r", "rel", "release", "label_release")

    ordering = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
    root = Path(facts.__file__).parents[2]
    found = []
    for package in ("emr_constructs", "emr_contract", "emr_cost", "emr_scaling", "step_runner", "local_emr", "stacks"):
        for module in (root / package).rglob("*.py"):
            if module.relative_to(root).as_posix() == "emr_contract/releases.py":
                continue
            for node in ast.walk(ast.parse(module.read_text())):
                if isinstance(node, ast.Compare) and any(isinstance(op, ordering) for op in node.ops) and \
                        any(release_like(side) for side in [node.left, *node.comparators]):
                    found.append(f"{module.relative_to(root)}:{node.lineno}")
    assert found == []
    assert release_like(ast.parse("r >= _r('6.9.0')", mode="eval").body.comparators[0])  # the check can fail


# --- applications -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("app, cases", [
    ("Spark", {"5.0.0": True, "6.7.0": True, "7.13.0": True, "7.99.0": None, "6.16.0": None}),
    ("spark", {"7.2.0": True}),
    ("Trino", {"5.34.0": False, "6.3.1": False, "6.4.0": True, "7.2.0": True}),
    ("PrestoSQL", {"6.0.1": False, "6.1.0": True, "6.3.1": True, "6.4.0": False, "5.34.0": False}),
    ("Presto", {"5.0.0": True, "7.13.0": True}),
    ("Flink", {"5.0.3": False, "5.1.0": True, "6.0.1": False, "6.1.0": True}),
    ("Livy", {"5.8.3": False, "5.9.0": True}),
    ("JupyterHub", {"5.13.1": False, "5.14.0": True, "6.5.0": True, "6.6.0": None, "7.0.0": None}),
    ("JupyterEnterpriseGateway", {"5.31.1": False, "5.32.0": True, "6.1.1": False, "6.2.0": True}),
    ("TensorFlow", {"5.16.1": False, "5.17.0": True, "7.14.0": True}),
    ("MXNet", {"5.9.1": False, "5.10.0": True, "7.2.0": True, "7.3.0": False}),
    ("Sqoop", {"6.0.1": False, "6.1.0": True, "7.4.0": True, "7.5.0": False, "5.36.2": True}),
    ("Pig", {"6.0.1": False, "6.1.0": True}),
    ("Ganglia", {"5.36.2": True, "6.15.0": True, "7.0.0": False}),
    ("Mahout", {"5.34.0": True, "6.0.0": False, "7.0.0": False}),
    ("AmazonCloudWatchAgent", {"5.36.2": False, "6.15.0": False, "7.0.0": True}),
    ("HBase", {"5.0.0": True, "7.12.0": True}),
    # Not applications: bundled or switched on by a classification.
    ("Iceberg", {"6.5.0": False, "7.2.0": False}),
    ("Delta", {"6.9.0": False}),
    ("Hudi", {"5.28.0": False}),
    ("CloudWatchAgent", {"7.0.0": False}),
    ("NoSuchApp", {"7.0.0": False}),
])
def test_application_available(app, cases):
    for version, expected in cases.items():
        assert application_available(app, f"emr-{version}") is expected, (app, version)


def test_application_names():
    assert facts.APPLICATION_NAMES_CASE_SENSITIVE is False
    assert facts.canonical_application("zookeeper") == "ZooKeeper"
    assert facts.canonical_application("JUPYTERENTERPRISEGATEWAY") == "JupyterEnterpriseGateway"
    assert facts.canonical_application("Iceberg") is None
    assert application_available("Spark", "bad") is None
    assert application_available("Spark", "emr-4.9.6") is None


# --- classifications --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, cases", [
    ("spark-defaults", {"5.0.0": True, "6.5.0": True, "7.2.0": None}),
    ("trino-config", {"5.34.0": False, "6.3.1": False, "6.4.0": True, "6.5.0": True, "5.36.0": False}),
    ("prestosql-config", {"6.0.1": False, "6.1.0": True, "6.3.1": True, "6.4.0": False}),
    ("iceberg-defaults", {"6.4.0": False, "6.5.0": True, "6.15.0": True, "7.2.0": True, "5.34.0": False}),
    ("delta-defaults", {"6.5.0": False, "6.8.0": False, "6.9.0": True, "7.0.0": True}),
    ("trino-connector-delta", {"6.8.1": False, "6.9.0": True}),
    ("hudi-defaults", {"6.3.1": False, "6.4.0": True}),
    ("flink-conf", {"5.0.3": False, "5.1.0": True, "6.0.1": False, "6.1.0": True}),
    ("flink-log4j-yarn-session", {"5.32.1": True, "5.33.0": False, "6.2.1": True, "6.3.0": False}),
    ("sqoop-site", {"6.0.1": False, "6.1.0": True, "7.5.0": False}),
    ("recordserver-conf", {"5.24.1": False, "5.25.0": True, "6.0.1": True, "6.1.0": False}),
    ("hive", {"5.34.0": False, "6.0.0": True}),
    ("Spark-Defaults", {"6.5.0": False}),  # matched exactly
    ("no-such-classification", {"6.5.0": False}),
])
def test_classification_available(name, cases):
    assert facts.CLASSIFICATIONS_CASE_SENSITIVE is True
    for version, expected in cases.items():
        assert classification_available(name, f"emr-{version}") is expected, (name, version)


def test_classification_application():
    assert facts.classification_application("trino-connector-hive") == "Trino"
    assert facts.classification_application("prestosql-config") == "PrestoSQL"
    assert facts.classification_application("presto-config") == "Presto"
    assert facts.classification_application("hiveserver2-site") == "Hive"
    assert facts.classification_application("core-site") is None
    assert classification_available("spark-defaults", "emr-6.16.0") is None


# --- EBS --------------------------------------------------------------------------------------------------

def test_ebs_volume_limits():
    ok = facts.ebs_volume_problems
    assert ok("gp3", 100) == [] and ok("gp2", 64) == [] and ok("st1", 125) == []
    assert ok("gp3", 10, iops=5000) == [] and ok("gp3", 10, iops=5001)          # 500 iops per GiB
    assert ok("gp3", 100, iops=3000, throughput=750) == []
    assert ok("gp3", 100, iops=3000, throughput=751)                            # 0.25 MiB/s per iops
    assert ok("gp3", 100, throughput=750) == [] and ok("gp3", 100, throughput=751)  # default 3000 iops
    assert ok("gp3", 100, iops=2999) and ok("gp3", 100, throughput=124) and ok("gp3", 1000, throughput=1001)
    assert ok("io1", 100, iops=5000) == [] and ok("io1", 100, iops=5001)       # 50 iops per GiB
    assert ok("io1", 100) and ok("io1", 3, iops=100)                            # iops required; 4 GiB minimum
    assert ok("gp2", 100, iops=300) and ok("st1", 500, throughput=200)          # no iops / throughput
    assert ok("st1", 124) and ok("sc1", 124) and ok("standard", 1025, emr=False)
    assert ok("io2", 100, iops=1000)                                            # EMR takes no io2
    assert ok("io2", 100, iops=100_000, emr=False) == [] and ok("io2", 100, iops=100_001, emr=False)
    assert ok("gp2", 1025) and ok("gp2", 1025, emr=False) == []                 # EMR's 1-1024 GiB cap
    assert ok("gp4", 100) and ok("gp3", 0)


def test_ebs_table_consistency():
    for name, spec in facts.EBS_VOLUME_TYPES.items():
        assert spec.name == name
        assert spec.emr_accepts == (name in facts.EMR_VOLUME_TYPES)
        assert spec.size_gib[0] <= spec.size_gib[1]
        assert (spec.iops is None) == (spec.max_iops_per_gib is None) or name == "gp3"
        assert not spec.iops_required or spec.iops is not None
        assert (spec.throughput_mibps is None) == (name != "gp3")
    assert set(facts.EMR_VOLUME_TYPES) < set(facts.EBS_VOLUME_TYPES)
    assert facts.ROOT_VOLUME_IOPS[0] == facts.EBS_VOLUME_TYPES["gp3"].iops[0]


# --- limits -----------------------------------------------------------------------------------------------

def test_limits():
    assert facts.MAX_BOOTSTRAP_ACTIONS == 16
    assert facts.MAX_TASK_INSTANCE_GROUPS == 48 and facts.MAX_INSTANCE_GROUPS == facts.MAX_TASK_INSTANCE_GROUPS + 2
    assert facts.MAX_FLEET_INSTANCE_TYPES < facts.MAX_FLEET_INSTANCE_TYPES_WITH_ALLOCATION_STRATEGY == 30
    assert facts.MAX_FLEETS_PER_NODE_TYPE == 1
    assert facts.MASTER_FLEET_TARGET == 1 and facts.MASTER_FLEET_TARGET_HA == 3 == max(facts.PRIMARY_NODE_COUNTS)
    assert facts.IDLE_TIMEOUT_SECONDS == (60, 7 * 24 * 3600)
    assert facts.STEP_CONCURRENCY_LEVEL == (1, 256)
    assert facts.SPOT_PROVISIONING_TIMEOUT_MINUTES == (5, 1440) and facts.RESIZE_TIMEOUT_MINUTES == (5, 10080)
    assert "price-capacity-optimized" in facts.SPOT_ALLOCATION_STRATEGIES


def test_bid_prices_names_and_tags():
    assert facts.bid_price_valid("OnDemandPrice") and not facts.bid_price_valid("OnDemandPrice", fleets=True)
    assert facts.bid_price_valid("0.25") and facts.bid_price_valid("3")
    assert not facts.bid_price_valid("$0.25") and not facts.bid_price_valid("ondemandprice")
    assert facts.xml_string_ok("a" * 256) and not facts.xml_string_ok("a" * 257)
    assert facts.xml_string_ok("tab\tand newline\n") and not facts.xml_string_ok("bell\x07")
    assert facts.tag_problems("team", "data") == [] and facts.tag_problems("team", "") == []
    assert facts.tag_problems("", "x") and facts.tag_problems("k" * 129, "x") and facts.tag_problems("k", "v" * 257)
    assert facts.tag_problems("AWS:owner", "x") and facts.tag_problems("owner", "aws:x")
    assert facts.tag_problems("team#1", "x")


# --- metrics ----------------------------------------------------------------------------------------------

def test_every_autoscaling_metric_has_a_unit():
    from emr_constructs.scaling import automatic as autoscaling

    for name in autoscaling.EMR_METRICS:
        assert facts.metric_unit(name) in facts.AUTOSCALING_UNITS, name
    assert set(facts.AUTOSCALING_UNITS) == set(autoscaling.UNITS)


def test_metric_units():
    assert facts.metric_unit("YARNMemoryAvailablePercentage") == "PERCENT"
    assert facts.metric_unit("HDFSUtilization") == "PERCENT"
    assert facts.metric_unit("ContainerPendingRatio") == "COUNT"
    assert facts.metric_unit("AppsPending") == "COUNT"
    assert facts.metric_unit("MemoryAvailableMB") == "COUNT"
    assert facts.metric_unit("IsIdle") == "NONE"
    with pytest.raises(KeyError):
        facts.metric_unit("CPUUtilization")
    assert set(facts.CLOUDWATCH_UNIT_TO_ENUM.values()) <= set(facts.AUTOSCALING_UNITS)


def test_metric_scopes():
    assert facts.metric_usable_in_autoscaling("YARNMemoryAvailablePercentage") is True
    assert facts.metric_usable_in_autoscaling("TotalUnitsRequested") is False  # fleets only
    assert facts.metric_usable_in_autoscaling("TotalNodesRequested") is None   # managed scaling only
    assert facts.metric_usable_in_autoscaling("NoSuchMetric") is None
    assert facts.METRICS["TotalVCPURequested"].only_with == "managed_scaling"
    assert facts.METRICS["CoreNodesRunning"].only_with is None


# --- the data's own consistency ---------------------------------------------------------------------------

def test_application_table_consistency():
    for name, lines in facts.APPLICATIONS.items():
        assert set(lines) <= {5, 6, 7}, name
        for major, span in lines.items():
            if span is None:
                continue
            end = span.last or span.seen
            assert span.first.major == major and facts.LINES[major].contains(span.first), name
            assert end is not None and end.major == major and span.contains(end), name
            assert facts.LINES[major].contains(end), name
    lowered = {n.lower() for n in facts.APPLICATIONS}
    assert not lowered & {n.lower() for n in facts.NOT_APPLICATIONS}
    for pair in facts.EXCLUSIVE_APPLICATIONS:
        assert pair <= set(facts.APPLICATIONS)


def test_classification_table_consistency():
    assert len(facts.CLASSIFICATION_SPANS) > 150
    for name, ranges in facts.CLASSIFICATION_SPANS.items():
        assert name == name.lower(), name
        for listed in ranges:
            lo, hi = listed.first, listed.last
            assert listed.contains(hi) and lo.major == hi.major, name
            assert any(window.contains(lo) and window.contains(hi) for window in facts.ARCHIVED_WINDOW), name
            app = facts.classification_application(name)
            if app is not None:  # a classification only where its application ships
                assert application_available(app, lo) is True, (name, str(lo))
                assert application_available(app, hi) is True, (name, str(hi))
    for name in facts.CLASSIFICATIONS_SINCE:
        assert name in facts.ALL_CLASSIFICATIONS
    for prefix, app in facts.CLASSIFICATION_APPLICATION.items():
        assert app in facts.APPLICATIONS, prefix


def test_gate_table_consistency():
    for key, gate in facts.GATES.items():
        majors = [major for major, _ in gate.since]
        assert majors == sorted(majors) and gate.since, key
        for major, first in gate.since:
            assert first.major == major, key
            assert gate.allows(first) in (True, None) or first in gate.excluded, key
        assert gate.source, key


def test_facts_package_is_standard_library_only():
    imported = set()
    for module in Path(facts.__file__).parent.glob("*.py"):
        tree = ast.parse(module.read_text())
        imported |= {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    # emr_contract is standard library only (tests/test_layering.py), so the facts still load without cdktf.
    assert imported <= {"__future__", "re", "dataclasses", "typing", "emr_contract"}, imported


def test_checks_name_the_parameter_at_fault_not_in_prose():
    """Checks return (field, message): the caller names the field without reading the sentence again."""
    assert [f for f, _ in facts.ebs_volume_problems("gp3", 100, iops=3000, throughput=751)] == ["throughput"]
    assert [f for f, _ in facts.ebs_volume_problems("gp3", 100, iops=2999)] == ["iops"]
    assert [f for f, _ in facts.ebs_volume_problems("st1", 124)] == ["size_gib"]
    assert [f for f, _ in facts.ebs_volume_problems("io2", 100, iops=1000)] == ["volume_type"]
    assert [f for f, _ in facts.tag_problems("aws:owner", "team#1")] == ["key", "value"]


def test_the_exported_names_are_a_literal_list_a_static_tool_can_read():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(facts.__file__).read_text(encoding="utf-8"))
    (node,) = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "__all__"]
    names = ast.literal_eval(node.value)
    assert names == facts.__all__ and all(hasattr(facts, n) for n in names)
