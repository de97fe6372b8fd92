#!/usr/bin/env bash
# keyadm serve against nginx (not run by CI). Needs wrk, nginx (nginx-light
# will do), taskset, curl, python3, sqlite3:
#   apt-get install -y wrk nginx-light util-linux curl python3 sqlite3
#
# On loopback, each server pinned to the same one core (SERVER_CPU, default
# 0) and wrk (one thread) to the other (CLIENT_CPU, default 1):
#   1. peak requests/s and latency of nginx answering `return 200` (the floor
#      for an HTTP round trip here), through the same wrk script;
#   2. peak requests/s and latency of `keyadm serve`, GET /v1/auth with a
#      valid key (each request another key of the store, scripts/bench-serve.lua),
#      stores of 300 and of 300,000 keys;
#   3. p99 at half of keyadm's peak rate: wrk cannot hold a rate, so the lua
#      script's delay() paces each connection (BENCH_DELAY_MS, mean 2 ms) and
#      the connection count is chosen for half the peak (estimated, then
#      corrected once by the rate a first paced run reached); the rate
#      reached is printed beside the p99;
#   4. reload: a key disabled (sqlite3 UPDATE, as another process would) in
#      the 300,000-key store while serve runs, until /v1/auth answers 403.
# The stores are those of benches/service.rs (built through the library,
# 300 keys per tenant; kept in BENCH_DIR and reused).
#   DURATION=5s ROUNDS=3 CONNS=64 scripts/bench-serve.sh   (the defaults)
#   KEYADM_BIN=path BENCH_DIR=dir scripts/bench-serve.sh   # another build, kept stores
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk taskset curl python3 sqlite3; do
  command -v "$tool" >/dev/null || { echo "bench-serve.sh needs $tool" >&2; exit 1; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "bench-serve.sh needs nginx (apt-get install -y nginx-light)" >&2; exit 1; }
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
duration=${DURATION:-5s}
rounds=${ROUNDS:-3}
conns=${CONNS:-64}
pace_ms=2
dir="${BENCH_DIR:-$(mktemp -d)}"
export BENCH_DIR="$dir"
lua="$PWD/scripts/bench-serve.lua"

if [ -z "${KEYADM_BIN:-}" ]; then
  cargo build --release --quiet
  KEYADM_BIN="$PWD/target/release/keyadm"
fi
bin=$KEYADM_BIN
if [ ! -e "$dir/values-300.txt" ] || [ ! -e "$dir/values-300000.txt" ]; then
  echo "== building the stores (benches/service.rs, in-process figures only)"
  BENCH_IN_PROCESS=1 cargo bench --quiet --bench service
fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { # URL
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "no answer from $1" >&2; exit 1
}

# wrk LABEL URL VALUES CONNS [DELAY_MS] → prints "LABEL rps p50 p99", keeps the output
run_wrk() {
  local label=$1 url=$2 values=$3 c=$4 pace=${5:-}
  local out
  out="$dir/wrk-$(echo "$label" | tr -cs 'A-Za-z0-9' '-' | sed 's/^-*//; s/-*$//').txt"
  BENCH_VALUES="$values" BENCH_DELAY_MS="$pace" \
    taskset -c "$client_cpu" wrk -t1 -c"$c" -d"$duration" --latency -s "$lua" "$url" >"$out"
  if grep -q 'Non-2xx' "$out"; then echo "$label: answers other than 200:" >&2; cat "$out" >&2; exit 1; fi
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  printf '%-34s %12s req/s   p50 %8s   p99 %8s\n' "$label" "$rps" "$p50" "$p99"
  last_rps=$rps
}

echo "== load before: $(uptime)"
echo "wrk: 1 thread on CPU $client_cpu, $duration per run; servers on CPU $server_cpu"

# 1. nginx `return 200`
ngx="$dir/nginx"
mkdir -p "$ngx/logs"
nport=$(free_port)
user=""
[ "$(id -u)" = 0 ] && user="user root root;"
cat >"$ngx/nginx.conf" <<CONF
$user
daemon off;
master_process off;
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $ngx/body;
    proxy_temp_path $ngx/proxy;
    fastcgi_temp_path $ngx/fastcgi;
    uwsgi_temp_path $ngx/uwsgi;
    scgi_temp_path $ngx/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nport;
        location / { return 200; }
    }
}
CONF
taskset -c "$server_cpu" "$nginx" -p "$ngx" -c "$ngx/nginx.conf" &
pids+=($!)
wait_up "http://127.0.0.1:$nport/"
declare -A port
for n in 300 300000; do
  port[$n]=$(free_port)
  taskset -c "$server_cpu" "$bin" --db "$dir/keys-$n.db" serve --listen "127.0.0.1:${port[$n]}" 2>"$dir/serve-$n.err" &
  pids+=($!)
  wait_up "http://127.0.0.1:${port[$n]}/healthz"
done

# 1 and 2: ROUNDS rounds of the three, interleaved (the machine's other load
# moves between runs); the best round of each counts.
best() { python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }
declare -A runs
for r in $(seq 1 "$rounds"); do
  run_wrk "nginx return 200 #$r" "http://127.0.0.1:$nport/v1/auth" "$dir/values-300.txt" "$conns"
  runs[nginx]+=" $last_rps"
  for n in 300 300000; do
    run_wrk "keyadm serve, $n keys #$r" "http://127.0.0.1:${port[$n]}/v1/auth" "$dir/values-$n.txt" "$conns"
    runs[$n]+=" $last_rps"
  done
done
nginx_rps=$(best ${runs[nginx]})
declare -A peak
for n in 300 300000; do peak[$n]=$(best ${runs[$n]}); done
echo "best: nginx $nginx_rps, serve 300 keys ${peak[300]}, 300,000 keys ${peak[300000]} req/s"

# 3. p99 at half the peak
for n in 300 300000; do
  # connections × 1000 / (mean delay + ~0.1 ms service) ≈ peak / 2
  half_conns=$(python3 -c "print(max(1, round(${peak[$n]} / 2 * ($pace_ms + 0.1) / 1000)))")
  target=$(python3 -c "print(round(${peak[$n]} / 2))")
  run_wrk "paced, $n keys, $half_conns conns" "http://127.0.0.1:${port[$n]}/v1/auth" "$dir/values-$n.txt" "$half_conns" "$pace_ms" >/dev/null
  # one correction: scale the connections by how far the rate reached is from the target
  half_conns=$(python3 -c "print(max(1, round($half_conns * $target / $last_rps)))")
  for r in $(seq 1 "$rounds"); do
    run_wrk "serve $n keys, half peak ($half_conns conns) #$r" "http://127.0.0.1:${port[$n]}/v1/auth" "$dir/values-$n.txt" "$half_conns" "$pace_ms"
  done
  echo "  (target $target req/s)"
done

# 4. reload: disable one key behind serve's back, time until it is denied
n=300000
value=$(sed -n 150000p "$dir/values-$n.txt")
sqlite3 "$dir/keys-$n.db" "UPDATE keys SET enabled = 0 WHERE name = 'key-149999'"
python3 - "${port[$n]}" "$value" <<'PY'
import sys, time, urllib.request
port, value = sys.argv[1], sys.argv[2]
start = time.monotonic()
while True:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/auth", headers={"Authorization": "Bearer " + value})
    try:
        urllib.request.urlopen(req).close()
    except urllib.error.HTTPError as e:
        if e.code == 403:
            break
        raise
    if time.monotonic() - start > 10:
        sys.exit("reload: still allowed after 10 s")
    time.sleep(0.005)
print(f"reload, 300000 keys: a disabled key is denied after {time.monotonic() - start:.2f} s")
PY
sqlite3 "$dir/keys-$n.db" "UPDATE keys SET enabled = 1 WHERE name = 'key-149999'"

python3 - "$nginx_rps" "${peak[300]}" "${peak[300000]}" <<'PY'
import sys
nginx, small, big = map(float, sys.argv[1:])
print(f"serve/nginx: {small / nginx:.2f} (300 keys), {big / nginx:.2f} (300,000 keys); goal >= 0.5")
print(f"300,000 / 300 keys: {big / small:.2f}; goal >= 0.8")
PY
echo "== load after: $(uptime)"
echo "(files kept in $dir)"
