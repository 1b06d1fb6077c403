#!/usr/bin/env bash
# Benchmark: importing a simulated Partner Center daily rated usage CSV into the daily
# aggregates on SQLite, side by side with DuckDB (read_csv + the same GROUP BY) on the same file.
# Usage: bench/import_usage.sh [CUSTOMERS] [DAYS]   (default 4000 × 30 ≈ 1M rows)
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-4000}
days=${2:-30}
out=bench/out
mkdir -p "$out"
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install -q duckdb
fi
cargo build --release -q -p tollgate
bench/.venv/bin/python bench/import_usage.py --customers "$customers" --days "$days" --out "$out"
