//! Template variants: each text records the variant it was written with.

use textback_sandbox::CallOutcome;

use crate::support::{caller, Harness};

const TEXT_A: &str = "Variant A: sorry we missed you.";
const TEXT_B: &str = "Variant B: we'll call you back.";

/// Every outbound text's kind, body and recorded template, oldest first.
fn outbound(h: &Harness) -> Vec<(String, String, Option<String>)> {
    h.store()
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT kind, body, template FROM messages WHERE direction = 'out' ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .unwrap()
}

/// Guards that the recorded variant is the one whose text went out, for every text.
#[tokio::test]
async fn a_text_back_records_the_variant_it_was_written_with() {
    let h = Harness::new(&format!(
        r#"
[rules]
grace = "0s"
follow_ups = []

[[templates.business_hours]]
name = "a"
text = "{TEXT_A}"
weight = 1

[[templates.business_hours]]
name = "b"
text = "{TEXT_B}"
weight = 1
"#
    ))
    .await;
    for n in 0..12 {
        h.call(&caller(n), CallOutcome::NoAnswer);
    }

    h.step().await;

    let texts = outbound(&h);
    assert_eq!(texts.len(), 12, "one text-back per caller");
    for (_, body, template) in &texts {
        let expected = if body == TEXT_A {
            "business_hours:a"
        } else {
            "business_hours:b"
        };
        assert!(
            body == TEXT_A || body == TEXT_B,
            "a configured text: {body}"
        );
        assert_eq!(
            template.as_deref(),
            Some(expected),
            "recorded variant matches {body}"
        );
    }
}

/// Guards that a template written as a plain string is still recorded by its name alone, and
/// that a follow-up step's variant is recorded too.
#[tokio::test]
async fn a_plain_template_keeps_its_name_and_follow_ups_record_their_variant() {
    let h = Harness::new(
        r#"
[rules]
grace = "0s"
follow_ups = ["3h"]

[templates]
follow_ups = [[{ name = "nudge", text = "Still need a visit, {first_name|there}?" }]]
"#,
    )
    .await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    h.advance(3 * 3600);
    h.step().await;

    let texts = outbound(&h);
    assert_eq!(texts.len(), 2, "the text-back and one follow-up");
    assert_eq!(
        texts[0].2.as_deref(),
        Some("business_hours"),
        "a plain string is recorded as before"
    );
    assert_eq!(
        (texts[1].0.as_str(), texts[1].2.as_deref()),
        ("follow_up", Some("follow_up:nudge")),
        "the follow-up names its variant"
    );
    assert_eq!(
        texts[1].1, "Still need a visit, there?",
        "the variant's text went out"
    );
}
