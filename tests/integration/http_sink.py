#!/usr/bin/python3
"""http_sink: a case system's web service for test_adapter_rest, on 127.0.0.1.

    http_sink.py --dir DIR [--port N] [--store DB]
                 [--tls CERT KEY [--client-ca CA]]

Listens on port N (0, the default: the kernel picks one) and, once it
listens, writes the port to DIR/port. Every POST is recorded, whole, as
DIR/requests/NNNNNN.json (numbered on across restarts):
    {"method", "path", "headers": {lower-case name: value}, "body",
     "clientSubject": a TLS client certificate's CN or null,
     "committed": for /ack with --store, whether its messageId was in that
                  SQLite store's outbox when the ack arrived}
Flag files in DIR steer it, by the path's first segment SEG ("inbound" for
/inbound):
    status-SEG   POSTs to SEG get this status (the file holds the number;
                 default 200) with a body the client must never repeat
    hang-SEG     a POST to SEG is recorded, then held until the file is
                 removed (at most 120 s), then answered
GET /outbound answers DIR/items.json ("[]" when there is none). A POST to
/ack answered 2xx removes the item with its "id" from items.json, as a case
system drops what famlink confirmed. Stopped by SIGTERM.
"""
import argparse
import http.server
import json
import os
import sqlite3
import ssl
import threading
import time

LOCK = threading.Lock()
HANG_MAX_S = 120


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "http_sink"

    def log_message(self, fmt, *args):
        pass

    def flag(self, name):
        return os.path.join(self.server.dir, name + "-" + self.segment())

    def segment(self):
        return self.path.strip("/").split("/")[0].split("?")[0]

    def answer(self, status, body):
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass   # the client is gone (time-out, kill -9): nothing to say

    def client_subject(self):
        getpeercert = getattr(self.connection, "getpeercert", None)
        cert = getpeercert() if getpeercert else None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    def committed(self, body):
        if self.server.store is None or self.segment() != "ack":
            return None
        try:
            message_id = json.loads(body).get("messageId")
            db = sqlite3.connect("file:%s?mode=ro" % self.server.store, uri=True, timeout=5)
            try:
                row = db.execute("SELECT count(*) FROM outbox WHERE message_id = ?",
                                 (message_id,)).fetchone()
            finally:
                db.close()
            return row[0] == 1
        except (ValueError, AttributeError, sqlite3.Error):
            return False

    def record(self, body):
        entry = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
            "clientSubject": self.client_subject(),
            "committed": self.committed(body),
        }
        folder = os.path.join(self.server.dir, "requests")
        with LOCK:
            n = len([f for f in os.listdir(folder) if f.endswith(".json")])
            write_atomic(os.path.join(folder, "%06d.json" % n), json.dumps(entry))

    def drop_item(self, body):
        items_path = os.path.join(self.server.dir, "items.json")
        try:
            item_id = json.loads(body).get("id")
        except (ValueError, AttributeError):
            return
        with LOCK:
            try:
                with open(items_path) as f:
                    items = json.load(f)
            except (OSError, ValueError):
                return
            kept = [i for i in items if not (isinstance(i, dict) and i.get("id") == item_id)]
            write_atomic(items_path, json.dumps(kept))

    def do_GET(self):
        if self.segment() != "outbound":
            return self.answer(404, "{}")
        try:
            with open(os.path.join(self.server.dir, "items.json")) as f:
                text = f.read()
        except OSError:
            text = "[]"
        self.answer(200, text)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        self.record(body)
        hang = self.flag("hang")
        waited = 0.0
        while os.path.exists(hang) and waited < HANG_MAX_S:
            time.sleep(0.02)
            waited += 0.02
        try:
            with open(self.flag("status")) as f:
                status = int(f.read().strip())
        except (OSError, ValueError):
            status = 200
        if 200 <= status < 300 and self.segment() == "ack":
            self.drop_item(body)
        self.answer(status, '{"detail": "SINK-ANSWER-BODY"}')


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--store")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--client-ca")
    a = p.parse_args()
    os.makedirs(os.path.join(a.dir, "requests"), exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Sink)
    server.daemon_threads = True
    server.dir = a.dir
    server.store = a.store
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    write_atomic(os.path.join(a.dir, "port"), "%d\n" % server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
