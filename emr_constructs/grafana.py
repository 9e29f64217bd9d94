"""A Grafana dashboard (CloudWatch data source) of the same panels as the CloudWatch one.

Import the exported JSON in Grafana; pick the cluster from the ``cluster_id`` variable.
"""
from __future__ import annotations

import json
from typing import Any

from .metrics import NAMESPACE, PANELS

_UNITS = {"percent": "percent", "ratio": "none", "count": "short", "0/1": "short"}


def grafana_dashboard(title: str = "Amazon EMR cluster", region: str = "default") -> dict[str, Any]:
    panels = []
    for i, (panel_title, unit, metrics) in enumerate(PANELS):
        panels.append({
            "id": i + 1,
            "type": "timeseries",
            "title": panel_title,
            "datasource": {"type": "cloudwatch", "uid": "${datasource}"},
            "gridPos": {"x": (i % 2) * 12, "y": (i // 2) * 8, "w": 12, "h": 8},
            "fieldConfig": {"defaults": {"unit": _UNITS[unit]}, "overrides": []},
            "targets": [
                {
                    "refId": chr(ord("A") + j),
                    "datasource": {"type": "cloudwatch", "uid": "${datasource}"},
                    "queryMode": "Metrics",
                    "namespace": NAMESPACE,
                    "metricName": name,
                    "dimensions": {"JobFlowId": "$cluster_id"},
                    "statistic": "Average",
                    "period": "300",
                    "region": "$region",
                    "matchExact": True,
                }
                for j, name in enumerate(metrics)
            ],
        })
    return {
        "title": title,
        "uid": "emr-cluster-scaling",
        "schemaVersion": 39,
        "tags": ["emr", "spark", "scaling"],
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "cloudwatch", "label": "CloudWatch"},
            {"name": "region", "type": "custom", "query": region, "current": {"text": region, "value": region}},
            {"name": "cluster_id", "type": "query", "label": "EMR cluster",
             "datasource": {"type": "cloudwatch", "uid": "${datasource}"},
             "query": f"dimension_values($region,{NAMESPACE},IsIdle,JobFlowId)", "refresh": 2},
        ]},
        "panels": panels,
    }


def grafana_dashboard_json(**kwargs: Any) -> str:
    return json.dumps(grafana_dashboard(**kwargs), indent=2, sort_keys=True) + "\n"
