"""Thin stacks that wire the provider, the constructs and the outputs the step runner reads."""

# The stack `make demo` deploys; here (not in examples.py) so the demo need not start jsii.
DEFAULT_STACK = "emr-minimal"
