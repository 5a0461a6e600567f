//! Policy changes (issue 7, part 5 — journey J5), as rules without I/O: a live app's
//! developer submits new drafts of its terms and/or privacy policy with the draft
//! notification to enrollees; the team decides within five business days
//! ([`super::sla::Sla::PolicyChangeDecision`]). The change has its own small state machine:
//!
//! ```text
//! submitted ──claim──▶ in_review ──request_changes──▶ changes_requested
//!                         ▲  │ ◀──────resubmit──────────────┘
//!                         │  ├──approve──▶ approved
//!                         │  └──reject───▶ rejected ◀──reject── changes_requested
//! submitted, in_review, changes_requested ──withdraw──▶ withdrawn
//! ```
//!
//! Reviewer moves are open to reviewers and admins, developer moves to the members of the
//! request's organization (the service checks membership before building the
//! [`Actor`]). `request_changes` and `reject` need a reason; every move is recorded with
//! who, when and why ([`ChangeRecord`]) and notifies the other side. See
//! `docs/design/production-access.md`.

use super::state::{Actor, MAX_REASON_CHARS, Role, Side};
use chrono::{DateTime, Utc};
use std::fmt;

/// Longest draft notification to enrollees, in characters.
pub const NOTICE_MAX_CHARS: usize = 4000;

/// Where a policy change stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeState {
    /// Sent by the developer; waiting for a reviewer.
    Submitted,
    /// A reviewer is on it.
    InReview,
    /// The reviewer asked for changes; the developer's move.
    ChangesRequested,
    /// Approved: the new documents are published (final).
    Approved,
    /// Rejected: the old documents stay published (final).
    Rejected,
    /// Withdrawn by the developer (final).
    Withdrawn,
}

/// A move of a policy change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeTransition {
    /// A reviewer takes the change (`submitted → in_review`).
    Claim,
    /// A reviewer asks for changes, with a reason (`in_review → changes_requested`).
    RequestChanges,
    /// The developer sends new drafts or notice (`changes_requested → in_review`).
    Resubmit,
    /// A reviewer approves (`in_review → approved`): the new versions are published.
    Approve,
    /// A reviewer rejects, with a reason (`in_review | changes_requested → rejected`).
    Reject,
    /// The developer withdraws the change (any open state → `withdrawn`).
    Withdraw,
}

impl ChangeState {
    /// Every state.
    pub const ALL: [ChangeState; 6] = [
        ChangeState::Submitted,
        ChangeState::InReview,
        ChangeState::ChangesRequested,
        ChangeState::Approved,
        ChangeState::Rejected,
        ChangeState::Withdrawn,
    ];

    /// The stable name (stored, sent in the JSON API).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Submitted => "submitted",
            ChangeState::InReview => "in_review",
            ChangeState::ChangesRequested => "changes_requested",
            ChangeState::Approved => "approved",
            ChangeState::Rejected => "rejected",
            ChangeState::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stable name (exact match).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Not decided yet: at most one open change per request.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ChangeState::Submitted | ChangeState::InReview | ChangeState::ChangesRequested
        )
    }

    /// The team's decision clock runs in this state.
    pub fn clock_runs(self) -> bool {
        matches!(self, ChangeState::Submitted | ChangeState::InReview)
    }

    /// The moves the graph allows from here, with their targets.
    pub fn moves(self) -> Vec<(ChangeTransition, ChangeState)> {
        ChangeTransition::ALL
            .into_iter()
            .filter_map(|t| t.target(self).map(|to| (t, to)))
            .collect()
    }
}

impl fmt::Display for ChangeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const TEAM: &[Role] = &[Role::Reviewer, Role::Admin];
const DEVELOPER: &[Role] = &[Role::Developer];

impl ChangeTransition {
    /// Every move.
    pub const ALL: [ChangeTransition; 6] = [
        ChangeTransition::Claim,
        ChangeTransition::RequestChanges,
        ChangeTransition::Resubmit,
        ChangeTransition::Approve,
        ChangeTransition::Reject,
        ChangeTransition::Withdraw,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeTransition::Claim => "claim",
            ChangeTransition::RequestChanges => "request_changes",
            ChangeTransition::Resubmit => "resubmit",
            ChangeTransition::Approve => "approve",
            ChangeTransition::Reject => "reject",
            ChangeTransition::Withdraw => "withdraw",
        }
    }

    /// Parses a stable name (exact match).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// Who may make it.
    pub fn roles(self) -> &'static [Role] {
        match self {
            ChangeTransition::Resubmit | ChangeTransition::Withdraw => DEVELOPER,
            _ => TEAM,
        }
    }

    /// A reason is required (shown to the other side).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            ChangeTransition::RequestChanges | ChangeTransition::Reject
        )
    }

    /// Where the move leads from `from`, when the graph has it.
    pub fn target(self, from: ChangeState) -> Option<ChangeState> {
        use ChangeState as S;
        use ChangeTransition as T;
        match (from, self) {
            (S::Submitted, T::Claim) => Some(S::InReview),
            (S::InReview, T::RequestChanges) => Some(S::ChangesRequested),
            (S::ChangesRequested, T::Resubmit) => Some(S::InReview),
            (S::InReview, T::Approve) => Some(S::Approved),
            (S::InReview | S::ChangesRequested, T::Reject) => Some(S::Rejected),
            (S::Submitted | S::InReview | S::ChangesRequested, T::Withdraw) => Some(S::Withdrawn),
            _ => None,
        }
    }
}

impl fmt::Display for ChangeTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The moves allowed from a state, for messages: `claim → in_review (reviewer, admin)`.
struct Allowed(ChangeState);

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let moves = self.0.moves();
        if moves.is_empty() {
            return f.write_str("none (final state)");
        }
        for (i, (t, to)) in moves.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            let roles: Vec<&str> = t.roles().iter().map(|r| r.as_str()).collect();
            write!(f, "{t} → {to} ({})", roles.join(", "))?;
        }
        Ok(())
    }
}

/// A refused move of a policy change: what, why, and what is allowed instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChangeTransitionError {
    /// The move does not leave this state.
    #[error(
        "cannot {transition} a policy change that is {state}; allowed from {state}: {}",
        Allowed(*state)
    )]
    WrongState {
        /// Current state.
        state: ChangeState,
        /// Refused move.
        transition: ChangeTransition,
    },
    /// The move belongs to the other side.
    #[error(
        "a {role} cannot {transition} a policy change; allowed from {state}: {}",
        Allowed(*state)
    )]
    WrongActor {
        /// Current state.
        state: ChangeState,
        /// Refused move.
        transition: ChangeTransition,
        /// The actor's role.
        role: Role,
    },
    /// The move needs a reason.
    #[error("{transition} needs a reason, shown to the other side")]
    ReasonRequired {
        /// The move.
        transition: ChangeTransition,
    },
    /// The reason is longer than [`MAX_REASON_CHARS`].
    #[error("the reason is too long: at most {MAX_REASON_CHARS} characters")]
    ReasonTooLong {
        /// The move.
        transition: ChangeTransition,
    },
}

/// One move as recorded: who, when, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRecord {
    /// State before.
    pub from: ChangeState,
    /// State after.
    pub to: ChangeState,
    /// The move.
    pub transition: ChangeTransition,
    /// Who.
    pub actor: Actor,
    /// When.
    pub at: DateTime<Utc>,
    /// Why (trimmed; may be empty when not required).
    pub reason: String,
}

impl ChangeRecord {
    /// Whom to tell: always the other side from the actor.
    pub fn notify(&self) -> Side {
        self.actor.role.side().other()
    }
}

/// Makes `transition` from `from` as `actor` at `at` with `reason`: the new state and its
/// record, or why not.
pub fn step(
    from: ChangeState,
    transition: ChangeTransition,
    actor: &Actor,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<(ChangeState, ChangeRecord), ChangeTransitionError> {
    let Some(to) = transition.target(from) else {
        return Err(ChangeTransitionError::WrongState {
            state: from,
            transition,
        });
    };
    if !transition.roles().contains(&actor.role) {
        return Err(ChangeTransitionError::WrongActor {
            state: from,
            transition,
            role: actor.role,
        });
    }
    let reason = reason.trim();
    if transition.needs_reason() && reason.is_empty() {
        return Err(ChangeTransitionError::ReasonRequired { transition });
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ChangeTransitionError::ReasonTooLong { transition });
    }
    Ok((
        to,
        ChangeRecord {
            from,
            to,
            transition,
            actor: actor.clone(),
            at,
            reason: reason.to_owned(),
        },
    ))
}

/// The moves `role` can make from `state` (the buttons to show).
pub fn moves_for(state: ChangeState, role: Role) -> Vec<ChangeTransition> {
    state
        .moves()
        .into_iter()
        .filter(|(t, _)| t.roles().contains(&role))
        .map(|(t, _)| t)
        .collect()
}

/// Checks the draft notification to enrollees: required, at most [`NOTICE_MAX_CHARS`]
/// characters. The trimmed text, or the message for the `notice` field.
pub fn check_notice(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("write the notification your enrollees will receive about this change".into());
    }
    let count = text.chars().count();
    if count > NOTICE_MAX_CHARS {
        return Err(format!(
            "the notification is {count} characters long: at most {NOTICE_MAX_CHARS}"
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
#[path = "policy_change_tests.rs"]
mod tests;
