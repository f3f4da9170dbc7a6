//! CSV exports of traffic the engine really handled, read back with a small RFC 4180 reader.

mod support;

use chrono::NaiveDate;
use chrono_tz::America::New_York;
use textback::export::{self, csv::BOM, ExportOptions};
use textback::store::ConversationStatus;
use textback_sandbox::CallOutcome;

use support::{caller, Harness, BUSINESS};

/// A customer's text that is a spreadsheet formula with commas, quotes and a line break.
const HOSTILE: &str = "=HYPERLINK(\"http://evil.example\",\"click\"), \"quoted\"\nline two";

/// Splits CSV text into records of fields, as RFC 4180 reads them.
fn parse(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "every record ends with CRLF"
    );
    records
}

/// Two leads: caller 1 was texted, replied with `HOSTILE`, has an accented name, was assigned
/// and booked; caller 2 was texted and has a name that is a formula.
async fn traffic() -> Harness {
    let h = Harness::new("[rules]\ngrace = \"0s\"\nfollow_ups = []").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.call(&caller(2), CallOutcome::Busy);
    h.step().await;
    h.advance(60);
    h.sms(&caller(1), HOSTILE);
    h.step().await;
    h.store()
        .write(|tx| {
            // No API sets a name yet; the desktop's contact sync will.
            let set = "UPDATE conversations SET customer_name = ?2 WHERE customer_number = ?1";
            tx.execute(set, [caller(1).as_str(), "Pérez, Zoë"])?;
            tx.execute(set, [caller(2).as_str(), "=1+2"])?;
            Ok(())
        })
        .unwrap();
    let first = h
        .store()
        .read(|c| Ok(textback::store::conversations_with(c, &caller(1))?[0].id))
        .unwrap();
    h.handle.assign(first, Some("Dana")).unwrap();
    h.handle
        .set_status(first, ConversationStatus::Booked)
        .unwrap();
    h
}

fn export_conversations(h: &Harness, options: &ExportOptions) -> String {
    let mut out = Vec::new();
    h.store()
        .read(|c| Ok(export::conversations(c, New_York, &mut out, options)))
        .unwrap()
        .unwrap();
    String::from_utf8(out).expect("UTF-8")
}

fn export_events(h: &Harness, options: &ExportOptions) -> String {
    let mut out = Vec::new();
    h.store()
        .read(|c| Ok(export::events(c, New_York, &mut out, options)))
        .unwrap()
        .unwrap();
    String::from_utf8(out).expect("UTF-8")
}

#[tokio::test]
async fn conversations_export_one_row_per_lead_for_a_spreadsheet() {
    let h = traffic().await;

    let text = export_conversations(&h, &ExportOptions::default());

    assert!(text.starts_with(BOM), "a byte-order mark for spreadsheets");
    let rows = parse(text.trim_start_matches(BOM));
    assert_eq!(rows[0], export::CONVERSATION_COLUMNS, "the header row");
    assert_eq!(rows.len(), 3, "one row per lead");
    let booked = &rows[1];
    assert_eq!(
        booked[0],
        format!("=\"{BUSINESS}\""),
        "business number kept as text"
    );
    assert_eq!(
        booked[1],
        format!("=\"{}\"", caller(1)),
        "customer number kept as text"
    );
    assert_eq!(booked[2], "Pérez, Zoë", "accents and a comma survive");
    assert_eq!(
        booked[3], "2026-12-03T10:00:00-05:00",
        "first call, New York time"
    );
    assert_eq!(
        booked[4], "2026-12-03T10:01:00-05:00",
        "last activity: the reply"
    );
    assert_eq!(
        booked[5..],
        ["booked", "1", "1", "1", "yes", "Dana"],
        "status, calls, texts sent, replies, booked, assigned to"
    );
    let other = &rows[2];
    assert_eq!(other[2], "'=1+2", "a name that is a formula is neutralized");
    assert_eq!(other[9], "no", "not booked");
}

#[tokio::test]
async fn plain_exports_write_raw_values_without_a_bom() {
    let h = traffic().await;
    let options = ExportOptions {
        plain: true,
        ..ExportOptions::default()
    };

    let text = export_conversations(&h, &options);

    assert!(!text.starts_with(BOM), "no byte-order mark for programs");
    let rows = parse(&text);
    assert_eq!(rows[1][1], caller(1), "the number as stored");
    assert_eq!(rows[2][2], "=1+2", "the name as stored");
}

#[tokio::test]
async fn events_export_keeps_hostile_text_intact_inside_its_json() {
    let h = traffic().await;

    let text = export_events(&h, &ExportOptions::default());

    let rows = parse(text.trim_start_matches(BOM));
    assert_eq!(rows[0], export::EVENT_COLUMNS, "the header row");
    let reply = rows
        .iter()
        .find(|r| r[3] == "reply_received")
        .expect("the reply is an event");
    assert_eq!(
        reply[5],
        format!("=\"{}\"", caller(1)),
        "the customer's number"
    );
    assert!(reply[1].ends_with('Z'), "UTC time: {}", reply[1]);
    assert!(reply[2].ends_with("-05:00"), "local time: {}", reply[2]);
    let data: serde_json::Value = serde_json::from_str(&reply[6]).expect("data is JSON");
    assert_eq!(
        data["body"], HOSTILE,
        "the body round-trips through quoting"
    );
    let ids: Vec<i64> = rows[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "events in order");
}

#[tokio::test]
async fn a_date_range_keeps_only_those_local_days() {
    let h = traffic().await;
    let day = |d| NaiveDate::from_ymd_opt(2026, 12, d);

    let today = export_events(&h, &ExportOptions::default().days(New_York, day(3), day(3)));
    let tomorrow = export_events(&h, &ExportOptions::default().days(New_York, day(4), None));
    let leads = export_conversations(&h, &ExportOptions::default().days(New_York, None, day(2)));

    assert!(
        parse(today.trim_start_matches(BOM)).len() > 5,
        "today's events are in"
    );
    assert_eq!(
        parse(tomorrow.trim_start_matches(BOM)).len(),
        1,
        "only the header tomorrow"
    );
    assert_eq!(
        parse(leads.trim_start_matches(BOM)).len(),
        1,
        "no lead began before the 3rd"
    );
}
