//! `/v2/o/applications/{id}/usage`: an application's usage dashboard — requests per UTC
//! day with the errors among them, and the enrollees whose data it used — as inline SVG
//! bar charts ([`super::chart`]) and a table of the same figures.
//!
//! Only a signed-in portal user who owns the application or belongs to its organization
//! sees it; anyone else gets 404 (as for an application that does not exist), so ids are
//! not confirmed to strangers. `?days=7|30|90` picks the range (30 otherwise).

use super::accounts::{active, failure, nav_of};
use super::chart::{Chart, Point, bar_chart, grouped};
use super::views::{Nav, notice, render};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

/// Ranges offered, in days.
const RANGES: [u16; 3] = [7, 30, 90];
const DEFAULT_DAYS: u16 = 30;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/o/applications/{id}/usage", get(usage_page))
        .route("/v2/o/applications/{id}/usage/", get(usage_page))
}

/// One row of the figures table.
pub(crate) struct UsageRow {
    pub date: String,
    pub requests: String,
    pub errors_4xx: String,
    pub errors_5xx: String,
    pub enrollees: String,
}

#[derive(Template)]
#[template(path = "portal/usage.html")]
pub(crate) struct UsagePage {
    pub title: String,
    pub nav: Nav,
    pub range_text: String,
    pub ranges: Vec<(u16, String, bool)>,
    pub total_requests: String,
    pub total_errors: String,
    pub peak_enrollees: String,
    pub charts: Vec<Chart>,
    pub rows: Vec<UsageRow>,
}

fn days_of(query: Option<&str>) -> u16 {
    query
        .map(|q| url::form_urlencoded::parse(q.as_bytes()))
        .and_then(|mut pairs| pairs.find(|(k, _)| k == "days"))
        .and_then(|(_, v)| v.parse::<u16>().ok())
        .filter(|d| RANGES.contains(d))
        .unwrap_or(DEFAULT_DAYS)
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

async fn usage_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let days = days_of(query.as_deref());
    let usage = match state
        .services
        .usage
        .of_app(&session.user_id, &id, days)
        .await
    {
        Ok(Some(usage)) => usage,
        Ok(None) => {
            return notice(
                StatusCode::NOT_FOUND,
                nav_of(&session),
                "Application not found",
                &["There is no such application among yours."],
                Some(("/v2/accounts/settings", "Back to your account")),
            );
        }
        Err(e) => return failure(e),
    };
    let requests: Vec<Point> = usage
        .days
        .iter()
        .map(|d| Point {
            date: d.date,
            value: d.requests,
            part: Some(d.errors_4xx + d.errors_5xx),
        })
        .collect();
    let enrollees: Vec<Point> = usage
        .days
        .iter()
        .map(|d| Point {
            date: d.date,
            value: d.enrollees,
            part: None,
        })
        .collect();
    let charts = vec![
        bar_chart(
            "chart-requests",
            "Requests per day",
            &requests,
            |p| {
                format!(
                    "{}, {}",
                    plural(p.value, "request", "requests"),
                    plural(p.part.unwrap_or(0), "error", "errors")
                )
            },
            vec![
                ("chart-bar", "Requests"),
                ("chart-part", "Errors (4xx and 5xx)"),
            ],
        ),
        bar_chart(
            "chart-enrollees",
            "Enrollees connected per day",
            &enrollees,
            |p| plural(p.value, "enrollee", "enrollees"),
            Vec::new(),
        ),
    ];
    let range_text = match (usage.days.first(), usage.days.last()) {
        (Some(first), Some(last)) => format!(
            "Last {days} days: {} to {}",
            first.date.format("%b %-d, %Y"),
            last.date.format("%b %-d, %Y")
        ),
        _ => format!("Last {days} days"),
    };
    let page = UsagePage {
        title: format!("Usage of {}", usage.name),
        nav: nav_of(&session),
        range_text,
        ranges: RANGES
            .iter()
            .map(|d| {
                (
                    *d,
                    format!("/v2/o/applications/{id}/usage?days={d}"),
                    *d == days,
                )
            })
            .collect(),
        total_requests: grouped(usage.days.iter().map(|d| d.requests).sum()),
        total_errors: grouped(usage.days.iter().map(|d| d.errors_4xx + d.errors_5xx).sum()),
        peak_enrollees: grouped(usage.days.iter().map(|d| d.enrollees).max().unwrap_or(0)),
        charts,
        rows: usage
            .days
            .iter()
            .rev()
            .map(|d| UsageRow {
                date: d.date.format("%Y-%m-%d").to_string(),
                requests: grouped(d.requests),
                errors_4xx: grouped(d.errors_4xx),
                errors_5xx: grouped(d.errors_5xx),
                enrollees: grouped(d.enrollees),
            })
            .collect(),
    };
    render(&page, StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_one_of_the_offered_ones() {
        assert_eq!(days_of(None), 30);
        assert_eq!(days_of(Some("days=7")), 7);
        assert_eq!(days_of(Some("x=1&days=90")), 90);
        assert_eq!(days_of(Some("days=365")), 30);
        assert_eq!(days_of(Some("days=-1")), 30);
    }
}
