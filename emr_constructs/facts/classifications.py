"""The configuration classifications each EMR release accepts. The pages the comments cite are listed in the package
docstring."""
from __future__ import annotations

import re
from typing import Mapping, Optional

from emr_contract.releases import Gate, Release, ReleaseLike, Span, span
from emr_contract.releases import release as _r

from .applications import application_available
from .releases import in_archived_window, known_release

# guess: classifications are matched exactly, case and all. Every page spells them in lower case, RJF
# documents Applications as case-insensitive but says nothing of Configuration.Classification (a plain
# String in the API model), so we take the stricter reading.
CLASSIFICATIONS_CASE_SENSITIVE = True

# The classifications each release accepts, from the "emr-X.Y.Z classifications" table of every release
# note in the archived release guide (RG emr-<NNN>-release, 5.0.0-5.34.0 and 6.0.0-6.5.0). Each line is
# "first..last [first..last]: names"; every release of the archived window between first and last
# (inclusive) lists every name on the line, and no other release of the window lists it.
_CLASSIFICATION_TABLE = """
5.0.0..5.34.0 6.0.0..6.5.0: capacity-scheduler core-site emrfs-site hadoop-env hadoop-kms-acls
    hadoop-kms-env hadoop-kms-log4j hadoop-kms-site hadoop-log4j hadoop-ssl-client hadoop-ssl-server
    hbase-env hbase-log4j hbase-metrics hbase-policy hbase-site hcatalog-env hcatalog-server-jndi
    hcatalog-server-proto-hive-site hcatalog-webhcat-env hcatalog-webhcat-log4j2 hcatalog-webhcat-site
    hdfs-encryption-zones hdfs-site hive-beeline-log4j2 hive-env hive-exec-log4j2 hive-llap-daemon-log4j2
    hive-log4j2 hive-site hiveserver2-site httpfs-env httpfs-site hue-ini mapred-env mapred-site oozie-env
    oozie-log4j oozie-site phoenix-hbase-metrics phoenix-hbase-site phoenix-log4j phoenix-metrics
    presto-config presto-connector-blackhole presto-connector-cassandra presto-connector-hive
    presto-connector-jmx presto-connector-kafka presto-connector-localfile presto-connector-mongodb
    presto-connector-mysql presto-connector-postgresql presto-connector-raptor presto-connector-redis
    presto-connector-tpch presto-log spark spark-defaults spark-env spark-hive-site spark-log4j
    spark-metrics tez-site yarn-env yarn-site zeppelin-env zookeeper-config zookeeper-log4j
5.0.0..5.34.0 6.1.0..6.5.0: pig-log4j pig-properties sqoop-env sqoop-oraoop-site sqoop-site
5.1.0..5.34.0 6.1.0..6.5.0: flink-conf flink-log4j flink-log4j-cli
5.1.0..5.32.1 6.1.0..6.2.1: flink-log4j-yarn-session
5.2.0..5.34.0 6.0.0..6.5.0: hbase
5.3.0..5.34.0 6.0.0..6.5.0: hive-parquet-logging
5.6.0..5.34.0 6.0.0..6.5.0: presto-env presto-node
5.9.0..5.34.0 6.0.0..6.5.0: livy-conf livy-env livy-log4j
5.12.0..5.34.0 6.0.0..6.5.0: presto-connector-redshift
5.12.0..5.34.0 6.1.0..6.5.0: pig-env
5.14.0..5.34.0 6.0.0..6.5.0: container-log4j jupyter-hub-conf jupyter-notebook-conf jupyter-sparkmagic-conf
5.16.0..5.34.0 6.0.0..6.5.0: presto-password-authenticator
5.17.0..5.34.0 6.0.0..6.5.0: jupyter-s3-conf
5.19.0..5.34.0 6.0.0..6.5.0: presto-connector-memory presto-connector-tpcds
5.25.0..5.34.0 6.0.0..6.0.1: recordserver-conf recordserver-env recordserver-log4j
5.27.0..5.34.0 6.0.0..6.5.0: ranger-kms-db-ca ranger-kms-dbks-site ranger-kms-env ranger-kms-log4j
    ranger-kms-site
5.30.0..5.34.0 6.1.0..6.5.0: hudi-env
5.32.0..5.34.0 6.0.0..6.5.0: container-executor
5.32.0..5.34.0 6.2.0..6.5.0: docker-conf
5.33.0..5.34.0 6.3.0..6.5.0: flink-log4j-session zeppelin-site
6.0.0..6.5.0: hdfs-env hive
6.1.0..6.3.1: prestosql-config prestosql-connector-blackhole prestosql-connector-cassandra
    prestosql-connector-hive prestosql-connector-jmx prestosql-connector-kafka prestosql-connector-localfile
    prestosql-connector-memory prestosql-connector-mongodb prestosql-connector-mysql
    prestosql-connector-postgresql prestosql-connector-raptor prestosql-connector-redis
    prestosql-connector-redshift prestosql-connector-tpcds prestosql-connector-tpch prestosql-env
    prestosql-log prestosql-node prestosql-password-authenticator
6.4.0..6.5.0: hudi-defaults trino-config trino-connector-blackhole trino-connector-cassandra
    trino-connector-hive trino-connector-jmx trino-connector-kafka trino-connector-localfile
    trino-connector-memory trino-connector-mongodb trino-connector-mysql trino-connector-postgresql
    trino-connector-raptor trino-connector-redis trino-connector-redshift trino-connector-tpcds
    trino-connector-tpch trino-env trino-log trino-node trino-password-authenticator
6.5.0..6.5.0: iceberg-defaults
"""


def _parse_classification_table(text: str) -> dict[str, tuple[Span, ...]]:
    spans: dict[str, tuple[Span, ...]] = {}
    for entry in re.split(r"\n(?=\S)", text.strip()):
        head, names = entry.split(":", 1)
        ranges = tuple(span(lo, last=hi) for lo, hi in (part.split("..") for part in head.split()))
        for name in names.split():
            spans[name] = ranges
    return spans


# name -> the archived-window ranges of releases that list it.
CLASSIFICATION_SPANS: Mapping[str, tuple[Span, ...]] = _parse_classification_table(
    _CLASSIFICATION_TABLE)

# Classifications documented for releases after the archived window, each a gate from the first release that
# takes it. guess: once added they stay (no page we read removes them).
CLASSIFICATIONS_SINCE: Mapping[str, Gate] = {
    # RG emr-iceberg-create-cluster (iceberg-defaults, {"iceberg.enabled": "true"}); the first 6.x release
    # that lists it is 6.5.0 (RG emr-650-release).
    "iceberg-defaults": Gate("the iceberg-defaults classification", "configurations", ((6, _r("6.5.0")),),
                             source="RG emr-iceberg-create-cluster, emr-650-release"),
    # RG Deltausing-cluster-spark: "Starting with Amazon EMR version 6.9.0 ... delta-defaults".
    "delta-defaults": Gate("the delta-defaults classification", "configurations", ((6, _r("6.9.0")),),
                           source="RG Deltausing-cluster-spark"),
    # RG Deltacluster-trino: "With Amazon EMR releases 6.9.0 and higher ... trino-connector-delta".
    "trino-connector-delta": Gate("the trino-connector-delta classification", "configurations",
                                  ((6, _r("6.9.0")),), source="RG Deltacluster-trino"),
}

ALL_CLASSIFICATIONS = frozenset(CLASSIFICATION_SPANS) | frozenset(CLASSIFICATIONS_SINCE)

# The application a classification configures, by its first dash-separated word: where the release does
# not ship that application, it does not list the classification (T5/T6 against the tables above, e.g.
# flink-* and pig-* are absent from 6.0.x like Flink and Pig; trino-* only from 6.4.0 like Trino).
CLASSIFICATION_APPLICATION = {
    "flink": "Flink", "hbase": "HBase", "hcatalog": "HCatalog", "hive": "Hive", "hiveserver2": "Hive",
    "hue": "Hue", "jupyter": "JupyterHub", "livy": "Livy", "oozie": "Oozie", "phoenix": "Phoenix",
    "pig": "Pig", "presto": "Presto", "prestosql": "PrestoSQL", "spark": "Spark", "sqoop": "Sqoop",
    "tez": "Tez", "trino": "Trino", "zeppelin": "Zeppelin", "zookeeper": "ZooKeeper",
}


def classification_application(name: str) -> Optional[str]:
    """The application a classification belongs to (``trino-config`` -> Trino), None for shared ones."""
    return CLASSIFICATION_APPLICATION.get(name.split("-", 1)[0]) if isinstance(name, str) else None


def classification_available(name: str, release: ReleaseLike) -> Optional[bool]:
    """Whether ``release`` accepts the configuration classification ``name`` (matched exactly).

    Inside the archived window (5.0.0-5.34.0, 6.0.0-6.5.0) the answer is the release notes' table. After it:
    True for CLASSIFICATIONS_SINCE from their first release; False when the classification's application is
    not shipped by the release; None otherwise (unknown)."""
    r = Release.of(release)
    if r is None or not isinstance(name, str) or known_release(r) is not True:
        return None
    if in_archived_window(r):
        return any(listed.contains(r) for listed in CLASSIFICATION_SPANS.get(name, ()))
    if name in CLASSIFICATIONS_SINCE:
        return CLASSIFICATIONS_SINCE[name].allows(r)
    app = classification_application(name)
    if app is not None and application_available(app, r) is False:
        return False
    return None
