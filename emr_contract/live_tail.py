"""CloudWatch Logs Live Tail's limits: what the emulator serves and the step runner relies on.

From the StartLiveTail API reference
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartLiveTail.html), botocore's logs
service model, and the CloudWatch Logs quotas page
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html).
"""
from __future__ import annotations

UPDATE_SECONDS = 1.0
""""Every second, a LiveTailSessionUpdate object is sent" (API reference)."""
MAX_EVENTS_PER_UPDATE = 500
"""At most 500 log events per update; more are "sampled down to 500" (API reference; LiveTailSessionUpdate)."""
SESSION_SECONDS = 3 * 60 * 60.0
"""A SessionTimeoutException ends a session "after it has been kept open for three hours" (API reference)."""
MAX_LOG_GROUPS = 10
"""logGroupIdentifiers: 1 to 10 (the model's StartLiveTailLogGroupIdentifiers; quotas page: "Log groups scanned
per Live Tail session: 10")."""
MAX_STREAM_FILTERS = 100
"""logStreamNames / logStreamNamePrefixes: 1 to 100 items (the model's InputLogStreamNames)."""
MAX_CONCURRENT_SESSIONS = 15
"""Concurrent sessions per account and Region before LimitExceededException: the default of the adjustable quota
"Live Tail concurrent sessions limit" (L-D6990B80, quotas page)."""
