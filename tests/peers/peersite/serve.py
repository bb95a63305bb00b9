"""Serve the site on 127.0.0.1 and a free port; print ``PORT <n>`` once listening."""
import os
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _LogHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        """One line per request on stderr: the request line and the status."""
        status = args[1] if len(args) > 1 else ""
        sys.stderr.write(f"{self.requestline} {status}\n")


def main():
    """Build the WSGI app, bind, announce the port, serve until killed."""
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    httpd = make_server("127.0.0.1", 0, app, server_class=_Server,
                        handler_class=_LogHandler)
    print(f"PORT {httpd.server_address[1]}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
