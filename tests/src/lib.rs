//! Harness for the end-to-end tests: starts the real `ticket-api` binary on a fresh
//! database (a temporary SQLite file, or a throwaway PostgreSQL schema when
//! `TEST_DATABASE_URL` is set) and talks to it over HTTP.
#![forbid(unsafe_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use adapters_db::testing;
pub use reqwest::{Method, StatusCode};
pub use serde_json::{Value, json};

/// The bootstrap admin every test server starts with.
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// Its password.
pub const ADMIN_PASSWORD: &str = "admin password 123";

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A throwaway schema in `TEST_DATABASE_URL`.
    Postgres,
}

/// Path of a binary of this workspace, (re)built first by cargo once per test process.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe.parent().and_then(Path::parent).expect("target dir").to_path_buf();
    let path = dir.join(name);
    // Built once per test process, even when present: a binary left in a cached target
    // directory by an older checkout must never be the one tested (cargo makes this a
    // no-op when it is up to date; `cargo test --workspace` rebuilds only ticket-api's).
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let status = Command::new(cargo)
            .arg("build")
            .arg("--manifest-path")
            .arg(manifest)
            .args(["-p", "ticket-api", "-p", "ticket-worker", "--bins"])
            // The API reads an injected clock offset (TICKET_TEST_CLOCK_FILE) only with this.
            .args(["--features", "ticket-api/test-clock"])
            .status()
            .expect("runs cargo build");
        assert!(status.success(), "building the binaries failed");
    });
    path
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `ticket-api` and a client for it.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The database URL the server uses.
    pub database_url: String,
    log: PathBuf,
    dir: PathBuf,
    schema: Option<(String, String)>,
}

impl Server {
    /// Starts a server on `backend`, or returns `None` when PostgreSQL is not configured
    /// (and not required).
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::start_with(backend, &[]).await
    }

    /// Starts a server with extra environment variables.
    pub async fn start_with(backend: Backend, env: &[(&str, &str)]) -> Option<Self> {
        let dir = std::env::temp_dir().join(testing::unique_name("e2e"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (database_url, schema) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", dir.join("tickets.db").display()), None),
            Backend::Postgres => {
                let base = testing::postgres_base_url()?;
                let (url, schema) = testing::create_postgres_schema(&base).await.expect("creates a schema");
                (url, Some((base, schema)))
            }
        };
        Some(Self::launch(dir, database_url, schema, env).await)
    }

    /// Starts a server on the database at `database_url` (a test's own PostgreSQL
    /// cluster, say), with extra environment variables.
    pub async fn start_on(database_url: &str, env: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(testing::unique_name("e2e"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self::launch(dir, database_url.to_owned(), None, env).await
    }

    async fn launch(
        dir: PathBuf,
        database_url: String,
        schema: Option<(String, String)>,
        env: &[(&str, &str)],
    ) -> Self {
        let log = dir.join("server.log");
        let mut server = Self {
            child: None,
            base: String::new(),
            // Idle connections are dropped after 2 s, before actix-web's 5 s keep-alive
            // closes them from its side: reusing one the server is closing at that moment
            // fails the request with `IncompleteMessage` (seen under load).
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_idle_timeout(Duration::from_secs(2))
                .build()
                .expect("client"),
            database_url,
            log,
            dir,
            schema,
        };
        let mut all_env: Vec<(&str, &str)> = vec![
            ("TICKET__BOOTSTRAP__ADMIN_EMAIL", ADMIN_EMAIL),
            ("TICKET__BOOTSTRAP__ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("TICKET__HTTP__WORKERS", "2"),
            ("TICKET__LOG__LEVEL", "info"),
        ];
        all_env.extend_from_slice(env);
        // A port found free can be taken by a parallel test before the server binds it:
        // then the server exits, and the next port is tried.
        for _ in 0..5 {
            let bind = format!("127.0.0.1:{}", free_port());
            server.base = format!("http://{bind}");
            let mut with_bind = all_env.clone();
            with_bind.push(("TICKET__HTTP__BIND", &bind));
            server.spawn(&[], &with_bind);
            match server.wait_ready().await {
                Ok(()) => return server,
                Err(log) if log.contains("cannot serve on") => continue,
                Err(log) => panic!("ticket-api exited before it was ready:\n{log}"),
            }
        }
        panic!(
            "ticket-api could not bind a port in five attempts:\n{}",
            server.log_text()
        );
    }

    /// Runs the binary with `args` against this server's database and waits for it.
    pub fn run_command(&self, args: &[&str], env: &[(&str, &str)]) -> (ExitStatus, String) {
        let output = Command::new(binary("ticket-api"))
            .args(args)
            .current_dir(&self.dir)
            .env("DATABASE_URL", &self.database_url)
            .env("TICKET__LOG__FORMAT", "pretty")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .expect("runs ticket-api");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status, text)
    }

    /// Starts `ticket-worker` on this server's database with its health endpoint on
    /// `health_bind`; the caller stops it.
    pub fn spawn_worker(&self, health_bind: &str) -> Child {
        self.spawn_worker_with(health_bind, &[])
    }

    /// Like [`Server::spawn_worker`], with extra environment variables.
    pub fn spawn_worker_with(&self, health_bind: &str, env: &[(&str, &str)]) -> Child {
        self.spawn_worker_logged("worker.log", health_bind, env)
    }

    /// Like [`Server::spawn_worker_with`], logging to `log_name` in the server's directory
    /// (read it with [`Server::read_log`]), for several workers at once.
    pub fn spawn_worker_logged(&self, log_name: &str, health_bind: &str, env: &[(&str, &str)]) -> Child {
        let log = std::fs::File::create(self.dir.join(log_name)).expect("log file");
        Command::new(binary("ticket-worker"))
            .current_dir(&self.dir)
            .env_remove("RUST_LOG")
            .env("DATABASE_URL", &self.database_url)
            .env("TICKET__WORKER__HEALTH_BIND", health_bind)
            .env("TICKET__WORKER__REPORT_INTERVAL_SECS", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("starts ticket-worker")
    }

    /// A log file in the server's directory.
    pub fn read_log(&self, log_name: &str) -> String {
        std::fs::read_to_string(self.dir.join(log_name)).unwrap_or_default()
    }

    /// What `ticket-worker` logged.
    pub fn worker_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("worker.log")).unwrap_or_default()
    }

    fn spawn(&mut self, args: &[&str], env: &[(&str, &str)]) {
        let log = std::fs::File::create(&self.log).expect("log file");
        let child = Command::new(binary("ticket-api"))
            .args(args)
            .current_dir(&self.dir)
            .env_remove("RUST_LOG")
            .env("DATABASE_URL", &self.database_url)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("starts ticket-api");
        self.child = Some(child);
    }

    /// Waits until the server answers `/readyz`; `Err(log)` if it exited first.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // Exit first: another test's server may answer on a port this one failed to bind.
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                return Err(format!("exit status {status}\n{}", self.log_text()));
            }
            // Ready means our process bound the port (actix logs it) and answers.
            let bound = format!("listening on: {}", self.base.trim_start_matches("http://"));
            if self.log_text().contains(&bound)
                && let Ok(r) = self.http.get(format!("{}/readyz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "ticket-api not ready after 60 s:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// `host:port` the server listens on.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Everything the server logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM to the server and waits for it to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let child = self.child.take().expect("running");
        terminate(child)
    }

    /// A request to `path` (relative to the server), with a bearer token if given.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    }

    /// Sends a JSON request and returns status, headers and parsed body (`Null` if empty).
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut r = self.request(method, path, token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        Reply::from(r.send().await.expect("request sent")).await
    }

    /// Sends a `multipart/form-data` request: text `fields`, then `files` as
    /// (file name, content type, bytes) parts named `files`.
    pub async fn multipart(
        &self,
        path: &str,
        token: Option<&str>,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Reply {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (file_name, content_type, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(file_name.to_string())
                .mime_str(content_type)
                .expect("a valid content type");
            form = form.part("files", part);
        }
        let r = self.request(Method::POST, path, token).multipart(form);
        Reply::from(r.send().await.expect("request sent")).await
    }

    /// The server's working directory: its data (`data/`) and log live here.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Every file under the server's attachment store, relative to it, sorted.
    pub fn stored_blobs(&self) -> Vec<String> {
        fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else if let Ok(rel) = path.strip_prefix(root) {
                    out.push(rel.display().to_string());
                }
            }
        }
        let root = self.dir.join("data").join("attachments");
        let mut out = Vec::new();
        walk(&root, &root, &mut out);
        out.sort();
        out
    }

    /// Logs in and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login of {email} failed: {}", r.body);
        r.body["token"].as_str().expect("token").to_owned()
    }

    /// The admin's token.
    pub async fn admin(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates an account through the API (as `admin_token`) and logs it in; returns
    /// (user id, token).
    pub async fn account(&self, admin_token: &str, kind: &str, email: &str) -> (i64, String) {
        let password = "password for tests";
        let (path, body) = if kind == "customer" {
            (
                "/api/v1/customers",
                json!({"email": email, "display_name": email, "password": password}),
            )
        } else {
            (
                "/api/v1/agents",
                json!({"email": email, "display_name": email, "password": password, "role": kind}),
            )
        };
        let r = self.call(Method::POST, path, Some(admin_token), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "creating {email}: {}", r.body);
        let id = r.body["id"].as_i64().expect("id");
        (id, self.login(email, password).await)
    }

    /// Creates a category as admin.
    pub async fn category(&self, admin_token: &str, slug: &str) {
        let r = self
            .call(
                Method::POST,
                "/api/v1/categories",
                Some(admin_token),
                Some(json!({"slug": slug, "name": slug})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "creating category {slug}: {}", r.body);
    }

    /// Opens a ticket and returns its JSON.
    pub async fn ticket(&self, token: &str, body: Value) -> Value {
        let r = self
            .call(Method::POST, "/api/v1/tickets", Some(token), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "opening a ticket: {}", r.body);
        r.body
    }
}

/// The counters a worker serves on `/metrics` at `bind`, read by name (-1 when absent).
pub async fn worker_metrics(bind: &str, names: &[&str]) -> Vec<i64> {
    let text = reqwest::get(format!("http://{bind}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    names
        .iter()
        .map(|name| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{name} ")))
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(-1)
        })
        .collect()
}

/// Sends SIGTERM to a process and waits (at most 30 s) for it to exit.
pub fn terminate(mut child: Child) -> ExitStatus {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("process {} did not stop within 30 s of SIGTERM", child.id());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some((base, schema)) = self.schema.take() {
            // Best effort, on a runtime of our own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
                if let Ok(rt) = rt {
                    let _ = rt.block_on(testing::drop_postgres_schema(&base, &schema));
                }
            })
            .join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The smallest bytes that are a PNG by their signature.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body parsed as JSON, `Null` when empty, a string when not JSON.
    pub body: Value,
}

impl Reply {
    /// Reads a response.
    pub async fn from(r: reqwest::Response) -> Self {
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Self { status, headers, body }
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem document with this status and code.
    pub fn assert_problem(&self, status: StatusCode, code: &str) {
        assert_eq!(
            self.status, status,
            "expected {status} {code}, got {}: {}",
            self.status, self.body
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.body
        );
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status.as_u16(), "{}", self.body);
    }
}

/// Declares each test once per backend: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let server = $crate::Server::start($crate::Backend::Sqlite).await.expect("sqlite always runs");
                    super::$case(server).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(server) = $crate::Server::start($crate::Backend::Postgres).await else { return };
                    super::$case(server).await;
                }
            )*
        }
    };
}
