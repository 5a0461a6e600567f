//! The FHIR API over HTTP: tokens, reads and searches of the caller's own data only,
//! BFD's order, BB2's parameters, paging links, errors, content type and gzip.

use bb_testkit::{TestApp, spawn_app};
use serde_json::Value;
use std::path::Path;

const BENE: i64 = 567_834;

async fn with_sample_a() -> TestApp {
    let app = spawn_app().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/reference/rif/static-samples");
    for name in [
        "sample-a-beneficiaries.txt",
        "sample-a-beneficiaryhistory.txt",
        "sample-a-bcarrier.txt",
        "sample-a-dme.txt",
        "sample-a-hha.txt",
        "sample-a-hospice.txt",
        "sample-a-inpatient.txt",
        "sample-a-outpatient.txt",
        "sample-a-pde.txt",
        "sample-a-snf.txt",
    ] {
        let file = std::io::BufReader::new(std::fs::File::open(dir.join(name)).unwrap());
        app.services.claims.import_file(name, file).await.unwrap();
    }
    app
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap();
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, value, headers)
}

fn ids(bundle: &Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| x["resource"]["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn tokens_are_required_and_never_taken_from_the_query() {
    let app = with_sample_a().await;
    let r = app.get("/v2/fhir/ExplanationOfBenefit/").await;
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let (status, body, _) = get(&app, "not-a-token", "/v2/fhir/Patient/567834").await;
    assert_eq!(status, 401);
    assert_eq!(
        body["detail"],
        "Authentication credentials were not provided."
    );
    let token = app.services.fhir.issue_token_for_tests(BENE).await.unwrap();
    let r = app
        .get(&format!("/v2/fhir/Patient?access_token={token}"))
        .await;
    assert_eq!(r.status().as_u16(), 400);
    // An expired token stops working.
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(get(&app, &token, "/v2/fhir/Patient/567834").await.0, 401);
    // The capability statement needs no token.
    let r = app.get("/v2/fhir/metadata").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/fhir+json");
}

#[tokio::test]
async fn eob_search_in_bfds_order_with_bundle_links() {
    let app = with_sample_a().await;
    let token = app.services.fhir.issue_token_for_tests(BENE).await.unwrap();
    let (status, bundle, headers) = get(
        &app,
        &token,
        "/v2/fhir/ExplanationOfBenefit/?patient=1&_count=8",
    )
    .await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(headers["content-type"], "application/fhir+json");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "searchset");
    assert_eq!(bundle["total"], 8);
    // BFD's order: claim id as text (eobByPatientIdAll.json).
    assert_eq!(
        ids(&bundle),
        vec![
            "outpatient-1234567890",
            "dme-2188888888",
            "hha-2925555555",
            "inpatient-333333222222",
            "snf-777777777",
            "pde-89",
            "carrier-9991831999",
            "hospice-9992223422"
        ]
    );
    let links: Vec<(String, String)> = bundle["link"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["relation"].as_str().unwrap().to_owned(),
                l["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let base = app.url("/v2/fhir/ExplanationOfBenefit");
    // The patient parameter is the token's, whatever the client sent.
    assert_eq!(
        links,
        vec![
            (
                "first".into(),
                format!("{base}?patient=567834&startIndex=0&_count=8")
            ),
            (
                "last".into(),
                format!("{base}?patient=567834&startIndex=0&_count=8")
            ),
            ("self".into(), format!("{base}/?patient=1&_count=8")),
        ]
    );
    // Types, any case and with the system; a bad type is BB2's 400.
    let (_, b, _) = get(&app, &token, "/v2/fhir/ExplanationOfBenefit?type=CARRIER,https://bluebutton.cms.gov/resources/codesystem/eob-type|pde").await;
    assert_eq!(ids(&b), vec!["pde-89", "carrier-9991831999"]);
    let (status, b, _) = get(&app, &token, "/v2/fhir/ExplanationOfBenefit?type=bogus").await;
    assert_eq!(
        (status, b["detail"].as_str()),
        (400, Some("the type parameter value is not valid"))
    );
    // Unknown parameters are dropped; _count may come twice (the Python SDK does that).
    let (status, b, _) = get(
        &app,
        &token,
        "/v2/fhir/ExplanationOfBenefit?_count=3&excludeSAMHSA=true&_count=3&_format=json",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ids(&b).len(), 3);
    assert_eq!(b["total"], 8);
    for bad in [
        "_count=51",
        "startIndex=8",
        "startIndex=-1",
        "_lastUpdated=yesterday",
        "service-date=2020-13-40",
    ] {
        let (status, b, _) = get(
            &app,
            &token,
            &format!("/v2/fhir/ExplanationOfBenefit?{bad}"),
        )
        .await;
        assert_eq!(status, 400, "{bad}: {b}");
        assert!(b["detail"].is_string(), "{bad}");
    }
    // gzip for large bodies when asked.
    let r = app
        .client
        .get(app.url("/v2/fhir/ExplanationOfBenefit"))
        .bearer_auth(&token)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
}

#[tokio::test]
async fn reads_are_the_callers_own_only() {
    let app = with_sample_a().await;
    let token = app.services.fhir.issue_token_for_tests(BENE).await.unwrap();
    let (status, eob, _) = get(
        &app,
        &token,
        "/v2/fhir/ExplanationOfBenefit/carrier-9991831999",
    )
    .await;
    assert_eq!(
        (status, eob["id"].as_str()),
        (200, Some("carrier-9991831999"))
    );
    let (status, p, _) = get(&app, &token, "/v2/fhir/Patient/567834").await;
    assert_eq!((status, p["resourceType"].as_str()), (200, Some("Patient")));
    let (status, c, _) = get(&app, &token, "/v2/fhir/Coverage/part-a-567834").await;
    assert_eq!((status, c["id"].as_str()), (200, Some("part-a-567834")));
    let (_, cs, _) = get(&app, &token, "/v2/fhir/Coverage/?beneficiary=Patient/1").await;
    assert_eq!(
        ids(&cs),
        vec![
            "part-a-567834",
            "part-b-567834",
            "part-c-567834",
            "part-d-567834"
        ]
    );
    let (_, ps, _) = get(&app, &token, "/v2/fhir/Patient?_id=567834").await;
    assert_eq!(ids(&ps), vec!["567834"]);

    // Someone else's token sees none of it: 404, BB2's body.
    let other = app
        .services
        .fhir
        .issue_token_for_tests(-19_990_000_000_001)
        .await
        .unwrap();
    for path in [
        "/v2/fhir/ExplanationOfBenefit/carrier-9991831999",
        "/v2/fhir/Patient/567834",
        "/v2/fhir/Coverage/part-a-567834",
        "/v2/fhir/ExplanationOfBenefit/carrier-1",
        "/v2/fhir/ExplanationOfBenefit/nonsense",
    ] {
        let (status, body, _) = get(&app, &other, path).await;
        assert_eq!(
            (status, body["detail"].as_str()),
            (404, Some("Not found.")),
            "{path}"
        );
    }
    let (status, b, _) = get(&app, &other, "/v2/fhir/ExplanationOfBenefit").await;
    assert_eq!((status, b["total"].as_i64()), (200, Some(0)));
    let (_, b, _) = get(&app, &other, "/v2/fhir/Patient?_id=567834").await;
    assert_eq!(b["total"], 0);
}

#[tokio::test]
async fn paging_walks_every_claim_once_by_next_links() {
    let app = spawn_app().await;
    let spec = bb_domain::claims::SandboxSpec {
        seed: 5,
        enrollees: 12,
        as_of: bb_domain::claims::DEFAULT_AS_OF,
    };
    app.services
        .claims
        .build_sandbox(spec, std::sync::Arc::new(|_, _| {}))
        .await
        .unwrap();
    // The enrollee with the most claims.
    let mut best = (0, 0i64);
    for i in 0..12i64 {
        let bene = -(19_990_000_000_001 + i);
        let n = app.store.claims_of(bene).await.unwrap().len();
        if n > best.0 {
            best = (n, bene);
        }
    }
    let (count, bene) = best;
    assert!(count > 25, "need a bigger enrollee: {count}");
    let token = app.services.fhir.issue_token_for_tests(bene).await.unwrap();
    let mut seen = Vec::new();
    let mut next = Some(app.url("/v2/fhir/ExplanationOfBenefit?_count=10"));
    let mut pages = 0;
    while let Some(url) = next.take() {
        let path = url.strip_prefix(&app.base_url).unwrap().to_owned();
        let (status, b, _) = get(&app, &token, &path).await;
        assert_eq!(status, 200, "{path}: {b}");
        assert_eq!(b["total"].as_u64(), Some(count as u64));
        seen.extend(ids(&b));
        next = b["link"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["relation"] == "next")
            .map(|l| l["url"].as_str().unwrap().to_owned());
        pages += 1;
    }
    assert_eq!(pages, count.div_ceil(10));
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), count);
    let store_order: Vec<String> = app
        .store
        .claims_of(bene)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let t = bb_domain::claims::rows::claim_type_of(r.claim_type).unwrap();
            format!("{}-{}", t.name(), r.claim_id)
        })
        .collect();
    assert_eq!(seen, store_order);

    // Filters: a service-date window and _lastUpdated cut the total consistently.
    let (_, all, _) = get(&app, &token, "/v2/fhir/ExplanationOfBenefit?_count=50").await;
    let (_, recent, _) = get(
        &app,
        &token,
        "/v2/fhir/ExplanationOfBenefit?service-date=ge2024-01-01&_count=50",
    )
    .await;
    let (_, old, _) = get(
        &app,
        &token,
        "/v2/fhir/ExplanationOfBenefit?service-date=lt2024-01-01&_count=50",
    )
    .await;
    assert!(
        recent["total"].as_u64().unwrap() + old["total"].as_u64().unwrap()
            >= all["total"].as_u64().unwrap()
    );
    let (_, none, _) = get(
        &app,
        &token,
        "/v2/fhir/ExplanationOfBenefit?_lastUpdated=gt2099-01-01",
    )
    .await;
    assert_eq!(none["total"], 0);
    let (_, every, _) = get(
        &app,
        &token,
        "/v2/fhir/ExplanationOfBenefit?_lastUpdated=lt2099-01-01&_lastUpdated=gt2000-01-01",
    )
    .await;
    assert_eq!(every["total"], all["total"]);
}
