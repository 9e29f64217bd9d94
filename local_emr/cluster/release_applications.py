"""DescribeCluster's ``Applications`` as EMR lists them: each with its release's version.

Each application carries the version its release ships: mrjob reads Hadoop's to choose its log paths and fails on
a missing one. The versions are the EMR Release Guide's tables, kept with their sources in
``release_applications.json``. DescribeCluster shows the concise version: "Version is the concise version of the
application. For example, 3.2.1" (https://docs.aws.amazon.com/emr/latest/APIReference/API_SimplifiedApplication.html),
and the AWS CLI's describe-cluster example shows emr-5.2.0's Hadoop as "2.7.3"
(https://docs.aws.amazon.com/cli/latest/reference/emr/describe-cluster.html), so a table's ``-amzn-N`` is dropped.
A release or application the tables do not cover is listed without a Version: we cannot know it.

The list is what RunJobFlow asked for, names spelled as given. EMR "allows us to have both 'spark' and 'Spark'
applications", and a cluster that omits Hadoop runs but does not list it (mrjob's maintainer: Yelp/mrjob issue
1293, and ``_applications`` in mrjob/emr.py, which adds Hadoop for that reason). The AWS provider keeps the names
in a set that forces replacement when it changes (``flattenApplications``, no suppression), and its documented
example asks for ``["Spark"]`` alone: a listed Hadoop would re-plan every such cluster. With no Applications at
all, Hadoop is listed (moto's choice, kept: the API reference does not say).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

TABLES_PATH = Path(__file__).with_name("release_applications.json")
DEFAULT_APPLICATION = "Hadoop"
_VENDOR_SUFFIX = re.compile(r"-amzn-\d+(\.\d+)?$")  # "-amzn-2", and "-amzn-2.1" on patch releases


@cache
def _tables() -> dict[str, dict[str, str]]:
    """Lower-cased application name -> release label -> version as the table writes it."""
    data = json.loads(TABLES_PATH.read_text())
    return {name.lower(): {label: cell[0] for label, cell in table["versions"].items()}
            for name, table in data["applications"].items()}


def concise(version: str) -> str:
    return _VENDOR_SUFFIX.sub("", version)


def application_version(name: str, release_label: str | None) -> str | None:
    """The concise version of ``name`` (in any case) in ``release_label``, or None when no table gives it."""
    version = _tables().get(name.lower(), {}).get(release_label or "")
    return concise(version) if version else None


def described_applications(release_label: str | None,
                           requested: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``Applications`` for DescribeCluster: each requested one, with its version; Hadoop when none was."""
    described: list[dict[str, Any]] = []
    for asked in requested or [{"Name": DEFAULT_APPLICATION}]:
        name = str(asked.get("Name", ""))
        entry: dict[str, Any] = {"Name": name}
        version = application_version(name, release_label)
        if version:
            entry["Version"] = version
        for field in ("Args", "AdditionalInfo"):
            if asked.get(field):
                entry[field] = asked[field]
        described.append(entry)
    return described
