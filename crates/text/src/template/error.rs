//! Why a template's source was refused.

use thiserror::Error;

use super::KNOWN;

/// A mistake in a template's source, with the character position staff can look for.
///
/// Positions count Unicode characters from 1, as an editor's column does, and point at the
/// brace that opens the placeholder (or at the stray `}`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    /// A placeholder whose name is not one of [`KNOWN`].
    #[error(
        "unknown placeholder {{{name}}} at character {position}; known: {known}",
        known = KNOWN.join(", ")
    )]
    UnknownPlaceholder {
        /// The name as written, without braces or fallback.
        name: String,
        /// Where the placeholder's `{` is.
        position: usize,
    },
    /// A `{` with no `}` before the end or before the next `{`.
    #[error("unclosed placeholder at character {position}; write {{{{ for a literal {{")]
    Unclosed {
        /// Where the unclosed `{` is.
        position: usize,
    },
    /// A `}` that closes nothing.
    #[error("stray }} at character {position}; write }}}} for a literal }}")]
    StrayClose {
        /// Where the stray `}` is.
        position: usize,
    },
    /// A placeholder with nothing before its `}` or `|`, such as `{}` or `{|there}`.
    #[error(
        "empty placeholder at character {position}; known: {known}",
        known = KNOWN.join(", ")
    )]
    EmptyName {
        /// Where the placeholder's `{` is.
        position: usize,
    },
}

impl TemplateError {
    /// The character position (from 1) the mistake is at.
    pub fn position(&self) -> usize {
        match self {
            Self::UnknownPlaceholder { position, .. }
            | Self::Unclosed { position }
            | Self::StrayClose { position }
            | Self::EmptyName { position } => *position,
        }
    }
}
