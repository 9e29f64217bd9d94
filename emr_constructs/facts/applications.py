"""The applications each EMR release ships (RunJobFlow's Applications), with the evidence for each span. The pages the
comments cite are listed in the package docstring."""
from __future__ import annotations

from typing import Mapping, Optional

from emr_contract.releases import Release, ReleaseLike, Span
from emr_contract.releases import span as _span

from .releases import known_release

# RJF Applications: "A case-insensitive list of applications for Amazon EMR to install".
APPLICATION_NAMES_CASE_SENSITIVE = False


# Each application's releases, per major line, as a Span: ``first`` .. ``last`` when the application left the
# line, else ``first`` .. ``seen`` (the newest release we saw it in; past it: unknown).
# Abbreviations of the evidence behind each span:
#   T5, T6 = RG emr-release-app-versions-5.x / 6.x as archived (every release to 5.34.0 / 6.5.0);
#   T7 = RG emr-release-app-versions-7.x (rows to HBase read: AmazonCloudWatchAgent, Delta, Flink,
#        Ganglia "-", HBase, through emr-7.12.0);  H(App) = RG <App>-release-history, newest rows;
#   C(App) = the application's components listed under another application's release history (e.g.
#        hadoop-* under Spark at emr-7.13.0): the components ship, so we take the application as shipping.
# guess (continuity): an application shipped in 6.5.0 (T6) and again from 7.0.0 is taken to ship in every
# 6.x release between (6.6.0-6.15.0) where no page of ours lists that line's later releases.
# Where a line's key is missing, nothing we read says either way: the answer is None.
_C6 = dict(seen="6.15.0")  # continuity through the end of the 6.x line (guess, see above)

APPLICATIONS: Mapping[str, Mapping[int, Optional[Span]]] = {
    # T5, T6; H(Spark) newest row emr-7.13.0.
    "Spark": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; C(Spark): hadoop-client, hadoop-hdfs-*, hadoop-yarn-* at emr-7.13.0.
    "Hadoop": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; C(Presto): hive-client, hcatalog-server at emr-7.13.0.
    "Hive": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    "HCatalog": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; C(Spark/Zeppelin): livy-server at emr-7.13.0.
    "Livy": {5: _span("5.9.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; T7 HBase row through emr-7.10.0 (docs.aws) / emr-7.12.0 (docs.amazonaws.cn).
    "HBase": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.12.0")},
    # T5 (5.1.0+), T6 (6.1.0+, not in 6.0.x); T7 Flink row through emr-7.12.0.
    "Flink": {5: _span("5.1.0", seen="5.34.0"), 6: _span("6.1.0", **_C6), 7: _span("7.0.0", seen="7.12.0")},
    # T5, T6; H(Hue) newest row emr-7.13.0, emr-6.14.0 in the 6.x rows (continuity to 6.15.0).
    "Hue": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6 (6.1.0+); H(Pig) emr-7.13.0.
    "Pig": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.1.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Oozie) emr-7.13.0 and emr-6.14.0.
    "Oozie": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Phoenix) emr-7.13.0; RG emr-phoenix names emr-6.15.0.
    "Phoenix": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Presto) emr-7.13.0; RG emr-presto names emr-6.15.0.
    "Presto": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # RG emr-610-release: "PrestoSQL is supported on EMR 6.1.0 and later versions only, not on EMR 6.0.0 or
    # EMR 5.x ... To install PrestoSQL on clusters, use the application name PrestoSQL"; RG emr-640-release:
    # "PrestoSQL has been renamed to Trino". guess: 6.4.0+ no longer takes the name PrestoSQL (RG emr-trino:
    # "6.4.0 and later generally refer to Trino"); 6.3.1 is the last 6.3.x release (T6).
    "PrestoSQL": {5: None, 6: _span("6.1.0", last="6.3.1"), 7: None},
    # T6 row "Trino (PrestoSQL)" from 6.4.0 under the name Trino; RG emr-trino names emr-7.13.0. Not in 5.x.
    "Trino": {5: None, 6: _span("6.4.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Tez) emr-7.13.0.
    "Tez": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Zeppelin) emr-7.13.0.
    "Zeppelin": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; C(Phoenix): zookeeper-server at emr-7.13.0.
    "ZooKeeper": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5 (5.14.0+), T6. Nothing read for 7.x.
    "JupyterHub": {5: _span("5.14.0", seen="5.34.0"), 6: _span("6.0.0", seen="6.5.0")},
    # T5 (5.32.0+), T6 (6.2.0+). Nothing read for 7.x.
    "JupyterEnterpriseGateway": {5: _span("5.32.0", seen="5.34.0"), 6: _span("6.2.0", seen="6.5.0")},
    # T5 (5.0.0+), T6 (6.1.0+); RG emr-sqoop: "The last release to include Apache Sqoop was Amazon EMR
    # Release 7.4 ... removed from Amazon EMR Release 7.5 and higher"; H(Sqoop) lists emr-5.36.2.
    "Sqoop": {5: _span("5.0.0", last="5.36.2"), 6: _span("6.1.0", last="6.15.0"), 7: _span("7.0.0", last="7.4.0")},
    # T5 (5.17.0+), T6; H(TensorFlow) emr-7.14.0.
    "TensorFlow": {5: _span("5.17.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.14.0")},
    # T5 (5.10.0+), T6; RG emr-mxnet: "Amazon EMR 7.2.0 is the last release that includes MXNet";
    # H(MXNet) lists emr-5.36.2 and emr-6.15.0.
    "MXNet": {5: _span("5.10.0", last="5.36.2"), 6: _span("6.0.0", last="6.15.0"), 7: _span("7.0.0", last="7.2.0")},
    # T5, T6; H(Ganglia): "The last release of Amazon EMR to include Ganglia was Amazon EMR 6.15.0"
    # (emr-5.36.2 listed); T7 Ganglia row "-" in every 7.x release.
    "Ganglia": {5: _span("5.0.0", last="5.36.2"), 6: _span("6.0.0", last="6.15.0"), 7: None},
    # T5 (every 5.x); T6 Mahout row "-" in every 6.x release. guess: not in 7.x either (dropped in 6.0.0,
    # no 7.x page lists it).
    "Mahout": {5: _span("5.0.0", seen="5.34.0"), 6: None, 7: None},
    # RG emr-AmazonCloudWatchAgent / AmazonCloudWatchAgent-config: "Amazon EMR 7.0.0 and higher include the
    # Amazon CloudWatch agent"; T7 row through emr-7.12.0. The application is named AmazonCloudWatchAgent
    # (T7), not CloudWatchAgent. RG emr-5140-release shows the row "-" for 5.x; H(Ganglia): releases
    # "higher than 6.15.0" include the agent.
    "AmazonCloudWatchAgent": {5: None, 6: None, 7: _span("7.0.0", seen="7.12.0")},
}

# Names the release tables list that the Applications list does not take: they are bundled with other
# applications or switched on by a classification. guess: no page says RunJobFlow refuses them as
# application names; the pages never pass them in --applications, and the release histories list their
# installed components as "Not available." We answer False for them as applications.
NOT_APPLICATIONS: Mapping[str, str] = {
    # RG emr-iceberg-create-cluster: create the cluster with classification iceberg-defaults
    # {"iceberg.enabled": "true"} (Iceberg from 6.5.0, T6), Spark installs it (H(Spark) component iceberg).
    "Iceberg": "enable with the iceberg-defaults classification {'iceberg.enabled': 'true'} (6.5.0+)",
    # RG Deltausing-cluster-spark: "Starting with Amazon EMR version 6.9.0 ... [{"Classification":
    # "delta-defaults", "Properties":{"delta.enabled":"true"}}]" with --applications Name=Spark; RG emr-delta:
    # components installed with Delta "Not available."
    "Delta": "enable with the delta-defaults classification {'delta.enabled': 'true'} (6.9.0+)",
    # RG emr-hudi-installation-and-configuration: "With Amazon EMR release version 5.28.0 and later, Amazon
    # EMR installs Hudi components by default when Spark, Hive, or Presto is installed"; H(Hudi):
    # components "Not available."
    "Hudi": "installed with Spark, Hive, Presto or Flink (5.28.0+); tune with hudi-defaults (6.4.0+)",
    # Misspelling of AmazonCloudWatchAgent.
    "CloudWatchAgent": "the application is named AmazonCloudWatchAgent (7.0.0+)",
}

# RG emr-presto / emr-trino: "Trino and Presto can't run simultaneously on the same cluster"; RG
# emr-610-release: "If both PrestoDB and PrestoSQL are specified ... a validation error occurs".
EXCLUSIVE_APPLICATIONS = (frozenset({"Presto", "Trino"}), frozenset({"Presto", "PrestoSQL"}))

_APP_BY_LOWER = {name.lower(): name for name in APPLICATIONS}


def canonical_application(name: object) -> Optional[str]:
    """The EMR spelling of an application name given in any case (RJF: the list is case-insensitive)."""
    return _APP_BY_LOWER.get(name.lower()) if isinstance(name, str) else None


def application_available(name: str, release: ReleaseLike) -> Optional[bool]:
    """Whether ``release`` ships the application ``name`` (any case). None when unknown: an unparsable
    label, a line we know nothing of, a release past the newest we saw the application in, or a label past
    the end of a closed line."""
    r = Release.of(release)
    if r is None or known_release(r) is not True:
        return None
    canon = canonical_application(name)
    if canon is None:
        # Not an application of any EMR release we read (including NOT_APPLICATIONS).
        return False
    lines = APPLICATIONS[canon]
    if r.major not in lines:
        return None
    span = lines[r.major]
    return False if span is None else span.contains(r)
