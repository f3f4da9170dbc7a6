//! Reading a template's source into literal text and placeholders.
//!
//! The syntax is small on purpose, since staff write it in a settings form: `{name}` or
//! `{name|fallback}` for a placeholder, `{{` and `}}` for literal braces, everything else
//! literal. Every mistake is refused with its position rather than sent to a customer as
//! stray braces.

use std::iter::{Enumerate, Peekable};
use std::str::Chars;

use super::error::TemplateError;
use super::{Field, Part};

/// The source's characters with their zero-based positions.
type Cursor<'a> = Peekable<Enumerate<Chars<'a>>>;

/// Splits `source` into literal text and placeholders.
pub(super) fn parts(source: &str) -> Result<Vec<Part>, TemplateError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut cursor = source.chars().enumerate().peekable();

    while let Some((index, c)) = cursor.next() {
        let doubled = cursor.next_if(|&(_, next)| next == c && matches!(c, '{' | '}'));
        match c {
            '{' | '}' if doubled.is_some() => text.push(c),
            '}' => {
                return Err(TemplateError::StrayClose {
                    position: index + 1,
                })
            }
            '{' => {
                flush(&mut text, &mut parts);
                parts.push(placeholder(&mut cursor, index + 1)?);
            }
            _ => text.push(c),
        }
    }

    flush(&mut text, &mut parts);
    Ok(parts)
}

/// Moves literal `text` gathered so far into `parts`.
fn flush(text: &mut String, parts: &mut Vec<Part>) {
    if !text.is_empty() {
        parts.push(Part::Text(std::mem::take(text)));
    }
}

/// Reads a placeholder whose `{` was at `position`, up to and including its `}`.
fn placeholder(cursor: &mut Cursor<'_>, position: usize) -> Result<Part, TemplateError> {
    let mut body = String::new();
    loop {
        match cursor.next() {
            Some((_, '}')) => break,
            Some((_, '{')) | None => return Err(TemplateError::Unclosed { position }),
            Some((_, c)) => body.push(c),
        }
    }

    let (name, fallback) = match body.split_once('|') {
        Some((name, fallback)) => (name.trim(), Some(fallback.trim().to_string())),
        None => (body.trim(), None),
    };
    if name.is_empty() {
        return Err(TemplateError::EmptyName { position });
    }
    let field = Field::from_name(name).ok_or_else(|| TemplateError::UnknownPlaceholder {
        name: name.to_string(),
        position,
    })?;

    Ok(Part::Placeholder { field, fallback })
}
