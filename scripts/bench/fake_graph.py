"""A local stand-in for Meta's Graph API messages endpoint, for scripts/bench-reminders.

Answers every POST /v25.0/<phone number id>/messages with a wamid, and counts template sends by
their biz_opaque_callback_data and recipient. GET /stats answers
{"templates", "distinct_keys", "duplicate_keys", "distinct_recipients", "texts", "first_at", "last_at"}.
Usage: python3 fake_graph.py PORT
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
keys = {}
recipients = set()
state = {"templates": 0, "texts": 0, "first_at": None, "last_at": None}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle's algorithm on, each answer would wait
    # for the client's delayed ACK (40 ms), and the fake, not the service, would set the pace.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        now = time.time()
        with lock:
            if body.get("type") == "template":
                key = body.get("biz_opaque_callback_data", "")
                keys[key] = keys.get(key, 0) + 1
                recipients.add(body.get("to", ""))
                state["templates"] += 1
                n = state["templates"]
            else:
                state["texts"] += 1
                n = -state["texts"]
            if state["first_at"] is None:
                state["first_at"] = now
            state["last_at"] = now
        self._answer({"messaging_product": "whatsapp", "messages": [{"id": f"wamid.BENCH{n}"}]})

    def do_GET(self):
        with lock:
            stats = dict(state)
            stats["distinct_keys"] = len(keys)
            stats["duplicate_keys"] = sum(1 for n in keys.values() if n > 1)
            stats["distinct_recipients"] = len(recipients)
        self._answer(stats)


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
