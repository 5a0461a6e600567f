//! Contract cases of production access: terms versions published once and accepted per
//! organization; a request with its draft, document versions (never overwritten) and
//! transitions through the conditional status update (a stale one writes nothing; of two
//! at once exactly one lands, with its history row, notifications and e-mails);
//! notifications read and counted; staff listed.

use crate::backends::Fixture;
use crate::cases::{user, with_developer};
use bb_store::{
    AccessDraft, AccessStatusChange, NewAccessDocument, NewAccessRequest, NewMail, NewNotification,
    SlaChange, TermsAcceptanceRow, TermsRow,
};

fn terms(version: i64, published_at: i64) -> TermsRow {
    TermsRow {
        version,
        body: format!("Terms v{version}"),
        sha256: vec![u8::try_from(version).unwrap(); 32],
        published_at,
    }
}

async fn with_request(f: &Fixture) -> (String, String) {
    let dev = with_developer(f, 1).await;
    let org = f.store.organizations_of(&dev).await.unwrap()[0].id.clone();
    f.store
        .insert_access_request(&NewAccessRequest {
            id: "req-1".into(),
            organization_id: org.clone(),
            draft: AccessDraft {
                use_case: "Claims timeline".into(),
                ..AccessDraft::default()
            },
            state: "draft".into(),
            created_by: dev.clone(),
            created_at: 1_000,
        })
        .await
        .unwrap();
    (dev, org)
}

fn change(from: &str, to: &str, transition: &str, actor: &str, at: i64) -> AccessStatusChange {
    AccessStatusChange {
        request_id: "req-1".into(),
        from_state: from.into(),
        from_approved_by: None,
        from_confirmed_by: None,
        to_state: to.into(),
        approved_by: None,
        confirmed_by: None,
        assignee: None,
        submitted_at: None,
        terms_version: None,
        sla: SlaChange::Keep,
        transition: transition.into(),
        actor_id: actor.into(),
        role: "reviewer".into(),
        at,
        reason: String::new(),
    }
}

fn note(user_id: &str, at: i64) -> NewNotification {
    NewNotification {
        user_id: user_id.into(),
        request_id: Some("req-1".into()),
        body: format!("note at {at}"),
        created_at: at,
    }
}

fn mail(to: &str, at: i64) -> NewMail {
    NewMail {
        recipient: to.into(),
        subject: "Production access".into(),
        body_text: "moved".into(),
        created_at: at,
        attachments: Vec::new(),
    }
}

pub async fn terms_versions_are_published_once_and_accepted_per_organization(f: Fixture) {
    let dev = with_developer(&f, 1).await;
    let org = f.store.organizations_of(&dev).await.unwrap()[0].id.clone();
    assert_eq!(f.store.current_terms(10_000).await.unwrap(), None);
    assert!(f.store.ensure_terms_version(&terms(1, 100)).await.unwrap());
    assert!(
        !f.store.ensure_terms_version(&terms(1, 999)).await.unwrap(),
        "idempotent"
    );
    assert!(
        f.store
            .ensure_terms_version(&terms(2, 5_000))
            .await
            .unwrap()
    );
    assert_eq!(
        f.store.current_terms(1_000).await.unwrap(),
        Some(terms(1, 100))
    );
    assert_eq!(
        f.store.current_terms(5_000).await.unwrap(),
        Some(terms(2, 5_000))
    );

    let acceptance = TermsAcceptanceRow {
        organization_id: org.clone(),
        version: 1,
        accepted_by: Some(dev.clone()),
        accepted_at: 200,
    };
    f.store.accept_terms(&acceptance).await.unwrap();
    f.store
        .accept_terms(&TermsAcceptanceRow {
            accepted_at: 300,
            ..acceptance.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        f.store.terms_acceptance(&org, 1).await.unwrap(),
        Some(acceptance),
        "the first acceptance is kept"
    );
    assert_eq!(f.store.terms_acceptance(&org, 2).await.unwrap(), None);
}

pub async fn access_requests_keep_every_document_version_and_move_conditionally(f: Fixture) {
    let (dev, org) = with_request(&f).await;
    let mut reviewer = user(2);
    reviewer.kind = "staff".into();
    reviewer.staff_role = Some("reviewer".into());
    f.store.insert_user(&reviewer).await.unwrap();
    let staff = f.store.staff_members().await.unwrap();
    assert_eq!(staff.len(), 1);
    assert_eq!(staff[0].staff_role.as_deref(), Some("reviewer"));

    // Draft saved only in an editable state.
    let draft = AccessDraft {
        use_case: "Timeline of claims".into(),
        contact_name: "Ada".into(),
        attestations: "collection,consent".into(),
        ..AccessDraft::default()
    };
    assert!(
        f.store
            .save_access_draft("req-1", &draft, &["draft", "changes_requested"], 2_000)
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .save_access_draft("req-1", &draft, &["changes_requested"], 2_000)
            .await
            .unwrap()
    );
    let row = f.store.access_request("req-1").await.unwrap().unwrap();
    assert_eq!(row.use_case, "Timeline of claims");
    assert_eq!(row.attestations, "collection,consent");
    assert_eq!(row.organization_name, "Org 1");
    assert_eq!(f.store.access_requests_of(&org).await.unwrap().len(), 1);
    assert!(
        f.store.access_queue().await.unwrap().is_empty(),
        "drafts are not queued"
    );

    // Documents: versions 1, 2 of terms, 1 of the privacy policy; never overwritten.
    for (kind, byte) in [("terms", 1u8), ("terms", 2), ("privacy_policy", 3)] {
        let stored = f
            .store
            .insert_access_document(&NewAccessDocument {
                request_id: "req-1".into(),
                kind: kind.into(),
                file_name: format!("{kind}.pdf"),
                bytes: vec![byte; 10],
                sha256: vec![byte; 32],
                extraction: "pending".into(),
                extracted_text: None,
                uploaded_by: dev.clone(),
                uploaded_at: 3_000 + i64::from(byte),
            })
            .await
            .unwrap();
        assert_eq!(stored.size, 10);
    }
    let docs = f.store.access_documents("req-1").await.unwrap();
    let versions: Vec<(String, i64)> = docs.iter().map(|d| (d.kind.clone(), d.version)).collect();
    assert_eq!(
        versions,
        [
            ("privacy_policy".to_owned(), 1),
            ("terms".to_owned(), 1),
            ("terms".to_owned(), 2)
        ]
    );
    let first_terms = docs
        .iter()
        .find(|d| d.kind == "terms" && d.version == 1)
        .unwrap();
    assert_eq!(first_terms.extraction, "pending");
    assert_eq!(first_terms.extracted_text, None);
    assert_eq!(
        f.store
            .access_document_bytes("req-1", first_terms.id)
            .await
            .unwrap(),
        Some(("terms.pdf".to_owned(), vec![1u8; 10]))
    );
    assert_eq!(
        f.store
            .access_document_bytes("other", first_terms.id)
            .await
            .unwrap(),
        None
    );

    // Submit: the clock starts, the team is told.
    let mut submit = change("draft", "submitted", "submit", &dev, 4_000);
    submit.role = "developer".into();
    submit.submitted_at = Some(4_000);
    submit.terms_version = Some(1);
    submit.sla = SlaChange::Start {
        started: 4_000,
        due: 90_000,
    };
    assert!(
        f.store
            .apply_access_transition(
                &submit,
                &[note("user-2", 4_000)],
                &[mail("dev2@example.org", 4_000)]
            )
            .await
            .unwrap()
    );
    // The same move again is stale: nothing written.
    assert!(
        !f.store
            .apply_access_transition(
                &submit,
                &[note("user-2", 4_001)],
                &[mail("x@example.org", 4_001)]
            )
            .await
            .unwrap()
    );
    let row = f.store.access_request("req-1").await.unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.submitted_at, row.terms_version),
        ("submitted", Some(4_000), Some(1))
    );
    assert_eq!(
        (row.sla_started_at, row.sla_due_at, row.sla_stopped_at),
        (Some(4_000), Some(90_000), None)
    );
    assert_eq!(f.store.access_queue().await.unwrap().len(), 1);
    assert!(
        !f.store
            .save_access_draft("req-1", &draft, &["draft", "changes_requested"], 4_500)
            .await
            .unwrap()
    );

    // Two claims at once: exactly one lands.
    let mut claim_a = change("submitted", "in_review", "claim", "user-2", 5_000);
    claim_a.assignee = Some(Some("user-2".into()));
    claim_a.sla = SlaChange::Stop { at: 5_000 };
    let mut claim_b = claim_a.clone();
    claim_b.actor_id = dev.clone();
    claim_b.assignee = Some(Some(dev.clone()));
    let (note_a, note_b) = ([note(&dev, 5_000)], [note(&dev, 5_001)]);
    let (a, b) = tokio::join!(
        f.store.apply_access_transition(&claim_a, &note_a, &[]),
        f.store.apply_access_transition(&claim_b, &note_b, &[]),
    );
    assert!(a.unwrap() ^ b.unwrap(), "exactly one claim wins");
    let row = f.store.access_request("req-1").await.unwrap().unwrap();
    assert_eq!(row.state, "in_review");
    assert_eq!(row.sla_stopped_at, Some(5_000));
    let history = f.store.access_transitions("req-1").await.unwrap();
    let names: Vec<&str> = history.iter().map(|t| t.transition.as_str()).collect();
    assert_eq!(names, ["submit", "claim"]);
    assert_eq!(history[1].actor_id, row.assignee.clone().unwrap());
    // Each move that landed is a record of the audit chain, written in its transaction;
    // the stale and the losing moves wrote none.
    let audit = f.store.audit_chain_page(None, 100).await.unwrap();
    let moves: Vec<(&str, &str)> = audit
        .iter()
        .map(|l| (l.action.as_str(), l.detail.as_str()))
        .collect();
    assert_eq!(
        moves,
        [
            (
                "access.transition",
                &*format!(
                    "request=req-1 from=draft to=submitted transition=submit by={dev} role=developer"
                )
            ),
            (
                "access.transition",
                &*format!(
                    "request=req-1 from=submitted to=in_review transition=claim by={} role=reviewer",
                    history[1].actor_id
                )
            ),
        ]
    );
    assert_eq!(f.store.audit_head().await.unwrap().seq, 2);

    // Four-eyes columns are part of the condition.
    let mut approve = change("in_review", "approved", "approve", "user-2", 6_000);
    approve.approved_by = Some("user-2".into());
    assert!(
        f.store
            .apply_access_transition(&approve, &[], &[])
            .await
            .unwrap()
    );
    let mut confirm = change("approved", "approved", "confirm_approval", "user-9", 6_100);
    confirm.from_approved_by = Some("user-2".into());
    confirm.approved_by = Some("user-2".into());
    confirm.confirmed_by = Some("user-9".into());
    assert!(
        f.store
            .apply_access_transition(&confirm, &[], &[])
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .apply_access_transition(&confirm, &[], &[])
            .await
            .unwrap(),
        "already confirmed"
    );
    let row = f.store.access_request("req-1").await.unwrap().unwrap();
    assert_eq!(
        (row.approved_by.as_deref(), row.confirmed_by.as_deref()),
        (Some("user-2"), Some("user-9"))
    );

    // Assignment is conditional on the state too.
    assert!(
        f.store
            .assign_access_request(
                "req-1",
                "approved",
                "user-2",
                7_000,
                &[note("user-2", 7_000)],
                &[]
            )
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .assign_access_request(
                "req-1",
                "draft",
                "user-2",
                7_000,
                &[note("user-2", 7_001)],
                &[]
            )
            .await
            .unwrap()
    );

    // Notifications: one for the reviewer from the submission and one from the
    // assignment; the developer's from the winning claim only.
    assert_eq!(f.store.unread_notifications("user-2").await.unwrap(), 2);
    assert_eq!(f.store.unread_notifications(&dev).await.unwrap(), 1);
    let notes = f.store.notifications_of("user-2", 10).await.unwrap();
    assert_eq!(notes[0].body, "note at 7000");
    assert_eq!(notes[0].organization_id.as_deref(), Some(org.as_str()));
    assert_eq!(
        f.store
            .mark_notifications_read("user-2", 8_000)
            .await
            .unwrap(),
        2
    );
    assert_eq!(f.store.unread_notifications("user-2").await.unwrap(), 0);
    let outbox = f.store.outbox(10).await.unwrap();
    assert_eq!(
        outbox.len(),
        1,
        "the stale submission queued nothing: {outbox:?}"
    );
}

async fn staff(f: &Fixture, n: u32) -> String {
    let mut u = user(n);
    u.kind = "staff".into();
    u.staff_role = Some("reviewer".into());
    f.store.insert_user(&u).await.unwrap();
    u.id
}

fn demo(id: &str, slot: &str, reviewer: &str, at: i64) -> bb_store::NewDemo {
    bb_store::NewDemo {
        id: id.into(),
        request_id: "req-1".into(),
        slot_id: slot.into(),
        reviewer_id: reviewer.into(),
        starts_at: 10_000_000,
        ends_at: 13_600_000,
        meeting_link: "https://meet.example/a".into(),
        booked_by: "user-1".into(),
        booked_at: at,
    }
}

pub async fn demo_slots_book_once_concerns_thread_and_checks_keep_the_latest(f: Fixture) {
    use bb_store::{
        AccessEffect, MailAttachment, NewConcern, NewDemoSlot, ReviewCheckRow, TransitionOutcome,
    };
    with_request(&f).await;
    let rev = staff(&f, 50).await;
    let slot = |id: &str, start: i64| NewDemoSlot {
        id: id.into(),
        reviewer_id: rev.clone(),
        starts_at: start,
        ends_at: start + 3_600_000,
        meeting_link: "https://meet.example/a".into(),
        created_at: 1,
    };
    assert_eq!(
        f.store
            .insert_demo_slots(&[slot("s1", 10_000_000), slot("s2", 20_000_000)])
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        f.store
            .insert_demo_slots(&[slot("dup", 10_000_000)])
            .await
            .unwrap(),
        0,
        "same start kept once"
    );
    assert_eq!(f.store.demo_slots(0).await.unwrap().len(), 2);

    // Two bookings of s1 (same request state read twice): exactly one wins.
    let mut file = mail("dev1@example.org", 2_000);
    file.attachments.push(MailAttachment {
        name: "demo.ics".into(),
        content_type: "text/calendar; method=REQUEST; charset=UTF-8".into(),
        bytes: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
    });
    let book = |id: &'static str| {
        let store = f.store.clone();
        let file = file.clone();
        let rev = rev.clone();
        async move {
            store
                .apply_access_transition_with(
                    &change(
                        "in_review",
                        "demo_scheduled",
                        "schedule_demo",
                        "user-1",
                        2_000,
                    ),
                    &[],
                    &[file],
                    &AccessEffect::BookDemo(demo(id, "s1", &rev, 2_000)),
                )
                .await
                .unwrap()
        }
    };
    // Put the request in review first.
    assert!(
        f.store
            .apply_access_transition(&change("draft", "in_review", "claim", "x", 1_500), &[], &[])
            .await
            .unwrap()
    );
    let (a, b) = tokio::join!(book("d1"), book("d2"));
    let mut outcomes = [a, b];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(outcomes[1], TransitionOutcome::Moved, "{outcomes:?}");
    assert_ne!(outcomes[0], TransitionOutcome::Moved, "{outcomes:?}");
    let demos = f.store.access_demos("req-1").await.unwrap();
    assert_eq!(demos.len(), 1);
    // Either booking may win the race; the rest of the case follows the winner.
    let winner = demos[0].id.clone();
    let outbox = f.store.outbox(10).await.unwrap();
    assert_eq!(outbox.len(), 1, "the loser wrote no e-mail");
    let files = f.store.mail_attachments(outbox[0].id).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "demo.ics");

    // A slot taken while the state is still right: refused as SlotTaken, nothing written.
    assert!(
        f.store
            .apply_access_transition(
                &change("demo_scheduled", "in_review", "cancel_demo", "x", 2_500),
                &[],
                &[]
            )
            .await
            .unwrap()
    );
    let taken = f
        .store
        .apply_access_transition_with(
            &change(
                "in_review",
                "demo_scheduled",
                "schedule_demo",
                "user-1",
                3_000,
            ),
            &[],
            &[mail("x@example.org", 3_000)],
            &AccessEffect::BookDemo(demo("d3", "s1", &rev, 3_000)),
        )
        .await
        .unwrap();
    assert_eq!(taken, TransitionOutcome::SlotTaken);
    assert_eq!(
        f.store
            .access_request("req-1")
            .await
            .unwrap()
            .unwrap()
            .state,
        "in_review"
    );
    assert_eq!(f.store.outbox(10).await.unwrap().len(), 1);

    // Reschedule the demo d1 onto s2 after booking s2's neighbour: sequence counts.
    assert!(
        f.store
            .apply_access_transition(
                &change("in_review", "demo_scheduled", "x", "x", 3_500),
                &[],
                &[]
            )
            .await
            .unwrap()
    );
    let s2 = f.store.demo_slot("s2").await.unwrap().unwrap();
    let moved = f
        .store
        .reschedule_demo("req-1", &winner, &s2, 4_000, &[], &[])
        .await
        .unwrap();
    assert_eq!(moved, TransitionOutcome::Moved);
    let d = &f.store.access_demos("req-1").await.unwrap()[0];
    assert_eq!((d.sequence, d.slot_id.as_deref()), (1, Some("s2")));
    assert_eq!(
        f.store.demo_slot("s1").await.unwrap().unwrap().demo_id,
        None,
        "old slot freed"
    );

    // Concerns, responses, resolution.
    let raised = f
        .store
        .apply_access_transition_with(
            &change(
                "demo_scheduled",
                "concerns_open",
                "raise_concerns",
                &rev,
                5_000,
            ),
            &[],
            &[],
            &AccessEffect::RaiseConcerns {
                raised_by: rev.clone(),
                concerns: vec![
                    NewConcern {
                        severity: "high".into(),
                        body: "Explain sharing".into(),
                    },
                    NewConcern {
                        severity: "low".into(),
                        body: "Typo".into(),
                    },
                ],
            },
        )
        .await
        .unwrap();
    assert_eq!(raised, TransitionOutcome::Moved);
    let concerns = f.store.access_concerns("req-1").await.unwrap();
    assert_eq!(concerns.len(), 2);
    f.store
        .apply_access_transition_with(
            &change(
                "concerns_open",
                "developer_responded",
                "respond",
                "user-1",
                6_000,
            ),
            &[],
            &[],
            &AccessEffect::Respond {
                responded_by: "user-1".into(),
                responses: vec![
                    (concerns[0].id, "We do not share".into()),
                    (concerns[1].id, "Fixed".into()),
                ],
            },
        )
        .await
        .unwrap();
    assert_eq!(f.store.concern_responses("req-1").await.unwrap().len(), 2);
    assert!(
        f.store
            .resolve_concern("req-1", concerns[1].id, &rev, 7_000)
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .resolve_concern("req-1", concerns[1].id, &rev, 7_000)
            .await
            .unwrap(),
        "once"
    );

    // Checklist: the latest verdict per item.
    let check = |verdict: &str, at: i64| ReviewCheckRow {
        request_id: "req-1".into(),
        item: "vendors".into(),
        verdict: verdict.into(),
        note: format!("at {at}"),
        checked_by: rev.clone(),
        checked_at: at,
    };
    f.store
        .set_review_checks(&[check("not_met", 8_000)])
        .await
        .unwrap();
    f.store
        .set_review_checks(&[check("met", 9_000)])
        .await
        .unwrap();
    assert_eq!(
        f.store.review_checks("req-1").await.unwrap(),
        vec![check("met", 9_000)]
    );
}

fn listing(at: i64) -> bb_store::ListingRow {
    bb_store::ListingRow {
        request_id: "req-1".into(),
        name: "Health Helper".into(),
        description: "Claims in one place.".into(),
        website: "https://helper.example/".into(),
        privacy_policy_uri: "https://helper.example/privacy".into(),
        terms_uri: "https://helper.example/terms".into(),
        categories: "personal-health-record".into(),
        platforms: "web ios".into(),
        shares_data: false,
        sells_data: true,
        retention: "months".into(),
        retention_months: Some(12),
        privacy_label: "{\"rows\":[]}".into(),
        logo_content_type: Some("image/png".into()),
        logo_bytes: Some(vec![0x89, b'P', b'N', b'G', 0, 1, 2]),
        submitted_by: "user-1".into(),
        submitted_at: at,
    }
}

fn handoff(token: u8, app: &str, at: i64) -> bb_store::NewHandoff {
    bb_store::NewHandoff {
        token_sha256: vec![token; 32],
        request_id: "req-1".into(),
        application_id: app.into(),
        created_by: "user-2".into(),
        created_at: at,
        expires_at: at + 300_000,
    }
}

/// After approval: the listing stored with its move; credentials issued with the
/// production app, its profile and logo and the first link in one transaction (a stale
/// move writes none of it); a link opens once, strictly before its expiry, setting the
/// secret in the same transaction; a newer link invalidates older ones; every opening is
/// audited; the directory lists only live requests whose app is active, and suspension
/// switches the app off with its move.
pub async fn after_approval_listing_handoff_and_directory(f: Fixture) {
    use bb_store::{
        AccessEffect, AppLogo, AppProfile, HandoffOpen, HandoffViewer, TransitionOutcome,
    };
    let (dev, org) = with_request(&f).await;
    let r1 = staff(&f, 2).await;
    let r2 = staff(&f, 3).await;
    let approved = |from: &str, to: &str, t: &str, at: i64| AccessStatusChange {
        from_approved_by: Some(r1.clone()),
        approved_by: Some(r1.clone()),
        ..change(from, to, t, &r1, at)
    };
    let moved = f
        .store
        .apply_access_transition_with(
            &AccessStatusChange {
                approved_by: Some(r1.clone()),
                ..change("draft", "approved", "approve", &r1, 1_000)
            },
            &[],
            &[],
            &AccessEffect::None,
        )
        .await
        .unwrap();
    assert_eq!(moved, TransitionOutcome::Moved);
    let sent = AccessStatusChange {
        role: "developer".into(),
        actor_id: dev.clone(),
        ..approved("approved", "listing_submitted", "submit_listing", 2_000)
    };
    assert_eq!(
        f.store
            .apply_access_transition_with(
                &sent,
                &[],
                &[],
                &AccessEffect::SubmitListing(listing(2_000))
            )
            .await
            .unwrap(),
        TransitionOutcome::Moved
    );
    assert_eq!(
        f.store.access_listing("req-1").await.unwrap(),
        Some(listing(2_000))
    );
    assert_eq!(f.store.access_production_app("req-1").await.unwrap(), None);

    let mut prod = crate::cases::app(9, &dev, "Health Helper", &["https://helper.example/cb"]);
    prod.environment = "production".into();
    prod.organization_id = Some(org.clone());
    let issue = AccessStatusChange {
        confirmed_by: Some(r2.clone()),
        ..approved(
            "listing_submitted",
            "credentials_issued",
            "issue_credentials",
            3_000,
        )
    };
    let effect = AccessEffect::IssueCredentials {
        app: Box::new(prod.clone()),
        profile: AppProfile {
            description: "Claims in one place.".into(),
            support_email: Some("help@helper.example".into()),
            support_phone_number: None,
            categories: vec!["personal-health-record".into()],
            agreed_at: Some(3_000),
        },
        logo: Some(AppLogo {
            content_type: "image/png".into(),
            bytes: vec![1, 2, 3],
            updated_at: 3_000,
        }),
        handoff: handoff(1, "app-9", 3_000),
    };
    assert_eq!(
        f.store
            .apply_access_transition_with(&issue, &[], &[], &effect)
            .await
            .unwrap(),
        TransitionOutcome::Moved
    );
    assert_eq!(
        f.store
            .apply_access_transition_with(&issue, &[], &[], &effect)
            .await
            .unwrap(),
        TransitionOutcome::Conflict,
        "a stale issue writes nothing (no second app, no error on the unique client id)"
    );
    assert_eq!(
        f.store
            .access_production_app("req-1")
            .await
            .unwrap()
            .as_deref(),
        Some("app-9")
    );
    let stored = f.store.application_by_id("app-9").await.unwrap().unwrap();
    assert_eq!(stored.environment, "production");
    assert_eq!(
        f.store
            .application_profile("app-9")
            .await
            .unwrap()
            .unwrap()
            .support_email
            .as_deref(),
        Some("help@helper.example")
    );
    assert!(f.store.application_logo("app-9").await.unwrap().is_some());

    let who = HandoffViewer {
        viewer_id: Some(dev.clone()),
        ip_sha256: None,
    };
    let secret = vec![7_u8; 32];
    // Strictly before expiry: at 3_000 + 300_000 the first link has expired.
    assert_eq!(
        f.store
            .open_handoff(&[1; 32], 303_000, &secret, &who)
            .await
            .unwrap(),
        HandoffOpen::Expired {
            request_id: "req-1".into()
        }
    );
    assert_eq!(
        f.store
            .open_handoff(&[1; 32], 302_999, &secret, &who)
            .await
            .unwrap(),
        HandoffOpen::Shown {
            request_id: "req-1".into(),
            client_id: prod.client_id.clone()
        }
    );
    assert_eq!(
        f.store
            .application_by_id("app-9")
            .await
            .unwrap()
            .unwrap()
            .client_secret_sha256,
        secret
    );
    assert_eq!(
        f.store
            .open_handoff(&[1; 32], 303_001, &[8; 32], &who)
            .await
            .unwrap(),
        HandoffOpen::Used {
            request_id: "req-1".into()
        }
    );
    assert_eq!(
        f.store
            .application_by_id("app-9")
            .await
            .unwrap()
            .unwrap()
            .client_secret_sha256,
        secret,
        "a used link sets nothing"
    );
    assert_eq!(
        f.store
            .open_handoff(&[9; 32], 303_001, &[8; 32], &who)
            .await
            .unwrap(),
        HandoffOpen::Unknown
    );
    // A newer link invalidates the older one; a link for another app is refused.
    assert!(
        f.store
            .reissue_handoff(&handoff(2, "app-9", 400_000))
            .await
            .unwrap()
    );
    assert!(
        f.store
            .reissue_handoff(&handoff(3, "app-9", 400_001))
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .reissue_handoff(&handoff(4, "app-1", 400_002))
            .await
            .unwrap()
    );
    assert_eq!(f.store.handoff_request(&[4; 32]).await.unwrap(), None);
    assert_eq!(
        f.store
            .open_handoff(&[2; 32], 400_010, &[8; 32], &who)
            .await
            .unwrap(),
        HandoffOpen::Expired {
            request_id: "req-1".into()
        }
    );
    f.store
        .audit_handoff_refusal("req-1", &[3; 32], 400_020, &HandoffViewer::default())
        .await
        .unwrap();
    let views = f.store.handoff_views("req-1").await.unwrap();
    let outcomes: Vec<&str> = views.iter().map(|v| v.outcome.as_str()).collect();
    assert_eq!(outcomes, ["expired", "shown", "used", "expired", "unknown"]);
    assert!(
        views[1].viewer_email.is_some(),
        "the viewer's e-mail is joined"
    );
    assert_eq!(views[4].viewer_id, None);

    // Directory: nothing until live; then the listing; nothing once suspended.
    assert!(f.store.access_directory().await.unwrap().is_empty());
    let live = AccessStatusChange {
        confirmed_by: Some(r2.clone()),
        from_confirmed_by: Some(r2.clone()),
        role: "developer".into(),
        actor_id: dev.clone(),
        ..approved("credentials_issued", "live", "go_live", 5_000)
    };
    f.store
        .apply_access_transition_with(&live, &[], &[], &AccessEffect::None)
        .await
        .unwrap();
    let listed = f.store.access_directory().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].application_id, "app-9");
    assert!(listed[0].has_logo);
    assert_eq!(listed[0].reviewed_at, Some(3_000), "the last move by staff");
    assert_eq!(
        listed[0].support_email.as_deref(),
        Some("help@helper.example")
    );
    assert_eq!(
        f.store
            .directory_logo("app-9")
            .await
            .unwrap()
            .map(|(t, _)| t)
            .as_deref(),
        Some("image/png")
    );
    let suspend = AccessStatusChange {
        confirmed_by: Some(r2.clone()),
        from_confirmed_by: Some(r2.clone()),
        role: "admin".into(),
        ..approved("live", "suspended", "suspend", 6_000)
    };
    f.store
        .apply_access_transition_with(
            &suspend,
            &[],
            &[],
            &AccessEffect::SetProductionAppActive { active: false },
        )
        .await
        .unwrap();
    assert!(
        !f.store
            .application_by_id("app-9")
            .await
            .unwrap()
            .unwrap()
            .active
    );
    assert!(f.store.access_directory().await.unwrap().is_empty());
    assert_eq!(f.store.directory_logo("app-9").await.unwrap(), None);
}
