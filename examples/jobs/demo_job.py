"""The PySpark job `make demo` runs: small, real Spark work with a visible log line.

It prints DEMO-LOG-LINE early, then keeps working a few seconds, so `emr-steps --follow`
can show the line while the step is still RUNNING.
"""
import argparse
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", required=True)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()

    spark = SparkSession.builder.appName(f"emr-demo-{args.stage}").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    print(f"DEMO-LOG-LINE stage={args.stage} started on Spark {spark.version}", flush=True)
    buckets = (
        spark.range(args.rows)
        .withColumn("bucket", F.col("id") % 7)
        .groupBy("bucket")
        .agg(F.count("*").alias("rows"), F.sum("id").alias("total"))
        .orderBy("bucket")
        .collect()
    )
    time.sleep(args.seconds)
    rows = sum(row["rows"] for row in buckets)
    print(f"stage={args.stage} buckets={len(buckets)} rows={rows}", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
