//! Tests of the policy change's state machine: every (state, transition, role) triple
//! against a table written out here (not taken from the implementation), reasons, records,
//! names, and the decision's due date on the business calendar (5 business days across a
//! weekend and a federal holiday).

use super::*;
use crate::access::calendar::BusinessCalendar;
use crate::access::sla::Sla;
use chrono::TimeZone;

/// The allowed moves: state, transition, roles (D developer, R reviewer, A admin), target.
const EXPECTED: &[(&str, &str, &str, &str)] = &[
    ("submitted", "claim", "RA", "in_review"),
    ("submitted", "withdraw", "D", "withdrawn"),
    ("in_review", "request_changes", "RA", "changes_requested"),
    ("in_review", "approve", "RA", "approved"),
    ("in_review", "reject", "RA", "rejected"),
    ("in_review", "withdraw", "D", "withdrawn"),
    ("changes_requested", "resubmit", "D", "in_review"),
    ("changes_requested", "reject", "RA", "rejected"),
    ("changes_requested", "withdraw", "D", "withdrawn"),
];

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 8, 15, 0, 0).unwrap()
}

fn letter(role: Role) -> char {
    match role {
        Role::Developer => 'D',
        Role::Reviewer => 'R',
        Role::Admin => 'A',
    }
}

#[test]
fn every_triple_is_allowed_exactly_as_the_table_says() {
    let mut checked = 0;
    for state in ChangeState::ALL {
        for transition in ChangeTransition::ALL {
            for role in [Role::Developer, Role::Reviewer, Role::Admin] {
                checked += 1;
                let expected = EXPECTED.iter().find(|(s, t, roles, _)| {
                    *s == state.as_str()
                        && *t == transition.as_str()
                        && roles.contains(letter(role))
                });
                let actor = Actor::new("u1", role);
                let got = step(state, transition, &actor, at(), "because");
                match (expected, got) {
                    (Some((_, _, _, to)), Ok((next, record))) => {
                        assert_eq!(next.as_str(), *to, "{state} {transition} {role}");
                        assert_eq!(record.from, state);
                        assert_eq!(record.to, next);
                        assert_eq!(record.transition, transition);
                        assert_eq!(record.actor, actor);
                        assert_eq!(record.at, at());
                        assert_eq!(record.reason, "because");
                    }
                    (None, Err(e)) => {
                        let graph_has = EXPECTED
                            .iter()
                            .any(|(s, t, _, _)| *s == state.as_str() && *t == transition.as_str());
                        if graph_has {
                            assert!(
                                matches!(e, ChangeTransitionError::WrongActor { .. }),
                                "{state} {transition} {role}: {e}"
                            );
                        } else {
                            assert!(
                                matches!(e, ChangeTransitionError::WrongState { .. }),
                                "{state} {transition} {role}: {e}"
                            );
                        }
                    }
                    (expected, got) => {
                        panic!("{state} {transition} {role}: expected {expected:?}, got {got:?}")
                    }
                }
            }
        }
    }
    assert_eq!(checked, 6 * 6 * 3);
}

#[test]
fn moves_for_lists_the_buttons_of_each_side() {
    for state in ChangeState::ALL {
        for role in [Role::Developer, Role::Reviewer, Role::Admin] {
            let mut expected: Vec<&str> = EXPECTED
                .iter()
                .filter(|(s, _, roles, _)| *s == state.as_str() && roles.contains(letter(role)))
                .map(|(_, t, _, _)| *t)
                .collect();
            expected.sort_unstable();
            let mut got: Vec<&str> = moves_for(state, role).iter().map(|t| t.as_str()).collect();
            got.sort_unstable();
            assert_eq!(got, expected, "{state} {role}");
        }
    }
}

#[test]
fn open_final_and_clock_states() {
    let open: Vec<&str> = ChangeState::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(ChangeState::as_str)
        .collect();
    assert_eq!(open, ["submitted", "in_review", "changes_requested"]);
    for s in ChangeState::ALL {
        assert_eq!(s.is_open(), !s.moves().is_empty(), "{s}: final = no moves");
    }
    assert!(ChangeState::Submitted.clock_runs());
    assert!(ChangeState::InReview.clock_runs());
    assert!(!ChangeState::ChangesRequested.clock_runs());
    assert!(!ChangeState::Approved.clock_runs());
}

#[test]
fn request_changes_and_reject_need_a_reason_and_reasons_have_a_limit() {
    let reviewer = Actor::new("r", Role::Reviewer);
    for t in [ChangeTransition::RequestChanges, ChangeTransition::Reject] {
        let e = step(ChangeState::InReview, t, &reviewer, at(), "  \n ").unwrap_err();
        assert_eq!(e, ChangeTransitionError::ReasonRequired { transition: t });
        assert!(e.to_string().contains("needs a reason"), "{e}");
    }
    let (_, record) = step(
        ChangeState::InReview,
        ChangeTransition::Approve,
        &reviewer,
        at(),
        "",
    )
    .unwrap();
    assert_eq!(record.reason, "");
    let long = "x".repeat(MAX_REASON_CHARS + 1);
    assert!(matches!(
        step(
            ChangeState::InReview,
            ChangeTransition::Reject,
            &reviewer,
            at(),
            &long
        ),
        Err(ChangeTransitionError::ReasonTooLong { .. })
    ));
    let (_, record) = step(
        ChangeState::InReview,
        ChangeTransition::Reject,
        &reviewer,
        at(),
        "  Keeps selling data.  ",
    )
    .unwrap();
    assert_eq!(record.reason, "Keeps selling data.");
}

#[test]
fn records_notify_the_other_side_and_errors_list_what_is_allowed() {
    let dev = Actor::new("d", Role::Developer);
    let (_, record) = step(
        ChangeState::ChangesRequested,
        ChangeTransition::Resubmit,
        &dev,
        at(),
        "",
    )
    .unwrap();
    assert_eq!(record.notify(), Side::Team);
    let admin = Actor::new("a", Role::Admin);
    let (_, record) = step(
        ChangeState::Submitted,
        ChangeTransition::Claim,
        &admin,
        at(),
        "",
    )
    .unwrap();
    assert_eq!(record.notify(), Side::Developer);

    let e = step(
        ChangeState::Submitted,
        ChangeTransition::Approve,
        &admin,
        at(),
        "",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot approve a policy change that is submitted; allowed from submitted: \
         claim → in_review (reviewer, admin); withdraw → withdrawn (developer)"
    );
    let e = step(
        ChangeState::InReview,
        ChangeTransition::Approve,
        &dev,
        at(),
        "",
    )
    .unwrap_err();
    assert!(
        e.to_string().starts_with("a developer cannot approve"),
        "{e}"
    );
    let e = step(
        ChangeState::Approved,
        ChangeTransition::Withdraw,
        &dev,
        at(),
        "",
    )
    .unwrap_err();
    assert!(e.to_string().ends_with("none (final state)"), "{e}");
}

#[test]
fn names_round_trip_exactly() {
    for s in ChangeState::ALL {
        assert_eq!(ChangeState::parse(s.as_str()), Some(s));
    }
    for t in ChangeTransition::ALL {
        assert_eq!(ChangeTransition::parse(t.as_str()), Some(t));
    }
    assert_eq!(ChangeState::parse("Approved"), None);
    assert_eq!(ChangeTransition::parse("approve "), None);
}

#[test]
fn the_notice_is_required_and_bounded() {
    assert!(check_notice(" \n").is_err());
    assert_eq!(
        check_notice("  We changed it.  ").unwrap(),
        "We changed it."
    );
    assert!(
        check_notice(&"é".repeat(NOTICE_MAX_CHARS)).is_ok(),
        "characters, not bytes"
    );
    let e = check_notice(&"x".repeat(NOTICE_MAX_CHARS + 1)).unwrap_err();
    assert!(e.contains("at most 4000"), "{e}");
}

/// Five business days from a Wednesday afternoon before Thanksgiving 2026 (Thursday
/// November 26, a federal holiday): Friday 27, Monday 30, Tuesday December 1, Wednesday 2,
/// Thursday 3 — due at Thursday's close, 17:00 New York = 22:00 UTC. The weekend and the
/// holiday do not count.
#[test]
fn the_decision_is_due_five_business_days_later_across_a_weekend_and_a_holiday() {
    let calendar = BusinessCalendar::default();
    let submitted = Utc.with_ymd_and_hms(2026, 11, 25, 19, 30, 0).unwrap();
    let due = Sla::PolicyChangeDecision.due(&calendar, submitted);
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 12, 3, 22, 0, 0).unwrap());

    // Submitted on Saturday December 5: received at Monday December 7's opening; the
    // close of the fifth business day after it is Monday December 14.
    let saturday = Utc.with_ymd_and_hms(2026, 12, 5, 16, 0, 0).unwrap();
    let due = Sla::PolicyChangeDecision.due(&calendar, saturday);
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 12, 14, 22, 0, 0).unwrap());

    // Not overdue the moment before, overdue at the due time.
    let status = Sla::PolicyChangeDecision.status(
        &calendar,
        submitted,
        Utc.with_ymd_and_hms(2026, 12, 3, 21, 59, 0).unwrap(),
    );
    assert!(!status.overdue);
    let status = Sla::PolicyChangeDecision.status(
        &calendar,
        submitted,
        Utc.with_ymd_and_hms(2026, 12, 3, 22, 0, 0).unwrap(),
    );
    assert!(status.overdue);
}
