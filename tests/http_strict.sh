#!/usr/bin/env bash
# The REST server against clients it did not write, on the real gateway (devnode + mamgated +
# plugin), loopback only: a 50 MB body from Node's fetch (undici, with Content-Length and chunked),
# curl and Python gets 413 with the JSON error; ambiguous framing gets 400; a foreign Host gets 421
# (DNS rebinding); HEAD works on GET routes; 1,100 idle sockets from one address and a trickled
# request head leave /v1/health answering; and /v1/info and /v1/health answer at once while the
# node accepts connections but never answers.
set -u
. "$(dirname "$0")/../fuzz/gateway_lib.sh"
command -v node >/dev/null || { echo "SKIP: node (Node.js) is needed"; exit 77; }

BIG_BYTES=$((50 * 1000 * 1000))
IDLE_SOCKETS=1100
PARALLEL=12
QUICK_MS=1500 # an answer that does not wait on anything

# ---- the clients

cat >"$work/fetch.mjs" <<'JS'
// node fetch.mjs URL MODE BYTES TOKEN: POSTs BYTES with Content-Length ("length") or chunked
// ("chunked"); prints the status and the error code, or "failed: <cause>".
const [url, mode, bytes, token] = process.argv.slice(2);
const n = Number(bytes), piece = 1 << 20;
function chunks() {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= n) return c.close();
      const k = Math.min(piece, n - sent);
      sent += k;
      c.enqueue(new Uint8Array(k).fill(120));
    },
  });
}
const init = { method: "POST", headers: { authorization: "Bearer " + token, "content-type": "application/json" } };
if (mode === "chunked") Object.assign(init, { body: chunks(), duplex: "half" });
else init.body = Buffer.alloc(n, 120);
try {
  const r = await fetch(url, init);
  const j = await r.json();
  console.log(r.status, j.error ? j.error.code : "-");
} catch (e) {
  console.log("failed:", e.cause ? e.cause.code || e.cause.message : e.message);
}
JS

cat >"$work/client.py" <<'PY'
import http.client, json, socket, sys, threading, time
addr, case = sys.argv[1], sys.argv[2]
host, port = addr.rsplit(":", 1)
port = int(port)

def status_and_code(resp):
    body = resp.read()
    try:
        code = json.loads(body)["error"]["code"]
    except Exception:
        code = "-"
    return "%d %s" % (resp.status, code)

def big_body(token, n):
    """http.client sends the whole body (Content-Length, no Expect) before reading."""
    c = http.client.HTTPConnection(host, port, timeout=60)
    try:
        c.request("POST", "/v1/psks", body=b"x" * n, headers={"Authorization": "Bearer " + token})
        return status_and_code(c.getresponse())
    except OSError as e:
        return "failed: %s" % e

def raw(request):
    """One raw request; the status and error code, or 'closed'."""
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(request.replace(b"HOST", addr.encode()))
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    if not data.startswith(b"HTTP/1."):
        return "closed"
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        code = json.loads(body)["error"]["code"]
    except Exception:
        code = "-"
    return "%s %s" % (head.split(b" ")[1].decode(), code)

def idle(n, seconds):
    """n sockets from 127.0.0.2 that each send a request line only; then holds them."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        try:
            s.connect((host, port))
            s.sendall(b"GET /v1/health HTTP/1.1\r\n")
        except OSError:
            pass
        socks.append(s)
    print("holding", flush=True)
    time.sleep(seconds)
    for s in socks:
        s.close()
    return "released"

def trickle(limit_s):
    """A request head sent one byte every 0.5 s; the seconds until the server closed it."""
    s = socket.create_connection((host, port), timeout=limit_s)
    s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: " + addr.encode() + b"\r\nX-Slow: ")
    t0 = time.monotonic()
    s.setblocking(False)
    while time.monotonic() - t0 < limit_s:
        try:
            if s.recv(1024) == b"":
                break
        except BlockingIOError:
            pass
        except OSError:
            break
        try:
            s.send(b"a")
        except OSError:
            break
        time.sleep(0.5)
    return "%.1f" % (time.monotonic() - t0)

def parallel(n):
    """n parallel /v1/info and n /v1/health; the slowest answer's milliseconds per route and the statuses."""
    results = []
    def one(path):
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(host, port, timeout=30)
            c.request("GET", path)
            r = c.getresponse()
            body = json.loads(r.read())
            ok = r.status == 200 and (path != "/v1/info" or body["node_reachable"] is False)
        except Exception:
            ok = False
        results.append((path, ok, (time.monotonic() - t0) * 1000))
    threads = [threading.Thread(target=one, args=(p,)) for p in ["/v1/info", "/v1/health"] * n]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    worst = max(ms for _, _, ms in results)
    return "%s %d" % ("ok" if all(ok for _, ok, _ in results) else "bad", worst)

def head(path):
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request("HEAD", path)
    r = c.getresponse()
    return "%d %s %s %d" % (r.status, r.getheader("Content-Type"), r.getheader("Content-Length"), len(r.read()))

cases = {"big_body": lambda: big_body(sys.argv[3], int(sys.argv[4])), "raw": lambda: raw(sys.argv[3].encode().decode("unicode_escape").encode("latin-1")),
         "idle": lambda: idle(int(sys.argv[3]), float(sys.argv[4])), "trickle": lambda: trickle(float(sys.argv[3])),
         "parallel": lambda: parallel(int(sys.argv[3])), "head": lambda: head(sys.argv[3])}
print(cases[case]())
PY
client() { python3 "$work/client.py" "$http" "$@" 2>&1 | tail -n 1; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }
# quick_health WHAT: /v1/health answers 200 within QUICK_MS.
quick_health() {
  local t0 got
  t0=$(ms_now)
  got=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://$http/v1/health")
  check "$1: health" 200 "$got"
  [ $(($(ms_now) - t0)) -lt $QUICK_MS ] && ok || bad "$1: health took $(($(ms_now) - t0)) ms"
}

start_node || exit 1
start_gateway || exit 1

# ---- a 50 MB body gets 413 with the JSON error, whoever sends it
for mode in length chunked; do
  got=$(node "$work/fetch.mjs" "http://$http/v1/psks" $mode $BIG_BYTES "$token" 2>&1 | tail -n 1)
  check "Node fetch, $mode, 50 MB" "413 payload_too_large" "$got"
done
check "Python http.client, 50 MB" "413 payload_too_large" "$(client big_body "$token" $BIG_BYTES)"
head -c $BIG_BYTES /dev/zero >"$work/big"
got=$(curl -s -m 60 -w ' %{http_code}' -H "Authorization: Bearer $token" --data-binary @"$work/big" "http://$http/v1/psks")
check "curl, 50 MB (Expect: 100-continue)" "payload_too_large 413" "$(echo "${got% *}" | json 'd["error"]["code"]' 2>/dev/null) ${got##* }"
got=$(curl -s -m 60 -w ' %{http_code}' -H 'Expect:' -H "Authorization: Bearer $token" --data-binary @"$work/big" "http://$http/v1/psks")
check "curl, 50 MB without Expect" "413" "${got##* }"
rm -f "$work/big"
quick_health "after the big bodies"

# ---- ambiguous framing or sender: 400
check "two Content-Length headers" "400 bad_request" "$(client raw 'POST /v1/psks HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\nAuthorization: Bearer '"$token"'\r\nContent-Length: 2\r\nContent-Length: 200\r\n\r\n{}')"
check "Content-Length with chunked" "400 bad_request" "$(client raw 'POST /v1/psks HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\nAuthorization: Bearer '"$token"'\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n')"
check "HTTP/1.1 without Host" "400 bad_request" "$(client raw 'GET /v1/health HTTP/1.1\r\nConnection: close\r\n\r\n')"
got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" -H "Authorization: Bearer $token" \
  -X POST -d '{"height":1}' "http://$http/v1/channels")
check "two Authorization headers" 400 "$got"

# ---- Host must name this server (read_auth is off: a DNS-rebinding page could read otherwise)
port=${http##*:}
got=$(curl -s -w ' %{http_code}' -H "Host: rebind.example:$port" "http://$http/v1/channels")
check "foreign Host" "host_not_allowed 421" "$(echo "${got% *}" | json 'd["error"]["code"]' 2>/dev/null) ${got##* }"
check "Host localhost:port" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: localhost:$port" "http://$http/v1/channels")"
check "Host of the bind address" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://$http/v1/channels")"

# ---- HEAD on GET routes: the GET headers, no body
get_length=$(curl -s -o /dev/null -w '%{size_download}' "http://$http/v1/openapi.json")
check "HEAD /v1/openapi.json (Python)" "200 application/json $get_length 0" "$(client head /v1/openapi.json)"
check "HEAD /v1/health (curl)" 200 "$(curl -s -I -o /dev/null -w '%{http_code}' "http://$http/v1/health")"

# ---- 1,100 idle sockets from one address and a trickled head leave the server answering
python3 "$work/client.py" "$http" idle $IDLE_SOCKETS 6 >"$work/idle.out" 2>&1 &
idle_pid=$!
for _ in $(seq 100); do grep -q holding "$work/idle.out" && break; sleep 0.1; done
grep -q holding "$work/idle.out" || bad "the idle sockets were not opened"
for i in 1 2 3; do quick_health "$IDLE_SOCKETS idle sockets ($i)"; sleep 1; done
wait "$idle_pid"
secs=$(client trickle 15)
awk -v s="$secs" 'BEGIN { exit !(s >= 8 && s <= 12.5) }' && ok || bad "trickled head closed after $secs s, want about 10"
quick_health "after the idle sockets"
stop_gateway TERM
check "clean stop" 0 "$?"

# ---- a node that accepts connections and never answers: info and health answer at once
cat >"$work/mute_node.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(128)
print(s.getsockname()[1], flush=True)
held = []
deadline = time.monotonic() + float(sys.argv[1])
s.settimeout(0.5)
while time.monotonic() < deadline:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
PY
python3 "$work/mute_node.py" 60 >"$work/mute.port" &
mute_pid=$!
for _ in $(seq 50); do [ -s "$work/mute.port" ] && break; sleep 0.1; done
stop_node
node_api=127.0.0.1:$(cat "$work/mute.port")
start_gateway || exit 1
sleep 1 # the probe is waiting on the mute node by now
got=$(client parallel $PARALLEL)
check "$PARALLEL parallel info and health calls succeed" ok "${got% *}"
[ "${got#* }" -lt $QUICK_MS ] && ok || bad "the slowest info or health call took ${got#* } ms"
t0=$(ms_now)
stop_gateway TERM
check "clean stop with a mute node" 0 "$?"
[ $(($(ms_now) - t0)) -lt 5000 ] && ok || bad "stopping took $(($(ms_now) - t0)) ms with a mute node"
kill "$mute_pid" 2>/dev/null
wait "$mute_pid" 2>/dev/null
finish
