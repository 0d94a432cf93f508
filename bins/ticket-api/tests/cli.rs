//! The command line, run as a process. (Being an integration test of this package also
//! makes `cargo test` build the `ticket-api` binary that tests/e2e starts.)

use std::process::Command;

fn ticket_api() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ticket-api"))
}

#[test]
fn help_prints_usage_and_succeeds() {
    let out = ticket_api().arg("--help").output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("create-admin --email EMAIL"), "{text}");
}

#[test]
fn unknown_commands_exit_with_usage_error() {
    let out = ticket_api().arg("frobnicate").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown command"));
}

#[test]
fn unsupported_database_urls_are_refused_before_anything_is_created() {
    let dir = std::env::temp_dir().join(format!("ticket-api-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = ticket_api()
        .arg("migrate")
        .current_dir(&dir)
        .env("DATABASE_URL", "mysql://user:secret@localhost/db")
        .env_remove("RUST_LOG")
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("unsupported database URL"), "{log}");
    assert!(!log.contains("secret"), "the password must not be logged: {log}");
}
