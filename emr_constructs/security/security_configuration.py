"""The EMR security configuration: encryption at rest and in transit, and IMDSv2.

Secure by default: EMRFS objects in S3 use SSE-KMS, local disks (and, from emr-5.24.0, EBS
volumes) are encrypted with KMS, and instances accept only IMDSv2 tokens with a PUT hop limit
of 1. A customer-managed key with rotation is created unless you pass ``kms_key_arn``; the document
refers to it through its alias ARN (``alias/emr/<name>``), which is known before apply, so plan-time
scanners see the whole document.

In-transit encryption (TLS between nodes and for Spark, Hadoop, Livy, ...) needs certificates
only you can provide: a zip of PEM files in S3 (``privateKey.pem``, ``certificateChain.pem``
and ``trustedCertificates.pem``), given as ``tls_certificates_s3_uri``. Without it the cluster
still gets at-rest encryption, and a warning says in-transit encryption is off; acknowledge that
choice with ``allow_no_in_transit_encryption=True`` to silence it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Optional, Sequence

from ..cdk import Annotations
from constructs import Construct

from .. import defaults
from ..validation import release_gates as rel
from ..terraform.base import Scope
from .kms import KMS_KEY_ARN, EmrKmsKey, KmsKeyProps, validate_kms_key_props
from ..terraform.resources import EmrSecurityConfiguration as EmrSecurityConfigurationResource
from ..validation.checker import Checker

S3_ENCRYPTION_MODES = ("SSE-KMS", "SSE-S3")
TLS_ZIP_URI = r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^\s]+/)?[^\s/]+\.zip"


@dataclass(frozen=True, kw_only=True)
class SecurityProps:
    """What the cluster's security configuration enforces. Every weaker choice is an explicit flag."""

    kms_key_arn: Optional[str] = None
    kms_key: KmsKeyProps = field(default_factory=KmsKeyProps)
    s3_encryption_mode: str = defaults.S3_ENCRYPTION_MODE
    local_disk_encryption: bool = True
    ebs_encryption: bool = True
    allow_unencrypted_local_disks: bool = False
    tls_certificates_s3_uri: Optional[str] = None
    allow_no_in_transit_encryption: bool = False
    imds_v2_required: bool = True
    imds_hop_limit: int = defaults.IMDS_HOP_LIMIT
    allow_imds_v1: bool = False
    name: Optional[str] = None
    # Kerberos with a cluster-dedicated KDC (MG emr-kerberos-configure-settings): the cluster must then
    # pass ClusterProps.kerberos (realm, KDC admin password), and without this a cluster may not.
    kerberos_ticket_lifetime_hours: Optional[int] = None

    @property
    def needs_key(self) -> bool:
        return self.s3_encryption_mode == "SSE-KMS" or self.local_disk_encryption

    @property
    def in_transit(self) -> bool:
        return self.tls_certificates_s3_uri is not None


def check_security_props(c: Checker, props: SecurityProps, where: str = "security") -> None:
    """Record every problem of ``props`` in ``c``."""
    c.matches(f"{where}.kms_key_arn", props.kms_key_arn, KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
    if props.kms_key_arn is not None and props.kms_key != KmsKeyProps():
        c.fail(f"{where}.kms_key", "KmsKeyProps", "pass kms_key_arn (bring your own key) or kms_key (to create one), not both")
    try:
        validate_kms_key_props(props.kms_key)
    except ValueError as err:  # ConfigError: re-home its problems under this field
        for p in err.problems:  # type: ignore[attr-defined]
            c.fail(f"{where}.kms_key.{p.field}", p.value, p.rule)
    c.one_of(f"{where}.s3_encryption_mode", props.s3_encryption_mode, S3_ENCRYPTION_MODES)
    if not props.local_disk_encryption:
        c.check(props.allow_unencrypted_local_disks, f"{where}.local_disk_encryption", False,
                "local disks may only stay unencrypted with allow_unencrypted_local_disks=True")
        c.check(not props.ebs_encryption, f"{where}.ebs_encryption", True,
                "EBS encryption is part of local disk encryption: enable local_disk_encryption too")
    c.matches(f"{where}.tls_certificates_s3_uri", props.tls_certificates_s3_uri, TLS_ZIP_URI,
              "must be the s3:// URI of a .zip of PEM files, e.g. s3://my-bucket/tls/emr-certs.zip")
    if props.tls_certificates_s3_uri is not None and props.allow_no_in_transit_encryption:
        c.fail(f"{where}.allow_no_in_transit_encryption", True,
               "contradicts tls_certificates_s3_uri: set one or the other")
    c.int_range(f"{where}.imds_hop_limit", props.imds_hop_limit, 1, 64)
    c.check(props.imds_v2_required or props.allow_imds_v1, f"{where}.imds_v2_required", False,
            "IMDSv1 may only be allowed with allow_imds_v1=True")
    c.matches(f"{where}.name", props.name, r"[A-Za-z0-9_.-]{1,256}", "must be 1-256 letters, digits, '.', '_' or '-'")
    # guess: the Management Guide's console default is 24 hours and no page states a range; any whole
    # number of hours from 1 is taken.
    c.int_range(f"{where}.kerberos_ticket_lifetime_hours", props.kerberos_ticket_lifetime_hours, 1)


def validate_security_props(props: SecurityProps) -> None:
    c = Checker()
    check_security_props(c, props)
    c.raise_if_any("security props")


def for_release(props: SecurityProps, release_label: Optional[str]) -> tuple[SecurityProps, list[str]]:
    """Drop what ``release_label`` cannot do (facts.EBS_ENCRYPTION, facts.IMDS_V2), with one warning each: these
    are defaults, not the user's invalid input."""
    release = rel.Release.parse(release_label) if release_label else None
    warnings: list[str] = []
    if release is None:
        return props, warnings
    if props.local_disk_encryption and props.ebs_encryption and not rel.allows("ebs_encryption", release):
        props = replace(props, ebs_encryption=False)
        warnings.append(f"EBS encryption needs {rel.gate_words('ebs_encryption')}; {release} gets local disk "
                        "encryption only")
    if props.imds_v2_required and not rel.allows("imds_v2", release):
        props = replace(props, imds_v2_required=False)
        warnings.append(f"requiring IMDSv2 needs {rel.gate_words('imds_v2')}; {release} keeps the EC2 default")
    return props, warnings


def configuration_json(props: SecurityProps, key_arn: Optional[str]) -> str:
    """The security configuration document EMR expects, serialized deterministically."""
    at_rest: dict[str, Any] = {
        "S3EncryptionConfiguration": (
            {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key_arn} if props.s3_encryption_mode == "SSE-KMS"
            else {"EncryptionMode": "SSE-S3"}
        ),
    }
    if props.local_disk_encryption:
        at_rest["LocalDiskEncryptionConfiguration"] = {
            "EncryptionKeyProviderType": "AwsKms", "AwsKmsKey": key_arn,
            "EnableEbsEncryption": props.ebs_encryption,
        }
    encryption: dict[str, Any] = {
        "EnableAtRestEncryption": True,
        "EnableInTransitEncryption": props.in_transit,
        "AtRestEncryptionConfiguration": at_rest,
    }
    if props.in_transit:
        encryption["InTransitEncryptionConfiguration"] = {"TLSCertificateConfiguration": {
            "CertificateProviderType": "PEM", "S3Object": props.tls_certificates_s3_uri}}
    document: dict[str, Any] = {"EncryptionConfiguration": encryption}
    if props.kerberos_ticket_lifetime_hours is not None:
        document["AuthenticationConfiguration"] = {"KerberosConfiguration": {
            "Provider": "ClusterDedicatedKdc",
            "ClusterDedicatedKdcConfiguration": {"TicketLifetimeInHours": props.kerberos_ticket_lifetime_hours},
        }}
    if props.imds_v2_required:
        document["InstanceMetadataServiceConfiguration"] = {
            "MinimumInstanceMetadataServiceVersion": defaults.IMDS_MIN_VERSION,
            "HttpPutResponseHopLimit": props.imds_hop_limit,
        }
    return json.dumps(document, indent=2, sort_keys=True)


class SecurityConfiguration(Scope):
    """Exposes ``resource``, ``name`` (what ``aws_emr_cluster.security_configuration`` takes),
    ``key_arn`` and, when created, ``kms_key``.

    ``user_role_arns``/``grant_role_arns`` go into a created key's policy (see ``kms.py``).
    """

    def __init__(self, scope: Construct, id: str, props: SecurityProps = SecurityProps(), *,
                 name_prefix: str, account_id: str, region: str, partition: str = "aws",
                 user_role_arns: Sequence[str] = (), grant_role_arns: Sequence[str] = (),
                 release_label: Optional[str] = None) -> None:
        validate_security_props(props)
        super().__init__(scope, id)
        props, corrections = for_release(props, release_label)
        for warning in corrections:
            Annotations.of(self).add_warning(warning)
        self.props = props
        self.kms_key: Optional[EmrKmsKey] = None
        self.key_arn: Optional[str] = props.kms_key_arn
        document_key = props.kms_key_arn
        depends_on = None
        if props.needs_key and props.kms_key_arn is None:
            key_props = props.kms_key if props.kms_key.alias else replace(props.kms_key, alias=f"emr/{name_prefix}")
            self.kms_key = EmrKmsKey(self, "kms", key_props, account_id=account_id, partition=partition,
                                     user_role_arns=user_role_arns, grant_role_arns=grant_role_arns)
            self.key_arn = self.kms_key.key_arn
            document_key = self.kms_key.alias_arn(region=region, account_id=account_id, partition=partition)
            depends_on = [self.kms_key.alias]
        self.resource = EmrSecurityConfigurationResource(self, "configuration", {
            "name": props.name,
            "name_prefix": None if props.name else f"{name_prefix[:30]}-",
            "configuration": configuration_json(props, document_key),
        }, depends_on=depends_on)
        self.name = self.resource.attr("name")
        if not props.in_transit and not props.allow_no_in_transit_encryption:
            Annotations.of(self).add_warning(
                "in-transit encryption is off: upload a zip of PEM certificates to S3 and pass "
                "tls_certificates_s3_uri, or acknowledge with allow_no_in_transit_encryption=True"
            )


__all__ = ["SecurityConfiguration", "SecurityProps", "check_security_props", "configuration_json",
           "validate_security_props"]
