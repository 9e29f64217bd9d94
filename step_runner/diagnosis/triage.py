"""Pure failure triage: name the class of a failed Spark step and say what usually fixes it.

Rules are data (kind, patterns, where they may match, title, advice), tried in order of how much they
explain: a bootstrap failure or a lost Spot node explains the Java and Python errors after it; an
out-of-memory kill explains the "Job aborted" it causes and the executors it loses; an S3 403 explains
the Python CalledProcessError around it; "the code raised" comes last, and "read the driver log" only
when nothing else is known. Each rule is matched against the error events of ``log_events`` (their
root cause first), so the hint and the probable cause always name the same error.

It stays one module because the rules are one ordered list: their order is the priority, and split
across files it could no longer be read.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .literal_prefilter import PrefilteredPattern
from .log_events import ErrorEvent, events, python_final

MAX_EVIDENCE = 300


@dataclass(frozen=True)
class Hint:
    """One classified failure: a stable `kind`, a short `title`, what to try, and the line that shows it."""

    kind: str
    title: str
    advice: str
    evidence: str

    @property
    def text(self) -> str:
        return f"{self.title}: {self.advice}"


@dataclass(frozen=True)
class Rule:
    kind: str
    patterns: tuple[re.Pattern[str], ...]
    title: Callable[[str, str], str]
    advice: str
    # The event (or, with context_anywhere, the whole log) must also match this.
    context: re.Pattern[str] | None = None
    context_anywhere: bool = False
    # Never a match when the event matches this.
    exclude: re.Pattern[str] | None = None
    # Events of these levels cannot match (e.g. INFO lines of a healthy scale-down) ...
    skip_levels: tuple[str, ...] = ()
    # ... unless one of these strong patterns matches (an INFO line that quotes YARN's memory kill).
    strong: re.Pattern[str] | None = None
    sources: tuple[str, ...] | None = None
    # The matched line only reports the failure (EMR's bootstrap status): the cause is the last error
    # the failing program printed, when the log holds one.
    cause_elsewhere: bool = False
    # The outermost matching line of a chain is the better cause: it names the service ("Could not connect
    # to meta store ..." over the bare "Connection refused" under it).
    prefer_outer: bool = False


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _one(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_S3_CONTEXT = _one(
    r"s3[an]?://|amazon ?s3|services\.s3|service: s3\b|\bs3exception|\bS3\b|emrfs|"
    r"(?:Get|Put|Head|Delete|Copy)Object|ListObjects|ListBucket|CreateMultipartUpload|UploadPart|\bs3a\b")
_DRIVER_CONTEXT = _one(
    r'thread "main"|thread "driver|User class threw exception|ApplicationMaster|dag-scheduler|'
    r"spark-listener-group|SparkContext|\bDriver\b|spark\.driver|maxResultSize")
_EXECUTOR_CONTEXT = _one(
    r"Executor task launch worker|ExecutorLostFailure|Container killed|memoryOverhead|Lost executor|Lost task|"
    r"exit code (?:137|143|52)|Exit status: (?:137|143|52|-10[34])|running beyond|executor \d+")
_QUIET = ("INFO", "DEBUG", "TRACE")
# "exit code 137", "Exit status: -104", "exitStatus=-104", "Exit code is 137", "exited with code 52", "ret '137'"
_EXIT = r"(?:exit ?code|exit ?status|exitCode|exitStatus|exited with (?:code|status)|ret)\s*(?:is|:|=)?"


def _oom_title(text: str, line: str) -> str:
    if re.search(r"running beyond (physical|virtual) memory", line, re.IGNORECASE):
        kind = re.search(r"running beyond (physical|virtual)", line, re.IGNORECASE).group(1).lower()
        return f"Container over its {kind} memory limit"
    if re.search(r"Container killed by YARN|memoryOverhead|Executor task launch worker|Lost task|executor \d+",
                 line, re.IGNORECASE):
        return "Executor out of memory"
    if _DRIVER_CONTEXT.search(line) and not _EXECUTOR_CONTEXT.search(line):
        return "Driver out of memory"
    if _EXECUTOR_CONTEXT.search(text):
        return "Executor out of memory"
    if _DRIVER_CONTEXT.search(text):
        return "Driver out of memory"
    return "Out of memory"


def _missing_title(_text: str, line: str) -> str:
    m = re.search(r"No module named '?([\w.]+)'?", line)
    if m:
        return f"Python module {m.group(1)} not found"
    m = re.search(r"Failed to find data source:?\s*([\w.\-]+)", line)
    if m:
        return f"Data source {m.group(1).rstrip('.')} not found"
    m = re.search(r"cannot import name '?([\w.]+)'?", line)
    if m:
        return f"Python name {m.group(1)} cannot be imported"
    m = re.search(r"NoSuchMethodError:?\s*'?([^'\n]{1,120})", line)
    if m:
        return "Dependency version conflict (NoSuchMethodError)"
    m = re.search(r"(?:ClassNotFoundException|NoClassDefFoundError|Failed to load class)[: ]+\s*([\w.$/]+)", line)
    if m:
        return f"Class {m.group(1).rstrip('.').replace('/', '.')} not found"
    return "Missing class or module"


def _python_title(_text: str, line: str) -> str:
    final = python_final(line)
    return f"Python exception: {final[0]}" if final else "Python exception"


def _input_title(_text: str, line: str) -> str:
    m = re.search(r"(s3[an]?://[^\s'\",;)\]]+|hdfs://[^\s'\",;)\]]+|file:/[^\s'\",;)\]]+)", line)
    if m:
        return f"Input not found: {m.group(1).rstrip('.')}"
    if re.search(r"Table or view not found|TABLE_OR_VIEW_NOT_FOUND|NoSuchTable|Table not found", line, re.I):
        return "Table or view not found"
    if re.search(r"NoSuchBucket|bucket does not exist", line, re.I):
        return "S3 bucket not found"
    return "Input not found"


def _title(text: str) -> Callable[[str, str], str]:
    return lambda _t, _l: text


_PYTHON_ENVIRONMENT_ADVICE = (
    "the Python that runs the job, not its code: driver and executors must run the same Python minor "
    "version (set PYSPARK_PYTHON in spark-env / spark.pyspark.python to one interpreter on every node, "
    "e.g. from a bootstrap action); a crashed worker usually ran out of memory "
    "(spark.executor.pyspark.memory, spark.executor.memoryOverhead) or hit a native library fault; pandas "
    "UDFs need the pyarrow version the Spark release was built against on every node (an "
    "IllegalArgumentException at ByteBuffer.allocate under ArrowPythonRunner is a newer pyarrow on an older "
    "Spark: pin pyarrow, or set ARROW_PRE_0_15_IPC_FORMAT=1 for Spark 2.4)")

RULES: tuple[Rule, ...] = (
    Rule("bootstrap_failure",
         _rx(r"\bBOOTSTRAP[_ ]FAILURE\b", r"bootstrap action \d*\s*(?:returned a non-zero|failed|timed out)",
             r"failed attempting to download bootstrap action", r"SCRIPT_EXECUTION_FAILED",
             r"bootstrap action\b.*\b(?:non-zero return code|exit(?:ed)? with|timed out|failed)",
             r"bootstrap actions? (?:failed|timed out)", r"Execution failed with code '?\d+",
             # the failing script's own output, from where EMR runs bootstrap actions
             r"/bootstrap-actions/\d+/\S*[^\n]*\b(?:Command failed|failed|error)\b",
             # a stack whose frames run in a bootstrap action's directory (Ruby's "from …/bootstrap-actions/1/x.rb")
             r"^\s*(?:from|at)\s+\S*/bootstrap-actions/\d+/",
             # a service a bootstrap action or EMR's provisioning starts: systemd, Upstart/Puppet
             r"Job for \S+\.service failed", r"Could not start Service\[", r"application provisioning failed",
             # yum refusing a package install, which only bootstrap actions do on EMR nodes
             r"^Transaction check error", r"^Error: Package: "),
         _title("Bootstrap action failed"),
         "a bootstrap action failed, timed out or could not be downloaded, so the cluster never ran the step; "
         "read <LogUri>/<cluster>/node/<instance>/bootstrap-actions/<n>/stderr.gz (and controller) and fix the "
         "script or its s3:// path",
         cause_elsewhere=True),
    Rule("spot_loss",
         _rx(r"spot instance interruption", r"spot interruption", r"\bSPOT_INSTANCE_TERMINATION\b",
             r"\bSpot\b[^.]{0,60}\b(?:reclaim|interrupt|terminat)", r"(?:reclaim|interrupt|terminat)\w*[^.]{0,40}\bSpot\b",
             # EMR's instance controller on the two-minute Spot warning
             r"Instance with termination notice"),
         _title("Spot capacity lost"),
         "EC2 reclaimed a Spot instance while the step ran; retry the step (`retries:`), run core nodes "
         "On-Demand, or use instance fleets with several instance types and a capacity-optimized allocation"),
    Rule("disk_full",
         _rx(r"No space left on device", r"There is not enough space on the disk",
             r"local-dirs (?:usable space is below|are bad|have errors)", r"max-disk-utilization-per-disk-percentage",
             r"Failed to create local dir", r"disk(?:s)? (?:is|are) (?:full|bad)",
             r"No space available in any of the local directories", r"used space above threshold",
             r"DiskErrorException"),
         _title("Disk full"),
         "a node ran out of local disk (shuffle spill, /mnt/yarn, HDFS); add EBS volumes or larger ones to core "
         "and task nodes, spread the data (more partitions), or clean up; YARN marks a node unhealthy above 90% "
         "(yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage)"),
    Rule("native_thread_limit",
         _rx(r"unable to create (?:new )?native thread"),
         _title("Out of threads, not memory (unable to create native thread)"),
         "the JVM hit the operating system's limit on threads or processes (ulimit -u / nproc, "
         "kernel.pid_max, a container's pids limit), not the heap: raising spark.executor.memory does not help; "
         "look for code that starts threads or thread pools per task or per record (clients, connection pools "
         "created in a loop), lower spark.executor.cores, or raise nproc for the yarn user on the nodes"),
    Rule("oom",
         # not the JVM flag -XX:OnOutOfMemoryError='kill %p' that YARN puts on every container's command line
         _rx(r"(?<!On)OutOfMemoryError", r"Container killed by YARN for exceeding (?:physical |virtual )?memory",
             r"running beyond (?:physical|virtual) memory limits", r"GC overhead limit exceeded",
             r"Java heap space", r"^MemoryError\b", r"\bMemoryError:", r"Cannot allocate memory",
             # exit 143 (SIGTERM) is left out: YARN sends it for lost nodes and preemption as well
             rf"{_EXIT}\s*'?(?:-10[34]|52)\b", rf"{_EXIT}\s*'?137\b"),
         _oom_title,
         "raise spark.executor.memory and spark.executor.memoryOverhead (driver: spark.driver.memory / "
         "spark.driver.memoryOverhead), give each task less data (more partitions: spark.sql.shuffle.partitions, "
         "spark.sql.files.maxPartitionBytes), or avoid collect()/toPandas() of large data; YARN's -104/-103 "
         "exits are the container's physical/virtual memory limit, Spark's exit 52 an executor OutOfMemoryError",
         skip_levels=_QUIET, exclude=_one(r"maxResultSize"),
         strong=_one(r"(?<!On)OutOfMemoryError|Container killed by YARN for exceeding|running beyond (?:physical|virtual) "
                     r"memory limits|GC overhead limit exceeded|Java heap space")),
    Rule("container_killed",
         # the more specific message first: a timeout or a kill request says more than the exit code
         _rx(r"Timed out after \d+ secs", r"Container killed on request\. Exit code is 143",
             r"Killed by external signal", rf"{_EXIT}\s*'?143\b"),
         _title("Container killed (exit 143, SIGTERM)"),
         "YARN stopped the container with SIGTERM and the log shows no memory evidence: it was preempted by the "
         "scheduler (check the ResourceManager log and queue preemption settings), killed by its application "
         "(a task timeout: mapreduce.task.timeout, spark.network.timeout; a speculative copy that lost), or "
         "killed at the memory limit with the message lost; look at the NodeManager log of that container "
         "for 'beyond physical memory' before raising memory",
         skip_levels=_QUIET, strong=_one(rf"{_EXIT}\s*'?143\b|Exit code is 143"),
         exclude=_one(r"beyond (?:physical|virtual) memory|OutOfMemory|exceeding memory")),
    Rule("kryo_buffer_overflow",
         _rx(r"Kryo serialization failed: Buffer overflow", r"KryoException: Buffer overflow"),
         _title("Kryo buffer overflow"),
         "one serialized object is bigger than Kryo's buffer: raise spark.kryoserializer.buffer.max (default "
         "64m, at most 2047m), and look for a huge record or broadcast value (a large collect or broadcast of a "
         "Python/Java collection) that should be a DataFrame join instead"),
    Rule("concurrent_write_conflict",
         _rx(r"Concurrent(?:Append|DeleteRead|DeleteDelete|Transaction|Write)Exception",
             r"(?:MetadataChanged|ProtocolChanged)Exception", r"CommitFailedException",
             r"Cannot resolve conflicts for overlapping writes", r"HoodieWriteConflictException",
             r"ConcurrentModificationException: Cannot commit"),
         _title("Concurrent write conflict on a table"),
         "another writer committed to the same table (Delta, Iceberg or Hudi) first; retry the write (idempotent "
         "jobs can simply rerun), partition the writers so they touch disjoint partitions and say so in the write's "
         "condition, use a weaker isolation level where it is safe (Delta WriteSerializable), and run OPTIMIZE or "
         "compaction when no writer runs; Iceberg retries commits up to commit.retry.num-retries"),
    Rule("broadcast_timeout",
         _rx(r"Could not execute broadcast in \d+ secs", r"spark\.sql\.broadcastTimeout",
             r"Futures timed out after \[\d+ seconds\]"),
         _title("Broadcast join timed out"),
         "building a broadcast table took longer than spark.sql.broadcastTimeout (300 s by default): the "
         "broadcast side is bigger or slower to compute than Spark estimated; lower "
         "spark.sql.autoBroadcastJoinThreshold (or -1 to stop broadcasting), remove a broadcast() hint on a large "
         "table, cache or checkpoint the small side first, or raise spark.sql.broadcastTimeout",
         # a bare Futures timeout is the broadcast's only when the log shows a broadcast join being built
         context=_one(r"BroadcastExchange|broadcastTimeout|autoBroadcastJoinThreshold|BroadcastHashJoin|"
                      r"BroadcastNestedLoopJoin|execute broadcast|broadcast[- ]?join"), context_anywhere=True),
    Rule("max_result_size",
         _rx(r"bigger than spark\.driver\.maxResultSize", r"Total size of serialized results of \d+ tasks"),
         _title("Results larger than spark.driver.maxResultSize"),
         "a collect()/toPandas() or a broadcast sends more to the driver than spark.driver.maxResultSize; "
         "write the result out instead of collecting it, or raise spark.driver.maxResultSize (and "
         "spark.driver.memory with it)"),
    Rule("node_lost",
         _rx(r"Container released on a \*?lost\*? node", r"ExecutorLostFailure", r"Executor heartbeat timed out",
             r"\bSlave lost\b", r"\bWorker lost\b", r"Lost executor \d+ on", r"decommission",
             r"NodeManager[^\n]{0,80}(?:lost|restart|shut ?down|unhealthy)", r"Node [^\n]{0,80} (?:is )?(?:lost|LOST|UNHEALTHY)",
             r"Exit status: -100\b",
             # a shuffle read from a node that left (the external shuffle service, port 7337, is gone with it)
             r"FetchFailedException", r"FetchFailed\(BlockManagerId", r"Missing an output location for shuffle",
             r"Shuffle files lost for executor"),
         _title("Node or executor lost"),
         "a node or its executors went away while the step ran (a NodeManager restart, a decommissioned or "
         "unhealthy node, a heartbeat timeout); look in the cluster's node and instance-state logs for why, "
         "retry the step (`retries:`); with Spot task nodes, prefer On-Demand core nodes",
         skip_levels=_QUIET,
         # Spark's graceful decommission ("Executor decommission.") moves work away: it is no failure.
         exclude=_one(r"memory|OutOfMemory|exit code (?:52|137)|Exit status: (?:52|137|-10[34])|"
                      r"Executor decommission\.?\s*$")),
    Rule("s3_throttling",
         _rx(r"\b503\b[^\n]{0,80}Slow ?Down", r"\bSlow ?Down\b", r"Please reduce your request rate",
             r"Status Code: 503", r"throttl\w+[^\n]{0,60}\bS3\b", r"\bS3\b[^\n]{0,60}throttl"),
         _title("S3 throttling (503 Slow Down)"),
         "S3 asks for fewer requests per prefix; write fewer, larger files (coalesce/repartition), spread keys "
         "over more prefixes, and raise fs.s3.maxRetries (EMRFS) or fs.s3a.retry.limit / fs.s3a.attempts.maximum"),
    Rule("s3_access_denied",
         _rx(r"AccessDenied", r"Access Denied", r"Status Code: 403", r"403 Forbidden", r"\(403\)",
             r"Permission denied: s3[an]?://"),
         _title("S3 access denied"),
         "the cluster's EC2 instance profile (EMR_EC2 role) may not read/write that bucket or prefix, or the "
         "bucket policy / KMS key refuses it; grant s3:GetObject/PutObject/ListBucket (and kms:Decrypt / "
         "kms:GenerateDataKey for SSE-KMS)",
         context=_S3_CONTEXT,
         # another AWS service's refusal that only passes through an S3 client (STS for s3a credentials, KMS)
         exclude=_one(r"Service: (?!Amazon S3|S3\b)\w+|securitytoken|\bglue\.model|\bkms\.model|"
                      r"AWSSecurityTokenService|sts:AssumeRole")),
    Rule("permission_denied",
         _rx(r"Insufficient Lake Formation permission", r"is not authorized to perform", r"not authorized to",
             r"Permission denied", r"AccessDeniedException", r"\bAccessDenied\b", r"Access Denied",
             r"\bUnauthorized(?:Operation|Access)?\b", r"\b403\b[^\n]{0,40}Forbidden",
             r"InvalidClientTokenId|ExpiredToken|security token included in the request is (?:invalid|expired)"),
         _title("Permission denied"),
         "an AWS service other than S3 (Glue Data Catalog, Lake Formation, KMS, STS) or HDFS refused the "
         "cluster's role or user; grant the instance profile the action named in the message (e.g. "
         "glue:GetTable, kms:Decrypt), or the table's Lake Formation permissions, or fix the HDFS path's owner"),
    Rule("connection_refused",
         _rx(r"Connection refused", r"Could not connect to meta ?store", r"Communications link failure",
             r"Unable to instantiate [\w.]*HiveMetaStoreClient", r"Connection to [^\n]{0,80} refused",
             r"connect timed out", r"Connection timed out", r"ConnectTimeoutException", r"No route to host",
             r"UnknownHostException", r"Failed to connect to"),
         _title("Connection refused or timed out"),
         "a service the job needs did not answer: the Hive metastore (hive.metastore.uris, the Glue catalog "
         "setting), a JDBC database, or another endpoint; check the address and port, that it runs, and that "
         "the security groups let the cluster's nodes reach it",
         prefer_outer=True),
    Rule("hdfs",
         _rx(r"could only be replicated to \d+ nodes", r"BlockMissingException", r"Could not obtain block",
             r"[Mm]issing blocks", r"All datanodes [^\n]{0,200} are bad", r"Corrupt(?:ed)? block", r"CorruptBlock",
             r"DataStreamer Exception", r"Bad connect ack", r"Failed to replace a bad datanode",
             r"Cannot obtain block length", r"Could not get block locations"),
         _title("HDFS error"),
         "HDFS could not read or write blocks: DataNodes are full, lost or too few (core nodes hold HDFS); add "
         "core nodes or EBS, check `hdfs dfsadmin -report`, keep dfs.replication at or below the core node count, "
         "and prefer S3 for job output"),
    Rule("python_environment",
         _rx(r"Python in worker has different version", r"PYSPARK_PYTHON", r"PYSPARK_DRIVER_PYTHON",
             r"Python worker exited unexpectedly", r"Python worker failed to connect back",
             r'Cannot run program "[^"]*python[^"]*"', r"python3?: (?:command )?not found",
             r"Python worker .{0,40}crashed", r"Error from python worker",
             # pandas UDFs: pyarrow missing or at a version the Spark release does not speak
             r"PyArrow >= \S+ must be installed", r"ARROW_PRE_0_15_IPC_FORMAT"),
         _title("Python environment"),
         _PYTHON_ENVIRONMENT_ADVICE),
    Rule("python_environment",
         # pandas UDFs: the JVM cannot read what a newer pyarrow wrote (Arrow's IPC format changed in 0.15); the
         # error has no message, its stack shows it: ByteBuffer.allocate under the Arrow runner
         _rx(r"IllegalArgumentException"),
         _title("pyarrow does not match this Spark (pandas UDF)"),
         _PYTHON_ENVIRONMENT_ADVICE,
         context=re.compile(r"^(?=[\s\S]*\bByteBuffer\.allocate\b)(?=[\s\S]*\bArrow(?:Python|EvalPython)Runner\b)"),
         context_anywhere=True),
    Rule("missing_dependency",
         _rx(r"ClassNotFoundException", r"NoClassDefFoundError", r"Failed to load class", r"ModuleNotFoundError",
             r"No module named", r"Failed to find data source", r"ImportError: cannot import name",
             r"NoSuchMethodError"),
         _missing_title,
         "ship it with the step (--py-files / --archives for Python, --jars / --packages for Java and data "
         "sources such as delta, avro, kafka), install it on every node in a bootstrap action, check the "
         "--class name, or align versions (NoSuchMethodError: two versions of one library on the classpath)"),
    Rule("task_not_serializable",
         _rx(r"Task not serializable", r"NotSerializableException",
             # PySpark's form: cloudpickle cannot serialize what a function captured
             r"PicklingError", r"Could not serialize object", r"can(?:no|')t pickle"),
         _title("Task not serializable"),
         "a closure sent to executors captures an object that cannot be serialized (a client, a connection, "
         "a lock, the SparkContext or SparkSession, a non-Serializable class); create it inside the function "
         "(mapPartitions), broadcast plain data, or make the class Serializable; in PySpark, reference no "
         "SparkContext, DataFrame or module-level client inside a UDF or an RDD function"),
    Rule("output_exists",
         _rx(r"already exists", r"FileAlreadyExistsException", r"PATH_ALREADY_EXISTS", r"TableAlreadyExistsException"),
         _title("Output already exists"),
         "the output path or table is already there; write with mode('overwrite') or mode('append'), "
         "delete the old output first, or give each run its own output prefix",
         exclude=_one(r"Database (?:default|global_temp) already exists|already exists in the cache|"
                      r"temporary view .* already exists")),
    Rule("input_missing",
         _rx(r"Path does not exist", r"PATH_NOT_FOUND", r"FileNotFoundException", r"No such file or directory",
             r"NoSuchKey", r"The specified key does not exist", r"NoSuchBucket", r"The specified bucket does not exist",
             r"Table or view not found", r"TABLE_OR_VIEW_NOT_FOUND", r"NoSuchTableException", r"\bTable not found\b",
             r"Input path does not exist", r"InvalidInputException", r"EntityNotFoundException",
             # Hadoop FileSystem's own wording (HDFS, S3A, and table formats that read through them)
             r"File does not exist: \S"),
         _input_title,
         "an input the job reads is not there: check the path (a typo, the wrong date partition, s3:// vs "
         "s3a://), that the upstream job wrote it, and for tables the database and catalog (Glue) the job uses",
         # a WARN about a missing path is Spark probing (a metadata directory, a glob), unless a task failed on it
         skip_levels=("WARN",), strong=_one(r"Lost task|Job aborted|stage failure|Task failed")),
    Rule("schema_mismatch",
         _rx(r"cannot resolve", r"UNRESOLVED_COLUMN", r"DATATYPE_MISMATCH", r"data type mismatch",
             r"Parquet column cannot be converted", r"SchemaColumnConvertNotSupportedException",
             r"Found duplicate column", r"Failed to merge incompatible data types", r"incompatible (?:schema|types?)",
             r"Cannot up cast", r"A schema mismatch detected", r"Column [^\n]{0,80} does not exist",
             r"cannot be resolved", r"is not a Parquet file", r"Expected: [^\n]{0,80}, Found:",
             r"Unable to infer schema", r"mismatched input", r"NUM_COLUMNS_MISMATCH",
             r"can only be performed on (?:inputs|tables) with the same number of columns"),
         _title("Schema mismatch"),
         "the data does not have the columns or types the job expects: compare df.printSchema() with the code, "
         "read with an explicit schema, or allow evolution (mergeSchema, Delta's mergeSchema); for Parquet type "
         "conflicts, rewrite the files or set spark.sql.parquet.enableVectorizedReader=false"),
    Rule("python_exception",
         _rx(r".+"),
         _python_title,
         "the job's own Python code raised; the traceback in the probable cause shows the line",
         sources=("python",),
         exclude=_one(r"^(?:py4j\.protocol\.)?Py4JJavaError|^(?:org|com|java|javax|scala|io|net|software)\.")),
    Rule("python_exception",
         # Spark 3 carries a UDF's Python exception to the JVM: PythonException: 'IndexError: list index …'
         _rx(r"api\.python\.PythonException: '?[\w.]+(?:Error|Exception)\b"),
         _title("Python exception in a UDF"),
         "the job's own Python code raised inside a UDF or an RDD function on an executor; the message after "
         "PythonException names it, and the executor's stderr has the whole traceback",
         exclude=_one(r"PythonException: '?(?:MemoryError|ModuleNotFoundError|ImportError)")),
    Rule("see_driver_log",
         _rx(r"finished with failed status", r"User application exited with status \d+",
             r"SparkContext did not initialize", r"Shutdown hook called before final status was reported",
             r"final status: FAILED",
             # YARN: the application master (the driver, in cluster mode) failed every attempt
             r"failed \d+ times? due to AM Container for appattempt"),
         _title("Application failed: the cause is in the driver's log"),
         "in cluster deploy mode the step's stderr only says the application failed; the driver's own "
         "stdout/stderr (a PySpark traceback goes to stdout) are in <LogUri>/<cluster>/containers/<application>/"
         "<first container>/ or, with step_logs, in CloudWatch: run `emr-steps explain --cluster-id ... "
         "--step-id ...`, which reads them"),
)


@dataclass(frozen=True)
class Match:
    rule: Rule
    event: ErrorEvent
    line: str  # what matched: the event's root, or the line of the event that matched
    start: int
    pattern: int = 0  # which of the rule's patterns


def classify(found: list[ErrorEvent], text: str) -> Match | None:
    """The first rule (in RULES order) one of the events matches, and that event (the last such; one whose
    root cause matches wins over one that matches only in its other lines)."""
    for rule in RULES:
        if rule.context_anywhere and rule.context is not None and not rule.context.search(text):
            continue
        hits = [hit for hit in (_match(rule, event) for event in found) if hit is not None]
        if hits:
            # an event whose root cause matches, then the rule's earlier (more specific) pattern, then the last
            return max(hits, key=lambda h: (h.line == h.event.root, -h.pattern, h.event.index))
    return None


def _match(rule: Rule, event: ErrorEvent) -> Match | None:
    if rule.sources is not None and event.source not in rule.sources:
        return None
    if event.level in rule.skip_levels and not (rule.strong is not None and rule.strong.search(event.text() + "\n"
                                                                                                 + event.root)):
        return None
    body = event.text()
    if rule.exclude is not None and (rule.exclude.search(event.root) or
                                     (rule.kind != "python_exception" and rule.exclude.search(body))):
        return None
    if rule.context is not None and not rule.context_anywhere and not rule.context.search(body + "\n" + event.root):
        return None
    if rule.kind == "python_exception":
        candidates = [event.root]
    elif rule.prefer_outer:
        candidates = [*event.lines, event.root]
    else:
        candidates = [event.root, *event.lines]
    for line in candidates:
        for i, pattern in enumerate(rule.patterns):
            m = pattern.search(line)
            if m:
                return Match(rule, event, line, m.start(), i)
    return None


def hint_for(match: Match, text: str) -> Hint:
    rule = match.rule
    return Hint(rule.kind, rule.title(text, match.line), rule.advice, _window(match.line, match.start))


# Every rule pattern also makes a line an error event (a YARN or HDFS message needs no exception around it).
SIGNALS = PrefilteredPattern(p.pattern for rule in RULES for p in rule.patterns if p.pattern != ".+")


def find_events(text: str) -> list[ErrorEvent]:
    return events(text, SIGNALS)


def triage(text: str) -> Hint | None:
    """The hint for a log (any mix of stderr, stdout, driver logs, FailureDetails, StateChangeReason)."""
    if not text:
        return None
    match = classify(find_events(text), text)
    return hint_for(match, text) if match else None


def triage_step(stderr: str | None, *, failure_reason: str | None = None, failure_message: str | None = None,
                note: str | None = None) -> Hint | None:
    """Triage everything known about one failed step: FailureDetails and the run's note first, then the log."""
    parts = [p for p in (failure_reason, failure_message, note, stderr) if p]
    return triage("\n".join(parts)) if parts else None


def _window(line: str, start: int) -> str:
    """The line, or for a long one (Spark's one-line stage failures) the part around the match."""
    line = line.strip() if start == 0 else line
    if len(line) <= MAX_EVIDENCE:
        return line.strip()
    begin = max(0, min(start - 60, len(line) - MAX_EVIDENCE))
    part = line[begin:begin + MAX_EVIDENCE].strip()
    return ("..." if begin else "") + part + ("..." if begin + MAX_EVIDENCE < len(line) else "")


KINDS = tuple(dict.fromkeys(rule.kind for rule in RULES))

__all__ = ["Hint", "KINDS", "Match", "RULES", "Rule", "SIGNALS", "classify", "find_events", "hint_for", "triage",
           "triage_step"]
