"""Write the Grafana dashboards (CloudWatch data source) users import, one per scaling mode:
dashboards/emr-grafana-<mode>.json. Stale exports (modes no longer exported) are removed."""
from pathlib import Path

from emr_constructs.monitoring.grafana import exported_dashboards

DIRECTORY = Path(__file__).resolve().parent.parent / "dashboards"
PATTERN = "emr-grafana*.json"


def export(directory: Path = DIRECTORY) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    wanted = exported_dashboards()
    for stale in directory.glob(PATTERN):
        if stale.name not in wanted:
            stale.unlink()
    written = []
    for name, body in wanted.items():
        (directory / name).write_text(body)
        written.append(directory / name)
    return written


if __name__ == "__main__":
    for path in export():
        print(f"wrote {path.relative_to(DIRECTORY.parent)}")
