//! The SMS pumping alarm, end to end: calls through the sandbox, the engine's poll, the rules'
//! refusals, and the alert staff see.

mod support;

use textback::events::EventKind;
use textback_sandbox::CallOutcome;

use support::Harness;

/// Foreign numbers, outside the business's allowed countries.
fn foreign(n: u32) -> String {
    format!("+44740012{:04}", 3000 + n)
}

/// Guards the alarm on a burst of calls from abroad: none is texted, and staff get one
/// `pumping_alert` naming the reason, not one per call.
#[tokio::test]
async fn a_burst_of_calls_from_abroad_raises_one_alert() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    let mut events = h.handle.subscribe();

    for n in 0..12 {
        h.call(&foreign(n), CallOutcome::NoAnswer);
        h.advance(20);
    }
    h.step().await;

    assert_eq!(h.outbound_count(), 0, "no text goes abroad");
    let mut alerts = Vec::new();
    let mut skipped = 0;
    while let Ok(event) = events.try_recv() {
        match event.kind {
            EventKind::PumpingAlert { .. } => alerts.push(event.kind),
            EventKind::CallSkipped { reason, .. } if reason == "country_not_allowed" => {
                skipped += 1;
            }
            _ => {}
        }
    }
    assert_eq!(skipped, 12, "every call from abroad is refused a text");
    assert_eq!(
        alerts,
        vec![EventKind::PumpingAlert {
            reason: "country_not_allowed".into(),
            count: 10,
            window_minutes: 15,
        }],
        "one alert for the burst, raised by its tenth call"
    );
}

/// Guards against false alarms: the same calls from numbers the business may text raise none.
#[tokio::test]
async fn ordinary_missed_calls_raise_no_alert() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;

    for n in 0..12 {
        h.call(&support::caller(n), CallOutcome::NoAnswer);
    }
    h.step().await;

    let alerts: i64 = h
        .store()
        .read(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM events WHERE kind = 'pumping_alert'",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("events are read");
    assert_eq!(alerts, 0, "missed calls from home are not pumping");
}
