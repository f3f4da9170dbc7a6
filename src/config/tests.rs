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

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// The tables a configuration file has, and a few it does not.
    const TABLES: &[&str] = &[
        "[business]",
        "[business.hours]",
        "[provider]",
        "[rules]",
        "[templates]",
        "[backup]",
        "[ingress]",
        "[[staff]]",
        "[nowhere]",
        "[rules.deep]",
    ];
    /// Keys of every table, so generated documents reach the checks and not only the parser.
    const KEYS: &[&str] = &[
        "name",
        "time_zone",
        "numbers",
        "booking_link",
        "country",
        "mon",
        "sat",
        "kind",
        "base_url",
        "account_sid",
        "api_key_sid",
        "poll_interval",
        "grace",
        "dedupe_window",
        "max_call_age",
        "quiet_hours",
        "quiet_hours_action",
        "follow_ups",
        "allowed_countries",
        "voicemail_counts_as_missed",
        "active_window",
        "daily_cap",
        "hourly_cap",
        "business_hours",
        "after_hours",
        "help",
        "enabled",
        "dir",
        "keep",
        "listen",
        "public_url",
        "number",
        "\"quoted key\"",
        "",
    ];

    /// A value as TOML writes it: strings (some shaped like durations, clock ranges or phone
    /// numbers), numbers, booleans, arrays, or something that is not TOML at all.
    fn value() -> impl Strategy<Value = String> {
        let text = prop_oneof![
            any::<String>(),
            "[0-9]{0,22}(ms|s|m|h|d|x)?",
            "[0-9]{1,2}:[0-9]{2}-[0-9]{1,2}:[0-9]{2}",
            "\\+?[0-9]{0,16}",
            "(next day |)[0-9]{1,2}:[0-9]{2}",
            "\\{[a-z_|]{0,12}\\}?",
        ];
        let text = text.prop_map(|s| format!("{s:?}"));
        let scalar = prop_oneof![
            text,
            any::<i64>().prop_map(|n| n.to_string()),
            any::<bool>().prop_map(|b| b.to_string()),
            any::<f64>().prop_map(|f| f.to_string()),
            "[^\n]{0,20}",
        ];
        prop_oneof![
            3 => scalar.clone(),
            1 => prop::collection::vec(scalar, 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
        ]
    }

    /// A document of tables and `key = value` lines in any order, missing or repeated.
    fn document() -> impl Strategy<Value = String> {
        let line = prop_oneof![
            1 => prop::sample::select(TABLES).prop_map(str::to_owned),
            4 => (prop::sample::select(KEYS), value()).prop_map(|(k, v)| format!("{k} = {v}")),
        ];
        prop::collection::vec(line, 0..24).prop_map(|lines| lines.join("\n"))
    }

    fn assert_names_a_key(result: Result<Config, ConfigError>, input: &str) {
        if let Err(e) = result {
            assert!(
                !e.key.trim().is_empty(),
                "every error names a key; {e:?} for {input:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Guards against a panic on any text at all, and an error without a key.
        #[test]
        fn any_text_is_read_or_refused_with_a_key(text in any::<String>()) {
            assert_names_a_key(Config::from_toml(&text), &text);
        }

        /// Guards the checks behind the parser: documents made of real tables and keys with
        /// arbitrary values never panic, and every refusal names a key.
        #[test]
        fn any_toml_like_document_is_read_or_refused_with_a_key(text in document()) {
            assert_names_a_key(Config::from_toml(&text), &text);
        }

        /// Guards each setting's check: a valid file with one table of arbitrary settings
        /// added never panics, and every refusal names a key.
        #[test]
        fn a_valid_file_with_arbitrary_settings_is_read_or_refused_with_a_key(
            // MINIMAL ends inside `[provider]`, so no header adds to that table.
            table in prop::sample::select(
                &["", "[rules]", "[templates]", "[backup]", "[ingress]", "[business.hours]"][..],
            ),
            settings in prop::collection::vec((prop::sample::select(KEYS), value()), 1..4),
        ) {
            let lines: Vec<String> = settings.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let text = format!("{MINIMAL}\n{table}\n{}", lines.join("\n"));
            assert_names_a_key(Config::from_toml(&text), &text);
        }

        /// Guards duration parsing against panics and overflow on any input.
        #[test]
        fn any_duration_text_is_parsed_or_refused(
            text in prop_oneof![
                any::<String>(),
                "([0-9]{0,25}(ms|s|m|h|d|µs|x)?){0,4}",
                " ?-?[0-9]{1,20} ?(ms|s|m|h|d)",
            ],
        ) {
            if let Ok(duration) = parse_duration(&text) {
                prop_assert!(duration >= Duration::zero(), "{text:?} gave {duration:?}");
            }
        }
    }
}

#[test]
fn a_line_without_a_key_still_names_where_to_look() {
    let bare = Config::from_toml("= 1").unwrap_err();
    let header = Config::from_toml("[business.hours]\n[provider]").unwrap_err();

    assert_eq!(
        bare.key, "configuration",
        "an empty key names the file: {bare}"
    );
    assert!(
        !header.key.is_empty(),
        "a repeated table names something: {header:?}"
    );
}

#[test]
fn webhook_mode_asks_for_delivery_statuses_at_the_ingress() {
    let polling = with("").unwrap();
    let webhooks =
        with("[ingress]\npublic_url = \"https://textback.example.com/\"").expect("valid ingress");

    assert_eq!(
        polling.provider.status_callback, None,
        "polling needs no callback"
    );
    assert_eq!(
        webhooks.provider.status_callback.as_deref(),
        Some("https://textback.example.com/twilio/sms/status"),
        "statuses are posted to the ingress under its public address"
    );
}

#[test]
fn telnyx_webhooks_need_the_public_key() {
    let text = MINIMAL
        .replace("kind = \"twilio\"", "kind = \"telnyx\"")
        .replace("account_sid = \"AC0123456789abcdef0123456789abcdef\"", "");

    let polling = Config::from_toml(&text);
    let webhooks = Config::from_toml(&format!(
        "{text}\n[ingress]\npublic_url = \"https://tb.example.com\""
    ));

    assert!(
        polling.is_ok(),
        "polling Telnyx needs no key: {:?}",
        polling.err()
    );
    let err = webhooks.unwrap_err();
    assert_eq!(
        err.key, "provider.public_key",
        "the missing key is named: {err}"
    );
}
