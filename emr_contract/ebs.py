"""EBS defaults EMR applies by release: what an instance gets when the cluster names no volume.

Read by emr_cost (a run's storage cost) and emr_scaling (HDFS capacity and volume types). Standard library only.
"""
from __future__ import annotations

from typing import Optional

from .releases import Gate, ReleaseLike, release

ROOT_VOLUME_15_GIB = Gate(
    "a 15 GiB default root volume (10 GiB before)", "EbsRootVolumeSize", ((6, release("6.10.0")),),
    # "The default root volume size is 15 GiB in Amazon EMR 6.10.0 and higher. Earlier releases have a default
    # root volume size of 10 GiB"
    source="https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-custom-ami-root-volume-size.html")
GP3_BY_DEFAULT = Gate(
    "gp3 for EMR's default root and data volumes (gp2 before)", "EbsConfiguration", ((6, release("6.15.0")),),
    # the same page: with the default AMI the root volume is gp3 from 6.15.0; the default data volumes follow it
    source="https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-custom-ami-root-volume-size.html")
DEFAULT_DATA_VOLUMES = Gate(
    "default EBS data volumes sized by instance", "EbsConfiguration", ((5, release("5.22.0")),),
    # STOR: "When you create a cluster using Amazon EMR release version 5.22.0 and later, the default amount of
    # Amazon EBS storage increases based on the size of the instance"
    source="https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-plan-storage.html")


def default_root_volume_size_gib(release: ReleaseLike) -> Optional[int]:
    """The root volume EMR gives when EbsRootVolumeSize is not set; None for a label that is no release."""
    bigger = ROOT_VOLUME_15_GIB.allows(release)
    return None if bigger is None else (15 if bigger else 10)


def default_root_volume_type(release: ReleaseLike) -> Optional[str]:
    """The default AMI's root volume type; None for a label that is no release."""
    gp3 = GP3_BY_DEFAULT.allows(release)
    return None if gp3 is None else ("gp3" if gp3 else "gp2")
