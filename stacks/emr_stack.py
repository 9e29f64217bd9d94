"""One deployable stack: provider, backend, an EMR cluster and the outputs the runner reads."""
from __future__ import annotations

from dataclasses import replace

from emr_constructs.cdk import LocalBackend, S3Backend, TerraformStack
from constructs import Construct

from emr_constructs import EmrCluster, EmrRoles, IamProps, stack_output
from emr_constructs.monitoring.emr_monitoring import EmrMonitoring, ScalingMode
from emr_constructs.security.network import creates_security_groups
from emr_constructs.terraform.provider import AwsProvider
from emr_constructs.terraform.resources import CallerIdentity
from emr_contract import outputs as contract_outputs

from .environment import Environment
from .spec import StackSpec, check_stack_spec

OUTPUT_NAMES = contract_outputs.RUNNER_OUTPUTS


def output_names(spec: StackSpec) -> tuple[str, ...]:
    """The outputs a stack built from ``spec`` declares."""
    cluster = spec.cluster
    network = cluster.network
    created_groups = creates_security_groups(network)
    private = bool(network.subnet_ids) and network.private_subnets
    present = {
        "master_security_group_id": True,
        "slave_security_group_id": True,
        "service_access_security_group_id": private if created_groups else bool(network.service_access_security_group),
        "service_role_name": True, "instance_role_name": True, "instance_role_arn": True,
        "autoscaling_role_arn": bool(cluster.autoscaled_groups),
        "kms_key_arn": cluster.creates_kms_key or (cluster.creates_security_configuration
                                                   and cluster.security_configuration_json is None
                                                   and cluster.security.kms_key_arn is not None),
        "security_configuration_name": True,
        "alarm_topic_arn": spec.monitoring is not None and bool(
            spec.monitoring.create_alarm_topic or spec.monitoring.alarm_topic_arn),
    }
    return (contract_outputs.RUNNER_OUTPUTS
            + (contract_outputs.STEP_LOG_OUTPUTS if cluster.step_logs is not None else ())
            + tuple(name for name in contract_outputs.REFERENCE_OUTPUTS if present[name]))


def aws_provider(stack: TerraformStack, environment: Environment) -> AwsProvider:
    """The stack's hashicorp/aws provider for ``environment``: its region and default tags, pinned to its
    account on AWS, fake credentials and the emulator's endpoints on the local target. Every stack of this
    app gets its provider here (EmrStack, the module examples)."""
    return AwsProvider(
        stack, "aws",
        region=environment.region,
        default_tags=environment.default_tags,
        allowed_account_ids=[environment.account_id] if environment.account_id and not environment.is_local else None,
        extra=environment.provider_settings(),
    )


class EmrStack(TerraformStack):
    def __init__(self, scope: Construct, spec: StackSpec, environment: Environment) -> None:
        check_stack_spec(spec)  # every problem at once, before any construct exists
        super().__init__(scope, spec.stack_name)
        self.spec = spec
        aws_provider(self, environment)
        if environment.backend:
            backend = environment.backend
            s3 = S3Backend(self, bucket=backend.bucket, key=f"{backend.key_prefix}/{spec.stack_name}.tfstate",
                           region=backend.region, encrypt=True, dynamodb_table=backend.dynamodb_table)
            if not backend.dynamodb_table:
                s3.add_override("use_lockfile", True)
        elif environment.is_local:
            # Its own state file, next to the synthesized stack: never mixed with a real deployment's.
            LocalBackend(self, path=f"terraform.{spec.stack_name}.local.tfstate")

        account_id = environment.account_id or CallerIdentity(self, "current").attr("account_id")
        access = spec.access
        self.emr = EmrCluster(
            self, "emr", spec.cluster,
            iam_props=IamProps(
                name_prefix=spec.cluster.name,
                account_id=account_id,
                region=environment.region,
                partition=environment.partition,
                read_buckets=access.read_buckets,
                read_write_buckets=access.read_write_buckets,
                glue_catalog_read=access.glue_catalog_read,
                permissions_boundary_arn=access.permissions_boundary_arn,
            ),
            # A stack on the local emulator is disposable: destroy takes its logs with it.
            log_bucket_props=replace(spec.log_bucket, force_destroy=True) if environment.is_local else spec.log_bucket,
        )
        self.monitoring = None
        if spec.monitoring is not None:
            self.monitoring = EmrMonitoring(
                self, "monitoring", cluster_id=self.emr.cluster_id, cluster_name=spec.cluster.name,
                region=environment.region, account_id=account_id, partition=environment.partition,
                props=spec.monitoring,
                # What EMR publishes, hence panels and alarms, depends on how the cluster scales; an idle
                # alarm must outlast the idle auto-termination.
                scaling=ScalingMode.of(spec.cluster),
                idle_timeout_seconds=spec.cluster.idle_timeout_seconds,
            )
        self._outputs()

    def prepare_stack(self) -> None:
        """Skip cdktf's preparing pass: it only discovers cross-stack references, which an
        EmrStack never makes, and costs a jsii round trip per resource. The backend default
        it also sets up is kept."""
        self.ensure_backend_exists()

    def _alarm_topic_arn(self):
        if self.monitoring is None:
            return None
        return self.monitoring.topic.arn if self.monitoring.topic is not None else self.spec.monitoring.alarm_topic_arn

    def _outputs(self) -> None:
        emr = self.emr
        values = {
            "cluster_id": (emr.cluster_id, "EMR cluster id (j-...)"),
            "cluster_name": (emr.cluster_name, "EMR cluster name"),
            "log_uri": (emr.log_bucket.log_uri, "LogUri; step logs are under <log_uri><cluster_id>/steps/<step_id>/"),
            "log_bucket": (emr.log_bucket.bucket_name, "S3 bucket holding the cluster's logs"),
            "master_public_dns": (emr.master_dns, "Primary node DNS name as EMR reports it"),
            "master_private_dns": (emr.master_dns,
                                   "Primary node DNS name; in a private subnet EMR reports the private name"),
            "service_role_arn": (emr.roles.service_role.arn, "EMR service role ARN"),
            "instance_profile_arn": (emr.roles.instance_profile.arn, "EC2 instance profile ARN"),
        }
        if emr.step_logs is not None:
            values[contract_outputs.LOG_GROUP] = (emr.step_logs.log_group_name,
                                        "CloudWatch Logs group with step and driver logs (emr-steps --follow)")
        groups = emr.security_group_ids
        references = {
            "master_security_group_id": (groups.get("master"), "Security group of the primary node (EMR-managed)"),
            "slave_security_group_id": (groups.get("slave"), "Security group of core and task nodes (EMR-managed)"),
            "service_access_security_group_id": (groups.get("service_access"),
                                                 "Service access security group (private subnets)"),
            "service_role_name": (EmrRoles.name_of(emr.roles.service_role), "EMR service role name"),
            "instance_role_name": (EmrRoles.name_of(emr.roles.instance_role), "Role of the cluster's EC2 instances"),
            "instance_role_arn": (emr.roles.instance_role.arn if emr.roles.instance_role else None,
                                  "ARN of the role of the cluster's EC2 instances"),
            "autoscaling_role_arn": (emr.autoscaling_role_arn, "Role EMR uses for custom automatic scaling"),
            "kms_key_arn": (emr.kms_key_arn, "KMS key of the security configuration (S3, local disks, EBS)"),
            "security_configuration_name": (emr.security_configuration_name, "EMR security configuration name"),
            "alarm_topic_arn": (self._alarm_topic_arn(),
                                "SNS topic the cluster's alarms notify"),
        }
        values.update({name: entry for name, entry in references.items() if entry[0] is not None})
        for name, (value, description) in values.items():
            stack_output(self, name, value, description)
