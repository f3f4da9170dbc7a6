//! Errors the engine's handle returns, each with a stable code for the UI.

use textback_provider::ProviderError;

use crate::config::ConfigError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Something the caller sent is not acceptable; `field` names it.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0} not found")]
    NotFound(String),
    #[error("invalid settings: {0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what } => Self::NotFound(what),
            StoreError::Invalid(message) => Self::Invalid {
                field: "request".into(),
                message,
            },
            other => Self::Store(other),
        }
    }
}

impl EngineError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A stable, machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid",
            Self::NotFound(_) => "not_found",
            Self::Config(_) => "invalid_settings",
            Self::Provider(_) => "provider",
            Self::Store(_) => "database",
        }
    }
}
