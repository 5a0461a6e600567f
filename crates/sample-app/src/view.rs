//! The sample app's pages as HTML strings: every value from the API goes through [`esc`].
//! No JavaScript; the chart is an inline SVG with a text alternative (the totals table).

use crate::Data;
use bb_sdk::fhir::ExplanationOfBenefit;
use std::collections::BTreeMap;
use std::fmt::Write;

const APP_NAME: &str = "Medicare Claims Viewer";

/// HTML-escapes text for element content and quoted attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// `$1,234.56`.
pub fn dollars(amount: f64) -> String {
    let cents = (amount * 100.0).round();
    let negative = cents < 0.0;
    #[allow(clippy::cast_possible_truncation)] // claim amounts are far below 2^63 cents
    let cents = cents.abs() as i64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!(
        "{}${grouped}.{:02}",
        if negative { "-" } else { "" },
        cents % 100
    )
}

fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | {APP_NAME}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #fff; line-height: 1.5; }}
header, main, footer {{ max-width: 60rem; margin: 0 auto; padding: 1rem; }}
header {{ border-bottom: 2px solid #005ea2; }}
table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
caption {{ text-align: left; font-weight: bold; padding: .25rem 0; }}
th, td {{ border: 1px solid #757575; padding: .35rem .5rem; text-align: left; vertical-align: top; }}
td.num, th.num {{ text-align: right; }}
.button {{ display: inline-block; background: #005ea2; color: #fff; border: 0; padding: .6rem 1.2rem; font-size: 1rem; text-decoration: none; border-radius: 4px; cursor: pointer; }}
.button:focus, a:focus {{ outline: 3px solid #2491ff; outline-offset: 2px; }}
.notice {{ border-left: 4px solid #005ea2; background: #e7f2f8; padding: .5rem 1rem; }}
.error {{ border-left: 4px solid #b50909; background: #f4e3db; padding: .5rem 1rem; }}
</style>
</head>
<body>
<header><p><strong>{APP_NAME}</strong>: a sample app for the Blue Button 2.0 API</p></header>
<main>
{body}
</main>
<footer><p>Sample data only: this app runs against a Blue Button sandbox.</p></footer>
</body>
</html>
"#,
        title = esc(title)
    )
}

/// The start page: the privacy notice, then Connect.
pub fn home(notice: Option<&str>) -> String {
    let notice = notice
        .map(|n| {
            format!(
                r#"<p class="notice" id="notice" role="status">{}</p>"#,
                esc(n)
            )
        })
        .unwrap_or_default();
    layout(
        "See your Medicare claims",
        &format!(
            r#"<h1>See your Medicare claims</h1>
{notice}
<section aria-labelledby="privacy-heading" id="privacy">
<h2 id="privacy-heading">Before you connect: how this app uses your data</h2>
<ul>
<li>When you select Connect, Medicare asks you to sign in and asks whether to share your data with this app. Nothing is shared unless you agree there.</li>
<li>If you agree, this app reads your Medicare claims, your coverage and, if you allow it, your name and date of birth.</li>
<li>It uses them only to show them to you on the next page. It keeps them in memory while you use it and stores nothing on disk.</li>
<li>It does not sell your data, share it with anyone, or use it for advertising.</li>
<li>You can disconnect at any time with the Disconnect button. The app then loses access and forgets your data. You can also remove it on Medicare's connected apps page.</li>
</ul>
</section>
<p><a class="button" id="connect" href="/connect">Connect to Medicare</a></p>"#
        ),
    )
}

/// A readable claim type.
fn claim_kind(eob: &ExplanationOfBenefit) -> &'static str {
    match eob.claim_type() {
        Some("CARRIER") => "Doctor or other professional (Part B)",
        Some("DME") => "Medical equipment and supplies (Part B)",
        Some("HHA") => "Home health care",
        Some("HOSPICE") => "Hospice care",
        Some("INPATIENT") => "Hospital stay (Part A)",
        Some("OUTPATIENT") => "Hospital outpatient visit (Part B)",
        Some("SNF") => "Skilled nursing facility (Part A)",
        Some("PDE") => "Prescription drug (Part D)",
        _ => "Other claim",
    }
}

/// What the claim was for: the first line's service, else the principal diagnosis.
fn claim_what(eob: &ExplanationOfBenefit) -> String {
    eob.item
        .iter()
        .find_map(|i| i.product_or_service.as_ref()?.label().map(str::to_owned))
        .or_else(|| {
            eob.diagnosis.iter().find_map(|d| {
                d.diagnosis_codeable_concept
                    .as_ref()?
                    .label()
                    .map(str::to_owned)
            })
        })
        .unwrap_or_else(|| "Not stated".to_owned())
}

/// BFD's Part D "paid by the plan" adjudication (`cvrd_d_plan_pd_amt`).
const PART_D_PLAN_PAID: &str = "https://bluebutton.cms.gov/resources/variables/cvrd_d_plan_pd_amt";

/// What Medicare (or, for a drug event, the Part D plan) paid: `payment.amount`, else the
/// lines' plan-paid adjudications (Part D events carry no payment amount).
pub fn paid(eob: &ExplanationOfBenefit) -> f64 {
    if eob
        .payment
        .as_ref()
        .and_then(|p| p.amount.as_ref())
        .is_some()
    {
        return eob.payment_amount();
    }
    eob.item
        .iter()
        .flat_map(|i| &i.adjudication)
        .filter(|a| {
            a.category.as_ref().is_some_and(|c| {
                c.coding
                    .iter()
                    .any(|k| k.code.as_deref() == Some(PART_D_PLAN_PAID))
            })
        })
        .filter_map(|a| a.amount.as_ref())
        .map(bb_sdk::fhir::Money::amount)
        .sum()
}

/// Per year: (number of claims, paid by Medicare).
fn totals(claims: &[ExplanationOfBenefit]) -> BTreeMap<i32, (usize, f64)> {
    let mut per_year = BTreeMap::new();
    for eob in claims {
        if let Some(year) = eob.service_year() {
            let entry = per_year.entry(year).or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 += paid(eob);
        }
    }
    per_year
}

/// Bars of the amount paid per year, with a title and description for assistive
/// technology (the same numbers are in the totals table).
fn chart(per_year: &BTreeMap<i32, (usize, f64)>) -> String {
    let max = per_year.values().map(|v| v.1).fold(0.0_f64, f64::max);
    let bar_width = 60.0;
    let gap = 24.0;
    let height = 200.0;
    #[allow(clippy::cast_precision_loss)] // a few dozen years
    let width = 60.0 + (bar_width + gap) * per_year.len() as f64;
    let mut svg = format!(
        r##"<svg id="chart" role="img" aria-labelledby="chart-title chart-desc" width="{width:.0}" height="{h:.0}" viewBox="0 0 {width:.0} {h:.0}" xmlns="http://www.w3.org/2000/svg">
<title id="chart-title">Paid by Medicare per year</title>
<desc id="chart-desc">A bar for each year; the table "Totals per year" has the same numbers.</desc>
<line x1="40" y1="{base:.0}" x2="{width:.0}" y2="{base:.0}" stroke="#1b1b1b"/>
"##,
        h = height + 60.0,
        base = height + 20.0
    );
    for (i, (year, (_, paid))) in per_year.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let x = 50.0 + (bar_width + gap) * i as f64;
        let bar = if max > 0.0 { paid / max * height } else { 0.0 };
        let y = height + 20.0 - bar;
        let _ = write!(
            svg,
            r##"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{bar_width:.0}" height="{bar:.1}" fill="#005ea2"><title>{year}: {amount}</title></rect>
<text x="{cx:.1}" y="{ty:.1}" text-anchor="middle" font-size="12" fill="#1b1b1b">{amount}</text>
<text x="{cx:.1}" y="{ly:.1}" text-anchor="middle" font-size="14" fill="#1b1b1b">{year}</text>
"##,
            amount = esc(&dollars(*paid)),
            cx = x + bar_width / 2.0,
            ty = (y - 4.0).max(12.0),
            ly = height + 40.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The claims page.
pub fn claims(data: &Data) -> String {
    let mut body = String::from("<h1>Your Medicare claims</h1>\n");
    match &data.patient {
        Some(p) => {
            let name = p.name.first().map(|n| n.display()).unwrap_or_default();
            let _ = write!(
                body,
                r#"<p id="who">Connected as <strong>{}</strong>, born {}.</p>"#,
                esc(&name),
                esc(p.birth_date.as_deref().unwrap_or("(not given)"))
            );
        }
        None => body.push_str(
            r#"<p id="who">Connected. You chose not to share your name and date of birth.</p>"#,
        ),
    }
    let mut claims: Vec<&ExplanationOfBenefit> = data.claims.iter().collect();
    claims.sort_by(|a, b| b.service_date().cmp(&a.service_date()));
    let paid_total: f64 = claims.iter().map(|c| paid(c)).sum();
    let _ = write!(
        body,
        r#"<p id="summary">{} claims; Medicare paid {} in all.</p>"#,
        claims.len(),
        esc(&dollars(paid_total))
    );

    let per_year = totals(&data.claims);
    body.push_str(r#"<h2 id="totals-heading">Totals per year</h2>"#);
    body.push_str(&chart(&per_year));
    body.push_str(
        r#"<table id="totals"><caption>Claims and amounts paid by Medicare, per year of service</caption>
<thead><tr><th scope="col">Year</th><th scope="col" class="num">Claims</th><th scope="col" class="num">Paid by Medicare</th></tr></thead><tbody>"#,
    );
    for (year, (count, paid)) in per_year.iter().rev() {
        let _ = write!(
            body,
            r#"<tr><th scope="row">{year}</th><td class="num">{count}</td><td class="num">{}</td></tr>"#,
            esc(&dollars(*paid))
        );
    }
    body.push_str("</tbody></table>\n");

    body.push_str(
        r#"<h2>Every claim</h2>
<table id="claims"><caption>Your claims, newest first</caption>
<thead><tr><th scope="col">Date of service</th><th scope="col">Kind of care</th><th scope="col">What it was for</th><th scope="col" class="num">Paid by Medicare</th></tr></thead><tbody>"#,
    );
    for eob in &claims {
        let _ = write!(
            body,
            r#"<tr class="claim"><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td></tr>"#,
            esc(eob.service_date().unwrap_or("(no date)")),
            esc(claim_kind(eob)),
            esc(&claim_what(eob)),
            esc(&dollars(paid(eob)))
        );
    }
    body.push_str("</tbody></table>\n");

    body.push_str(r#"<h2>Your coverage</h2><ul id="coverage">"#);
    for c in &data.coverage {
        let label = c
            .class
            .iter()
            .filter_map(|k| k.value.as_deref())
            .collect::<Vec<_>>()
            .join(", ");
        let label = if label.is_empty() {
            c.id.clone().unwrap_or_default()
        } else {
            label
        };
        let _ = write!(
            body,
            "<li>{} ({})</li>",
            esc(&label),
            esc(c.status.as_deref().unwrap_or("status not given"))
        );
    }
    body.push_str("</ul>\n");
    body.push_str(
        r#"<h2>Stop sharing</h2>
<p>Disconnecting ends this app's access to your Medicare data and makes it forget what it showed you.</p>
<form method="post" action="/disconnect"><button class="button" id="disconnect" type="submit">Disconnect</button></form>"#,
    );
    layout("Your Medicare claims", &body)
}

/// A failure page.
pub fn error(message: &str) -> String {
    layout(
        "Something went wrong",
        &format!(
            r#"<h1>Something went wrong</h1><p class="error" id="error">{}</p><p><a href="/">Start again</a></p>"#,
            esc(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_formats_dollars() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(dollars(1234.5), "$1,234.50");
        assert_eq!(dollars(0.0), "$0.00");
        assert_eq!(dollars(1_000_000.004), "$1,000,000.00");
        assert_eq!(dollars(-12.345), "-$12.35");
    }

    #[test]
    fn totals_group_claims_by_year_of_service() {
        let eob = |date: &str, paid: f64| -> ExplanationOfBenefit { serde_json_like(date, paid) };
        let claims = vec![
            eob("2024-01-02", 10.0),
            eob("2024-05-06", 5.5),
            eob("2023-12-31", 1.0),
        ];
        let t = totals(&claims);
        assert_eq!(t.get(&2024).map(|v| v.0), Some(2));
        assert!((t[&2024].1 - 15.5).abs() < 1e-9);
        assert_eq!(t.get(&2023).map(|v| v.0), Some(1));
        let svg = chart(&t);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 2);
        assert!(svg.contains("2023: $1.00"));
    }

    #[test]
    fn part_d_events_count_what_the_plan_paid() {
        let pde: ExplanationOfBenefit = serde_json::from_str(include_str!(
            "../../../data/reference/bfd-v2-responses/eobReadPde.json"
        ))
        .unwrap();
        assert!(
            pde.payment_amount().abs() < 1e-9,
            "no payment amount on a drug event"
        );
        assert!((paid(&pde) - 126.99).abs() < 1e-9);
        let carrier: ExplanationOfBenefit = serde_json::from_str(include_str!(
            "../../../data/reference/bfd-v2-responses/eobReadCarrier.json"
        ))
        .unwrap();
        assert!((paid(&carrier) - 199.99).abs() < 1e-9);
    }

    fn serde_json_like(date: &str, paid: f64) -> ExplanationOfBenefit {
        let mut eob = ExplanationOfBenefit {
            resource_type: "ExplanationOfBenefit".into(),
            ..ExplanationOfBenefit::default()
        };
        eob.billable_period = Some(bb_sdk::fhir::Period {
            start: Some(date.into()),
            ..Default::default()
        });
        eob.payment = Some(bb_sdk::fhir::Payment {
            amount: Some(bb_sdk::fhir::Money {
                value: serde_number(paid),
                ..Default::default()
            }),
            ..Default::default()
        });
        eob
    }

    fn serde_number(v: f64) -> Option<bb_sdk::fhir::Number> {
        bb_sdk::fhir::Number::from_f64(v)
    }
}
