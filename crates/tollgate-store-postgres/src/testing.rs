//! Throwaway PostgreSQL databases for tests, in this crate and in any crate that tests against
//! PostgreSQL: [`test_database_url`] gives a fresh, empty database per call.
//!
//! Where the database comes from, in order:
//!
//! 1. `TOLLGATE_TEST_DATABASE_URL` (a server you run, e.g. a CI service): each call creates
//!    `tollgate_test_<random>` on it. Those databases are left behind for the server's owner.
//! 2. Debian's PostgreSQL binaries (`/usr/lib/postgresql/<version>/bin`, the highest version, or
//!    `pg_config --bindir`): one cluster per test process in a temporary directory, started on
//!    first use. `initdb` and `postgres` refuse to run as root, so as root they run as the
//!    `postgres` user (`runuser`) on a directory it owns. A watchdog process stops the server
//!    and removes the directory once the test process has exited, however it exited.
//! 3. Neither: `None`, and the caller skips its test, unless `TOLLGATE_REQUIRE_POSTGRES=1`
//!    (CI), which turns the absence into a panic.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sqlx::{Connection, Executor, PgConnection};
use tokio::sync::OnceCell;

/// A server to create test databases on, instead of a local cluster.
pub const DATABASE_URL_VAR: &str = "TOLLGATE_TEST_DATABASE_URL";
/// Set to `1` to fail, not skip, when no PostgreSQL is available.
pub const REQUIRE_VAR: &str = "TOLLGATE_REQUIRE_POSTGRES";

/// Where Debian installs each PostgreSQL version's binaries.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// The local cluster of this process: `None` when there are no binaries, else its admin URL or
/// why it did not start.
static CLUSTER: OnceCell<Option<Result<String, String>>> = OnceCell::const_new();

/// A URL of a fresh, empty database, or `None` when no PostgreSQL is available here (and
/// `TOLLGATE_REQUIRE_POSTGRES` is not `1`).
///
/// # Panics
///
/// When PostgreSQL is required but absent, when the local cluster fails to start, or when the
/// database cannot be created: a test cannot go on in any of these cases.
pub async fn test_database_url() -> Option<String> {
    let admin_url = match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => match local_cluster().await {
            Some(url) => url,
            None if postgres_required() => panic!(
                "PostgreSQL is required ({REQUIRE_VAR}=1) but neither {DATABASE_URL_VAR} nor \
                 Debian's PostgreSQL binaries were found"
            ),
            None => return None,
        },
    };
    match create_database(&admin_url).await {
        Ok(url) => Some(url),
        Err(error) => panic!("could not create a test database: {error}"),
    }
}

fn postgres_required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v.trim() == "1")
}

/// Creates `tollgate_test_<random>` through `admin_url` and returns that database's URL.
async fn create_database(admin_url: &str) -> Result<String, String> {
    let name = format!("tollgate_test_{:016x}", rand::random::<u64>());
    let mut conn = PgConnection::connect(admin_url)
        .await
        .map_err(|e| format!("connecting to {}: {e}", redact(admin_url)))?;
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .map_err(|e| format!("creating database {name}: {e}"))?;
    conn.close()
        .await
        .map_err(|e| format!("closing the admin connection: {e}"))?;
    Ok(with_database(admin_url, &name))
}

/// `url` with its database (the path) replaced by `name`; the query string is kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// `url` without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The admin URL of this process's cluster, started on first use; `None` without binaries.
async fn local_cluster() -> Option<String> {
    let outcome = CLUSTER
        .get_or_init(|| async {
            let bindir = find_bindir()?;
            // Starting takes a second of blocking process calls: keep them off the runtime.
            let started = tokio::task::spawn_blocking(move || start_cluster(&bindir))
                .await
                .map_err(|e| format!("the cluster start task failed: {e}"))
                .and_then(|result| result);
            Some(started)
        })
        .await;
    match outcome {
        None => None,
        Some(Ok(url)) => Some(url.clone()),
        Some(Err(error)) => panic!("could not start a throwaway PostgreSQL cluster: {error}"),
    }
}

/// The directory holding `initdb` and `pg_ctl`: Debian's highest version, else `pg_config`'s.
fn find_bindir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(DEBIAN_ROOT)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version: Vec<u32> = name
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_tools(bin))
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let output = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let bin = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    (output.status.success() && has_tools(&bin)).then_some(bin)
}

/// Whether this process runs as root (then the server runs as `postgres`).
fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A command running the PostgreSQL tool `program`, as the `postgres` user when we are root.
fn pg_command(as_postgres: bool, program: &Path) -> Command {
    let mut command = if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    command.stdin(Stdio::null());
    command
}

/// Quotes `text` for `sh`.
fn shell_quote(text: &Path) -> String {
    format!("'{}'", text.display().to_string().replace('\'', r"'\''"))
}

fn run(mut command: Command, what: &str) -> Result<Output, String> {
    let output = command
        .output()
        .map_err(|e| format!("running {what}: {e}"))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// A port free at the moment of asking (the listener is dropped at once).
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

/// Creates and starts a cluster; returns its admin URL.
fn start_cluster(bindir: &Path) -> Result<String, String> {
    let as_postgres = running_as_root();
    let dir = std::env::temp_dir().join(format!(
        "tollgate-pg-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let data = dir.join("data");
    let pg_ctl = bindir.join("pg_ctl");

    // The watchdog comes first, so that whatever fails below, the directory goes away.
    spawn_watchdog(as_postgres, &pg_ctl, &dir, &data)?;

    if as_postgres {
        let mut chown = Command::new("chown");
        chown.arg("-R").arg("postgres:postgres").arg(&dir);
        run(chown, "chown")?;
    }
    let mut initdb = pg_command(as_postgres, &bindir.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        .arg("--locale=C.UTF-8");
    run(initdb, "initdb")?;

    // Another process may take the port between our look and the server's bind: try again.
    let log = dir.join("server.log");
    let mut last_error = String::new();
    for _ in 0..3 {
        let port = free_port()?;
        let mut start = pg_command(as_postgres, &pg_ctl);
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                dir.display()
            ))
            .arg("start");
        match run(start, "pg_ctl start") {
            Ok(_) => return Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres")),
            Err(error) => {
                let tail = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: Vec<&str> = tail.lines().rev().take(5).collect();
                last_error = format!("{error}; server log: {}", tail.join(" | "));
            }
        }
    }
    Err(last_error)
}

/// Starts a detached shell that waits for this process to end, then stops the server
/// (immediately: the data is throwaway) and removes `dir`.
fn spawn_watchdog(as_postgres: bool, pg_ctl: &Path, dir: &Path, data: &Path) -> Result<(), String> {
    let runner = if as_postgres {
        "runuser -u postgres -- "
    } else {
        ""
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {runner}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        pg_ctl = shell_quote(pg_ctl),
        data = shell_quote(data),
        dir = shell_quote(dir),
    );
    // Its own process group: a Ctrl-C on the test run must not kill the watchdog first.
    let watchdog = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("starting the cluster watchdog: {e}"))?;
    // Not waited for: it outlives this process by design, and init reaps it.
    drop(watchdog);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_replaces_the_path_and_keeps_the_query() {
        assert_eq!(
            with_database("postgres://u:p@host:5432/postgres", "t1"),
            "postgres://u:p@host:5432/t1"
        );
        assert_eq!(
            with_database("postgresql://host", "t1"),
            "postgresql://host/t1"
        );
        assert_eq!(
            with_database("postgres://host/db?sslmode=disable", "t1"),
            "postgres://host/t1?sslmode=disable"
        );
    }

    #[test]
    fn redact_hides_the_password() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
