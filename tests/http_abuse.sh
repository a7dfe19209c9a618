#!/usr/bin/env bash
# HTTP abuse against the real gateway (devnode + mamgated + plugin): oversized bodies, headers and
# request lines, slow clients that send half a request and wait, 500 concurrent connections,
# malformed chunked encoding and other broken HTTP, path traversal, wrong authorisation, hostile
# JSON. Every attack must get a 4xx answer (or a closed connection), never a 5xx, never a file;
# after each one the gateway answers /v1/health and a stored message is still readable.
set -u
. "$(dirname "$0")/../fuzz/gateway_lib.sh"

SLOW_CLIENTS=200
SLOW_SECONDS=3
CONCURRENT=500

# The raw-socket client: `abuse.py CASE` sends one attack and prints what came back: the status
# codes (one per connection), "closed" for a connection closed without an answer.
cat >"$work/abuse.py" <<'EOF'
import socket, sys, threading, time
host, port = sys.argv[1].rsplit(":", 1)
port, case, token = int(port), sys.argv[2], sys.argv[3]
MiB = 1 << 20
HOST = ("Host: %s:%d" % (host, port)).encode()  # a Host the gateway answers (allowed_hosts)

SOURCES = 4  # loopback source addresses the many-connection cases spread over (a per-address limit applies)

def connect(source="127.0.0.1"):
    return socket.create_connection((host, port), timeout=15, source_address=(source, 0))

def answer(s):
    """Reads until the head of an answer arrived; the status, or 'closed'."""
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    return data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.") and b" " in data else "closed"

def send(raw, chunks=None):
    s = connect()
    try:
        s.sendall(raw)
        for c in chunks or []:
            s.sendall(c)
    except (ConnectionResetError, BrokenPipeError):
        pass
    status = answer(s)
    s.close()
    return status

def request(method, target, headers=(), body=b""):
    head = "%s %s HTTP/1.1\r\n%s\r\nConnection: close\r\n" % (method, target, HOST.decode())
    head += "".join(h + "\r\n" for h in headers) + "\r\n"
    return send(head.encode("latin-1") + body)

auth = "Authorization: Bearer " + token
post = lambda target, body, extra=(): request("POST", target, (auth, "Content-Length: %d" % len(body)) + tuple(extra), body)

def chunked(body_chunks):
    head = b"POST /v1/psks HTTP/1.1\r\n" + HOST + b"\r\nConnection: close\r\n" + auth.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
    return send(head, body_chunks)

def slow():
    """Clients that send half a request and wait; the caller checks health meanwhile."""
    socks = []
    for i in range(int(sys.argv[4])):
        s = connect()
        s.sendall(b"POST /v1/psks HTTP/1.1\r\n" + HOST + b"\r\n" + auth.encode() + b"\r\nContent-Length: 100\r\n\r\n{\"id\"" if i % 2 else b"GET /v1/hea")
        socks.append(s)
    print("holding", flush=True)
    time.sleep(float(sys.argv[5]))
    for s in socks:
        s.close()
    return "released"

def concurrent():
    n = int(sys.argv[4])
    socks = [connect("127.0.0.%d" % (2 + i % SOURCES)) for i in range(n)]
    for s in socks:
        s.sendall(b"GET /v1/health HTTP/1.1\r\n" + HOST + b"\r\n\r\n")
    statuses = [answer(s) for s in socks]
    for s in socks:
        s.close()
    return " ".join(sorted(set("%sx%d" % (x, statuses.count(x)) for x in statuses)))

cases = {
    "body_announced": lambda: request("POST", "/v1/psks", (auth, "Content-Length: %d" % (256 * MiB))),
    "body_sent": lambda: post("/v1/psks", b'{"id":"' + b"A" * (2 * MiB) + b'"}'),
    "body_chunked": lambda: chunked([b"100000\r\n" + b"x" * 0x100000 + b"\r\n"] * 3 + [b"0\r\n\r\n"]),
    "header_huge": lambda: request("GET", "/v1/health", ("X-Big: " + "a" * (256 * 1024),)),
    "header_many": lambda: request("GET", "/v1/health", tuple("X-H%d: v" % i for i in range(5000))),
    "target_huge": lambda: request("GET", "/v1/channels/" + "A" * (256 * 1024)),
    "chunk_size_garbage": lambda: chunked([b"ZZ\r\nabc\r\n0\r\n\r\n"]),
    "chunk_size_overflow": lambda: chunked([b"FFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n"]),
    "chunk_size_negative": lambda: chunked([b"-5\r\nabc\r\n0\r\n\r\n"]),
    "chunk_too_long": lambda: chunked([b"2\r\nabcdefgh\r\n0\r\n\r\n"]),
    "chunk_no_crlf": lambda: chunked([b"3\r\nabc0\r\n\r\n"]),
    "chunked_and_length": lambda: send(b"POST /v1/psks HTTP/1.1\r\n" + HOST + b"\r\nConnection: close\r\n" + auth.encode() +
                                       b"\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
    "request_line_garbage": lambda: send(b"\x00\xff\xfe GARBAGE\r\n\r\n"),
    "http_0_9": lambda: send(b"GET /v1/health\r\n\r\n"),
    "http_2_0": lambda: send(b"GET /v1/health HTTP/2.0\r\n" + HOST + b"\r\n\r\n"),
    "bare_lf": lambda: send(b"GET /v1/health HTTP/1.1\n" + HOST + b"\nConnection: close\n\n"),
    "header_no_colon": lambda: send(b"GET /v1/health HTTP/1.1\r\nHost x\r\nConnection: close\r\n\r\n"),
    "absolute_uri": lambda: request("GET", "http://evil.example/v1/health"),
    "method_unknown": lambda: request("BREW", "/v1/health"),
    "length_negative": lambda: send(b"POST /v1/psks HTTP/1.1\r\n" + HOST + b"\r\nConnection: close\r\n" + auth.encode() + b"\r\nContent-Length: -1\r\n\r\n{}"),
    "length_twice": lambda: send(b"POST /v1/psks HTTP/1.1\r\n" + HOST + b"\r\nConnection: close\r\n" + auth.encode() +
                                 b"\r\nContent-Length: 2\r\nContent-Length: 200\r\n\r\n{}"),
    "json_deep": lambda: post("/v1/psks", b"[" * 500000 + b"]" * 500000),
    "json_bad_utf8": lambda: post("/v1/psks", b'{"id":"\xc3\x28"}'),
    "json_nul": lambda: post("/v1/psks", b'{"id":"A\\u0000"}'),
    "json_huge_number": lambda: post("/v1/channels", b'{"height":' + b"9" * 5000 + b"}"),
    "slow": slow,
    "concurrent": concurrent,
}
print(cases[case]())
EOF
abuse() { python3 "$work/abuse.py" "$http" "$1" "$token" "${@:2}" 2>&1 | tail -n 1; }

# alive WHAT: the gateway survived the attack.
alive() {
  gateway_alive && healthy && ok || { bad "$1: gateway down"; return 1; }
  api GET "/v1/channels/$ch/messages/$mid"
  check "$1: stored message readable" 200 "$status"
}

# expect WHAT ALLOWED...: the attack's outcome is one of ALLOWED (statuses or "closed").
expect() {
  local what=$1 got
  shift
  got=$(abuse "$what")
  echo "$what: $got"
  case " $* " in *" $got "*) ok ;; *) bad "$what: got '$got', want one of: $*" ;; esac
  alive "$what"
}

start_node || exit 1
start_gateway || exit 1
api POST /v1/channels '{"height":2}'; ch=$(echo "$body" | json 'd["channel_id"]')
api POST /v1/watches "{\"channel_id\":\"$ch\"}"
api POST "/v1/channels/$ch/messages" '{"payload":"still here","checksum":"mac"}'; mid=$(echo "$body" | json 'd["message_id"]')
for _ in $(seq 100); do api GET "/v1/channels/$ch/messages/$mid"; [ "$status" = 200 ] && break; sleep 0.1; done
check "the reference message is stored" 200 "$status"

# ---- sizes
expect body_announced 413 closed
expect body_sent 413 closed
expect body_chunked 413 closed
expect header_huge 431 413 400 closed
expect header_many 431 413 400 closed
expect target_huge 414 431 413 400 closed

# ---- broken HTTP and chunked encoding
for c in chunk_size_garbage chunk_size_overflow chunk_size_negative chunk_too_long chunk_no_crlf; do expect $c 400 413 closed; done
expect chunked_and_length 400
expect request_line_garbage 400 closed
expect http_0_9 400 505 closed
expect http_2_0 505 400 closed
expect bare_lf 200 400 closed
expect header_no_colon 400 200 closed
expect absolute_uri 200 400 404 closed
expect method_unknown 405 404 400 501 closed
expect length_negative 400 413 closed
expect length_twice 400

# ---- hostile JSON
expect json_deep 400 413
expect json_bad_utf8 400
expect json_nul 400
expect json_huge_number 400

# ---- path traversal: never a 2xx, never a file of the host
for p in "/v1/../../../../etc/passwd" "/v1/channels/..%2F..%2F..%2Fetc%2Fpasswd" "/v1/%2e%2e/%2e%2e/etc/passwd" \
  "//etc/passwd" "/v1/openapi.json/../../etc/passwd" "/v1/channels/%00" "/v1/channels/..%5C..%5Cetc%5Cpasswd" \
  "/v1/ntru-keys/%2e%2e%2f%2e%2e%2fseed" "/..;/v1/health" "/v1/channels/$ch/../../../var/seed"; do
  got=$(curl -s --path-as-is -o "$work/traversal" -w '%{http_code}' "http://$http$p")
  case $got in 4??) ok ;; *) bad "path '$p': status $got" ;; esac
  grep -qE 'root:|^[9A-Z]{81}$' "$work/traversal" && bad "path '$p' returned a file"
done
alive "path traversal"

# ---- wrong authorisation
for a in "" "Bearer" "Bearer " "Basic $(printf 'x:%s' "$token" | base64 -w0)" "Bearer ${token}x" "Bearer ${token:0:20}" \
  "Bearer $(head -c 20000 /dev/zero | tr '\0' A)" "Token $token" "Bearer	$token" "Bearer $token $token"; do
  got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $a" -X POST -d '{"height":1}' "http://$http/v1/channels")
  case $got in 401|403|431) ok ;; *) bad "authorisation '${a:0:40}': status $got" ;; esac
done
got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" -H "Authorization: Bearer $token" \
  -X POST -d '{"height":1}' "http://$http/v1/channels")
check "two Authorization headers" 400 "$got"
alive "wrong authorisation"

# ---- slow clients: half requests held open while a normal client is served quickly
python3 "$work/abuse.py" "$http" slow "$token" "$SLOW_CLIENTS" "$SLOW_SECONDS" >"$work/slow.out" 2>&1 &
slow_pid=$!
for _ in $(seq 50); do grep -q holding "$work/slow.out" && break; sleep 0.1; done
start=$(date +%s%N)
healthy && ok || bad "health while $SLOW_CLIENTS slow clients wait"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed_ms" -lt 2000 ] && ok || bad "health took $elapsed_ms ms while slow clients wait"
api GET "/v1/channels/$ch/messages/$mid"; check "message readable while slow clients wait" 200 "$status"
wait "$slow_pid"
alive "slow clients"

# ---- many connections at once
got=$(abuse concurrent "$CONCURRENT")
check "$CONCURRENT concurrent keep-alive requests" "200x$CONCURRENT" "$got"
alive "$CONCURRENT connections"

stop_gateway TERM
check "clean stop after the abuse" 0 "$?"
finish
