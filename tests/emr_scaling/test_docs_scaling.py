"""docs/scaling.md shows a real --compare: regenerate with `python -m scripts.scaling_docs --write`."""
from __future__ import annotations

from scripts.scaling_docs import CHART, DOC, compare, doc_with


def test_the_documented_comparison_is_current(synthesized):
    doc = DOC.read_text(encoding="utf-8")
    assert doc_with(compare(synthesized), doc) == doc, \
        "docs/scaling.md's comparison is stale: python -m scripts.scaling_docs --write"
    assert CHART.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
