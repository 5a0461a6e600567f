//! The labelled calibration set: every policy of `tests/corpus/` classified and compared with
//! `labels.toml`; the targets asserted (at least 90 % of verdicts right, every
//! "missing" item found missing) on the tuning and the held-out policies separately; the
//! per-item precision/recall table kept equal to the one in `docs/design/policy-checklist.md`
//! (regenerate: `BB_POLICY_WRITE_TABLE=1 cargo test -p bb-policy --test corpus`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bb_policy::checklist::{IDS, RuleClassifier, TextClassifier, Verdict};

#[derive(serde::Deserialize)]
struct Labels {
    policy: BTreeMap<String, BTreeMap<String, toml::Value>>,
}

struct Case {
    name: String,
    heldout: bool,
    truth: Vec<Verdict>,
    got: Vec<Verdict>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn parse_verdict(v: &str) -> Verdict {
    match v {
        "found" => Verdict::Found,
        "unclear" => Verdict::Unclear,
        "missing" => Verdict::Missing,
        other => panic!("bad label {other}"),
    }
}

fn run() -> Vec<Case> {
    let dir = corpus_dir();
    let labels: Labels =
        toml::from_str(&std::fs::read_to_string(dir.join("labels.toml")).unwrap()).unwrap();
    let classifier = RuleClassifier::new().unwrap();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        labels.policy.len(),
        "every policy has labels and vice versa"
    );
    let mut cases = Vec::new();
    for file in files {
        let name = file.trim_end_matches(".txt").to_owned();
        let label = labels
            .policy
            .get(&name)
            .unwrap_or_else(|| panic!("no labels for {name}"));
        let text = std::fs::read_to_string(dir.join(&file)).unwrap();
        let items = classifier.classify(&text);
        assert_eq!(items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), IDS);
        for item in &items {
            for ev in &item.evidence {
                let chars: String = text
                    .chars()
                    .skip(ev.start)
                    .take(ev.end - ev.start)
                    .collect();
                assert_eq!(chars, ev.text, "{name} {}: evidence offsets", item.id);
            }
            assert!(item.evidence.len() <= 3);
            assert_eq!(item.evidence.is_empty(), item.verdict == Verdict::Missing);
        }
        let truth = IDS
            .iter()
            .map(|id| parse_verdict(label[*id].as_str().unwrap_or_else(|| panic!("{name} {id}"))))
            .collect();
        let heldout = label
            .get("heldout")
            .and_then(toml::Value::as_bool)
            .unwrap_or(false);
        cases.push(Case {
            name,
            heldout,
            truth,
            got: items.iter().map(|i| i.verdict).collect(),
        });
    }
    cases
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "–".into()
    } else {
        format!("{:.0} %", 100.0 * n as f64 / d as f64)
    }
}

struct Totals {
    right: usize,
    all: usize,
    missing: usize,
    missing_found: usize,
}

fn totals<'a>(cases: impl Iterator<Item = &'a Case>) -> Totals {
    let mut t = Totals {
        right: 0,
        all: 0,
        missing: 0,
        missing_found: 0,
    };
    for c in cases {
        for (truth, got) in c.truth.iter().zip(&c.got) {
            t.all += 1;
            t.right += usize::from(truth == got);
            if *truth == Verdict::Missing {
                t.missing += 1;
                t.missing_found += usize::from(*got == Verdict::Missing);
            }
        }
    }
    t
}

fn table(cases: &[Case]) -> String {
    let mut out = String::from(
        "| item | right | found P | found R | unclear P | unclear R | missing P | missing R |\n|---|---|---|---|---|---|---|---|\n",
    );
    for (k, id) in IDS.iter().enumerate() {
        let mut right = 0;
        let mut cells = Vec::new();
        for class in [Verdict::Found, Verdict::Unclear, Verdict::Missing] {
            let (mut tp, mut predicted, mut actual) = (0, 0, 0);
            for c in cases {
                let (t, g) = (c.truth[k], c.got[k]);
                tp += usize::from(t == class && g == class);
                predicted += usize::from(g == class);
                actual += usize::from(t == class);
            }
            right += tp;
            cells.push(format!("{} ({tp}/{predicted})", pct(tp, predicted)));
            cells.push(format!("{} ({tp}/{actual})", pct(tp, actual)));
        }
        out.push_str(&format!(
            "| `{id}` | {right}/{} | {} |\n",
            cases.len(),
            cells.join(" | ")
        ));
    }
    let tune = totals(cases.iter().filter(|c| !c.heldout));
    let held = totals(cases.iter().filter(|c| c.heldout));
    let all = totals(cases.iter());
    let n_tune = cases.iter().filter(|c| !c.heldout).count();
    out.push_str(&format!(
        "\nTuning set ({n_tune} policies): {}/{} verdicts right ({}), missing recall {}/{}.\n",
        tune.right,
        tune.all,
        pct(tune.right, tune.all),
        tune.missing_found,
        tune.missing
    ));
    out.push_str(&format!(
        "Held-out set ({} policies, written after tuning): {}/{} verdicts right ({}), missing recall {}/{}.\n",
        cases.len() - n_tune, held.right, held.all, pct(held.right, held.all), held.missing_found, held.missing
    ));
    out.push_str(&format!(
        "All: {}/{} ({}), missing recall {}/{}.\n",
        all.right,
        all.all,
        pct(all.right, all.all),
        all.missing_found,
        all.missing
    ));
    out
}

fn report_errors(cases: &[Case]) -> String {
    let mut out = String::new();
    for c in cases {
        for (k, id) in IDS.iter().enumerate() {
            if c.truth[k] != c.got[k] {
                out.push_str(&format!(
                    "{}{} {id}: labelled {:?}, got {:?}\n",
                    c.name,
                    if c.heldout { " (held out)" } else { "" },
                    c.truth[k],
                    c.got[k]
                ));
            }
        }
    }
    out
}

#[test]
fn labelled_set_meets_the_targets_and_the_doc_table_is_current() {
    let cases = run();
    assert!(cases.len() >= 12, "at least 12 labelled policies");
    let errors = report_errors(&cases);
    eprintln!("{errors}");
    let generated = table(&cases);
    eprintln!("{generated}");
    let doc_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/design/policy-checklist.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let (begin, end) = ("<!-- table:begin -->\n", "<!-- table:end -->");
    let a = doc.find(begin).expect("table markers") + begin.len();
    let b = doc.find(end).expect("table markers");
    if std::env::var_os("BB_POLICY_WRITE_TABLE").is_some() {
        let updated = format!("{}{generated}{}", &doc[..a], &doc[b..]);
        std::fs::write(&doc_path, updated).unwrap();
    } else {
        assert_eq!(
            doc[a..b],
            generated,
            "docs/design/policy-checklist.md's table is stale: BB_POLICY_WRITE_TABLE=1 cargo test -p bb-policy --test corpus"
        );
    }
    for (set, heldout) in [("tuning", false), ("held-out", true)] {
        let t = totals(cases.iter().filter(|c| c.heldout == heldout));
        if t.all == 0 {
            continue;
        }
        assert!(
            t.right * 10 >= t.all * 9,
            "{set}: {}/{} right\n{errors}",
            t.right,
            t.all
        );
        assert_eq!(
            t.missing_found, t.missing,
            "{set}: every missing item found\n{errors}"
        );
    }
}

#[test]
fn a_twenty_page_policy_gets_every_item_in_order() {
    // About 20 pages (~10,000 words): every corpus policy, repeated.
    let dir = corpus_dir();
    let mut one = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            one.push_str(&std::fs::read_to_string(path).unwrap());
            one.push_str("\n\n");
        }
    }
    let mut text = String::new();
    while text.split_whitespace().count() < 10_000 {
        text.push_str(&one);
    }
    // Timing is measured by `cargo xtask bench policy`, not asserted here.
    let classifier = RuleClassifier::new().unwrap();
    let items = classifier.classify(&text);
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, bb_policy::checklist::IDS.to_vec());
    let chars = text.chars().count();
    for item in &items {
        for e in &item.evidence {
            assert!(e.start < e.end && e.end <= chars, "{item:?}");
        }
    }
}
