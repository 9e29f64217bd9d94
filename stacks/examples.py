"""The shipped examples: one stack each. Edit subnets and buckets to deploy them for real."""
from __future__ import annotations

from emr_constructs.scaling.automatic import core_policy, task_policy
from emr_constructs.scaling.managed import ManagedScaling
from emr_constructs.monitoring.emr_monitoring import MonitoringProps
from emr_constructs.scaling.scale_in import ScaleIn
from emr_constructs import (
    BootstrapAction,
    ClusterProps,
    Configuration,
    EbsVolume,
    InstanceFleet,
    InstanceGroup,
    InstanceTypeConfig,
    LogBucketProps,
    Network,
)
from emr_constructs.security.security_configuration import SecurityProps
from emr_constructs.logs.step_logs import StepLogsProps

from .spec import AccessProps, StackSpec

PRIVATE_SUBNETS = ("subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003")
EXAMPLE_VPC_ID = "vpc-0a1b2c3d4e5f60000"
# Upload a zip of privateKey.pem, certificateChain.pem and trustedCertificates.pem here
# (docs/security.md: "In-transit encryption").
TLS_CERTIFICATES = "s3://example-emr-artifacts/tls/emr-certs.zip"
ENCRYPTED = SecurityProps(tls_certificates_s3_uri=TLS_CERTIFICATES)

MINIMAL = StackSpec(
    stack_name="emr-minimal",
    description="The smallest working cluster: Spark, 1 primary + 2 core m5.xlarge.",
    # In-transit encryption needs certificates you upload first: the minimal example opts out
    # explicitly (docs/security.md: "In-transit encryption"); the others enable it.
    cluster=ClusterProps(name="spark-minimal", idle_timeout_seconds=3600,
                         security=SecurityProps(allow_no_in_transit_encryption=True)),
)

PRODUCTION = StackSpec(
    stack_name="emr-production",
    description="Instance groups; managed scaling keeps on-demand core nodes and adds spot task nodes that "
                "leave fast; parallel steps, private subnet, encryption in transit, idle shutdown.",
    cluster=ClusterProps(
        name="spark-production",
        release_label="emr-7.2.0",
        applications=("Spark", "Hadoop", "Livy"),
        master=InstanceGroup(instance_type="m5.xlarge", instance_count=1, name="primary"),
        core=InstanceGroup(
            instance_type="r5.2xlarge", instance_count=3, name="core",
            ebs_volumes=(EbsVolume(size_gb=256, type="gp3", throughput=250, volumes_per_instance=2),),
        ),
        task=(
            InstanceGroup(instance_type="r5.2xlarge", instance_count=2, name="task-spot", bid_price="0.30"),
        ),
        network=Network(vpc_id=EXAMPLE_VPC_ID, subnet_ids=PRIVATE_SUBNETS[:1]),
        security=ENCRYPTED,
        bootstrap_actions=(
            BootstrapAction(name="python-deps", path="s3://example-emr-artifacts/bootstrap/install-deps.sh",
                            args=("--requirements", "s3://example-emr-artifacts/requirements.txt")),
        ),
        configurations=(
            Configuration(classification="spark-defaults", properties={
                "spark.dynamicAllocation.enabled": "true",
                "spark.sql.adaptive.enabled": "true",
            }),
            Configuration(classification="spark-env", configurations=(
                Configuration(classification="export", properties={"PYSPARK_PYTHON": "/usr/bin/python3"}),
            )),
        ),
        managed_scaling=ManagedScaling.on_demand_core_spot_task(core_nodes=3, max_nodes=20),
        scale_in=ScaleIn(),
        step_logs=StepLogsProps(),  # live step and driver logs in CloudWatch Logs (docs/step-logs.md)
        step_concurrency_level=10,
        idle_timeout_seconds=3600,
        termination_protection=True,
        tags={"team": "data-platform", "env": "prod"},
    ),
    log_bucket=LogBucketProps(bucket_prefix="spark-production-logs-", expire_after_days=30),
    access=AccessProps(read_buckets=("example-emr-artifacts",), read_write_buckets=("example-data-lake",)),
    # Alarms and abnormal cluster ends are mailed here (each address confirms a subscription mail first).
    monitoring=MonitoringProps(alarm_emails=("data-platform-oncall@example.com",)),
)

AUTOSCALING = StackSpec(
    stack_name="emr-autoscaling",
    description="Custom automatic scaling: task nodes follow YARN memory and pending containers, core nodes HDFS.",
    cluster=ClusterProps(
        name="spark-autoscaling",
        release_label="emr-6.15.0",
        core=InstanceGroup(instance_type="r5.xlarge", instance_count=3, name="core", autoscaling=core_policy(3, 8)),
        task=(InstanceGroup(instance_type="r5.2xlarge", instance_count=2, name="task",
                            autoscaling=task_policy(0, 16)),),
        network=Network(vpc_id=EXAMPLE_VPC_ID, subnet_ids=PRIVATE_SUBNETS[:1]),
        security=ENCRYPTED,
        scale_in=ScaleIn(),
        step_concurrency_level=4,
        idle_timeout_seconds=3600,
    ),
    # The idle alarm looks past the one-hour idle auto-termination: it fires only if that did not happen.
    monitoring=MonitoringProps(alarm_emails=("data-platform-oncall@example.com",)),
)

FLEETS = StackSpec(
    stack_name="emr-fleets",
    description="Instance fleets across three subnets: on-demand core, weighted spot task fleet.",
    cluster=ClusterProps(
        name="spark-fleets",
        master=InstanceFleet(
            target_on_demand_capacity=1,
            instance_types=tuple(InstanceTypeConfig(instance_type=t) for t in ("m5.xlarge", "m6i.xlarge", "m5a.xlarge")),
        ),
        core=InstanceFleet(
            target_on_demand_capacity=2,
            instance_types=(InstanceTypeConfig(instance_type="r5.2xlarge"), InstanceTypeConfig(instance_type="r6i.2xlarge")),
        ),
        task=InstanceFleet(
            target_spot_capacity=8,
            spot_timeout_minutes=15,
            instance_types=(
                InstanceTypeConfig(instance_type="r5.2xlarge", weighted_capacity=2),
                InstanceTypeConfig(instance_type="r5.4xlarge", weighted_capacity=4),
                InstanceTypeConfig(instance_type="r6i.4xlarge", weighted_capacity=4,
                                   bid_price_as_percentage_of_on_demand_price=80),
            ),
        ),
        network=Network(vpc_id=EXAMPLE_VPC_ID, subnet_ids=PRIVATE_SUBNETS),
        security=ENCRYPTED,
        managed_scaling=ManagedScaling(unit_type="InstanceFleetUnits", minimum_units=3, maximum_units=40,
                                       maximum_core_units=2, maximum_on_demand_units=3),
        scale_in=ScaleIn(),
        step_concurrency_level=5,
        idle_timeout_seconds=7200,
    ),
    access=AccessProps(read_write_buckets=("example-data-lake",)),
)

EXAMPLES: dict[str, StackSpec] = {
    spec.stack_name: spec for spec in (MINIMAL, PRODUCTION, AUTOSCALING, FLEETS)
}
