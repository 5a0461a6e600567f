//! `bluebutton policy check`: the JSON of the contract (an object for one file, an array for
//! several), the text and HTML renderings, and bad files reported one by one while the good
//! ones are still checked.

use crate::support::*;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../policy/tests/fixtures")
        .join(name)
}

fn copy_in(dir: &Path, name: &str) -> String {
    std::fs::copy(fixture(name), dir.join(name)).unwrap();
    name.to_owned()
}

const POLICY: &str = "Privacy Policy\n\nWe collect your name. Our Blue Button app shows your \
    claims. We never run <script>alert(1)</script> here. Visit https://www.medicare.gov to \
    learn about your benefits.\n";

#[test]
fn json_for_one_file_is_the_contract_object() {
    let dir = tempdir();
    let pdf = copy_in(dir.path(), "text.pdf");
    let out = run(
        dir.path(),
        &["policy", "check", &pdf, "--format", "json"],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let obj = v.as_object().expect("one file gives an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "checklist",
            "contradictions",
            "file",
            "naming",
            "readability",
            "sentences",
            "words"
        ]
    );
    assert_eq!(v["file"], "text.pdf");
    assert!(v["words"].as_u64().unwrap() > 20);
    for k in [
        "flesch_reading_ease",
        "flesch_kincaid_grade",
        "smog",
        "gunning_fog",
        "coleman_liau",
        "dale_chall",
        "ari",
    ] {
        assert!(v["readability"][k].is_number(), "{k}");
    }
    assert_eq!(v["readability"]["grade_range"].as_array().unwrap().len(), 2);
    // The 15 checklist items in the contract's order, each with a verdict.
    let items = v["checklist"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, bb_policy::CHECKLIST_IDS.to_vec());
    for item in items {
        assert!(
            ["found", "unclear", "missing"].contains(&item["verdict"].as_str().unwrap()),
            "{item}"
        );
    }
    assert!(v["contradictions"].is_array());
    assert_eq!(v["naming"], serde_json::json!([]));
}

#[test]
fn json_for_several_files_is_an_array_in_order() {
    let dir = tempdir();
    std::fs::write(dir.path().join("a.txt"), POLICY).unwrap();
    std::fs::write(
        dir.path().join("b.html"),
        "<h1>Terms</h1><p>Use it well.</p>",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["policy", "check", "a.txt", "b.html", "--format", "json"],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let reports = v.as_array().expect("several files give an array");
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["file"], "a.txt");
    assert_eq!(reports[1]["file"], "b.html");
    let naming = reports[0]["naming"].as_array().unwrap();
    assert_eq!(
        naming.len(),
        1,
        "only the app name, not the medicare.gov address"
    );
    assert_eq!(naming[0]["term"], "Blue Button");
    assert_eq!(naming[0]["text"], "Our Blue Button app shows your claims.");
    let start = naming[0]["start"].as_u64().unwrap() as usize;
    let end = naming[0]["end"].as_u64().unwrap() as usize;
    let chars: Vec<char> = POLICY.trim().chars().collect();
    assert_eq!(
        chars[start..end].iter().collect::<String>(),
        naming[0]["text"]
    );
}

#[test]
fn text_format_is_readable_with_every_part() {
    let dir = tempdir();
    std::fs::write(dir.path().join("a.txt"), POLICY).unwrap();
    let out = run(dir.path(), &["policy", "check", "a.txt"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("a.txt (text): "), "{text}");
    assert!(text.contains("Readability (advisory): grade "), "{text}");
    assert!(text.contains("Checklist"), "{text}");
    assert!(!text.contains("not run"), "{text}");
    assert!(text.contains("Naming: 1 use(s) to fix"), "{text}");
    assert!(text.contains("Blue Button ["), "{text}");
    assert!(text.contains("Contradictions"), "{text}");
}

#[test]
fn html_format_is_one_escaped_self_contained_page() {
    let dir = tempdir();
    std::fs::write(dir.path().join("a.txt"), POLICY).unwrap();
    let pdf = copy_in(dir.path(), "text.pdf");
    let out = run(
        dir.path(),
        &["policy", "check", "a.txt", &pdf, "--format", "html"],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
    assert_eq!(page.matches("<section>").count(), 2);
    assert!(!page.contains("<script"), "policy text must be escaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !page.contains("src=") && !page.contains("href="),
        "self-contained"
    );
    assert!(!page.contains("not run"), "every part ran");
}

#[test]
fn bad_files_are_reported_one_by_one_and_the_others_still_checked() {
    let dir = tempdir();
    std::fs::write(dir.path().join("good.txt"), POLICY).unwrap();
    let scan = copy_in(dir.path(), "image-only.pdf");
    std::fs::write(
        dir.path().join("garbage.pdf"),
        [0x13u8, 0x37, 0, 255, 42].repeat(100),
    )
    .unwrap();
    let mut cut = std::fs::read(fixture("policy-20-pages.pdf")).unwrap();
    cut.truncate(300);
    std::fs::write(dir.path().join("cut.pdf"), cut).unwrap();
    let out = run(
        dir.path(),
        &[
            "policy",
            "check",
            "good.txt",
            &scan,
            "garbage.pdf",
            "missing.pdf",
            "cut.pdf",
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let reports = v.as_array().unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["file"], "good.txt");
    let errors = error_lines(&out);
    assert_eq!(errors.len(), 5, "{}", stderr(&out));
    assert_eq!(
        errors[0],
        "error: image-only.pdf: no text found (is it a scan?)"
    );
    assert!(
        errors[1].starts_with("error: garbage.pdf: not a readable PDF"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].starts_with("error: missing.pdf: cannot open it"),
        "{}",
        errors[2]
    );
    assert!(
        errors[3].starts_with("error: cut.pdf: not a readable PDF"),
        "{}",
        errors[3]
    );
    assert_eq!(
        errors[4],
        "error: 4 of 5 file(s) could not be checked (reasons above)"
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn a_single_bad_file_prints_no_report() {
    let dir = tempdir();
    let scan = copy_in(dir.path(), "image-only.pdf");
    let out = run(
        dir.path(),
        &["policy", "check", &scan, "--format", "json"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let out = run(
        dir.path(),
        &["policy", "check", "--format", "xml", &scan],
        "",
    );
    assert_one_line_failure(&out, 2, &["xml"]);
    let out = run(dir.path(), &["policy", "check", "--help"], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--format"));
}

/// One engine in three places: the CLI's JSON and the portal's self-service page agree on
/// every checklist verdict, the counts and the grade range for the same file (the review
/// console and the developer's page are compared with the self-service page in
/// crates/testkit/tests/it/access_requests.rs).
#[tokio::test]
async fn the_cli_and_the_portal_give_the_same_report() {
    let app = bb_testkit::spawn_app().await;
    let browser = app.browser();
    app.signed_in_developer(
        &browser,
        &bb_testkit::portal::Developer::new("cli-policy@example.org"),
    )
    .await;
    let (_, csrf) = app.form_page(&browser, "/v2/accounts/policy-check").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .part(
            "file",
            reqwest::multipart::Part::bytes(std::fs::read(fixture("text.pdf")).unwrap())
                .file_name("text.pdf"),
        );
    let r = browser
        .post(app.url("/v2/accounts/policy-check"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();

    let dir = tempdir();
    let pdf = copy_in(dir.path(), "text.pdf");
    let out = run(
        dir.path(),
        &["policy", "check", &pdf, "--format", "json"],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let cli: Vec<(String, String)> = v["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                i["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(cli.len(), 15);
    let (rows, _) = bb_testkit::portal::report_summary(&html);
    assert_eq!(cli, rows, "{html}");
    let grade = &v["readability"]["grade_range"];
    let line = format!(
        "{} words, {} sentences; reading grade {:.1}–{:.1}.",
        v["words"],
        v["sentences"],
        grade[0].as_f64().unwrap(),
        grade[1].as_f64().unwrap()
    );
    assert!(html.contains(&line), "{line} not in {html}");
}
