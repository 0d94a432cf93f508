//! The example configuration (`deploy/config/ticket.example.toml`) and the example
//! environment (`deploy/config/ticketing.env.example`) say they list every setting with
//! its default. These tests hold them to it: a setting added, renamed or given another
//! default fails here until both examples say so.

use std::collections::{BTreeMap, BTreeSet};

use config::{Config, File, FileFormat};
use platform::Settings;
use serde_json::Value;

const TOML_EXAMPLE: &str = include_str!("../../../deploy/config/ticket.example.toml");
const ENV_EXAMPLE: &str = include_str!("../../../deploy/config/ticketing.env.example");

/// `a.b.c` → value, for every leaf.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        leaf => {
            out.insert(prefix.to_owned(), leaf.clone());
        }
    }
}

/// Every setting with its default (`null` for a setting that is unset by default).
fn defaults() -> BTreeMap<String, Value> {
    let settings = Settings::defaults().expect("the defaults are valid");
    let mut out = BTreeMap::new();
    flatten("", &serde_json::to_value(&settings).expect("serializes"), &mut out);
    out
}

/// A value as it is written in an environment file or compared across formats.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The keys a TOML text sets, and the keys it shows commented out (`# key = ...`), with
/// their section.
fn toml_keys(text: &str) -> (BTreeMap<String, Value>, BTreeSet<String>) {
    let parsed: Value = Config::builder()
        .add_source(File::from_str(text, FileFormat::Toml))
        .build()
        .and_then(Config::try_deserialize)
        .expect("the example parses");
    let mut set = BTreeMap::new();
    flatten("", &parsed, &mut set);
    let mut commented = BTreeSet::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
        } else if let Some(rest) = line.strip_prefix('#') {
            let rest = rest.trim_start();
            if let Some((key, _)) = rest.split_once(" = ")
                && !key.is_empty()
                && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            {
                commented.insert(format!("{section}.{key}"));
            }
        }
    }
    (set, commented)
}

#[test]
fn the_toml_example_lists_every_setting_with_its_default() {
    let defaults = defaults();
    let (set, commented) = toml_keys(TOML_EXAMPLE);
    let mut wrong = Vec::new();
    for (key, default) in &defaults {
        match (set.get(key), default) {
            (Some(value), _) if text(value) == text(default) => {}
            // A secret with a default (the database URL) shows only that it is set.
            (Some(_), Value::String(s)) if s == "***" => {}
            (Some(value), _) => wrong.push(format!("{key} = {value} in the example, default {default}")),
            (None, Value::Null) if commented.contains(key) => {}
            (None, Value::Null) => wrong.push(format!("{key} (unset by default) is not shown commented out")),
            (None, _) => wrong.push(format!("{key} is missing (default {default})")),
        }
    }
    for key in set.keys().chain(&commented) {
        if !defaults.contains_key(key) {
            wrong.push(format!("{key} is not a setting"));
        }
    }
    assert!(
        wrong.is_empty(),
        "deploy/config/ticket.example.toml:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_env_example_lists_every_setting_with_its_default() {
    let defaults = defaults();
    let by_variable: BTreeMap<String, (&String, &Value)> = defaults
        .iter()
        .map(|(key, value)| {
            (
                format!("TICKET__{}", key.replace('.', "__").to_uppercase()),
                (key, value),
            )
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut wrong = Vec::new();
    for line in ENV_EXAMPLE.lines().map(str::trim) {
        let (commented, line) = match line.strip_prefix('#') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let Some((variable, value)) = line.split_once('=') else {
            continue;
        };
        if !variable.starts_with("TICKET__") || variable.contains(' ') {
            continue;
        }
        match by_variable.get(variable) {
            None => wrong.push(format!("{variable} is not a setting")),
            Some((key, default)) => {
                seen.insert((*key).clone());
                // A commented-out line shows the default; a set one is the example's choice.
                if commented && !default.is_null() && text(default) != "***" && value != text(default) {
                    wrong.push(format!("#{variable}={value}, but the default is {}", text(default)));
                }
            }
        }
    }
    let has_database_url = ENV_EXAMPLE
        .lines()
        .any(|l| l.trim_start_matches('#').starts_with("DATABASE_URL="));
    for key in defaults.keys() {
        let covered = seen.contains(key) || (key == "database.url" && has_database_url);
        if !covered {
            wrong.push(format!("{key} is missing"));
        }
    }
    assert!(
        wrong.is_empty(),
        "deploy/config/ticketing.env.example:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_example_configuration_loads_as_the_defaults() {
    let example: Settings = Config::builder()
        .add_source(File::from_str(TOML_EXAMPLE, FileFormat::Toml))
        .build()
        .and_then(Config::try_deserialize)
        .expect("the example alone is a complete, valid configuration");
    let shown = serde_json::to_value(&example).expect("serializes");
    let defaults = serde_json::to_value(Settings::defaults().expect("valid")).expect("serializes");
    assert_eq!(shown, defaults);
}

#[test]
fn the_readme_names_every_setting() {
    let readme = include_str!("../../../README.md");
    let section = readme
        .split("## Configuration")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README.md has a Configuration section");
    let missing: Vec<String> = defaults()
        .keys()
        .filter(|key| key.as_str() != "database.url")
        .filter_map(|key| {
            let variable = format!("TICKET__{}", key.replace('.', "__").to_uppercase());
            // A row may name several settings of one section: `TICKET__A__B`, `…__C`.
            let short = format!("`…__{}`", variable.rsplit("__").next().unwrap_or_default());
            let named = section.contains(&format!("`{variable}`")) || section.contains(&short);
            (!named).then_some(variable)
        })
        .collect();
    assert!(missing.is_empty(), "README.md's configuration table lacks: {missing:?}");
}
