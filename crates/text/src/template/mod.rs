//! The reply templates staff write, such as "Sorry we missed you, {first_name|there}!".
//!
//! A template is parsed once, when staff save it, so every mistake is reported in the editor
//! with its position and none can reach a customer. Only the placeholders Textback can fill
//! are accepted ([`KNOWN`]); a misspelt one is an error, never literal braces in a text.
//!
//! Rendering cannot fail. A value that is missing or blank is replaced by the placeholder's
//! fallback, or by nothing when it has none: "Hi {first_name}," becomes "Hi ," for an unknown
//! caller, which is why templates should give `first_name` a fallback. Spacing around an
//! emptied placeholder is left as written, so what staff see in the editor is what is sent.

mod error;
mod parse;

pub use error::TemplateError;

/// Names of the placeholders a template may use.
pub const KNOWN: &[&str] = &["business", "booking_link", "first_name"];

/// A parsed reply template, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// What a template's placeholders are filled with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    /// The business's name, for `{business}`.
    pub business: String,
    /// Where customers book, for `{booking_link}`.
    pub booking_link: String,
    /// The caller's first name, for `{first_name}`, when Textback knows it.
    pub first_name: Option<String>,
}

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text sent as written, with `{{` and `}}` already turned into single braces.
    Text(String),
    /// A value to fill in, with the text to use when the value is missing or blank.
    Placeholder {
        field: Field,
        fallback: Option<String>,
    },
}

/// A value a placeholder can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Business,
    BookingLink,
    FirstName,
}

impl Template {
    /// Parses template source `src`.
    ///
    /// Names and fallbacks are trimmed, so `{ first_name | there }` is accepted.
    pub fn parse(src: &str) -> Result<Self, TemplateError> {
        parse::parts(src).map(|parts| Self { parts })
    }

    /// Renders the template with `values`.
    ///
    /// A value is inserted trimmed; one that is missing or blank gives way to the
    /// placeholder's fallback, or to nothing when it has none.
    pub fn render(&self, values: &Values) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Placeholder { field, fallback } => {
                    let value = field.value(values).map(str::trim).filter(|v| !v.is_empty());
                    out.push_str(value.or(fallback.as_deref()).unwrap_or(""));
                }
            }
        }
        out
    }

    /// Lists the placeholder names the template uses, each once, in order of first use.
    pub fn placeholders(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        for part in &self.parts {
            if let Part::Placeholder { field, .. } = part {
                if !names.contains(&field.name()) {
                    names.push(field.name());
                }
            }
        }
        names
    }
}

impl Field {
    const ALL: [Self; 3] = [Self::Business, Self::BookingLink, Self::FirstName];

    fn name(self) -> &'static str {
        match self {
            Self::Business => "business",
            Self::BookingLink => "booking_link",
            Self::FirstName => "first_name",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.name() == name)
    }

    fn value(self, values: &Values) -> Option<&str> {
        match self {
            Self::Business => Some(&values.business),
            Self::BookingLink => Some(&values.booking_link),
            Self::FirstName => values.first_name.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards [`KNOWN`] against drifting from the fields the parser accepts.
    #[test]
    fn known_lists_every_field() {
        let names = Field::ALL.map(Field::name);

        assert_eq!(names.as_slice(), KNOWN, "KNOWN names the fields in order");
    }
}
