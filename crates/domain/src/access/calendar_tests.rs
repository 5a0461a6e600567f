//! Tests of the federal-holiday rules against OPM's published lists, and of business-time
//! arithmetic (holidays, nights, weekends, Thanksgiving, Christmas and New Year, daylight
//! saving changes in America/New_York) with expected instants worked out by hand in UTC.

use super::*;
use crate::access::sla::Sla;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
}

fn observed_days(list: &[Holiday]) -> Vec<NaiveDate> {
    list.iter().map(|h| h.observed).collect()
}

// OPM, "Federal Holidays" (https://www.opm.gov/policy-data-oversight/pay-leave/federal-holidays/),
// 2026 tab: Thu Jan 1, Mon Jan 19, Mon Feb 16, Mon May 25, Fri Jun 19, Fri Jul 3 (July 4 is
// a Saturday), Mon Sep 7, Mon Oct 12, Wed Nov 11, Thu Nov 26, Fri Dec 25. Checked against
// the copy of OPM's 2026 list published by the U.S. Court of Appeals for the Eleventh
// Circuit (https://www.ca11.uscourts.gov/federal-holidays).
#[test]
fn opm_2026() {
    let list = federal_holidays(2026);
    assert_eq!(
        observed_days(&list),
        [
            d(2026, 1, 1),
            d(2026, 1, 19),
            d(2026, 2, 16),
            d(2026, 5, 25),
            d(2026, 6, 19),
            d(2026, 7, 3),
            d(2026, 9, 7),
            d(2026, 10, 12),
            d(2026, 11, 11),
            d(2026, 11, 26),
            d(2026, 12, 25),
        ]
    );
    let july = list
        .iter()
        .find(|h| h.holiday == FederalHoliday::IndependenceDay)
        .unwrap();
    assert_eq!((july.date, july.observed), (d(2026, 7, 4), d(2026, 7, 3)));
    assert_eq!(
        observed_days(&observed_holidays_in(2026)),
        observed_days(&list)
    );
    assert_eq!(
        list[1].holiday.name(),
        "Birthday of Martin Luther King, Jr."
    );
}

// OPM's 2027 list with its footnotes (June 19 is a Saturday: Friday June 18; July 4 a
// Sunday: Monday July 5; December 25 a Saturday: Friday December 24), as reproduced at
// https://www.federalholidays.net/usa/federal-holidays-2027.html: Fri Jan 1, Mon Jan 18,
// Mon Feb 15, Mon May 31, Fri Jun 18, Mon Jul 5, Mon Sep 6, Mon Oct 11, Thu Nov 11,
// Thu Nov 25, Fri Dec 24. January 1, 2028 is a Saturday, so Friday December 31, 2027 is
// also a day off; OPM lists that day under 2028 (as its 2011 list opened with "Friday,
// December 31, 2010", see `opm_2011_lists_the_previous_december_31`).
#[test]
fn opm_2027_and_the_new_year_observed_on_december_31() {
    let list = federal_holidays(2027);
    let opm_2027 = [
        d(2027, 1, 1),
        d(2027, 1, 18),
        d(2027, 2, 15),
        d(2027, 5, 31),
        d(2027, 6, 18),
        d(2027, 7, 5),
        d(2027, 9, 6),
        d(2027, 10, 11),
        d(2027, 11, 11),
        d(2027, 11, 25),
        d(2027, 12, 24),
    ];
    assert_eq!(observed_days(&list), opm_2027);
    // The days actually closed in calendar year 2027: OPM's eleven plus December 31.
    let closed = observed_holidays_in(2027);
    let mut want = opm_2027.to_vec();
    want.push(d(2027, 12, 31));
    assert_eq!(observed_days(&closed), want);
    let last = closed.last().unwrap();
    assert_eq!(last.holiday, FederalHoliday::NewYearsDay);
    assert_eq!(last.date, d(2028, 1, 1));
    // 2028's list opens with it, and calendar year 2028 has no New Year's Day of its own.
    let y2028 = federal_holidays(2028);
    assert_eq!(y2028[0].observed, d(2027, 12, 31));
    assert_eq!(observed_holidays_in(2028)[0].observed, d(2028, 1, 17));
    assert!(is_federal_holiday(d(2027, 12, 31)));
    assert!(!is_federal_holiday(d(2028, 1, 1)));
}

// The last time it happened: January 1, 2022 was a Saturday, observed Friday December 31,
// 2021; 2022's other observed days included Monday June 20 (Juneteenth on a Sunday) and
// Monday December 26.
#[test]
fn new_year_2022_on_a_saturday_is_observed_on_friday_december_31_2021() {
    let y2022 = federal_holidays(2022);
    assert_eq!(
        (y2022[0].holiday, y2022[0].date, y2022[0].observed),
        (FederalHoliday::NewYearsDay, d(2022, 1, 1), d(2021, 12, 31))
    );
    assert!(observed_days(&y2022).contains(&d(2022, 6, 20)));
    assert!(observed_days(&y2022).contains(&d(2022, 12, 26)));
    let in_2021 = observed_holidays_in(2021);
    assert_eq!(in_2021.len(), 12);
    assert_eq!(in_2021[0].observed, d(2021, 1, 1));
    assert_eq!(in_2021[4].observed, d(2021, 6, 18)); // first Juneteenth, a Saturday
    assert_eq!(in_2021[11].observed, d(2021, 12, 31));
    assert_eq!(observed_holidays_in(2022).len(), 10);
}

// OPM's 2011 list (quoted from OPM at https://indexmundi.com/blog/index.php/tag/holidays):
// Friday December 31, 2010 (New Year's Day), Jan 17, Feb 21, May 30, Jul 4, Sep 5, Oct 10,
// Nov 11, Nov 24, Monday Dec 26; no Juneteenth before 2021.
#[test]
fn opm_2011_lists_the_previous_december_31() {
    assert_eq!(
        observed_days(&federal_holidays(2011)),
        [
            d(2010, 12, 31),
            d(2011, 1, 17),
            d(2011, 2, 21),
            d(2011, 5, 30),
            d(2011, 7, 4),
            d(2011, 9, 5),
            d(2011, 10, 10),
            d(2011, 11, 11),
            d(2011, 11, 24),
            d(2011, 12, 26),
        ]
    );
    // And 2010's list does not have it, though the day is closed within 2010.
    assert!(!observed_days(&federal_holidays(2010)).contains(&d(2010, 12, 31)));
    assert!(observed_days(&observed_holidays_in(2010)).contains(&d(2010, 12, 31)));
}

// OPM's 2012 list (as quoted at https://www.fedsmith.com/2012/01/02/2012-paid-federal-holidays/):
// Sunday holidays move to Monday (January 2, November 12).
#[test]
fn opm_2012_sunday_holidays_move_to_monday() {
    assert_eq!(
        observed_days(&federal_holidays(2012)),
        [
            d(2012, 1, 2),
            d(2012, 1, 16),
            d(2012, 2, 20),
            d(2012, 5, 28),
            d(2012, 7, 4),
            d(2012, 9, 3),
            d(2012, 10, 8),
            d(2012, 11, 12),
            d(2012, 11, 22),
            d(2012, 12, 25),
        ]
    );
}

#[test]
fn every_year_has_its_holidays_on_weekdays_in_their_months() {
    for year in 1990..=2100 {
        let list = federal_holidays(year);
        assert_eq!(list.len(), if year >= 2021 { 11 } else { 10 }, "{year}");
        for h in &list {
            assert!(
                !matches!(h.observed.weekday(), Weekday::Sat | Weekday::Sun),
                "{year} {}",
                h.holiday
            );
            assert!((h.observed - h.date).num_days().abs() <= 1);
        }
        let thanksgiving = list
            .iter()
            .find(|h| h.holiday == FederalHoliday::ThanksgivingDay)
            .unwrap();
        assert_eq!(thanksgiving.date.weekday(), Weekday::Thu);
        assert!((22..=28).contains(&thanksgiving.date.day()));
        let memorial = list
            .iter()
            .find(|h| h.holiday == FederalHoliday::MemorialDay)
            .unwrap();
        assert!(memorial.date.day() >= 25 && memorial.date.month() == 5);
    }
}

fn ny() -> BusinessCalendar {
    BusinessCalendar::default()
}

#[test]
fn friday_afternoon_before_a_monday_holiday() {
    // Fri Jan 16 2026 16:00 EST; Monday Jan 19 is Dr. King's birthday. 1 h Friday, 8 h
    // Tuesday, 8 h Wednesday, 7 h Thursday: Thu Jan 22 16:00 EST.
    assert_eq!(
        ny().add_business_hours(utc(2026, 1, 16, 21, 0), 24),
        utc(2026, 1, 22, 21, 0)
    );
    assert_eq!(
        Sla::FirstResponse.due(&ny(), utc(2026, 1, 16, 21, 0)),
        utc(2026, 1, 22, 21, 0)
    );
}

#[test]
fn a_night_submission_starts_at_the_next_opening() {
    // Tue Feb 3 2026 23:30 EST: counts from Wed 09:00, due Fri Feb 6 17:00 EST.
    assert_eq!(
        ny().add_business_hours(utc(2026, 2, 4, 4, 30), 24),
        utc(2026, 2, 6, 22, 0)
    );
    // Exactly at closing time is outside hours.
    assert_eq!(
        ny().add_business_hours(utc(2026, 3, 2, 22, 0), 0),
        utc(2026, 3, 3, 14, 0)
    );
    // 24 h from Monday's opening end at Wednesday's close, not Thursday's opening.
    assert_eq!(
        ny().add_business_hours(utc(2026, 3, 2, 14, 0), 24),
        utc(2026, 3, 4, 22, 0)
    );
}

#[test]
fn over_thanksgiving() {
    // Wed Nov 25 2026 15:00 EST: 2 h Wed, Thanksgiving off, Friday after it is a workday
    // (8 h), Monday 8 h, Tuesday 6 h: Tue Dec 1 15:00 EST.
    assert_eq!(
        ny().add_business_hours(utc(2026, 11, 25, 20, 0), 24),
        utc(2026, 12, 1, 20, 0)
    );
    // Five business days from the same Wednesday 10:00: Fri, Mon, Tue, Wed, Thu → Thu Dec 3
    // at close.
    assert_eq!(
        ny().add_business_days(utc(2026, 11, 25, 15, 0), 5),
        utc(2026, 12, 3, 22, 0)
    );
}

#[test]
fn over_christmas_and_new_year_2027() {
    // Thu Dec 23 2027 14:00 EST: 3 h, Fri Dec 24 off (Christmas observed), Mon 8 h, Tue 8 h,
    // Wed 5 h → Wed Dec 29 14:00 EST.
    assert_eq!(
        ny().add_business_hours(utc(2027, 12, 23, 19, 0), 24),
        utc(2027, 12, 29, 19, 0)
    );
    // Thu Dec 30 2027 12:00 EST: 5 h, Fri Dec 31 off (New Year's Day 2028 observed), Mon Jan 3
    // 8 h, Tue 8 h, Wed 3 h → Wed Jan 5 2028 12:00 EST.
    assert_eq!(
        ny().add_business_hours(utc(2027, 12, 30, 17, 0), 24),
        utc(2028, 1, 5, 17, 0)
    );
    assert!(ny().is_business_instant(utc(2027, 12, 30, 15, 0)));
    assert!(!ny().is_business_instant(utc(2027, 12, 31, 15, 0)));
}

#[test]
fn across_the_daylight_saving_changes_in_new_york() {
    // DST starts Sun Mar 8 2026. Fri Mar 6 10:00 EST (15:00Z): 7 h Fri, 8 h Mon, 8 h Tue,
    // 1 h Wed → Wed Mar 11 10:00 EDT = 14:00Z.
    assert_eq!(
        ny().add_business_hours(utc(2026, 3, 6, 15, 0), 24),
        utc(2026, 3, 11, 14, 0)
    );
    // DST ends Sun Nov 1 2026. Fri Oct 30 10:00 EDT (14:00Z) → Wed Nov 4 10:00 EST = 15:00Z.
    assert_eq!(
        ny().add_business_hours(utc(2026, 10, 30, 14, 0), 24),
        utc(2026, 11, 4, 15, 0)
    );
    // A Saturday start across the switch: from Mon Mar 9 09:00 EDT to Wed 17:00 EDT.
    assert_eq!(
        ny().add_business_hours(utc(2026, 3, 7, 17, 0), 24),
        utc(2026, 3, 11, 21, 0)
    );
    // Business time across the switch counts local hours: Fri 09:00 EST to Mon 17:00 EDT.
    assert_eq!(
        ny().business_hours_between(utc(2026, 3, 6, 14, 0), utc(2026, 3, 9, 21, 0)),
        Duration::hours(16)
    );
    assert!(ny().is_business_instant(utc(2026, 3, 9, 13, 0)));
    assert!(!ny().is_business_instant(utc(2026, 3, 9, 12, 59)));
    assert!(ny().is_business_instant(utc(2026, 3, 6, 14, 0)));
    assert!(!ny().is_business_instant(utc(2026, 3, 6, 13, 30)));
    // Five business days from Monday after close: received Tue Mar 3, due Tue Mar 10 at
    // 17:00 EDT (21:00Z), after the switch.
    assert_eq!(
        ny().add_business_days(utc(2026, 3, 2, 23, 0), 5),
        utc(2026, 3, 10, 21, 0)
    );
}

#[test]
fn business_days_count_from_the_day_of_receipt() {
    // Saturday Jan 17 2026: received Tuesday Jan 20 (Monday is a holiday); five business
    // days later is Tuesday Jan 27, due at its close.
    assert_eq!(
        ny().add_business_days(utc(2026, 1, 17, 16, 0), 5),
        utc(2026, 1, 27, 22, 0)
    );
    assert_eq!(
        Sla::PolicyChangeDecision.due(&ny(), utc(2026, 1, 17, 16, 0)),
        utc(2026, 1, 27, 22, 0)
    );
    assert_eq!(
        ny().add_business_days(utc(2026, 3, 2, 15, 0), 0),
        utc(2026, 3, 2, 22, 0)
    );
}

#[test]
fn business_time_between_is_signed_and_skips_closed_time() {
    let cal = ny();
    let a = utc(2026, 11, 25, 14, 0); // Wed 09:00 EST
    let b = utc(2026, 11, 30, 14, 0); // Mon 09:00 EST
    assert_eq!(cal.business_hours_between(a, b), Duration::hours(16));
    assert_eq!(cal.business_hours_between(b, a), Duration::hours(-16));
    assert_eq!(
        cal.business_hours_between(utc(2026, 11, 28, 12, 0), utc(2026, 11, 29, 23, 0)),
        Duration::zero()
    );
    // Whatever the start, the time to the deadline is what was added.
    for start in [
        utc(2026, 1, 16, 21, 0),
        utc(2026, 3, 6, 15, 0),
        utc(2027, 12, 23, 19, 0),
    ] {
        let due = cal.add_business_hours(start, 24);
        assert_eq!(cal.business_hours_between(start, due), Duration::hours(24));
    }
}

#[test]
fn sla_status_shows_time_left_and_overdue() {
    let start = utc(2026, 1, 16, 21, 0); // due Thu Jan 22 21:00Z
    let before = Sla::FirstResponse.status(&ny(), start, utc(2026, 1, 22, 20, 0));
    assert_eq!(before.due, utc(2026, 1, 22, 21, 0));
    assert_eq!(before.remaining, Duration::hours(1));
    assert!(!before.overdue);
    // Fri Jan 23 10:00 EST: 1 h of Thursday and 1 h of Friday past the deadline.
    let after = Sla::FirstResponse.status(&ny(), start, utc(2026, 1, 23, 15, 0));
    assert_eq!(after.remaining, Duration::hours(-2));
    assert!(after.overdue);
    assert_eq!(Sla::PolicyChangeDecision.as_str(), "policy_change_decision");
}

#[test]
fn configurable_zone_hours_weekdays_and_closures() {
    let open = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
    let close = NaiveTime::from_hms_opt(16, 0, 0).unwrap();
    let four_days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu];
    let cal = BusinessCalendar::new("UTC", open, close, &four_days).unwrap();
    assert_eq!(cal.hours_per_day(), Duration::hours(8));
    // Thu Mar 5 2026 15:00Z: 1 h Thu, no Friday, 8 h Mon, 8 h Tue, 7 h Wed → Wed 15:00Z.
    assert_eq!(
        cal.add_business_hours(utc(2026, 3, 5, 15, 0), 24),
        utc(2026, 3, 11, 15, 0)
    );
    // An extra closure (e.g. a Christmas Eve given by executive order).
    assert!(ny().is_business_day(d(2026, 12, 24)));
    let closed = ny().with_closures([d(2026, 12, 24)]);
    assert!(!closed.is_business_day(d(2026, 12, 24)));
    assert_eq!(
        closed.add_business_hours(utc(2026, 12, 23, 22, 0), 1),
        utc(2026, 12, 28, 15, 0)
    );
    assert_eq!(
        BusinessCalendar::new("Mars/Olympus", open, close, &four_days),
        Err(CalendarError::UnknownTimeZone("Mars/Olympus".into()))
    );
    assert!(matches!(
        BusinessCalendar::new("UTC", close, open, &four_days),
        Err(CalendarError::EmptyHours { .. })
    ));
    assert_eq!(
        BusinessCalendar::new("UTC", open, close, &[]),
        Err(CalendarError::NoWeekdays)
    );
}

#[test]
fn an_opening_inside_the_spring_gap_opens_when_the_clock_resumes() {
    // Open 02:30 local on Sundays: on Mar 8 2026 02:30 does not exist in New York; the day
    // opens at 03:00 EDT (07:00Z).
    let cal = BusinessCalendar::new(
        "America/New_York",
        NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        &[Weekday::Sun],
    )
    .unwrap();
    assert!(!cal.is_business_instant(utc(2026, 3, 8, 6, 59)));
    assert!(cal.is_business_instant(utc(2026, 3, 8, 7, 0)));
    assert_eq!(
        cal.business_hours_between(utc(2026, 3, 8, 0, 0), utc(2026, 3, 9, 0, 0)),
        Duration::hours(14)
    );
}
