"""A local stand-in for Meta's Graph API (and a speech-to-text server), for scripts/bench-reminders
and scripts/soak.

Answers every POST /v25.0/<phone number id>/messages with a fresh wamid, and counts template sends
by their biz_opaque_callback_data and recipient. GET /stats answers
{"templates", "distinct_keys", "duplicate_keys", "distinct_recipients", "texts", "first_at",
"last_at", "reads", "media_lookups", "downloads", "transcriptions", "chat_completions"}.

With a MEDIA_FILE (the soak's voice notes), it also plays the rest of what a voice note needs:
  GET  /v25.0/<media id>           the media's URL, type and size (as Meta answers)
  GET  /media/<media id>           MEDIA_FILE's bytes
  POST /v1/audio/transcriptions    {"text": TRANSCRIPT} (OpenAI's speech-to-text answer)
  POST /v1/chat/completions        400: no language model here, the service's rules answer alone
and GET /sends?since=N lists every message sent after the N-th (wamid, to, type, text, buttons, callback),
GET /reads the read receipts per inbound wamid.
Usage: python3 fake_graph.py PORT [MEDIA_FILE [TRANSCRIPT]]
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Lock()
keys = {}
recipients = set()
state = {"templates": 0, "texts": 0, "first_at": None, "last_at": None, "reads": 0,
         "media_lookups": 0, "downloads": 0, "transcriptions": 0, "chat_completions": 0}
# Every message sent, in arrival order, and the read receipts by the wamid they mark.
sends = []
reads = {}
media = {"bytes": b"", "transcript": ""}
port = 0


def text_of(body):
    kind = body.get("type")
    if kind == "text":
        return body.get("text", {}).get("body", "")
    if kind == "interactive":
        return body.get("interactive", {}).get("body", {}).get("text", "")
    return ""


def buttons_of(body):
    if body.get("type") != "interactive":
        return []
    found = body.get("interactive", {}).get("action", {}).get("buttons", [])
    return [{"id": b.get("reply", {}).get("id"), "title": b.get("reply", {}).get("title")} for b in found]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle's algorithm on, each answer would wait
    # for the client's delayed ACK (40 ms), and the fake, not the service, would set the pace.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _answer(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        path = urlparse(self.path).path
        if path.endswith("/audio/transcriptions"):
            with lock:
                state["transcriptions"] += 1
            self._answer({"text": media["transcript"]})
            return
        if path.endswith("/chat/completions"):
            with lock:
                state["chat_completions"] += 1
            self._answer({"error": {"message": "no model here", "type": "invalid_request_error"}}, 400)
            return
        body = json.loads(raw or b"{}")
        now = time.time()
        if body.get("status") == "read":
            with lock:
                state["reads"] += 1
                wamid = body.get("message_id", "")
                reads[wamid] = reads.get(wamid, 0) + 1
            self._answer({"success": True})
            return
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
            wamid = f"wamid.BENCH{n}"
            sends.append({"wamid": wamid, "to": body.get("to", "").lstrip("+"), "type": body.get("type"),
                          "text": text_of(body), "buttons": buttons_of(body), "at": now,
                          "callback": body.get("biz_opaque_callback_data")})
            if state["first_at"] is None:
                state["first_at"] = now
            state["last_at"] = now
        self._answer({"messaging_product": "whatsapp", "messages": [{"id": wamid}]})

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/stats":
            with lock:
                stats = dict(state)
                stats["distinct_keys"] = len(keys)
                stats["duplicate_keys"] = sum(1 for n in keys.values() if n > 1)
                stats["distinct_recipients"] = len(recipients)
            self._answer(stats)
        elif url.path == "/sends":
            since = int(parse_qs(url.query).get("since", ["0"])[0])
            with lock:
                page = sends[since:]
            self._answer(page)
        elif url.path == "/reads":
            with lock:
                page = dict(reads)
            self._answer(page)
        elif url.path.startswith("/media/") and media["bytes"]:
            with lock:
                state["downloads"] += 1
            self.send_response(200)
            self.send_header("Content-Type", "audio/ogg")
            self.send_header("Content-Length", str(len(media["bytes"])))
            self.end_headers()
            self.wfile.write(media["bytes"])
        elif url.path.startswith("/v25.0/") and media["bytes"]:
            media_id = url.path.rsplit("/", 1)[-1]
            with lock:
                state["media_lookups"] += 1
            self._answer({"messaging_product": "whatsapp", "id": media_id,
                          "url": f"http://127.0.0.1:{port}/media/{media_id}",
                          "mime_type": "audio/ogg; codecs=opus", "file_size": str(len(media["bytes"]))})
        else:
            self._answer({"error": {"message": "unknown path"}}, 404)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A killed service's connections reset under the fake (the soak kills it on purpose).
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


if __name__ == "__main__":
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        with open(sys.argv[2], "rb") as f:
            media["bytes"] = f.read()
        media["transcript"] = sys.argv[3] if len(sys.argv) > 3 else ""
    Server(("127.0.0.1", port), Handler).serve_forever()
