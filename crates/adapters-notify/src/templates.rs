//! The notification templates, rendered with minijinja.
//!
//! Each template NAME has four files: `NAME.subject.txt` (the e-mail subject), `NAME.txt`
//! (the plain-text e-mail body), `NAME.html` (the HTML e-mail body, auto-escaped) and
//! `NAME.sms.txt` (the text message). The defaults are compiled in; a directory given to
//! [`Templates::load`] replaces any of them file by file. Templates are parsed and
//! test-rendered at load time, so a broken override stops the start-up instead of
//! dead-lettering notifications later.
//!
//! Syntax: `trim_blocks` and `lstrip_blocks` are on (a line holding only `{% if %}` leaves
//! no trace); undefined keys render as empty and are false in `{% if %}`. Filters beyond
//! minijinja's built-ins: `humanize` (`in_progress` → `in progress`, `waiting_customer` →
//! `waiting for customer`), `datetime` (RFC 3339 → `2026-12-04 15:30 UTC`), `shorten(n)` (at
//! most `n` characters), `quote` (prefixes each line with `> `) and, for HTML, `linebreaks`
//! (escapes, then turns line breaks into `<br>`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use application::ports::{Rendered, TemplateContext, TemplateRenderer};
use domain::escalation::Channel;
use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, HtmlEscape, Value};

/// The name of every template, as the application refers to them.
pub const TEMPLATE_NAMES: [&str; 13] = [
    "ticket_created",
    "agent_replied",
    "ticket_resolved",
    "ticket_assigned",
    "customer_replied",
    "sla_at_risk",
    "sla_breached",
    "ticket_escalated",
    "escalation_customer",
    "verify_email",
    "account_exists",
    "password_reset",
    "survey_invitation",
];

/// The compiled-in sources of one template, in [`Part::ALL`] order.
macro_rules! builtin {
    ($name:literal) => {
        (
            $name,
            [
                include_str!(concat!("../templates/", $name, ".subject.txt")),
                include_str!(concat!("../templates/", $name, ".txt")),
                include_str!(concat!("../templates/", $name, ".html")),
                include_str!(concat!("../templates/", $name, ".sms.txt")),
            ],
        )
    };
}

/// The default templates, in [`TEMPLATE_NAMES`] order.
const BUILTIN: [(&str, [&str; 4]); 13] = [
    builtin!("ticket_created"),
    builtin!("agent_replied"),
    builtin!("ticket_resolved"),
    builtin!("ticket_assigned"),
    builtin!("customer_replied"),
    builtin!("sla_at_risk"),
    builtin!("sla_breached"),
    builtin!("ticket_escalated"),
    builtin!("escalation_customer"),
    builtin!("verify_email"),
    builtin!("account_exists"),
    builtin!("password_reset"),
    builtin!("survey_invitation"),
];

/// Every context key some template uses, for the load-time trial render.
const SAMPLE_KEYS: [(&str, &str); 20] = [
    ("recipient_name", "Sample Recipient"),
    ("ticket_number", "TKT-000001"),
    ("ticket_subject", "Sample subject"),
    ("priority", "high"),
    ("priority_from", "normal"),
    ("category", "Sample category"),
    ("status", "in_progress"),
    ("actor_name", "Sample Agent"),
    ("comment_body", "Line one\nLine two"),
    ("reason", "Sample reason"),
    ("target", "first_response"),
    ("due_at", "2026-01-01T12:00:00Z"),
    ("level", "1"),
    ("rule_name", "Sample rule"),
    (
        "verify_url",
        "https://desk.example.com/api/v1/auth/verify-email?token=sample",
    ),
    ("valid_hours", "24"),
    (
        "reset_url",
        "https://desk.example.com/api/v1/auth/password-reset?token=sample",
    ),
    ("valid_minutes", "30"),
    ("survey_url", "https://desk.example.com/api/v1/surveys/sample"),
    ("valid_days", "14"),
];

/// Why the templates could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The override directory is missing or not a directory.
    #[error("templates directory {}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// An override file exists but cannot be read.
    #[error("template {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A template does not parse, or fails to render with a sample context.
    #[error("template {}: {detail}", file.display())]
    Invalid {
        /// The file: the override's path, or `templates/NAME...` for a default.
        file: PathBuf,
        /// minijinja's message.
        detail: String,
    },
}

/// One of the four files of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Subject,
    Text,
    Html,
    Sms,
}

impl Part {
    /// In the order of [`BUILTIN`]'s sources.
    const ALL: [Part; 4] = [Part::Subject, Part::Text, Part::Html, Part::Sms];

    fn file_name(self, name: &str) -> String {
        let suffix = match self {
            Part::Subject => ".subject.txt",
            Part::Text => ".txt",
            Part::Html => ".html",
            Part::Sms => ".sms.txt",
        };
        format!("{name}{suffix}")
    }
}

/// The notification templates: the [`TemplateRenderer`] port.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
    /// Where each template file came from, by file name, for error messages.
    origins: BTreeMap<String, PathBuf>,
}

impl Templates {
    /// Loads the compiled-in templates, each replaced by the file of the same name in `dir`
    /// when there is one, and checks that every template parses and renders.
    pub fn load(dir: Option<&Path>) -> Result<Templates, TemplateError> {
        if let Some(dir) = dir {
            check_dir(dir)?;
        }
        let mut env = environment();
        let mut origins = BTreeMap::new();
        for (name, sources) in BUILTIN {
            for (part, builtin) in Part::ALL.into_iter().zip(sources) {
                let file = part.file_name(name);
                let (origin, source) = match dir.map(|dir| dir.join(&file)) {
                    Some(path) => match read_override(&path)? {
                        Some(source) => (path, Cow::Owned(source)),
                        None => (Path::new("templates").join(&file), Cow::Borrowed(builtin)),
                    },
                    None => (Path::new("templates").join(&file), Cow::Borrowed(builtin)),
                };
                env.add_template_owned(file.clone(), source)
                    .map_err(|error| TemplateError::Invalid {
                        file: origin.clone(),
                        detail: describe(&error),
                    })?;
                origins.insert(file, origin);
            }
        }
        let templates = Templates { env, origins };
        templates.check()?;
        Ok(templates)
    }

    /// Renders every template for every channel with a full and a minimal context.
    fn check(&self) -> Result<(), TemplateError> {
        let full: TemplateContext = SAMPLE_KEYS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let minimal: TemplateContext = [("ticket_number".to_string(), "TKT-000001".to_string())].into();
        for name in TEMPLATE_NAMES {
            for part in Part::ALL {
                for context in [&full, &minimal] {
                    self.render_part(name, part, context)
                        .map_err(|(file, detail)| TemplateError::Invalid {
                            file: self.origin(&file),
                            detail,
                        })?;
                }
            }
        }
        Ok(())
    }

    fn origin(&self, file: &str) -> PathBuf {
        self.origins.get(file).cloned().unwrap_or_else(|| PathBuf::from(file))
    }

    /// Renders one file of a template; `Err` holds the file name and minijinja's message.
    fn render_part(&self, name: &str, part: Part, context: &TemplateContext) -> Result<String, (String, String)> {
        let file = part.file_name(name);
        let ctx = Value::from_pairs(context.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.env
            .get_template(&file)
            .and_then(|template| template.render(ctx))
            .map_err(|error| (file, describe(&error)))
    }
}

impl TemplateRenderer for Templates {
    fn render(&self, template: &str, channel: Channel, context: &TemplateContext) -> Result<Rendered, String> {
        let Some(name) = TEMPLATE_NAMES.into_iter().find(|name| *name == template) else {
            return Err(format!("unknown template {template}"));
        };
        let render = |part| {
            self.render_part(name, part, context)
                .map_err(|(file, detail)| format!("template {}: {detail}", self.origin(&file).display()))
        };
        Ok(match channel {
            Channel::Email => Rendered {
                subject: one_line(&render(Part::Subject)?),
                text: tidy(&render(Part::Text)?),
                html: Some(render(Part::Html)?.trim().to_string()),
            },
            Channel::Sms => Rendered {
                subject: String::new(),
                text: tidy(&render(Part::Sms)?),
                html: None,
            },
        })
    }
}

/// The environment with this crate's syntax, escaping and filters.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // trim_blocks/lstrip_blocks are plain booleans: building the config cannot fail.
    if let Ok(syntax) = SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build() {
        env.set_syntax(syntax);
    }
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.add_filter("humanize", |value: Value| humanize(&text_of(&value)));
    env.add_filter("datetime", |value: Value| datetime(&text_of(&value)));
    env.add_filter("shorten", |value: Value, max: usize| shorten(&text_of(&value), max));
    env.add_filter("quote", |value: Value| {
        text_of(&value)
            .lines()
            .map(|line| format!("> {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    env.add_filter("linebreaks", |value: Value| {
        Value::from_safe_string(HtmlEscape(&text_of(&value)).to_string().replace('\n', "<br>\n"))
    });
    env
}

fn check_dir(dir: &Path) -> Result<(), TemplateError> {
    let metadata = std::fs::metadata(dir).map_err(|source| TemplateError::Dir {
        path: dir.to_path_buf(),
        source,
    })?;
    if !metadata.is_dir() {
        let source = std::io::Error::other("not a directory");
        return Err(TemplateError::Dir {
            path: dir.to_path_buf(),
            source,
        });
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        let known: Vec<String> = TEMPLATE_NAMES
            .iter()
            .flat_map(|name| Part::ALL.map(|part| part.file_name(name)))
            .collect();
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if !known.contains(&file) {
                tracing::warn!(file = %entry.path().display(), "ignoring a file that is no notification template");
            }
        }
    }
    Ok(())
}

/// The override at `path`, or `None` when there is none.
fn read_override(path: &Path) -> Result<Option<String>, TemplateError> {
    match std::fs::read_to_string(path) {
        Ok(source) => Ok(Some(source)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(TemplateError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// minijinja's message with its details (line number, reason).
fn describe(error: &minijinja::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// A value as text; undefined and none are empty.
fn text_of(value: &Value) -> String {
    if value.is_undefined() || value.is_none() {
        String::new()
    } else {
        value.to_string()
    }
}

/// An API name in words: `in_progress` → `in progress`, `waiting_customer` → `waiting for customer`.
fn humanize(name: &str) -> String {
    match name {
        "waiting_customer" => "waiting for customer".into(),
        _ => name.replace('_', " "),
    }
}

/// An RFC 3339 instant as `2026-12-04 15:30 UTC`; anything else unchanged.
fn datetime(raw: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(raw) {
        Ok(at) => at.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => raw.to_string(),
    }
}

/// At most `max` characters, ending in `...` when cut (ASCII, so an SMS stays GSM-7).
fn shorten(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let kept: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{}...", kept.trim_end())
}

/// One line: whitespace runs (line breaks included) become single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trailing spaces removed, runs of blank lines reduced to one, no blank lines at either end.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = false;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push('\n');
            blank_run = false;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let path = std::env::temp_dir().join(format!("adapters-notify-{tag}-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn full() -> TemplateContext {
        SAMPLE_KEYS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn minimal() -> TemplateContext {
        [("ticket_number".to_string(), "TKT-000042".to_string())].into()
    }

    /// The templates about an account rather than a ticket.
    const ACCOUNT_TEMPLATES: [&str; 3] = ["verify_email", "account_exists", "password_reset"];

    #[test]
    fn builtin_table_matches_the_names() {
        let names: Vec<&str> = BUILTIN.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, TEMPLATE_NAMES);
    }

    #[test]
    fn every_template_renders_for_both_channels() {
        let templates = Templates::load(None).unwrap();
        for name in TEMPLATE_NAMES {
            for context in [full(), minimal()] {
                let email = templates.render(name, Channel::Email, &context).unwrap();
                // Account e-mails (sign-up) are about no ticket.
                let number = if ACCOUNT_TEMPLATES.contains(&name) {
                    ""
                } else {
                    context["ticket_number"].as_str()
                };
                assert!(email.subject.contains(number), "{name}: {}", email.subject);
                assert!(!email.subject.contains('\n'), "{name}");
                assert!(!email.subject.contains("{{"), "{name}");
                assert!(email.text.contains(number), "{name}: {}", email.text);
                assert!(!email.text.contains("\n\n\n"), "{name}");
                let html = email.html.unwrap();
                assert!(
                    html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>"),
                    "{name}"
                );
                assert!(html.contains(number), "{name}");

                let sms = templates.render(name, Channel::Sms, &context).unwrap();
                assert_eq!(sms.subject, "");
                assert_eq!(sms.html, None);
                assert!(sms.text.contains(number), "{name}: {}", sms.text);
                assert!(
                    sms.text.chars().count() < 160,
                    "{name}: {} chars: {}",
                    sms.text.chars().count(),
                    sms.text
                );
                assert!(sms.text.is_ascii(), "{name}: {}", sms.text);
            }
        }
    }

    #[test]
    fn the_survey_invitation_links_the_form_and_one_click_per_rating() {
        let templates = Templates::load(None).unwrap();
        let email = templates.render("survey_invitation", Channel::Email, &full()).unwrap();
        let url = "https://desk.example.com/api/v1/surveys/sample";
        // Auto-escaped in HTML (`/` as `&#x2f;`), which browsers read back in attributes.
        let html = email.html.unwrap().replace("&#x2f;", "/");
        for rating in 1..=5 {
            let link = format!("{url}?rating={rating}");
            assert!(email.text.contains(&link), "{rating}: {}", email.text);
            assert!(html.contains(&format!("href=\"{link}\"")), "{rating}");
        }
        assert!(email.subject.contains("TKT-000001"));
        assert!(email.text.contains("Sample subject"), "the ticket's subject");
        let sms = templates.render("survey_invitation", Channel::Sms, &full()).unwrap();
        assert!(sms.text.contains(url), "{}", sms.text);
    }

    #[test]
    fn missing_optional_keys_leave_no_gaps() {
        let templates = Templates::load(None).unwrap();
        for name in TEMPLATE_NAMES {
            let email = templates.render(name, Channel::Email, &minimal()).unwrap();
            for text in [&email.subject, &email.text] {
                assert!(!text.contains(" ."), "{name}: {text}");
                assert!(!text.contains(" ,"), "{name}: {text}");
                assert!(!text.contains("  "), "{name}: {text}");
                assert!(!text.contains("()"), "{name}: {text}");
            }
            assert!(email.text.starts_with("Hello,\n\n"), "{name}: {}", email.text);
        }
    }

    #[test]
    fn full_context_reads_well() {
        let templates = Templates::load(None).unwrap();
        let email = templates.render("ticket_escalated", Channel::Email, &full()).unwrap();
        assert_eq!(email.subject, "[TKT-000001] Escalated to level 1: Sample subject");
        assert!(email.text.starts_with("Hello Sample Recipient,\n\n"), "{}", email.text);
        assert!(
            email
                .text
                .contains("escalated to level 1 by the escalation rule \"Sample rule\"."),
            "{}",
            email.text
        );
        assert!(
            email.text.contains("Priority changed from normal to high."),
            "{}",
            email.text
        );
        assert!(email.text.contains("Status:   In progress"), "{}", email.text);

        let at_risk = templates.render("sla_at_risk", Channel::Email, &full()).unwrap();
        assert_eq!(
            at_risk.subject,
            "[TKT-000001] SLA at risk: first response due 2026-01-01 12:00 UTC"
        );

        let reply = templates.render("agent_replied", Channel::Email, &full()).unwrap();
        assert!(reply.text.contains("> Line one\n> Line two"), "{}", reply.text);
        assert!(reply.html.unwrap().contains("Line one<br>\nLine two"));
    }

    #[test]
    fn html_escapes_the_comment() {
        let templates = Templates::load(None).unwrap();
        let mut context = full();
        context.insert("comment_body".into(), "<script>alert('x')</script>".into());
        context.insert("actor_name".into(), "<b>Eve</b>".into());
        for name in ["agent_replied", "customer_replied"] {
            let email = templates.render(name, Channel::Email, &context).unwrap();
            let html = email.html.unwrap();
            assert!(!html.contains("<script>"), "{name}: {html}");
            assert!(html.contains("&lt;script&gt;"), "{name}: {html}");
            assert!(!html.contains("<b>Eve</b>"), "{name}: {html}");
            assert!(email.text.contains("<script>"), "plain text is not escaped");
        }
    }

    #[test]
    fn unknown_template_is_an_error() {
        let templates = Templates::load(None).unwrap();
        let error = templates.render("nope", Channel::Email, &minimal()).unwrap_err();
        assert_eq!(error, "unknown template nope");
    }

    #[test]
    fn an_override_replaces_one_file_and_keeps_the_others() {
        let dir = TempDir::new("override");
        std::fs::write(
            dir.0.join("ticket_created.subject.txt"),
            "Got it: {{ ticket_number }}\n",
        )
        .unwrap();
        let templates = Templates::load(Some(&dir.0)).unwrap();
        let email = templates.render("ticket_created", Channel::Email, &minimal()).unwrap();
        assert_eq!(email.subject, "Got it: TKT-000042");
        assert!(email.text.contains("We have received your request"));
        let sms = templates.render("ticket_created", Channel::Sms, &minimal()).unwrap();
        assert!(sms.text.starts_with("We received your request"));
    }

    #[test]
    fn a_broken_override_fails_load_naming_the_file() {
        let dir = TempDir::new("broken");
        let file = dir.0.join("sla_breached.html");
        std::fs::write(&file, "<p>{% if target %}unclosed</p>").unwrap();
        let error = Templates::load(Some(&dir.0)).unwrap_err().to_string();
        assert!(error.contains(&file.display().to_string()), "{error}");
    }

    #[test]
    fn an_override_failing_at_render_time_fails_load() {
        let dir = TempDir::new("render");
        let file = dir.0.join("ticket_resolved.sms.txt");
        std::fs::write(&file, "{{ ticket_number | no_such_filter }}").unwrap();
        let error = Templates::load(Some(&dir.0)).unwrap_err().to_string();
        assert!(error.contains(&file.display().to_string()), "{error}");
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_it() {
        let path = std::env::temp_dir().join("adapters-notify-no-such-dir");
        let error = Templates::load(Some(&path)).unwrap_err().to_string();
        assert!(error.contains(&path.display().to_string()), "{error}");
    }

    #[test]
    fn helpers() {
        assert_eq!(shorten("abcdefghij", 10), "abcdefghij");
        assert_eq!(shorten("abcdefghijk", 10), "abcdefg...");
        assert_eq!(datetime("2026-12-04T16:30:00+01:00"), "2026-12-04 15:30 UTC");
        assert_eq!(datetime("tomorrow"), "tomorrow");
        assert_eq!(one_line(" a\n b  c \n"), "a b c");
        assert_eq!(tidy("\n\na  \n\n\n\nb\n\n"), "a\n\nb");
    }
}
