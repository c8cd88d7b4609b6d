//! The one error type for invalid configuration and invalid input: it names the field and the
//! allowed range, so a user can fix the problem from the message alone.

use std::fmt;

/// A rejected value, with the dotted path of the field it came from (`algo.epsilon`,
/// `groups[1].completions[0].logp`) and what would have been accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ConfigError {
    /// Dotted path of the offending field.
    pub field: String,
    /// What is wrong and what is allowed.
    pub problem: String,
}

impl ConfigError {
    /// A problem longer than a screenful (one that quotes a hostile value, say) keeps its start
    /// and its end, where the allowed values are.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        const KEEP: usize = 300;
        let mut problem: String = problem.into();
        let chars = problem.chars().count();
        if chars > 3 * KEEP {
            let head: String = problem.chars().take(KEEP).collect();
            let tail: String = problem.chars().skip(chars - KEEP).collect();
            problem = format!("{head}… ({} characters left out) …{tail}", chars - 2 * KEEP);
        }
        Self {
            field: field.into(),
            problem,
        }
    }

    /// `field`'s `value` lies outside `allowed` (written as a range, e.g. `[0, 1)` or `>= 2`).
    pub fn out_of_range(field: impl Into<String>, value: impl fmt::Display, allowed: &str) -> Self {
        Self::new(
            field,
            format!("{value} is out of range; allowed: {allowed}"),
        )
    }

    /// Prefixes the field path, e.g. `epsilon` inside `algo` becomes `algo.epsilon`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = if self.field.is_empty() {
            parent.to_string()
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

/// Parses JSON into `T`, naming the path of the first field that fails (unknown, wrong type);
/// a problem of the whole document (not an object, an unknown top-level field) is `root`'s.
pub fn from_json_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    root: &str,
) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            root.to_string()
        } else {
            path
        };
        ConfigError::new(field, e.into_inner().to_string())
    })
}
