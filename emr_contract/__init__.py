"""What the constructs, the step runner and the emulator must agree on, in one small place.

Pure standard library; imports nothing else of this repository. `steps` holds EMR's step-API facts
(states, limits, release gates, errors), each with the AWS page it comes from; `events` the fields of the
"EMR Cluster State Change" event that rules match on.
"""
