//! The error every command returns: a stable code the interface can branch on, a message a
//! person can read, and the field it concerns when there is one.

use serde::Serialize;
use textback::engine::EngineError;

#[derive(Debug, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl UiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A value the user gave that cannot be used; `field` names it.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self {
            code: "invalid",
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }
}

impl From<EngineError> for UiError {
    fn from(e: EngineError) -> Self {
        let (field, message) = match &e {
            EngineError::Invalid { field, message } => (Some(field.clone()), message.clone()),
            EngineError::Config(config) if !config.key.is_empty() => {
                (Some(config.key.clone()), config.message.clone())
            }
            other => (None, other.to_string()),
        };
        if matches!(e, EngineError::Store(_)) {
            tracing::error!(error = %e, "database error");
        }
        Self {
            code: e.code(),
            message,
            field,
        }
    }
}

impl From<crate::secrets::SecretError> for UiError {
    fn from(e: crate::secrets::SecretError) -> Self {
        tracing::warn!(error = %e, "keyring error");
        Self::new("keyring", e.to_string())
    }
}

pub type UiResult<T> = Result<T, UiError>;
