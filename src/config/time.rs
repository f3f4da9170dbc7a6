//! The time expressions a configuration file may hold: durations ("90s", "1h30m"), daily
//! windows ("08:00-21:00"), weekly opening hours and follow-up steps ("3h", "next day 10:00").
//!
//! Each parser returns a plain message on failure; the caller adds the key it came from.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// Parses a duration such as `90s`, `5m`, `3h`, `2d`, `1h30m`, `500ms` or `0`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::zero());
    }
    let invalid = || {
        format!(
            "invalid duration {text:?}: expected a number and a unit (ms, s, m, h or d), \
             like \"90s\" or \"3h\""
        )
    };
    let mut total = Duration::zero();
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let n: i64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part = match &rest[..unit] {
            "ms" => Duration::try_milliseconds(n),
            "s" => Duration::try_seconds(n),
            "m" => Duration::try_minutes(n),
            "h" => Duration::try_hours(n),
            "d" => Duration::try_days(n),
            _ => None,
        };
        total = total
            .checked_add(&part.ok_or_else(invalid)?)
            .ok_or_else(invalid)?;
        rest = &rest[unit..];
    }
    if text.is_empty() {
        return Err(invalid());
    }
    Ok(total)
}

/// Formats a duration the way [`parse_duration`] reads it.
pub fn format_duration(d: Duration) -> String {
    let secs = d.num_seconds();
    let millis = d.num_milliseconds() % 1000;
    if secs == 0 && millis == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = secs;
    for (unit, size) in [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    if millis > 0 {
        out.push_str(&format!("{millis}ms"));
    }
    out
}

/// Parses `HH:MM`.
pub fn parse_clock_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| format!("invalid time {text:?}: expected HH:MM on a 24-hour clock"))
}

/// A daily window of local time, such as 08:00-21:00. The end is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyWindow {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl DailyWindow {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| format!("invalid window {text:?}: expected HH:MM-HH:MM"))?;
        let window = Self {
            start: parse_clock_time(start)?,
            end: parse_clock_time(end)?,
        };
        if window.start == window.end {
            return Err(format!(
                "invalid window {text:?}: start and end are the same"
            ));
        }
        Ok(window)
    }

    /// Whether `time` falls inside; a window whose end is before its start runs past midnight.
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    /// The earliest instant at or after `at` that falls inside the window, in zone `tz`.
    pub fn next_open(&self, at: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let local = at.with_timezone(&tz);
        if self.contains(local.time()) {
            return at;
        }
        let mut date = local.date_naive();
        if local.time() >= self.start {
            date = date.succ_opt().unwrap_or(date);
        }
        local_instant(tz, date.and_time(self.start)).max(at)
    }
}

impl std::fmt::Display for DailyWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// The instant a local date and time stands for in `tz`. A time skipped by a daylight-saving
/// change moves forward an hour; an ambiguous one takes the earlier instant.
pub fn local_instant(tz: Tz, naive: chrono::NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        chrono::LocalResult::None => local_instant(tz, naive + Duration::hours(1)),
    }
}

/// Opening hours for each day of the week; a day without a window is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyHours {
    days: BTreeMap<u32, DailyWindow>,
}

/// The keys a `[business.hours]` table uses, Monday first.
pub const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WeeklyHours {
    /// Monday to Friday, 09:00 to 17:00.
    pub fn office_default() -> Self {
        let window = DailyWindow::parse("09:00-17:00").expect("constant window");
        Self {
            days: (0..5).map(|d| (d, window)).collect(),
        }
    }

    /// Builds from `day key → "HH:MM-HH:MM" | "closed"`, naming the day on error.
    pub fn from_table(table: &BTreeMap<String, String>) -> Result<Self, (String, String)> {
        let mut days = BTreeMap::new();
        for (key, value) in table {
            let day = DAY_KEYS.iter().position(|k| k == key).ok_or_else(|| {
                (
                    key.clone(),
                    format!("unknown day; expected one of {}", DAY_KEYS.join(", ")),
                )
            })?;
            if value.trim().eq_ignore_ascii_case("closed") {
                continue;
            }
            let window = DailyWindow::parse(value).map_err(|e| (key.clone(), e))?;
            days.insert(day as u32, window);
        }
        Ok(Self { days })
    }

    /// The table form, for saving.
    pub fn to_table(&self) -> BTreeMap<String, String> {
        DAY_KEYS
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let value = self
                    .days
                    .get(&(i as u32))
                    .map_or("closed".into(), |w| w.to_string());
                ((*key).to_owned(), value)
            })
            .collect()
    }

    /// Whether the business is open at `at`, in zone `tz`.
    pub fn is_open(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        let local = at.with_timezone(&tz);
        let day = local.weekday().num_days_from_monday();
        self.days
            .get(&day)
            .is_some_and(|w| w.contains(local.time()))
    }

    pub fn window(&self, day: Weekday) -> Option<DailyWindow> {
        self.days.get(&day.num_days_from_monday()).copied()
    }
}

/// When a follow-up goes out, counted from the first automatic text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpStep {
    /// A fixed delay, such as `3h`.
    After(Duration),
    /// The next calendar day at a local time, such as `next day 10:00`.
    NextDayAt(NaiveTime),
}

impl FollowUpStep {
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if let Some(time) = trimmed.strip_prefix("next day") {
            return parse_clock_time(time).map(Self::NextDayAt).map_err(|e| {
                format!("{e} (in {text:?}; a step is a duration like \"3h\" or \"next day 10:00\")")
            });
        }
        parse_duration(trimmed)
            .map(Self::After)
            .map_err(|e| format!("{e} (a step is a duration like \"3h\" or \"next day 10:00\")"))
    }

    /// When the step is due, given when the sequence started.
    pub fn due(&self, start: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        match self {
            Self::After(d) => start + *d,
            Self::NextDayAt(time) => {
                let local = start.with_timezone(&tz).date_naive();
                let next = local.succ_opt().unwrap_or(local);
                local_instant(tz, next.and_time(*time))
            }
        }
    }
}

impl std::fmt::Display for FollowUpStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::After(d) => f.write_str(&format_duration(*d)),
            Self::NextDayAt(t) => write!(f, "next day {}", t.format("%H:%M")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!(parse_duration("90s"), Ok(Duration::seconds(90)), "seconds");
        assert_eq!(parse_duration("5m"), Ok(Duration::minutes(5)), "minutes");
        assert_eq!(parse_duration("3h"), Ok(Duration::hours(3)), "hours");
        assert_eq!(parse_duration("2d"), Ok(Duration::days(2)), "days");
        assert_eq!(
            parse_duration("1h30m"),
            Ok(Duration::minutes(90)),
            "compound"
        );
        assert_eq!(parse_duration("0"), Ok(Duration::zero()), "bare zero");
        assert_eq!(parse_duration("0s"), Ok(Duration::zero()), "zero seconds");
    }

    #[test]
    fn bad_durations_are_refused() {
        for bad in [
            "",
            "15",
            "15x",
            "h",
            "-5s",
            "1.5h",
            "5 s",
            "3hh",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn durations_format_back() {
        for text in ["90s", "5m", "3h", "1d", "1h30m", "1s500ms"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(
                parse_duration(&format_duration(d)),
                Ok(d),
                "round trip of {text}"
            );
        }
    }

    #[test]
    fn window_waits_for_the_next_morning() {
        let window = DailyWindow::parse("08:00-21:00").unwrap();
        let tz: Tz = "America/New_York".parse().unwrap();

        let late = at("2026-12-04T03:30:00Z"); // 22:30 in New York
        let early = at("2026-12-04T11:00:00Z"); // 06:00 in New York
        let open = at("2026-12-04T15:00:00Z"); // 10:00 in New York

        assert_eq!(
            window.next_open(late, tz),
            at("2026-12-04T13:00:00Z"),
            "late evening waits"
        );
        assert_eq!(
            window.next_open(early, tz),
            at("2026-12-04T13:00:00Z"),
            "early morning waits"
        );
        assert_eq!(
            window.next_open(open, tz),
            open,
            "inside the window goes now"
        );
    }

    #[test]
    fn window_across_midnight() {
        let window = DailyWindow::parse("22:00-06:00").unwrap();

        assert!(
            window.contains(parse_clock_time("23:00").unwrap()),
            "late night is inside"
        );
        assert!(
            window.contains(parse_clock_time("05:59").unwrap()),
            "early morning is inside"
        );
        assert!(
            !window.contains(parse_clock_time("12:00").unwrap()),
            "noon is outside"
        );
    }

    #[test]
    fn follow_up_next_day_is_local() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let step = FollowUpStep::parse("next day 10:00").unwrap();

        let due = step.due(at("2026-12-04T04:00:00Z"), tz); // 23:00 on the 3rd, local

        assert_eq!(due, at("2026-12-04T15:00:00Z"), "10:00 local on the 4th");
    }

    #[test]
    fn weekly_hours_know_weekends() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let hours = WeeklyHours::office_default();

        assert!(
            hours.is_open(at("2026-12-03T15:00:00Z"), tz),
            "Thursday 10:00 is open"
        );
        assert!(
            !hours.is_open(at("2026-12-05T15:00:00Z"), tz),
            "Saturday is closed"
        );
        assert!(
            !hours.is_open(at("2026-12-03T23:00:00Z"), tz),
            "Thursday 18:00 is closed"
        );
    }
}
