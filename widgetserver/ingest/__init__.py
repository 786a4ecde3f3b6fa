"""Browser event ingest: a short pipeline of small named steps.

``parse`` → ``resolve_site`` → ``check_origin`` → ``drop_bots`` → ``validate`` →
``hash_visitor`` → ``attribute`` → ``store``, then ``count_drops``. The first four judge the
whole request and refuse it with an error; the rest judge each event and reject it with a
named reason. Every refusal and rejection is counted per site, day and reason.
"""

from .pipeline import Batch, Refused, Rejection, run

__all__ = ["Batch", "Refused", "Rejection", "run"]
