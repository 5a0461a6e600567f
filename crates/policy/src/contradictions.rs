//! Contradictions on sale, sharing and retention, inside a policy and between the policy and
//! the production-access form's answers (PolicyLint-style, sentence level).
//!
//! Each sentence about a topic becomes a [`Statement`] with a polarity (a negator — "not",
//! "never", "no one", "n't" — before the verb, or "with no one" after it) and its qualifiers.
//! Two statements contradict when one affirms what the other denies, unless:
//! - the denial carries an exception ("except", "unless", "other than", "save as", "without
//!   your permission") whose kind — legal, consent, service providers, de-identified — covers
//!   the affirmation ("we do not sell, except as required by law" vs "we may disclose to comply
//!   with a subpoena" is consistent);
//! - the denial is about personal or identifiable data and the affirmation about
//!   de-identified, aggregated or anonymized data;
//! - the denial is limited to a purpose ("for their own marketing") the affirmation lacks;
//! - the affirmation is compelled by law, done at the user's request or with their
//!   permission, or goes only to service providers working for the company (not third-party
//!   sharing, as in OPP-115 and HIPAA's business associates).
//!
//! Retention: a statement deleting data when the user leaves (closes the account,
//! disconnects, revokes, withdraws; "within N days" counted) contradicts a statement keeping
//! data for a longer fixed period or indefinitely, unless the keeping is conditioned on the
//! account being active ("while", "as long as you use") or qualified (law, record-keeping,
//! backups, de-identified). Deletion on request does not contradict a default period.
//!
//! A form contradiction's `a` is the form's answer as text — "Request form: …" — with
//! `start == end == 0` (no passage of the policy); [`is_form_evidence`] tells them apart.

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::segment::{Doc, evidence};
pub use crate::types::{Contradiction, Evidence};

/// What the request form says the app does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormAnswers {
    /// The app shares enrollees' data with third parties.
    pub shares_with_third_parties: bool,
    /// The app sells enrollees' data.
    pub sells_data: bool,
    /// How long the app keeps enrollees' data, when the form says.
    pub retention: Option<FormRetention>,
}

/// The form's retention answer (the Model Privacy Notice's "deactivation" choices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "months")]
pub enum FormRetention {
    /// Deleted when the enrollee disconnects the app or closes the account.
    DeletedOnExit,
    /// Kept at most this many months.
    Months(u32),
    /// Kept indefinitely.
    Indefinitely,
}

impl FormRetention {
    /// The answer in words.
    pub fn describe(self) -> String {
        match self {
            FormRetention::DeletedOnExit => {
                "data is deleted when the enrollee disconnects the app or closes the account".into()
            }
            FormRetention::Months(m) => format!("data is kept at most {m} months"),
            FormRetention::Indefinitely => "data is kept indefinitely".into(),
        }
    }
}

/// The prefix of a form answer's evidence text.
pub const FORM_PREFIX: &str = "Request form: ";

/// Whether `e` is a form answer rather than a passage of the policy.
pub fn is_form_evidence(e: &Evidence) -> bool {
    e.start == 0 && e.end == 0 && e.text.starts_with(FORM_PREFIX)
}

fn form_evidence(answer: &str) -> Evidence {
    Evidence {
        text: format!("{FORM_PREFIX}{answer}"),
        start: 0,
        end: 0,
    }
}

/// The topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Topic {
    Sale,
    Sharing,
}

/// Why a statement's exception or scope matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Kinds {
    legal: bool,
    consent: bool,
    providers: bool,
    deidentified: bool,
}

/// A sale or sharing statement.
#[derive(Debug, Clone)]
struct Statement {
    pub topic: Topic,
    pub negative: bool,
    pub start: usize,
    pub end: usize,
    /// Affirmation: what it is about. Denial: the exceptions it names.
    kinds: Kinds,
    personal_only: bool,
    purpose_scoped: bool,
    ads: bool,
    only_providers: bool,
}

fn re(p: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(p).case_insensitive(true).build()
}

struct Patterns {
    sale: Regex,
    company_sale: Regex,
    share: Regex,
    recipient: Regex,
    negator: Regex,
    with_no_one: Regex,
    exception: Regex,
    legal: Regex,
    consent: Regex,
    providers: Regex,
    deid: Regex,
    personal: Regex,
    purpose: Regex,
    ads: Regex,
    delete_on_exit: Regex,
    keep: Regex,
    conditioned: Regex,
    qualified: Regex,
    period: Regex,
    forever: Regex,
    keep_nothing: Regex,
}

static P: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(|| {
    Ok(Patterns {
        sale: re(r"\b(sell|sells|selling|sold|rent|rents)\b")?,
        company_sale: re(
            r"\b(merger|acquisition|acquired|bankrupt\w*|business transfers?|assets|company is sold|is sold to|bought by|new owner)\b",
        )?,
        share: re(
            r"\b(share|shares|shared|sharing|give|gives|disclose|discloses|disclosed|send|sends|transfer|transfers|provide|provides)\b",
        )?,
        recipient: re(
            r"\b(third[- ]part(y|ies)|advertisers|partners|researchers|other companies|anyone|no one|nobody|brokers|affiliates|service providers|vendors|contractors|pharmacy|price service|doctor|insurers|employers|drug makers|other apps|outside)\b",
        )?,
        negator: re(r"\b(not|never|no|cannot|nor)\b|n't\b")?,
        with_no_one: re(r"\bwith (no one|nobody|no third part(y|ies))\b")?,
        exception: re(r"\b(except|unless|other than|save as|apart from|without your)\b")?,
        legal: re(r"\b(law|legal|subpoena|court|regulation|comply|compliance|rights or safety)\b")?,
        consent: re(
            r"\b(consent|permission|you (ask|tell|direct|choose|request|opt in)|your (request|direction|instruction)|at your)\b",
        )?,
        providers: re(
            r"\b(service providers?|vendors?|contractors?|processors?|on our behalf|who works? for)\b",
        )?,
        deid: re(r"\b(de-?identified|aggregated?|anonymi[sz]ed|pseudonymi[sz]ed|statistics)\b")?,
        personal: re(r"\b(personal|identifiable|personally|your name|contact details)\b")?,
        purpose: re(
            r"\bfor (their|its|his|her) own\b|\bfor (advertising|marketing)( purposes)?\b",
        )?,
        ads: re(r"\b(advertis\w*|marketing)\b")?,
        delete_on_exit: re(
            r"\b(when|if|after|once|as soon as)\b[^.\n]{0,40}\b(close|closes|cancel|cancels|delete|deletes|disconnect|disconnects|revoke|revokes|withdraw|withdraws|unlink|unlinks|leave|stop using)\b[^.\n]{0,80}\b(delete|deletes|erase|erases|remove|removes|destroy|purge)\b|\b(delete|deletes|erase|erases|remove|removes|destroy)\b[^.\n]{0,60}\b(when|if|after|once)\b[^.\n]{0,30}\b(close|closes|cancel|disconnect|disconnects|revoke|revokes|withdraw|withdraws|unlink|unlinks|leave)\b",
        )?,
        keep: re(r"\b(keep|keeps|kept|retain|retains|retained|store|stores|stored|hold|holds)\b")?,
        conditioned: re(r"\b(while|as long as (you|your)|duration of|until you)\b")?,
        qualified: re(
            r"\b(law|legal|record-keeping|compliance|backups?|de-?identified|aggregated|anonymi[sz]ed)\b",
        )?,
        period: re(
            r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty|sixty|ninety)\s*(\(\d+\)\s*)?(days?|weeks?|months?|years?)\b",
        )?,
        forever: re(r"\b(indefinitely|forever|permanently)\b")?,
        keep_nothing: re(
            r"\bwe (do not|don't|will not|won't|never) (keep|retain|store)\b|\bwe keep nothing\b|\bwill not be retained\b",
        )?,
    })
});

/// The compiled patterns; `None` only if one of the constants does not compile (a test
/// checks they all do).
fn patterns() -> Option<&'static Patterns> {
    P.as_ref().ok()
}

fn number(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    w.parse().ok().or(match w.as_str() {
        "one" => Some(1),
        "two" => Some(2),
        "three" => Some(3),
        "four" => Some(4),
        "five" => Some(5),
        "six" => Some(6),
        "seven" => Some(7),
        "eight" => Some(8),
        "nine" => Some(9),
        "ten" => Some(10),
        "twelve" => Some(12),
        "thirty" => Some(30),
        "sixty" => Some(60),
        "ninety" => Some(90),
        _ => None,
    })
}

/// The first period in `s`, in days.
fn period_days(p: &Patterns, s: &str) -> Option<u32> {
    let c = p.period.captures(s)?;
    let n = number(c.get(1)?.as_str())?;
    let unit = c.get(3)?.as_str().to_ascii_lowercase();
    let per = if unit.starts_with("day") {
        1
    } else if unit.starts_with("week") {
        7
    } else if unit.starts_with("month") {
        30
    } else {
        // A year of twelve 30-day months, so that "5 years" equals the form's 60 months.
        360
    };
    Some(n.saturating_mul(per))
}

fn negated_before(p: &Patterns, sentence: &str, verb_at: usize) -> bool {
    // The clause before the verb: back to the last comma, semicolon or "and"/"but".
    let before = &sentence[..verb_at];
    let clause_start = before.rfind([',', ';', ':']).map_or(0, |i| i + 1);
    let clause = &before[clause_start..];
    let words: Vec<&str> = clause.split_whitespace().collect();
    let tail = words[words.len().saturating_sub(4)..].join(" ");
    p.negator.is_match(&tail) || clause.to_ascii_lowercase().starts_with("nobody")
}

fn kinds(p: &Patterns, s: &str) -> Kinds {
    Kinds {
        legal: p.legal.is_match(s),
        consent: p.consent.is_match(s),
        providers: p.providers.is_match(s),
        deidentified: p.deid.is_match(s),
    }
}

/// The sale and sharing statements of `doc`.
fn statements(p: &Patterns, doc: &Doc<'_>) -> Vec<Statement> {
    let mut out = Vec::new();
    for s in &doc.sentences {
        let sentence = &doc.text[s.start..s.end];
        for (topic, verb) in [(Topic::Sale, &p.sale), (Topic::Sharing, &p.share)] {
            let Some(m) = verb.find(sentence) else {
                continue;
            };
            if topic == Topic::Sale && p.company_sale.is_match(sentence) {
                continue;
            }
            if topic == Topic::Sharing && !p.recipient.is_match(sentence) {
                continue;
            }
            let negative =
                negated_before(p, sentence, m.start()) || p.with_no_one.is_match(sentence);
            let after_exception = p.exception.find(sentence).map(|e| &sentence[e.start()..]);
            let k = match (negative, after_exception) {
                (true, Some(rest)) => kinds(p, rest),
                (true, None) => Kinds::default(),
                (false, _) => kinds(p, sentence),
            };
            let recipients_other_than_providers = {
                let masked = p.providers.replace_all(sentence, "");
                p.recipient.is_match(&masked)
            };
            out.push(Statement {
                topic,
                negative,
                start: s.start,
                end: s.end,
                kinds: k,
                personal_only: p.personal.is_match(sentence) && !p.deid.is_match(sentence),
                purpose_scoped: p.purpose.is_match(sentence),
                ads: p.ads.is_match(sentence),
                only_providers: p.providers.is_match(sentence) && !recipients_other_than_providers,
            });
        }
    }
    out
}

impl Statement {
    /// An affirmation that is not third-party sharing or sale of the company's own choosing.
    fn excused(&self) -> bool {
        !self.negative && (self.kinds.legal || self.kinds.consent || self.only_providers)
    }
}

fn conflict(neg: &Statement, pos: &Statement) -> bool {
    if neg.topic != pos.topic || !neg.negative || pos.negative || pos.excused() {
        return false;
    }
    let e = neg.kinds;
    let p = pos.kinds;
    if (e.legal && p.legal) || (e.consent && p.consent) || (e.deidentified && p.deidentified) {
        return false;
    }
    if neg.personal_only && p.deidentified {
        return false;
    }
    if neg.purpose_scoped && !pos.ads {
        return false;
    }
    if neg.ads && !neg.purpose_scoped && !pos.ads && neg.topic == Topic::Sharing {
        // "We never share your claims with advertisers" says nothing about other recipients.
        return false;
    }
    true
}

fn topic_name(t: Topic) -> &'static str {
    match t {
        Topic::Sale => "sale",
        Topic::Sharing => "sharing",
    }
}

struct Keeping {
    start: usize,
    end: usize,
    days: Option<u32>,
}

/// (deletions on exit with their delay in days, unconditional keep periods).
fn retention(p: &Patterns, doc: &Doc<'_>) -> (Vec<Keeping>, Vec<Keeping>) {
    let (mut deletes, mut keeps) = (Vec::new(), Vec::new());
    for s in &doc.sentences {
        let sentence = &doc.text[s.start..s.end];
        if p.delete_on_exit.is_match(sentence) {
            deletes.push(Keeping {
                start: s.start,
                end: s.end,
                days: Some(period_days(p, sentence).unwrap_or(0)),
            });
        } else if p.keep_nothing.is_match(sentence) {
            deletes.push(Keeping {
                start: s.start,
                end: s.end,
                days: Some(0),
            });
        } else if p.keep.is_match(sentence)
            && !p.conditioned.is_match(sentence)
            && !p.qualified.is_match(sentence)
        {
            let days = if p.forever.is_match(sentence) {
                None
            } else {
                period_days(p, sentence)
            };
            if days.is_some() || p.forever.is_match(sentence) {
                keeps.push(Keeping {
                    start: s.start,
                    end: s.end,
                    days,
                });
            }
        }
    }
    (deletes, keeps)
}

fn longer(keep: &Keeping, than_days: u32) -> bool {
    keep.days.is_none_or(|d| d > than_days)
}

/// The contradictions inside the policy `text`, each pair once, in text order.
pub fn within(text: &str) -> Vec<Contradiction> {
    let Some(p) = patterns() else {
        return Vec::new();
    };
    let doc = Doc::new(text);
    let mut out = Vec::new();
    let st = statements(p, &doc);
    for a in &st {
        for b in &st {
            if a.start < b.start || (a.start == b.start && a.topic != b.topic) {
                let pair = (conflict(a, b) || conflict(b, a)) && a.start != b.start;
                if pair {
                    out.push(Contradiction {
                        a: evidence(text, a.start, a.end),
                        b: evidence(text, b.start, b.end),
                        topic: topic_name(a.topic).into(),
                    });
                }
            }
        }
    }
    let (deletes, keeps) = retention(p, &doc);
    for d in &deletes {
        for k in &keeps {
            if longer(k, d.days.unwrap_or(0)) && d.start != k.start {
                let (x, y) = if d.start < k.start { (d, k) } else { (k, d) };
                out.push(Contradiction {
                    a: evidence(text, x.start, x.end),
                    b: evidence(text, y.start, y.end),
                    topic: "retention".into(),
                });
            }
        }
    }
    out.sort_by_key(|c| (c.a.start, c.b.start));
    out.dedup();
    out
}

/// The contradictions between the form's answers and the policy `text`.
pub fn against_form(text: &str, form: &FormAnswers) -> Vec<Contradiction> {
    let Some(p) = patterns() else {
        return Vec::new();
    };
    let doc = Doc::new(text);
    let st = statements(p, &doc);
    let mut out = Vec::new();
    let mut push = |answer: &str, start: usize, end: usize, topic: &str| {
        out.push(Contradiction {
            a: form_evidence(answer),
            b: evidence(text, start, end),
            topic: topic.into(),
        });
    };
    for (topic, says_yes, yes, no) in [
        (
            Topic::Sharing,
            form.shares_with_third_parties,
            "the app shares data with third parties",
            "the app does not share data with third parties",
        ),
        (
            Topic::Sale,
            form.sells_data,
            "the app sells data",
            "the app does not sell data",
        ),
    ] {
        let of_topic: Vec<&Statement> = st.iter().filter(|s| s.topic == topic).collect();
        if says_yes {
            if of_topic.iter().all(|s| s.negative) {
                for s in of_topic
                    .iter()
                    .filter(|s| s.kinds == Kinds::default() && !s.purpose_scoped)
                {
                    push(yes, s.start, s.end, topic_name(topic));
                }
            }
        } else {
            for s in of_topic.iter().filter(|s| !s.negative && !s.excused()) {
                push(no, s.start, s.end, topic_name(topic));
            }
        }
    }
    if let Some(r) = form.retention {
        let (deletes, keeps) = retention(p, &doc);
        let answer = r.describe();
        match r {
            FormRetention::DeletedOnExit => {
                for k in &keeps {
                    push(&answer, k.start, k.end, "retention");
                }
            }
            FormRetention::Months(m) => {
                for k in keeps.iter().filter(|k| longer(k, m.saturating_mul(30))) {
                    push(&answer, k.start, k.end, "retention");
                }
            }
            FormRetention::Indefinitely => {
                for d in &deletes {
                    push(&answer, d.start, d.end, "retention");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(text: &str) -> Vec<(String, String, String)> {
        within(text)
            .into_iter()
            .map(|c| (c.topic, c.a.text, c.b.text))
            .collect()
    }

    #[test]
    fn patterns_compile() {
        assert!(P.as_ref().is_ok(), "{:?}", P.as_ref().err());
    }

    #[test]
    fn sale_denied_then_affirmed_is_a_contradiction() {
        let t = "We never sell your data. We may sell aggregated data to partners.";
        assert_eq!(
            topics(t),
            [(
                "sale".into(),
                "We never sell your data.".into(),
                "We may sell aggregated data to partners.".into()
            )]
        );
    }

    #[test]
    fn personal_denial_and_aggregated_affirmation_are_consistent() {
        let t = "We never sell your personal information. We sell aggregated statistics to drug makers.";
        assert!(within(t).is_empty());
    }

    #[test]
    fn exception_for_law_is_consistent_with_legal_disclosure() {
        let t = "We do not share your data with third parties, except as required by law. We may disclose your data to law enforcement when a court orders us to.";
        assert!(within(t).is_empty());
        let t = "We do not sell your data, except as required by law. We sell your claims to advertisers.";
        assert_eq!(within(t).len(), 1);
    }

    #[test]
    fn sharing_denied_then_affirmed() {
        let t = "We do not share your data with anyone. We share your prescriptions with advertisers to show you offers.";
        assert_eq!(topics(t).len(), 1);
        assert_eq!(topics(t)[0].0, "sharing");
        let t = "We share your data with no one. If you ask us to send a report to your doctor, we send it.";
        assert!(
            within(t).is_empty(),
            "user-directed sending is not third-party sharing"
        );
        let t = "We do not share your data with third parties. We share crash reports with our service providers, who are bound by contract.";
        assert!(
            within(t).is_empty(),
            "service providers are not third parties"
        );
        let t = "We never share your claims with advertisers. We share your drug list with the pharmacy price service you choose.";
        assert!(
            within(t).is_empty(),
            "a denial about advertisers says nothing else"
        );
    }

    #[test]
    fn company_sale_is_not_data_sale() {
        let t = "We do not sell your data. If the company is acquired, your data may be transferred to the new owner.";
        assert!(within(t).is_empty());
    }

    #[test]
    fn retention_delete_on_close_vs_seven_years() {
        let t = "We delete your data when you close your account. We keep your data for 7 years.";
        assert_eq!(
            topics(t),
            [(
                "retention".into(),
                "We delete your data when you close your account.".into(),
                "We keep your data for 7 years.".into()
            )]
        );
        let ok = "We keep your data while your account is open. When you close your account, we delete your data within 30 days.";
        assert!(within(ok).is_empty());
        let ok = "We retain claims for 3 years. You can ask us to delete your data at any time.";
        assert!(within(ok).is_empty(), "deletion on request is consistent");
        let ok = "When you close your account we delete your data within 30 days. We keep billing records for 7 years as required by law.";
        assert!(within(ok).is_empty(), "a legal hold is a qualified keep");
    }

    #[test]
    fn form_says_no_sharing_but_policy_shares() {
        let t = "We share your step counts with our research partners.";
        let form = FormAnswers {
            shares_with_third_parties: false,
            sells_data: false,
            retention: None,
        };
        let c = against_form(t, &form);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].topic, "sharing");
        assert!(is_form_evidence(&c[0].a));
        assert_eq!(c[0].b.text, t);
        let yes = FormAnswers {
            shares_with_third_parties: true,
            ..form.clone()
        };
        assert!(against_form(t, &yes).is_empty());
        let denial = "We do not share your data with anyone.";
        assert_eq!(against_form(denial, &yes).len(), 1);
        assert!(against_form(denial, &form).is_empty());
    }

    #[test]
    fn form_sale_and_retention() {
        let t = "We sell aggregated reports to drug makers. We store your data for 5 years.";
        let form = FormAnswers {
            shares_with_third_parties: true,
            sells_data: false,
            retention: Some(FormRetention::Months(13)),
        };
        let c = against_form(t, &form);
        let got: Vec<&str> = c.iter().map(|c| c.topic.as_str()).collect();
        assert_eq!(got, ["sale", "retention"]);
        let form = FormAnswers {
            sells_data: true,
            retention: Some(FormRetention::Months(60)),
            ..form
        };
        assert!(against_form(t, &form).is_empty());
        let form = FormAnswers {
            retention: Some(FormRetention::DeletedOnExit),
            ..form
        };
        assert_eq!(against_form(t, &form).len(), 1);
    }

    #[test]
    fn form_retention_serde_shape() {
        let j = serde_json::to_string(&FormRetention::Months(13)).unwrap_or_default();
        assert_eq!(j, r#"{"kind":"months","months":13}"#);
    }

    #[test]
    fn offsets_are_characters() {
        let t = "Café policy. We never sell your data. We sell your data to brokers.";
        for c in within(t) {
            for e in [c.a, c.b] {
                let s: String = t.chars().skip(e.start).take(e.end - e.start).collect();
                assert_eq!(s, e.text);
            }
        }
    }
}

/// The engine's finder of contradictions inside one policy ([`within`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct WithinPolicy;

impl crate::ContradictionFinder for WithinPolicy {
    fn find(&self, doc: &crate::Document) -> Vec<Contradiction> {
        within(doc.text())
    }
}
