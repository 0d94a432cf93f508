//! The command line: `serve` (default), `migrate`, `create-admin`, `user list|deactivate|set-password`.

use std::io::BufRead as _;
use std::sync::Arc;

use application::accounts::{BootstrapAdmin, BootstrapOutcome};
use application::ports::BlobStore;
use platform::adapters::{open_blob_store, open_database};
use platform::{Settings, shutdown_signal};
use ticket_worker::runtime::Runtime;

use crate::compose::compose;

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Create an admin account; the password comes from `TICKET_ADMIN_PASSWORD` or stdin.
    CreateAdmin {
        /// Its e-mail address.
        email: String,
        /// Its display name.
        name: String,
    },
    /// Manage accounts without HTTP access.
    User(UserCommand),
    /// Print usage.
    Help,
}

/// `ticket-api user …`: account commands for operators, through the same use cases as
/// the API (acting as the operator, recorded as the system in ticket history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    /// Print every account as a table: id, e-mail, role, active, name.
    List,
    /// Deactivate the account with this address: sessions revoked, a staff member set
    /// offline and their open tickets returned to the queue.
    Deactivate {
        /// Its e-mail address.
        email: String,
    },
    /// Set a user's password (the policy applies) and revoke all their sessions; the
    /// password comes from `TICKET_NEW_PASSWORD` or one line of stdin.
    SetPassword {
        /// The account's e-mail address.
        email: String,
    },
}

/// Usage text.
pub const USAGE: &str = "\
ticket-api: the help desk's HTTP API

USAGE:
    ticket-api [serve]                                  serve the API (default)
    ticket-api migrate                                  apply database migrations and exit
    ticket-api create-admin --email EMAIL [--name NAME] create an admin account; the password
                                                        is read from TICKET_ADMIN_PASSWORD or stdin
    ticket-api user list                                print every account (id, e-mail, role, active, name)
    ticket-api user deactivate --email EMAIL            deactivate an account: its sessions end, an agent's
                                                        open tickets return to the queue
    ticket-api user set-password --email EMAIL          set a user's password and log out all their
                                                        sessions; the password is read from
                                                        TICKET_NEW_PASSWORD or one line of stdin
    ticket-api --help

Configuration: defaults, then ./ticket.toml or the file in TICKET_CONFIG, then
TICKET__SECTION__KEY environment variables and DATABASE_URL (see README.md).";

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        None | Some("serve") if args.len() <= 1 => Ok(Command::Serve),
        Some("migrate") if args.len() == 1 => Ok(Command::Migrate),
        Some("-h" | "--help" | "help") => Ok(Command::Help),
        Some("create-admin") => {
            let (mut email, mut name) = (None, None);
            let mut rest = args[1..].iter();
            while let Some(flag) = rest.next() {
                let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
                match flag.as_str() {
                    "--email" => email = Some(value.clone()),
                    "--name" => name = Some(value.clone()),
                    other => return Err(format!("unknown option {other}")),
                }
            }
            let email = email.ok_or("create-admin needs --email")?;
            Ok(Command::CreateAdmin {
                email,
                name: name.unwrap_or_else(|| "Administrator".into()),
            })
        }
        Some("user") => parse_user(&args[1..]).map(Command::User),
        Some(other) => Err(format!("unknown command `{other}`")),
        None => Err("unexpected arguments".into()),
    }
}

/// Parses the arguments after `user`.
fn parse_user(args: &[String]) -> Result<UserCommand, String> {
    match args.first().map(String::as_str) {
        Some("list") if args.len() == 1 => Ok(UserCommand::List),
        Some("deactivate") => match &args[1..] {
            [flag, email] if flag == "--email" => Ok(UserCommand::Deactivate { email: email.clone() }),
            _ => Err("user deactivate needs --email EMAIL".into()),
        },
        Some("set-password") => match &args[1..] {
            [flag, email] if flag == "--email" => Ok(UserCommand::SetPassword { email: email.clone() }),
            _ => Err("user set-password needs --email EMAIL".into()),
        },
        Some(other) => Err(format!("unknown user command `{other}`")),
        None => Err("user needs a command: list, deactivate, set-password".into()),
    }
}

/// Runs a command to completion.
pub async fn run(command: Command, settings: Settings) -> Result<(), String> {
    match command {
        Command::Help => Ok(()),
        Command::Migrate => open_database(&settings, true).await.map(|_| ()),
        Command::CreateAdmin { email, name } => {
            let password = match std::env::var("TICKET_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| e.to_string())?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let db = open_database(&settings, settings.database.migrate_on_start).await?;
            let blobs = Arc::new(open_blob_store(&settings)?);
            let composed = compose(&settings, db, blobs)?;
            match composed.bootstrap_admin.execute(&email, &password, &name).await {
                Ok(BootstrapOutcome::Created(a)) => {
                    tracing::info!(email = %a.email, id = %a.id, "admin account created");
                    Ok(())
                }
                Ok(BootstrapOutcome::AlreadyExists) => {
                    Err(format!("an account with the address {email} already exists"))
                }
                Err(e) => Err(describe(e)),
            }
        }
        Command::User(command) => {
            let db = open_database(&settings, settings.database.migrate_on_start).await?;
            let blobs = Arc::new(open_blob_store(&settings)?);
            let composed = compose(&settings, db, blobs)?;
            run_user(command, &composed.operator).await
        }
        Command::Serve => serve(settings).await,
    }
}

/// Runs a `user …` command, printing its result on stdout.
async fn run_user(command: UserCommand, operator: &crate::compose::Operator) -> Result<(), String> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let mut print = |line: String| writeln!(out, "{line}").map_err(|e| e.to_string());
    match command {
        UserCommand::List => {
            print(format!(
                "{:>8}  {:<40}  {:<10}  {:<6}  NAME",
                "ID", "EMAIL", "ROLE", "ACTIVE"
            ))?;
            let mut after = None;
            loop {
                let input = application::accounts::UserListInput {
                    limit: Some(application::accounts::MAX_USER_PAGE),
                    after,
                    ..Default::default()
                };
                let page = operator.list_users.for_operator(input).await.map_err(describe)?;
                for d in &page.items {
                    let a = &d.account;
                    print(format!(
                        "{:>8}  {:<40}  {:<10}  {:<6}  {}",
                        // Plain strings: the domain types' Display ignores widths.
                        a.id.get(),
                        a.email.as_str(),
                        a.role.as_str(),
                        if a.active { "yes" } else { "no" },
                        a.display_name
                    ))?;
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => return Ok(()),
                }
            }
        }
        UserCommand::Deactivate { email } => {
            let done = operator
                .update_user
                .deactivate_by_email(&email)
                .await
                .map_err(describe)?;
            print(format!(
                "deactivated {} (id {}): sessions revoked, {} open ticket(s) returned to the queue",
                done.user.account.email, done.user.account.id, done.released_tickets
            ))
        }
        UserCommand::SetPassword { email } => {
            let password = secret_from("TICKET_NEW_PASSWORD")?;
            let account = operator
                .set_password
                .execute(&email, &password)
                .await
                .map_err(describe)?;
            print(format!(
                "password set for {} (id {}): every session of the account was revoked",
                account.email, account.id
            ))
        }
    }
}

/// A secret from the environment variable `var`, else one line of stdin.
fn secret_from(var: &str) -> Result<String, String> {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            Ok(line.trim_end_matches(['\r', '\n']).to_owned())
        }
    }
}

fn describe(e: application::AppError) -> String {
    match e {
        application::AppError::Invalid(fields) => fields
            .iter()
            .map(|f| format!("{} {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let db = open_database(&settings, settings.database.migrate_on_start).await?;
    let blobs: Arc<dyn BlobStore> = Arc::new(open_blob_store(&settings)?);
    let composed = compose(&settings, db.clone(), blobs)?;
    bootstrap(&composed.bootstrap_admin, &settings).await?;
    let worker = match settings.embedded_worker() {
        true => Some(Runtime::spawn(&ticket_worker::wiring::compose(&db, &settings)?)),
        false => None,
    };
    if worker.is_some() {
        tracing::info!(
            "running the worker jobs in-process (single-node mode; set TICKET__WORKER__EMBEDDED=false to turn off)"
        );
    }
    tracing::info!(address = %settings.http.bind, "serving the API at http://{}/api/v1 (OpenAPI: /api/v1/openapi.json)", settings.http.bind);
    let result = crate::server::serve(composed.api, &settings.http, shutdown_signal())
        .await
        .map_err(|e| format!("cannot serve on {}: {e}", settings.http.bind));
    if let Some(worker) = worker {
        worker.shutdown().await;
    }
    tracing::info!("stopped");
    result
}

/// Creates the configured admin, and tells the operator how to log in.
async fn bootstrap(admin: &BootstrapAdmin, settings: &Settings) -> Result<(), String> {
    let b = &settings.bootstrap;
    if !b.admin_email.is_empty() && !b.admin_password.expose().is_empty() {
        match admin
            .execute(&b.admin_email, b.admin_password.expose(), &b.admin_name)
            .await
        {
            Ok(BootstrapOutcome::Created(a)) => {
                tracing::info!(email = %a.email, "created the bootstrap admin from configuration")
            }
            Ok(BootstrapOutcome::AlreadyExists) => {
                tracing::info!(email = %b.admin_email, "bootstrap admin exists already; left unchanged")
            }
            Err(e) => return Err(format!("cannot create the bootstrap admin: {}", describe(e))),
        }
    }
    match admin.any_admin().await {
        Ok(true) => tracing::info!("log in with POST /api/v1/auth/login {{\"email\": ..., \"password\": ...}}"),
        Ok(false) => tracing::warn!(
            "no admin account exists yet: create one with `TICKET_ADMIN_PASSWORD=... ticket-api create-admin --email you@example.com` \
             or start with TICKET__BOOTSTRAP__ADMIN_EMAIL and TICKET__BOOTSTRAP__ADMIN_PASSWORD set"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot check for an admin account"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parse(&args(&[])), Ok(Command::Serve));
        assert_eq!(parse(&args(&["serve"])), Ok(Command::Serve));
        assert_eq!(parse(&args(&["migrate"])), Ok(Command::Migrate));
        assert_eq!(
            parse(&args(&["create-admin", "--email", "a@b.co"])),
            Ok(Command::CreateAdmin {
                email: "a@b.co".into(),
                name: "Administrator".into()
            })
        );
        assert!(parse(&args(&["create-admin"])).is_err());
        assert!(parse(&args(&["create-admin", "--email"])).is_err());
        assert!(parse(&args(&["frobnicate"])).is_err());
        assert!(parse(&args(&["migrate", "now"])).is_err());
        assert_eq!(parse(&args(&["user", "list"])), Ok(Command::User(UserCommand::List)));
        assert_eq!(
            parse(&args(&["user", "deactivate", "--email", "a@b.co"])),
            Ok(Command::User(UserCommand::Deactivate { email: "a@b.co".into() }))
        );
        assert!(parse(&args(&["user"])).is_err());
        assert!(parse(&args(&["user", "list", "extra"])).is_err());
        assert!(parse(&args(&["user", "deactivate"])).is_err());
        assert!(parse(&args(&["user", "deactivate", "--name", "x"])).is_err());
        assert!(parse(&args(&["user", "frobnicate"])).is_err());
    }

    #[test]
    fn parses_user_set_password() {
        assert_eq!(
            parse(&args(&["user", "set-password", "--email", "a@b.co"])),
            Ok(Command::User(UserCommand::SetPassword { email: "a@b.co".into() }))
        );
        assert!(parse(&args(&["user"])).is_err());
        assert!(parse(&args(&["user", "set-password"])).is_err());
        assert!(parse(&args(&["user", "set-password", "--name", "x"])).is_err());
        assert!(parse(&args(&["user", "frobnicate"])).is_err());
    }
}
