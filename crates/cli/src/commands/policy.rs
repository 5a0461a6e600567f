//! `bluebutton policy check FILE… --format text|json|html`: reads each file (size-capped),
//! runs `bb_policy::extract` and `bb_policy::analyse`, prints the reports on stdout and one
//! `error: FILE: reason` line on stderr per file that could not be checked; exit status 1
//! when any file failed, after the others were reported.

use crate::args::{PolicyCheckArgs, PolicyFormat};
use crate::error::CliError;
use bb_policy::{Analysers, ExtractedText, Limits, Report, Verdict};
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

/// One file's outcome: its report (and what was extracted) or the reason it failed.
struct Checked {
    report: Report,
    kind: &'static str,
    pages: Option<usize>,
}

/// Runs the command.
pub fn check(args: &PolicyCheckArgs) -> Result<(), CliError> {
    let limits = Limits::default();
    // Checklist coverage (the rule classifier) and contradictions inside each policy.
    let standard =
        bb_policy::Standard::new().map_err(|e| CliError::Failed(format!("policy check: {e}")))?;
    let analysers = standard.analysers();
    let mut done = Vec::new();
    let mut failed = 0usize;
    for path in &args.files {
        let name = path.display().to_string();
        match check_one(path, &name, &limits, analysers) {
            Ok(checked) => done.push(checked),
            Err(reason) => {
                failed += 1;
                eprintln!("error: {name}: {reason}");
            }
        }
    }
    let ran = RanWith {
        checklist: analysers.checklist.is_some(),
        contradictions: analysers.contradictions.is_some(),
    };
    let out = match args.format {
        PolicyFormat::Json => {
            let reports: Vec<&Report> = done.iter().map(|c| &c.report).collect();
            let encoded = if args.files.len() == 1 {
                reports.first().map(serde_json::to_string).transpose()
            } else {
                serde_json::to_string(&reports).map(Some)
            };
            encoded
                .map_err(|e| CliError::Failed(format!("cannot encode the report: {e}")))?
                .map(|s| s + "\n")
                .unwrap_or_default()
        }
        PolicyFormat::Text => done
            .iter()
            .map(|c| render_text(c, ran))
            .collect::<Vec<_>>()
            .join("\n"),
        PolicyFormat::Html => {
            if done.is_empty() {
                String::new()
            } else {
                render_html(&done, ran)
            }
        }
    };
    print!("{out}");
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{failed} of {} file(s) could not be checked (reasons above)",
            args.files.len()
        )));
    }
    Ok(())
}

fn check_one(
    path: &Path,
    name: &str,
    limits: &Limits,
    analysers: Analysers<'_>,
) -> Result<Checked, String> {
    let bytes = read_capped(path, limits.max_bytes)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_owned());
    let text: ExtractedText =
        bb_policy::extract(&file_name, &bytes, limits).map_err(|e| e.to_string())?;
    Ok(Checked {
        report: bb_policy::analyse(name, &text, analysers),
        kind: text.kind.as_str(),
        pages: text.pages,
    })
}

/// Reads at most `max + 1` bytes, so that a huge file is refused without reading it whole.
fn read_capped(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() > max {
        return Err(format!("file too large: the limit is {max} bytes"));
    }
    Ok(bytes)
}

#[derive(Clone, Copy)]
struct RanWith {
    checklist: bool,
    contradictions: bool,
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Found => "found",
        Verdict::Unclear => "unclear",
        Verdict::Missing => "missing",
    }
}

/// One line, at most `max` characters, for quoting a passage in text output.
fn clip(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn render_text(c: &Checked, ran: RanWith) -> String {
    let r = &c.report;
    let rd = &r.readability;
    let mut s = String::new();
    let pages = c.pages.map(|p| format!(", {p} pages")).unwrap_or_default();
    let _ = writeln!(
        s,
        "{} ({}{pages}): {} words, {} sentences",
        r.file, c.kind, r.words, r.sentences
    );
    let _ = writeln!(
        s,
        "Readability (advisory): grade {:.1}–{:.1}",
        rd.grade_range[0], rd.grade_range[1]
    );
    let _ = writeln!(
        s,
        "  Flesch Reading Ease {:.1}, Flesch–Kincaid {:.1}, SMOG {:.1}, Gunning Fog {:.1}, Coleman–Liau {:.1}, Dale–Chall {:.1}, ARI {:.1}",
        rd.flesch_reading_ease,
        rd.flesch_kincaid_grade,
        rd.smog,
        rd.gunning_fog,
        rd.coleman_liau,
        rd.dale_chall,
        rd.ari
    );
    if !rd.hardest_passages.is_empty() {
        let _ = writeln!(s, "  Hardest passages:");
        for p in &rd.hardest_passages {
            let _ = writeln!(
                s,
                "    grade {:.1} [{}–{}] \"{}\"",
                p.grade,
                p.start,
                p.end,
                clip(&p.text, 110)
            );
        }
    }
    if ran.checklist {
        let _ = writeln!(s, "Checklist:");
        for item in &r.checklist {
            let first = item
                .evidence
                .first()
                .map(|e| format!(" [{}–{}] \"{}\"", e.start, e.end, clip(&e.text, 90)))
                .unwrap_or_default();
            let _ = writeln!(s, "  {:<8} {}{first}", verdict_word(item.verdict), item.id);
        }
    } else {
        let _ = writeln!(s, "Checklist: not run");
    }
    if r.naming.is_empty() {
        let _ = writeln!(
            s,
            "Naming: no use of \"Blue Button\", \"CMS Blue Button\" or \"Medicare.gov\" as the data source's name"
        );
    } else {
        let _ = writeln!(
            s,
            "Naming: {} use(s) to fix (the data source must be called \"Medicare\"):",
            r.naming.len()
        );
        for h in &r.naming {
            let _ = writeln!(
                s,
                "  {} [{}–{}] \"{}\"",
                h.term,
                h.start,
                h.end,
                clip(&h.text, 110)
            );
        }
    }
    if ran.contradictions {
        let _ = writeln!(s, "Contradictions: {}", r.contradictions.len());
        for c in &r.contradictions {
            let _ = writeln!(
                s,
                "  {}: \"{}\" vs \"{}\"",
                c.topic,
                clip(&c.a.text, 60),
                clip(&c.b.text, 60)
            );
        }
    } else {
        let _ = writeln!(s, "Contradictions: not run");
    }
    s
}

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}\
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #aaa;padding:.25rem .5rem;text-align:left;vertical-align:top}\
blockquote{margin:.25rem 0 .75rem 1rem;padding-left:.75rem;border-left:3px solid #888}.found{color:#1a6e1a}.unclear{color:#8a5a00}.missing{color:#a11}\
.note{color:#555}section{border-top:1px solid #ccc;margin-top:2rem}";

fn render_html(done: &[Checked], ran: RanWith) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Policy check</title><style>{STYLE}</style></head><body>\n<h1>Policy check</h1>"
    );
    for c in done {
        let r = &c.report;
        let rd = &r.readability;
        let pages = c.pages.map(|p| format!(", {p} pages")).unwrap_or_default();
        let _ = writeln!(
            s,
            "<section><h2>{}</h2><p>{} words, {} sentences ({}{})</p>",
            esc(&r.file),
            r.words,
            r.sentences,
            c.kind,
            pages
        );
        let _ = writeln!(
            s,
            "<h3>Readability <span class=\"note\">(advisory)</span></h3><p>Grade range {:.1}–{:.1}</p>\
             <table><tr><th>Flesch Reading Ease</th><th>Flesch–Kincaid</th><th>SMOG</th><th>Gunning Fog</th><th>Coleman–Liau</th><th>Dale–Chall</th><th>ARI</th></tr>\
             <tr><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td></tr></table>",
            rd.grade_range[0],
            rd.grade_range[1],
            rd.flesch_reading_ease,
            rd.flesch_kincaid_grade,
            rd.smog,
            rd.gunning_fog,
            rd.coleman_liau,
            rd.dale_chall,
            rd.ari
        );
        if !rd.hardest_passages.is_empty() {
            s.push_str("<h4>Hardest passages</h4>\n");
            for p in &rd.hardest_passages {
                let _ = writeln!(
                    s,
                    "<p>Grade {:.1}, characters {}–{}</p><blockquote>{}</blockquote>",
                    p.grade,
                    p.start,
                    p.end,
                    esc(&p.text)
                );
            }
        }
        s.push_str("<h3>Checklist</h3>\n");
        if ran.checklist {
            s.push_str("<table><tr><th>Item</th><th>Verdict</th><th>Evidence</th></tr>\n");
            for item in &r.checklist {
                let word = verdict_word(item.verdict);
                let evidence: String = item
                    .evidence
                    .iter()
                    .map(|e| format!("<blockquote>{}</blockquote>", esc(&e.text)))
                    .collect();
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td class=\"{word}\">{word}</td><td>{evidence}</td></tr>",
                    esc(&item.id)
                );
            }
            s.push_str("</table>\n");
        } else {
            s.push_str("<p class=\"note\">Checklist not run.</p>\n");
        }
        s.push_str("<h3>Naming</h3>\n");
        if r.naming.is_empty() {
            s.push_str("<p>No use of “Blue Button”, “CMS Blue Button” or “Medicare.gov” as the data source’s name.</p>\n");
        } else {
            s.push_str("<p>The data source must be called “Medicare”:</p>\n");
            for h in &r.naming {
                let _ = writeln!(
                    s,
                    "<p>{} (characters {}–{})</p><blockquote>{}</blockquote>",
                    esc(&h.term),
                    h.start,
                    h.end,
                    esc(&h.text)
                );
            }
        }
        s.push_str("<h3>Contradictions</h3>\n");
        if !ran.contradictions {
            s.push_str("<p class=\"note\">Contradictions not run.</p>\n");
        } else if r.contradictions.is_empty() {
            s.push_str("<p>None found.</p>\n");
        } else {
            for c in &r.contradictions {
                let _ = writeln!(
                    s,
                    "<p>{}</p><blockquote>{}</blockquote><blockquote>{}</blockquote>",
                    esc(&c.topic),
                    esc(&c.a.text),
                    esc(&c.b.text)
                );
            }
        }
        s.push_str("</section>\n");
    }
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_clipping() {
        assert_eq!(
            esc("<b a=\"1\">&'</b>"),
            "&lt;b a=&quot;1&quot;&gt;&amp;&#39;&lt;/b&gt;"
        );
        assert_eq!(clip("a  b\nc", 10), "a b c");
        assert_eq!(clip("abcdefghijk", 5), "abcd…");
    }
}
