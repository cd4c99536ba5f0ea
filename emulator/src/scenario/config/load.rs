//! Reading a scenario: from a file, a string or a generated JSON value, with errors that name
//! where it came from and the JSON path of what is wrong; and the built-in seed scenario.

use std::fmt;
use std::path::{Path, PathBuf};

use super::Config;

/// The built-in seed scenario: the AWS walkthrough's endpoint, Example API, policy and stage.
pub const SEED_SCENARIO: &str = include_str!("../../../scenarios/seed.json");

/// Where a scenario came from, for error messages (`scenario.json: $.restApis[0]: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigOrigin {
    /// The seed scenario compiled into the binary.
    BuiltIn,
    /// A file on disk.
    File(PathBuf),
    /// A string handed to the library.
    Inline,
}

impl fmt::Display for ConfigOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigOrigin::BuiltIn => f.write_str("<built-in seed scenario>"),
            ConfigOrigin::File(p) => write!(f, "{}", p.display()),
            ConfigOrigin::Inline => f.write_str("<inline scenario>"),
        }
    }
}

/// A scenario that could not be used: which file, where in it (a JSON path), and what was wrong.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{origin}: {path}: {message}")]
pub struct ConfigError {
    /// The file (or built-in/inline source) the scenario came from.
    pub origin: String,
    /// A JSON path such as `$.restApis[0].stages[1].stageName`; `$` for the whole document.
    pub path: String,
    /// What was expected, or what is wrong.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(
        origin: &ConfigOrigin,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            origin: origin.to_string(),
            path: path.into(),
            message: message.into(),
        }
    }
}

impl Config {
    /// The built-in seed scenario.
    pub fn seed() -> Config {
        // The embedded file is tested to parse; failing here would be a build defect.
        Config::from_json_str(SEED_SCENARIO, ConfigOrigin::BuiltIn)
            .expect("the built-in seed scenario parses")
    }

    /// Parses a scenario from a JSON string.
    pub fn from_json_str(text: &str, origin: ConfigOrigin) -> Result<Config, ConfigError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        deserialize(de, origin)
    }

    /// Reads a scenario from a JSON value (a generated one, e.g. from a control-plane snapshot).
    pub fn from_value(
        value: serde_json::Value,
        origin: ConfigOrigin,
    ) -> Result<Config, ConfigError> {
        deserialize(value, origin)
    }

    /// Reads and parses a scenario file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let origin = ConfigOrigin::File(path.to_path_buf());
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(&origin, "$", format!("cannot read the file: {e}")))?;
        Config::from_json_str(&text, origin)
    }
}

/// Deserializes a scenario, naming the JSON path of the first thing that does not fit.
fn deserialize<'de, D: serde::Deserializer<'de>>(
    de: D,
    origin: ConfigOrigin,
) -> Result<Config, ConfigError> {
    let mut config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = json_path(&e.path().to_string());
        ConfigError::new(&origin, path, clean_serde_message(&e.inner().to_string()))
    })?;
    config.origin = Some(origin);
    Ok(config)
}

/// `restApis[0].stages` → `$.restApis[0].stages`; serde_path_to_error prints `.` for the root.
fn json_path(serde_path: &str) -> String {
    if serde_path.is_empty() || serde_path == "." {
        "$".to_string()
    } else {
        format!("$.{serde_path}")
    }
}

/// serde says "invalid type: integer `5`, expected a string at line 3 column 12"; keep it, but
/// name JSON types rather than Rust ones.
fn clean_serde_message(message: &str) -> String {
    message
        .replace("a sequence", "an array")
        .replace("a map", "an object")
        .replace("struct ", "object ")
}
