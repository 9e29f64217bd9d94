"""Write the Grafana dashboard (CloudWatch data source) users import: dashboards/emr-grafana.json."""
from pathlib import Path

from emr_constructs.grafana import grafana_dashboard_json

TARGET = Path(__file__).resolve().parent.parent / "dashboards" / "emr-grafana.json"

if __name__ == "__main__":
    TARGET.write_text(grafana_dashboard_json())
    print(f"wrote {TARGET.relative_to(TARGET.parent.parent)}")
