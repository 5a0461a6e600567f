//! The review of a production-access request (issue 7, part 2): reviewers' demo slots,
//! booking, rescheduling, cancelling and holding the demo (with the seed's demo checklist),
//! `.ics` invitations to both sides, threaded concerns with severity and the developer's
//! responses, the reviewer's checklist, and the decision. Every move of the request goes
//! through [`Access::transition_with`], its side effects in the same transaction.

use super::ics::{Invitation, Method, content_type};
use super::request::CHECKLIST;
use super::service::{Access, AccessError, Viewer, slot_taken, status_of_row, when_ms};
use super::state::{AccessState, Role, Transition};
use crate::clock::random_alphanumeric;
use bb_store::{
    AccessEffect, AccessRequestRow, DemoRow, DemoSlotRow, MailAttachment, NewConcern, NewDemo,
    NewDemoSlot, ReviewCheckRow, TransitionOutcome,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// The seed's demo checklist: what the developer shows, `(id, wording)`.
pub const DEMO_CHECKLIST: [(&str, &str); 5] = [
    ("account_creation", "User account creation"),
    (
        "medicare_authorization",
        "Authorization to share Medicare data",
    ),
    ("data_display", "How data is displayed"),
    ("data_use", "How data is used"),
    ("sharing", "Sharing with others"),
];

/// Concern severities, mildest first.
pub const SEVERITIES: [&str; 4] = ["low", "medium", "high", "blocking"];

/// A reviewer's verdict on a checklist item.
pub const VERDICTS: [&str; 3] = ["met", "not_met", "na"];

/// Longest note or concern text, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

/// A slot as shown.
#[derive(Clone, Debug)]
pub struct SlotView {
    /// Id.
    pub id: String,
    /// Reviewer's name.
    pub reviewer: String,
    /// Start, RFC 3339 UTC.
    pub starts_at: DateTime<Utc>,
    /// Start in UTC and in the team's zone, for people.
    pub label: String,
    /// Free to book.
    pub free: bool,
}

/// A demo as shown.
#[derive(Clone, Debug)]
pub struct DemoView {
    /// Id (the invitation's UID).
    pub id: String,
    /// `booked`, `cancelled`, `held`.
    pub status: String,
    /// Start, for people.
    pub when: String,
    /// Meeting link.
    pub meeting_link: String,
    /// Reschedules so far.
    pub sequence: i64,
    /// Checklist notes `(wording, note)` once held.
    pub notes: Vec<(String, String)>,
}

/// A concern with its responses.
#[derive(Clone, Debug)]
pub struct ConcernView {
    /// Id.
    pub id: i64,
    /// Severity.
    pub severity: String,
    /// Text.
    pub body: String,
    /// Raised (UTC).
    pub raised: String,
    /// Resolved (UTC), if it is.
    pub resolved: Option<String>,
    /// Responses `(text, when)`.
    pub responses: Vec<(String, String)>,
}

/// One item of the reviewer's checklist.
#[derive(Clone, Debug)]
pub struct CheckView {
    /// Id.
    pub id: &'static str,
    /// The seed's wording.
    pub label: &'static str,
    /// `met`, `not_met`, `na`, or empty when not ticked yet.
    pub verdict: String,
    /// Note.
    pub note: String,
    /// Who and when, when ticked.
    pub by: Option<String>,
}

/// The review part of a request's page.
#[derive(Clone, Debug)]
pub struct ReviewView {
    /// Every demo, oldest first.
    pub demos: Vec<DemoView>,
    /// The booked demo, if one is.
    pub booked: Option<DemoView>,
    /// Concerns, oldest first.
    pub concerns: Vec<ConcernView>,
    /// The reviewer's checklist (staff only; empty for developers).
    pub checks: Vec<CheckView>,
    /// Approved, waiting for a second reviewer.
    pub awaiting_confirmation: bool,
    /// Who approved.
    pub approved_by: Option<String>,
    /// Who confirmed.
    pub confirmed_by: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> AccessError {
    AccessError::Invalid(vec![(field.to_owned(), message.into())])
}

fn checked_text(field: &str, raw: &str, what: &str) -> Result<String, AccessError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(invalid(field, format!("{what} cannot be blank")));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(
            field,
            format!("{what} is too long: at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

fn checked_link(raw: &str) -> Result<String, AccessError> {
    let link = raw.trim();
    let ok = link.starts_with("https://")
        && link.len() > "https://".len()
        && link.len() <= 500
        && !link.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(link.to_owned())
    } else {
        Err(invalid(
            "meeting_link",
            "the meeting link must be an https:// address without spaces",
        ))
    }
}

impl Access {
    fn staff_only(viewer: &Viewer) -> Result<Role, AccessError> {
        viewer.staff().ok_or(AccessError::StaffOnly)
    }

    /// Sets the reviewer's default meeting link (used by slots published without one).
    pub async fn set_meeting_link(&self, viewer: &Viewer, link: &str) -> Result<(), AccessError> {
        Self::staff_only(viewer)?;
        let link = checked_link(link)?;
        self.deps
            .store
            .set_reviewer_meeting_link(&viewer.user_id, &link, self.now().timestamp_millis())
            .await
            .map_err(|e| self.store_error(e))
    }

    /// The reviewer's default meeting link.
    pub async fn meeting_link(&self, viewer: &Viewer) -> Result<Option<String>, AccessError> {
        Self::staff_only(viewer)?;
        self.deps
            .store
            .reviewer_meeting_link(&viewer.user_id)
            .await
            .map_err(|e| self.store_error(e))
    }

    /// A reviewer publishes one-hour slots on `date` (YYYY-MM-DD) at `times` (HH:MM,
    /// separated by commas or spaces), local time of the business calendar's zone, with
    /// `meeting_link` or the reviewer's default. How many were new (a slot the reviewer
    /// already offers is kept).
    pub async fn publish_slots(
        &self,
        viewer: &Viewer,
        date: &str,
        times: &str,
        meeting_link: &str,
    ) -> Result<u64, AccessError> {
        Self::staff_only(viewer)?;
        let mut errors = Vec::new();
        let day = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok();
        if day.is_none() {
            errors.push(("date".to_owned(), "enter a date as YYYY-MM-DD".to_owned()));
        }
        let mut starts = Vec::new();
        for raw in times
            .split([',', ' ', '\n'])
            .filter(|t| !t.trim().is_empty())
        {
            match NaiveTime::parse_from_str(raw.trim(), "%H:%M") {
                Ok(t) => starts.push(t),
                Err(_) => {
                    errors.push((
                        "times".to_owned(),
                        format!("'{raw}' is not a time as HH:MM"),
                    ));
                    break;
                }
            }
        }
        if starts.is_empty() && !errors.iter().any(|(f, _)| f == "times") {
            errors.push((
                "times".to_owned(),
                "enter at least one start time (HH:MM)".to_owned(),
            ));
        }
        let link = if meeting_link.trim().is_empty() {
            self.meeting_link(viewer).await?
        } else {
            match checked_link(meeting_link) {
                Ok(l) => Some(l),
                Err(AccessError::Invalid(e)) => {
                    errors.extend(e);
                    None
                }
                Err(e) => return Err(e),
            }
        };
        if link.is_none() && !errors.iter().any(|(f, _)| f == "meeting_link") {
            errors.push((
                "meeting_link".to_owned(),
                "give a meeting link for these slots or set your default one".to_owned(),
            ));
        }
        let (Some(day), Some(link), true) = (day, link, errors.is_empty()) else {
            return Err(AccessError::Invalid(errors));
        };
        let tz = self.calendar().time_zone();
        let now = self.now();
        let mut slots = Vec::new();
        for t in starts {
            let Some(local) = tz.from_local_datetime(&day.and_time(t)).earliest() else {
                return Err(invalid(
                    "times",
                    format!("{t} does not exist on {day} in {tz}"),
                ));
            };
            let start = local.with_timezone(&Utc);
            if start <= now {
                return Err(invalid("times", format!("{day} {t} {tz} is in the past")));
            }
            slots.push(NewDemoSlot {
                id: random_alphanumeric(self.deps.entropy.as_ref(), 22),
                reviewer_id: viewer.user_id.clone(),
                starts_at: start.timestamp_millis(),
                ends_at: (start + Duration::hours(1)).timestamp_millis(),
                meeting_link: link.clone(),
                created_at: now.timestamp_millis(),
            });
        }
        self.deps
            .store
            .insert_demo_slots(&slots)
            .await
            .map_err(|e| self.store_error(e))
    }

    /// Slots still ahead: free ones for developers, every one for staff.
    pub async fn slots(&self, viewer: &Viewer) -> Result<Vec<SlotView>, AccessError> {
        let now = self.now().timestamp_millis();
        let tz = self.calendar().time_zone();
        let rows = self
            .deps
            .store
            .demo_slots(now)
            .await
            .map_err(|e| self.store_error(e))?;
        Ok(rows
            .into_iter()
            .filter(|s| s.starts_at > now)
            .filter(|s| viewer.staff().is_some() || s.demo_id.is_none())
            .filter_map(|s| {
                let start = DateTime::from_timestamp_millis(s.starts_at)?;
                Some(SlotView {
                    label: format!(
                        "{} ({})",
                        start.format("%Y-%m-%d %H:%M UTC"),
                        start.with_timezone(&tz).format("%a %Y-%m-%d %H:%M %Z")
                    ),
                    id: s.id,
                    reviewer: if s.reviewer_name.is_empty() {
                        s.reviewer_email
                    } else {
                        s.reviewer_name
                    },
                    starts_at: start,
                    free: s.demo_id.is_none(),
                })
            })
            .collect())
    }

    async fn free_slot(&self, slot_id: &str) -> Result<DemoSlotRow, AccessError> {
        let slot = self
            .deps
            .store
            .demo_slot(slot_id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or_else(|| invalid("slot", "no such slot: choose one from the list"))?;
        if slot.demo_id.is_some() || slot.starts_at <= self.now().timestamp_millis() {
            return Err(slot_taken());
        }
        Ok(slot)
    }

    async fn demos(&self, request_id: &str) -> Result<Vec<DemoRow>, AccessError> {
        self.deps
            .store
            .access_demos(request_id)
            .await
            .map_err(|e| self.store_error(e))
    }

    /// The invitation of a demo and the people it goes to (the developers and the slot's
    /// reviewer).
    async fn invitation(
        &self,
        row: &AccessRequestRow,
        demo: &DemoRow,
        method: Method,
    ) -> Result<(Invitation, Vec<(String, String)>), AccessError> {
        let store = &self.deps.store;
        let members = store
            .members_of(&row.organization_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let staff = store
            .staff_members()
            .await
            .map_err(|e| self.store_error(e))?;
        let reviewer = staff
            .into_iter()
            .find(|s| Some(&s.id) == demo.reviewer_id.as_ref())
            .map(|s| (s.id, s.name, s.email));
        let organizer = reviewer
            .as_ref()
            .map(|(_, n, e)| (n.clone(), e.clone()))
            .unwrap_or_else(|| {
                (
                    "Blue Button team".into(),
                    "noreply@bluebutton.invalid".into(),
                )
            });
        let mut recipients: Vec<(String, String)> = members
            .iter()
            .map(|m| (m.user_id.clone(), m.email.clone()))
            .collect();
        let mut attendees: Vec<(String, String)> = members
            .iter()
            .map(|m| (m.name.clone(), m.email.clone()))
            .collect();
        if let Some((id, name, email)) = &reviewer {
            recipients.push((id.clone(), email.clone()));
            attendees.push((name.clone(), email.clone()));
        }
        let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or_default();
        let app = row.application_name.as_deref().unwrap_or("an app");
        let items: Vec<&str> = DEMO_CHECKLIST.iter().map(|(_, l)| *l).collect();
        let host = self.portal_host();
        let invitation = Invitation {
            method,
            uid: format!("{}@{host}", demo.id),
            sequence: demo.sequence,
            stamp: self.now(),
            start: at(demo.starts_at),
            end: at(demo.ends_at),
            summary: format!(
                "Blue Button production access demo: {app} ({})",
                row.organization_name
            ),
            description: format!(
                "Demo of {app} for its production access request.\nPlease show: {}.\nMeeting link: {}",
                items.join(", "),
                demo.meeting_link
            ),
            meeting_link: demo.meeting_link.clone(),
            organizer,
            attendees,
        };
        Ok((invitation, recipients))
    }

    fn attachment(invitation: &Invitation) -> MailAttachment {
        MailAttachment {
            name: "demo.ics".into(),
            content_type: content_type(invitation.method).into(),
            bytes: invitation.to_ics().into_bytes(),
        }
    }

    /// The developer books a free slot: `schedule_demo` from `in_review`,
    /// `schedule_another_demo` after responding to concerns. One transaction; a slot taken
    /// meanwhile is refused ("that slot was just taken") and nothing is written.
    pub async fn book_demo(
        &self,
        viewer: &Viewer,
        request_id: &str,
        slot_id: &str,
    ) -> Result<(), AccessError> {
        let row = self.visible(viewer, request_id).await?;
        let transition = if row.state == AccessState::DeveloperResponded.as_str() {
            Transition::ScheduleAnotherDemo
        } else {
            Transition::ScheduleDemo
        };
        let actor = self.actor_for(viewer, &row).await?;
        status_of_row(&row)?
            .apply(transition, &actor)
            .map_err(AccessError::Refused)?;
        let slot = self.free_slot(slot_id).await?;
        let demo = NewDemo {
            id: random_alphanumeric(self.deps.entropy.as_ref(), 22),
            request_id: row.id.clone(),
            slot_id: slot.id.clone(),
            reviewer_id: slot.reviewer_id.clone(),
            starts_at: slot.starts_at,
            ends_at: slot.ends_at,
            meeting_link: slot.meeting_link.clone(),
            booked_by: viewer.user_id.clone(),
            booked_at: self.now().timestamp_millis(),
        };
        let as_row = DemoRow {
            id: demo.id.clone(),
            request_id: row.id.clone(),
            slot_id: Some(slot.id.clone()),
            reviewer_id: Some(slot.reviewer_id.clone()),
            starts_at: slot.starts_at,
            ends_at: slot.ends_at,
            meeting_link: slot.meeting_link.clone(),
            sequence: 0,
            status: "booked".into(),
            booked_by: viewer.user_id.clone(),
            booked_at: demo.booked_at,
            updated_at: demo.booked_at,
            held_by: None,
            held_at: None,
        };
        let (invitation, recipients) = self.invitation(&row, &as_row, Method::Request).await?;
        self.transition_with(
            request_id,
            transition,
            viewer,
            "",
            AccessEffect::BookDemo(demo),
            Some((recipients, Self::attachment(&invitation))),
        )
        .await
    }

    async fn booked(&self, request_id: &str) -> Result<DemoRow, AccessError> {
        self.demos(request_id)
            .await?
            .into_iter()
            .rev()
            .find(|d| d.status == "booked")
            .ok_or_else(|| invalid("slot", "no demo is booked for this request"))
    }

    /// Moves the booked demo to another free slot (the old one is freed; one transaction):
    /// both sides get the updated invitation (same UID, SEQUENCE + 1).
    pub async fn reschedule_demo(
        &self,
        viewer: &Viewer,
        request_id: &str,
        slot_id: &str,
    ) -> Result<(), AccessError> {
        let row = self.visible(viewer, request_id).await?;
        self.actor_for(viewer, &row).await?;
        if row.state != AccessState::DemoScheduled.as_str() {
            return Err(AccessError::Invalid(vec![(
                "slot".into(),
                format!(
                    "the request is {}: only a scheduled demo can be rescheduled",
                    row.state
                ),
            )]));
        }
        let demo = self.booked(request_id).await?;
        let slot = self.free_slot(slot_id).await?;
        let moved = DemoRow {
            slot_id: Some(slot.id.clone()),
            reviewer_id: Some(slot.reviewer_id.clone()),
            starts_at: slot.starts_at,
            ends_at: slot.ends_at,
            meeting_link: slot.meeting_link.clone(),
            sequence: demo.sequence + 1,
            ..demo.clone()
        };
        let (invitation, recipients) = self.invitation(&row, &moved, Method::Request).await?;
        let now_ms = self.now().timestamp_millis();
        let text = format!(
            "The demo of {} was moved to {} by {}.",
            row.application_name.as_deref().unwrap_or("an app"),
            when_ms(slot.starts_at),
            viewer.name
        );
        let other = if viewer.staff().is_some() {
            super::state::Side::Developer
        } else {
            super::state::Side::Team
        };
        let (notes, _) = self
            .notices(&row, other, row.assignee.as_deref(), &text, now_ms)
            .await?;
        let (_, mut mails) = self.notes_for(
            &recipients,
            &row,
            &text,
            &super::service::developer_path(&row.organization_id, &row.id),
            now_ms,
        );
        let file = Self::attachment(&invitation);
        for m in &mut mails {
            m.attachments.push(file.clone());
        }
        match self
            .deps
            .store
            .reschedule_demo(request_id, &demo.id, &slot, now_ms, &notes, &mails)
            .await
            .map_err(|e| self.store_error(e))?
        {
            TransitionOutcome::Moved => Ok(()),
            TransitionOutcome::Conflict => Err(AccessError::Conflict),
            TransitionOutcome::SlotTaken => Err(slot_taken()),
        }
    }

    /// Either side calls the booked demo off (`cancel_demo`, with a reason): the slot is
    /// freed and both sides get a `METHOD:CANCEL` with the same UID.
    pub async fn cancel_demo(
        &self,
        viewer: &Viewer,
        request_id: &str,
        reason: &str,
    ) -> Result<(), AccessError> {
        let row = self.visible(viewer, request_id).await?;
        let demo = self.booked(request_id).await?;
        let cancelled = DemoRow {
            sequence: demo.sequence + 1,
            ..demo.clone()
        };
        let (invitation, recipients) = self.invitation(&row, &cancelled, Method::Cancel).await?;
        self.transition_with(
            request_id,
            Transition::CancelDemo,
            viewer,
            reason,
            AccessEffect::CancelDemo { demo_id: demo.id },
            Some((recipients, Self::attachment(&invitation))),
        )
        .await
    }

    /// The reviewer records the demo held with a note on each of the five items.
    pub async fn hold_demo(
        &self,
        viewer: &Viewer,
        request_id: &str,
        notes: &[(String, String)],
    ) -> Result<(), AccessError> {
        Self::staff_only(viewer)?;
        let mut errors = Vec::new();
        let mut kept = Vec::new();
        for (id, label) in DEMO_CHECKLIST {
            let field = format!("demo_{id}");
            let note = notes.iter().find(|(i, _)| i == id).map(|(_, n)| n.as_str());
            match checked_text(&field, note.unwrap_or(""), &format!("the note on {label}")) {
                Ok(n) => kept.push((id.to_owned(), n)),
                Err(AccessError::Invalid(e)) => errors.extend(e),
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(AccessError::Invalid(errors));
        }
        let demo = self.booked(request_id).await?;
        self.transition_with(
            request_id,
            Transition::HoldDemo,
            viewer,
            "",
            AccessEffect::HoldDemo {
                demo_id: demo.id,
                held_by: viewer.user_id.clone(),
                notes: kept,
            },
            None,
        )
        .await
    }

    /// A reviewer raises one or more concerns `(severity, text)` (`raise_concerns`; the
    /// reason shown is the concerns' text).
    pub async fn raise_concerns(
        &self,
        viewer: &Viewer,
        request_id: &str,
        concerns: &[(String, String)],
    ) -> Result<(), AccessError> {
        Self::staff_only(viewer)?;
        let mut errors = Vec::new();
        let mut kept = Vec::new();
        for (i, (severity, body)) in concerns.iter().enumerate() {
            if body.trim().is_empty() && severity.trim().is_empty() {
                continue;
            }
            let severity = severity.trim();
            if !SEVERITIES.contains(&severity) {
                errors.push((
                    format!("concern_{i}_severity"),
                    "choose low, medium, high or blocking".to_owned(),
                ));
            }
            match checked_text(&format!("concern_{i}"), body, "a concern") {
                Ok(b) => kept.push(NewConcern {
                    severity: severity.to_owned(),
                    body: b,
                }),
                Err(AccessError::Invalid(e)) => errors.extend(e),
                Err(e) => return Err(e),
            }
        }
        if kept.is_empty() && errors.is_empty() {
            errors.push(("concern_0".into(), "write at least one concern".into()));
        }
        if !errors.is_empty() {
            return Err(AccessError::Invalid(errors));
        }
        let reason: Vec<String> = kept
            .iter()
            .map(|c| format!("[{}] {}", c.severity, c.body))
            .collect();
        let reason: String = reason.join("\n").chars().take(4000).collect();
        self.transition_with(
            request_id,
            Transition::RaiseConcerns,
            viewer,
            &reason,
            AccessEffect::RaiseConcerns {
                raised_by: viewer.user_id.clone(),
                concerns: kept,
            },
            None,
        )
        .await
    }

    /// The developer responds `(concern id, text)`: every open concern without a response
    /// needs one; then `respond`.
    pub async fn respond(
        &self,
        viewer: &Viewer,
        request_id: &str,
        responses: &[(i64, String)],
    ) -> Result<(), AccessError> {
        let row = self.visible(viewer, request_id).await?;
        self.actor_for(viewer, &row).await?;
        let concerns = self
            .deps
            .store
            .access_concerns(request_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let answered = self
            .deps
            .store
            .concern_responses(request_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let mut errors = Vec::new();
        let mut kept = Vec::new();
        for c in concerns.iter().filter(|c| c.resolved_at.is_none()) {
            let field = format!("response_{}", c.id);
            let given = responses
                .iter()
                .find(|(id, _)| *id == c.id)
                .map(|(_, t)| t.as_str())
                .unwrap_or("");
            let latest_answer = answered
                .iter()
                .filter(|r| r.concern_id == c.id)
                .map(|r| r.responded_at)
                .max();
            let needs = latest_answer.is_none_or(|at| at < c.raised_at);
            if given.trim().is_empty() {
                if needs {
                    errors.push((field, "answer this concern".to_owned()));
                }
                continue;
            }
            match checked_text(&field, given, "a response") {
                Ok(t) => kept.push((c.id, t)),
                Err(AccessError::Invalid(e)) => errors.extend(e),
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(AccessError::Invalid(errors));
        }
        if kept.is_empty() {
            return Err(invalid("response", "there is no open concern to answer"));
        }
        self.transition_with(
            request_id,
            Transition::Respond,
            viewer,
            "",
            AccessEffect::Respond {
                responded_by: viewer.user_id.clone(),
                responses: kept,
            },
            None,
        )
        .await
    }

    /// A reviewer marks a concern resolved.
    pub async fn resolve_concern(
        &self,
        viewer: &Viewer,
        request_id: &str,
        concern_id: i64,
    ) -> Result<(), AccessError> {
        Self::staff_only(viewer)?;
        self.visible(viewer, request_id).await?;
        let done = self
            .deps
            .store
            .resolve_concern(
                request_id,
                concern_id,
                &viewer.user_id,
                self.now().timestamp_millis(),
            )
            .await
            .map_err(|e| self.store_error(e))?;
        if done {
            Ok(())
        } else {
            Err(invalid("concern", "no such open concern on this request"))
        }
    }

    /// A reviewer ticks checklist items `(id, verdict, note)`; all or nothing.
    pub async fn set_checks(
        &self,
        viewer: &Viewer,
        request_id: &str,
        checks: &[(String, String, String)],
    ) -> Result<(), AccessError> {
        Self::staff_only(viewer)?;
        self.visible(viewer, request_id).await?;
        let now = self.now().timestamp_millis();
        let mut errors = Vec::new();
        let mut rows = Vec::new();
        for (item, verdict, note) in checks {
            let Some((id, _)) = CHECKLIST.iter().find(|(id, _)| id == item) else {
                errors.push((
                    "check".to_owned(),
                    format!("'{item}' is not a checklist item"),
                ));
                continue;
            };
            if verdict.is_empty() {
                continue;
            }
            if !VERDICTS.contains(&verdict.as_str()) {
                errors.push((
                    format!("check_{id}"),
                    "choose met, not met or n.a.".to_owned(),
                ));
                continue;
            }
            if note.chars().count() > MAX_TEXT_CHARS {
                errors.push((
                    format!("check_{id}_note"),
                    "the note is too long".to_owned(),
                ));
                continue;
            }
            rows.push(ReviewCheckRow {
                request_id: request_id.to_owned(),
                item: (*id).to_owned(),
                verdict: verdict.clone(),
                note: note.trim().to_owned(),
                checked_by: viewer.user_id.clone(),
                checked_at: now,
            });
        }
        if !errors.is_empty() {
            return Err(AccessError::Invalid(errors));
        }
        self.deps
            .store
            .set_review_checks(&rows)
            .await
            .map_err(|e| self.store_error(e))
    }

    /// The decision: `approve` and `reject` need reasons; `confirm_approval` (a second,
    /// different reviewer) may carry a note. The machine refuses the approver's own
    /// confirmation.
    pub async fn decide(
        &self,
        viewer: &Viewer,
        request_id: &str,
        transition: Transition,
        reason: &str,
    ) -> Result<(), AccessError> {
        Self::staff_only(viewer)?;
        if !matches!(
            transition,
            Transition::Approve | Transition::Reject | Transition::ConfirmApproval
        ) {
            return Err(invalid(
                "decision",
                "choose approve, reject or confirm_approval",
            ));
        }
        if transition != Transition::ConfirmApproval {
            checked_text("reason", reason, "the reasons")?;
        }
        self.transition(request_id, transition, viewer, reason)
            .await
    }

    /// The review part of a request's page.
    pub async fn review(
        &self,
        viewer: &Viewer,
        request_id: &str,
    ) -> Result<ReviewView, AccessError> {
        let row = self.visible(viewer, request_id).await?;
        let store = &self.deps.store;
        let tz = self.calendar().time_zone();
        let mut demos = Vec::new();
        for d in self.demos(request_id).await? {
            let notes = store
                .demo_notes(&d.id)
                .await
                .map_err(|e| self.store_error(e))?
                .into_iter()
                .map(|(item, note)| {
                    let label = DEMO_CHECKLIST
                        .iter()
                        .find(|(id, _)| *id == item)
                        .map_or(item.clone(), |(_, l)| (*l).to_owned());
                    (label, note)
                })
                .collect();
            let start = DateTime::from_timestamp_millis(d.starts_at).unwrap_or_default();
            demos.push(DemoView {
                when: format!(
                    "{} ({})",
                    when_ms(d.starts_at),
                    start.with_timezone(&tz).format("%a %Y-%m-%d %H:%M %Z")
                ),
                id: d.id,
                status: d.status,
                meeting_link: d.meeting_link,
                sequence: d.sequence,
                notes,
            });
        }
        let booked = demos.iter().rev().find(|d| d.status == "booked").cloned();
        let responses = store
            .concern_responses(request_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let concerns = store
            .access_concerns(request_id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .map(|c| ConcernView {
                responses: responses
                    .iter()
                    .filter(|r| r.concern_id == c.id)
                    .map(|r| (r.body.clone(), when_ms(r.responded_at)))
                    .collect(),
                id: c.id,
                severity: c.severity,
                body: c.body,
                raised: when_ms(c.raised_at),
                resolved: c.resolved_at.map(when_ms),
            })
            .collect();
        let checks = if viewer.staff().is_some() {
            let saved = store
                .review_checks(request_id)
                .await
                .map_err(|e| self.store_error(e))?;
            CHECKLIST
                .iter()
                .map(|(id, label)| {
                    let s = saved.iter().find(|c| c.item == *id);
                    CheckView {
                        id,
                        label,
                        verdict: s.map(|c| c.verdict.clone()).unwrap_or_default(),
                        note: s.map(|c| c.note.clone()).unwrap_or_default(),
                        by: s.map(|c| format!("{} at {}", c.checked_by, when_ms(c.checked_at))),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(ReviewView {
            demos,
            booked,
            concerns,
            checks,
            awaiting_confirmation: row.approved_by.is_some() && row.confirmed_by.is_none(),
            approved_by: row.approved_by.clone(),
            confirmed_by: row.confirmed_by.clone(),
        })
    }

    /// The latest demo's invitation (`REQUEST` while booked or held, `CANCEL` once called
    /// off), for download from either side's page.
    pub async fn demo_ics(&self, viewer: &Viewer, request_id: &str) -> Result<String, AccessError> {
        let row = self.visible(viewer, request_id).await?;
        let demo = self
            .demos(request_id)
            .await?
            .pop()
            .ok_or(AccessError::NotFound)?;
        let (method, demo) = if demo.status == "cancelled" {
            let sequence = demo.sequence + 1;
            (Method::Cancel, DemoRow { sequence, ..demo })
        } else {
            (Method::Request, demo)
        };
        Ok(self.invitation(&row, &demo, method).await?.0.to_ics())
    }
}
