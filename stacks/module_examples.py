"""The clusters of terraform-aws-modules/terraform-aws-emr's examples, rebuilt with our constructs.

The module (v3.2.0) has two cluster examples, ``examples/private-cluster`` and ``examples/public-cluster``,
and each deploys two clusters: one on instance fleets, one on instance groups. Each of those four clusters is
one stack here (``MODULE_EXAMPLES``), written from what the example asks for (release, applications, fleets
and groups with their types, counts, EBS, Spot prices and strategies, bootstrap action, configuration, idle
shutdown, step concurrency, subnets, bring-your-own roles and bucket, tags), not from its code.

What every one of them gets from our defaults, and the module example does not ask for:

- a security configuration: S3, local disks and EBS encrypted with a KMS key of the cluster's own, IMDSv2
  only, and TLS in transit from the same placeholder certificate zip as the shipped stacks (docs/security.md:
  "In-transit encryption");
- security groups whose egress is intra-cluster traffic and HTTPS, not every port to 0.0.0.0/0 (the module's
  default), and no ingress from anywhere;
- an instance role with log writes only (plus what is listed), not ``AmazonElasticMapReduceforEC2Role``
  (deprecated; s3:* on every bucket);
- a log bucket with SSE-KMS, versioning, S3 access logs and expiry, and logs under ``logs/`` (the instance
  role may write only there) instead of the bucket root; no ``force_destroy``;
- ``keep_job_flow_alive_when_no_steps`` is always true: these are long-running clusters ended by their idle
  timeout. The module's ``list_steps_states`` only filters the steps Terraform reads back; no stack declares
  steps (the step runner submits them), so it has no counterpart.

Where the module's example uses a value EMR refuses or our constructs do not take, a comment at that place
says what and why. ``build_module_example`` puts one of them in a stack of its own; it is not one of
``app.py``'s shipped stacks.
"""
from __future__ import annotations

from typing import Callable, Optional

from emr_constructs.cdk import TerraformStack
from constructs import Construct

from emr_constructs import (
    BootstrapAction,
    ClusterProps,
    Configuration,
    EbsVolume,
    EmrCluster,
    EmrRoles,
    ExampleVpc,
    ExampleVpcProps,
    IamProps,
    InstanceFleet,
    InstanceGroup,
    InstanceTypeConfig,
    LogBucket,
    LogBucketProps,
    Network,
    SecurityGroupRule,
)
from emr_constructs.security.kms import EmrKmsKey, KmsKeyProps
from emr_constructs.security.policy import Statement, policy_document, trust_policy
from emr_constructs.terraform.resources import (
    CallerIdentity,
    CloudwatchLogGroup,
    FlowLog,
    IamRole,
    IamRolePolicy,
    SecurityGroup,
    SecurityGroupIngressRule,
    VpcEndpoint,
)
from emr_constructs.logs.step_logs import LOGS_KEY_ACTIONS, log_group_arn, logs_service_principal

from .emr_stack import aws_provider
from .environment import Environment
from .examples import ENCRYPTED, EXAMPLE_VPC_ID, PRIVATE_SUBNETS

PUBLIC_SUBNETS = ("subnet-0a1b2c3d4e5f60101", "subnet-0a1b2c3d4e5f60102", "subnet-0a1b2c3d4e5f60103")
UPSTREAM = "terraform-aws-modules/terraform-aws-emr"

# The module's examples pick the newest label of a prefix at plan time (aws_emr_release_labels, prefix
# "emr-7"). We pin one: release gates, applications and classifications are checked at synth only against a
# label known then, and an offline plan (make security) cannot call ListReleaseLabels. EmrReleaseLookup
# (emr_constructs.terraform.release_lookup) follows the newest label where that is the point.
RELEASE_LABEL = "emr-7.12.0"
# RunJobFlow Applications are case-insensitive (RJF "Applications"); the module writes "spark", "trino".
APPLICATIONS = ("Spark", "Trino")
# ATP IdleTimeout, 60 s to 7 days (MG emr-auto-termination-policy): the examples shut down after 4 idle hours.
IDLE_TIMEOUT_SECONDS = 4 * 3600
# MG emr-custom-ami-root-volume-size: from the release's default size (15 GiB on 7.x) up to 100 GiB.
ROOT_VOLUME_GB = 64
STEP_CONCURRENCY_LEVEL = 3
# ScriptBootstrapActionConfig Path: an S3 script or a file already on the node's image (file:/...).
BOOTSTRAP_ACTIONS = (BootstrapAction(name="echo-on-every-node", path="file:/bin/echo",
                                     args=("Hello from a bootstrap action",)),)
# The module's examples export JAVA_HOME=/usr/lib/jvm/java-1.8.0 through spark-env. On emr-7.x Java 17 is the
# default and EMR runs one Java runtime per cluster; Spark on another Java needs spark-env *and* the Hadoop
# settings of its executors changed together (RG configuring-java8: "Amazon EMR only supports running one
# runtime version in a cluster"; Spark: "you must configure both Spark and Hadoop"), and Trino on 7.x runs on
# Java 17. EMR does not refuse the value at launch, but it is not a setup EMR supports: we keep the shape (an
# "export" inside spark-env) with an interpreter setting instead.
SPARK_ENV = Configuration(classification="spark-env", configurations=(
    Configuration(classification="export", properties={"PYSPARK_PYTHON": "/usr/bin/python3"}),
))
SPARK_ENV_JSON = (
    '[{"Classification": "spark-env", "Properties": {}, "Configurations": '
    '[{"Classification": "export", "Properties": {"PYSPARK_PYTHON": "/usr/bin/python3"}}]}]'
)
# No EBS volumes listed: EMR attaches its default EBS storage to EBS-only types such as m5, c4, c5 and c6i
# (MG emr-plan-storage, "Default Amazon EBS storage for instances"; API EbsConfiguration is optional). The
# module's examples list EBS only where noted; our constructs otherwise default to one 64 GiB gp3 volume.
EMR_DEFAULT_EBS: tuple[EbsVolume, ...] = ()
EBS_256_GP3 = (EbsVolume(size_gb=256, type="gp3"),)
# The module's fleets default BidPriceAsPercentageOfOnDemandPrice to 60 where an instance type gives none
# (EMR's own default is 100: API InstanceTypeConfig).
MODULE_DEFAULT_BID_PERCENT = 60.0


def _tags(name: str, example: str) -> dict[str, str]:
    return {"example": name, "based-on": f"{UPSTREAM} examples/{example}"}


def _account_id(stack: TerraformStack, environment: Environment) -> str:
    """The account the roles and key policies name: EMR_ACCOUNT_ID, else the caller's (as EmrStack does)."""
    return environment.account_id or CallerIdentity(stack, "current").attr("account_id")


def _iam_props(name: str, account_id: str, environment: Environment, **extra) -> IamProps:
    return IamProps(name_prefix=name, account_id=account_id, region=environment.region,
                    partition=environment.partition, **extra)


def _fleets(*, task_on_demand: int) -> dict:
    """The module examples' three fleets; the private example's task fleet keeps one On-Demand unit, the public
    one none. Spot: capacity-optimized, switch to On-Demand after 5 minutes (SpotProvisioningSpecification:
    TimeoutDurationMinutes 5 to 1440). The module also passes BlockDurationMinutes 0, i.e. no Spot block:
    Spot blocks are no longer offered (API SpotProvisioningSpecification) and InstanceFleet has no field for
    them."""
    spot = dict(spot_allocation_strategy="capacity-optimized", spot_timeout_action="SWITCH_TO_ON_DEMAND",
                spot_timeout_minutes=5)
    c4_large = InstanceTypeConfig(instance_type="c4.large", weighted_capacity=1,
                                  bid_price_as_percentage_of_on_demand_price=MODULE_DEFAULT_BID_PERCENT,
                                  ebs_volumes=EMR_DEFAULT_EBS)
    c5_xlarge = InstanceTypeConfig(instance_type="c5.xlarge", weighted_capacity=2,
                                   bid_price_as_percentage_of_on_demand_price=100, ebs_volumes=EBS_256_GP3)
    return dict(
        # A master fleet takes one unit of one kind (API InstanceFleetConfig: "its value must be 1").
        master=InstanceFleet(name="master-fleet", target_on_demand_capacity=1, instance_types=(
            InstanceTypeConfig(instance_type="m5.xlarge", ebs_volumes=EMR_DEFAULT_EBS),)),
        core=InstanceFleet(name="core-fleet", target_on_demand_capacity=2, target_spot_capacity=2, **spot,
                           instance_types=(c4_large, c5_xlarge, InstanceTypeConfig(
                               instance_type="c6i.xlarge", weighted_capacity=2,
                               bid_price_as_percentage_of_on_demand_price=100, ebs_volumes=EMR_DEFAULT_EBS))),
        task=InstanceFleet(name="task-fleet", target_on_demand_capacity=task_on_demand, target_spot_capacity=2,
                           **spot, instance_types=(c4_large, c5_xlarge)),
    )


def _groups(task_type: str, bid_price: str) -> dict:
    """The module examples' instance groups. Their task group also sets ebs_optimized = true: InstanceGroup has
    no such field, and c4 and c5 are EBS-optimized by default at no extra cost (EC2 User Guide,
    ebs-optimized: "Instance types that are EBS-optimized by default")."""
    return dict(
        master=InstanceGroup(name="master-group", instance_type="m5.xlarge", instance_count=1,
                             ebs_volumes=EMR_DEFAULT_EBS),
        core=InstanceGroup(name="core-group", instance_type="c4.large", instance_count=2, ebs_volumes=EMR_DEFAULT_EBS),
        # InstanceGroupConfig BidPrice: a USD amount (or OnDemandPrice); a group with one is Spot.
        task=(InstanceGroup(name="task-group", instance_type=task_type, instance_count=2, bid_price=bid_price,
                            ebs_volumes=EBS_256_GP3),),
    )


def _cluster_props(name: str, example: str, network: Network, *, typed_configuration: bool,
                   **capacity) -> ClusterProps:
    return ClusterProps(
        name=name,
        release_label=RELEASE_LABEL,
        applications=APPLICATIONS,
        network=network,
        bootstrap_actions=BOOTSTRAP_ACTIONS,
        # The fleet examples pass EMR's own JSON (configurations_json), the group examples the typed form.
        configurations=(SPARK_ENV,) if typed_configuration else (),
        configurations_json=None if typed_configuration else SPARK_ENV_JSON,
        ebs_root_volume_size_gb=ROOT_VOLUME_GB,
        idle_timeout_seconds=IDLE_TIMEOUT_SECONDS,
        step_concurrency_level=STEP_CONCURRENCY_LEVEL,
        scale_down_behavior="TERMINATE_AT_TASK_COMPLETION",
        termination_protection=False,
        unhealthy_node_replacement=True,
        visible_to_all_users=True,
        security=ENCRYPTED,
        tags=_tags(name, example),
        **capacity,
    )


def _private_endpoints(stack: TerraformStack, vpc: ExampleVpc, props: ExampleVpcProps, region: str,
                       tags: dict[str, str]) -> None:
    """Interface endpoints in the private subnets, reachable over HTTPS from the VPC only: EMR and STS as in the
    module's example (MG interface-vpc-endpoint: no NAT device needed for the EMR API), and KMS, which our
    security configuration's key needs on every node (the module's example encrypts nothing)."""
    group = SecurityGroup(stack, "endpoints-sg", {
        "name_prefix": "emr-endpoints-", "description": "Interface endpoints: HTTPS from the VPC",
        "vpc_id": vpc.vpc_id, "tags": tags,
    })
    SecurityGroupIngressRule(stack, "endpoints-https-from-vpc", {
        "security_group_id": group.resource_id, "ip_protocol": "tcp", "from_port": 443, "to_port": 443,
        "cidr_ipv4": props.cidr, "description": "HTTPS from the VPC", "tags": tags,
    })
    for service in ("elasticmapreduce", "sts", "kms"):
        VpcEndpoint(stack, f"endpoint-{service}", {
            "vpc_id": vpc.vpc_id, "service_name": f"com.amazonaws.{region}.{service}",
            "vpc_endpoint_type": "Interface", "private_dns_enabled": True, "subnet_ids": vpc.subnet_ids,
            "security_group_ids": [group.resource_id], "tags": {**tags, "Name": f"{props.name}-{service}"},
        })


def _flow_logs(stack: TerraformStack, vpc: ExampleVpc, vpc_name: str, *, account_id: str, environment: Environment,
               tags: dict[str, str]) -> None:
    """Flow logs of the VPC (every accepted and rejected connection) in a CloudWatch Logs group kept a year and
    encrypted with a key of its own. The module's example VPC has none; ExampleVpc creates none either, and
    a VPC without them fails the security scan (checkov CKV2_AWS_11)."""
    region, partition = environment.region, environment.partition
    group_name = f"/aws/vpc-flow-logs/{vpc_name}"
    group_arn = log_group_arn(group_name, region=region, account_id=account_id, partition=partition)
    key = EmrKmsKey(stack, "flow-logs-key", KmsKeyProps(description=f"VPC flow logs of {vpc_name}"),
                    account_id=account_id, partition=partition, tags=tags)
    # CloudWatch Logs User Guide, encrypt-log-data-kms: the logs service principal of the region, scoped to
    # the one group by kms:EncryptionContext:aws:logs:arn.
    key.add_to_policy(Statement(
        sid="AllowCloudWatchLogsForFlowLogs", principals={"Service": logs_service_principal(region, partition)},
        actions=list(LOGS_KEY_ACTIONS), resources=["*"],
        conditions={"StringEquals": {"kms:EncryptionContext:aws:logs:arn": group_arn}}))
    group = CloudwatchLogGroup(stack, "flow-logs", {
        "name": group_name, "retention_in_days": 365, "kms_key_id": key.key_arn, "tags": tags})
    # VPC User Guide, flow-logs-iam-role: vpc-flow-logs.amazonaws.com assumes the role, limited to this
    # account's flow logs (confused-deputy conditions); it writes streams of the one group.
    role = IamRole(stack, "flow-logs-role", {
        "name_prefix": f"{vpc_name}-flow-logs-", "description": f"VPC flow logs of {vpc_name} to CloudWatch Logs",
        "assume_role_policy": trust_policy("vpc-flow-logs.amazonaws.com", {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{region}:{account_id}:vpc-flow-log/*"}}),
        "tags": tags,
    })
    IamRolePolicy(stack, "flow-logs-write", {
        "name": "vpc-flow-logs-write", "role": role.resource_id,
        "policy": policy_document([Statement(
            sid="WriteFlowLogs", actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[group_arn, f"{group_arn}:*"])]),
    })
    FlowLog(stack, "flow-log", {
        "vpc_id": vpc.vpc_id, "traffic_type": "ALL", "log_destination_type": "cloud-watch-logs",
        "log_destination": group.arn, "iam_role_arn": role.arn, "tags": tags,
    })


def build_private_instance_fleet(stack: TerraformStack, environment: Environment = Environment()) -> None:
    """examples/private-cluster, instance fleets: three fleets over three private subnets of a VPC built here,
    roles and log bucket created next to the cluster."""
    name, example = "private-instance-fleet", "private-cluster"
    tags = _tags(name, example)
    aws_provider(stack, environment)
    account_id = _account_id(stack, environment)
    # The module's example VPC has public subnets with a NAT gateway, private subnets, an S3 gateway endpoint and
    # EMR and STS interface endpoints. ExampleVpc has private subnets and the S3 gateway endpoint only (no
    # internet gateway, by design); the interface endpoints come next to it, and nothing leaves the VPC but
    # through them.
    vpc_props = ExampleVpcProps(name="emr-private", region=environment.region)
    vpc = ExampleVpc(stack, "vpc", vpc_props, tags=tags)
    _private_endpoints(stack, vpc, vpc_props, environment.region, tags)
    _flow_logs(stack, vpc, vpc_props.name, account_id=account_id, environment=environment, tags=tags)
    # A cluster in a private subnet needs a route to S3 (MG private-subnet-iampolicy; MG emr-clusters-in-a-vpc,
    # "Private subnets"): HTTPS leaves the cluster's groups for the VPC (the interface endpoints) and for S3's
    # prefix list (the gateway endpoint).
    s3 = vpc.s3_endpoint.attr("prefix_list_id")
    network = Network(
        vpc_id=vpc.vpc_id, subnet_ids=tuple(vpc.subnet_ids), https_egress_cidrs=(vpc_props.cidr,),
        security_group_rules=tuple(
            SecurityGroupRule(group=group, direction="egress", protocol="tcp", from_port=443, to_port=443,
                              prefix_list_id=s3, description="HTTPS to S3 through the gateway endpoint")
            for group in ("master", "slave")),
    )
    # The module's example creates its log bucket beside the cluster (the s3-bucket module) and passes its URI.
    log_bucket = LogBucket(stack, "log-bucket", LogBucketProps(bucket_prefix=f"{name}-"),
                           partition=environment.partition, tags=tags)
    EmrCluster(stack, "emr", _cluster_props(name, example, network, typed_configuration=False,
                                            **_fleets(task_on_demand=1)),
               iam_props=_iam_props(name, account_id, environment), log_bucket=log_bucket)


def build_private_instance_group(stack: TerraformStack, environment: Environment = Environment()) -> None:
    """examples/private-cluster, instance groups: one private subnet, an instance profile and autoscaling role
    you manage, an existing log bucket."""
    name, example = "private-instance-group", "private-cluster"
    aws_provider(stack, environment)
    # The module's example brings its own instance profile (with its role) and autoscaling role and lets the
    # module create the service role. EmrRoles creates every role or takes every role (bring your own or let
    # it create them, never both), so the service role is yours here too. instance_role lets the cluster grant
    # that role its log writes; the autoscaling role is passed to the cluster although no group scales, as in
    # the module's example.
    roles = EmrRoles.from_existing(
        stack, "roles", service_role="custom-emr-service-role", instance_profile="custom-emr-instance-profile",
        instance_role="custom-emr-instance-role", autoscaling_role="custom-emr-autoscaling-role",
        account_id=_account_id(stack, environment), region=environment.region, partition=environment.partition)
    # The module's example creates the bucket in the same configuration; here it is a bucket you manage.
    log_bucket = LogBucket.from_existing(stack, "log-bucket", bucket_name="example-emr-logs-private-cluster",
                                         partition=environment.partition)
    # Instance groups take one subnet (JobFlowInstancesConfig Ec2SubnetId).
    network = Network(vpc_id=EXAMPLE_VPC_ID, subnet_ids=PRIVATE_SUBNETS[:1])
    # The module's example keeps a placement group (SPREAD over the primary nodes) commented out, "for multiple
    # primary node clusters": placement_strategy="SPREAD" needs master instance_count=3 and is refused with
    # this cluster's one primary node (API PlacementGroupConfig; MG emr-plan-ha-placementgroup).
    EmrCluster(stack, "emr", _cluster_props(name, example, network, typed_configuration=True,
                                            **_groups("c4.xlarge", "0.17")),
               roles=roles, log_bucket=log_bucket)


def build_public_instance_fleet(stack: TerraformStack, environment: Environment = Environment()) -> None:
    """examples/public-cluster, instance fleets: three public subnets, an all-Spot task fleet, roles and log
    bucket created by the cluster."""
    name, example = "public-instance-fleet", "public-cluster"
    aws_provider(stack, environment)
    # Public subnets: no service access group (only private subnets have one, MG emr-man-sec-groups); the
    # subnets need the tag for-use-with-amazon-emr-managed-policies (MG emr-managed-iam-policies) and a route to
    # an internet gateway (MG emr-clusters-in-a-vpc: "EMR clusters in a public subnet require a connected internet
    # gateway"). EMR block public access still refuses ingress from anywhere (our groups have none).
    network = Network(vpc_id=EXAMPLE_VPC_ID, subnet_ids=PUBLIC_SUBNETS, private_subnets=False)
    EmrCluster(stack, "emr", _cluster_props(name, example, network, typed_configuration=False,
                                            **_fleets(task_on_demand=0)),
               iam_props=_iam_props(name, _account_id(stack, environment), environment),
               log_bucket_props=LogBucketProps(bucket_prefix=f"{name}-"))


def build_public_instance_group(stack: TerraformStack, environment: Environment = Environment()) -> None:
    """examples/public-cluster, instance groups: one public subnet, every role (autoscaling included) created
    here, the log bucket created beside the cluster."""
    name, example = "public-instance-group", "public-cluster"
    tags = _tags(name, example)
    aws_provider(stack, environment)
    network = Network(vpc_id=EXAMPLE_VPC_ID, subnet_ids=PUBLIC_SUBNETS[:1], private_subnets=False)
    log_bucket = LogBucket(stack, "log-bucket", LogBucketProps(bucket_prefix=f"{name}-"),
                           partition=environment.partition, tags=tags)
    # The module creates an autoscaling role for instance-group clusters whether or not a group scales.
    EmrCluster(stack, "emr", _cluster_props(name, example, network, typed_configuration=True,
                                            **_groups("c4.xlarge", "0.17")),
               iam_props=_iam_props(name, _account_id(stack, environment), environment, with_autoscaling_role=True),
               log_bucket=log_bucket)


MODULE_EXAMPLES: dict[str, Callable[..., None]] = {
    "module-private-instance-fleet": build_private_instance_fleet,
    "module-private-instance-group": build_private_instance_group,
    "module-public-instance-fleet": build_public_instance_fleet,
    "module-public-instance-group": build_public_instance_group,
}


def build_module_example(scope: Construct, name: str, environment: Environment = Environment()) -> TerraformStack:
    """One module example in a stack of its own, named ``name``."""
    if name not in MODULE_EXAMPLES:
        raise KeyError(f"no module example {name!r}; known: {sorted(MODULE_EXAMPLES)}")
    stack = TerraformStack(scope, name)
    MODULE_EXAMPLES[name](stack, environment)
    return stack


def build_module_examples(scope: Construct, environment: Environment = Environment(),
                          names: Optional[list[str]] = None) -> list[str]:
    """Every module example (or ``names``) as stacks of ``scope``: their names."""
    names = list(MODULE_EXAMPLES) if names is None else names
    for name in names:
        build_module_example(scope, name, environment)
    return names
