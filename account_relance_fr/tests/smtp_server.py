# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A small real SMTP server on 127.0.0.1 for the tests: Odoo's own sending
code (``ir.mail_server.connect``, ``smtplib``, the mail queue and its
post-processing) talks to it over a socket, as it talks to a relay in
production. It keeps every message it accepts, and can refuse recipients."""

import contextlib
import email
import email.policy
import socketserver
import threading
from unittest.mock import patch

import odoo.modules.module


class _Session(socketserver.StreamRequestHandler):
    """One SMTP session (RFC 5321 subset: what smtplib sends)."""

    timeout = 30

    def _reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        server = self.server
        self._reply("220 relance-test ESMTP ready")
        sender, recipients = None, []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                if verb == "HELO":
                    self._reply("250 relance-test")
                    continue
                for ext in ("250-relance-test", "250-8BITMIME", "250-SMTPUTF8"):
                    self._reply(ext)
                self._reply("250 SIZE 52428800")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip(), []
                self._reply("250 OK")
            elif verb == "RCPT":
                address = line.split(":", 1)[1].strip().strip("<>").split(">")[0]
                if server.refuse(address):
                    self._reply(f"550 5.1.1 <{address}>: mailbox unavailable")
                else:
                    recipients.append(address)
                    self._reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self._reply("554 no valid recipients")
                    continue
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data()
                server.accept(sender, recipients, data)
                self._reply("250 OK queued")
            elif verb == "RSET":
                sender, recipients = None, []
                self._reply("250 OK")
            elif verb == "NOOP":
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 command not implemented")

    def _read_data(self):
        chunks = []
        while True:
            raw = self.rfile.readline(1 << 20)
            if not raw or raw in (b".\r\n", b".\n"):
                break
            chunks.append(raw[1:] if raw.startswith(b"..") else raw)
        return b"".join(chunks)


class SmtpTestServer(socketserver.ThreadingTCPServer):
    """``with SmtpTestServer() as server:`` listens on ``server.port``;
    ``server.messages`` holds what it accepted, as ``email.message`` objects
    with ``envelope_from`` and ``envelope_to`` attributes."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Session)
        self.port = self.server_address[1]
        self.messages = []
        self.refused = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def refuse(self, address):
        return address.lower() in self.refused

    def accept(self, sender, recipients, data):
        message = email.message_from_bytes(data, policy=email.policy.default)
        message.envelope_from = sender.strip("<>")
        message.envelope_to = list(recipients)
        with self._lock:
            self.messages.append(message)

    def to(self, address):
        """The messages accepted for ``address``."""
        return [m for m in self.messages if address in m.envelope_to]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        self._thread.join(5)


@contextlib.contextmanager
def odoo_sending_to(env, server):
    """Odoo's outgoing mail server points to ``server``; Odoo really connects
    and sends (``current_test`` makes Odoo's test runner skip sending)."""
    mail_server = (
        env["ir.mail_server"]
        .sudo()
        .create(
            {
                "name": "Loopback test relay",
                "smtp_host": "127.0.0.1",
                "smtp_port": server.port,
                "smtp_encryption": "none",
                "sequence": 0,
            }
        )
    )
    with patch.object(odoo.modules.module, "current_test", False):
        yield mail_server
