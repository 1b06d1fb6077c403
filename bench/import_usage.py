"""Times `tollgate import usage` on a simulated book against DuckDB on the same file.

Run through bench/import_usage.sh, which builds the release binary and the DuckDB venv.
"""
import argparse
import os
import resource
import shutil
import subprocess
import time

import duckdb

TOLLGATE = "target/release/tollgate"


def run_child(args):
    """Runs a command; returns (seconds, peak RSS of the child in MiB, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, done.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=4000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--out", default="bench/out")
    args = parser.parse_args()

    book = os.path.join(args.out, f"book-{args.customers}x{args.days}")
    if not os.path.exists(os.path.join(book, "usage.csv")):
        subprocess.run([TOLLGATE, "simulate", "--customers", str(args.customers), "--days", str(args.days),
                        "--seed", "7", "--out", book], check=True)
    usage = os.path.join(book, "usage.csv")
    with open(usage, "rb") as f:
        rows = sum(1 for _ in f) - 1
    size_mb = os.path.getsize(usage) / 1e6

    db = os.path.join(args.out, "bench.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    seconds, peak_mib, _ = run_child([TOLLGATE, "--db", f"sqlite://{db}", "import", "usage", usage])
    reimport_seconds, _, reimport_out = run_child([TOLLGATE, "--db", f"sqlite://{db}", "import", "usage", usage])

    con = duckdb.connect()
    start = time.perf_counter()
    groups = con.execute(f"""
        SELECT CustomerId, SubscriptionId, UsageDate, MeterCategory, lower(ResourceLocation) AS region,
               BillingCurrency, sum(CAST(BillingPreTaxTotal AS DECIMAL(38, 10))) AS cost,
               sum(CAST(Quantity AS DECIMAL(38, 10))) AS quantity, count(*) AS n
        FROM read_csv('{usage}', header = true, all_varchar = true)
        GROUP BY ALL
    """).fetchall()
    duck_seconds = time.perf_counter() - start

    print(f"file: {usage} ({rows} rows, {size_mb:.0f} MB)")
    print(f"tollgate import usage (SQLite): {seconds:.2f} s = {rows / seconds:,.0f} rows/s, peak RSS {peak_mib:.0f} MiB")
    print(f"tollgate re-import (all unchanged): {reimport_seconds:.2f} s = {rows / reimport_seconds:,.0f} rows/s")
    print(f"  {reimport_out.strip().splitlines()[0]}")
    print(f"duckdb read_csv + GROUP BY ({len(groups)} groups, in memory, no store): {duck_seconds:.2f} s "
          f"= {rows / duck_seconds:,.0f} rows/s")
    print(f"ratio tollgate/duckdb: {duck_seconds / seconds:.2f}x")


if __name__ == "__main__":
    main()
