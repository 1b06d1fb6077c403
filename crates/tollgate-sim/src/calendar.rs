//! Calendar helpers: the simulated period, month boundaries, and the date and time text the
//! files carry (`MM/DD/YYYY` in Partner Center files, RFC 3339 in native records).

use chrono::{Datelike, Days, NaiveDate};
use tollgate_domain::time::Timestamp;

/// The first day of `date`'s month.
pub fn month_first(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The last day of `date`'s month.
pub fn month_last(date: NaiveDate) -> NaiveDate {
    let first = month_first(date);
    first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(date)
}

/// The number of days in `date`'s month.
pub fn days_in_month(date: NaiveDate) -> i64 {
    (month_last(date) - month_first(date)).num_days() + 1
}

/// `date` shifted by a signed number of days, saturating at the calendar's ends.
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let shifted = if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    shifted.unwrap_or(date)
}

/// Partner Center's `MM/DD/YYYY`.
pub fn partner_date(date: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", date.month(), date.day(), date.year())
}

/// An instant on `date`, `seconds` after midnight UTC.
pub fn instant(date: NaiveDate, seconds: i64) -> Timestamp {
    Timestamp::start_of_day(date).plus_millis(seconds * 1000)
}

/// Whether `date` falls on a Saturday or Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    date.weekday().number_from_monday() >= 6
}

/// One simulated day, with the text forms every usage row of that day shares.
#[derive(Debug, Clone)]
pub struct Day {
    pub date: NaiveDate,
    pub weekend: bool,
    pub days_in_month: i64,
    /// Index into [`Period::months`].
    pub month_idx: usize,
    pub usage_date: String,
}

/// A calendar month touched by the period.
#[derive(Debug, Clone)]
pub struct Month {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub first_text: String,
    pub last_text: String,
    /// Whether the month is billed within the simulation (see [`Period::new`]).
    pub invoiced: bool,
}

/// The simulated period: `days` days ending on `end` inclusive.
#[derive(Debug, Clone)]
pub struct Period {
    pub start: NaiveDate,
    pub days: Vec<Day>,
    pub months: Vec<Month>,
}

impl Period {
    /// Builds the period. A month is invoiced when its last day falls within the period (its
    /// invoice covers the whole calendar month); when no month ends within the period, the
    /// month of the period's first day is invoiced anyway.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Period {
        let mut months: Vec<Month> = Vec::new();
        let mut days = Vec::new();
        let mut date = start;
        while date <= end {
            let first = month_first(date);
            if months.last().is_none_or(|m| m.first != first) {
                let last = month_last(date);
                months.push(Month {
                    first,
                    last,
                    first_text: partner_date(first),
                    last_text: partner_date(last),
                    invoiced: last <= end,
                });
            }
            days.push(Day {
                date,
                weekend: is_weekend(date),
                days_in_month: days_in_month(date),
                month_idx: months.len() - 1,
                usage_date: partner_date(date),
            });
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        if !months.iter().any(|m| m.invoiced)
            && let Some(first) = months.first_mut()
        {
            first.invoiced = true;
        }
        Period {
            start,
            days,
            months,
        }
    }

    /// The index of `date` in [`Period::days`], clamped into the period.
    pub fn day_idx(&self, date: NaiveDate) -> usize {
        let offset = (date - self.start).num_days().max(0);
        usize::try_from(offset)
            .unwrap_or(0)
            .min(self.days.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_end_within_the_period_are_invoiced() {
        let period = Period::new(d(2026, 9, 22), d(2026, 10, 31));
        assert_eq!(period.days.len(), 40);
        assert_eq!(period.months.len(), 2);
        assert!(period.months.iter().all(|m| m.invoiced));
        assert_eq!(period.months[0].last_text, "09/30/2026");
        assert_eq!(period.days[0].usage_date, "09/22/2026");
    }

    #[test]
    fn a_period_without_a_month_end_invoices_its_first_month() {
        let period = Period::new(d(2026, 10, 6), d(2026, 10, 15));
        assert_eq!(period.months.len(), 1);
        assert!(period.months[0].invoiced);
        let period = Period::new(d(2026, 9, 20), d(2026, 10, 15));
        assert!(period.months[0].invoiced);
        assert!(!period.months[1].invoiced);
    }

    #[test]
    fn month_helpers() {
        assert_eq!(month_last(d(2028, 2, 10)), d(2028, 2, 29));
        assert_eq!(days_in_month(d(2026, 2, 1)), 28);
        assert_eq!(add_days(d(2026, 10, 31), -30), d(2026, 10, 1));
        assert_eq!(partner_date(d(2026, 3, 7)), "03/07/2026");
        assert!(is_weekend(d(2026, 10, 31)));
    }
}
