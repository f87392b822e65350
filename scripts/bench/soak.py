#!/usr/bin/env python3
"""Soak under faults (docs/PERFORMANCE.md, "Soak"): signed webhooks at RATE a second for DURATION
seconds into running `execora serve` processes that answer through a fake Graph API, each process
SIGKILLed and started again KILLS times in all, then a reconciliation of what was acknowledged
against the database and the fake. Run through scripts/soak (settings are its environment).

Traffic, from SHOPS registered shop phones (each with two customers, all seeded through the CLI):
payments and udhaar to a known customer (each must book exactly once: one operation keyed
`<wamid>#0`, one ledger entry), balance and day-summary questions (must book nothing), payments to
an unknown name (the bot asks with reply buttons; the fake's buttons are tapped back as
`button_reply` webhooks), voice notes (media lookup and download at the fake, speech-to-text at
its OpenAI-compatible endpoint; the transcript is a payment, which must book once), exact
duplicates posted concurrently, Meta-style redeliveries of acknowledged messages, and every
refused or unanswered delivery retried, as Meta does, until it is acknowledged.

Exit status 1 when anything does not reconcile; the table says what.
"""
import csv
import heapq
import http.client
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from webhook_payloads import PHONE_NUMBER_ID, envelope, sign, status_envelope  # noqa: E402

SECRET = b"soak_secret"
PREFIX = "wamid.soak."
TRANSCRIPT = "Ramesh Yadav ne 50 rupaye diye"
VOICE_FILE = os.path.join(ROOT, "fixtures", "audio", "payment_hi.ogg")
# Inbound claims a killed worker held are put back once it has been silent for 20 s, by the
# survivors' (or the restarted process's) check every 5 s (engine::claimants): the drain must
# outlast that when anything was killed.
# EXECORA_RESEND_UNCONFIRMED_AFTER for the servers; their sweep runs every 60 s after it.
RESEND_UNCONFIRMED_SECONDS = 60

FIRST = ["Amit", "Bholu", "Chintu", "Deepak", "Ganesh", "Harish", "Imran", "Jagdish", "Kamal", "Lalit",
         "Manoj", "Naresh", "Om", "Pankaj", "Qasim", "Raju", "Sanjay", "Tarun", "Umesh", "Vijay",
         "Wasim", "Yogesh", "Zakir", "Anil", "Bablu", "Chetan", "Dinesh", "Gopal", "Hemant", "Jeetu"]
LAST = ["Verma", "Gupta", "Sharma", "Singh", "Khan", "Mishra", "Jain", "Agarwal", "Chauhan", "Thakur",
        "Pandey", "Tiwari", "Dubey", "Saxena", "Bansal", "Mehta", "Joshi", "Rawat", "Negi", "Bisht"]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def shop_phone(n):
    return f"91982{n:07d}"


def proc_status(pid):
    """VmRSS and VmHWM (KiB) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


class Database:
    """Read-only queries against the run's database: sqlite3 for SQLite, psql for PostgreSQL."""

    def __init__(self, url):
        self.url = url

    def rows(self, sql):
        if self.url.startswith("sqlite://"):
            db = sqlite3.connect(f"file:{self.url[len('sqlite://'):]}?mode=ro", uri=True, timeout=30)
            try:
                return [tuple(r) for r in db.execute(sql)]
            finally:
                db.close()
        out = subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", self.url, "-c",
                              f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(r) for r in csv.reader(io.StringIO(out))]


class Message:
    __slots__ = ("n", "wamid", "sender", "kind", "raw", "signature", "acked", "attempts", "refusals",
                 "duplicate", "redeliver", "text")

    def __init__(self, n, wamid, sender, kind, message, text, raw=None):
        self.n, self.wamid, self.sender, self.kind, self.text = n, wamid, sender, kind, text
        self.raw = raw if raw is not None else envelope(
            sender, dict({"id": wamid, "timestamp": str(int(time.time()))}, **message))
        self.signature = sign(SECRET, self.raw)
        self.acked = False
        self.attempts = 0
        self.refusals = 0
        self.duplicate = False
        self.redeliver = False


# What each kind of message must book: one operation `<wamid>#0` with one ledger entry, or none.
BOOKS_ONCE = {"payment", "udhaar", "voice"}
BOOKS_NOTHING = {"balance", "summary"}


class Soak:
    def __init__(self):
        self.rate = env_int("RATE", 500)
        self.duration = env_int("DURATION", 600)
        self.kills = env_int("KILLS", 5)
        self.database = os.environ.get("DATABASE", "sqlite")
        self.processes = env_int("PROCESSES", 2 if self.database == "postgres" else 1)
        self.shops = env_int("SHOPS", 100)
        self.voice = os.environ.get("VOICE", "1") != "0"
        self.bin = os.environ["EXECORA_BIN"]
        self.work = os.environ["SOAK_WORK"]
        self.database_url = os.environ["SOAK_DATABASE_URL"]
        self.db = Database(self.database_url)
        self.graph_port = free_port()
        self.ports = [free_port() for _ in range(self.processes)]
        self.lock = threading.Lock()
        self.messages = {}
        self.deliveries = 0
        self.duplicates_posted = 0
        self.redeliveries_posted = 0
        self.refused = {}
        self.delayed = []  # heap of (due, seq, message, is_copy)
        self.seq = 0
        self.work_queue = []  # heap of (due, seq, message, is_copy) ready to post
        self.cv = threading.Condition(self.lock)
        self.taps = 0
        self.question_counter = {}
        self.sends_seen = 0
        self.statuses_planned = 0
        self.status_posts = []  # Message items carrying status webhooks
        self.loading = True
        self.stopping = False
        self.servers = [None] * self.processes
        self.incarnations = []  # dicts: process, started, ready_s, idle_rss, hwm, end
        self.kill_log = []
        self.errors_in_logs = 0

    # ---- processes -------------------------------------------------------------------------------
    def server_env(self, port):
        env = dict(os.environ)
        for name in list(env):
            if name.startswith(("EXECORA_", "WHATSAPP_", "OPENAI_", "DEEPGRAM_", "ELEVENLABS_")):
                del env[name]
        env.update({
            "DATABASE_URL": self.database_url, "HOST": "127.0.0.1", "PORT": str(port),
            "PUBLIC_URL": "https://execora.example", "RUST_LOG": "warn",
            "WHATSAPP_VERIFY_TOKEN": "soak", "WHATSAPP_APP_SECRET": SECRET.decode(),
            "WHATSAPP_ACCESS_TOKEN": "soak-token", "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_API_BASE": f"http://127.0.0.1:{self.graph_port}/v25.0",
            "WHATSAPP_MESSAGES_PER_SECOND": "1000", "EXECORA_MESSAGES_PER_MINUTE": "1000",
            "EXECORA_RECORDINGS_URL": os.path.join(self.work, "recordings"),
            # A reply a kill left unsent goes again a minute on (600 s in production), so the
            # drain sees it sent.
            "EXECORA_RESEND_UNCONFIRMED_AFTER": str(RESEND_UNCONFIRMED_SECONDS),
        })
        # SERVER_ENV="EXECORA_INBOUND_CONCURRENCY=16 …": settings tried for one run, applied last.
        for setting in os.environ.get("SERVER_ENV", "").split():
            name, _, value = setting.partition("=")
            env[name] = value
        if self.voice:
            # Speech-to-text at the fake's OpenAI-compatible endpoint; no spoken replies. The key
            # also turns the language model on: the fake refuses it, and the rules answer alone.
            env.update({"OPENAI_API_KEY": "soak-key", "OPENAI_BASE_URL": f"http://127.0.0.1:{self.graph_port}/v1",
                        "EXECORA_STT": "openai", "EXECORA_TTS": "off"})
        return env

    def start(self, index):
        port = self.ports[index]
        log = open(os.path.join(self.work, f"serve-{index}.log"), "ab")
        started = time.monotonic()
        child = subprocess.Popen([self.bin, "serve"], cwd=self.work, env=self.server_env(port),
                                 stdout=log, stderr=subprocess.STDOUT)
        ready = None
        while time.monotonic() - started < 120:
            if child.poll() is not None:
                raise SystemExit(f"execora serve exited with {child.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    if r.status == 200:
                        ready = time.monotonic() - started
                        break
            except OSError:
                pass
            time.sleep(0.01)
        if ready is None:
            raise SystemExit(f"execora serve on {port} not ready in 120 s")
        record = {"process": index, "pid": child.pid, "ready_s": ready, "idle_rss": None, "hwm": 0,
                  "rss_end": None, "end": None, "started_at": time.monotonic()}
        with self.lock:
            self.servers[index] = (child, record)
            self.incarnations.append(record)
        return record

    def sample(self, index):
        child, record = self.servers[index]
        status = proc_status(child.pid)
        if status:
            record["rss_end"], record["hwm"] = status[0], max(record["hwm"], status[1])

    def kill(self, index):
        child, record = self.servers[index]
        self.sample(index)
        child.send_signal(signal.SIGKILL)
        child.wait()
        record["end"] = "SIGKILL"
        self.kill_log.append((round(time.monotonic() - self.t0, 1), index))
        self.start(index)

    def stop_all(self):
        for index in range(self.processes):
            child, record = self.servers[index]
            self.sample(index)
            child.send_signal(signal.SIGTERM)
        for index in range(self.processes):
            child, record = self.servers[index]
            try:
                code = child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                code = "killed after 60 s"
            record["end"] = f"SIGTERM, exit {code}"

    # ---- seeding ---------------------------------------------------------------------------------
    def seed(self):
        env = self.server_env(0)

        def one(n):
            phone = shop_phone(n)
            subprocess.run([self.bin, "merchant", "add", "--name", f"Soak Kirana {n}", "--phone", phone],
                           cwd=self.work, env=env, check=True, capture_output=True)
            chat = subprocess.run([self.bin, "chat", "--merchant", phone], cwd=self.work, env=env,
                                  input=b"naya customer Ramesh Yadav\nnaya customer Suresh Patel\nexit\n",
                                  check=True, capture_output=True)
            if chat.stdout.count("jod diya".encode()) != 2:
                raise SystemExit(f"seeding shop {phone}: {chat.stdout.decode()}")

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(one, range(self.shops)))

    # ---- traffic ---------------------------------------------------------------------------------
    def plan(self, n):
        """The n-th message of the run: its kind follows n, so the mix is the same on every run."""
        sender = shop_phone(n % self.shops)
        amount = 10 + (n * 7) % 490
        slot = n % 20
        if slot in (16, 17) and self.voice:
            media_id = f"8{n:014d}"
            return "voice", {"type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus", "id": media_id,
                                                        "sha256": "soak", "voice": True}}, TRANSCRIPT
        if slot < 6 or slot in (16, 17):
            text, kind = f"Ramesh Yadav ne {amount} diye", "payment"
        elif slot < 10:
            text, kind = f"Suresh Patel ko {amount} udhaar", "udhaar"
        elif slot < 13:
            text, kind = "Ramesh Yadav ka balance", "balance"
        elif slot == 13:
            text, kind = "aaj ka hisaab", "summary"
        elif slot < 16:
            k = self.question_counter.get(sender, 0)
            self.question_counter[sender] = k + 1
            name = f"{FIRST[k % len(FIRST)]} {LAST[(k // len(FIRST)) % len(LAST)]}"
            text, kind = f"{name} ne {amount} diye", "question"
        else:
            text, kind = f"Suresh Patel ne {amount} diye", "payment"
        return kind, {"type": "text", "text": {"body": text}}, text

    def push(self, message, due, is_copy=False):
        with self.cv:
            self.seq += 1
            heapq.heappush(self.work_queue, (due, self.seq, message, is_copy))
            self.cv.notify()

    def poster(self):
        connections = {}
        while True:
            with self.cv:
                while not self.stopping and (not self.work_queue or self.work_queue[0][0] > time.monotonic()):
                    wait = self.work_queue[0][0] - time.monotonic() if self.work_queue else 0.5
                    self.cv.wait(timeout=max(0.001, min(wait, 0.5)))
                if self.stopping:
                    break
                due, _, message, is_copy = heapq.heappop(self.work_queue)
                message.attempts += 1
                self.deliveries += 1
                port = self.ports[(message.n + message.attempts) % len(self.ports)]
            status = None
            try:
                conn = connections.get(port)
                if conn is None:
                    conn = connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/webhooks/whatsapp", body=message.raw,
                             headers={"Content-Type": "application/json", "X-Hub-Signature-256": message.signature})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                conn = connections.pop(port, None)
                if conn is not None:
                    conn.close()
            with self.lock:
                if status == 200:
                    first = not message.acked
                    message.acked = True
                    if first and message.redeliver:
                        # Meta sometimes delivers a message again although it was acknowledged.
                        self.redeliveries_posted += 1
                        self.seq += 1
                        heapq.heappush(self.work_queue, (time.monotonic() + 10, self.seq, message, True))
                        self.cv.notify()
                else:
                    self.refused[status] = self.refused.get(status, 0) + 1
                    message.refusals += 1
            if status != 200 and not is_copy and not message.acked:
                # Unacknowledged: delivered again, as Meta does, sooner here (1 s, then 2 s ... 5 s).
                self.push(message, time.monotonic() + min(5, message.refusals))

    def tapper(self):
        """Taps the first reply button of every question the bot sends, as the merchant would."""
        while not self.stopping:
            time.sleep(0.3)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.graph_port}/sends?since={self.sends_seen}",
                                            timeout=10) as r:
                    page = json.load(r)
            except OSError:
                continue
            self.sends_seen += len(page)
            # Every message the bot sent is delivered, then read, as Meta reports: two status
            # webhooks, the "read" one first for every fifth (statuses arrive out of order), and
            # posted again like any webhook until acknowledged.
            for sent in page:
                if not sent.get("wamid"):
                    continue
                with self.lock:
                    self.statuses_planned += 1
                    k = self.statuses_planned
                order = ["read", "delivered"] if k % 5 == 0 else ["delivered", "read"]
                for offset, status in enumerate(order):
                    raw = status_envelope(sent["wamid"], sent["to"], status, int(time.time()), sent.get("callback"))
                    item = Message(k, sent["wamid"], sent["to"], "status:" + status, {}, status, raw=raw)
                    with self.lock:
                        self.status_posts.append(item)
                    # A second after the send, as Meta's statuses come: the sender has recorded it.
                    self.push(item, time.monotonic() + 1.0 + 0.05 * offset)
            if not self.loading:
                continue
            for sent in page:
                if not sent["buttons"] or not sent["to"].startswith("91982"):
                    continue
                with self.lock:
                    self.taps += 1
                    n = self.taps
                button = sent["buttons"][0]
                wamid = f"{PREFIX}t{n:08d}"
                message = Message(n, wamid, sent["to"], "tap", {
                    "context": {"from": "15550783881", "id": sent["wamid"]}, "type": "interactive",
                    "interactive": {"type": "button_reply", "button_reply": button}}, button["title"])
                with self.lock:
                    self.messages[wamid] = message
                self.push(message, time.monotonic())

    def sampler(self):
        while not self.stopping:
            time.sleep(1)
            with self.lock:
                live = [i for i in range(self.processes) if self.servers[i]]
            for index in live:
                try:
                    self.sample(index)
                except (TypeError, ProcessLookupError):
                    pass

    # ---- the run ---------------------------------------------------------------------------------
    def run(self):
        print(f"seeding {self.shops} shops (merchant add + 2 customers by chat) ...", flush=True)
        seeded = time.monotonic()
        self.seed()
        print(f"  seeded in {time.monotonic() - seeded:.1f} s", flush=True)
        args = ["python3", os.path.join(HERE, "fake_graph.py"), str(self.graph_port)]
        if self.voice:
            args += [VOICE_FILE, TRANSCRIPT]
        fake = subprocess.Popen(args)
        try:
            return self.drive()
        finally:
            fake.terminate()
            fake.wait()

    def drive(self):
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.graph_port}/stats", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        for index in range(self.processes):
            self.start(index)
        time.sleep(3)
        for record in self.incarnations:
            status = proc_status(record["pid"])
            record["idle_rss"] = status[0] if status else None
        threads = [threading.Thread(target=self.poster, daemon=True) for _ in range(48)]
        threads += [threading.Thread(target=self.tapper, daemon=True), threading.Thread(target=self.sampler, daemon=True)]
        for t in threads:
            t.start()
        total = self.rate * self.duration
        kill_at = [self.duration * (k + 1) / (self.kills + 1) for k in range(self.kills)]
        print(f"posting {total} messages at {self.rate}/s for {self.duration} s to {self.processes} process(es), "
              f"SIGKILL at {', '.join(f'{t:.0f}' for t in kill_at) or 'never'} s", flush=True)
        self.t0 = time.monotonic()
        self.t0_ms = time.time() * 1000

        def killer():
            for k, at in enumerate(kill_at):
                time.sleep(max(0, self.t0 + at - time.monotonic()))
                self.kill(k % self.processes)

        killing = threading.Thread(target=killer, daemon=True)
        killing.start()
        for n in range(total):
            due = self.t0 + n / self.rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            kind, body, text = self.plan(n)
            message = Message(n, f"{PREFIX}{n:08d}", shop_phone(n % self.shops), kind, body, text)
            message.duplicate = n % 50 == 7
            message.redeliver = n % 50 == 23
            with self.lock:
                self.messages[message.wamid] = message
            self.push(message, time.monotonic())
            if message.duplicate:
                with self.lock:
                    self.duplicates_posted += 1
                self.push(message, time.monotonic(), True)
            if n % (self.rate * 10) == 0 and n:
                self.progress()
        killing.join()
        load_seconds = time.monotonic() - self.t0
        # Everything acknowledged (the retries go on, as Meta's do) and the redeliveries posted:
        # waited for while acknowledgements keep coming, given up a minute after the last one.
        # When the servers acknowledged is reported ("all acknowledged at").
        last_progress, last_waiting = time.monotonic(), None
        while time.monotonic() - last_progress < 60:
            with self.lock:
                waiting = sum(1 for m in self.messages.values() if not m.acked) + len(self.work_queue)
            if not waiting:
                break
            if last_waiting is None or waiting < last_waiting:
                last_progress, last_waiting = time.monotonic(), waiting
            time.sleep(0.5)
        self.loading = False
        acked_at = time.monotonic() - self.t0
        self.progress()
        drained, drain_seconds = self.drain()
        self.stopping = True
        with self.cv:
            self.cv.notify_all()
        self.stop_all()
        return self.reconcile(load_seconds, acked_at, drained, drain_seconds)

    def progress(self):
        with self.lock:
            acked = sum(1 for m in self.messages.values() if m.acked)
            posted = len(self.messages)
        counts = dict(self.db.rows(f"SELECT status, COUNT(*) FROM messages WHERE direction = 'in' "
                                   f"AND wa_message_id LIKE '{PREFIX}%' GROUP BY status"))
        print(f"  t={time.monotonic() - self.t0:6.1f} s posted {posted} acknowledged {acked} | stored by status "
              f"{dict(sorted(counts.items()))}", flush=True)

    def drain(self):
        """Waits until every stored message is processed and every reply has left the queue, or
        nothing moved for DRAIN_SECONDS (longer than the requeue of a killed worker's claims when
        anything was killed): a slow machine's backlog is waited for, a stuck one is not."""
        started = time.monotonic()
        limit = env_int("DRAIN_SECONDS", RESEND_UNCONFIRMED_SECONDS + 90 if self.kills else 120)
        last_report = last_move = started
        last_left = None
        while time.monotonic() - last_move < limit:
            waiting = self.db.rows(
                f"SELECT COUNT(*) FROM messages WHERE direction = 'in' AND wa_message_id LIKE '{PREFIX}%' "
                "AND status IN ('received', 'deferred', 'processing')")[0][0]
            # Replies queued, or claimed by a killed process and never recorded (sent again after
            # the servers' EXECORA_RESEND_UNCONFIRMED_AFTER, unless a tagged status records them).
            queued = self.db.rows("SELECT COUNT(*) FROM messages WHERE direction = 'out' AND (status = 'queued' "
                                  "OR (status = 'sending' AND wa_message_id IS NULL))")[0][0]
            left = int(waiting) + int(queued)
            if last_left is None or left < last_left:
                last_move, last_left = time.monotonic(), left
            if left == 0:
                time.sleep(1)  # a last poll by the tapper, the fake's counts settle
                return True, time.monotonic() - started
            if time.monotonic() - last_report > 15:
                last_report = time.monotonic()
                print(f"  draining: {waiting} inbound waiting or claimed, {queued} replies queued", flush=True)
            time.sleep(1)
        return False, time.monotonic() - started

    # ---- reconciliation --------------------------------------------------------------------------
    def reconcile(self, load_seconds, acked_at, drained, drain_seconds):
        violations = []
        msgs = self.messages
        acked = {w: m for w, m in msgs.items() if m.acked}
        inbound = {r[1]: (int(r[0]), r[2], int(r[3]), int(r[4])) for r in self.db.rows(
            f"SELECT id, wa_message_id, status, attempts, updated_at FROM messages WHERE direction = 'in' "
            f"AND wa_message_id LIKE '{PREFIX}%'")}
        # When the messages were done, from the first post: the pace the workers kept, apart from
        # the few a kill cut mid-work (they wait until their killed worker is found silent).
        done = sorted((v[3] - self.t0_ms) / 1000 for v in inbound.values() if v[1] == "processed")
        requeued = [w for w, v in inbound.items() if v[2] > 1]
        bulk = done[len(done) - len(requeued) - 1] if len(done) > len(requeued) else float("nan")
        by_id = {v[0]: w for w, v in inbound.items()}
        outbound = self.db.rows("SELECT id, in_reply_to, status, wa_message_id, peer, body, kind "
                                "FROM messages WHERE direction = 'out'")
        # Status webhooks: every reply whose "read" was acknowledged is `read` now, whatever order
        # "delivered" and "read" came in (statuses only move forward).
        with self.lock:
            status_posts = list(self.status_posts)
        out_status = {row[3]: row[2] for row in outbound if row[3] not in (None, "")}
        read_acked = {m.wamid for m in status_posts if m.kind == "status:read" and m.acked}
        left_behind = sorted(w for w in read_acked if w in out_status and out_status[w] != "read")
        never_recorded = [w for w in read_acked if w not in out_status]
        replies = {}
        for row in outbound:
            if row[1] not in (None, "") and int(row[1]) in by_id:
                replies.setdefault(by_id[int(row[1])], []).append(row)
        ops = {}
        # One join, grouped: a correlated count per operation read the shop's whole ledger each
        # time before the ledger had an index by operation (minutes at 210,000 operations).
        for key, entries in self.db.rows(
                "SELECT o.idempotency_key, COUNT(l.id) FROM operations o LEFT JOIN ledger_entries l "
                "ON l.merchant_id = o.merchant_id AND l.operation_id = o.id "
                f"WHERE o.idempotency_key LIKE '{PREFIX}%' GROUP BY o.id, o.idempotency_key"):
            ops[key] = int(entries)
        with urllib.request.urlopen(f"http://127.0.0.1:{self.graph_port}/sends?since=0", timeout=30) as r:
            sends = json.load(r)
        with urllib.request.urlopen(f"http://127.0.0.1:{self.graph_port}/stats", timeout=30) as r:
            fake_stats = json.load(r)

        missing = sorted(w for w in acked if w not in inbound)
        statuses = {}
        for w in acked:
            if w in inbound:
                statuses[inbound[w][1]] = statuses.get(inbound[w][1], 0) + 1
        unfinished = sorted(w for w in acked if w in inbound and inbound[w][1] not in ("processed", "dead"))
        dead = sorted(w for w in acked if w in inbound and inbound[w][1] == "dead")
        never_acked = sorted(w for w, m in msgs.items() if not m.acked)
        stored_unacked = sorted(w for w in never_acked if w in inbound)

        reply_counts = {}
        no_reply, many_replies = [], []
        for w in acked:
            if w not in inbound or inbound[w][1] != "processed":
                continue
            count = len(replies.get(w, []))
            reply_counts[count] = reply_counts.get(count, 0) + 1
            if count == 0:
                no_reply.append(w)
            elif count > 1:
                many_replies.append(w)

        # Every send the fake accepted is a reply row's wamid, or the send of a row a kill left
        # `sending` (accepted, never recorded); anything else went out twice.
        db_wamids = {row[3] for row in outbound if row[3]}
        orphans = [s for s in sends if s["wamid"] not in db_wamids]
        sending_rows = [row for row in outbound if row[2] == "sending"]
        unmatched_orphans = []
        matched = set()
        # Each send is tagged with its reply's id (biz_opaque_callback_data): an orphan is the
        # send of a row still `sending` (accepted, its record and its statuses lost), or a reply
        # sent twice.
        by_row = {int(row[0]): row for row in sending_rows}
        for s in orphans:
            tag = s.get("callback") or ""
            row_id = int(tag.split(":", 1)[1]) if tag.startswith("execora-reply:") else None
            if row_id in by_row and row_id not in matched:
                matched.add(row_id)
            else:
                unmatched_orphans.append(s)
        lost_at_kill = [row for row in sending_rows if int(row[0]) not in matched]
        reply_status = {}
        for w, rows in replies.items():
            for row in rows:
                reply_status[row[2]] = reply_status.get(row[2], 0) + 1
        # Sent, then moved on by the status webhooks (delivered, read): all went out.
        went_out = ("sent", "delivered", "read")
        sent_rows = [row for rows in replies.values() for row in rows if row[2] in went_out]
        fake_wamids = {s["wamid"] for s in sends}
        sent_not_at_fake = [row for row in sent_rows if row[3] not in fake_wamids]
        not_sent = [row for rows in replies.values() for row in rows if row[2] not in went_out + ("sending",)]

        booked_once = no_booking = 0
        booking_missing, booking_extra, booked_queries = [], [], []
        for w, m in acked.items():
            if w not in inbound or inbound[w][1] != "processed":
                continue
            keys = [k for k in (f"{w}#0", f"{w}#1") if k in ops]
            if m.kind in BOOKS_ONCE:
                if keys == [f"{w}#0"] and ops[f"{w}#0"] == 1:
                    booked_once += 1
                elif not keys:
                    booking_missing.append(w)
                else:
                    booking_extra.append((w, {k: ops[k] for k in keys}))
            elif m.kind in BOOKS_NOTHING:
                if keys:
                    booked_queries.append(w)
                else:
                    no_booking += 1
        several_entries = {k: n for k, n in ops.items() if n > 1}
        # A tapped "Haan" books under the key of the message that asked, once however often tapped.
        questions_booked = sum(1 for w, m in acked.items() if m.kind == "question" and f"{w}#0" in ops)

        check = subprocess.run([self.bin, "check"], cwd=self.work, env=self.server_env(0), capture_output=True, text=True)
        logs = ""
        for index in range(self.processes):
            with open(os.path.join(self.work, f"serve-{index}.log"), errors="replace") as f:
                logs += f.read()
        panics = logs.count("panicked")
        log_errors = sum(1 for line in logs.splitlines() if " ERROR " in line or '"level":"ERROR"' in line)

        def verdict(bad, what):
            if bad:
                violations.append(what)
                return "VIOLATION"
            return "ok"

        kinds = {}
        for m in msgs.values():
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
        db_name = "SQLite" if self.database == "sqlite" else "PostgreSQL"
        print()
        print(f"== soak: {db_name}, {self.processes} process(es), {self.rate}/s for {self.duration} s, "
              f"{self.kills} SIGKILLs at {', '.join(f'{t}s→#{i}' for t, i in self.kill_log) or '-'} ==")
        rows = [
            ("messages posted (distinct wamids)", f"{len(msgs)}  {dict(sorted(kinds.items()))}", "", ""),
            ("deliveries (POSTs)", f"{self.deliveries}: concurrent duplicates {self.duplicates_posted}, "
             f"redeliveries after 200 {self.redeliveries_posted}, refused/failed {sum(self.refused.values())} "
             f"{dict(self.refused)}", "", ""),
            ("load", f"posting {load_seconds:.1f} s ({len(msgs) / load_seconds:.0f}/s incl. taps), "
             f"all acknowledged at {acked_at:.1f} s, drain {drain_seconds:.1f} s", "", ""),
            ("processing", f"{len(done)} processed, all but {len(requeued)} by {bulk:.0f} s from the first post "
             f"({(len(done) - len(requeued)) / bulk:.0f}/s); the {len(requeued)} taken again after a kill by "
             f"{done[-1] if done else 0:.0f} s", "", ""),
            ("never acknowledged", f"{len(never_acked)} (stored anyway: {len(stored_unacked)})",
             verdict(never_acked, "messages never acknowledged"), never_acked[:5]),
            ("acknowledged, not stored", str(len(missing)), verdict(missing, "acknowledged messages lost"), missing[:5]),
            ("acknowledged by status", str(dict(sorted(statuses.items()))), verdict(unfinished, "acknowledged messages not processed"),
             unfinished[:5]),
            ("dead (given up)", str(len(dead)), verdict(dead, "dead messages"), dead[:5]),
            ("replies per processed message", str(dict(sorted(reply_counts.items()))),
             verdict(no_reply or many_replies, "messages without exactly one reply"), (no_reply + many_replies)[:5]),
            ("replies by status", str(dict(sorted(reply_status.items()))), verdict(not_sent, "replies never sent"),
             [r[0] for r in not_sent[:5]]),
            ("status webhooks (delivered, read)", f"{len(status_posts)} posted, "
             f"{sum(1 for m in status_posts if m.acked)} acknowledged; read acknowledged for {len(read_acked)} "
             f"replies: `read` now {len(read_acked) - len(left_behind) - len(never_recorded)}, left behind "
             f"{len(left_behind)}, of sends a kill left unrecorded {len(never_recorded)}",
             verdict(left_behind, "replies whose read status was lost or went backwards"), left_behind[:5]),
            ("sends at the fake", f"{len(sends)}: recorded {len(sends) - len(orphans)} (by the sender, or by a status carrying "
             f"the reply's tag), still `sending` {len(matched)}, unexplained (sent twice) {len(unmatched_orphans)}",
             verdict(unmatched_orphans or sent_not_at_fake, "replies sent twice or recorded but never sent"),
             [s["wamid"] for s in unmatched_orphans[:5]] + [r[0] for r in sent_not_at_fake[:5]]),
            ("replies a kill left unsent", f"{len(lost_at_kill)} (sent again after "
             f"EXECORA_RESEND_UNCONFIRMED_AFTER={RESEND_UNCONFIRMED_SECONDS} s unless a tagged status recorded them)",
             verdict(lost_at_kill, "replies a kill left unsent"), [r[0] for r in lost_at_kill[:5]]),
            ("bookings (payment, udhaar, voice)", f"once {booked_once}, missing {len(booking_missing)}, "
             f"twice or more {len(booking_extra)}", verdict(booking_missing or booking_extra, "bookings not exactly once"),
             (booking_missing + [w for w, _ in booking_extra])[:5]),
            ("queries (balance, summary)", f"booked nothing {no_booking}, booked {len(booked_queries)}",
             verdict(booked_queries, "queries that booked"), booked_queries[:5]),
            ("operations with several ledger entries", str(len(several_entries)),
             verdict(several_entries, "operations with more than one ledger entry"), list(several_entries)[:5]),
            ("button taps posted", f"{self.taps}; questions booked after their tap {questions_booked}", "", ""),
            ("fake Graph API", f"read receipts {fake_stats['reads']}, media lookups {fake_stats['media_lookups']}, "
             f"downloads {fake_stats['downloads']}, transcriptions {fake_stats['transcriptions']}, "
             f"model calls refused {fake_stats['chat_completions']}", "", ""),
            ("drained", "yes" if drained else "NO (nothing moved for DRAIN_SECONDS)", verdict(not drained, "did not drain"), ""),
            ("execora check", check.stdout.strip().splitlines()[-1] if check.stdout.strip() else check.stderr.strip()[-200:],
             verdict(check.returncode != 0, "execora check failed"), ""),
            ("server log", f"{log_errors} ERROR lines, {panics} panics (logs in {self.work})",
             verdict(panics, "the server panicked"), ""),
        ]
        for name, value, ok, examples in rows:
            print(f"{name:<48} {ok:<9} {value}" + (f"  e.g. {examples}" if examples else ""))
        print()
        print(f"{'process':<8} {'pid':>8} {'start→ready':>12} {'idle RSS':>9} {'peak RSS (VmHWM)':>17}  end")
        for r in self.incarnations:
            idle = f"{r['idle_rss'] / 1024:.0f} MiB" if r["idle_rss"] else "-"
            print(f"{r['process']:<8} {r['pid']:>8} {r['ready_s'] * 1000:>9.0f} ms {idle:>9} "
                  f"{r['hwm'] / 1024:>13.0f} MiB  {r['end']}")
        if check.returncode != 0:
            print(check.stdout[-2000:], check.stderr[-2000:])
        summary = {"violations": violations, "messages": len(msgs), "acked": len(acked)}
        with open(os.path.join(self.work, "summary.json"), "w") as f:
            json.dump(summary, f)
        if violations:
            print("VIOLATIONS: " + "; ".join(violations))
            return 1
        print("reconciled: every acknowledged message stored once and processed, one reply each, "
              "bookings exactly once, books check clean")
        return 0


if __name__ == "__main__":
    sys.exit(Soak().run())
