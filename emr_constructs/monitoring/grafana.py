"""Grafana dashboards (CloudWatch data source) of the same panels as the CloudWatch one, one per scaling mode.

Import the exported JSON that matches your cluster (``dashboards/emr-grafana-<mode>.json``); pick the
data source, region and cluster from the variables.

Each target is written in the shape Grafana's CloudWatch data source runs today, because Grafana does not
repair it on import: its CloudWatch query migration runs only for dashboards of schemaVersion < 34, and the
metrics query runner drops every query that is not Search + Builder (with region, namespace, metricName and
statistic) *before* it migrates anything. The rules, with the Grafana source they come from, are modelled in
tests/grafana_cloudwatch.py and every exported target is checked against them.
"""
from __future__ import annotations

import json
from typing import Any

from .metrics import EXPORTED_MODES, NAMESPACE, PERIOD_SECONDS, ScalingMode, panels_for

_UNITS = {"percent": "percent", "ratio": "none", "count": "short", "0/1": "short"}
# Grafana's CloudWatch enums (dataquery.gen.ts): MetricQueryType.Search = 0, MetricEditorMode.Builder = 0.
METRIC_QUERY_TYPE_SEARCH = 0
METRIC_EDITOR_MODE_BUILDER = 0
SCHEMA_VERSION = 39
DATASOURCE = {"type": "cloudwatch", "uid": "${datasource}"}


def cloudwatch_target(ref_id: str, metric_name: str, statistic: str = "Average") -> dict[str, Any]:
    """One metric of the cluster as a Search/Builder (MetricStat) query of the CloudWatch data source."""
    return {
        "refId": ref_id,
        "datasource": DATASOURCE,
        "queryMode": "Metrics",
        "metricQueryType": METRIC_QUERY_TYPE_SEARCH,
        "metricEditorMode": METRIC_EDITOR_MODE_BUILDER,
        "id": "",
        "region": "$region",
        "namespace": NAMESPACE,
        "metricName": metric_name,
        # One exact value: the backend sends a MetricStat query, not a SEARCH expression.
        "dimensions": {"JobFlowId": "$cluster_id"},
        "matchExact": True,
        "statistic": statistic,
        "period": str(PERIOD_SECONDS),
        "expression": "",
        "sqlExpression": "",
        "hide": False,
    }


def grafana_dashboard(mode: ScalingMode = EXPORTED_MODES[0], title: str = "Amazon EMR cluster",
                      region: str = "default") -> dict[str, Any]:
    panels = []
    for i, panel in enumerate(panels_for(mode)):
        panels.append({
            "id": i + 1,
            "type": "timeseries",
            "title": panel.title,
            "datasource": DATASOURCE,
            "gridPos": {"x": (i % 2) * 12, "y": (i // 2) * 8, "w": 12, "h": 8},
            "fieldConfig": {"defaults": {"unit": _UNITS[panel.unit]}, "overrides": []},
            "targets": [cloudwatch_target(chr(ord("A") + j), name) for j, name in enumerate(panel.metrics)],
        })
    return {
        "title": f"{title} ({mode.description})",
        "description": f"EMR metrics published for {mode.description}",
        "uid": f"emr-{mode.slug}",
        "schemaVersion": SCHEMA_VERSION,
        "tags": ["emr", "spark", "scaling"],
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "cloudwatch", "label": "CloudWatch"},
            {"name": "region", "type": "custom", "query": region, "current": {"text": region, "value": region}},
            {"name": "cluster_id", "type": "query", "label": "EMR cluster", "datasource": DATASOURCE,
             "query": f"dimension_values($region,{NAMESPACE},IsIdle,JobFlowId)", "refresh": 2},
        ]},
        "panels": panels,
    }


def grafana_dashboard_json(mode: ScalingMode = EXPORTED_MODES[0], **kwargs: Any) -> str:
    return json.dumps(grafana_dashboard(mode, **kwargs), indent=2, sort_keys=True) + "\n"


def exported_file_name(mode: ScalingMode) -> str:
    return f"emr-grafana-{mode.slug}.json"


def exported_dashboards() -> dict[str, str]:
    """{file name under dashboards/: JSON} for every exported scaling mode."""
    return {exported_file_name(mode): grafana_dashboard_json(mode) for mode in EXPORTED_MODES}
