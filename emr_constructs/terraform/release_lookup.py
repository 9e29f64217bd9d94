"""The newest EMR release at plan time, instead of a label written into the code.

``EmrReleaseLookup`` reads ``aws_emr_release_labels`` (the ListReleaseLabels API) with an optional prefix
(``emr-7``) and application filter, and exposes ``latest``: the first label returned. EMR answers newest
first: ListReleaseLabels' NextToken says the first page is "determined by other filtering parameters or by
the latest version" (https://docs.aws.amazon.com/emr/latest/APIReference/API_ListReleaseLabels.html).

A label known only at plan time cannot be checked at synth: the cluster then skips its release gates,
applications and classifications per release, and says so in a warning. Pin a label for production; use
the lookup where following the newest release is the point (a test cluster, a canary).
"""
from __future__ import annotations

from typing import Optional

from ..cdk import Fn, TerraformProvider, Token
from constructs import Construct

from .base import Scope
from .resources import EmrReleaseLabels
from ..validation.checker import Checker

# ListReleaseLabels ReleaseLabelFilter: Prefix "For example, emr-5.", Application "For example, spark@2.1.0".
PREFIX = r"emr-\d+(\.\d+){0,2}\.?"
APPLICATION = r"[A-Za-z][A-Za-z0-9-]*(@\d+(\.\d+)*)?"


class EmrReleaseLookup(Scope):
    """Exposes ``data`` (the data source), ``labels`` (every label, newest first) and ``latest``."""

    def __init__(self, scope: Construct, id: str, *, prefix: Optional[str] = None, application: Optional[str] = None,
                 provider: Optional[TerraformProvider] = None) -> None:
        c = Checker()
        c.matches("prefix", prefix, PREFIX, "must be a release label prefix such as emr-7 or emr-6.15")
        c.matches("application", application, APPLICATION, "must be an application, optionally with its version, "
                  "such as spark or spark@3.5.0")
        c.raise_if_any("EMR release lookup")
        super().__init__(scope, id, provider=provider)
        filters = {"prefix": prefix, "application": application}
        self.data = EmrReleaseLabels(self, "labels", {
            "filters": [filters] if any(v is not None for v in filters.values()) else None})
        self.labels = self.data.get_list_attribute("release_labels")
        self.latest: str = Token.as_string(Fn.element(self.labels, 0))


__all__ = ["EmrReleaseLookup"]
