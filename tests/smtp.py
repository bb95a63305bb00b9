"""A real SMTP server in the test process (aiosmtpd), collecting parsed messages."""

import email
import socket
import threading
import time
from email import policy

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, smtp_server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server, session, envelope):  # noqa: N802 (aiosmtpd API)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.server.received(envelope.rcpt_tos, message)
        return "250 Message accepted for delivery"


class SMTPServer:
    """Start/stop an SMTP server on a fixed port; `messages` holds what it received."""

    def __init__(self):
        self.port = free_port()
        self.messages = []
        self._controller = None
        self._cond = threading.Condition()

    def received(self, rcpt_tos, message):
        with self._cond:
            self.messages.append(message)
            self._cond.notify_all()

    @property
    def running(self):
        return self._controller is not None

    def start(self):
        if self._controller is None:
            self._controller = Controller(_Collector(self), hostname="127.0.0.1",
                                          port=self.port, ready_timeout=10)
            self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self):
        with self._cond:
            self.messages.clear()

    def wait_for(self, count, timeout=10.0):
        """Wait until `count` messages arrived; return them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self.messages)

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


def parts(message):
    """(text, html) bodies of a parsed message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (text.get_content() if text else None, html.get_content() if html else None)
