"""Store emails through an outbox table.

`enqueue()` writes a row in the caller's transaction; after that transaction commits, the
app's outbox worker (a thread in the serving process) claims the row, renders it and
sends it over SMTP, retrying with backoff while SMTP is unreachable. `flask mail flush`
does the same from the command line.
"""

from app.mail.outbox import enqueue, flush_due

__all__ = ["enqueue", "flush_due"]
