"""What Grafana does with a CloudWatch metrics target of an imported dashboard, as a strict model.

Each rule below is Grafana's own, with the file it is in. Sources (read with git / the code index):
  PLUGIN   grafana/grafana-cloudwatch-datasource @ 9e3235ae747f308eae7ebee6965305e144ee4b3f
           (the CloudWatch data source, split out of grafana/grafana; same rules in grafana/grafana
           public/app/plugins/datasource/cloudwatch/ @ c265af27ff621c44027bd9fa09a63a840aa37911)
  MIGRATOR grafana/grafana public/app/features/dashboard/state/DashboardMigrator.ts
           @ 01e3d94cb91378d6f60e8c47451bf3ead895949a
A target that breaks a rule shows "No data": Grafana drops it silently.
Newer grafana/grafana (CloudWatchMetricsQueryRunner.ts @ 1c1764a5ca2b2446bc2fb43a363b2663a31a0ce8, with PromQL)
defaults an absent metricQueryType/metricEditorMode inside filterMetricsQuery and no longer requires region;
this model keeps the stricter rules above, so the exported targets (which set every field) run on both.
"""
from __future__ import annotations

import re
from typing import Any

# PLUGIN src/dataquery.gen.ts: enum MetricQueryType { Search = 0, Insights = 1 },
# enum MetricEditorMode { Builder = 0, Code = 1 }.
SEARCH, INSIGHTS = 0, 1
BUILDER, CODE = 0, 1
# MIGRATOR: `if (oldVersion < 34) { panelUpgrades.push(... this.migrateCloudWatchQueries(panel) ...) }`:
# "CloudWatch migrations have been moved to version 34"; a dashboard at 34 or later is never migrated.
MIGRATED_BELOW_SCHEMA = 34
# PLUGIN pkg/cloudwatch/models/cloudwatch_query.go, getPeriod: "", "auto", whole seconds, or a Go duration.
_GO_DURATION = re.compile(r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+")


def _js_truthy(value: Any) -> bool:
    """JavaScript's `!!value` for JSON values (an empty object or array is truthy)."""
    if isinstance(value, (dict, list)):
        return True
    return bool(value)


def _is_js_number(value: Any, expected: int) -> bool:
    """`value === expected` in JavaScript: a JSON number, not a string or a boolean."""
    return isinstance(value, int) and not isinstance(value, bool) and value == expected


def migrate(target: dict, schema_version: int) -> dict:
    """What the dashboard migrator makes of a target on import."""
    target = dict(target)
    # MIGRATOR isCloudWatchQuery: hasOwnProperty dimensions, namespace, region and metricName.
    is_cloudwatch = all(k in target for k in ("dimensions", "namespace", "region", "metricName"))
    if schema_version < MIGRATED_BELOW_SCHEMA and is_cloudwatch:
        # PLUGIN src/migrations/dashboardMigrations.ts migrateCloudWatchQuery: fills in only what is absent.
        if "metricQueryType" not in target:
            target["metricQueryType"] = SEARCH
        if "metricEditorMode" not in target:
            if target["metricQueryType"] == INSIGHTS:
                target["metricEditorMode"] = CODE
            else:
                target["metricEditorMode"] = CODE if target.get("expression") else BUILDER
    return target


def frontend_drops(target: dict) -> list[str]:
    """Why the front end would not send the target to the backend ([] when it does)."""
    problems = []
    # PLUGIN src/guards.ts isCloudWatchMetricsQuery: queryMode 'Metrics', or no queryMode at all.
    is_metrics = target.get("queryMode", "Metrics") == "Metrics"
    if not is_metrics:
        problems.append(f"queryMode {target['queryMode']!r} is not a metrics query")
    # PLUGIN src/datasource.ts filterQuery: `query.hide !== true || (isCloudWatchMetricsQuery(query) && query.id !== '')`
    # (an absent id is undefined, which !== '').
    if target.get("hide") is True and not (is_metrics and target.get("id", None) != ""):
        problems.append("hide is true")
    # PLUGIN src/query-runner/CloudWatchMetricsQueryRunner.ts handleMetricQueries:
    # `metricQueries.filter(this.filterMetricQuery).map((q) => { const migratedQuery = migrateMetricQuery(q); ...`
    # so the filter below sees the target as stored; the plugin's own migration comes too late to help.
    # PLUGIN src/utils/utils.ts filterMetricsQuery:
    if not _js_truthy(target.get("region")):
        problems.append("no region")
    query_type, editor_mode = target.get("metricQueryType"), target.get("metricEditorMode")
    if _is_js_number(query_type, SEARCH) and _is_js_number(editor_mode, BUILDER):
        for field in ("namespace", "metricName", "statistic"):
            if not _js_truthy(target.get(field)):
                problems.append(f"Search/Builder query without {field}")
    elif _is_js_number(query_type, SEARCH) and _is_js_number(editor_mode, CODE):
        if not _js_truthy(target.get("expression")):
            problems.append("Search/Code query without expression")
    elif _is_js_number(query_type, INSIGHTS):
        if not _js_truthy(target.get("sqlExpression")):
            problems.append("Insights query without sqlExpression")
    else:
        problems.append(f"metricQueryType {query_type!r} / metricEditorMode {editor_mode!r} is neither "
                        "Search/Builder, Search/Code nor Insights: filterMetricsQuery returns false")
    return problems


def backend_problems(target: dict) -> list[str]:
    """What PLUGIN pkg/cloudwatch/models/cloudwatch_query.go refuses or turns into something else."""
    problems = []
    # validateAndSetDefaults: "query must have either statistic or statistics field".
    if target.get("statistic") is None and target.get("statistics") is None:
        problems.append("query must have either statistic or statistics field")
    # getPeriod: "" or "auto" (period from the time range), an integer, or a Go duration.
    period = target.get("period", "")
    if not isinstance(period, str):
        problems.append(f"period {period!r} is not a string (the data query's period is a string)")
    elif period.lower() not in ("", "auto") and not period.isdigit() and not _GO_DURATION.fullmatch(period):
        problems.append(f"failed to parse period as duration: {period!r}")
    # parseDimensions: each value a string or a non-empty list of strings ("unknown type as dimension value").
    for key, value in (target.get("dimensions") or {}).items():
        if not (isinstance(value, str) or (isinstance(value, list) and value and all(isinstance(v, str) for v in value))):
            problems.append(f"unknown type as dimension value: {key}={value!r}")
    return problems


def runs_as_metric_stat(target: dict) -> list[str]:
    """GetGetMetricDataAPIMode: Search + Builder is a MetricStat query of exactly these dimensions unless
    IsInferredSearchExpression (matchExact false, a multi-valued or "*" dimension, or no dimensions with
    matchExact false), which turns it into a SEARCH() over every matching metric. Defaults when absent:
    matchExact true, editor mode Builder (cloudwatch_query.go validateAndSetDefaults)."""
    problems = []
    if target.get("matchExact", True) is not True:
        problems.append("matchExact false: the backend runs a SEARCH expression, not the cluster's metric")
    for key, value in (target.get("dimensions") or {}).items():
        values = value if isinstance(value, list) else [value]
        if len(values) > 1 or "*" in values:
            problems.append(f"dimension {key} has several values or '*': a SEARCH expression")
    return problems


def target_problems(target: dict, *, schema_version: int) -> list[str]:
    """Every reason a target of a dashboard at ``schema_version`` would not show its one metric."""
    migrated = migrate(target, schema_version)
    return frontend_drops(migrated) + backend_problems(migrated) + runs_as_metric_stat(migrated)
