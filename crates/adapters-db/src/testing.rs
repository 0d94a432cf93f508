//! Test databases for this crate's contract suite and the end-to-end tests: a fresh SQLite
//! file, or a fresh PostgreSQL schema inside `TEST_DATABASE_URL`.

use std::io::Write as _;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

/// The variable naming the PostgreSQL database tests may use.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// The base URL of the PostgreSQL test database, or `None` when tests should skip.
///
/// Panics when PostgreSQL is required (`CI=true` or `REQUIRE_POSTGRES=1`) but not
/// configured, so CI cannot pass without running the PostgreSQL half. Otherwise says
/// once, on the terminal, that the PostgreSQL tests were skipped.
pub fn postgres_base_url() -> Option<String> {
    if let Ok(url) = std::env::var(TEST_DATABASE_URL)
        && !url.is_empty()
    {
        return Some(url);
    }
    let required = postgres_required();
    assert!(
        !required,
        "PostgreSQL tests are required here (CI or REQUIRE_POSTGRES=1) but {TEST_DATABASE_URL} is not set"
    );
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        // Written to the real stderr, past the test harness's capture, so the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "note: PostgreSQL tests SKIPPED: set {TEST_DATABASE_URL}=postgres://USER:PASSWORD@HOST/DB to run them"
        );
    });
    None
}

/// Whether PostgreSQL tests must run here (`CI=true` or `REQUIRE_POSTGRES=1`) rather
/// than skip.
pub fn postgres_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// `db` as another process would see it: the same database, caches of its own.
pub fn another_process(db: &crate::Database) -> crate::Database {
    db.with_own_caches()
}

/// A unique name for a throwaway schema or file.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// Creates an empty schema in the PostgreSQL test database and returns a URL whose
/// connections use it (via `search_path`), and the schema's name.
pub async fn create_postgres_schema(base_url: &str) -> Result<(String, String), String> {
    let schema = unique_name("test");
    let mut admin = AsyncPgConnection::establish(base_url)
        .await
        .map_err(|e| e.to_string())?;
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .map_err(|e| e.to_string())?;
    let separator = if base_url.contains('?') { '&' } else { '?' };
    let url = format!("{base_url}{separator}options=-c%20search_path%3D{schema}");
    Ok((url, schema))
}

/// Drops a schema made by [`create_postgres_schema`].
pub async fn drop_postgres_schema(base_url: &str, schema: &str) -> Result<(), String> {
    let mut admin = AsyncPgConnection::establish(base_url)
        .await
        .map_err(|e| e.to_string())?;
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .map_err(|e| e.to_string())
}

/// Runs SQL statements on a PostgreSQL database (test setup such as moving instants
/// into the past).
pub async fn postgres_execute(url: &str, sql: &str) -> Result<(), String> {
    let mut conn = AsyncPgConnection::establish(url).await.map_err(|e| e.to_string())?;
    conn.batch_execute(sql).await.map_err(|e| e.to_string())
}

/// Runs SQL statements on the database at `url`, PostgreSQL or `sqlite://PATH` (test
/// setup such as moving an upload's instant into the past).
pub async fn execute(url: &str, sql: &str) -> Result<(), String> {
    match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Some(path) => {
            use diesel::Connection as _;
            use diesel::connection::SimpleConnection as _;
            let mut conn = diesel::SqliteConnection::establish(path).map_err(|e| e.to_string())?;
            conn.batch_execute("PRAGMA busy_timeout = 5000;")
                .map_err(|e| e.to_string())?;
            conn.batch_execute(sql).map_err(|e| e.to_string())
        }
        None => postgres_execute(url, sql).await,
    }
}

/// The single `BIGINT` a PostgreSQL query returns in a column named `n` (test checks
/// such as counting rows).
pub async fn postgres_count(url: &str, sql: &str) -> Result<i64, String> {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncPgConnection::establish(url).await.map_err(|e| e.to_string())?;
    let row: Count = diesel::sql_query(sql)
        .get_result(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.n)
}

/// [`postgres_count`] on the database at `url`, PostgreSQL or `sqlite://PATH`.
pub async fn count(url: &str, sql: &str) -> Result<i64, String> {
    match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Some(path) => {
            use diesel::connection::SimpleConnection as _;
            use diesel::{Connection as _, QueryableByName, RunQueryDsl as _};
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut conn = diesel::SqliteConnection::establish(path).map_err(|e| e.to_string())?;
            conn.batch_execute("PRAGMA busy_timeout = 5000;")
                .map_err(|e| e.to_string())?;
            let row: Count = diesel::sql_query(sql)
                .get_result(&mut conn)
                .map_err(|e| e.to_string())?;
            Ok(row.n)
        }
        None => postgres_count(url, sql).await,
    }
}

/// A PostgreSQL server of a test's own, for tests that restart it or configure it (TLS):
/// `initdb` into a temporary directory, its own port on `localhost`, the superuser
/// `postgres` with the password `postgres` (SCRAM), English messages (`--locale=C`).
/// Run as the `postgres` user when the test runs as root. Stopped and deleted on drop.
#[derive(Debug)]
pub struct ThrowawayCluster {
    dir: std::path::PathBuf,
    bin: std::path::PathBuf,
    /// The port it listens on.
    pub port: u16,
    as_postgres: bool,
}

/// What a [`ThrowawayCluster`] serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterKind {
    /// Plain TCP.
    Plain,
    /// TLS with a certificate for `localhost` from a CA of its own
    /// ([`ThrowawayCluster::ca_file`]); plain connections are refused (`hostssl` only).
    TlsOnly,
}

impl ThrowawayCluster {
    /// Starts a cluster, or returns `None` when PostgreSQL's server binaries are not
    /// installed (`/usr/lib/postgresql/*/bin`) and PostgreSQL is not required; when it
    /// is required ([`postgres_required`]), anything missing or failing panics.
    pub fn start(kind: ClusterKind) -> Option<Self> {
        let Some(bin) = Self::find_bin() else {
            assert!(
                !postgres_required(),
                "PostgreSQL is required here (CI or REQUIRE_POSTGRES=1) but no /usr/lib/postgresql/*/bin/initdb exists"
            );
            let _ = writeln!(
                std::io::stderr(),
                "note: a test needing its own PostgreSQL cluster was SKIPPED: no /usr/lib/postgresql/*/bin/initdb"
            );
            return None;
        };
        let dir = std::env::temp_dir().join(unique_name("pgcluster"));
        std::fs::create_dir_all(&dir).expect("cluster directory");
        let as_postgres = Self::running_as_root();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let cluster = Self {
            dir,
            bin,
            port,
            as_postgres,
        };
        cluster.init(kind);
        cluster.pg_ctl(&["start", "-w", "-t", "60"]);
        Some(cluster)
    }

    /// A URL of its `postgres` database with the password, on `host` (`localhost` is
    /// what the certificate names), ending in `?` plus `params`.
    pub fn url(&self, host: &str, params: &str) -> String {
        let separator = if params.is_empty() { "" } else { "?" };
        format!(
            "postgres://postgres:postgres@{host}:{}/postgres{separator}{params}",
            self.port
        )
    }

    /// The PEM file of the CA that signed a [`ClusterKind::TlsOnly`] cluster's certificate.
    pub fn ca_file(&self) -> std::path::PathBuf {
        self.dir.join("ca.pem")
    }

    /// A CA that signed nothing of this cluster's, for a wrong root.
    pub fn other_ca_file(&self) -> std::path::PathBuf {
        self.dir.join("other-ca.pem")
    }

    /// `pg_ctl restart -m fast`: disconnects every client, waits until it accepts
    /// connections again.
    pub fn restart(&self) {
        self.pg_ctl(&["restart", "-m", "fast", "-w", "-t", "60"]);
    }

    /// The server's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    fn find_bin() -> Option<std::path::PathBuf> {
        let mut versions: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
            .collect();
        versions.sort_by_key(|p| {
            p.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        });
        versions.pop()
    }

    fn running_as_root() -> bool {
        std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
    }

    /// Runs a PostgreSQL program as the cluster's owner and panics with its output if it
    /// fails.
    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            std::process::Command::new(&path)
        };
        let output = command
            .args(args)
            .current_dir(&self.dir)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}\nserver log:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            self.log_text()
        );
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.join("data");
        let log = self.dir.join("server.log");
        let mut all = vec![
            "-D",
            data.to_str().expect("utf-8 path"),
            "-l",
            log.to_str().expect("utf-8 path"),
        ];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all);
    }

    fn init(&self, kind: ClusterKind) {
        let write = |name: &str, text: &str| std::fs::write(self.dir.join(name), text).expect("writes a cluster file");
        write("pwfile", "postgres\n");
        if kind == ClusterKind::TlsOnly {
            self.make_certificates();
        }
        if self.as_postgres {
            let status = std::process::Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(&self.dir)
                .status()
                .expect("runs chown");
            assert!(status.success(), "chown of {} failed", self.dir.display());
        }
        let data = self.dir.join("data");
        self.run(
            "initdb",
            &[
                "-D",
                data.to_str().expect("utf-8 path"),
                "-U",
                "postgres",
                "--pwfile=pwfile",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--locale=C",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let dir = self.dir.display();
        let mut conf = format!(
            "\nport = {}\nlisten_addresses = 'localhost'\nunix_socket_directories = '{dir}'\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 60\n",
            self.port
        );
        let host = match kind {
            ClusterKind::Plain => "host",
            ClusterKind::TlsOnly => {
                conf.push_str(&format!(
                    "ssl = on\nssl_cert_file = '{dir}/server.pem'\nssl_key_file = '{dir}/server.key'\n"
                ));
                "hostssl"
            }
        };
        let append = |name: &str, text: &str| {
            use std::io::Write as _;
            std::fs::OpenOptions::new()
                .append(true)
                .open(data.join(name))
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .expect("configures the cluster");
        };
        append("postgresql.conf", &conf);
        std::fs::write(
            data.join("pg_hba.conf"),
            format!(
                "local all all trust\n{host} all all 127.0.0.1/32 scram-sha-256\n{host} all all ::1/128 scram-sha-256\n"
            ),
        )
        .expect("writes pg_hba.conf");
    }

    /// A CA, a server certificate for `localhost` signed by it, and another CA, made with
    /// the `openssl` command.
    fn make_certificates(&self) {
        let openssl = |args: &[&str]| {
            let output = std::process::Command::new("openssl")
                .args(args)
                .current_dir(&self.dir)
                .output()
                .expect("runs openssl (needed to make the test certificates)");
            assert!(
                output.status.success(),
                "openssl {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        for (key, cert, name) in [
            ("ca.key", "ca.pem", "test CA"),
            ("other-ca.key", "other-ca.pem", "other CA"),
        ] {
            let subject = format!("/CN=throwaway {name}");
            let mut args = vec!["req", "-x509", "-days", "2", "-subj", &subject];
            args.extend_from_slice(&ec);
            args.extend_from_slice(&[
                "-keyout",
                key,
                "-out",
                cert,
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]);
            openssl(&args);
        }
        let mut args = vec![
            "req",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ];
        args.extend_from_slice(&ec);
        openssl(&args);
        std::fs::write(
            self.dir.join("server.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .expect("writes the certificate extensions");
        openssl(&[
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(self.dir.join("server.key"), std::fs::Permissions::from_mode(0o600))
                .expect("server key mode 0600");
        }
    }
}

impl Drop for ThrowawayCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        if let Some(data) = data.to_str() {
            let path = self.bin.join("pg_ctl");
            let mut command = if self.as_postgres {
                let mut c = std::process::Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&path);
                c
            } else {
                std::process::Command::new(&path)
            };
            let _ = command
                .args(["-D", data, "-m", "immediate", "-w", "stop"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
