//! Times parsing a daily rated usage CSV alone: `cargo run --release --example parse_usage FILE`.

fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let started = std::time::Instant::now();
    let file =
        std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path).expect("open"));
    let reader =
        tollgate_formats::partner_center::usage_csv::UsageCsvReader::new(file).expect("header");
    let (mut ok, mut bad, mut cost) = (0u64, 0u64, 0i64);
    for row in reader {
        match row {
            Ok(row) => {
                ok += 1;
                cost = cost.wrapping_add(row.cost_micros);
            }
            Err(_) => bad += 1,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{ok} rows ({bad} bad) in {secs:.2} s = {:.0} rows/s (checksum {cost})",
        ok as f64 / secs
    );
}
