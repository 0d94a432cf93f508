//! What both binaries start from: the configuration ([`settings`]), logging
//! ([`telemetry`]), the stop signal ([`shutdown_signal`]) and the adapters opened as
//! configured ([`adapters`]). Each binary's composition root wires its use cases from
//! these; neither builds an adapter of its own.
#![forbid(unsafe_code)]

pub mod adapters;
pub mod proxies;
pub mod settings;
mod signals;
pub mod telemetry;

pub use settings::{Secret, Settings, SettingsError};
pub use signals::shutdown_signal;
