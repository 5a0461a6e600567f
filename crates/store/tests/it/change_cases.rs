//! Contract cases of policy changes (issue 7, part 5): a change only for a live request
//! and one open at a time (nothing written otherwise); moves conditional on the state read
//! (a stale one writes nothing; of two at once exactly one lands); drafts kept as versions;
//! the published documents are the request's own until the approval publishes the
//! change's newest versions, dated, in the move's transaction.

use crate::backends::Fixture;
use crate::cases::{user, with_developer};
use bb_store::{
    AccessDraft, AccessStatusChange, ChangeClock, NewAccessDocument, NewAccessRequest,
    NewChangeDocument, NewChangeOutcome, NewMail, NewNotification, NewPolicyChange,
    PolicyChangeMove, SlaChange,
};

const REQ: &str = "req-pc";

async fn with_request(f: &Fixture) -> (String, String) {
    let dev = with_developer(f, 1).await;
    let org = f.store.organizations_of(&dev).await.unwrap()[0].id.clone();
    f.store
        .insert_access_request(&NewAccessRequest {
            id: REQ.into(),
            organization_id: org.clone(),
            draft: AccessDraft::default(),
            state: "draft".into(),
            created_by: dev.clone(),
            created_at: 1_000,
        })
        .await
        .unwrap();
    (dev, org)
}

fn status(from: &str, to: &str, transition: &str, at: i64) -> AccessStatusChange {
    AccessStatusChange {
        request_id: REQ.into(),
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
        actor_id: "user-1".into(),
        role: "developer".into(),
        at,
        reason: String::new(),
    }
}

fn doc(kind: &str, byte: u8, by: &str, at: i64) -> NewChangeDocument {
    NewChangeDocument {
        kind: kind.into(),
        file_name: format!("{kind}-{byte}.pdf"),
        bytes: vec![byte; 12],
        sha256: vec![byte; 32],
        extraction: "done".into(),
        extracted_text: Some(format!("text {byte}")),
        uploaded_by: by.into(),
        uploaded_at: at,
    }
}

fn new_change(id: &str, by: &str, at: i64) -> NewPolicyChange {
    NewPolicyChange {
        id: id.into(),
        request_id: REQ.into(),
        notice: "We are updating our privacy policy.".into(),
        submitted_by: by.into(),
        submitted_at: at,
        due_at: at + 1_000,
    }
}

fn mv(change: &str, from: &str, to: &str, t: &str, actor: &str, at: i64) -> PolicyChangeMove {
    PolicyChangeMove {
        change_id: change.into(),
        from_state: from.into(),
        to_state: to.into(),
        transition: t.into(),
        actor_id: actor.into(),
        role: "reviewer".into(),
        at,
        reason: String::new(),
        assignee: None,
        notice: None,
        clock: ChangeClock::Keep,
        decided: false,
        publish: false,
    }
}

fn note(user_id: &str, at: i64) -> NewNotification {
    NewNotification {
        user_id: user_id.into(),
        request_id: Some(REQ.into()),
        body: format!("change note at {at}"),
        created_at: at,
    }
}

fn mail(to: &str, at: i64) -> NewMail {
    NewMail {
        recipient: to.into(),
        subject: "Policy change".into(),
        body_text: "moved".into(),
        created_at: at,
        attachments: Vec::new(),
    }
}

pub async fn policy_changes_are_reviewed_and_publish_on_approval_only(f: Fixture) {
    let (dev, _) = with_request(&f).await;
    let mut reviewer = user(2);
    reviewer.kind = "staff".into();
    reviewer.staff_role = Some("reviewer".into());
    f.store.insert_user(&reviewer).await.unwrap();
    let rev = reviewer.id.clone();
    for (kind, byte) in [("terms", 1u8), ("privacy_policy", 2), ("privacy_policy", 3)] {
        f.store
            .insert_access_document(&NewAccessDocument {
                request_id: REQ.into(),
                kind: kind.into(),
                file_name: format!("{kind}.pdf"),
                bytes: vec![byte; 10],
                sha256: vec![byte; 32],
                extraction: "done".into(),
                extracted_text: Some(format!("original {byte}")),
                uploaded_by: dev.clone(),
                uploaded_at: 2_000,
            })
            .await
            .unwrap();
    }

    // Not live: refused, nothing written.
    let published = f.store.published_documents(REQ).await.unwrap();
    assert_eq!(published.len(), 2);
    assert!(published.iter().all(|p| p.published_at.is_none()));
    let outcome = f
        .store
        .insert_policy_change(
            &new_change("pc-1", &dev, 3_000),
            &[doc("privacy_policy", 7, &dev, 3_000)],
            &[note(&rev, 3_000)],
            &[mail("r@example.org", 3_000)],
        )
        .await
        .unwrap();
    assert_eq!(outcome, NewChangeOutcome::NotLive);
    assert!(f.store.policy_changes_of(REQ).await.unwrap().is_empty());
    assert!(f.store.notifications_of(&rev, 10).await.unwrap().is_empty());
    assert!(f.store.outbox(10).await.unwrap().is_empty());

    // Live (one jump is enough for the store, which does not judge the graph).
    assert!(
        f.store
            .apply_access_transition(&status("draft", "live", "go_live", 5_000), &[], &[])
            .await
            .unwrap()
    );
    let published = f.store.published_documents(REQ).await.unwrap();
    let summary: Vec<(&str, &str, i64, Option<i64>)> = published
        .iter()
        .map(|p| {
            (
                p.kind.as_str(),
                p.source.as_str(),
                p.version,
                p.published_at,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("privacy_policy", "request", 2, Some(5_000)),
            ("terms", "request", 1, Some(5_000))
        ]
    );
    assert_eq!(published[0].extracted_text.as_deref(), Some("original 3"));

    // Created with its draft, history, notice and e-mail; a second open one is refused.
    let outcome = f
        .store
        .insert_policy_change(
            &new_change("pc-1", &dev, 6_000),
            &[doc("privacy_policy", 7, &dev, 6_000)],
            &[note(&rev, 6_000)],
            &[mail("r@example.org", 6_000)],
        )
        .await
        .unwrap();
    assert_eq!(outcome, NewChangeOutcome::Created);
    let outcome = f
        .store
        .insert_policy_change(&new_change("pc-2", &dev, 6_100), &[], &[], &[])
        .await
        .unwrap();
    assert_eq!(outcome, NewChangeOutcome::OpenExists);
    assert!(f.store.policy_change("pc-2").await.unwrap().is_none());
    let row = f.store.policy_change("pc-1").await.unwrap().unwrap();
    assert_eq!(row.state, "submitted");
    assert_eq!(row.organization_name, "Org 1");
    assert_eq!((row.sla_started_at, row.sla_due_at), (6_000, 7_000));
    assert_eq!(f.store.open_policy_changes().await.unwrap().len(), 1);
    assert_eq!(f.store.notifications_of(&rev, 10).await.unwrap().len(), 1);
    assert_eq!(f.store.outbox(10).await.unwrap().len(), 1);

    // Claimed; a stale claim writes nothing; of two concurrent moves one lands.
    let mut claim = mv("pc-1", "submitted", "in_review", "claim", &rev, 6_500);
    claim.assignee = Some(rev.clone());
    assert!(
        f.store
            .apply_policy_change_move(&claim, &[], &[], &[])
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .apply_policy_change_move(&claim, &[], &[note(&dev, 6_600)], &[])
            .await
            .unwrap()
    );
    assert!(f.store.notifications_of(&dev, 10).await.unwrap().is_empty());
    let mut ask = mv(
        "pc-1",
        "in_review",
        "changes_requested",
        "request_changes",
        &rev,
        7_000,
    );
    ask.reason = "Say when the change takes effect.".into();
    ask.clock = ChangeClock::Stop;
    let (a, b) = tokio::join!(
        f.store.apply_policy_change_move(&ask, &[], &[], &[]),
        f.store.apply_policy_change_move(&ask, &[], &[], &[])
    );
    assert_eq!(
        usize::from(a.unwrap()) + usize::from(b.unwrap()),
        1,
        "exactly one lands"
    );
    let row = f.store.policy_change("pc-1").await.unwrap().unwrap();
    assert_eq!(row.state, "changes_requested");
    // Submission, claim and the one request for changes that landed are in the audit chain.
    let audit: Vec<String> = f
        .store
        .audit_chain_page(None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.action == "access.policy_change.transition")
        .map(|l| l.detail)
        .collect();
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(
        audit[0].starts_with("change=pc-1 from= to=submitted transition=submit"),
        "{audit:?}"
    );
    assert!(
        audit[2].starts_with(
            "change=pc-1 from=in_review to=changes_requested transition=request_changes"
        ),
        "{audit:?}"
    );
    assert_eq!(row.assignee.as_deref(), Some(rev.as_str()));
    assert_eq!(row.sla_stopped_at, Some(7_000));

    // Resubmitted with a new draft and notice: the clock restarts; versions kept.
    let mut again = mv(
        "pc-1",
        "changes_requested",
        "in_review",
        "resubmit",
        &dev,
        8_000,
    );
    again.role = "developer".into();
    again.notice = Some("From May 1 we keep claims for one year.".into());
    again.clock = ChangeClock::Restart {
        started: 8_000,
        due: 9_000,
    };
    assert!(
        f.store
            .apply_policy_change_move(&again, &[doc("privacy_policy", 8, &dev, 8_000)], &[], &[])
            .await
            .unwrap()
    );
    let row = f.store.policy_change("pc-1").await.unwrap().unwrap();
    assert_eq!(row.notice, "From May 1 we keep claims for one year.");
    assert_eq!(
        (row.sla_started_at, row.sla_due_at, row.sla_stopped_at),
        (8_000, 9_000, None)
    );
    let docs = f.store.change_documents("pc-1").await.unwrap();
    let versions: Vec<(&str, i64, i64)> = docs
        .iter()
        .map(|d| (d.kind.as_str(), d.version, d.size))
        .collect();
    assert_eq!(
        versions,
        [("privacy_policy", 1, 12), ("privacy_policy", 2, 12)]
    );
    let (name, bytes) = f
        .store
        .change_document_bytes("pc-1", docs[1].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (name.as_str(), bytes),
        ("privacy_policy-8.pdf", vec![8u8; 12])
    );
    assert!(
        f.store
            .change_document_bytes("pc-other", docs[1].id)
            .await
            .unwrap()
            .is_none()
    );
    // Still the old documents published.
    let published = f.store.published_documents(REQ).await.unwrap();
    assert!(published.iter().all(|p| p.source == "request"));

    // Approved: the newest draft is published at the move's time, the terms stay.
    let mut approve = mv("pc-1", "in_review", "approved", "approve", &rev, 9_500);
    approve.clock = ChangeClock::Stop;
    approve.decided = true;
    approve.publish = true;
    assert!(
        f.store
            .apply_policy_change_move(
                &approve,
                &[],
                &[note(&dev, 9_500)],
                &[mail("d@example.org", 9_500)]
            )
            .await
            .unwrap()
    );
    let published = f.store.published_documents(REQ).await.unwrap();
    let summary: Vec<(&str, &str, i64, Option<i64>)> = published
        .iter()
        .map(|p| {
            (
                p.kind.as_str(),
                p.source.as_str(),
                p.version,
                p.published_at,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("privacy_policy", "change", 2, Some(9_500)),
            ("terms", "request", 1, Some(5_000))
        ]
    );
    assert_eq!(published[0].change_id.as_deref(), Some("pc-1"));
    assert_eq!(published[0].document_id, docs[1].id);
    assert_eq!(published[0].extracted_text.as_deref(), Some("text 8"));
    let row = f.store.policy_change("pc-1").await.unwrap().unwrap();
    assert_eq!(row.decided_by.as_deref(), Some(rev.as_str()));
    assert_eq!(row.decided_at, Some(9_500));
    let history: Vec<String> = f
        .store
        .change_transitions("pc-1")
        .await
        .unwrap()
        .into_iter()
        .map(|t| format!("{}:{}>{}", t.transition, t.from_state, t.to_state))
        .collect();
    assert_eq!(
        history,
        [
            "submit:>submitted",
            "claim:submitted>in_review",
            "request_changes:in_review>changes_requested",
            "resubmit:changes_requested>in_review",
            "approve:in_review>approved"
        ]
    );
    assert!(f.store.open_policy_changes().await.unwrap().is_empty());

    // A closed change makes room for the next one, whose approval publishes over it.
    assert_eq!(
        f.store
            .insert_policy_change(
                &new_change("pc-2", &dev, 10_000),
                &[doc("terms", 9, &dev, 10_000)],
                &[],
                &[]
            )
            .await
            .unwrap(),
        NewChangeOutcome::Created
    );
    assert!(
        f.store
            .apply_policy_change_move(
                &mv("pc-2", "submitted", "in_review", "claim", &rev, 10_100),
                &[],
                &[],
                &[]
            )
            .await
            .unwrap()
    );
    let mut approve = mv("pc-2", "in_review", "approved", "approve", &rev, 10_200);
    approve.decided = true;
    approve.publish = true;
    assert!(
        f.store
            .apply_policy_change_move(&approve, &[], &[], &[])
            .await
            .unwrap()
    );
    let published = f.store.published_documents(REQ).await.unwrap();
    let summary: Vec<(&str, Option<&str>, Option<i64>)> = published
        .iter()
        .map(|p| (p.kind.as_str(), p.change_id.as_deref(), p.published_at))
        .collect();
    assert_eq!(
        summary,
        [
            ("privacy_policy", Some("pc-1"), Some(9_500)),
            ("terms", Some("pc-2"), Some(10_200))
        ]
    );
    assert_eq!(f.store.policy_changes_of(REQ).await.unwrap().len(), 2);
}
