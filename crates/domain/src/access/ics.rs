//! Calendar invitations for booked demos (RFC 5545): a `VCALENDAR` with one `VEVENT`,
//! `METHOD:REQUEST` when booked or rescheduled (with `SEQUENCE` counting reschedules) and
//! `METHOD:CANCEL` with the same `UID` when called off. Times in UTC (`Z`), text escaped
//! (§3.3.11), lines folded at 75 octets (§3.1) and ended with CRLF. Pure: every value,
//! the stamp included, is passed in.

use chrono::{DateTime, Utc};

/// `REQUEST` (book, reschedule) or `CANCEL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// An invitation (new or updated).
    Request,
    /// The event is called off.
    Cancel,
}

/// One demo's invitation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// Request or cancel.
    pub method: Method,
    /// Stable per booking (`<demo id>@<host>`).
    pub uid: String,
    /// Reschedules so far.
    pub sequence: i64,
    /// When the invitation was made.
    pub stamp: DateTime<Utc>,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// Title.
    pub summary: String,
    /// Text (may hold newlines, commas, semicolons).
    pub description: String,
    /// The meeting link (LOCATION and URL).
    pub meeting_link: String,
    /// `(name, e-mail)` of the organizer (the reviewer).
    pub organizer: (String, String),
    /// `(name, e-mail)` of each attendee.
    pub attendees: Vec<(String, String)>,
}

/// The MIME type of an invitation with this method.
pub fn content_type(method: Method) -> &'static str {
    match method {
        Method::Request => "text/calendar; method=REQUEST; charset=UTF-8",
        Method::Cancel => "text/calendar; method=CANCEL; charset=UTF-8",
    }
}

/// Escapes TEXT (RFC 5545 §3.3.11): backslash, semicolon, comma, newline.
pub fn escape_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Quoted parameter value (CN): no double quotes or control characters allowed.
fn param(raw: &str) -> String {
    let clean: String = raw
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{clean}\"")
}

/// A URI value: control characters dropped (a link never has them).
fn uri(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).collect()
}

/// Folds one content line at 75 octets (never inside a UTF-8 sequence), continuation
/// lines starting with a space, each line ended with CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0;
    let mut limit = 75;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > limit {
            out.push_str("\r\n ");
            used = 1;
            limit = 75;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

impl Invitation {
    /// The `.ics` text.
    pub fn to_ics(&self) -> String {
        let method = match self.method {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        };
        let mut lines = vec![
            "BEGIN:VCALENDAR".to_owned(),
            "PRODID:-//Blue Button 2.0//Production access demo//EN".to_owned(),
            "VERSION:2.0".to_owned(),
            "CALSCALE:GREGORIAN".to_owned(),
            format!("METHOD:{method}"),
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", escape_text(&self.uid)),
            format!("SEQUENCE:{}", self.sequence),
            format!("DTSTAMP:{}", utc(self.stamp)),
            format!("DTSTART:{}", utc(self.start)),
            format!("DTEND:{}", utc(self.end)),
            format!("SUMMARY:{}", escape_text(&self.summary)),
            format!("DESCRIPTION:{}", escape_text(&self.description)),
            format!("LOCATION:{}", escape_text(&self.meeting_link)),
            format!("URL:{}", uri(&self.meeting_link)),
            format!(
                "ORGANIZER;CN={}:mailto:{}",
                param(&self.organizer.0),
                uri(&self.organizer.1)
            ),
        ];
        for (name, email) in &self.attendees {
            lines.push(format!(
                "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{}",
                param(name),
                uri(email)
            ));
        }
        lines.push(
            match self.method {
                Method::Request => "STATUS:CONFIRMED",
                Method::Cancel => "STATUS:CANCELLED",
            }
            .to_owned(),
        );
        lines.push("END:VEVENT".to_owned());
        lines.push("END:VCALENDAR".to_owned());
        lines.iter().map(|l| fold(l)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// An independent reader: checks CRLF and line length, unfolds, splits name,
    /// parameters and value, and unescapes TEXT.
    fn parse(ics: &str) -> Vec<(String, String, String)> {
        assert!(ics.ends_with("\r\n"), "ends with CRLF");
        let physical: Vec<&str> = ics.split("\r\n").collect();
        assert_eq!(physical.last(), Some(&""));
        let mut logical: Vec<String> = Vec::new();
        for line in &physical[..physical.len() - 1] {
            assert!(!line.contains('\n') && !line.contains('\r'), "bare LF/CR");
            assert!(line.len() <= 75, "line over 75 octets: {line:?}");
            if let Some(rest) = line.strip_prefix(' ') {
                logical.last_mut().expect("continuation").push_str(rest);
            } else {
                logical.push((*line).to_owned());
            }
        }
        logical
            .into_iter()
            .map(|l| {
                let colon = l.find(':').expect("name:value");
                let (head, value) = (&l[..colon], &l[colon + 1..]);
                let (name, params) = head.split_once(';').unwrap_or((head, ""));
                let mut text = String::new();
                let mut it = value.chars();
                while let Some(c) = it.next() {
                    if c == '\\' {
                        match it.next() {
                            Some('n') | Some('N') => text.push('\n'),
                            Some(o) => text.push(o),
                            None => panic!("dangling backslash"),
                        }
                    } else {
                        assert!(
                            !(c == ';' || c == ',') || name != "DESCRIPTION",
                            "unescaped {c}"
                        );
                        text.push(c);
                    }
                }
                (name.to_owned(), params.to_owned(), text)
            })
            .collect()
    }

    fn get<'a>(props: &'a [(String, String, String)], name: &str) -> Vec<&'a str> {
        props
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, _, v)| v.as_str())
            .collect()
    }

    fn invitation(method: Method, sequence: i64) -> Invitation {
        Invitation {
            method,
            uid: "demo-abc123@bluebutton.example".into(),
            sequence,
            stamp: Utc.with_ymd_and_hms(2026, 12, 5, 1, 2, 3).unwrap(),
            start: Utc.with_ymd_and_hms(2026, 12, 8, 15, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 8, 16, 0, 0).unwrap(),
            summary: "Blue Button demo: Acme Health; Café app".into(),
            description: "Show, in this order:\n1. user account creation, 2. authorization \
                          to share Medicare data; 3. how data is displayed\\used — ✓ ünïcödé \
                          text long enough to be folded several times over the limit"
                .into(),
            meeting_link: "https://meet.example/r/abc?x=1,2;y".into(),
            organizer: ("Rita \"R\" Reviewer".into(), "rita@cms.example".into()),
            attendees: vec![
                ("Dev One".into(), "dev1@acme.example".into()),
                ("Rita Reviewer".into(), "rita@cms.example".into()),
            ],
        }
    }

    #[test]
    fn request_has_every_required_property_in_utc() {
        let ics = invitation(Method::Request, 0).to_ics();
        let props = parse(&ics);
        assert_eq!(props.first().map(|p| p.2.as_str()), Some("VCALENDAR"));
        assert_eq!(get(&props, "VERSION"), ["2.0"]);
        assert_eq!(get(&props, "METHOD"), ["REQUEST"]);
        assert_eq!(get(&props, "PRODID").len(), 1);
        assert_eq!(get(&props, "BEGIN"), ["VCALENDAR", "VEVENT"]);
        assert_eq!(get(&props, "END"), ["VEVENT", "VCALENDAR"]);
        assert_eq!(get(&props, "UID"), ["demo-abc123@bluebutton.example"]);
        assert_eq!(get(&props, "SEQUENCE"), ["0"]);
        assert_eq!(get(&props, "DTSTAMP"), ["20261205T010203Z"]);
        assert_eq!(get(&props, "DTSTART"), ["20261208T150000Z"]);
        assert_eq!(get(&props, "DTEND"), ["20261208T160000Z"]);
        assert_eq!(get(&props, "URL"), ["https://meet.example/r/abc?x=1,2;y"]);
        assert_eq!(
            get(&props, "LOCATION"),
            ["https://meet.example/r/abc?x=1,2;y"]
        );
        assert_eq!(get(&props, "ORGANIZER"), ["mailto:rita@cms.example"]);
        assert_eq!(get(&props, "ATTENDEE").len(), 2);
        assert_eq!(get(&props, "STATUS"), ["CONFIRMED"]);
        let org = props.iter().find(|p| p.0 == "ORGANIZER").unwrap();
        assert_eq!(org.1, "CN=\"Rita R Reviewer\"");
    }

    #[test]
    fn text_is_escaped_and_survives_folding() {
        let inv = invitation(Method::Request, 0);
        let ics = inv.to_ics();
        assert!(ics.contains("Acme Health\\; Café app"));
        assert!(ics.contains("\\n1. user account creation\\, 2."));
        assert!(ics.contains("displayed\\\\used"));
        let props = parse(&ics);
        assert_eq!(get(&props, "DESCRIPTION"), [inv.description.as_str()]);
        assert_eq!(get(&props, "SUMMARY"), [inv.summary.as_str()]);
        // The description was long enough to be folded.
        assert!(ics.split("\r\n").any(|l| l.starts_with(' ')));
    }

    #[test]
    fn folding_keeps_lines_within_75_octets_and_utf8_whole() {
        let line = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = fold(&line);
        for l in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75, "{}", l.len());
        }
        let unfolded: String = folded
            .trim_end_matches("\r\n")
            .split("\r\n")
            .enumerate()
            .map(|(i, l)| if i == 0 { l } else { &l[1..] })
            .collect();
        assert_eq!(unfolded, line);
        assert_eq!(fold("SHORT:1"), "SHORT:1\r\n");
        let exact = format!("X:{}", "a".repeat(73));
        assert_eq!(fold(&exact), format!("{exact}\r\n"));
        assert_eq!(fold(&format!("{exact}b")), format!("{exact}\r\n b\r\n"));
    }

    #[test]
    fn reschedule_counts_sequence_and_cancel_keeps_uid() {
        let moved = parse(&invitation(Method::Request, 1).to_ics());
        assert_eq!(get(&moved, "SEQUENCE"), ["1"]);
        let cancel = parse(&invitation(Method::Cancel, 2).to_ics());
        assert_eq!(get(&cancel, "METHOD"), ["CANCEL"]);
        assert_eq!(get(&cancel, "STATUS"), ["CANCELLED"]);
        assert_eq!(get(&cancel, "SEQUENCE"), ["2"]);
        assert_eq!(get(&cancel, "UID"), get(&moved, "UID"));
        assert_eq!(
            content_type(Method::Cancel),
            "text/calendar; method=CANCEL; charset=UTF-8"
        );
    }

    #[test]
    fn only_crlf_line_endings() {
        let ics = invitation(Method::Request, 0).to_ics();
        assert_eq!(ics.matches('\n').count(), ics.matches("\r\n").count());
        assert_eq!(ics.matches('\r').count(), ics.matches("\r\n").count());
    }
}
