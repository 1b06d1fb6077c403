//! Request counts and latency histograms per route, in the Prometheus text format, with the
//! outbox backlog read from the store at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use tollgate_store::OutboxStats;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// The server's counters.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let stats = routes
            .entry((method.to_string(), route.to_string()))
            .or_default();
        *stats.by_status.entry(status).or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        stats.count += 1;
        stats.sum_seconds += seconds;
    }

    /// The Prometheus text exposition.
    pub fn render(&self, outbox: Option<OutboxStats>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP tollgate_http_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE tollgate_http_requests_total counter");
        let routes = match self.routes.lock() {
            Ok(routes) => routes,
            Err(poisoned) => poisoned.into_inner(),
        };
        for ((method, route), stats) in routes.iter() {
            for (status, n) in &stats.by_status {
                let _ = writeln!(
                    out,
                    "tollgate_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP tollgate_http_request_duration_seconds HTTP request latency by route."
        );
        let _ = writeln!(
            out,
            "# TYPE tollgate_http_request_duration_seconds histogram"
        );
        for ((method, route), stats) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, n) in BUCKETS.iter().zip(stats.buckets) {
                let _ = writeln!(
                    out,
                    "tollgate_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "tollgate_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "tollgate_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.sum_seconds
            );
            let _ = writeln!(
                out,
                "tollgate_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
        if let Some(outbox) = outbox {
            let _ = writeln!(
                out,
                "# HELP tollgate_outbox_entries Outbox entries by state (the job queue)."
            );
            let _ = writeln!(out, "# TYPE tollgate_outbox_entries gauge");
            for (state, n) in [
                ("pending", outbox.pending),
                ("due", outbox.due),
                ("in_flight", outbox.in_flight),
                ("delivered", outbox.delivered),
                ("dead", outbox.dead),
            ] {
                let _ = writeln!(out, "tollgate_outbox_entries{{state=\"{state}\"}} {n}");
            }
        }
        out
    }
}
