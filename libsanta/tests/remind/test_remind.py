#!/usr/bin/python3
"""test_remind.py - reminders end to end, against a real SMTP server.

    test_remind.py SRC BUILD STAGE CASE      CASE: twenty | kill | smtp-down | cli

Every case starts tools/smtp-sink (python3-aiosmtpd) on a free 127.0.0.1
port and the stage with deploy/local/up (so stages 02-04 send through the
workers `up` starts), in a run folder of its own under BUILD/run/remind-*
(SANTA_RUN_ROOT), and stops both again, whatever happens.

  twenty     20 participants, POST .../reminders: the sink receives exactly
             20 mails, one per address, each naming the exchange (id and
             name), none containing a token or the invite code.
  kill       stages 02-04: 40 reminders, a sink that takes 200 ms per mail,
             batches of 5; worker 1 is killed with SIGKILL while it holds a
             batch it has started but not finished (checked before and after
             the kill from its log and the sink). Every address gets at least
             one mail, and the duplicates are no more than that batch.
  smtp-down  stages 02-04: the sink is stopped, 20 reminders are queued, the
             workers fail against the closed port for 10 s (checked in their
             logs), the sink comes back on the same port: every address gets
             its mail (0 lost) within 30 s.
  trace      stages 02-04: POST .../reminders with a traceparent; the server's
             and the worker's trace files hold one trace: the request, its
             store span, then per mail a "reminder" span (the worker's,
             child of the request's store span) and its "smtp" child; and,
             as every stage queues one batch, exactly one "expand" span (the
             worker turning it into mails), also a child of the request.
  pages      stage 04: 1,050 participants, so the enqueue reads two pages of
             participants: every address gets one mail naming the exchange
             (the exchange's text once lived in the first page's arena).
  flush      stage 04: 20 reminders queued while the SMTP server is down, then
             FLUSHDB on the Redis (what the cache does after a lost
             invalidation): once the server is back all 20 arrive.
  cli        stage 01: santa-remind sends the last batch again, slow and with
             --index, with --threads 4 and --processes 4: each run delivers
             one mail per participant.
Bounded in time everywhere; exit status 0 on success, 1 with a reason.
"""
import email
import email.header
import email.policy
import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

SRC, BUILD, STAGE, CASE = sys.argv[1:5]
RUN_ROOT = os.path.join(BUILD, "run", "remind-%s-%s" % (STAGE, CASE))


def fail(msg):
    print("FAIL: " + msg, flush=True)
    raise SystemExit(1)


def note(msg):
    print(msg, flush=True)


class Sink:
    """tools/smtp-sink in a process of its own; mails() parses what it got."""

    def __init__(self, out, delay_ms=0, port=0):
        self.out, self.delay_ms, self.port, self.proc = out, delay_ms, port, None
        os.makedirs(out, exist_ok=True)

    def start(self):
        pf = self.out + ".port"
        if os.path.exists(pf):
            os.unlink(pf)
        args = [os.path.join(SRC, "tools", "smtp-sink"), "--out", self.out, "--port-file", pf,
                "--port", str(self.port), "--delay-ms", str(self.delay_ms)]
        self.proc = subprocess.Popen(args)
        deadline = time.time() + 15
        while not os.path.exists(pf):
            if self.proc.poll() is not None or time.time() > deadline:
                fail("smtp-sink did not start")
            time.sleep(0.05)
        self.port = int(open(pf).read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def files(self):
        return sorted(glob.glob(os.path.join(self.out, "*.eml")))

    def mails(self):
        out = []
        for f in self.files():
            raw = open(f, "rb").read()
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            out.append({"raw": raw, "rcpt": msg["X-Sink-Rcpt"], "subject": str(msg["Subject"]),
                        "exchange": msg["X-Santa-Exchange"],
                        "message_id": msg["Message-ID"].strip("<>").split("@")[0],
                        "body": msg.get_content()})
        return out


def http(method, url, body=None, token=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def env_file():
    return os.path.join(RUN_ROOT, STAGE, "env")


def env_get(key):
    for line in open(env_file()):
        if line.startswith(key + "="):
            return line.strip().split("=", 1)[1]
    return None


def free_port():
    """A random free port below the ephemeral range. deploy/local/up's own
    choice (the first free one from 8080) races when tests start stages side
    by side: two ups may both pick 8080, and one's readiness probe is then
    answered by the other's server."""
    import socket
    for _ in range(200):
        p = random.randrange(20000, 32000)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            s.close()
    fail("no free port")


def up(smtp_port, extra_env):
    env = dict(os.environ)
    env.update({"SANTA_RUN_ROOT": RUN_ROOT, "SANTA_SMTP": "smtp://127.0.0.1:%d" % smtp_port,
                "SANTA_BIN_DIR": os.path.join(BUILD, "bin"),  # this build tree's binaries
                # Servers of their own, away from other tests' and the workshop's ports.
                "PG_FIRST_PORT": str(random.randrange(20000, 28000)),
                "REDIS_FIRST_PORT": str(random.randrange(28000, 30000))})
    env.update(extra_env)
    r = subprocess.run([os.path.join(SRC, "deploy", "local", "up"), STAGE,
                        "--port", str(free_port())], env=env,
                       stdout=subprocess.PIPE, timeout=180)
    if r.returncode != 0:
        fail("deploy/local/up %s failed" % STAGE)
    return r.stdout.decode().strip().splitlines()[-1]


def down():
    env = dict(os.environ, SANTA_RUN_ROOT=RUN_ROOT)
    subprocess.run([os.path.join(SRC, "deploy", "local", "down"), STAGE], env=env, timeout=120,
                   stdout=subprocess.DEVNULL)


def exchange_with(url, n, tag):
    name = "Reminder test %s Ünïcode %d" % (tag, random.randrange(1 << 30))
    st, ex = http("POST", url + "/api/exchanges",
                  {"name": name, "budget": "25 EUR", "exchange_date": "2026-12-24"})
    if st != 201:
        fail("create exchange: %d %s" % (st, ex))
    secrets = [ex["admin_token"], ex["invite_code"]]
    people = {}
    for i in range(n):
        addr = "p%02d.%s@example.org" % (i, tag)
        st, p = http("POST", url + "/api/exchanges/%s/participants" % ex["id"],
                     {"invite_code": ex["invite_code"], "name": "Person %d" % i, "email": addr})
        if st != 201:
            fail("join %d: %d %s" % (i, st, p))
        people[addr] = p
        secrets.append(p["token"])
    return ex, name, people, secrets


def queue(url, ex, n):
    st, body = http("POST", url + "/api/exchanges/%s/reminders" % ex["id"],
                    token=ex["admin_token"])
    if st != 202 or body.get("queued") != n:
        fail("POST reminders: %d %s (want 202, queued %d)" % (st, body, n))
    return body


def wait_for(pred, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if pred():
            return time.time()
        time.sleep(0.05)
    fail("%s: not within %d s" % (what, seconds))


def check_mails(mails, ex, name, people, secrets, exact):
    by_addr = {}
    for m in mails:
        by_addr.setdefault(m["rcpt"], []).append(m)
        if m["exchange"] != ex["id"] or ex["id"] not in m["body"]:
            fail("a mail to %s names exchange %s, not %s" % (m["rcpt"], m["exchange"], ex["id"]))
        if name not in m["subject"] or name not in m["body"]:
            fail("a mail to %s does not name %r: subject %r" % (m["rcpt"], name, m["subject"]))
        if "2026-12-24" not in m["body"] or "25 EUR" not in m["body"]:
            fail("a mail to %s lacks the date or the budget" % m["rcpt"])
        for s in secrets:
            if s.encode() in m["raw"]:
                fail("a mail to %s contains a token or the invite code" % m["rcpt"])
    missing = set(people) - set(by_addr)
    if missing:
        fail("no mail for %d addresses, e.g. %s" % (len(missing), sorted(missing)[0]))
    stray = set(by_addr) - set(people)
    if stray:
        fail("mails to addresses nobody queued: %s" % sorted(stray)[:3])
    if exact and len(mails) != len(people):
        fail("%d mails for %d participants" % (len(mails), len(people)))
    return by_addr


def case_twenty(sink):
    url = up(sink.port, {"SANTA_WORKERS": "2"})
    ex, name, people, secrets = exchange_with(url, 20, "twenty")
    body = queue(url, ex, 20)
    if STAGE.startswith("01-") and body.get("sent") != 20:
        fail("stage 01 sends inside the request: want sent 20, got %s" % body)
    wait_for(lambda: len(sink.files()) >= 20, 60, "20 mails at the sink")
    time.sleep(1.5)  # a 21st (a duplicate) would show up now
    check_mails(sink.mails(), ex, name, people, secrets, exact=True)
    note("ok: 20 reminders queued, exactly 20 mails, one per address, each naming %s" % ex["id"])


def worker_claims(k):
    """The Message-ID keys of each claim worker k logged, oldest first."""
    log = os.path.join(RUN_ROOT, STAGE, "worker-%d.log" % k)
    out = []
    for line in open(log, errors="replace"):
        m = re.search(r": claimed \d+: (.*)$", line)
        if m:
            out.append(m.group(1).split())
    return out


def case_kill(sink):
    url = up(sink.port, {"SANTA_WORKERS": "2", "SANTA_WORKER_BATCH": "5",
                         "SANTA_WORKER_LEASE_MS": "3000", "SANTA_WORKER_POLL_MS": "50"})
    ex, name, people, secrets = exchange_with(url, 40, "kill")
    queue(url, ex, 40)
    pid = int(env_get("WORKER1_PID"))
    batch = None

    def mid_batch():
        nonlocal batch
        claims = worker_claims(1)
        if not claims:
            return False
        sent = {m["message_id"] for m in sink.mails()}
        last = claims[-1]
        done = [k for k in last if k in sent]
        if 0 < len(done) < len(last):
            os.kill(pid, signal.SIGKILL)
            batch = last
            return True
        return False

    wait_for(mid_batch, 60, "worker 1 in the middle of a batch")
    killed_at = time.time()
    # The kill hit mid-batch: part of the batch was still unsent when it died
    # (a mail in flight at the sink may still land: its 250 came too late).
    time.sleep(0.5)
    sent_after = {m["message_id"] for m in sink.mails()}
    if all(k in sent_after for k in batch):
        fail("the kill came too late: worker 1 had finished its batch")
    note("killed worker 1 (pid %d) holding %d jobs, %d not sent"
         % (pid, len(batch), sum(k not in sent_after for k in batch)))
    wait_for(lambda: len({m["rcpt"] for m in sink.mails()}) >= 40, 60,
             "every address served after the kill")
    time.sleep(1.5)
    mails = sink.mails()
    check_mails(mails, ex, name, people, secrets, exact=False)
    dup = len(mails) - 40
    if dup > len(batch):
        fail("%d duplicates, more than the %d jobs worker 1 held" % (dup, len(batch)))
    note("ok: 40 of 40 addresses served %.1f s after the kill; %d duplicates (bound %d)"
         % (time.time() - killed_at, dup, len(batch)))


def case_smtp_down(sink):
    url = up(sink.port, {"SANTA_WORKERS": "2", "SANTA_WORKER_POLL_MS": "50"})
    ex, name, people, secrets = exchange_with(url, 20, "down")
    sink.stop()
    down_at = time.time()
    queue(url, ex, 20)
    time.sleep(max(0.0, 10 - (time.time() - down_at)))
    logs = "".join(open(f, errors="replace").read()
                   for f in glob.glob(os.path.join(RUN_ROOT, STAGE, "worker-*.log")))
    tries = len(re.findall(r"attempt \d+: smtp", logs))
    if tries < 20:
        fail("the workers made %d attempts while SMTP was down: the fault did not hit" % tries)
    if re.search(r"dead-lettered", logs):
        fail("a job was dead-lettered during a 10 s outage")
    if sink.files():
        fail("mails arrived while the sink was down")
    sink.start()  # same port
    back = time.time()
    wait_for(lambda: len({m["rcpt"] for m in sink.mails()}) >= 20, 30,
             "every reminder after SMTP came back")
    took = time.time() - back
    time.sleep(1.0)
    check_mails(sink.mails(), ex, name, people, secrets, exact=False)
    note("ok: SMTP down %.1f s, %d failed attempts, 0 lost, all 20 delivered %.1f s after "
         "its return" % (back - down_at, tries, took))


def spans(path, trace_id):
    out = []
    if os.path.exists(path):
        for line in open(path, errors="replace"):
            try:
                s = json.loads(line)
            except ValueError:
                continue
            if s.get("traceId") == trace_id:
                out.append(s)
    return out


def case_trace(sink):
    server_file = os.path.join(RUN_ROOT, "santa-trace.jsonl")
    worker_file = os.path.join(RUN_ROOT, "worker-trace.jsonl")
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    mport = s.getsockname()[1]
    s.close()
    # Every request traced (the default samples 1 %): the test follows one.
    url = up(sink.port, {"SANTA_WORKERS": "1", "SANTA_TRACE_FILE": server_file,
                         "SANTA_TRACE_SAMPLE": "1",
                         "SANTA_WORKER_TRACE_FILE": worker_file,
                         "SANTA_WORKER_LISTEN": "127.0.0.1:%d" % mport})
    ex, name, people, secrets = exchange_with(url, 20, "trace")
    trace_id = "%032x" % random.getrandbits(128)
    tp = "00-%s-%016x-01" % (trace_id, random.getrandbits(64))
    st, body = http("POST", url + "/api/exchanges/%s/reminders" % ex["id"],
                    token=ex["admin_token"], headers={"traceparent": tp})
    if st != 202 or body.get("queued") != 20:
        fail("POST reminders: %d %s" % (st, body))
    wait_for(lambda: len(sink.files()) >= 20, 60, "20 mails at the sink")

    def complete():
        w = spans(worker_file, trace_id)
        return (len([s for s in w if s["name"] == "smtp"]) >= 20
                and len([s for s in w if s["name"] == "reminder"]) >= 20)
    wait_for(complete, 20, "the worker's spans of trace %s" % trace_id)
    srv, wrk = spans(server_file, trace_id), spans(worker_file, trace_id)
    srv_ids = {s["id"] for s in srv}
    roots = [s for s in srv if "POST" in s["name"] and "reminders" in s["name"]]
    if not roots:
        fail("no request span of trace %s in the server's trace file" % trace_id)
    reminder = {s["id"]: s for s in wrk if s["name"] == "reminder"}
    for s in reminder.values():
        if s.get("parentId") not in srv_ids:
            fail("a reminder span's parent %s is not a span of the request" % s.get("parentId"))
    smtp = [s for s in wrk if s["name"] == "smtp"]
    for s in smtp:
        if s.get("parentId") not in reminder:
            fail("an smtp span's parent is not a reminder span")
    keys = {s.get("tags", {}).get("message_key") for s in smtp}
    if len(keys) != 20:
        fail("%d distinct mails traced, want 20" % len(keys))
    expands = [s for s in wrk if s["name"] == "expand"]
    if len(expands) != 1:
        fail("%d expand spans in trace %s, want 1" % (len(expands), trace_id))
    for s in expands:
        if s.get("parentId") not in srv_ids:
            fail("the expand span's parent %s is not a span of the request" % s.get("parentId"))
    note("ok: trace %s: the request (%d spans in santa), 20 reminder spans under its store span, "
         "each with its smtp span; %d expand span" % (trace_id, len(srv), len(expands)))

    # The worker's metrics: 20 sent, 20 latencies, and the queue seen empty again.
    def metric(text, name):
        for line in text.splitlines():
            if line.startswith(name):
                return float(line.rsplit(" ", 1)[1])
        return None

    def metrics_settled():
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mport, timeout=10) as r:
            text = r.read().decode()
        return (metric(text, 'santa_reminders_sent_total{worker="%s-w1"}' % STAGE) == 20
                and metric(text, "santa_reminder_enqueue_to_sent_seconds_count") == 20
                and metric(text, "santa_reminder_queue_depth") == 0)
    wait_for(metrics_settled, 10, "the worker's /metrics: 20 sent, 20 latencies, depth 0")
    note("ok: /metrics of the worker: 20 sent, 20 enqueue-to-sent latencies, queue depth 0")


def server_metric(url, name):
    """One unlabelled sample of the server's own /metrics; None when absent."""
    with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
        text = r.read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def case_depth(sink):
    """The server's /metrics reads the queue's depth at each scrape, so a
    load test that samples /metrics sees the queue grow (no worker runs
    here, so nothing drains it)."""
    url = up(sink.port, {"SANTA_WORKERS": "0"})
    ex, _, _, _ = exchange_with(url, 20, "depth")
    # Stage 05's HAProxy keeps /metrics from the public: ask a replica (each
    # reads the one shared queue).
    murl = url if STAGE != "05-distributed" else \
        "http://127.0.0.1:%s" % env_get("REPLICA1_PORT")
    before = server_metric(murl, "santa_reminder_queue_depth")
    if before != 0:
        fail("santa_reminder_queue_depth before any reminder: %s (want 0)" % before)
    queue(url, ex, 20)
    queue(url, ex, 20)
    after = server_metric(murl, "santa_reminder_queue_depth")
    if after != 40:
        fail("santa_reminder_queue_depth after two batches of 20: %s (want 40)" % after)
    note("ok: the server's /metrics shows the queue depth: 0, then 40 after two batches of 20")


def case_pages(sink):
    url = up(sink.port, {"SANTA_WORKERS": "4", "SANTA_WORKER_POLL_MS": "50"})
    ex, name, people, secrets = exchange_with(url, 1050, "pages")
    queue(url, ex, 1050)
    wait_for(lambda: len(sink.files()) >= 1050, 240, "1,050 mails at the sink")
    time.sleep(1.5)
    check_mails(sink.mails(), ex, name, people, secrets, exact=True)
    note("ok: 1,050 reminders over two pages of participants, one mail each, naming %s" % ex["id"])


def case_flush(sink):
    url = up(sink.port, {"SANTA_WORKERS": "2", "SANTA_WORKER_POLL_MS": "50"})
    ex, name, people, secrets = exchange_with(url, 20, "flush")
    sink.stop()
    queue(url, ex, 20)
    port = env_get("REDIS_PORT")
    # The cache's own recovery step (cache_redis.c), done by hand, with the
    # password deploy/local gave this Redis (requirepass).
    env = dict(os.environ)
    with open(os.path.join(RUN_ROOT, STAGE, "redis.pass")) as f:
        env["REDISCLI_AUTH"] = f.read().strip()
    r = subprocess.run(["redis-cli", "-p", port, "FLUSHDB"], stdout=subprocess.PIPE, timeout=30,
                       env=env)
    if r.returncode != 0 or b"OK" not in r.stdout:
        fail("FLUSHDB failed: %r" % r.stdout)
    time.sleep(1.0)
    sink.start()
    wait_for(lambda: len({m["rcpt"] for m in sink.mails()}) >= 20, 60,
             "all 20 reminders after the cache's FLUSHDB")
    time.sleep(1.0)
    check_mails(sink.mails(), ex, name, people, secrets, exact=False)
    note("ok: the cache's FLUSHDB left the 20 queued reminders alone; all delivered")


def case_cli(sink):
    url = up(sink.port, {})
    ex, name, people, secrets = exchange_with(url, 20, "cli")
    queue(url, ex, 20)
    wait_for(lambda: len(sink.files()) >= 20, 60, "the request's 20 mails")
    data = os.path.join(RUN_ROOT, STAGE, "data")
    runs = [[], ["--index"], ["--threads", "4"], ["--processes", "4", "--index"]]
    for i, extra in enumerate(runs):
        before = len(sink.files())
        r = subprocess.run([os.path.join(BUILD, "bin", "santa-remind"), "--data", data,
                            "--exchange", ex["id"], "--smtp", "smtp://127.0.0.1:%d" % sink.port]
                           + extra, stdout=subprocess.PIPE, timeout=120)
        out = r.stdout.decode()
        if r.returncode != 0 or "rows 20 sent 20 failed 0" not in out:
            fail("santa-remind %s: exit %d, %s" % (extra, r.returncode, out))
        wait_for(lambda: len(sink.files()) >= before + 20, 30, "santa-remind's 20 mails")
    mails = sink.mails()
    by_addr = check_mails(mails, ex, name, people, secrets, exact=False)
    if len(mails) != 20 * (1 + len(runs)) or any(len(v) != 1 + len(runs) for v in by_addr.values()):
        fail("want %d mails per address" % (1 + len(runs)))
    note("ok: santa-remind (slow, --index, --threads 4, --processes 4) sent 20 each")


def main():
    shutil.rmtree(RUN_ROOT, ignore_errors=True)
    os.makedirs(RUN_ROOT)
    delay = 200 if CASE == "kill" else 0
    sink = Sink(os.path.join(RUN_ROOT, "sink"), delay_ms=delay)
    sink.start()
    try:
        {"twenty": case_twenty, "depth": case_depth, "kill": case_kill,
         "smtp-down": case_smtp_down,
         "trace": case_trace, "pages": case_pages, "flush": case_flush,
         "cli": case_cli}[CASE](sink)
    finally:
        down()
        sink.stop()


if __name__ == "__main__":
    main()
