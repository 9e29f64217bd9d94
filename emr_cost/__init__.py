"""What an EMR cluster costs: a price book (live AWS Price List API and spot history, or a bundled dated
snapshot), the estimate of a stack before deploy, and the cost of a run from instance timelines after.

Imports only emr_contract and the standard library (boto3 only when the live source is used); the step
runner and the emulator import it (tests/test_layering.py).
"""
