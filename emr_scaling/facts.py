"""What EMR, YARN, HDFS and Spark do by default, as the scaling model needs it. Each fact names its page; a fact
no page states is marked ``guess:`` with the reading we chose, and is a model parameter (params.py) where it
matters. Scaling-policy facts shared with the constructs live in emr_contract/scaling.py.

Pages:
  TASK   Release Guide "Task configuration", https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-hadoop-task-config.html
         (the table in yarn_defaults.json; "The values specified for each instance are in accordance with the
         latest EMR release")
  STOR   Management Guide "Instance storage", https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-plan-storage.html
  GUIDE  Management Guide "Instance guidelines", https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-plan-instances-guidelines.html
  SPARK  Release Guide "Configure Spark", https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-spark-configure.html
  SCONF  Apache Spark, "Configuration" and "Running on YARN", https://spark.apache.org/docs/latest/configuration.html,
         https://spark.apache.org/docs/latest/running-on-yarn.html
  BP     AWS's EMR Best Practices Guide, https://aws.github.io/aws-emr-best-practices/ (github aws/aws-emr-best-practices;
         written by AWS, not part of the EMR documentation)
  MS     Management Guide "Node allocation strategy", https://docs.aws.amazon.com/emr/latest/ManagementGuide/managed-scaling-allocation-strategy.html
  MSM    Management Guide "Managed scaling metrics", https://docs.aws.amazon.com/emr/latest/ManagementGuide/managed-scaling-metrics.html
  MET    Management Guide "Monitor metrics with CloudWatch", https://docs.aws.amazon.com/emr/latest/ManagementGuide/UsingEMR_ViewingMetrics.html
  SOD    Management Guide "Scaling cluster resources", https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-scale-on-demand.html
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from emr_contract.releases import Gate, release

# ---- YARN capacity of a node -------------------------------------------------------------------------

YARN_DEFAULTS_PATH = Path(__file__).with_name("yarn_defaults.json")
# TASK lists yarn.scheduler.minimum-allocation-mb as 1 for every type (its 2022 edition said 32).
MIN_ALLOCATION_MB = 1
_SIZE = re.compile(r"^(?P<family>[a-z0-9-]+)\.(?:(?P<n>\d*)xlarge|(?P<small>large|medium|small|micro|nano))$")
_SMALL_VCPU = {"large": 2, "medium": 1, "small": 1, "micro": 1, "nano": 1}


@dataclass(frozen=True)
class YarnNode:
    """What one NodeManager offers: ``assumed`` says how a figure TASK does not list was made up."""

    instance_type: str
    memory_mb: int
    max_allocation_mb: int
    vcores: int
    assumed: str | None = None


@lru_cache(maxsize=1)
def yarn_table() -> dict[str, tuple[int, int]]:
    data = json.loads(YARN_DEFAULTS_PATH.read_text(encoding="utf-8"))
    return {k: (int(v[0]), int(v[1])) for k, v in data["instance_types"].items()}


def vcpus(instance_type: str) -> int | None:
    """vCPUs by size (EC2: large 2, xlarge 4, Nxlarge 4N, for the general, compute and memory families)."""
    m = _SIZE.match(instance_type)
    if not m:
        return None
    if m.group("small"):
        return _SMALL_VCPU[m.group("small")]
    return 4 * int(m.group("n") or 1)


def yarn_node(instance_type: str) -> YarnNode | None:
    """yarn.nodemanager.resource.memory-mb and yarn.scheduler.maximum-allocation-mb by TASK; vcores = vCPUs.

    guess (vcores): no EMR page gives yarn.nodemanager.resource.cpu-vcores; BP ("EMR will automatically set
    yarn.nodemanager.resource.cpu-vcores ... In the m5.4xlarge case, this is 16vCPU and 57344 mb") shows it
    equal to the vCPUs. A type TASK lacks (its .large sizes, for one) is assumed from the nearest listed size
    of its family, by vCPUs; None when the family is unknown too (the caller assumes and warns)."""
    cpus = vcpus(instance_type)
    known = yarn_table().get(instance_type)
    if known is not None:
        return YarnNode(instance_type, known[0], known[1], cpus or 1)
    if cpus is None:
        return None
    family = instance_type.split(".")[0]
    sizes = [(vcpus(t), t, mem) for t, mem in yarn_table().items() if t.split(".")[0] == family and vcpus(t)]
    if not sizes:
        return None
    near_cpus, near, (memory, max_alloc) = min(((c, t, m) for c, t, m in sizes), key=lambda x: abs(x[0] - cpus))
    scale = cpus / near_cpus
    return YarnNode(instance_type, int(memory * scale), int(max_alloc * scale), cpus,
                    f"{instance_type} is not in EMR's task-configuration table: assumed {int(memory * scale)} MiB of "
                    f"YARN memory, {near}'s figure scaled by vCPUs (set yarn.nodemanager.resource.memory-mb in "
                    f"yarn-site to override)")


# guess: no EMR page gives yarn.scheduler.capacity.resource-calculator. Hadoop's default is the
# DefaultResourceCalculator (memory only), and BP ("As Yarn's default container allocation is based on available
# memory, ... there can be vcore over subscriptions") and SPARK's RAPIDS page (DominantResourceCalculator "must be
# configured" for GPUs) agree that EMR keeps it. The capacity-scheduler classification can change it.
DOMINANT_RESOURCE_CALCULATOR = "org.apache.hadoop.yarn.util.resource.DominantResourceCalculator"


# ---- HDFS capacity of a core node --------------------------------------------------------------------

# STOR: "When you create a cluster using Amazon EMR release version 5.22.0 and later, the default amount of
# Amazon EBS storage increases based on the size of the instance", table "Default Amazon EBS storage volumes and
# size by instance type for Amazon EMR 5.22.0 and later": (volumes, GiB each). "YARN is configured to use all
# the additional volumes"; HDFS's DataNodes use them too.
DEFAULT_EBS_BY_SIZE = {
    "large": (1, 32), "xlarge": (2, 32), "2xlarge": (4, 32), "4xlarge": (4, 64), "8xlarge": (4, 128),
    "9xlarge": (4, 144), "10xlarge": (4, 160), "12xlarge": (4, 192), "16xlarge": (4, 256), "18xlarge": (4, 288),
    "24xlarge": (4, 384),
}
# guess: no EMR page says how much of a DataNode's disks HDFS may fill (dfs.datanode.du.reserved); we count all.


def default_ebs_gib(instance_type: str) -> int | None:
    size = instance_type.split(".")[-1]
    volumes = DEFAULT_EBS_BY_SIZE.get(size)
    return volumes[0] * volumes[1] if volumes else None


# ---- where ApplicationMasters run --------------------------------------------------------------------

# GUIDE: "Amazon EMR release version 5.19.0 and later uses the built-in YARN node labels feature ... application
# masters are scheduled only on nodes with the CORE label" (before 5.19.0 "a code patch" did the same); "Beginning
# with Amazon EMR 6.x release series, the YARN node labels feature is disabled by default. The application master
# processes can run on both core and task nodes by default." yarn-site yarn.node-labels.enabled=true with
# yarn.node-labels.am.default-node-label-expression=CORE restores the 5.x behaviour.
AM_ANYWHERE = Gate("ApplicationMasters on task nodes", "yarn.node-labels.enabled", ((6, release("6.0.0")),),
                   source="MG emr-plan-instances-guidelines")
AM_LABEL_PROPERTIES = ("yarn.node-labels.enabled", "yarn.node-labels.am.default-node-label-expression")


# ---- Spark's container sizes -------------------------------------------------------------------------

# SPARK: "Using Amazon EMR release version 4.4.0 and later, dynamic allocation is enabled by default."
DYNAMIC_ALLOCATION_DEFAULT = Gate("Spark dynamic allocation on by default", "spark.dynamicAllocation.enabled",
                                  ((4, release("4.4.0")),), source="RG emr-spark-configure")
# SCONF: spark.executor.memoryOverhead = executorMemory * spark.executor.memoryOverheadFactor, "with minimum of"
# 384 MiB; the same for the driver (cluster mode) and spark.yarn.am.memoryOverhead (client mode).
MIN_MEMORY_OVERHEAD_MB = 384
SPARK_OVERHEAD_FACTOR = 0.10
# BP (Spark performance): on EMR "the executor overhead ... is set to 0.1875 by default"; BP: "The default driver
# memory (without maximizeResourceAllocation) is 2 GB" and "The default memory overhead for driver container is 10%".
EMR_EXECUTOR_OVERHEAD_FACTOR = 0.1875
EMR_DRIVER_MEMORY = "2g"
# SCONF: spark.yarn.am.memory 512m (client mode's ApplicationMaster); spark.executor.instances 2 for static allocation;
# dynamic allocation minExecutors 0, maxExecutors infinity, executorIdleTimeout 60s; spark.executor.cores "1 in YARN
# mode" (EMR sets it "based on the core and task instance types", SPARK, with no table: see params.py).
YARN_AM_MEMORY = "512m"
STATIC_EXECUTORS = 2
EXECUTOR_IDLE_TIMEOUT_SECONDS = 60
# SCONF spark.sql.shuffle.partitions default 200: the tasks a stage has when nothing else says; bounds what an
# unbounded dynamic allocation asks for (maxExecutors infinity) in the model.
DEFAULT_SHUFFLE_PARTITIONS = 200


# ---- metrics and managed scaling ---------------------------------------------------------------------

# MET: "Metrics are updated every five minutes"; MSM: "Amazon EMR publishes high-resolution metrics with data at a
# one-minute granularity when managed scaling is enabled for a cluster."
METRIC_PERIOD_SECONDS = 300
METRIC_PERIOD_MANAGED_SECONDS = 60
# MS: "Amazon EMR versions 5.34.0 and higher, and Amazon EMR versions 6.4.0 and higher, support Spark shuffle data
# awareness ... up to a maximum of 30 minutes"; the same releases don't scale down nodes holding a Spark
# ApplicationMaster "if there are active stages in the applications running on them".
SHUFFLE_AWARE = Gate("managed scaling keeps nodes with shuffle data", "ManagedScalingPolicy",
                     ((5, release("5.34.0")), (6, release("6.4.0"))), source="MG managed-scaling-allocation-strategy")
SHUFFLE_PROTECTION_SECONDS = 1800
# MS scale-up: "EMR managed scaling first adds capacity to core nodes and then to task nodes"; On-Demand "until
# the On-Demand units reach the maximum allowed limit. All the remaining capacity is added using Spot Instances."
# Scale-down: "first removes task nodes and then removes core nodes ... Within each node type ... removes Spot
# Instances first and then removes On-Demand Instances." "If the cluster does not have any load, then Amazon EMR
# cancels the addition of new instances from a previous evaluation and performs scale-down operations."
SCALE_UP_ORDER = (("CORE", "ON_DEMAND"), ("CORE", "SPOT"), ("TASK", "ON_DEMAND"), ("TASK", "SPOT"))
SCALE_DOWN_ORDER = (("TASK", "SPOT"), ("TASK", "ON_DEMAND"), ("CORE", "SPOT"), ("CORE", "ON_DEMAND"))
