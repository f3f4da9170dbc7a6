//! Questions answered from the numbering plan metadata bundled with `phonenumber`.
//!
//! The crate looks up a number's region and type by its national number without leading
//! zeros, so an Italian landline (`+39 06 ...`) comes back with no region and an unknown type,
//! and it does not say why a number is impossible. These helpers answer from the same
//! metadata, keeping the leading zeros, and follow libphonenumber's rules: a shared calling
//! code goes to the first region whose leading digits (or, lacking those, whose number
//! patterns) match, and types are tried from the most specific to fixed line and mobile.

use phonenumber::country::Id;
use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::Type;

/// Types checked before fixed line and mobile, in libphonenumber's order.
const SPECIFIC_TYPES: [Type; 8] = [
    Type::PremiumRate,
    Type::TollFree,
    Type::SharedCost,
    Type::Voip,
    Type::PersonalNumber,
    Type::Pager,
    Type::Uan,
    Type::Voicemail,
];

/// Every type whose descriptor may list possible lengths.
const ALL_TYPES: [Type; 15] = [
    Type::FixedLine,
    Type::Mobile,
    Type::TollFree,
    Type::PremiumRate,
    Type::SharedCost,
    Type::PersonalNumber,
    Type::Voip,
    Type::Pager,
    Type::Uan,
    Type::Emergency,
    Type::Voicemail,
    Type::ShortCode,
    Type::StandardRate,
    Type::Carrier,
    Type::NoInternational,
];

/// Returns the metadata of region `id`, if the bundled metadata covers it.
pub(crate) fn region(id: Id) -> Option<&'static Metadata> {
    DATABASE.by_id(id.as_ref())
}

/// Returns the metadata of the region national number `nsn` under calling `code` belongs to.
pub(crate) fn region_of(code: u16, nsn: &str) -> Option<&'static Metadata> {
    let regions = DATABASE.by_code(&code)?;
    if let [only] = regions.as_slice() {
        return Some(only);
    }

    regions
        .into_iter()
        .find(|meta| match meta.leading_digits() {
            Some(pattern) => pattern.find(nsn).is_some_and(|found| found.start() == 0),
            None => kind_in(meta, nsn) != Type::Unknown,
        })
}

/// Returns the type national number `nsn` has in region `meta`'s plan.
pub(crate) fn kind_in(meta: &Metadata, nsn: &str) -> Type {
    let descriptors = meta.descriptors();
    let matches = |descriptor: Option<&Descriptor>| descriptor.is_some_and(|d| d.is_match(nsn));
    if !descriptors.general().is_match(nsn) {
        return Type::Unknown;
    }
    if let Some(kind) = SPECIFIC_TYPES
        .into_iter()
        .find(|&kind| matches(descriptors.get(kind)))
    {
        return kind;
    }

    let fixed = descriptors.fixed_line();
    let mobile = descriptors.mobile();
    if matches(fixed) {
        let same_pattern = fixed.map(|d| d.national_number().as_str())
            == mobile.map(|d| d.national_number().as_str());
        if same_pattern || matches(mobile) {
            return Type::FixedLineOrMobile;
        }
        return Type::FixedLine;
    }
    if matches(mobile) {
        return Type::Mobile;
    }
    Type::Unknown
}

/// Returns the shortest and longest national numbers any region using `code` allows.
///
/// `None` when the code is unknown or its metadata lists no lengths.
pub(crate) fn length_range(code: u16) -> Option<(usize, usize)> {
    let lengths = DATABASE
        .by_code(&code)?
        .into_iter()
        .flat_map(possible_lengths)
        .map(usize::from);

    lengths.fold(None, |range, length| match range {
        None => Some((length, length)),
        Some((low, high)) => Some((low.min(length), high.max(length))),
    })
}

/// Lists the possible lengths of every descriptor in one region's metadata.
fn possible_lengths(meta: &Metadata) -> Vec<u16> {
    let descriptors = meta.descriptors();
    let typed = ALL_TYPES.iter().filter_map(|&kind| descriptors.get(kind));
    std::iter::once(descriptors.general())
        .chain(typed)
        .flat_map(|descriptor| descriptor.possible_length().iter().copied())
        .collect()
}

/// Returns the ISO 3166 alpha-2 code of the main region using calling `code`.
///
/// Shared codes resolve to their main region (`1` to `US`, `44` to `GB`); codes for
/// non-geographic services such as `800` have none.
pub(crate) fn main_region(code: u16) -> Option<String> {
    let regions = DATABASE.by_code(&code)?;
    let main = regions
        .iter()
        .find(|meta| meta.is_main_country_for_code())
        .or_else(|| regions.first())?;

    alpha2(main)
}

/// Returns a region's ISO 3166 alpha-2 code, or `None` for the non-geographic entity `001`.
pub(crate) fn alpha2(meta: &Metadata) -> Option<String> {
    let id = meta.id();
    id.chars()
        .all(|c| c.is_ascii_alphabetic())
        .then(|| id.to_string())
}
