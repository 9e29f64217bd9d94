"""emr-scaling: a day of Spark applications replayed through an EMR cluster and its scaling policy, minute by
minute, before anything is deployed (docs/scaling.md).

Pure: the stack comes in as emr_cost's stack model, the clock is seconds from the workload's start, and prices
come from an injected emr_cost price book. No AWS call is made here.
"""
