use super::*;

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

#[test]
fn a_minimal_file_takes_the_documented_defaults() {
    let config = Config::from_toml(MINIMAL).expect("minimal file is valid");

    assert_eq!(
        config.rules.grace,
        Duration::seconds(15),
        "grace defaults to 15s"
    );
    assert_eq!(
        config.rules.dedupe_window,
        Duration::hours(24),
        "dedupe defaults to 24h"
    );
    assert_eq!(
        config.rules.max_call_age,
        Duration::minutes(30),
        "max call age defaults to 30m"
    );
    assert_eq!(
        config.rules.send_window.map(|w| w.to_string()).as_deref(),
        Some("08:00-21:00"),
        "quiet hours default to 08:00-21:00"
    );
    assert_eq!(
        config.rules.allowed_countries,
        vec!["US"],
        "own country only by default"
    );
    assert_eq!(
        config.rules.follow_ups.len(),
        2,
        "two follow-ups by default"
    );
    assert_eq!(
        config.provider.base_url, TWILIO_BASE_URL,
        "Twilio by default"
    );
    assert_eq!(
        config.provider.poll_interval,
        std::time::Duration::from_secs(5),
        "poll 5s"
    );
}

#[test]
fn the_documented_example_file_is_valid() {
    let text = include_str!("../../examples/textback.toml");

    let config = Config::from_toml(text).expect("the example in the repository must load");

    assert_eq!(config.business.name, "Harbor Dental", "business name read");
}

#[test]
fn a_bad_duration_names_its_key() {
    let err = with("[rules]\ngrace = \"15 seconds\"").unwrap_err();

    assert_eq!(err.key, "rules.grace", "the key is named: {err}");
    assert!(
        err.message.contains("15 seconds"),
        "the bad value is quoted: {err}"
    );
}

#[test]
fn a_wrong_type_names_its_key() {
    let err = with("[rules]\ndaily_cap = \"lots\"").unwrap_err();

    assert_eq!(err.key, "rules.daily_cap", "the key is named: {err}");
}

#[test]
fn an_unknown_key_is_refused() {
    let err = with("[rules]\ngracee = \"15s\"").unwrap_err();

    assert!(
        err.to_string().contains("gracee"),
        "the unknown key is named: {err}"
    );
}

#[test]
fn an_unknown_placeholder_is_a_config_error() {
    let err = with("[templates]\nbusiness_hours = \"Hi from {busines}\"").unwrap_err();

    assert_eq!(
        err.key, "templates.business_hours",
        "the template is named: {err}"
    );
    assert!(
        err.message.contains("busines"),
        "the placeholder is named: {err}"
    );
}

#[test]
fn numbers_must_be_e164() {
    let text = MINIMAL.replace("+12125550100", "212-555-0100");

    let err = Config::from_toml(&text).unwrap_err();

    assert_eq!(err.key, "business.numbers[0]", "the number is named: {err}");
}

#[test]
fn other_bad_values_name_their_keys() {
    let cases = [
        ("[rules]\nquiet_hours = \"8-9\"", "rules.quiet_hours"),
        (
            "[rules]\nquiet_hours_action = \"later\"",
            "rules.quiet_hours_action",
        ),
        (
            "[rules]\nfollow_ups = [\"3h\", \"tomorrow\"]",
            "rules.follow_ups[1]",
        ),
        (
            "[rules]\nallowed_countries = [\"USA\"]",
            "rules.allowed_countries[0]",
        ),
        ("[rules]\nhourly_cap = 0", "rules.hourly_cap"),
    ];
    for (extra, key) in cases {
        let err = with(extra).unwrap_err();
        assert_eq!(err.key, key, "for {extra:?}: {err}");
    }
}

#[test]
fn quiet_hours_can_be_off() {
    let config = with("[rules]\nquiet_hours = \"off\"").unwrap();

    assert_eq!(
        config.rules.send_window, None,
        "off means texts may go at any hour"
    );
}

#[test]
fn a_saved_file_reads_back_the_same() {
    let config =
        with("[rules]\nfollow_ups = [\"1h\"]\n[business.hours]\nsat = \"10:00-14:00\"").unwrap();

    let again = Config::from_toml(&config.to_toml()).expect("saved form loads");

    assert_eq!(again.raw, config.raw, "nothing is lost in a save");
}
