"""`--follow`: each running step's log lines while it runs, from the best source that works: CloudWatch Logs Live
Tail (live.py), FilterLogEvents polling (polling.py), S3 (s3_tail.py); the follower that tries them in turn
(follower.py) and what they all speak (lines.py)."""
from .follower import FollowedLines, LogFollower
from .lines import FollowTarget, LineSource, LogLine, split_message
from .polling import CloudWatchSource
from .live import LiveTailSource
from .s3_tail import S3TailSource

__all__ = ["CloudWatchSource", "FollowedLines", "FollowTarget", "LineSource", "LiveTailSource", "LogFollower", "LogLine",
           "S3TailSource", "split_message"]
