"""docs/scaling.md's real outputs: the --compare of the shipped scaling stacks on the example day, and its chart.

`python -m scripts.scaling_docs` prints the comparison; `--write` puts it between the scaling-compare markers of
docs/scaling.md and redraws docs/images/scaling-compare.png (tests/emr_scaling/test_docs_scaling.py checks the
text is current).
"""
from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scaling.md"
CHART = ROOT / "docs" / "images" / "scaling-compare.png"
BEGIN, END = "<!-- scaling-compare:begin -->", "<!-- scaling-compare:end -->"
COMMAND = ("emr-scaling", "simulate", "emr-autoscaling", "--workload", "examples/workload-day.yaml", "--compare",
           "emr-production", "emr-fleets")


def compare(stacks: Path, chart: Path | None = None) -> str:
    """The comparison's text as the documented command prints it, on stacks synthesized under ``stacks``."""
    from emr_scaling.cli import main

    argv = [a if not a.startswith("emr-") or a == "emr-scaling" else str(stacks / a) for a in COMMAND[1:]]
    argv = [str(ROOT / a) if a.startswith("examples/") else a for a in argv]
    if chart is not None:
        argv += ["--chart", str(chart)]
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    if code != 0:
        raise SystemExit(f"emr-scaling failed ({code}): {err.getvalue()}")
    return out.getvalue().replace(str(stacks) + "/", "")


def doc_with(text: str, doc: str) -> str:
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n```text\n$ {' '.join(COMMAND)}\n{text}```\n{END}{tail}"


def synthesize(into: Path) -> Path:
    from emr_constructs.cdk import App
    from stacks.app_builder import build_app

    build_app(App(outdir=str(into)), env={}).synth()
    return into / "stacks"


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        stacks = synthesize(Path(tmp))
        if "--write" in argv:
            CHART.parent.mkdir(parents=True, exist_ok=True)
            text = compare(stacks, CHART)
            DOC.write_text(doc_with(text, DOC.read_text(encoding="utf-8")), encoding="utf-8")
            print(f"wrote {DOC.relative_to(ROOT)} and {CHART.relative_to(ROOT)}")
        else:
            print(compare(stacks), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
