//! Business time: U.S. federal holidays computed for any year, and a configurable business
//! calendar (time zone, opening hours, working weekdays, extra closures) that adds
//! business hours and business days to an instant and measures business time between two.
//!
//! Holidays follow 5 U.S.C. 6103(a) (the eleven legal public holidays) and OPM's
//! "in lieu of" rules: a holiday on a Saturday is observed the Friday before (5 U.S.C.
//! 6103(b)), one on a Sunday the Monday after (Executive Order 11582, §3(a)). When
//! January 1 is a Saturday, the observed day is Friday December 31 of the year before;
//! OPM lists it under the new year (its 2011 list opens with "Friday, December 31, 2010",
//! and 2010's list does not have it), so [`federal_holidays`] does the same, while
//! [`observed_holidays_in`] gives the days actually closed within a calendar year.
//! Inauguration Day is not included: it is a holiday only for federal employees in the
//! Washington, D.C. area (5 U.S.C. 6103(c)). One-off closures by executive order (e.g. an
//! extra Christmas Eve) are not computable; configure them with
//! [`BusinessCalendar::with_closures`].
//!
//! Instants are `DateTime<Utc>`; the calendar converts through the IANA time-zone database
//! (`chrono-tz`), so the hours of a business day stay 09:00–17:00 local across daylight
//! saving changes. Nothing here reads the clock.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;
use std::collections::BTreeSet;
use std::fmt;

/// The eleven legal public holidays of 5 U.S.C. 6103(a), by the names the law uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FederalHoliday {
    /// January 1.
    NewYearsDay,
    /// Third Monday in January (from 1986).
    BirthdayOfMartinLutherKingJr,
    /// Third Monday in February.
    WashingtonsBirthday,
    /// Last Monday in May.
    MemorialDay,
    /// June 19 (from 2021).
    JuneteenthNationalIndependenceDay,
    /// July 4.
    IndependenceDay,
    /// First Monday in September.
    LaborDay,
    /// Second Monday in October.
    ColumbusDay,
    /// November 11.
    VeteransDay,
    /// Fourth Thursday in November.
    ThanksgivingDay,
    /// December 25.
    ChristmasDay,
}

impl FederalHoliday {
    /// The name in 5 U.S.C. 6103(a), as OPM prints it.
    pub fn name(self) -> &'static str {
        match self {
            Self::NewYearsDay => "New Year's Day",
            Self::BirthdayOfMartinLutherKingJr => "Birthday of Martin Luther King, Jr.",
            Self::WashingtonsBirthday => "Washington's Birthday",
            Self::MemorialDay => "Memorial Day",
            Self::JuneteenthNationalIndependenceDay => "Juneteenth National Independence Day",
            Self::IndependenceDay => "Independence Day",
            Self::LaborDay => "Labor Day",
            Self::ColumbusDay => "Columbus Day",
            Self::VeteransDay => "Veterans Day",
            Self::ThanksgivingDay => "Thanksgiving Day",
            Self::ChristmasDay => "Christmas Day",
        }
    }
}

impl fmt::Display for FederalHoliday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One holiday of one year: the legal date and the day federal offices close for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holiday {
    /// Which holiday.
    pub holiday: FederalHoliday,
    /// The legal date (may fall on a weekend).
    pub date: NaiveDate,
    /// The day observed "in lieu of" it (Friday before a Saturday, Monday after a Sunday).
    pub observed: NaiveDate,
}

/// The observed day for a legal date.
pub fn observed(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date.pred_opt().unwrap_or(date),
        Weekday::Sun => date.succ_opt().unwrap_or(date),
        _ => date,
    }
}

/// The `n`-th (1-based) `weekday` of a month, or the last one when `n` is 0.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    if n == 0 {
        let next_month = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let mut day = next_month.pred_opt()?;
        while day.weekday() != weekday {
            day = day.pred_opt()?;
        }
        Some(day)
    } else {
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
    }
}

/// The federal holidays of holiday year `year`, in date order, as OPM lists them: the
/// legal holidays of that year with their observed days. New Year's Day on a Saturday is
/// observed on December 31 of `year - 1` and still belongs to `year`'s list. Juneteenth is
/// included from 2021 and Martin Luther King Jr.'s birthday from 1986; other years use
/// today's rules. Empty for years chrono cannot represent.
pub fn federal_holidays(year: i32) -> Vec<Holiday> {
    use FederalHoliday as H;
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    let dates = [
        (H::NewYearsDay, fixed(1, 1)),
        (
            H::BirthdayOfMartinLutherKingJr,
            if year >= 1986 {
                nth_weekday(year, 1, Weekday::Mon, 3)
            } else {
                None
            },
        ),
        (
            H::WashingtonsBirthday,
            nth_weekday(year, 2, Weekday::Mon, 3),
        ),
        (H::MemorialDay, nth_weekday(year, 5, Weekday::Mon, 0)),
        (
            H::JuneteenthNationalIndependenceDay,
            if year >= 2021 { fixed(6, 19) } else { None },
        ),
        (H::IndependenceDay, fixed(7, 4)),
        (H::LaborDay, nth_weekday(year, 9, Weekday::Mon, 1)),
        (H::ColumbusDay, nth_weekday(year, 10, Weekday::Mon, 2)),
        (H::VeteransDay, fixed(11, 11)),
        (H::ThanksgivingDay, nth_weekday(year, 11, Weekday::Thu, 4)),
        (H::ChristmasDay, fixed(12, 25)),
    ];
    dates
        .into_iter()
        .filter_map(|(holiday, date)| {
            date.map(|date| Holiday {
                holiday,
                date,
                observed: observed(date),
            })
        })
        .collect()
}

/// The days federal offices close within calendar year `year`, in date order: `year`'s
/// holidays observed inside it, plus December 31 when the next New Year's Day is a
/// Saturday (and without `year`'s own New Year's Day when it was observed the year before).
pub fn observed_holidays_in(year: i32) -> Vec<Holiday> {
    let mut days: Vec<Holiday> = federal_holidays(year)
        .into_iter()
        .chain(federal_holidays(year.saturating_add(1)))
        .filter(|h| h.observed.year() == year)
        .collect();
    days.sort_by_key(|h| h.observed);
    days
}

/// Whether federal offices close on `date` for a federal holiday.
pub fn is_federal_holiday(date: NaiveDate) -> bool {
    observed_holidays_in(date.year())
        .iter()
        .any(|h| h.observed == date)
}

/// A calendar that cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// Not an IANA zone name.
    #[error("'{0}' is not a time zone of the IANA database (e.g. America/New_York)")]
    UnknownTimeZone(String),
    /// Opening at or after closing.
    #[error("business hours must open before they close (got {open}–{close})")]
    EmptyHours {
        /// Opening time.
        open: NaiveTime,
        /// Closing time.
        close: NaiveTime,
    },
    /// No working weekday.
    #[error("at least one weekday must be a business day")]
    NoWeekdays,
}

/// Business time: a time zone, daily opening hours, the working weekdays, U.S. federal
/// holidays, and extra closed dates. A business day is a working weekday that is neither
/// a federal holiday (observed) nor an extra closure; business time runs from `open`
/// (inclusive) to `close` (exclusive) local time on business days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessCalendar {
    tz: Tz,
    open: NaiveTime,
    close: NaiveTime,
    weekdays: [bool; 7],
    closures: BTreeSet<NaiveDate>,
}

impl Default for BusinessCalendar {
    /// The team's default: America/New_York, 09:00–17:00, Monday to Friday.
    fn default() -> Self {
        Self {
            tz: chrono_tz::America::New_York,
            open: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            close: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN),
            weekdays: [true, true, true, true, true, false, false],
            closures: BTreeSet::new(),
        }
    }
}

impl BusinessCalendar {
    /// A calendar in IANA zone `tz` (e.g. `America/New_York`), open from `open` to `close`
    /// local time on `weekdays` that are not federal holidays.
    pub fn new(
        tz: &str,
        open: NaiveTime,
        close: NaiveTime,
        weekdays: &[Weekday],
    ) -> Result<Self, CalendarError> {
        let tz: Tz = tz
            .parse()
            .map_err(|_| CalendarError::UnknownTimeZone(tz.to_owned()))?;
        if open >= close {
            return Err(CalendarError::EmptyHours { open, close });
        }
        if weekdays.is_empty() {
            return Err(CalendarError::NoWeekdays);
        }
        let mut days = [false; 7];
        for day in weekdays {
            days[day.num_days_from_monday() as usize] = true;
        }
        Ok(Self {
            tz,
            open,
            close,
            weekdays: days,
            closures: BTreeSet::new(),
        })
    }

    /// The same calendar with these dates closed as well (one-off closures).
    pub fn with_closures(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.closures.extend(dates);
        self
    }

    /// The time zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// Opening time, local.
    pub fn open(&self) -> NaiveTime {
        self.open
    }

    /// Closing time, local.
    pub fn close(&self) -> NaiveTime {
        self.close
    }

    /// Hours of one business day (8 for 09:00–17:00).
    pub fn hours_per_day(&self) -> Duration {
        self.close - self.open
    }

    /// Whether `date` (local) is a business day.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        self.weekdays[date.weekday().num_days_from_monday() as usize]
            && !self.closures.contains(&date)
            && !is_federal_holiday(date)
    }

    /// Whether the team is at work at `at`.
    pub fn is_business_instant(&self, at: DateTime<Utc>) -> bool {
        let date = self.local_date(at);
        self.window(date)
            .is_some_and(|(open, close)| open <= at && at < close)
    }

    /// The instant `hours` business hours after `start`. Time outside business hours does
    /// not count, so a start outside hours begins at the next opening; a deadline that
    /// uses up a day exactly falls at that day's close (24 hours from Monday 09:00 is
    /// Wednesday 17:00). With 0 hours: `start` itself when within hours, else the next
    /// opening.
    pub fn add_business_hours(&self, start: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        self.add_business_time(start, Duration::hours(i64::from(hours)))
    }

    /// [`BusinessCalendar::add_business_hours`] for any non-negative duration (negative
    /// counts as zero). Saturates at the latest representable instant.
    pub fn add_business_time(&self, start: DateTime<Utc>, amount: Duration) -> DateTime<Utc> {
        let mut remaining = amount.max(Duration::zero());
        let mut date = self.local_date(start);
        loop {
            if let Some((open, close)) = self.window(date) {
                let from = start.max(open);
                if from < close {
                    let available = close - from;
                    if remaining <= available {
                        return from + remaining;
                    }
                    remaining -= available;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => return DateTime::<Utc>::MAX_UTC,
            }
        }
    }

    /// The deadline `days` business days after `start`: the close of the `days`-th
    /// business day after the day of receipt. A receipt outside business hours counts as
    /// received at the next opening, so a request in on Saturday or after Monday's close
    /// is treated as received on the next business day. With 0 days: the close of the day
    /// of receipt.
    pub fn add_business_days(&self, start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let received = self.add_business_time(start, Duration::zero());
        let mut date = self.local_date(received);
        let mut left = days;
        while left > 0 {
            match date.succ_opt() {
                Some(next) => date = next,
                None => return DateTime::<Utc>::MAX_UTC,
            }
            if self.is_business_day(date) {
                left -= 1;
            }
        }
        self.window(date)
            .map_or(DateTime::<Utc>::MAX_UTC, |(_, close)| close)
    }

    /// Business time from `from` to `to`, negative when `to` is earlier (for "time left"
    /// and "overdue by").
    pub fn business_hours_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to < from {
            return -self.business_hours_between(to, from);
        }
        let mut total = Duration::zero();
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        while date <= last {
            if let Some((open, close)) = self.window(date) {
                let a = from.max(open);
                let b = to.min(close);
                if a < b {
                    total += b - a;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Opening and closing instants of `date`, when it is a business day.
    fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_business_day(date) {
            return None;
        }
        let open = self.instant(date.and_time(self.open), true)?;
        let close = self.instant(date.and_time(self.close), false)?;
        (open < close).then_some((open, close))
    }

    /// A local time as an instant: inside a daylight-saving gap, the first instant after
    /// it; on a repeated hour, the first occurrence for an opening and the second for a
    /// closing (the longer day).
    fn instant(&self, local: NaiveDateTime, opening: bool) -> Option<DateTime<Utc>> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, second) => {
                Some(if opening { first } else { second }.with_timezone(&Utc))
            }
            LocalResult::None => {
                // Gaps are at most a few hours; step forward by minutes to the first
                // local time that exists.
                let mut probe = local;
                for _ in 0..(24 * 60) {
                    probe += Duration::minutes(1);
                    if let Some(t) = self.tz.from_local_datetime(&probe).earliest() {
                        return Some(t.with_timezone(&Utc));
                    }
                }
                None
            }
        }
    }
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
