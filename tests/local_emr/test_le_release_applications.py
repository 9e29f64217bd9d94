"""DescribeCluster's Applications: as asked for, each with its release's concise version (release guide tables)."""

from __future__ import annotations

import json
import re

from local_emr.cluster.release_applications import TABLES_PATH, application_version, concise, described_applications


def test_applications_are_listed_as_asked_for_with_their_versions() -> None:
    """Names as given ("EMR allows us to have both 'spark' and 'Spark'"), and no Hadoop that was not asked for
    (Yelp/mrjob issue 1293): the AWS provider would re-plan `applications = ["Spark"]` as a replacement."""
    assert described_applications("emr-6.5.0", [{"Name": "spark"}]) == [{"Name": "spark", "Version": "3.1.2"}]
    assert described_applications("emr-6.5.0", [{"Name": "Hadoop"}, {"Name": "Hive"}]) == [
        {"Name": "Hadoop", "Version": "3.2.1"}, {"Name": "Hive", "Version": "3.1.2"}]


def test_the_aws_clis_describe_cluster_example_holds() -> None:
    """The CLI's describe-cluster example: emr-5.2.0 lists {"Version": "2.7.3", "Name": "Hadoop"}."""
    assert described_applications("emr-5.2.0", []) == [{"Name": "Hadoop", "Version": "2.7.3"}]


def test_versions_are_concise_as_describe_cluster_shows_them() -> None:
    assert concise("3.4.1-amzn-2") == "3.4.1"
    assert concise("3.3.3-amzn-1.1") == "3.3.3"  # patch releases' suffix
    assert concise("0.5.0-incubating-amzn-1") == "0.5.0-incubating"
    assert concise("360") == "360"
    assert application_version("Hadoop", "emr-7.10.0") == "3.4.1"


def test_a_release_the_tables_do_not_cover_has_no_version_rather_than_a_guess() -> None:
    assert described_applications("emr-9.0.0", [{"Name": "Spark"}]) == [{"Name": "Spark"}]
    assert described_applications("emr-6.5.0", [{"Name": "NoSuchApp"}]) == [{"Name": "NoSuchApp"}]


def test_presto_sql_and_trino_are_named_by_version_as_the_release_guide_says() -> None:
    """"PrestoSQL changed its name to Trino starting with version 351" (Presto release history)."""
    assert application_version("PrestoSQL", "emr-6.3.0") == "350"
    assert application_version("Trino", "emr-6.4.0") == "359"
    assert application_version("Trino", "emr-6.3.0") is None


def test_args_and_additional_info_are_kept_only_where_given() -> None:
    described = described_applications("emr-6.5.0", [{"Name": "Hive", "Args": ["-x"]}, {"Name": "Spark", "Args": []}])
    assert described == [{"Name": "Hive", "Version": "3.1.2", "Args": ["-x"]}, {"Name": "Spark", "Version": "3.1.2"}]


def test_every_version_names_an_aws_source_and_reads_as_a_version() -> None:
    data = json.loads(TABLES_PATH.read_text())["applications"]
    assert {"Hadoop", "Spark", "Hive"} <= set(data)
    for name, table in data.items():
        for url in table["sources"]:
            assert re.match(r"https://(docs\.aws\.amazon\.com|docs\.amazonaws\.cn|github\.com/awsdocs/)", url), url
            assert "EMR-on-EKS" not in url, url
        for label, (version, source) in table["versions"].items():
            assert re.fullmatch(r"emr-\d+\.\d+\.\d+", label), (name, label)
            assert re.fullmatch(r"\d+(\.\d+)*(-incubating)?(-amzn-\d+(\.\d+)?)?", version), (name, label, version)
            assert 0 <= source < len(table["sources"]), (name, label)
