"""Thin stacks that wire the provider, the constructs and the outputs the step runner reads."""
