use rand::SeedableRng;

use crate::config::{Config, ConfigError};

const MINIMAL: &str = r#"
[business]
name = "Harbor Dental"
time_zone = "America/New_York"
numbers = ["+12125550100"]
booking_link = "https://harbor.example/book"

[provider]
kind = "twilio"
account_sid = "AC0123456789abcdef0123456789abcdef"
"#;

fn with(extra: &str) -> Result<Config, ConfigError> {
    Config::from_toml(&format!("{MINIMAL}\n{extra}"))
}

const AB: &str = r#"
[templates]
after_hours = "We're closed, {business}."
follow_ups = ["Checking in", [{ name = "short", text = "Still there?" }, { name = "long", text = "Hi {first_name|there}, can we help?", weight = 3 }]]

[[templates.business_hours]]
name = "a"
text = "Sorry we missed you! {booking_link}"
weight = 70

[[templates.business_hours]]
name = "b"
text = "Hi from {business}, we'll call back."
weight = 30
"#;

/// Guards that a plain string keeps meaning one unnamed text, as before variants existed.
#[test]
fn a_plain_string_is_one_unnamed_variant() {
    let config = with("[templates]\nbusiness_hours = \"Hi from {business}\"").unwrap();

    let variants = config.templates.business_hours.variants();
    assert_eq!(variants.len(), 1, "one variant");
    assert_eq!(variants[0].name, None, "with no name");
    assert_eq!(
        variants[0].recorded_as("business_hours"),
        "business_hours",
        "recorded under the template's name alone, as before"
    );
}

#[test]
fn variants_are_read_with_names_and_weights() {
    let config = with(AB).unwrap();

    let names: Vec<_> = config
        .templates
        .business_hours
        .variants()
        .iter()
        .map(|v| (v.name.clone().unwrap(), v.weight))
        .collect();
    assert_eq!(
        names,
        [("a".to_owned(), 70), ("b".to_owned(), 30)],
        "names and weights in the order written"
    );
    let second = config.templates.follow_up(1).unwrap().variants();
    assert_eq!(second.len(), 2, "a follow-up step may have variants too");
    assert_eq!(second[0].weight, 1, "the weight defaults to 1");
    assert_eq!(
        second[1].recorded_as("follow_up"),
        "follow_up:long",
        "a named variant is recorded with its name"
    );
    assert_eq!(
        config.templates.follow_up(0).unwrap().variants().len(),
        1,
        "another step stays a single text"
    );
}

/// Guards that a file with variants saves and reads back unchanged (the desktop app saves it).
#[test]
fn variants_survive_a_save() {
    let config = with(AB).unwrap();

    let again = Config::from_toml(&config.to_toml()).expect("saved form loads");

    assert_eq!(again.raw, config.raw, "nothing is lost in a save");
}

#[test]
fn bad_variants_name_their_key() {
    let variant = |name: &str, text: &str, weight: i64| {
        format!("[[templates.business_hours]]\nname = \"{name}\"\ntext = \"{text}\"\nweight = {weight}\n")
    };
    let cases = [
        (
            format!("{}{}", variant("a", "Hi", 1), variant("b", "Hi", 0)),
            "templates.business_hours[1].weight",
            "must be at least 1",
        ),
        (
            variant("a", "Hi", -5),
            "templates.business_hours[0].weight",
            "must be at least 1",
        ),
        (
            format!("{}{}", variant("a", "Hi", 1), variant("a", "Hello", 1)),
            "templates.business_hours[1].name",
            "used by another variant",
        ),
        (
            variant("", "Hi", 1),
            "templates.business_hours[0].name",
            "not empty",
        ),
        (
            variant("a", "Hi {busines}", 1),
            "templates.business_hours[0].text",
            "busines",
        ),
        (
            variant("a", " ", 1),
            "templates.business_hours[0].text",
            "must not be empty",
        ),
        (
            "[templates]\nafter_hours = []".to_owned(),
            "templates.after_hours",
            "at least one variant",
        ),
        (
            "[templates]\nfollow_ups = [[{ name = \"x\", text = \"Hi\", weight = 0 }]]".to_owned(),
            "templates.follow_ups[0][0].weight",
            "must be at least 1",
        ),
    ];
    for (extra, key, message) in cases {
        let err = with(&extra).unwrap_err();

        assert_eq!(err.key, key, "for {extra:?}: {err}");
        assert!(err.message.contains(message), "for {extra:?}: {err}");
    }
}

/// Guards that a mistake inside a variant is reported as itself, under the template's key.
#[test]
fn a_variant_missing_its_text_says_so() {
    let err = with("[[templates.business_hours]]\nname = \"a\"\n").unwrap_err();

    assert_eq!(
        err.key, "templates.business_hours",
        "the template is named: {err}"
    );
    assert!(
        err.message.contains("text"),
        "the missing field is named: {err}"
    );
}

/// Guards the weighting itself: every roll of 0..100 over weights 70 and 30 lands 70 times on
/// the first variant and 30 times on the second, in consecutive runs.
#[test]
fn rolls_land_on_variants_in_proportion_to_their_weights() {
    let config = with(AB).unwrap();
    let variants = &config.templates.business_hours;

    let picks: Vec<_> = (0..variants.total_weight())
        .map(|roll| variants.pick(roll).name.clone().unwrap())
        .collect();

    assert_eq!(variants.total_weight(), 100, "weights add up");
    assert!(picks[..70].iter().all(|n| n == "a"), "rolls 0..70 pick a");
    assert!(picks[70..].iter().all(|n| n == "b"), "rolls 70..100 pick b");
    assert_eq!(
        variants.pick(1_000).name.as_deref(),
        Some("b"),
        "a roll past the end stays in range"
    );
}

/// Guards that random choice follows the weights, with a seeded generator so the count is the
/// same on every run.
#[test]
fn random_choice_follows_the_weights() {
    let config = with(AB).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);

    let a = (0..10_000)
        .filter(|_| {
            config
                .templates
                .business_hours
                .choose(&mut rng)
                .name
                .as_deref()
                == Some("a")
        })
        .count();

    assert!(
        (6_700..7_300).contains(&a),
        "about 70% pick a, got {a} of 10000"
    );
}
