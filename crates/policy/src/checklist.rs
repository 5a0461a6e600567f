//! Checklist coverage: for each of the contract's 15 ids a verdict found / unclear / missing
//! with up to three evidence passages, behind [`TextClassifier`] so that a learned
//! classifier can replace the rules later.
//!
//! The ids map one to one onto the seed's privacy-policy checklist
//! (`production-access-user-guide.md`, "Privacy policy checklist"); each item's text is
//! quoted on its rule below. [`RuleClassifier`] scores every sentence per item with weighted
//! cue patterns, masks false friends first, adds co-occurrence bonuses (in the sentence or its
//! paragraph) and a heading bonus, and caps at "unclear" what names the topic without stating
//! the practice. A negated statement ("we do not sell", "will not be retained") addresses the
//! item like a positive one. Details and the calibration table: `docs/design/policy-checklist.md`.

use std::fmt;

use regex::{Regex, RegexBuilder};

use crate::segment::{Doc, Kind};
pub use crate::types::{ChecklistItem, Evidence, Verdict};

/// The contract's checklist ids, in the contract's order.
pub const IDS: [&str; 15] = [
    "collection",
    "consent",
    "disclosure",
    "access",
    "security",
    "retention_deletion",
    "sharing",
    "sharing_duration",
    "deidentified",
    "revocation",
    "dormant_accounts",
    "policy_changes",
    "vendors",
    "breach",
    "sale_of_company",
];

/// Anything that turns a policy's text into the 15 checklist items, one per id of [`IDS`] in
/// that order, with evidence offsets in characters of `text`.
pub trait TextClassifier {
    /// Classifies `text`.
    fn classify(&self, text: &str) -> Vec<ChecklistItem>;
}

/// Most evidence passages per item.
pub const MAX_EVIDENCE: usize = 3;

/// Where a co-occurrence bonus looks for its second pattern.
#[derive(Clone, Copy)]
enum Scope {
    Sentence,
    Paragraph,
}

/// One item's rules, written as data.
struct Rule {
    id: &'static str,
    /// Heading text that marks a section about the item.
    heading: &'static str,
    /// False friends, blanked before this item's cues are matched.
    masks: &'static [&'static str],
    /// (name, pattern, weight): weight 2 or 3 names the topic, 1 is context only.
    cues: &'static [(&'static str, &'static str, u8)],
    /// (cue in the sentence, cue in the sentence or paragraph, bonus).
    combos: &'static [(&'static str, &'static str, u8, Scope)],
    /// Cues one of which (in the sentence or paragraph) a "found" needs: the practice itself.
    require: &'static [&'static str],
    /// Cues that make a sentence vague: it stays "unclear" unless it has a weight-3 cue.
    vague: &'static [&'static str],
}

const NOTIFY: &str = r"\b(notify|notifies|notified|notification|notice|tell you|let you know|inform you|informs you|email you|e-mail you|send you|alert you|communicated to users|users shall be notified|by e-?mail|electronic mail|in the app|through the app)\b";
const FATE: &str = r"\b(delete|deletes|deleted|deleting|erase|erases|erased|remove|removes|removed|destroy|destroyed|purge|purged|keep|keeps|kept|retain|retains|retained|stays?|close it|stop (all )?(updates|downloading|collecting|receiving)|no longer|cannot be recalled)\b";
const PERIOD: &str = r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty|sixty|ninety)\s*(\(\d+\)\s*)?(calendar |business )?(days?|weeks?|months?|years?)\b";

static RULES: &[Rule] = &[
    // "Data collection practice"
    Rule {
        id: "collection",
        heading: r"collect|what we (get|receive)|data we (receive|get)|information (we|you give)",
        masks: &[r"\bcollection agenc\w*", r"\bcollect (payments?|fees?)"],
        cues: &[
            ("collect", r"\bcollect(s|ed|ing|ion)?\b", 2),
            (
                "receive",
                r"\b(receive|receives|get|gets|obtain|obtains|download|downloads|retrieve|retrieves|read|reads|gather|gathers)\b[^.\n]{0,30}\byour\b[^.\n]{0,30}\b(claims|data|information|email|e-mail|name|prescriptions?|coverage|records?)\b",
                3,
            ),
            ("about_you", r"\b(information|data) (about|from) you\b", 2),
            (
                "kinds",
                r"\b(name|e-?mail|address|phone|claims|date of birth|device|usage|diagnos\w+|prescriptions?|coverage|identifiers?)\b",
                1,
            ),
        ],
        combos: &[("collect", "kinds", 1, Scope::Sentence)],
        require: &[],
        vague: &[],
    },
    // "User consent practice"
    Rule {
        id: "consent",
        heading: r"consent|permission|ask first|authori[sz]ation|your choices",
        masks: &[
            r"\bconsent (decree|order)s?\b",
            r"\bprior written consent\b",
        ],
        cues: &[
            ("consent", r"\bconsent(s|ed)?\b", 2),
            (
                "your_permission",
                r"\b(your|express|prior|affirmative|electronic) (permission|consent|authori[sz]ation)\b|\bwith your permission\b",
                3,
            ),
            ("opt_in", r"\bopt[- ]?in\b", 3),
            (
                "asking",
                r"\bwithout (asking|your (ok|okay|approval))\b|\bwe ask (you )?(first|before)\b|\b(ask|asks|asking) (for )?your (permission|consent|approval)\b",
                3,
            ),
            (
                "by_using",
                r"\bby using\b[^.\n]{0,60}\byou (agree|accept|consent)\b",
                2,
            ),
            (
                "agree",
                r"\b(approve|approves|allow|allows|authori[sz]e|authori[sz]es|agree|agrees|say yes|says yes|click allow|sign|signs|accept)\b",
                1,
            ),
            (
                "object",
                r"\b(access|connect|connection|share|sharing|data|consent form|retriev\w*|download\w*)\b",
                1,
            ),
            ("voluntary", r"\bvoluntary\b|\byou (can|may) say no\b", 2),
        ],
        combos: &[("agree", "object", 2, Scope::Sentence)],
        require: &[],
        vague: &["by_using"],
    },
    // "Data disclosure practice"
    Rule {
        id: "disclosure",
        heading: r"disclos|legal (requests|requirements)|law enforcement",
        masks: &[r"\bunauthori[sz]ed (access|disclosure|acquisition|use)\b"],
        cues: &[
            ("disclose", r"\bdisclos(e|es|ed|ing|ure)\b", 2),
            (
                "law",
                r"\b(required|requires|require|compelled) (to )?(by )?(applicable )?law\b|\blaw (otherwise )?requires\b|\bas required by\b",
                2,
            ),
            (
                "legal",
                r"\b(court orders?|subpoenas?|law enforcement|legal process|search warrants?|government (requests?|agenc\w+))\b|\bcourt orders? us\b",
                2,
            ),
            (
                "protect_rights",
                r"\bprotect (the |our )?(rights|safety)\b",
                1,
            ),
        ],
        combos: &[],
        require: &[],
        vague: &[],
    },
    // "Data access practice": the enrollee's access to their own data.
    Rule {
        id: "access",
        heading: r"seeing (and|&) correcting|your (data )?rights|access(ing)? (to )?your (data|information)|see your data|copy of your",
        masks: &[
            r"\baccess(ing)? (to )?(the|our|this) (app|site|website|service|application|servers?|pages?|platform)s?\b",
            r"\b(revoke|revokes|revoking|withdraw\w*|remove|disconnect\w*|turn off|stop)\b[^.\n]{0,40}\baccess\b",
            r"\b(staff|employees?|personnel|team|researchers|providers?|vendors?|only)\b[^.\n]{0,30}\b(can |may )?(access|see|look at|reach)\b",
        ],
        cues: &[
            (
                "copy",
                r"\b(get|obtain|request|receive|download) a copy\b|\bcopy of (your|my|all|everything)\b|\bdownload my data\b",
                3,
            ),
            (
                "you_can",
                r"\b(you can|you may|you have the right to|you are able to|users? (can|may))\b",
                1,
            ),
            (
                "verb",
                r"\b(view|see|look at|access|download|export|review|correct|edit|update)\b",
                1,
            ),
            (
                "object",
                r"\byour (own )?(data|information|records?|personal information|claims)\b|\beverything we (store|hold|have)\b|\bdata we hold\b|\ball your data\b|\bany entry\b|\bcontact details\b",
                1,
            ),
            ("right", r"\bright (to|of) access\b", 3),
        ],
        combos: &[],
        require: &[],
        vague: &[],
    },
    // "Security practice"
    Rule {
        id: "security",
        heading: r"secur|protect|safe|safeguard",
        masks: &[
            r"\bsocial security( (numbers?|administration|benefits|income|cards?))?\b",
            r"\bsecurity (incidents?|breach\w*)\b",
            r"\bbreach of security\b",
            r"\b(homeland|national) security\b",
        ],
        cues: &[
            ("encrypt", r"\bencrypt\w*", 3),
            (
                "controls",
                r"\b(safeguards?|firewalls?|penetration test\w*|two-factor|2fa|multi-factor|access controls?|tls|ssl|https|aes-?\d*)\b",
                3,
            ),
            (
                "protect",
                r"\bprotect(s|ed|ing)?\b[^.\n]{0,30}\b(data|information)\b",
                2,
            ),
            ("secure", r"\bsecur(e|ity|ely)\b", 2),
            (
                "logged",
                r"\b(logged|audited|audits?|monitored|reviewed)\b",
                1,
            ),
            (
                "seriously",
                r"\bseriously\b|\breasonable (efforts|steps)\b",
                1,
            ),
        ],
        combos: &[("secure", "logged", 1, Scope::Sentence)],
        require: &[],
        vague: &["seriously"],
    },
    // "Retention/deletion practice"
    Rule {
        id: "retention_deletion",
        heading: r"retention|how long|keep(ing)? (your )?(data|it)|storage|delet",
        masks: &[],
        cues: &[
            ("retain", r"\bretain(s|ed|ing)?\b|\bretention\b", 2),
            (
                "keep",
                r"\b(keep|keeps|kept|store|stores|stored|hold|holds)\b[^.\n]{0,40}\b(for|until|while|as long as|up to)\b",
                2,
            ),
            (
                "delete",
                r"\b(delete|deletes|deleted|erase|erases|erased|destroy|destroyed|purge|purged|removes everything)\b",
                2,
            ),
            ("period", PERIOD, 1),
            (
                "trigger",
                r"\b(when|if|after|once)\b[^.\n]{0,30}\b(close|closes|delete|deletes|cancel\w*)\b[^.\n]{0,15}\baccount\b|\b(ask|request)\w* us to delete\b|\baccount is (closed|deleted)\b|\bthereafter\b",
                1,
            ),
            (
                "vague",
                r"\bas long as (necessary|needed|we need)\b|\bfor the purposes described\b",
                1,
            ),
        ],
        combos: &[
            ("keep", "period", 1, Scope::Sentence),
            ("retain", "period", 1, Scope::Sentence),
            ("delete", "period", 1, Scope::Sentence),
            ("delete", "trigger", 1, Scope::Sentence),
        ],
        require: &[],
        vague: &["vague"],
    },
    // "If and how data is shared", "What data is shared, and with whom"
    Rule {
        id: "sharing",
        heading: r"shar(e|ing)|who (sees|else sees|we share|gets)",
        masks: &[
            r"\bthird[- ]party cookies\b",
            r"\bshare (this|the|our) app\b",
            r"\b(market|stock) shares?\b",
            r"\bunauthori[sz]ed (access|disclosure|acquisition|use)\b",
            r"\bagree to share\b",
        ],
        cues: &[
            ("share", r"\bshar(e|es|ed|ing)\b", 2),
            (
                "give",
                r"\b(give|gives|given|send|sends|transfer|transfers|provide|provides|hand)\b[^.\n]{0,30}\b(your )?(data|information|claims|it|report)\b[^.\n]{0,30}\bto\b",
                2,
            ),
            ("sell", r"\b(sell|sells|sold|selling)\b", 1),
            ("third", r"\bthird[- ]part(y|ies)\b", 1),
            (
                "recipient",
                r"\b(advertisers|partners|data brokers|researchers|other companies|anyone|no one|nobody|your doctor|service providers|affiliates|insurers|employers|drug makers)\b",
                1,
            ),
            (
                "recipient_sees",
                r"\b(researchers|partners|advertisers|third parties|other companies)\b[^.\n]{0,20}\b(see|sees|receive|receives|get|gets|access)\b",
                2,
            ),
            (
                "provider_access",
                r"\b(service providers|vendors)\b[^.\n]{0,40}\b(access|see|receive)\b[^.\n]{0,20}\b(your )?(data|information)\b",
                2,
            ),
        ],
        combos: &[],
        require: &[],
        vague: &["provider_access"],
    },
    // "If data is shared with third parties, whether that is on a one-time basis, or
    // persistently collected" and "If data is persistently collected, over what time frame"
    Rule {
        id: "sharing_duration",
        heading: r"one[- ]time|ongoing|how often|how long we (connect|collect)",
        masks: &[r"\bone[- ]time (password|code|passcode)s?\b"],
        cues: &[
            (
                "one_time",
                r"\bone[- ]time\b|\bonly once\b|\bsingle download\b",
                2,
            ),
            (
                "ongoing",
                r"\b(ongoing|continuous(ly)?|persistent(ly)?)\b|\b(continue|continues|keeps?) (to )?(receiv|collect|download|get)\w*",
                2,
            ),
            (
                "frequency",
                r"\b(every|each) (day|night|week|month)\b|\b(daily|nightly|weekly|monthly)\b|\bonce a (day|week|month)\b",
                2,
            ),
            (
                "connected",
                r"\bas long as (you stay connected|your connection|the connection|you remain connected)\b|\buntil you (disconnect|revoke)\b",
                1,
            ),
            ("months13", r"\b13 months\b", 1),
            (
                "context",
                r"\b(connection|connected|refresh\w*|update\w*|download\w*|pull\w*|check\w*|receiv\w*|collect\w*|claims)\b",
                1,
            ),
        ],
        combos: &[],
        require: &[],
        vague: &[],
    },
    // "Any use and sharing of de-identified, anonymized or pseudonymized data" (and the risk
    // of re-identification)
    Rule {
        id: "deidentified",
        heading: r"de-?identif|anonym|aggregat",
        masks: &[],
        cues: &[
            (
                "deid",
                r"\bde-?identif\w*|\banonymi[sz]\w*|\bpseudonymi[sz]\w*|\bre-?identif\w*",
                3,
            ),
            ("aggregate", r"\baggregat\w*", 2),
            (
                "strip",
                r"\b(remove|strip)\w*\b[^.\n]{0,40}\b(names?|identifiers|identifying)\b",
                2,
            ),
            (
                "not_identify",
                r"\b(does not|do not|cannot|can't|could not) (be used to )?identify (you|anyone|individuals)\b",
                2,
            ),
        ],
        combos: &[],
        require: &[],
        vague: &[],
    },
    // "What happens to a user's data if they revoke access to it"
    Rule {
        id: "revocation",
        heading: r"revok|revocation|disconnect|withdraw|change your mind",
        masks: &[r"\bwithdraw\w* (funds|money|cash)\b"],
        cues: &[
            (
                "revoke",
                r"\brevok\w*|\brevocation\b|\bdisconnect\w*|\bwithdraw\w*|\bunlink\w*|\bstop sharing\b|\bturn off access\b|\bremove (its |the app's )?access\b|\bchange your mind\b",
                2,
            ),
            ("fate", FATE, 1),
        ],
        combos: &[("revoke", "fate", 1, Scope::Paragraph)],
        require: &["fate"],
        vague: &[],
    },
    // "Your application's policy regarding dormant or closed accounts"
    Rule {
        id: "dormant_accounts",
        heading: r"dormant|inactive|closed accounts|not used|stop using|closing your account",
        masks: &[],
        cues: &[
            (
                "dormant",
                r"\b(dormant|inactiv\w*|not (been )?used|do not sign in|don't sign in|stop using|have not (logged|signed) in|haven't used)\b",
                2,
            ),
            (
                "closed",
                r"\b(close|closes|closed|closing|cancel\w*|delete|deleting|deletes|terminat\w*|deactivat\w*)\b[^.\n]{0,20}\b(your |the |an |its )?accounts?\b|\baccounts? (is |has been )?(closed|deleted|closure|deletion|terminated|deactivated)\b",
                2,
            ),
            (
                "duration",
                r"\b(duration|life|end) of (the |your |the user's )?account\b",
                2,
            ),
            ("fate", FATE, 1),
        ],
        combos: &[
            ("dormant", "fate", 1, Scope::Paragraph),
            ("closed", "fate", 1, Scope::Sentence),
            ("duration", "fate", 1, Scope::Paragraph),
        ],
        require: &["fate"],
        vague: &[],
    },
    // "How you will notify users if your app's privacy policy is updated"
    Rule {
        id: "policy_changes",
        heading: r"changes? to (this|our|the)|updates?( to)?( this| our)? (policy|notice)|new rules|amendment",
        masks: &[r"(?m)\b(last updated|effective date)\b.*$"],
        cues: &[
            (
                "new_policy",
                r"\b(new|updated|revised|amended) (privacy )?(policy|notice|statement|version)\b",
                2,
            ),
            (
                "change",
                r"\b(change|changes|changed|update|updates|updated|modify|modifies|revise|revises|amend|amends)\b[^.\n]{0,30}\b(this|our|these|the) (privacy )?(policy|notice|statement|rules)\b|\bchanges? to (this|our) (privacy )?(policy|notice|statement)\b|\b(material )?amendments\b",
                2,
            ),
            ("notify", NOTIFY, 1),
        ],
        combos: &[
            ("change", "notify", 1, Scope::Paragraph),
            ("new_policy", "notify", 1, Scope::Paragraph),
        ],
        require: &["notify"],
        vague: &[],
    },
    // "If third-party vendors that you work with commit to data protection requirements
    // that are consistent with the law and your expectations"
    Rule {
        id: "vendors",
        heading: r"vendors?|service providers?|processors|contractors",
        masks: &[],
        cues: &[
            (
                "vendor",
                r"\b(vendors?|service providers?|contractors?|subcontractors?|processors?|hosting (company|provider)|cloud (hosting|provider)|companies that (help|work for) us|business associates?)\b",
                2,
            ),
            (
                "commit",
                r"\b(contract\w*|agreements?|bound|obligat\w*|required to|confidential\w*|at least as well|same (standards|protections|level)|comply|complies)\b",
                1,
            ),
        ],
        combos: &[("vendor", "commit", 1, Scope::Paragraph)],
        require: &["commit"],
        vague: &[],
    },
    // "How you will notify users if you suffer a security or data breach"
    Rule {
        id: "breach",
        heading: r"breach|security incident|if something goes wrong",
        masks: &[r"\bbreach of (this|these|the|our|any) (agreement|contract|terms)\b"],
        cues: &[
            (
                "breach",
                r"\bbreach\w*|\bsecurity incidents?\b|\bbreaks? in\b|\bhack\w*|\bcompromis\w*",
                2,
            ),
            (
                "unauthorized",
                r"\bunauthori[sz]ed (access|acquisition|disclosure)\b",
                1,
            ),
            ("notify", NOTIFY, 1),
            (
                "rule",
                r"\bwithin \d+ days\b|\bsixty \(60\)|\bftc\b|\bhealth breach notification rule\b|\b16 c\.?f\.?r\.? part 318\b|\bno later than\b",
                1,
            ),
        ],
        combos: &[
            ("breach", "notify", 1, Scope::Paragraph),
            ("unauthorized", "notify", 1, Scope::Sentence),
        ],
        require: &["notify"],
        vague: &[],
    },
    // "How enrollees will be notified if your company is sold and the use of their data could
    // change"
    Rule {
        id: "sale_of_company",
        heading: r"\bsold\b|acqui|merg|business transfers?|corporate transactions?|bought",
        masks: &[
            r"\bunauthori[sz]ed acquisition\b",
            r"\b(data|information) acquisition\b",
        ],
        cues: &[
            (
                "deal",
                r"\b(merger|merged|merge|acquisition|acquired|acquires|bankrupt\w*|reorgani[sz]ation|business transfers?|change (of|in) (control|ownership)|successor|new owner|bought by|sold to|corporate transactions?)\b|\bsale of (all|substantially|a portion|part|the company|our company|the business|our business|assets|our assets|the company's assets)\b",
                2,
            ),
            (
                "company_sold",
                r"\b(company|business|we|it)\b[^.\n]{0,20}\b(is|are|gets?|were) (sold|bought|acquired)\b",
                2,
            ),
            (
                "fate",
                r"\b(transfer\w*|notify|notif\w*|email you|tell you|successor|new owner|buyer|your data|your information|personal information)\b",
                1,
            ),
        ],
        combos: &[],
        require: &["fate"],
        vague: &[],
    },
];

/// An error building the rules (a pattern that does not compile or names an unknown cue).
#[derive(Debug)]
pub struct RuleError(String);

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "checklist rules: {}", self.0)
    }
}

impl std::error::Error for RuleError {}

struct Compiled {
    id: &'static str,
    heading: Regex,
    masks: Vec<Regex>,
    cues: Vec<(Regex, u8)>,
    combos: Vec<(usize, usize, u8, Scope)>,
    require: u64,
    vague: u64,
}

/// The transparent rule/lexicon classifier. Build it once ([`RuleClassifier::new`] compiles
/// every pattern) and reuse it.
pub struct RuleClassifier {
    rules: Vec<Compiled>,
}

fn compile(pattern: &str) -> Result<Regex, RuleError> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .map_err(|e| RuleError(e.to_string()))
}

impl RuleClassifier {
    /// Compiles the rules.
    ///
    /// # Errors
    /// When a pattern does not compile or a combination names an unknown cue (a bug in the
    /// tables; a test builds the classifier).
    pub fn new() -> Result<RuleClassifier, RuleError> {
        let mut rules = Vec::with_capacity(RULES.len());
        for rule in RULES {
            let index = |name: &str| {
                rule.cues
                    .iter()
                    .position(|(n, _, _)| *n == name)
                    .ok_or_else(|| RuleError(format!("{}: unknown cue {name}", rule.id)))
            };
            let bits = |names: &[&str]| -> Result<u64, RuleError> {
                names
                    .iter()
                    .try_fold(0u64, |acc, n| Ok(acc | 1 << index(n)?))
            };
            let mut combos = Vec::new();
            for (a, b, bonus, scope) in rule.combos {
                combos.push((index(a)?, index(b)?, *bonus, *scope));
            }
            rules.push(Compiled {
                id: rule.id,
                heading: compile(rule.heading)?,
                masks: rule
                    .masks
                    .iter()
                    .map(|m| compile(m))
                    .collect::<Result<_, _>>()?,
                cues: rule
                    .cues
                    .iter()
                    .map(|(_, p, w)| compile(p).map(|r| (r, *w)))
                    .collect::<Result<_, _>>()?,
                combos,
                require: bits(rule.require)?,
                vague: bits(rule.vague)?,
            });
        }
        Ok(RuleClassifier { rules })
    }
}

/// The score of one sentence for one item, with how it was reached.
#[derive(Debug, Clone, Copy)]
struct Scored {
    sentence: usize,
    score: u8,
}

impl Compiled {
    /// Per sentence, the bit set of cues matched inside it.
    fn matches(&self, doc: &Doc<'_>) -> Vec<u64> {
        let mut masked = std::borrow::Cow::Borrowed(doc.text);
        for mask in &self.masks {
            if mask.is_match(&masked) {
                let replaced = mask.replace_all(&masked, |c: &regex::Captures<'_>| {
                    " ".repeat(c.get(0).map_or(0, |m| m.len()))
                });
                masked = std::borrow::Cow::Owned(replaced.into_owned());
            }
        }
        let mut bits = vec![0u64; doc.sentences.len()];
        for (k, (cue, _)) in self.cues.iter().enumerate() {
            for m in cue.find_iter(&masked) {
                if let Some(i) = doc.sentence_at(m.start())
                    && m.end() <= doc.sentences[i].end
                {
                    bits[i] |= 1 << k;
                }
            }
        }
        bits
    }

    fn score(&self, doc: &Doc<'_>, bits: &[u64]) -> Vec<Scored> {
        let mut paragraph = vec![0u64; doc.segments.len()];
        for (i, s) in doc.sentences.iter().enumerate() {
            paragraph[s.segment] |= bits[i];
        }
        let mut out = Vec::new();
        for (i, s) in doc.sentences.iter().enumerate() {
            let m = bits[i];
            if m == 0 {
                continue;
            }
            let para = paragraph[s.segment];
            let mut best = 0;
            let mut score: u32 = 0;
            for (k, (_, w)) in self.cues.iter().enumerate() {
                if m & (1 << k) != 0 {
                    best = best.max(*w);
                    score += u32::from(*w);
                }
            }
            for &(a, b, bonus, scope) in &self.combos {
                let other = match scope {
                    Scope::Sentence => m,
                    Scope::Paragraph => para,
                };
                if m & (1 << a) != 0 && other & (1 << b) != 0 {
                    score += u32::from(bonus);
                }
            }
            let under_heading = s
                .heading
                .is_some_and(|(a, b)| self.heading.is_match(&doc.text[a..b]));
            if under_heading && doc.segments[s.segment].kind == Kind::ListItem {
                // A list under a heading is the heading's statement: "What we collect:" then
                // "- Your name and email address".
                score += 2;
                best = best.max(2);
            } else if best >= 2 && under_heading {
                score += 1;
            }
            if best < 2 && score < 3 {
                continue;
            }
            let strong = self
                .cues
                .iter()
                .enumerate()
                .any(|(k, (_, w))| *w >= 3 && m & (1 << k) != 0);
            if (self.require != 0 && (m | para) & self.require == 0)
                || (m & self.vague != 0 && !strong)
            {
                score = score.min(2);
            }
            out.push(Scored {
                sentence: i,
                score: score.min(9) as u8,
            });
        }
        out
    }

    fn item(&self, doc: &Doc<'_>) -> ChecklistItem {
        let bits = self.matches(doc);
        let mut scored = self.score(doc, &bits);
        scored.retain(|s| s.score >= 2);
        scored.sort_by(|a, b| b.score.cmp(&a.score).then(a.sentence.cmp(&b.sentence)));
        let verdict = match scored.first().map(|s| s.score) {
            Some(s) if s >= 3 => Verdict::Found,
            Some(_) => Verdict::Unclear,
            None => Verdict::Missing,
        };
        let evidence = scored
            .iter()
            .take(MAX_EVIDENCE)
            .map(|s| {
                let sentence = &doc.sentences[s.sentence];
                doc.evidence(sentence.start, sentence.end)
            })
            .collect();
        ChecklistItem {
            id: self.id.to_owned(),
            verdict,
            evidence,
        }
    }
}

impl TextClassifier for RuleClassifier {
    fn classify(&self, text: &str) -> Vec<ChecklistItem> {
        let doc = Doc::new(text);
        self.rules.iter().map(|rule| rule.item(&doc)).collect()
    }
}
