//! Dates the way Twilio writes and reads them.
//!
//! Twilio writes every time as RFC 2822 in UTC (`Tue, 31 Aug 2010 20:36:28 +0000`) at whole
//! seconds, and reads list filters such as `StartTime>` either as a day (`2010-08-31`, a whole
//! UTC day) or as an instant (RFC 3339). The sandbox stores whole seconds too, so a time read
//! off a response and sent back as a filter selects the record it came from.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// `t` in Twilio's RFC 2822 form, always with a two-digit day and `+0000`.
pub(crate) fn rfc2822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// `t` without its fraction of a second.
pub(crate) fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// A time given as a list filter's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FilterTime {
    /// `YYYY-MM-DD`: the whole UTC day.
    Day(NaiveDate),
    /// An RFC 3339 (or RFC 2822) date-time: that instant.
    Instant(DateTime<Utc>),
}

impl FilterTime {
    /// Reads a filter value; `None` if it is neither a day nor a date-time.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            return Some(Self::Day(day));
        }
        DateTime::parse_from_rfc3339(value)
            .or_else(|_| DateTime::parse_from_rfc2822(value))
            .ok()
            .map(|t| Self::Instant(t.with_timezone(&Utc)))
    }

    /// The earliest whole second the value covers.
    fn first_second(self) -> DateTime<Utc> {
        match self {
            Self::Day(day) => day.and_time(chrono::NaiveTime::MIN).and_utc(),
            Self::Instant(t) if t == whole_seconds(t) => t,
            Self::Instant(t) => whole_seconds(t) + Duration::seconds(1),
        }
    }

    /// The first whole second after the value: the end of the day, or the second after the
    /// instant.
    fn end(self) -> DateTime<Utc> {
        match self {
            Self::Day(day) => {
                let next = day.succ_opt().unwrap_or(day);
                next.and_time(chrono::NaiveTime::MIN).and_utc()
            }
            Self::Instant(t) => whole_seconds(t) + Duration::seconds(1),
        }
    }
}

/// The times a filter such as `StartTime>` / `StartTime<` / `StartTime` lets through.
///
/// Both ends are inclusive, as Twilio's `>=` / `<=` are: `StartTime>=2010-08-31` keeps
/// everything from that day's midnight on, and `StartTime<=2010-08-31` keeps that whole day
/// and everything before it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct TimeRange {
    not_before: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// Keeps only times on or after `value`.
    pub(crate) fn on_or_after(&mut self, value: FilterTime) {
        self.not_before = Some(value.first_second());
    }

    /// Keeps only times on or before `value`.
    pub(crate) fn on_or_before(&mut self, value: FilterTime) {
        self.before = Some(value.end());
    }

    /// Keeps only times within `value`: that day, or that second.
    pub(crate) fn within(&mut self, value: FilterTime) {
        self.on_or_after(value);
        self.on_or_before(value);
    }

    /// Whether `t` passes the filter.
    pub(crate) fn contains(&self, t: DateTime<Utc>) -> bool {
        self.not_before.is_none_or(|start| t >= start) && self.before.is_none_or(|end| t < end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("test time parses")
            .with_timezone(&Utc)
    }

    /// Dates come out exactly as in Twilio's documentation, day zero-padded.
    #[test]
    fn formats_rfc2822_like_twilio() {
        let t = at("2010-08-31T20:36:28Z");
        let early = at("2019-05-01T07:04:09.750Z");

        assert_eq!(
            rfc2822(t),
            "Tue, 31 Aug 2010 20:36:28 +0000",
            "Twilio's example date"
        );
        assert_eq!(
            rfc2822(early),
            "Wed, 01 May 2019 07:04:09 +0000",
            "day padded, fraction cut"
        );
    }

    /// A filter reads a bare day, an RFC 3339 instant and an RFC 2822 instant.
    #[test]
    fn parses_filter_values() {
        let day = FilterTime::parse("2024-03-09");
        let instant = FilterTime::parse("2024-03-09T10:11:12-05:00");
        let twilio = FilterTime::parse("Sat, 09 Mar 2024 15:11:12 +0000");

        let expected_day = NaiveDate::from_ymd_opt(2024, 3, 9).expect("valid day");
        assert_eq!(day, Some(FilterTime::Day(expected_day)), "bare day");
        assert_eq!(
            instant,
            Some(FilterTime::Instant(at("2024-03-09T15:11:12Z"))),
            "rfc 3339"
        );
        assert_eq!(twilio, instant, "rfc 2822 reads as the same instant");
        assert_eq!(
            FilterTime::parse("yesterday"),
            None,
            "anything else is refused"
        );
        assert_eq!(
            FilterTime::parse("2024-02-30"),
            None,
            "impossible days are refused"
        );
    }

    /// A day bound covers the whole day on both sides.
    #[test]
    fn day_bounds_are_inclusive_of_the_whole_day() {
        let day = FilterTime::parse("2024-03-09").expect("parses");
        let mut after = TimeRange::default();
        let mut before = TimeRange::default();
        let mut within = TimeRange::default();

        after.on_or_after(day);
        before.on_or_before(day);
        within.within(day);

        assert!(
            after.contains(at("2024-03-09T00:00:00Z")),
            "midnight is on the day"
        );
        assert!(
            !after.contains(at("2024-03-08T23:59:59Z")),
            "the day before is excluded"
        );
        assert!(
            before.contains(at("2024-03-09T23:59:59Z")),
            "the last second is on the day"
        );
        assert!(
            !before.contains(at("2024-03-10T00:00:00Z")),
            "the next day is excluded"
        );
        assert!(
            within.contains(at("2024-03-09T12:00:00Z")),
            "noon is within the day"
        );
        assert!(
            !within.contains(at("2024-03-10T12:00:00Z")),
            "the next noon is not"
        );
    }

    /// Instant bounds are inclusive, rounded to the whole seconds records are kept in.
    #[test]
    fn instant_bounds_are_inclusive() {
        let exact = FilterTime::parse("2024-03-09T10:00:00Z").expect("parses");
        let fraction = FilterTime::parse("2024-03-09T10:00:00.5Z").expect("parses");
        let mut after = TimeRange::default();
        let mut after_fraction = TimeRange::default();
        let mut before = TimeRange::default();

        after.on_or_after(exact);
        after_fraction.on_or_after(fraction);
        before.on_or_before(exact);

        assert!(
            after.contains(at("2024-03-09T10:00:00Z")),
            "the instant itself passes >"
        );
        assert!(
            !after_fraction.contains(at("2024-03-09T10:00:00Z")),
            "10:00:00 is before .5"
        );
        assert!(
            after_fraction.contains(at("2024-03-09T10:00:01Z")),
            "the next second is after"
        );
        assert!(
            before.contains(at("2024-03-09T10:00:00Z")),
            "the instant itself passes <"
        );
        assert!(
            !before.contains(at("2024-03-09T10:00:01Z")),
            "a second later does not"
        );
    }
}
