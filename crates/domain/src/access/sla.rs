//! The review team's service levels, on business time: a first response within 24
//! business hours of a submission, and a decision on a privacy-policy or terms change within
//! 5 business days (the seed's "typically within 24 business hours" and "within five
//! business days"). A clock starts at an instant the caller passes in (the transition's
//! time) and is read against another (the caller's clock), never the wall clock.

use super::calendar::BusinessCalendar;
use chrono::{DateTime, Duration, Utc};

/// A service level the team promises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sla {
    /// First response to a submitted request: 24 business hours.
    FirstResponse,
    /// Decision on a policy or terms change: 5 business days.
    PolicyChangeDecision,
}

impl Sla {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Sla::FirstResponse => "first_response",
            Sla::PolicyChangeDecision => "policy_change_decision",
        }
    }

    /// When it falls due for a clock started at `start`.
    pub fn due(self, calendar: &BusinessCalendar, start: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Sla::FirstResponse => calendar.add_business_hours(start, 24),
            Sla::PolicyChangeDecision => calendar.add_business_days(start, 5),
        }
    }

    /// Where a clock started at `start` stands at `now`.
    pub fn status(
        self,
        calendar: &BusinessCalendar,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> SlaStatus {
        let due = self.due(calendar, start);
        SlaStatus {
            due,
            remaining: calendar.business_hours_between(now, due),
            overdue: now >= due,
        }
    }
}

/// A running clock as both sides see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaStatus {
    /// The deadline.
    pub due: DateTime<Utc>,
    /// Business time left (negative: overdue by that much business time).
    pub remaining: Duration,
    /// The deadline has passed (highlighted in the queue).
    pub overdue: bool,
}
