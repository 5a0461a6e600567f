//! Production access, the review (issue 7, part 2): reviewers' demo slots and booked demos
//! with the demo checklist's notes, threaded concerns and the developer's responses, and
//! the reviewer's checklist per request.
//!
//! Every change that goes with a move of the request (booking, cancelling or holding a
//! demo, raising concerns, responding) is an [`AccessEffect`] written by
//! [`Store::apply_access_transition_with`] in the move's own transaction: a slot is booked
//! by one conditional `UPDATE … WHERE demo_id IS NULL`, so of two bookings of one slot
//! exactly one wins and the other writes nothing.

use crate::access::{AccessStatusChange, NewNotification, SlaChange};
use crate::access_golive::{ListingRow, NewHandoff};
use crate::apps::{AppLogo, AppProfile, LogoChange, NewApplication};
use crate::portal::{NewMail, insert_mail_tx};
use crate::{Store, StoreError, on_pool};

/// A slot to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDemoSlot {
    /// Id.
    pub id: String,
    /// The reviewer who offers it.
    pub reviewer_id: String,
    /// Start (ms).
    pub starts_at: i64,
    /// End (ms).
    pub ends_at: i64,
    /// Meeting link.
    pub meeting_link: String,
    /// When published (ms).
    pub created_at: i64,
}

/// A slot as stored, with its reviewer's name and e-mail.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DemoSlotRow {
    /// Id.
    pub id: String,
    /// Reviewer.
    pub reviewer_id: String,
    /// Reviewer's name.
    pub reviewer_name: String,
    /// Reviewer's e-mail.
    pub reviewer_email: String,
    /// Start (ms).
    pub starts_at: i64,
    /// End (ms).
    pub ends_at: i64,
    /// Meeting link.
    pub meeting_link: String,
    /// The demo that booked it.
    pub demo_id: Option<String>,
}

/// A demo to book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDemo {
    /// Id (the invitation's UID).
    pub id: String,
    /// Request.
    pub request_id: String,
    /// The slot.
    pub slot_id: String,
    /// Its reviewer.
    pub reviewer_id: String,
    /// Start (ms).
    pub starts_at: i64,
    /// End (ms).
    pub ends_at: i64,
    /// Meeting link.
    pub meeting_link: String,
    /// Who booked.
    pub booked_by: String,
    /// When (ms); slots starting before are refused.
    pub booked_at: i64,
}

/// A booked demo as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DemoRow {
    /// Id (the invitation's UID).
    pub id: String,
    /// Request.
    pub request_id: String,
    /// The slot (NULL once the slot is deleted).
    pub slot_id: Option<String>,
    /// Reviewer.
    pub reviewer_id: Option<String>,
    /// Start (ms).
    pub starts_at: i64,
    /// End (ms).
    pub ends_at: i64,
    /// Meeting link.
    pub meeting_link: String,
    /// Reschedules so far (the .ics SEQUENCE).
    pub sequence: i64,
    /// `booked`, `cancelled`, `held`.
    pub status: String,
    /// Who booked.
    pub booked_by: String,
    /// When (ms).
    pub booked_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// Who held it.
    pub held_by: Option<String>,
    /// When (ms).
    pub held_at: Option<i64>,
}

/// A concern to raise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConcern {
    /// `low`, `medium`, `high`, `blocking`.
    pub severity: String,
    /// Text.
    pub body: String,
}

/// A stored concern.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ConcernRow {
    /// Id.
    pub id: i64,
    /// Request.
    pub request_id: String,
    /// Severity.
    pub severity: String,
    /// Text.
    pub body: String,
    /// Reviewer.
    pub raised_by: String,
    /// When (ms).
    pub raised_at: i64,
    /// Reviewer who resolved it.
    pub resolved_by: Option<String>,
    /// When (ms).
    pub resolved_at: Option<i64>,
}

/// A stored response to a concern.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ConcernResponseRow {
    /// Id.
    pub id: i64,
    /// The concern.
    pub concern_id: i64,
    /// Text.
    pub body: String,
    /// Developer.
    pub responded_by: String,
    /// When (ms).
    pub responded_at: i64,
}

/// The latest verdict on one item of the reviewer's checklist.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewCheckRow {
    /// Request.
    pub request_id: String,
    /// Checklist id.
    pub item: String,
    /// `met`, `not_met`, `na`.
    pub verdict: String,
    /// Note.
    pub note: String,
    /// Reviewer.
    pub checked_by: String,
    /// When (ms).
    pub checked_at: i64,
}

/// What a move writes besides the status, in the same transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessEffect {
    /// Nothing.
    None,
    /// Book a free slot (`schedule_demo`, `schedule_another_demo`).
    BookDemo(NewDemo),
    /// Call the booked demo off and free its slot (`cancel_demo`).
    CancelDemo {
        /// The demo.
        demo_id: String,
    },
    /// Record the demo held with the checklist's notes (`hold_demo`).
    HoldDemo {
        /// The demo.
        demo_id: String,
        /// Reviewer.
        held_by: String,
        /// `(item, note)`.
        notes: Vec<(String, String)>,
    },
    /// Raise concerns (`raise_concerns`).
    RaiseConcerns {
        /// Reviewer.
        raised_by: String,
        /// The concerns.
        concerns: Vec<NewConcern>,
    },
    /// Respond to concerns (`respond`).
    Respond {
        /// Developer.
        responded_by: String,
        /// `(concern id, text)`.
        responses: Vec<(i64, String)>,
    },
    /// Store the directory listing, replacing an earlier one (`submit_listing`).
    SubmitListing(ListingRow),
    /// Create the production application, link it to the request and write its first
    /// hand-off link (`issue_credentials`).
    IssueCredentials {
        /// The application (its secret hash is of a secret nobody saw; the link sets it).
        app: Box<NewApplication>,
        /// Its portal fields (description, support contact, categories).
        profile: AppProfile,
        /// Its logo (the listing's).
        logo: Option<AppLogo>,
        /// The link.
        handoff: NewHandoff,
    },
    /// Switch the request's production application on or off (`suspend`, `reinstate`,
    /// `revoke`): its tokens stop or start working at once.
    SetProductionAppActive {
        /// On or off.
        active: bool,
    },
}

/// How a move ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransitionOutcome {
    /// Moved, everything written.
    Moved,
    /// Another move came first; nothing written.
    Conflict,
    /// The slot was booked by someone else first (or has started); nothing written.
    SlotTaken,
}

const SLOT_SELECT: &str = "SELECT s.id, s.reviewer_id, u.name AS reviewer_name, \
     u.email AS reviewer_email, s.starts_at, s.ends_at, s.meeting_link, s.demo_id \
     FROM demo_slots s JOIN users u ON u.id = s.reviewer_id";

const DEMO_COLUMNS: &str = "id, request_id, slot_id, reviewer_id, starts_at, ends_at, \
     meeting_link, sequence, status, booked_by, booked_at, updated_at, held_by, held_at";

/// Books slot `$slot` for demo `$demo` if it is free and has not started: `true` if won.
macro_rules! book_slot_tx {
    ($tx:expr, $slot:expr, $demo:expr, $now:expr) => {{
        sqlx::query(
            "UPDATE demo_slots SET demo_id = $1 WHERE id = $2 AND demo_id IS NULL AND starts_at > $3",
        )
        .bind($demo)
        .bind($slot)
        .bind($now)
        .execute(&mut *$tx)
        .await?
        .rows_affected()
            == 1
    }};
}

impl Store {
    /// Publishes slots; those a reviewer already offers at the same start are skipped. How
    /// many were new.
    pub async fn insert_demo_slots(&self, slots: &[NewDemoSlot]) -> Result<u64, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut added = 0;
            for s in slots {
                added += sqlx::query(
                    "INSERT INTO demo_slots (id, reviewer_id, starts_at, ends_at, meeting_link, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (reviewer_id, starts_at) DO NOTHING",
                )
                .bind(&s.id)
                .bind(&s.reviewer_id)
                .bind(s.starts_at)
                .bind(s.ends_at)
                .bind(&s.meeting_link)
                .bind(s.created_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            Ok(added)
        })
    }

    /// Slots that end after `from`, by start.
    pub async fn demo_slots(&self, from: i64) -> Result<Vec<DemoSlotRow>, StoreError> {
        let sql = format!("{SLOT_SELECT} WHERE s.ends_at > $1 ORDER BY s.starts_at, s.reviewer_id");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).fetch_all(pool).await?)
        })
    }

    /// One slot.
    pub async fn demo_slot(&self, id: &str) -> Result<Option<DemoSlotRow>, StoreError> {
        let sql = format!("{SLOT_SELECT} WHERE s.id = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?)
        })
    }

    /// A reviewer's default meeting link.
    pub async fn reviewer_meeting_link(
        &self,
        reviewer_id: &str,
    ) -> Result<Option<String>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT meeting_link FROM demo_reviewer_links WHERE reviewer_id = $1",
            )
            .bind(reviewer_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Sets a reviewer's default meeting link.
    pub async fn set_reviewer_meeting_link(
        &self,
        reviewer_id: &str,
        link: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO demo_reviewer_links (reviewer_id, meeting_link, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (reviewer_id) DO UPDATE SET meeting_link = excluded.meeting_link, \
                 updated_at = excluded.updated_at",
            )
            .bind(reviewer_id)
            .bind(link)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A request's demos, oldest first.
    pub async fn access_demos(&self, request_id: &str) -> Result<Vec<DemoRow>, StoreError> {
        let sql = format!(
            "SELECT {DEMO_COLUMNS} FROM access_demos WHERE request_id = $1 ORDER BY booked_at, id"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(request_id).fetch_all(pool).await?)
        })
    }

    /// A demo's checklist notes `(item, note)`.
    pub async fn demo_notes(&self, demo_id: &str) -> Result<Vec<(String, String)>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT item, note FROM access_demo_notes WHERE demo_id = $1 ORDER BY item",
            )
            .bind(demo_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Moves the booked demo `demo_id` of a request in `demo_scheduled` to the free slot
    /// `slot_id` (freeing the old one, counting the reschedule), with notifications and
    /// e-mails, in one transaction. [`TransitionOutcome::SlotTaken`] (nothing written) when
    /// the new slot went first; `Conflict` when the request or demo moved meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub async fn reschedule_demo(
        &self,
        request_id: &str,
        demo_id: &str,
        slot: &DemoSlotRow,
        now: i64,
        notifications: &[NewNotification],
        mails: &[NewMail],
    ) -> Result<TransitionOutcome, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let current = sqlx::query(
                "UPDATE access_requests SET updated_at = $1 WHERE id = $2 AND state = 'demo_scheduled'",
            )
            .bind(now)
            .bind(request_id)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1;
            if !current {
                tx.rollback().await?;
                return Ok(TransitionOutcome::Conflict);
            }
            sqlx::query("UPDATE demo_slots SET demo_id = NULL WHERE demo_id = $1")
                .bind(demo_id)
                .execute(&mut *tx)
                .await?;
            if !book_slot_tx!(tx, &slot.id, demo_id, now) {
                tx.rollback().await?;
                return Ok(TransitionOutcome::SlotTaken);
            }
            let moved = sqlx::query(
                "UPDATE access_demos SET slot_id = $1, reviewer_id = $2, starts_at = $3, ends_at = $4, \
                 meeting_link = $5, sequence = sequence + 1, updated_at = $6 \
                 WHERE id = $7 AND request_id = $8 AND status = 'booked'",
            )
            .bind(&slot.id)
            .bind(&slot.reviewer_id)
            .bind(slot.starts_at)
            .bind(slot.ends_at)
            .bind(&slot.meeting_link)
            .bind(now)
            .bind(demo_id)
            .bind(request_id)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1;
            if !moved {
                tx.rollback().await?;
                return Ok(TransitionOutcome::Conflict);
            }
            crate::access::insert_notifications!(tx, notifications);
            for mail in mails {
                insert_mail_tx!(tx, mail);
            }
            tx.commit().await?;
            Ok(TransitionOutcome::Moved)
        })
    }

    /// A request's concerns, oldest first.
    pub async fn access_concerns(&self, request_id: &str) -> Result<Vec<ConcernRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, request_id, severity, body, raised_by, raised_at, resolved_by, resolved_at \
                 FROM access_concerns WHERE request_id = $1 ORDER BY id",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The responses to a request's concerns, oldest first.
    pub async fn concern_responses(
        &self,
        request_id: &str,
    ) -> Result<Vec<ConcernResponseRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT r.id, r.concern_id, r.body, r.responded_by, r.responded_at \
                 FROM access_concern_responses r JOIN access_concerns c ON c.id = r.concern_id \
                 WHERE c.request_id = $1 ORDER BY r.id",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Marks a concern of a request resolved: `false` when there is no such open concern.
    pub async fn resolve_concern(
        &self,
        request_id: &str,
        concern_id: i64,
        by: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query(
                "UPDATE access_concerns SET resolved_by = $1, resolved_at = $2 \
                 WHERE id = $3 AND request_id = $4 AND resolved_at IS NULL",
            )
            .bind(by)
            .bind(now)
            .bind(concern_id)
            .bind(request_id)
            .execute(pool)
            .await?
            .rows_affected() == 1)
        })
    }

    /// Records the latest verdict on checklist items (replacing earlier ones), all or none.
    pub async fn set_review_checks(&self, checks: &[ReviewCheckRow]) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for c in checks {
                sqlx::query(
                    "INSERT INTO access_review_checks (request_id, item, verdict, note, checked_by, checked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id, item) DO UPDATE SET \
                     verdict = excluded.verdict, note = excluded.note, checked_by = excluded.checked_by, \
                     checked_at = excluded.checked_at",
                )
                .bind(&c.request_id)
                .bind(&c.item)
                .bind(&c.verdict)
                .bind(&c.note)
                .bind(&c.checked_by)
                .bind(c.checked_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A request's checklist verdicts.
    pub async fn review_checks(&self, request_id: &str) -> Result<Vec<ReviewCheckRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT request_id, item, verdict, note, checked_by, checked_at \
                 FROM access_review_checks WHERE request_id = $1 ORDER BY item",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// [`Store::apply_access_transition`] with the move's [`AccessEffect`], all in one
    /// transaction: the status update conditional on what the caller read, then the effect
    /// (a booking conditional on the slot being free), the history row, the notifications
    /// and the e-mails; or nothing.
    pub async fn apply_access_transition_with(
        &self,
        change: &AccessStatusChange,
        notifications: &[NewNotification],
        mails: &[NewMail],
        effect: &AccessEffect,
    ) -> Result<TransitionOutcome, StoreError> {
        let (mode, started, due, stop) = match change.sla {
            SlaChange::Keep => (0_i64, None, None, None),
            SlaChange::Start { started, due } => (1, Some(started), Some(due), None),
            SlaChange::Stop { at } => (2, None, None, Some(at)),
        };
        let (set_assignee, assignee) = match &change.assignee {
            Some(a) => (true, a.clone()),
            None => (false, None),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE access_requests SET state = $1, approved_by = $2, confirmed_by = $3, \
                 updated_at = $4, \
                 assignee = CASE WHEN $5 THEN $6 ELSE assignee END, \
                 submitted_at = COALESCE(submitted_at, $7), \
                 terms_version = COALESCE($8, terms_version), \
                 sla_started_at = CASE WHEN $9 = 1 THEN $10 ELSE sla_started_at END, \
                 sla_due_at = CASE WHEN $9 = 1 THEN $11 ELSE sla_due_at END, \
                 sla_stopped_at = CASE WHEN $9 = 1 THEN NULL \
                                       WHEN $9 = 2 AND sla_started_at IS NOT NULL THEN COALESCE(sla_stopped_at, $12) \
                                       ELSE sla_stopped_at END \
                 WHERE id = $13 AND state = $14 AND COALESCE(approved_by, '') = $15 \
                 AND COALESCE(confirmed_by, '') = $16",
            )
            .bind(&change.to_state)
            .bind(&change.approved_by)
            .bind(&change.confirmed_by)
            .bind(change.at)
            .bind(set_assignee)
            .bind(&assignee)
            .bind(change.submitted_at)
            .bind(change.terms_version)
            .bind(mode)
            .bind(started)
            .bind(due)
            .bind(stop)
            .bind(&change.request_id)
            .bind(&change.from_state)
            .bind(change.from_approved_by.as_deref().unwrap_or(""))
            .bind(change.from_confirmed_by.as_deref().unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1;
            if !moved {
                tx.rollback().await?;
                return Ok(TransitionOutcome::Conflict);
            }
            match effect {
                AccessEffect::None => {}
                AccessEffect::BookDemo(d) => {
                    if !book_slot_tx!(tx, &d.slot_id, &d.id, d.booked_at) {
                        tx.rollback().await?;
                        return Ok(TransitionOutcome::SlotTaken);
                    }
                    sqlx::query(
                        "INSERT INTO access_demos (id, request_id, slot_id, reviewer_id, starts_at, ends_at, \
                         meeting_link, sequence, status, booked_by, booked_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 'booked', $8, $9, $9)",
                    )
                    .bind(&d.id)
                    .bind(&d.request_id)
                    .bind(&d.slot_id)
                    .bind(&d.reviewer_id)
                    .bind(d.starts_at)
                    .bind(d.ends_at)
                    .bind(&d.meeting_link)
                    .bind(&d.booked_by)
                    .bind(d.booked_at)
                    .execute(&mut *tx)
                    .await?;
                }
                AccessEffect::CancelDemo { demo_id } => {
                    sqlx::query("UPDATE access_demos SET status = 'cancelled', updated_at = $1 WHERE id = $2")
                        .bind(change.at)
                        .bind(demo_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE demo_slots SET demo_id = NULL WHERE demo_id = $1")
                        .bind(demo_id)
                        .execute(&mut *tx)
                        .await?;
                }
                AccessEffect::HoldDemo { demo_id, held_by, notes } => {
                    sqlx::query(
                        "UPDATE access_demos SET status = 'held', held_by = $1, held_at = $2, updated_at = $2 \
                         WHERE id = $3",
                    )
                    .bind(held_by)
                    .bind(change.at)
                    .bind(demo_id)
                    .execute(&mut *tx)
                    .await?;
                    for (item, note) in notes {
                        sqlx::query(
                            "INSERT INTO access_demo_notes (demo_id, item, note) VALUES ($1, $2, $3)",
                        )
                        .bind(demo_id)
                        .bind(item)
                        .bind(note)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                AccessEffect::RaiseConcerns { raised_by, concerns } => {
                    for c in concerns {
                        sqlx::query(
                            "INSERT INTO access_concerns (request_id, severity, body, raised_by, raised_at) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(&change.request_id)
                        .bind(&c.severity)
                        .bind(&c.body)
                        .bind(raised_by)
                        .bind(change.at)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                AccessEffect::SubmitListing(l) => {
                    sqlx::query(
                        "INSERT INTO access_listings (request_id, name, description, website, \
                         privacy_policy_uri, terms_uri, categories, platforms, \
                         shares_data, sells_data, retention, retention_months, privacy_label, \
                         logo_content_type, logo_bytes, submitted_by, submitted_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
                         ON CONFLICT (request_id) DO UPDATE SET name = excluded.name, \
                         description = excluded.description, website = excluded.website, \
                         privacy_policy_uri = excluded.privacy_policy_uri, terms_uri = excluded.terms_uri, \
                         categories = excluded.categories, platforms = excluded.platforms, \
                         shares_data = excluded.shares_data, sells_data = excluded.sells_data, \
                         retention = excluded.retention, retention_months = excluded.retention_months, \
                         privacy_label = excluded.privacy_label, logo_content_type = excluded.logo_content_type, logo_bytes = excluded.logo_bytes, \
                         submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at",
                    )
                    .bind(&change.request_id)
                    .bind(&l.name)
                    .bind(&l.description)
                    .bind(&l.website)
                    .bind(&l.privacy_policy_uri)
                    .bind(&l.terms_uri)
                    .bind(&l.categories)
                    .bind(&l.platforms)
                    .bind(l.shares_data)
                    .bind(l.sells_data)
                    .bind(&l.retention)
                    .bind(l.retention_months)
                    .bind(&l.privacy_label)
                    .bind(&l.logo_content_type)
                    .bind(&l.logo_bytes)
                    .bind(&l.submitted_by)
                    .bind(l.submitted_at)
                    .execute(&mut *tx)
                    .await?;
                }
                AccessEffect::IssueCredentials { app, profile, logo, handoff } => {
                    let app: &NewApplication = app;
                    crate::apps::insert_application_tx!(tx, app);
                    let change_logo = logo.clone().map_or(LogoChange::Keep, LogoChange::Set);
                    crate::apps::write_profile_tx!(tx, &app.id, profile, &change_logo);
                    sqlx::query("UPDATE access_requests SET production_app_id = $1 WHERE id = $2")
                        .bind(&app.id)
                        .bind(&change.request_id)
                        .execute(&mut *tx)
                        .await?;
                    crate::access_golive::insert_handoff_tx!(tx, handoff);
                }
                AccessEffect::SetProductionAppActive { active } => {
                    sqlx::query(
                        "UPDATE applications SET active = $1 WHERE id = \
                         (SELECT production_app_id FROM access_requests WHERE id = $2)",
                    )
                    .bind(*active)
                    .bind(&change.request_id)
                    .execute(&mut *tx)
                    .await?;
                }
                AccessEffect::Respond { responded_by, responses } => {
                    for (concern_id, body) in responses {
                        sqlx::query(
                            "INSERT INTO access_concern_responses (concern_id, body, responded_by, responded_at) \
                             SELECT id, $1, $2, $3 FROM access_concerns WHERE id = $4 AND request_id = $5",
                        )
                        .bind(body)
                        .bind(responded_by)
                        .bind(change.at)
                        .bind(concern_id)
                        .bind(&change.request_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            sqlx::query(
                "INSERT INTO access_transitions (request_id, from_state, to_state, transition, \
                 actor_id, role, at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&change.request_id)
            .bind(&change.from_state)
            .bind(&change.to_state)
            .bind(&change.transition)
            .bind(&change.actor_id)
            .bind(&change.role)
            .bind(change.at)
            .bind(&change.reason)
            .execute(&mut *tx)
            .await?;
            let record = crate::audit::transition_record(
                "access.transition",
                &format!("request={}", change.request_id),
                &change.from_state,
                &change.to_state,
                &change.transition,
                &change.actor_id,
                &change.role,
                change.at,
            );
            crate::audit::append_audit_tx!(tx, std::slice::from_ref(&record));
            crate::access::insert_notifications!(tx, notifications);
            for mail in mails {
                insert_mail_tx!(tx, mail);
            }
            tx.commit().await?;
            Ok(TransitionOutcome::Moved)
        })
    }
}
