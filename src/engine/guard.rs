//! An alarm for SMS pumping.
//!
//! Fraudsters call a business from numbers they are paid for texting (premium or foreign
//! ranges) so its missed-call text-back runs up their revenue. The rules already refuse those
//! texts (allowed countries, hourly and daily caps); this module makes a burst of such refusals
//! visible, with one `pumping_alert` per reason per hour, because staff should know that the
//! line is being abused and that real callers may be refused by the caps meanwhile.
//!
//! The check runs inside the transaction that records the skip, counting `call_skipped`
//! events in the recent window; the `events (kind, at)` index keeps that to the window's rows.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use super::SkipReason;
use crate::clock::to_ms;
use crate::events::EventKind;
use crate::store::{self, Tx};

/// The skips that a pumping attack causes.
const WATCHED: [SkipReason; 3] = [
    SkipReason::CountryNotAllowed,
    SkipReason::HourlyCap,
    SkipReason::DailyCap,
];
/// How many skips for one reason within [`WINDOW_MINUTES`] raise an alert.
const THRESHOLD: u32 = 10;
/// How far back skips are counted.
const WINDOW_MINUTES: u32 = 15;
/// At most one alert per reason in this long.
const QUIET: Duration = Duration::hours(1);

/// Records a `pumping_alert` if the skip for `reason` just recorded completes a burst and no
/// alert for that reason was raised in the last hour.
pub(super) fn check(
    tx: &mut Tx<'_>,
    reason: SkipReason,
    now: DateTime<Utc>,
) -> Result<(), store::StoreError> {
    if !WATCHED.contains(&reason) {
        return Ok(());
    }
    let window = now - Duration::minutes(i64::from(WINDOW_MINUTES));
    let count = count_since(tx, "call_skipped", reason, window)?;
    if count < THRESHOLD || count_since(tx, "pumping_alert", reason, now - QUIET)? > 0 {
        return Ok(());
    }

    tracing::warn!(
        reason = reason.as_str(),
        count,
        window_minutes = WINDOW_MINUTES,
        "many calls refused a text: possible sms pumping"
    );
    let alert = EventKind::PumpingAlert {
        reason: reason.as_str().into(),
        count,
        window_minutes: WINDOW_MINUTES,
    };
    tx.event(now, None, alert)?;
    Ok(())
}

/// How many events of `kind` with this `reason` were recorded since `since`.
fn count_since(
    tx: &Tx<'_>,
    kind: &str,
    reason: SkipReason,
    since: DateTime<Utc>,
) -> Result<u32, store::StoreError> {
    let count = store::cached_row(
        tx,
        "SELECT COUNT(*) FROM events
         WHERE kind = ?1 AND at >= ?2 AND json_extract(data, '$.reason') = ?3",
        params![kind, to_ms(since), reason.as_str()],
        |r| r.get::<_, u32>(0),
    )?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::store::Store;

    fn open() -> (tempfile::TempDir, Arc<Store>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        (dir, Arc::new(store))
    }

    /// Records one skip for `reason` at `at` and runs the check, as `detect` does.
    fn skip(store: &Store, reason: SkipReason, at: DateTime<Utc>) {
        store
            .write(|tx| {
                let skipped = EventKind::CallSkipped {
                    call_id: 1,
                    reason: reason.as_str().into(),
                };
                tx.event(at, None, skipped)?;
                check(tx, reason, at)
            })
            .unwrap();
    }

    fn alerts(store: &Store) -> Vec<(String, u32)> {
        store
            .read(|c| {
                let mut stmt = c.prepare(
                    "SELECT json_extract(data, '$.reason'), json_extract(data, '$.count')
                     FROM events WHERE kind = 'pumping_alert' ORDER BY id",
                )?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .unwrap()
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap()
    }

    #[test]
    fn a_burst_of_foreign_callers_raises_one_alert() {
        let (_dir, store) = open();

        for i in 0..12 {
            skip(
                &store,
                SkipReason::CountryNotAllowed,
                t0() + Duration::seconds(i),
            );
        }

        assert_eq!(
            alerts(&store),
            vec![("country_not_allowed".to_owned(), THRESHOLD)],
            "the tenth skip in the window raises the alert, the ones after it add none"
        );
    }

    #[test]
    fn skips_spread_over_more_than_the_window_raise_none() {
        let (_dir, store) = open();

        for i in 0..12 {
            skip(
                &store,
                SkipReason::HourlyCap,
                t0() + Duration::minutes(2 * i),
            );
        }

        assert!(
            alerts(&store).is_empty(),
            "fewer than ten skips in any fifteen minutes is not a burst"
        );
    }

    #[test]
    fn each_reason_alerts_apart_and_again_after_an_hour() {
        let (_dir, store) = open();

        for i in 0..10 {
            skip(&store, SkipReason::DailyCap, t0() + Duration::seconds(i));
            skip(&store, SkipReason::HourlyCap, t0() + Duration::seconds(i));
        }
        let later = t0() + Duration::minutes(61);
        for i in 0..10 {
            skip(&store, SkipReason::DailyCap, later + Duration::seconds(i));
        }

        let reasons: Vec<String> = alerts(&store).into_iter().map(|(r, _)| r).collect();
        assert_eq!(
            reasons,
            vec!["daily_cap", "hourly_cap", "daily_cap"],
            "one alert per reason, and another for a burst an hour later"
        );
    }

    #[test]
    fn other_skip_reasons_never_alert() {
        let (_dir, store) = open();

        for i in 0..20 {
            skip(&store, SkipReason::OptedOut, t0() + Duration::seconds(i));
        }

        assert!(
            alerts(&store).is_empty(),
            "opted-out callers are not a sign of pumping"
        );
    }
}
