//! The production-access request's state machine: one enum of states, one of transitions,
//! and the table of allowed moves between them with the side allowed to make each.
//!
//! Two layers. [`AccessState::step`] is the graph: from this state, may this role make this
//! move, and where does it lead. [`AccessStatus::apply`] adds what the graph cannot see: the
//! four-eyes rule (an approval by one reviewer must be confirmed by a different reviewer
//! before credentials are issued). Services call [`AccessStatus::transition`], which also
//! checks the reason and returns the [`TransitionRecord`] to store and to notify the other
//! side with. The table is in `docs/design/production-access.md`; the tests check every
//! (state, transition, role) triple against their own copy of it.

use chrono::{DateTime, Utc};
use std::fmt;

/// Where a production-access request stands. Stored and sent as [`AccessState::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessState {
    /// Being filled in by the developer; the team does not see it.
    Draft,
    /// Sent to the team, waiting for a reviewer to take it (the first-response clock runs).
    Submitted,
    /// A reviewer has it.
    InReview,
    /// The reviewer asked for changes to the form or the documents.
    ChangesRequested,
    /// A demo is booked.
    DemoScheduled,
    /// The demo took place; the team decides.
    DemoHeld,
    /// The team raised concerns the developer must answer.
    ConcernsOpen,
    /// The developer answered the concerns.
    DeveloperResponded,
    /// Approved by one reviewer (a second must confirm before credentials are issued).
    Approved,
    /// Refused. Final.
    Rejected,
    /// The developer sent the post-approval form (the directory listing).
    ListingSubmitted,
    /// Production credentials were handed over.
    CredentialsIssued,
    /// The app is in production.
    Live,
    /// Production access paused by staff.
    Suspended,
    /// Production access ended by staff. Final.
    Revoked,
    /// The developer withdrew the request before credentials were issued. Final.
    Withdrawn,
}

/// A move from one state to another. Stored and sent as [`Transition::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transition {
    /// Developer: send the draft to the team.
    Submit,
    /// Reviewer: take a submitted request.
    Claim,
    /// Reviewer: ask for changes.
    RequestChanges,
    /// Developer: send the request again after changes.
    Resubmit,
    /// Developer: book the demo.
    ScheduleDemo,
    /// Either side: call the booked demo off (back to review, to book again).
    CancelDemo,
    /// Reviewer: record that the demo took place.
    HoldDemo,
    /// Reviewer: raise concerns (after a demo, after a response, or against an approval a
    /// second reviewer does not confirm).
    RaiseConcerns,
    /// Developer: answer the concerns.
    Respond,
    /// Developer: book another demo after answering concerns.
    ScheduleAnotherDemo,
    /// Reviewer: approve (first pair of eyes).
    Approve,
    /// Reviewer, not the one who approved: confirm the approval (second pair of eyes).
    ConfirmApproval,
    /// Reviewer: refuse the request.
    Reject,
    /// Developer: send the post-approval form (directory listing).
    SubmitListing,
    /// Reviewer: hand over production credentials (only after the confirmation).
    IssueCredentials,
    /// Developer: report the app in production.
    GoLive,
    /// Admin: pause production access.
    Suspend,
    /// Admin: lift a suspension.
    Reinstate,
    /// Admin: end production access.
    Revoke,
    /// Developer: withdraw the request (any time before credentials are issued).
    Withdraw,
}

/// Who acts, as far as the machine cares. The service maps an account to one: a developer
/// only for requests of an organization the account belongs to, a staff account by its
/// `StaffRole`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A member of the requesting organization.
    Developer,
    /// Staff who work the review queue.
    Reviewer,
    /// Staff who review and also run operations (suspension, revocation).
    Admin,
}

/// The two sides of a request: the one that acted, and the one to notify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The requesting organization's developers.
    Developer,
    /// The review team (reviewers and admins).
    Team,
}

/// An account's id as the machine records it (the `users.id` text).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActorId(pub String);

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who makes a move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The account.
    pub id: ActorId,
    /// Its role for this request.
    pub role: Role,
}

impl Actor {
    /// An actor from an account id and a role.
    pub fn new(id: impl Into<String>, role: Role) -> Self {
        Self {
            id: ActorId(id.into()),
            role,
        }
    }
}

/// A name that is not one of the stable names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{name}' is not a known {kind}")]
pub struct NameError {
    /// What was parsed: `state`, `transition`, `role` or `side`.
    pub kind: &'static str,
    /// The text given.
    pub name: String,
}

const DEVELOPER: &[Role] = &[Role::Developer];
const REVIEWER: &[Role] = &[Role::Reviewer, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];
const EITHER: &[Role] = &[Role::Developer, Role::Reviewer, Role::Admin];

use AccessState as S;
use Transition as T;

/// The graph: (from, move, to). Who may make each move is [`Transition::roles`].
const EDGES: &[(AccessState, Transition, AccessState)] = &[
    (S::Draft, T::Submit, S::Submitted),
    (S::Draft, T::Withdraw, S::Withdrawn),
    (S::Submitted, T::Claim, S::InReview),
    (S::Submitted, T::Withdraw, S::Withdrawn),
    (S::InReview, T::RequestChanges, S::ChangesRequested),
    (S::InReview, T::ScheduleDemo, S::DemoScheduled),
    (S::InReview, T::Reject, S::Rejected),
    (S::InReview, T::Withdraw, S::Withdrawn),
    (S::ChangesRequested, T::Resubmit, S::InReview),
    (S::ChangesRequested, T::Withdraw, S::Withdrawn),
    (S::DemoScheduled, T::HoldDemo, S::DemoHeld),
    (S::DemoScheduled, T::CancelDemo, S::InReview),
    (S::DemoScheduled, T::Withdraw, S::Withdrawn),
    (S::DemoHeld, T::RaiseConcerns, S::ConcernsOpen),
    (S::DemoHeld, T::Approve, S::Approved),
    (S::DemoHeld, T::Reject, S::Rejected),
    (S::DemoHeld, T::Withdraw, S::Withdrawn),
    (S::ConcernsOpen, T::Respond, S::DeveloperResponded),
    (S::ConcernsOpen, T::Reject, S::Rejected),
    (S::ConcernsOpen, T::Withdraw, S::Withdrawn),
    (S::DeveloperResponded, T::RaiseConcerns, S::ConcernsOpen),
    (
        S::DeveloperResponded,
        T::ScheduleAnotherDemo,
        S::DemoScheduled,
    ),
    (S::DeveloperResponded, T::Approve, S::Approved),
    (S::DeveloperResponded, T::Reject, S::Rejected),
    (S::DeveloperResponded, T::Withdraw, S::Withdrawn),
    (S::Approved, T::SubmitListing, S::ListingSubmitted),
    (S::Approved, T::ConfirmApproval, S::Approved),
    (S::Approved, T::RaiseConcerns, S::ConcernsOpen),
    (S::Approved, T::Withdraw, S::Withdrawn),
    (S::ListingSubmitted, T::ConfirmApproval, S::ListingSubmitted),
    (S::ListingSubmitted, T::RaiseConcerns, S::ConcernsOpen),
    (
        S::ListingSubmitted,
        T::IssueCredentials,
        S::CredentialsIssued,
    ),
    (S::ListingSubmitted, T::Withdraw, S::Withdrawn),
    (S::CredentialsIssued, T::GoLive, S::Live),
    (S::CredentialsIssued, T::Revoke, S::Revoked),
    (S::Live, T::Suspend, S::Suspended),
    (S::Live, T::Revoke, S::Revoked),
    (S::Suspended, T::Reinstate, S::Live),
    (S::Suspended, T::Revoke, S::Revoked),
];

impl AccessState {
    /// Every state, in the order of the process.
    pub const ALL: [AccessState; 16] = [
        S::Draft,
        S::Submitted,
        S::InReview,
        S::ChangesRequested,
        S::DemoScheduled,
        S::DemoHeld,
        S::ConcernsOpen,
        S::DeveloperResponded,
        S::Approved,
        S::Rejected,
        S::ListingSubmitted,
        S::CredentialsIssued,
        S::Live,
        S::Suspended,
        S::Revoked,
        S::Withdrawn,
    ];

    /// The stable snake_case name (storage, JSON API).
    pub fn as_str(self) -> &'static str {
        match self {
            S::Draft => "draft",
            S::Submitted => "submitted",
            S::InReview => "in_review",
            S::ChangesRequested => "changes_requested",
            S::DemoScheduled => "demo_scheduled",
            S::DemoHeld => "demo_held",
            S::ConcernsOpen => "concerns_open",
            S::DeveloperResponded => "developer_responded",
            S::Approved => "approved",
            S::Rejected => "rejected",
            S::ListingSubmitted => "listing_submitted",
            S::CredentialsIssued => "credentials_issued",
            S::Live => "live",
            S::Suspended => "suspended",
            S::Revoked => "revoked",
            S::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stable name (exactly as [`AccessState::as_str`] writes it).
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| NameError {
                kind: "state",
                name: raw.to_owned(),
            })
    }

    /// No move leaves it.
    pub fn is_final(self) -> bool {
        self.moves().is_empty()
    }

    /// Whose move it is, for queues and clocks (`None` in a final state, and while live:
    /// nothing is expected of anyone then).
    pub fn waiting_on(self) -> Option<Side> {
        match self {
            S::Draft | S::ChangesRequested | S::ConcernsOpen | S::Approved => Some(Side::Developer),
            S::CredentialsIssued => Some(Side::Developer),
            S::Submitted
            | S::InReview
            | S::DemoScheduled
            | S::DemoHeld
            | S::DeveloperResponded
            | S::ListingSubmitted
            | S::Suspended => Some(Side::Team),
            S::Live | S::Rejected | S::Revoked | S::Withdrawn => None,
        }
    }

    /// The moves the graph allows from here, whoever makes them.
    pub fn moves(self) -> Vec<AllowedMove> {
        EDGES
            .iter()
            .filter(|(from, _, _)| *from == self)
            .map(|&(_, transition, to)| AllowedMove {
                transition,
                to,
                roles: transition.roles(),
            })
            .collect()
    }

    /// The graph alone: where `transition` by `role` leads from here. Does not apply the
    /// four-eyes rule; services use [`AccessStatus::apply`].
    pub fn step(self, transition: Transition, role: Role) -> Result<AccessState, TransitionError> {
        let to = EDGES
            .iter()
            .find(|(from, t, _)| *from == self && *t == transition)
            .map(|&(_, _, to)| to)
            .ok_or_else(|| TransitionError::WrongState {
                state: self,
                transition,
                allowed: self.moves(),
            })?;
        if !transition.roles().contains(&role) {
            return Err(TransitionError::WrongActor {
                state: self,
                transition,
                role,
                permitted: transition.roles(),
                allowed: self.moves(),
            });
        }
        Ok(to)
    }
}

impl fmt::Display for AccessState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Transition {
    /// Every transition.
    pub const ALL: [Transition; 20] = [
        T::Submit,
        T::Claim,
        T::RequestChanges,
        T::Resubmit,
        T::ScheduleDemo,
        T::CancelDemo,
        T::HoldDemo,
        T::RaiseConcerns,
        T::Respond,
        T::ScheduleAnotherDemo,
        T::Approve,
        T::ConfirmApproval,
        T::Reject,
        T::SubmitListing,
        T::IssueCredentials,
        T::GoLive,
        T::Suspend,
        T::Reinstate,
        T::Revoke,
        T::Withdraw,
    ];

    /// The stable snake_case name (storage, JSON API).
    pub fn as_str(self) -> &'static str {
        match self {
            T::Submit => "submit",
            T::Claim => "claim",
            T::RequestChanges => "request_changes",
            T::Resubmit => "resubmit",
            T::ScheduleDemo => "schedule_demo",
            T::CancelDemo => "cancel_demo",
            T::HoldDemo => "hold_demo",
            T::RaiseConcerns => "raise_concerns",
            T::Respond => "respond",
            T::ScheduleAnotherDemo => "schedule_another_demo",
            T::Approve => "approve",
            T::ConfirmApproval => "confirm_approval",
            T::Reject => "reject",
            T::SubmitListing => "submit_listing",
            T::IssueCredentials => "issue_credentials",
            T::GoLive => "go_live",
            T::Suspend => "suspend",
            T::Reinstate => "reinstate",
            T::Revoke => "revoke",
            T::Withdraw => "withdraw",
        }
    }

    /// Parses a stable name (exactly as [`Transition::as_str`] writes it).
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| NameError {
                kind: "transition",
                name: raw.to_owned(),
            })
    }

    /// The roles that may make this move.
    pub fn roles(self) -> &'static [Role] {
        match self {
            T::Submit
            | T::Resubmit
            | T::ScheduleDemo
            | T::Respond
            | T::ScheduleAnotherDemo
            | T::SubmitListing
            | T::GoLive
            | T::Withdraw => DEVELOPER,
            T::Claim
            | T::RequestChanges
            | T::HoldDemo
            | T::RaiseConcerns
            | T::Approve
            | T::ConfirmApproval
            | T::Reject
            | T::IssueCredentials => REVIEWER,
            T::Suspend | T::Reinstate | T::Revoke => ADMIN,
            T::CancelDemo => EITHER,
        }
    }

    /// Whether the move must carry a reason (shown to the other side and kept in the
    /// history): every move that asks something of the developer or takes something away.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            T::RequestChanges
                | T::RaiseConcerns
                | T::Reject
                | T::CancelDemo
                | T::Suspend
                | T::Revoke
        )
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Role {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Developer => "developer",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// Parses `developer`, `reviewer` or `admin`.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        [Role::Developer, Role::Reviewer, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| NameError {
                kind: "role",
                name: raw.to_owned(),
            })
    }

    /// The side this role acts for.
    pub fn side(self) -> Side {
        match self {
            Role::Developer => Side::Developer,
            Role::Reviewer | Role::Admin => Side::Team,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Side {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Developer => "developer",
            Side::Team => "team",
        }
    }

    /// Parses `developer` or `team`.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        match raw {
            "developer" => Ok(Side::Developer),
            "team" => Ok(Side::Team),
            _ => Err(NameError {
                kind: "side",
                name: raw.to_owned(),
            }),
        }
    }

    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Developer => Side::Team,
            Side::Team => Side::Developer,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One move the graph allows from a state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedMove {
    /// The move.
    pub transition: Transition,
    /// Where it leads.
    pub to: AccessState,
    /// Who may make it.
    pub roles: &'static [Role],
}

impl fmt::Display for AllowedMove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} → {} (", self.transition, self.to)?;
        write_roles(f, self.roles)?;
        f.write_str(")")
    }
}

fn write_roles(f: &mut fmt::Formatter<'_>, roles: &[Role]) -> fmt::Result {
    for (i, role) in roles.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(role.as_str())?;
    }
    Ok(())
}

/// The moves, comma-separated, or "none (final state)".
struct MoveList<'a>(&'a [AllowedMove]);

impl fmt::Display for MoveList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none (final state)");
        }
        for (i, m) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

struct RoleList(&'static [Role]);

impl fmt::Display for RoleList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_roles(f, self.0)
    }
}

/// Longest reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 4000;

/// A refused move: what, why, and what is allowed instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The move does not leave this state.
    #[error(
        "cannot {transition} a request that is {state}; allowed from {state}: {}",
        MoveList(allowed)
    )]
    WrongState {
        /// Current state.
        state: AccessState,
        /// Refused move.
        transition: Transition,
        /// What the graph allows from `state`.
        allowed: Vec<AllowedMove>,
    },
    /// The move exists here but belongs to the other side (or to admins).
    #[error(
        "a {role} cannot {transition}: only {} may; allowed from {state}: {}",
        RoleList(permitted),
        MoveList(allowed)
    )]
    WrongActor {
        /// Current state.
        state: AccessState,
        /// Refused move.
        transition: Transition,
        /// The actor's role.
        role: Role,
        /// Roles that may make it.
        permitted: &'static [Role],
        /// What the graph allows from `state`.
        allowed: Vec<AllowedMove>,
    },
    /// Four eyes: the reviewer who approved cannot confirm their own approval.
    #[error(
        "reviewer {reviewer} approved this request and cannot also confirm it: a second reviewer must; allowed from {state}: {}",
        MoveList(allowed)
    )]
    SameReviewer {
        /// Current state.
        state: AccessState,
        /// The approving reviewer.
        reviewer: ActorId,
        /// What the graph allows from `state`.
        allowed: Vec<AllowedMove>,
    },
    /// Four eyes: credentials need the second reviewer's confirmation first.
    #[error(
        "cannot issue_credentials: the approval by {approved_by} has not been confirmed by a second reviewer; allowed from {state}: {}",
        MoveList(allowed)
    )]
    NotConfirmed {
        /// Current state.
        state: AccessState,
        /// The approving reviewer.
        approved_by: ActorId,
        /// What the graph allows from `state`.
        allowed: Vec<AllowedMove>,
    },
    /// The approval is already confirmed: it cannot be confirmed again or reopened.
    #[error(
        "cannot {transition}: the approval was already confirmed by {confirmed_by}; allowed from {state}: {}",
        MoveList(allowed)
    )]
    AlreadyConfirmed {
        /// Current state.
        state: AccessState,
        /// Refused move.
        transition: Transition,
        /// The confirming reviewer.
        confirmed_by: ActorId,
        /// What the graph allows from `state`.
        allowed: Vec<AllowedMove>,
    },
    /// The move needs a reason and none was given.
    #[error("{transition} needs a reason, shown to the other side")]
    ReasonRequired {
        /// The move.
        transition: Transition,
    },
    /// The reason is longer than [`MAX_REASON_CHARS`].
    #[error("the reason is too long: at most {MAX_REASON_CHARS} characters")]
    ReasonTooLong {
        /// The move.
        transition: Transition,
    },
    /// Stored data that breaks the four-eyes bookkeeping (an approved state without its
    /// approval, or credentials without a confirmation).
    #[error("inconsistent request: {state} {detail}")]
    Inconsistent {
        /// The stored state.
        state: AccessState,
        /// What is wrong.
        detail: &'static str,
    },
}

impl TransitionError {
    /// The moves the graph allows from the current state (empty for reason errors).
    pub fn allowed(&self) -> &[AllowedMove] {
        match self {
            Self::WrongState { allowed, .. }
            | Self::WrongActor { allowed, .. }
            | Self::SameReviewer { allowed, .. }
            | Self::NotConfirmed { allowed, .. }
            | Self::AlreadyConfirmed { allowed, .. } => allowed,
            Self::ReasonRequired { .. }
            | Self::ReasonTooLong { .. }
            | Self::Inconsistent { .. } => &[],
        }
    }
}

/// The four-eyes bookkeeping: who approved and who confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// The first reviewer.
    pub approved_by: ActorId,
    /// The second, different reviewer, once confirmed.
    pub confirmed_by: Option<ActorId>,
}

/// A request's state with its approval: what [`AccessStatus::apply`] moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessStatus {
    state: AccessState,
    approval: Option<Approval>,
}

impl Default for AccessStatus {
    fn default() -> Self {
        Self::new()
    }
}

impl AccessStatus {
    /// A new request: a draft, nothing approved.
    pub fn new() -> Self {
        Self {
            state: S::Draft,
            approval: None,
        }
    }

    /// Rebuilds a stored status, checking the four-eyes bookkeeping: an approval exists
    /// exactly in the states from `approved` on, and is confirmed from `credentials_issued`
    /// on, by someone other than the approver.
    pub fn from_parts(
        state: AccessState,
        approval: Option<Approval>,
    ) -> Result<Self, TransitionError> {
        let approved_states = [
            S::Approved,
            S::ListingSubmitted,
            S::CredentialsIssued,
            S::Live,
            S::Suspended,
            S::Revoked,
        ];
        let needs_confirmation = [S::CredentialsIssued, S::Live, S::Suspended, S::Revoked];
        match &approval {
            None if approved_states.contains(&state) => Err(TransitionError::Inconsistent {
                state,
                detail: "has no approval recorded",
            }),
            Some(_) if !approved_states.contains(&state) => Err(TransitionError::Inconsistent {
                state,
                detail: "cannot carry an approval",
            }),
            Some(a) if a.confirmed_by.as_ref() == Some(&a.approved_by) => {
                Err(TransitionError::Inconsistent {
                    state,
                    detail: "was approved and confirmed by the same reviewer",
                })
            }
            Some(a) if a.confirmed_by.is_none() && needs_confirmation.contains(&state) => {
                Err(TransitionError::Inconsistent {
                    state,
                    detail: "has credentials without a confirmed approval",
                })
            }
            _ => Ok(Self { state, approval }),
        }
    }

    /// The state.
    pub fn state(&self) -> AccessState {
        self.state
    }

    /// Who approved and who confirmed, from `approved` on.
    pub fn approval(&self) -> Option<&Approval> {
        self.approval.as_ref()
    }

    /// The move `transition` by `actor`: the graph ([`AccessState::step`]) and the
    /// four-eyes rule. Returns the new status; nothing changes on error.
    pub fn apply(
        &self,
        transition: Transition,
        actor: &Actor,
    ) -> Result<AccessStatus, TransitionError> {
        let state = self.state;
        let to = state.step(transition, actor.role)?;
        let approval = match transition {
            T::Approve => Some(Approval {
                approved_by: actor.id.clone(),
                confirmed_by: None,
            }),
            T::ConfirmApproval => {
                let current = self.approval_or_inconsistent()?;
                if let Some(confirmed_by) = &current.confirmed_by {
                    return Err(TransitionError::AlreadyConfirmed {
                        state,
                        transition,
                        confirmed_by: confirmed_by.clone(),
                        allowed: state.moves(),
                    });
                }
                if current.approved_by == actor.id {
                    return Err(TransitionError::SameReviewer {
                        state,
                        reviewer: actor.id.clone(),
                        allowed: state.moves(),
                    });
                }
                Some(Approval {
                    approved_by: current.approved_by.clone(),
                    confirmed_by: Some(actor.id.clone()),
                })
            }
            T::IssueCredentials => {
                let current = self.approval_or_inconsistent()?;
                if current.confirmed_by.is_none() {
                    return Err(TransitionError::NotConfirmed {
                        state,
                        approved_by: current.approved_by.clone(),
                        allowed: state.moves(),
                    });
                }
                Some(current.clone())
            }
            // Concerns against an approval: only while it is not confirmed; the approval
            // is dropped and the review goes on.
            T::RaiseConcerns if matches!(state, S::Approved | S::ListingSubmitted) => {
                let current = self.approval_or_inconsistent()?;
                if let Some(confirmed_by) = &current.confirmed_by {
                    return Err(TransitionError::AlreadyConfirmed {
                        state,
                        transition,
                        confirmed_by: confirmed_by.clone(),
                        allowed: state.moves(),
                    });
                }
                None
            }
            T::Withdraw => None,
            _ => self.approval.clone(),
        };
        Ok(AccessStatus {
            state: to,
            approval,
        })
    }

    /// [`AccessStatus::apply`], plus the reason check, returning the record to store and
    /// notify with. `at` comes from the caller's clock.
    pub fn transition(
        &self,
        transition: Transition,
        actor: &Actor,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(AccessStatus, TransitionRecord), TransitionError> {
        let next = self.apply(transition, actor)?;
        let reason = reason.trim();
        if reason.is_empty() && transition.needs_reason() {
            return Err(TransitionError::ReasonRequired { transition });
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(TransitionError::ReasonTooLong { transition });
        }
        let record = TransitionRecord {
            from: self.state,
            to: next.state,
            transition,
            actor: actor.id.clone(),
            role: actor.role,
            at,
            reason: reason.to_owned(),
        };
        Ok((next, record))
    }

    /// The moves `actor` can make now, four-eyes included (the buttons to show).
    pub fn moves_for(&self, actor: &Actor) -> Vec<Transition> {
        self.state
            .moves()
            .into_iter()
            .map(|m| m.transition)
            .filter(|&t| self.apply(t, actor).is_ok())
            .collect()
    }

    fn approval_or_inconsistent(&self) -> Result<&Approval, TransitionError> {
        self.approval.as_ref().ok_or(TransitionError::Inconsistent {
            state: self.state,
            detail: "has no approval recorded",
        })
    }
}

/// One move as it happened: who, when, why. Later layers store it and notify
/// [`TransitionRecord::notify`] by e-mail and in the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitionRecord {
    /// State before.
    pub from: AccessState,
    /// State after (equal to `from` for a confirmation).
    pub to: AccessState,
    /// The move.
    pub transition: Transition,
    /// Who made it.
    pub actor: ActorId,
    /// In which role.
    pub role: Role,
    /// When (the caller's clock).
    pub at: DateTime<Utc>,
    /// Why (trimmed; may be empty when the move needs none).
    pub reason: String,
}

impl TransitionRecord {
    /// The side to tell: always the other side from the actor's.
    pub fn notify(&self) -> Side {
        self.role.side().other()
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
