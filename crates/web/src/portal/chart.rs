//! Bar charts drawn on the server as inline SVG (the usage dashboard): this module turns
//! a series of days into geometry — bars, axis ticks, labels, all as ready numbers — and
//! `templates/portal/chart.html` writes the `<svg>` with askama's escaping. No script, no
//! inline style (colours are classes in `/static/bb.css`), so the pages' CSP holds.
//!
//! The value axis starts at 0 and ends at a "nice" round number (a step of 1, 2 or 5 times
//! a power of ten, at most [`MAX_INTERVALS`] steps); labels are compact (`1.5k`, `12M`).
//! Days are labelled sparsely so labels never overlap (about [`MAX_X_LABELS`]).

use chrono::NaiveDate;

/// Most intervals on the value axis.
pub(crate) const MAX_INTERVALS: i64 = 4;
/// About how many dates are written under the bars.
pub(crate) const MAX_X_LABELS: usize = 8;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;

/// One point of a series: the day, its value and the part of it drawn over the bar
/// (errors among requests), if any.
#[derive(Clone, Debug)]
pub(crate) struct Point {
    pub date: NaiveDate,
    pub value: i64,
    pub part: Option<i64>,
}

/// A bar, in SVG user units (formatted with one decimal).
#[derive(Clone, Debug)]
pub(crate) struct Bar {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    /// The overlaid part (drawn from the base line up), if not empty.
    pub part: Option<(String, String)>,
    /// Tooltip text (`<title>` of the bar).
    pub label: String,
}

/// A tick and its label.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Tick {
    pub at: String,
    pub label: String,
}

/// A chart ready for the template.
#[derive(Clone, Debug)]
pub(crate) struct Chart {
    /// Element id prefix (unique on the page).
    pub id: &'static str,
    /// Heading and `<title>`.
    pub title: String,
    /// `<desc>`: the figures in one sentence.
    pub summary: String,
    pub width: String,
    pub height: String,
    pub left: String,
    pub right: String,
    pub top: String,
    pub bottom: String,
    pub bars: Vec<Bar>,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    /// Legend entries: (class, text).
    pub legend: Vec<(&'static str, &'static str)>,
}

fn num(v: f64) -> String {
    format!("{v:.1}")
}

/// The value axis for data whose largest value is `max`: (top of the axis, step).
/// Integers only: the step is at least 1.
pub(crate) fn nice_scale(max: i64) -> (i64, i64) {
    let max = max.max(1);
    let mut magnitude: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            let step = magnitude.saturating_mul(m);
            if step.saturating_mul(MAX_INTERVALS) >= max {
                let top = (max / step + i64::from(max % step != 0)).saturating_mul(step);
                return (top, step);
            }
        }
        if magnitude > i64::MAX / 10 {
            return (max, max);
        }
        magnitude *= 10;
    }
}

/// A compact label: `950`, `1.5k`, `12k`, `3.4M`, `2B`.
pub(crate) fn compact(n: i64) -> String {
    let abs = n.unsigned_abs();
    let sign = if n < 0 { "-" } else { "" };
    for (unit, suffix) in [(1_000_000_000u64, "B"), (1_000_000, "M"), (1_000, "k")] {
        if abs >= unit {
            let tenths = abs / (unit / 10);
            return if tenths.is_multiple_of(10) || tenths >= 100 {
                format!("{sign}{}{suffix}", tenths / 10)
            } else {
                format!("{sign}{}.{}{suffix}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{sign}{abs}")
}

/// `1,234,567`.
pub(crate) fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Lays out a bar chart of `points`. `describe` names a point's value for the tooltip
/// (e.g. `12 requests, 1 error`).
pub(crate) fn bar_chart(
    id: &'static str,
    title: &str,
    points: &[Point],
    describe: impl Fn(&Point) -> String,
    legend: Vec<(&'static str, &'static str)>,
) -> Chart {
    let max = points.iter().map(|p| p.value).max().unwrap_or(0);
    let (top, step) = nice_scale(max);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let base = HEIGHT - BOTTOM;
    let y_of = |v: i64| {
        // Values are clamped to the axis (they cannot exceed `top`, but stay safe).
        let v = v.clamp(0, top);
        #[allow(clippy::cast_precision_loss)]
        let frac = v as f64 / top as f64;
        base - frac * plot_h
    };
    #[allow(clippy::cast_precision_loss)]
    let slot = if points.is_empty() {
        plot_w
    } else {
        plot_w / points.len() as f64
    };
    let bar_w = (slot * 0.7).max(1.0);
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            #[allow(clippy::cast_precision_loss)]
            let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
            let y = y_of(p.value);
            let part = p
                .part
                .filter(|v| *v > 0)
                .map(|v| (num(y_of(v.min(p.value))), num(base - y_of(v.min(p.value)))));
            Bar {
                x: num(x),
                y: num(y),
                width: num(bar_w),
                height: num(base - y),
                part,
                label: format!("{}: {}", p.date.format("%b %-d"), describe(p)),
            }
        })
        .collect();
    let y_ticks = (0..=top / step)
        .map(|k| Tick {
            at: num(y_of(k * step)),
            label: compact(k * step),
        })
        .collect();
    let every = points.len().div_ceil(MAX_X_LABELS).max(1);
    let x_ticks = points
        .iter()
        .enumerate()
        .filter(|(i, _)| (points.len() - 1 - i).is_multiple_of(every))
        .map(|(i, p)| {
            #[allow(clippy::cast_precision_loss)]
            let x = LEFT + slot * i as f64 + slot / 2.0;
            Tick {
                at: num(x),
                label: p.date.format("%b %-d").to_string(),
            }
        })
        .collect();
    let total: i64 = points.iter().map(|p| p.value).sum();
    let summary = match (points.first(), points.last()) {
        (Some(first), Some(last)) => format!(
            "{title} from {} to {}: {} in all, at most {} on one day.",
            first.date.format("%b %-d, %Y"),
            last.date.format("%b %-d, %Y"),
            grouped(total),
            grouped(max)
        ),
        _ => format!("{title}: no data."),
    };
    Chart {
        id,
        title: title.to_owned(),
        summary,
        width: num(WIDTH),
        height: num(HEIGHT),
        left: num(LEFT),
        right: num(WIDTH - RIGHT),
        top: num(TOP),
        bottom: num(base),
        bars,
        y_ticks,
        x_ticks,
        legend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(n.into())))
            .unwrap_or_default()
    }

    fn points(values: &[i64]) -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                date: day(u32::try_from(i).unwrap_or(0)),
                value: *v,
                part: Some(v / 10),
            })
            .collect()
    }

    fn chart(values: &[i64]) -> Chart {
        bar_chart(
            "c",
            "Requests",
            &points(values),
            |p| p.value.to_string(),
            vec![],
        )
    }

    #[test]
    fn scales_end_on_round_numbers_with_few_steps() {
        assert_eq!(nice_scale(0), (1, 1));
        assert_eq!(nice_scale(1), (1, 1));
        assert_eq!(nice_scale(3), (3, 1));
        assert_eq!(nice_scale(4), (4, 1));
        assert_eq!(nice_scale(5), (6, 2));
        assert_eq!(nice_scale(7), (8, 2));
        assert_eq!(nice_scale(9), (10, 5));
        assert_eq!(nice_scale(37), (40, 10));
        assert_eq!(nice_scale(101), (150, 50));
        assert_eq!(nice_scale(999_999), (1_000_000, 500_000));
        for max in [1, 2, 3, 7, 13, 99, 100, 12_345, 98_765_432, i64::MAX / 3] {
            let (top, step) = nice_scale(max);
            assert!(top >= max, "{max}: top {top}");
            assert!(top / step <= MAX_INTERVALS, "{max}: {top}/{step}");
            assert_eq!(top % step, 0, "{max}");
        }
        // Huge values do not overflow.
        let (top, _) = nice_scale(i64::MAX);
        assert!(top > 0);
    }

    #[test]
    fn labels_are_compact_and_exact_figures_grouped() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(950), "950");
        assert_eq!(compact(1_000), "1k");
        assert_eq!(compact(1_500), "1.5k");
        assert_eq!(compact(12_345), "12k");
        assert_eq!(compact(3_400_000), "3.4M");
        assert_eq!(compact(2_000_000_000), "2B");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(-1_000), "-1,000");
    }

    #[test]
    fn empty_data_draws_flat_bars_on_a_one_step_axis() {
        let c = chart(&[0, 0, 0]);
        assert_eq!(c.bars.len(), 3);
        assert!(c.bars.iter().all(|b| b.height == "0.0" && b.part.is_none()));
        let labels: Vec<_> = c.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "1"]);
        assert!(c.summary.contains("0 in all"), "{}", c.summary);
        let none = chart(&[]);
        assert!(none.bars.is_empty() && none.x_ticks.is_empty());
        assert_eq!(none.summary, "Requests: no data.");
    }

    #[test]
    fn one_day_fills_the_plot_height() {
        let c = chart(&[7]);
        assert_eq!(c.bars.len(), 1);
        let bar = &c.bars[0];
        // Axis 0..8: 7 is 7/8 of the plot height (188 units).
        assert_eq!(bar.height, num(188.0 * 7.0 / 8.0));
        assert_eq!(c.x_ticks.len(), 1);
        assert_eq!(c.x_ticks[0].label, "Nov 1");
        assert_eq!(bar.label, "Nov 1: 7");
    }

    #[test]
    fn big_numbers_scale_and_overlays_stay_inside_their_bar() {
        let c = chart(&[1_234_567_890, 10, 0]);
        assert_eq!(c.y_ticks.last().map(|t| t.label.as_str()), Some("1.5B"));
        let first = &c.bars[0];
        let (part_y, part_h) = first.part.clone().unwrap_or_default();
        let y: f64 = first.y.parse().unwrap_or(0.0);
        let py: f64 = part_y.parse().unwrap_or(0.0);
        let ph: f64 = part_h.parse().unwrap_or(0.0);
        let h: f64 = first.height.parse().unwrap_or(0.0);
        assert!(py >= y && ph <= h, "part {py}+{ph} outside bar {y}+{h}");
        assert!(c.summary.contains("1,234,567,900 in all"), "{}", c.summary);
    }

    #[test]
    fn many_days_get_sparse_date_labels_ending_today() {
        let c = chart(&[1; 90]);
        assert!(c.x_ticks.len() <= MAX_X_LABELS + 1, "{}", c.x_ticks.len());
        assert_eq!(
            c.x_ticks.last().map(|t| t.label.clone()),
            Some(day(89).format("%b %-d").to_string())
        );
        let week = chart(&[1; 7]);
        assert_eq!(week.x_ticks.len(), 7);
    }
}
