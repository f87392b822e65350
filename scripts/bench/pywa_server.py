#!/usr/bin/env python3
"""The peer for the ingest benchmark: pywa's webhook server on FastAPI, signature validation on.

Run: uvicorn --app-dir scripts/bench pywa_server:app --port 3901 --workers 2 --log-level warning
The handler counts messages (pywa has parsed and verified them by then) and does nothing else.
"""
import os

from fastapi import FastAPI
from pywa import WhatsApp, filters, types

app = FastAPI()
received = 0

wa = WhatsApp(
    phone_id="106540352242922",
    token="bench-token",
    server=app,
    verify_token="bench-verify",
    app_secret=os.environ.get("WHATSAPP_APP_SECRET", "bench_secret"),
    validate_updates=True,
    webhook_endpoint="/webhooks/whatsapp",
)


@wa.on_message()
def on_message(_: WhatsApp, message: types.Message) -> None:
    global received
    received += 1
