#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`booking serve` under a service manager's readiness protocol (systemd's
Type=notify, spoken here by the test as systemd would, over $NOTIFY_SOCKET):
READY=1 comes only once the port answers and the store is open, with MAINPID
and a STATUS naming the address; SIGTERM brings STOPPING=1 and exit 0; an
abstract socket name (@...) works as well as a path; BOOKING_LISTEN,
BOOKING_STORE and BOOKING_TOKEN_FILE give the defaults and a flag wins over its
variable."""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile

BIN = os.environ["BOOKING_BIN"]
NOTIFY_TIMEOUT_S = 10
failures = []


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    failures.append(msg)


def ok(msg):
    print("ok: " + msg)


def receive(sock):
    sock.settimeout(NOTIFY_TIMEOUT_S)
    data = sock.recv(4096).decode()
    return dict(line.split("=", 1) for line in data.split("\n") if "=" in line)


def get(port, path, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def run(tmp, address, env_extra, args, token=None):
    """Starts serve with NOTIFY_SOCKET=address; returns (state, port, process)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address.replace("@", "\0", 1) if address.startswith("@") else address)
    env = dict(os.environ, NOTIFY_SOCKET=address, **env_extra)
    proc = subprocess.Popen([BIN, "serve", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tmp)
    try:
        state = receive(sock)
    except socket.timeout:
        proc.kill()
        proc.wait()
        sock.close()
        return None, None, None, None
    m = re.search(r":(\d+)$", state.get("STATUS", ""))
    port = int(m.group(1)) if m else None
    return state, port, proc, sock


with tempfile.TemporaryDirectory() as tmp:
    token_path = os.path.join(tmp, "token")
    with open(token_path, "w") as f:
        f.write("s3cret\n")
    env = {"BOOKING_LISTEN": "127.0.0.1:0", "BOOKING_STORE": f"sqlite:{tmp}/env.db",
           "BOOKING_TOKEN_FILE": token_path}
    state, port, proc, sock = run(tmp, os.path.join(tmp, "notify.sock"), env, [])
    if state is None:
        fail("no READY=1 within the timeout")
        sys.exit(1)
    if state.get("READY") == "1" and state.get("MAINPID") == str(proc.pid) and port:
        ok(f"READY=1 with MAINPID and STATUS '{state['STATUS']}'")
    else:
        fail(f"first notification: {state}")
    # Ready means ready: the port answers at once, and the store is open.
    if get(port, "/healthz") == 200 and get(port, "/readyz", "s3cret") == 200:
        ok("at READY=1 the port answers and the store is ready")
    else:
        fail("READY=1 came before the service answered")
    if os.path.exists(f"{tmp}/env.db"):
        ok("BOOKING_STORE chose the store")
    else:
        fail("BOOKING_STORE was not used")
    if get(port, "/readyz") == 401:
        ok("BOOKING_TOKEN_FILE guards the API")
    else:
        fail("BOOKING_TOKEN_FILE was not used")
    proc.send_signal(signal.SIGTERM)
    try:
        stopping = receive(sock)
        if stopping.get("STOPPING") == "1":
            ok("SIGTERM sends STOPPING=1")
        else:
            fail(f"after SIGTERM: {stopping}")
    except socket.timeout:
        fail("no STOPPING=1 after SIGTERM")
    code = proc.wait(timeout=30)
    if code == 0:
        ok("exit 0 after draining")
    else:
        fail(f"exit {code}")
    sock.close()

    # An abstract socket name; a flag wins over its variable.
    name = f"@booking-notify-test-{os.getpid()}"
    state, port, proc, sock = run(tmp, name, env, ["--store", "memory:", "--listen", "127.0.0.1:0"])
    if state is not None and state.get("READY") == "1":
        ok("an abstract NOTIFY_SOCKET (@name) is told READY=1")
        os.remove(f"{tmp}/env.db")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        sock.close()
        if not os.path.exists(f"{tmp}/env.db"):
            ok("--store wins over BOOKING_STORE")
        else:
            fail("BOOKING_STORE was used despite --store")
    else:
        fail("no READY=1 on an abstract socket")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all checks passed")
