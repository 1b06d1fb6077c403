#!/usr/bin/env bash
# Benchmark: GET /v1/customers/{id} with a bearer token on SQLite over loopback, with wrk
# (Debian's package). Usage: bench/api_customer.sh [DURATION]   (default 10s)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p tollgate
out=bench/out/api
rm -rf "$out" && mkdir -p "$out"
bin=target/release/tollgate
db="sqlite://$out/api.db"
$bin --db "$db" simulate --customers 2000 --days 7 --seed 7 --out "$out/book" >/dev/null
$bin --db "$db" import customers "$out/book/customers.ndjson" >/dev/null
echo "a long enough bench passphrase" | $bin --db "$db" users add --email bench@partner.example --role admin_agent >/dev/null
secret=$($bin --db "$db" --json tokens create --email bench@partner.example --name bench | sed -E 's/.*"secret":"([^"]+)".*/\1/')
customer=$(head -1 "$out/book/customers.ndjson" | sed -E 's/.*"id":"([^"]+)".*/\1/')
port=18080
$bin --db "$db" serve --no-worker --listen 127.0.0.1:$port 2>"$out/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs -H "Authorization: Bearer $secret" "http://127.0.0.1:$port/v1/customers/$customer" >/dev/null
path=${PATH_UNDER_TEST:-/v1/customers/$customer}
wrk -t2 -c32 -d"$duration" --latency -H "Authorization: Bearer $secret" "http://127.0.0.1:$port$path"
