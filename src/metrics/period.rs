//! The stretch of time a set of figures covers: whole local days in the business's time zone.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

/// Whole days, from the start of `first_day` to the end of `last_day`, local time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub first_day: NaiveDate,
    /// The last day counted, inclusive.
    pub last_day: NaiveDate,
    /// The first instant counted.
    pub from: DateTime<Utc>,
    /// The first instant no longer counted.
    pub to: DateTime<Utc>,
    #[serde(serialize_with = "tz_name")]
    pub time_zone: Tz,
}

/// Why a period cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the first day {first} is after the last day {last}")]
pub struct BackwardsPeriod {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    /// The local days `first..=last`.
    pub fn days(first: NaiveDate, last: NaiveDate, time_zone: Tz) -> Result<Self, BackwardsPeriod> {
        if first > last {
            return Err(BackwardsPeriod { first, last });
        }
        Ok(Self {
            first_day: first,
            last_day: last,
            from: start_of(first, time_zone),
            to: start_of(last + Days::new(1), time_zone),
            time_zone,
        })
    }

    /// The week, Monday to Sunday local time, that contains `now`.
    pub fn week_of(now: DateTime<Utc>, time_zone: Tz) -> Self {
        let today = now.with_timezone(&time_zone).date_naive();
        let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
        Self::days(monday, monday + Days::new(6), time_zone).expect("a week runs forwards")
    }

    /// The period of as many days just before this one.
    pub fn previous(&self) -> Self {
        let length = Days::new((self.last_day - self.first_day).num_days() as u64 + 1);
        Self::days(
            self.first_day - length,
            self.last_day - length,
            self.time_zone,
        )
        .expect("shifting keeps the order")
    }
}

/// Local midnight of `day` as an instant. Where a clock change skips midnight, the day starts
/// at the first local time that exists; where midnight happens twice, at the first of them.
fn start_of(day: NaiveDate, time_zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    (0..=3)
        .find_map(|hours| {
            time_zone
                .from_local_datetime(&(midnight + chrono::Duration::hours(hours)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |local| local.with_timezone(&Utc))
}

fn tz_name<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_runs_monday_to_monday_local_time() {
        let thursday = Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap();

        let week = Period::week_of(thursday, chrono_tz::America::New_York);

        assert_eq!(
            week.from,
            Utc.with_ymd_and_hms(2026, 11, 30, 5, 0, 0).unwrap(),
            "Monday 00:00 in New York"
        );
        assert_eq!(
            week.to,
            Utc.with_ymd_and_hms(2026, 12, 7, 5, 0, 0).unwrap(),
            "the next Monday 00:00"
        );
        assert_eq!(
            week.previous().to,
            week.from,
            "the previous week ends where this one starts"
        );
    }

    #[test]
    fn a_week_over_a_clock_change_has_its_true_length() {
        // Daylight saving ends in New York on Sunday 1 November 2026.
        let wednesday = Utc.with_ymd_and_hms(2026, 10, 28, 15, 0, 0).unwrap();

        let week = Period::week_of(wednesday, chrono_tz::America::New_York);

        assert_eq!(
            (week.to - week.from).num_hours(),
            7 * 24 + 1,
            "the week holds the repeated hour"
        );
    }

    #[test]
    fn a_backwards_range_is_refused() {
        let first = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();

        let refused = Period::days(first, last, chrono_tz::UTC);

        assert!(refused.is_err(), "--from after --to is an error");
    }
}
