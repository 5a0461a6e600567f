//! Tests of the production-access state machine: every (state, transition, role) triple
//! against an expected table written out here (not taken from the implementation), the
//! paths through the process, the four-eyes rule, reasons, records and names.

use super::*;
use chrono::TimeZone;
use std::collections::HashMap;

/// The allowed moves: state, transition, roles (D developer, R reviewer, A admin), target.
/// Every triple not listed must be refused.
const EXPECTED: &[(&str, &str, &str, &str)] = &[
    ("draft", "submit", "D", "submitted"),
    ("draft", "withdraw", "D", "withdrawn"),
    ("submitted", "claim", "RA", "in_review"),
    ("submitted", "withdraw", "D", "withdrawn"),
    ("in_review", "request_changes", "RA", "changes_requested"),
    ("in_review", "schedule_demo", "D", "demo_scheduled"),
    ("in_review", "reject", "RA", "rejected"),
    ("in_review", "withdraw", "D", "withdrawn"),
    ("changes_requested", "resubmit", "D", "in_review"),
    ("changes_requested", "withdraw", "D", "withdrawn"),
    ("demo_scheduled", "hold_demo", "RA", "demo_held"),
    ("demo_scheduled", "cancel_demo", "DRA", "in_review"),
    ("demo_scheduled", "withdraw", "D", "withdrawn"),
    ("demo_held", "raise_concerns", "RA", "concerns_open"),
    ("demo_held", "approve", "RA", "approved"),
    ("demo_held", "reject", "RA", "rejected"),
    ("demo_held", "withdraw", "D", "withdrawn"),
    ("concerns_open", "respond", "D", "developer_responded"),
    ("concerns_open", "reject", "RA", "rejected"),
    ("concerns_open", "withdraw", "D", "withdrawn"),
    (
        "developer_responded",
        "raise_concerns",
        "RA",
        "concerns_open",
    ),
    (
        "developer_responded",
        "schedule_another_demo",
        "D",
        "demo_scheduled",
    ),
    ("developer_responded", "approve", "RA", "approved"),
    ("developer_responded", "reject", "RA", "rejected"),
    ("developer_responded", "withdraw", "D", "withdrawn"),
    ("approved", "submit_listing", "D", "listing_submitted"),
    ("approved", "confirm_approval", "RA", "approved"),
    ("approved", "raise_concerns", "RA", "concerns_open"),
    ("approved", "withdraw", "D", "withdrawn"),
    (
        "listing_submitted",
        "confirm_approval",
        "RA",
        "listing_submitted",
    ),
    ("listing_submitted", "raise_concerns", "RA", "concerns_open"),
    (
        "listing_submitted",
        "issue_credentials",
        "RA",
        "credentials_issued",
    ),
    ("listing_submitted", "withdraw", "D", "withdrawn"),
    ("credentials_issued", "go_live", "D", "live"),
    ("credentials_issued", "revoke", "A", "revoked"),
    ("live", "suspend", "A", "suspended"),
    ("live", "revoke", "A", "revoked"),
    ("suspended", "reinstate", "A", "live"),
    ("suspended", "revoke", "A", "revoked"),
];

const ALL_ROLES: [Role; 3] = [Role::Developer, Role::Reviewer, Role::Admin];

fn letter(role: Role) -> char {
    match role {
        Role::Developer => 'D',
        Role::Reviewer => 'R',
        Role::Admin => 'A',
    }
}

fn expected() -> HashMap<(AccessState, Transition, char), AccessState> {
    let mut map = HashMap::new();
    for &(from, t, roles, to) in EXPECTED {
        let from = AccessState::parse(from).unwrap();
        let t = Transition::parse(t).unwrap();
        let to = AccessState::parse(to).unwrap();
        for r in roles.chars() {
            assert!(map.insert((from, t, r), to).is_none(), "duplicate row");
        }
    }
    map
}

#[test]
fn every_state_transition_and_role_is_allowed_or_refused_as_the_table_says() {
    let expected = expected();
    let mut allowed = 0;
    for state in AccessState::ALL {
        for t in Transition::ALL {
            let state_has_move = ALL_ROLES
                .iter()
                .any(|&r| expected.contains_key(&(state, t, letter(r))));
            for role in ALL_ROLES {
                let got = state.step(t, role);
                match expected.get(&(state, t, letter(role))) {
                    Some(&to) => {
                        assert_eq!(got, Ok(to), "{state} {t} by {role}");
                        allowed += 1;
                    }
                    None => {
                        let err = got.expect_err(&format!("{state} {t} by {role} allowed"));
                        // Wrong state when no one may make the move here; wrong actor when
                        // the other side may.
                        if state_has_move {
                            assert!(
                                matches!(err, TransitionError::WrongActor { .. }),
                                "{state} {t} by {role}: {err}"
                            );
                        } else {
                            assert!(
                                matches!(err, TransitionError::WrongState { .. }),
                                "{state} {t} by {role}: {err}"
                            );
                        }
                        // The error lists exactly the moves out of this state.
                        let mut listed: Vec<_> =
                            err.allowed().iter().map(|m| (m.transition, m.to)).collect();
                        listed.sort();
                        let mut want: Vec<_> = expected
                            .iter()
                            .filter(|((s, _, _), _)| *s == state)
                            .map(|((_, t, _), to)| (*t, *to))
                            .collect();
                        want.sort();
                        want.dedup();
                        assert_eq!(listed, want, "allowed moves from {state}");
                    }
                }
            }
        }
    }
    assert_eq!(allowed, expected.len());
    assert_eq!(AccessState::ALL.len() * Transition::ALL.len() * 3, 960);
}

#[test]
fn final_states_and_whose_move() {
    let finals: Vec<_> = AccessState::ALL
        .into_iter()
        .filter(|s| s.is_final())
        .collect();
    assert_eq!(
        finals,
        [
            AccessState::Rejected,
            AccessState::Revoked,
            AccessState::Withdrawn
        ]
    );
    assert_eq!(AccessState::Submitted.waiting_on(), Some(Side::Team));
    assert_eq!(
        AccessState::ConcernsOpen.waiting_on(),
        Some(Side::Developer)
    );
    assert_eq!(AccessState::Live.waiting_on(), None);
}

#[test]
fn names_round_trip_and_unknown_names_are_refused() {
    let mut seen = std::collections::HashSet::new();
    for s in AccessState::ALL {
        assert_eq!(AccessState::parse(s.as_str()), Ok(s));
        assert!(seen.insert(s.as_str()));
        assert!(
            s.as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
        );
    }
    for t in Transition::ALL {
        assert_eq!(Transition::parse(t.as_str()), Ok(t));
        assert!(seen.insert(t.as_str()));
    }
    for r in ALL_ROLES {
        assert_eq!(Role::parse(r.as_str()), Ok(r));
    }
    assert_eq!(Side::parse("team"), Ok(Side::Team));
    assert_eq!(
        AccessState::parse("In_Review").unwrap_err().to_string(),
        "'In_Review' is not a known state"
    );
    assert!(Transition::parse("approve ").is_err());
    assert!(Role::parse("staff").is_err());
}

fn dev() -> Actor {
    Actor::new("dev-1", Role::Developer)
}
fn alice() -> Actor {
    Actor::new("rev-alice", Role::Reviewer)
}
fn bob() -> Actor {
    Actor::new("rev-bob", Role::Reviewer)
}
fn admin() -> Actor {
    Actor::new("admin-carol", Role::Admin)
}

fn run(mut status: AccessStatus, steps: &[(Transition, &Actor)]) -> AccessStatus {
    for (t, actor) in steps {
        status = status
            .apply(*t, actor)
            .unwrap_or_else(|e| panic!("{t} by {}: {e}", actor.id));
    }
    status
}

use Transition as T;

#[test]
fn happy_path_from_draft_to_live() {
    let status = run(
        AccessStatus::new(),
        &[
            (T::Submit, &dev()),
            (T::Claim, &alice()),
            (T::ScheduleDemo, &dev()),
            (T::HoldDemo, &alice()),
            (T::Approve, &alice()),
            (T::SubmitListing, &dev()),
            (T::ConfirmApproval, &bob()),
            (T::IssueCredentials, &alice()),
            (T::GoLive, &dev()),
        ],
    );
    assert_eq!(status.state(), AccessState::Live);
    let approval = status.approval().unwrap();
    assert_eq!(approval.approved_by.0, "rev-alice");
    assert_eq!(approval.confirmed_by.as_ref().unwrap().0, "rev-bob");
    // The stored form comes back.
    assert_eq!(
        AccessStatus::from_parts(status.state(), status.approval().cloned()),
        Ok(status)
    );
}

#[test]
fn changes_requested_loop() {
    let status = run(
        AccessStatus::new(),
        &[
            (T::Submit, &dev()),
            (T::Claim, &alice()),
            (T::RequestChanges, &alice()),
            (T::Resubmit, &dev()),
            (T::RequestChanges, &alice()),
            (T::Resubmit, &dev()),
        ],
    );
    assert_eq!(status.state(), AccessState::InReview);
    // A developer cannot answer their own change request.
    let err = status.apply(T::RequestChanges, &dev()).unwrap_err();
    assert!(matches!(err, TransitionError::WrongActor { .. }));
    assert!(err.to_string().starts_with(
        "a developer cannot request_changes: only reviewer, admin may; allowed from in_review: "
    ));
}

#[test]
fn two_demo_rounds_with_concerns_then_approval() {
    let status = run(
        AccessStatus::new(),
        &[
            (T::Submit, &dev()),
            (T::Claim, &alice()),
            (T::ScheduleDemo, &dev()),
            (T::HoldDemo, &alice()),
            (T::RaiseConcerns, &alice()),
            (T::Respond, &dev()),
            (T::RaiseConcerns, &alice()),
            (T::Respond, &dev()),
            (T::ScheduleAnotherDemo, &dev()),
            (T::CancelDemo, &alice()),
            (T::ScheduleDemo, &dev()),
            (T::HoldDemo, &bob()),
            (T::RaiseConcerns, &bob()),
            (T::Respond, &dev()),
            (T::Approve, &bob()),
        ],
    );
    assert_eq!(status.state(), AccessState::Approved);
    assert_eq!(status.approval().unwrap().approved_by.0, "rev-bob");
}

#[test]
fn rejection_is_final() {
    let status = run(
        AccessStatus::new(),
        &[
            (T::Submit, &dev()),
            (T::Claim, &alice()),
            (T::ScheduleDemo, &dev()),
            (T::HoldDemo, &alice()),
            (T::RaiseConcerns, &alice()),
            (T::Reject, &alice()),
        ],
    );
    assert_eq!(status.state(), AccessState::Rejected);
    for t in Transition::ALL {
        for actor in [dev(), alice(), admin()] {
            let err = status.apply(t, &actor).unwrap_err();
            assert!(
                err.to_string()
                    .ends_with("allowed from rejected: none (final state)")
            );
        }
    }
}

fn live() -> AccessStatus {
    run(
        AccessStatus::new(),
        &[
            (T::Submit, &dev()),
            (T::Claim, &alice()),
            (T::ScheduleDemo, &dev()),
            (T::HoldDemo, &alice()),
            (T::Approve, &alice()),
            (T::ConfirmApproval, &bob()),
            (T::SubmitListing, &dev()),
            (T::IssueCredentials, &bob()),
            (T::GoLive, &dev()),
        ],
    )
}

#[test]
fn suspend_reinstate_and_revoke_by_admin_only() {
    let live = live();
    // Reviewers review; only admins suspend.
    assert!(matches!(
        live.apply(T::Suspend, &alice()),
        Err(TransitionError::WrongActor { .. })
    ));
    let suspended = live.apply(T::Suspend, &admin()).unwrap();
    assert_eq!(suspended.state(), AccessState::Suspended);
    let again = suspended.apply(T::Reinstate, &admin()).unwrap();
    assert_eq!(again.state(), AccessState::Live);
    let revoked = run(again, &[(T::Suspend, &admin()), (T::Revoke, &admin())]);
    assert_eq!(revoked.state(), AccessState::Revoked);
    assert!(revoked.state().is_final());
    assert_eq!(
        live.apply(T::Revoke, &admin()).unwrap().state(),
        AccessState::Revoked
    );
}

#[test]
fn four_eyes_refuses_self_confirmation_and_credentials_without_confirmation() {
    let approved = run(
        AccessStatus::new(),
        &[
            (T::Submit, &dev()),
            (T::Claim, &alice()),
            (T::ScheduleDemo, &dev()),
            (T::HoldDemo, &alice()),
            (T::Approve, &alice()),
            (T::SubmitListing, &dev()),
        ],
    );
    // Credentials need the second reviewer, even for an admin.
    for actor in [alice(), bob(), admin()] {
        let err = approved.apply(T::IssueCredentials, &actor).unwrap_err();
        assert!(
            matches!(&err, TransitionError::NotConfirmed { approved_by, .. } if approved_by.0 == "rev-alice"),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("not been confirmed by a second reviewer")
        );
    }
    // The approver cannot be the second pair of eyes.
    let err = approved.apply(T::ConfirmApproval, &alice()).unwrap_err();
    assert!(matches!(err, TransitionError::SameReviewer { .. }), "{err}");
    assert!(err.to_string().contains("rev-alice approved this request"));
    // Nor can a developer.
    assert!(matches!(
        approved.apply(T::ConfirmApproval, &dev()),
        Err(TransitionError::WrongActor { .. })
    ));
    // A different reviewer confirms; a second confirmation is refused.
    let confirmed = approved.apply(T::ConfirmApproval, &bob()).unwrap();
    assert_eq!(confirmed.state(), AccessState::ListingSubmitted);
    assert!(matches!(
        confirmed.apply(T::ConfirmApproval, &admin()),
        Err(TransitionError::AlreadyConfirmed { .. })
    ));
    // A confirmed approval cannot be reopened.
    assert!(matches!(
        confirmed.apply(T::RaiseConcerns, &admin()),
        Err(TransitionError::AlreadyConfirmed { .. })
    ));
    // The approver may issue once confirmed.
    let issued = confirmed.apply(T::IssueCredentials, &alice()).unwrap();
    assert_eq!(issued.state(), AccessState::CredentialsIssued);
    // The buttons shown follow the rule.
    assert_eq!(approved.moves_for(&alice()), [T::RaiseConcerns]);
    assert_eq!(
        approved.moves_for(&bob()),
        [T::ConfirmApproval, T::RaiseConcerns]
    );
    assert_eq!(approved.moves_for(&dev()), [T::Withdraw]);
}

#[test]
fn second_reviewer_who_disagrees_reopens_the_review() {
    let approved = run(
        AccessStatus::new(),
        &[
            (T::Submit, &dev()),
            (T::Claim, &alice()),
            (T::ScheduleDemo, &dev()),
            (T::HoldDemo, &alice()),
            (T::Approve, &alice()),
        ],
    );
    let reopened = approved.apply(T::RaiseConcerns, &bob()).unwrap();
    assert_eq!(reopened.state(), AccessState::ConcernsOpen);
    assert_eq!(reopened.approval(), None);
    // A new approval starts the four eyes again.
    let again = run(reopened, &[(T::Respond, &dev()), (T::Approve, &bob())]);
    assert!(matches!(
        again.apply(T::ConfirmApproval, &bob()),
        Err(TransitionError::SameReviewer { .. })
    ));
    assert!(again.apply(T::ConfirmApproval, &alice()).is_ok());
}

#[test]
fn stored_statuses_are_checked() {
    let a = |by: &str, conf: Option<&str>| Approval {
        approved_by: ActorId(by.into()),
        confirmed_by: conf.map(|c| ActorId(c.into())),
    };
    assert!(AccessStatus::from_parts(AccessState::Approved, None).is_err());
    assert!(AccessStatus::from_parts(AccessState::InReview, Some(a("x", None))).is_err());
    assert!(AccessStatus::from_parts(AccessState::Live, Some(a("x", None))).is_err());
    assert!(AccessStatus::from_parts(AccessState::Live, Some(a("x", Some("x")))).is_err());
    assert!(AccessStatus::from_parts(AccessState::Live, Some(a("x", Some("y")))).is_ok());
    assert!(AccessStatus::from_parts(AccessState::Approved, Some(a("x", None))).is_ok());
    assert!(AccessStatus::from_parts(AccessState::Withdrawn, None).is_ok());
}

#[test]
fn records_carry_who_when_why_and_whom_to_notify() {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 15, 0, 0).unwrap();
    let (submitted, record) = AccessStatus::new()
        .transition(T::Submit, &dev(), at, "  ")
        .unwrap();
    assert_eq!(submitted.state(), AccessState::Submitted);
    assert_eq!(
        record,
        TransitionRecord {
            from: AccessState::Draft,
            to: AccessState::Submitted,
            transition: T::Submit,
            actor: ActorId("dev-1".into()),
            role: Role::Developer,
            at,
            reason: String::new(),
        }
    );
    assert_eq!(record.notify(), Side::Team);

    let (in_review, _) = submitted.transition(T::Claim, &alice(), at, "").unwrap();
    // Changes need a reason.
    assert_eq!(
        in_review.transition(T::RequestChanges, &alice(), at, " \n"),
        Err(TransitionError::ReasonRequired {
            transition: T::RequestChanges
        })
    );
    let long = "x".repeat(MAX_REASON_CHARS + 1);
    assert!(matches!(
        in_review.transition(T::RequestChanges, &alice(), at, &long),
        Err(TransitionError::ReasonTooLong { .. })
    ));
    let (_, record) = in_review
        .transition(
            T::RequestChanges,
            &alice(),
            at,
            " Privacy policy lacks retention. ",
        )
        .unwrap();
    assert_eq!(record.reason, "Privacy policy lacks retention.");
    assert_eq!(record.notify(), Side::Developer);
    // A refused move is refused before the reason is looked at.
    assert!(matches!(
        in_review.transition(T::Suspend, &admin(), at, "why"),
        Err(TransitionError::WrongState { .. })
    ));
    // Staff actions notify the developer.
    let (_, record) = live()
        .transition(T::Suspend, &admin(), at, "Breach reported")
        .unwrap();
    assert_eq!(record.notify(), Side::Developer);
}

#[test]
fn wrong_state_error_names_the_allowed_moves() {
    let err = AccessStatus::new().apply(T::Approve, &alice()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot approve a request that is draft; allowed from draft: \
         submit → submitted (developer); withdraw → withdrawn (developer)"
    );
}
