"""The triage corpus's accuracy table: `python -m scripts.corpus_accuracy` prints it, `--write` puts it in
docs/emr-steps.md between the corpus-accuracy markers (tests/step_runner/test_sr_corpus.py checks it is current)."""
from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "step_runner" / "corpus"
DOC = ROOT / "docs" / "emr-steps.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- corpus-accuracy:begin -->", "<!-- corpus-accuracy:end -->"
README_BEGIN, README_END = "<!-- accuracy:begin -->", "<!-- accuracy:end -->"


@dataclass(frozen=True)
class HoldOut:
    """A batch gathered by someone who never saw the code, and its first measurement, taken before any change
    made for it (kind %, cause %). That first figure is history: it is written here once, never recomputed."""

    prefix: str
    label: str
    first_kind: float
    first_cause: float


HOLD_OUTS = (
    HoldOut("h-", "hold-out 1 (h-*)", 92, 89),
    HoldOut("n-", "hold-out 2 (n-*)", 32, 82),
    HoldOut("m-", "hold-out 3 (m-*)", 89.1, 91.3),
    HoldOut("k-", "hold-out 4 (k-*)", 87.0, 87.0),
    HoldOut("q-", "hold-out 5 (q-*)", 95.2, 92.9),
)


@dataclass(frozen=True)
class Sample:
    name: str
    source: str
    kind: str | None
    cause: str
    where: str
    text: str



@dataclass(frozen=True)
class Result:
    sample: Sample
    kind: str | None
    summary: str | None

    @property
    def kind_ok(self) -> bool:
        return self.kind == self.sample.kind

    @property
    def cause_ok(self) -> bool:
        s = self.sample
        return s.kind is None or bool(self.summary and s.cause.lower() in self.summary.lower())


def load(path: Path) -> Sample:
    head, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
    if not sep:
        raise ValueError(f"{path.name}: no '---' line after the header")
    fields = {}
    for line in head.splitlines():
        if line.startswith("# ") and ":" in line:
            key, _, value = line[2:].partition(":")
            fields[key.strip()] = value.strip()
    kind = fields.get("kind", "")
    return Sample(path.name, fields.get("source", ""), None if kind in ("none", "") else kind,
                  fields.get("cause", ""), fields.get("where", ""), body)


def samples() -> list[Sample]:
    return [load(p) for p in sorted(CORPUS.glob("*.log"))]


def measure(sample: Sample) -> Result:
    from step_runner.diagnosis import explain_text

    d = explain_text(sample.text, sample.name)
    return Result(sample, d.hint.kind if d.hint else None, d.cause.summary if d.cause else None)


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def table(results: list[Result]) -> str:
    per: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        per[r.sample.kind or "none"].append(r)
    lines = ["| kind | samples | kind right | cause right |", "|---|---|---|---|"]
    for kind in sorted(per):
        rs = per[kind]
        lines.append(f"| {kind} | {len(rs)} | {sum(r.kind_ok for r in rs)} | {sum(r.cause_ok for r in rs)} |")
    for label, rs in (("all", results), *((h.label, batch(results, h)) for h in HOLD_OUTS)):
        if rs:
            lines.append(f"| **{label}** | {len(rs)} | {_pct(sum(r.kind_ok for r in rs), len(rs))} | "
                         f"{_pct(sum(r.cause_ok for r in rs), len(rs))} |")
    return "\n".join(lines)


def batch(results: list[Result], hold_out: HoldOut) -> list[Result]:
    return [r for r in results if r.sample.name.startswith(hold_out.prefix)]


def summary(results: list[Result]) -> str:
    """The README's table: the corpus today, and each hold-out's first measurement beside today's."""
    lines = ["| measured on | samples | kind right | cause right |", "|---|---|---|---|",
             f"| the whole corpus, today | {len(results)} | {_pct(sum(r.kind_ok for r in results), len(results))} "
             f"| {_pct(sum(r.cause_ok for r in results), len(results))} |"]
    for h in reversed(HOLD_OUTS):
        rs = batch(results, h)
        lines.append(f"| {h.label}, first measurement, before any change for it | {len(rs)} | {h.first_kind:g}% "
                     f"| {h.first_cause:g}% |")
        lines.append(f"| {h.label}, today | {len(rs)} | {_pct(sum(r.kind_ok for r in rs), len(rs))} | "
                     f"{_pct(sum(r.cause_ok for r in rs), len(rs))} |")
    return "\n".join(lines)


def doc_with(text: str, body: str, begin: str = BEGIN, end_marker: str = END) -> str:
    start, end = text.index(begin) + len(begin), text.index(end_marker)
    return text[:start] + "\n" + body + "\n" + text[end:]


def main(argv: list[str]) -> int:
    results = [measure(s) for s in samples()]
    body = table(results)
    if "--write" in argv:
        DOC.write_text(doc_with(DOC.read_text(encoding="utf-8"), body), encoding="utf-8")
        README.write_text(doc_with(README.read_text(encoding="utf-8"), summary(results), README_BEGIN, README_END),
                          encoding="utf-8")
    print(body)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
