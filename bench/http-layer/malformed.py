#!/usr/bin/env python3
"""malformed.py HOST PORT: sends malformed requests over raw sockets and prints what
the server answers: for each case, as the first request of a connection and as the
second one on a kept-alive connection (after one valid attempt), the status lines
seen, the Content-Type of each answer, the start of the body, and whether the
server closed the connection. Measurement code for bench/http-layer/README.md:
does every error answer have the problem+json body?"""
import re
import socket
import sys
import uuid

HOST, PORT = sys.argv[1], int(sys.argv[2])


def attempt_body():
    return ('{"booking_id":"%s","resource_id":"hot","units":1}' % uuid.uuid4()).encode()


def valid():
    b = attempt_body()
    return (b"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(b)) + b


def post(headers, body):
    return (b"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + headers + b"\r\n" + body)


B = attempt_body()
CHUNKED_BAD = post(b"Transfer-Encoding: chunked\r\n", b"zz\r\n" + B + b"\r\n0\r\n\r\n")
CASES = [
    ("head without colon", b"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n"),
    ("garbage request line", b"GARBAGE\r\n\r\n"),
    ("bad chunk size", CHUNKED_BAD),
    ("two Content-Lengths", post(b"Content-Length: 0\r\nContent-Length: %d\r\n" % len(B), B)),
    ("CL with TE chunked", post(b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % (len(B) + 10),
                                b"%x\r\n" % len(B) + B + b"\r\n0\r\n\r\n")),
    ("Content-Length: -1", post(b"Content-Length: -1\r\n", B)),
    ("Content-Length: 12abc", post(b"Content-Length: 12abc\r\n", B)),
    ("Content-Length: 2^64", post(b"Content-Length: 18446744073709551616\r\n", B)),
    ("Transfer-Encoding: gzip", post(b"Transfer-Encoding: gzip\r\n", B)),
    ("HTTP/1.1 without Host", b"POST /v1/bookings HTTP/1.1\r\nContent-Type: application/json\r\n"
                              b"Content-Length: %d\r\n\r\n" % len(B) + B),
]


def read_all(sock, first_answer_len=0):
    data = b""
    sock.settimeout(1.5)
    closed = False
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    return data, closed


def describe(data):
    answers = []
    for m in re.finditer(rb"HTTP/1\.[01] (\d{3})[^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n", data):
        head = m.group(2).decode("latin-1")
        ct = re.search(r"(?im)^content-type:\s*([^\r\n;]+)", head)
        cl = re.search(r"(?im)^content-length:\s*(\d+)", head)
        body = data[m.end():m.end() + (int(cl.group(1)) if cl else 60)]
        answers.append("%s %s %r" % (m.group(1).decode(), ct.group(1) if ct else "-",
                                      body[:60].decode("latin-1")))
    return answers


def run(name, payload, keep_alive_first):
    s = socket.create_connection((HOST, PORT))
    skip = 0
    if keep_alive_first:
        s.sendall(valid())
        first, _ = b"", False
        s.settimeout(1.5)
        while b"\r\n\r\n" not in first:
            first += s.recv(65536)
        head, _, rest = first.partition(b"\r\n\r\n")
        cl = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
        while len(rest) < cl:
            rest += s.recv(65536)
        skip = 1
    s.sendall(payload)
    data, closed = read_all(s)
    s.close()
    answers = describe(data)
    where = "kept-alive 2nd" if keep_alive_first else "first request"
    print("%-24s %-15s closed=%-5s %s" % (name, where, closed,
                                          " | ".join(answers) if answers else "(no answer)"))
    return answers


for name, payload in CASES:
    for keep in (False, True):
        run(name, payload, keep)
