//! Template variants: a text-back or follow-up may have several texts, each with a weight, so
//! an owner can try two wordings and compare how often each gets a reply.
//!
//! One variant is picked at random for every text when it is scheduled, and the pick is
//! recorded on the message (`business_hours:b`), which is all a comparison needs. The pick is a
//! pure function of a roll ([`TemplateVariants::pick`]), so the weighting is tested without
//! chance; the engine rolls with `rand`.

use rand::Rng;
use textback_text::template::Template;

use super::{ConfigError, RawTemplateText};

/// One of a template's texts and its share of the texts sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// `None` for a template written as a single text.
    pub name: Option<String>,
    pub template: Template,
    pub weight: u32,
}

impl Variant {
    /// The name stored on a message sent with this variant of `template`: `template:name`, or
    /// the template's name alone for a single unnamed text.
    pub fn recorded_as(&self, template: &str) -> String {
        match &self.name {
            Some(name) => format!("{template}:{name}"),
            None => template.to_owned(),
        }
    }
}

/// A template's variants, at least one, each with a positive weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVariants {
    variants: Vec<Variant>,
}

impl TemplateVariants {
    /// A template with one unnamed text.
    pub fn single(template: Template) -> Self {
        Self {
            variants: vec![Variant {
                name: None,
                template,
                weight: 1,
            }],
        }
    }

    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// The sum of the weights: a roll for [`Self::pick`] is below it.
    pub fn total_weight(&self) -> u64 {
        self.variants.iter().map(|v| u64::from(v.weight)).sum()
    }

    /// The variant a roll in `0..total_weight()` lands on: each variant owns as many
    /// consecutive rolls as its weight, in the order written. A roll past the end (which a
    /// caller should not make) lands on the last variant.
    pub fn pick(&self, roll: u64) -> &Variant {
        let mut left = roll;
        for variant in &self.variants {
            if left < u64::from(variant.weight) {
                return variant;
            }
            left -= u64::from(variant.weight);
        }
        self.variants
            .last()
            .expect("a template has at least one variant")
    }

    /// Picks a variant at random, by weight.
    pub fn choose<R: Rng + ?Sized>(&self, rng: &mut R) -> &Variant {
        match self.variants.as_slice() {
            [only] => only,
            _ => self.pick(rng.random_range(0..self.total_weight())),
        }
    }
}

/// Checks a template as written under `key`: one text, or named variants with unique names,
/// texts that parse and weights of at least 1.
pub(super) fn check_variants(
    key: &str,
    raw: &RawTemplateText,
) -> Result<TemplateVariants, ConfigError> {
    let list = match raw {
        RawTemplateText::One(text) => return Ok(TemplateVariants::single(template(key, text)?)),
        RawTemplateText::Variants(list) => list,
    };
    if list.is_empty() {
        return Err(ConfigError::new(key, "at least one variant is needed"));
    }
    let mut variants: Vec<Variant> = Vec::with_capacity(list.len());
    for (i, raw) in list.iter().enumerate() {
        let at = format!("{key}[{i}]");
        let name = raw.name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "-_".contains(c))
        {
            return Err(ConfigError::new(
                format!("{at}.name"),
                format!("{name:?} must be letters, digits, - or _, and not empty"),
            ));
        }
        if variants.iter().any(|v| v.name.as_deref() == Some(name)) {
            return Err(ConfigError::new(
                format!("{at}.name"),
                format!("{name:?} is used by another variant of {key}"),
            ));
        }
        let weight = u32::try_from(raw.weight)
            .ok()
            .filter(|w| *w >= 1)
            .ok_or_else(|| {
                let message = if raw.weight < 1 {
                    "must be at least 1".to_owned()
                } else {
                    format!("must be at most {}", u32::MAX)
                };
                ConfigError::new(format!("{at}.weight"), message)
            })?;
        variants.push(Variant {
            name: Some(name.to_owned()),
            template: template(&format!("{at}.text"), &raw.text)?,
            weight,
        });
    }
    Ok(TemplateVariants { variants })
}

/// Parses one template text; an empty text or an unknown placeholder is an error under `key`.
pub(super) fn template(key: &str, text: &str) -> Result<Template, ConfigError> {
    if text.trim().is_empty() {
        return Err(ConfigError::new(key, "must not be empty"));
    }
    Template::parse(text).map_err(|e| ConfigError::new(key, e.to_string()))
}

#[cfg(test)]
mod tests;
