//! Time inside Tollgate: UTC instants as integer milliseconds, and a [`Clock`] so tests and
//! `--as-of` replays control "now". The partner's time zone is applied only at the edges.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A UTC instant, in milliseconds since the Unix epoch.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    pub const fn millis(&self) -> i64 {
        self.0
    }

    /// Midnight UTC at the start of `date`.
    pub fn start_of_day(date: NaiveDate) -> Timestamp {
        Timestamp(
            date.and_hms_opt(0, 0, 0)
                .map(|d| d.and_utc().timestamp_millis())
                .unwrap_or(0),
        )
    }

    /// Parses RFC 3339 text (`2026-11-24T10:00:00Z`, `…+01:00`).
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, String> {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|dt| Timestamp(dt.timestamp_millis()))
            .map_err(|e| format!("'{text}' is not an RFC 3339 time: {e}"))
    }

    pub fn to_datetime(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or_default()
    }

    /// The UTC calendar date of this instant.
    pub fn date_utc(&self) -> NaiveDate {
        self.to_datetime().date_naive()
    }

    pub fn plus_millis(&self, millis: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis))
    }

    pub fn to_rfc3339(&self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

/// Days since 1970-01-01 for a calendar date: how dates are stored.
pub fn date_to_days(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (date - epoch).num_days() as i32
}

/// The calendar date `days` after 1970-01-01.
pub fn days_to_date(days: i32) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch + chrono::Duration::days(days as i64)
}

/// Parses a Partner Center `MM/DD/YYYY` date (also `M/D/YYYY`, with an optional time part
/// that is ignored) or an ISO `YYYY-MM-DD` date.
pub fn parse_partner_date(text: &str) -> Result<NaiveDate, String> {
    let trimmed = text.trim();
    let date_part = trimmed.split([' ', 'T']).next().unwrap_or("");
    if let Some(date) = month_day_year(date_part) {
        return Ok(date);
    }
    NaiveDate::parse_from_str(date_part, "%m/%d/%Y")
        .or_else(|_| NaiveDate::parse_from_str(date_part, "%Y-%m-%d"))
        .map_err(|_| format!("'{trimmed}' is not a date (MM/DD/YYYY or YYYY-MM-DD)"))
}

/// The fast path of [`parse_partner_date`]: `M/D/YYYY` with one- or two-digit month and day,
/// read without chrono's format parser (it ran for every usage line, at 4 % of import time).
fn month_day_year(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('/');
    let mut number = |min: usize, max: usize| -> Option<u32> {
        let part = parts.next()?;
        if part.len() < min || part.len() > max || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (month, day, year) = (number(1, 2)?, number(1, 2)?, number(4, 4)?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(Utc::now().timestamp_millis())
    }
}

/// A clock that stands still until told to move: for tests and `--as-of` replays.
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(at: Timestamp) -> FixedClock {
        FixedClock(AtomicI64::new(at.millis()))
    }

    pub fn set(&self, at: Timestamp) {
        self.0.store(at.millis(), Ordering::SeqCst);
    }

    pub fn advance_millis(&self, millis: i64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_dates_in_both_forms() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(parse_partner_date("03/07/2026").unwrap(), d);
        assert_eq!(parse_partner_date("3/7/2026 00:00:00").unwrap(), d);
        assert_eq!(parse_partner_date("2026-03-07").unwrap(), d);
        assert!(parse_partner_date("13/45/2026").is_err());
        assert!(parse_partner_date("").is_err());
    }

    #[test]
    fn days_round_trip_and_clock_moves_only_when_told() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(days_to_date(date_to_days(d)), d);
        let clock = FixedClock::new(Timestamp::start_of_day(d));
        assert_eq!(clock.now().date_utc(), d);
        clock.advance_millis(86_400_000);
        assert_eq!(clock.now().date_utc(), d.succ_opt().unwrap());
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-24T01:00:00+01:00").unwrap(),
            Timestamp::start_of_day(d)
        );
    }
}
