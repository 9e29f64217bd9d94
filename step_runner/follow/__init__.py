"""`--follow`: each running step's log lines while it runs, from the best source that works: CloudWatch Logs Live
Tail (live.py), FilterLogEvents polling (follower.py, which also holds the follower itself), S3 (s3_tail.py)."""
from .follower import CloudWatchSource, FollowedLogs, FollowTarget, LineSource, LogFollower, LogLine, split_message
from .live import LiveTailSource
from .s3_tail import S3TailSource

__all__ = ["CloudWatchSource", "FollowedLogs", "FollowTarget", "LineSource", "LiveTailSource", "LogFollower", "LogLine",
           "S3TailSource", "split_message"]
