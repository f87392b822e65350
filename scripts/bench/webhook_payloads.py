#!/usr/bin/env python3
"""Writes signed WhatsApp text-message webhooks for the ingest benchmark.

Usage: webhook_payloads.py OUT_DIR COUNT THREADS SECRET SENDERS
Each line of OUT_DIR/bodies-N.tsv is "sha256=<hex>\t<json body>", one file per wrk thread, every
wamid unique, senders cycling over SENDERS phones (9198000000xx..., registered by the script).
`envelope` and `sign` are also what scripts/bench/soak.py builds its webhooks with.
"""
import hashlib
import hmac
import json
import sys

PHONE_NUMBER_ID = "106540352242922"


def envelope(sender, message, user_id=None):
    """The webhook Meta posts for one message (a dict with id, type, ...) from `sender`, as bytes."""
    contact = {"profile": {"name": "Bench Kirana"}, "wa_id": sender}
    if user_id is not None:
        contact["user_id"] = user_id
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [contact],
            "messages": [dict({"from": sender}, **message)],
        }}]}],
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def status_envelope(wamid, recipient, status, timestamp, callback=None):
    """The webhook Meta posts when a message we sent moves on (sent, delivered, read), as bytes;
    `callback` is the send's biz_opaque_callback_data, which Meta echoes on every status."""
    state = {"id": wamid, "status": status, "timestamp": str(timestamp), "recipient_id": recipient}
    if callback:
        state["biz_opaque_callback_data"] = callback
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [state],
        }}]}],
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret, raw):
    """The X-Hub-Signature-256 header of `raw` under the app secret (bytes)."""
    return "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()


if __name__ == "__main__":
    out, count, threads, secret, senders = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].encode(), int(sys.argv[5])
    files = [open(f"{out}/bodies-{t}.tsv", "w") for t in range(threads)]
    for n in range(count):
        sender = f"91980{n % senders:07d}"
        raw = envelope(sender, {"id": f"wamid.BENCH{n:09d}", "timestamp": "1795000000",
                                "type": "text", "text": {"body": "Rahul ne 200 UPI kiya"}},
                       user_id=f"IN.{13491208655302741918 + n % senders}")
        files[n % threads].write(sign(secret, raw) + "\t" + raw.decode() + "\n")
    for f in files:
        f.close()
