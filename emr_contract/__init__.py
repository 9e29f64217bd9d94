"""What the constructs, the step runner and the emulator must agree on, in one small place.

Pure standard library; imports nothing else of this repository (tests/test_layering.py checks it):
- `steps`: EMR's step-API facts (states, limits, release gates, errors), each with its AWS page;
- `releases`: release labels and the Gate mechanism (which release gained a feature);
- `scaling`: scaling-policy enums, the AWS/ElasticMapReduce metrics, dfs.replication and decommission defaults,
  which the constructs check and the scaling model (emr_scaling) evaluates;
- `durations`: durations as spec and workload files write them ("90s", "1h30m");
- `events`: the fields of the "EMR Cluster State Change" event that rules match on;
- `log_naming`: CloudWatch Logs group, tag and stream names of step and container logs (shipped to nodes);
- `s3_layout`: where EMR puts step and container logs under a cluster's LogUri;
- `outputs`: the stack outputs the step runner reads, by name;
- `emulator`: where the local emulator listens unless told otherwise.
"""
