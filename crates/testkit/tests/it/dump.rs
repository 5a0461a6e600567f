//! Writes every kind of resource the FHIR API serves into a folder, for the external R4
//! validators that `scripts/test` runs next (fhir.resources 6.4.0 and FHIR.js 4.12.0):
//! the `sample-a` reads and searches over HTTP, the searches of a small generated sandbox,
//! and every claim type of the all-fields enrollee (BBUser10000) rendered directly.

use bb_testkit::spawn_app;
use std::path::PathBuf;

async fn fetch(app: &bb_testkit::TestApp, token: &str, path: &str) -> Vec<u8> {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
#[ignore = "scripts/test runs it with BLUEBUTTON_FHIR_DUMP_DIR, then the validators"]
async fn dump_served_resources() {
    let dir =
        PathBuf::from(std::env::var("BLUEBUTTON_FHIR_DUMP_DIR").expect("BLUEBUTTON_FHIR_DUMP_DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut written = 0;
    let mut save = |name: String, body: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(body).unwrap_or_else(|e| panic!("{name}: {e}"));
        std::fs::write(dir.join(format!("{name}.json")), body).unwrap();
        written += 1;
    };

    // A generated sandbox: every search of every enrollee.
    let app = spawn_app().await;
    let spec = bb_domain::claims::SandboxSpec {
        seed: 11,
        enrollees: 20,
        as_of: bb_domain::claims::DEFAULT_AS_OF,
    };
    app.services
        .claims
        .build_sandbox(spec, std::sync::Arc::new(|_, _| {}))
        .await
        .unwrap();
    for i in 0..20i64 {
        let bene = -(19_990_000_000_001 + i);
        let token = app.services.fhir.issue_token_for_tests(bene).await.unwrap();
        save(
            format!("sandbox-{i}-patient"),
            &fetch(&app, &token, &format!("/v2/fhir/Patient/{bene}")).await,
        );
        save(
            format!("sandbox-{i}-coverage"),
            &fetch(&app, &token, "/v2/fhir/Coverage/").await,
        );
        save(
            format!("sandbox-{i}-patient-search"),
            &fetch(&app, &token, "/v2/fhir/Patient/").await,
        );
        save(
            format!("sandbox-{i}-eob"),
            &fetch(&app, &token, "/v2/fhir/ExplanationOfBenefit/?_count=50").await,
        );
    }

    // The all-fields enrollee: every optional column of every claim type is set.
    let generator = bb_synth::Generator::new(11, 20, bb_domain::claims::DEFAULT_AS_OF);
    let full = generator.full_enrollee();
    let ctx = bb_domain::fhir::RenderContext::new(
        chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
    );
    let mut kinds = std::collections::BTreeSet::new();
    for claim in &full.claims {
        let name = claim.key().record.name();
        if kinds.insert(name) {
            let mut out = Vec::new();
            bb_domain::fhir::eob::render(claim, &ctx, &mut out);
            save(format!("full-eob-{name}"), &out);
        }
    }
    assert_eq!(
        kinds.len(),
        8,
        "the all-fields enrollee has every claim type"
    );
    written_check(written);
}

fn written_check(written: usize) {
    assert!(written >= 88, "only {written} resources written");
}
