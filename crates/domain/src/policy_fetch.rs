//! Fetching a policy by its web address for the self-service policy check (issue 8, item 7),
//! without letting the server be used to reach what only it can reach (SSRF).
//!
//! The rules: `https` only; no user name or password in the address; the host is resolved
//! here and **every** address it resolves to must be public (not loopback, private,
//! link-local, carrier-grade NAT, documentation, benchmarking, multicast, reserved, or an
//! IPv6 form of those), and the connection is pinned to the vetted address so a second DNS
//! answer cannot point elsewhere (DNS rebinding); redirects are followed by hand, at most 3,
//! each hop vetted the same way; the whole fetch has a 10 s deadline; the body is read in
//! chunks and cut off past 10 MB; only PDF, HTML and plain text are accepted.
//!
//! [`PolicyFetcher::allowing_private_addresses`] lifts the address and scheme rules: it is
//! what the tests use to serve a policy from a real server on loopback. It is not reachable
//! from the configuration.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use url::Url;

/// Largest body accepted (the upload limit of the self-service page).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Redirects followed.
pub const MAX_REDIRECTS: usize = 3;
/// Deadline of the whole fetch.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Why an address was not fetched. The messages are shown to the developer as they are.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    /// Not a URL.
    #[error("this is not a web address: {0}")]
    Invalid(String),
    /// Not https.
    #[error("only https:// addresses can be fetched")]
    Scheme,
    /// `user:password@` in the address.
    #[error("addresses with a user name or password are not fetched")]
    Credentials,
    /// The host did not resolve.
    #[error("the host {0} could not be found")]
    Resolve(String),
    /// The host resolves to an address that is not public.
    #[error(
        "the host {host} resolves to {ip}, which is not a public address; only public web pages are fetched"
    )]
    NotPublic {
        /// The host.
        host: String,
        /// The refused address.
        ip: IpAddr,
    },
    /// Too many redirects.
    #[error("more than {MAX_REDIRECTS} redirects")]
    Redirects,
    /// A redirect without a usable `Location`.
    #[error("a redirect without a valid Location")]
    BadRedirect,
    /// Not 2xx.
    #[error("the server answered {0}")]
    Status(u16),
    /// Not a PDF, HTML or text.
    #[error("the page is {0}, not a PDF, HTML or plain text")]
    ContentType(String),
    /// Over 10 MB.
    #[error("the document is larger than 10 MB")]
    TooLarge,
    /// Connection, TLS or reading failed, or the deadline passed.
    #[error("the page could not be fetched: {0}")]
    Network(String),
}

/// A fetched document.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// A file name that tells the extractor the type (`policy.pdf`, `….html`, `….txt`).
    pub file_name: String,
    /// The body.
    pub bytes: Vec<u8>,
    /// The address finally read (after redirects).
    pub final_url: String,
}

/// The fetcher (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct PolicyFetcher {
    allow_private: bool,
}

impl PolicyFetcher {
    /// The safe fetcher: public https addresses only.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fetcher that also reaches loopback and private addresses over http (tests only).
    pub fn allowing_private_addresses() -> Self {
        Self {
            allow_private: true,
        }
    }

    /// Fetches `address` under the rules of the module docs.
    pub async fn fetch(&self, address: &str) -> Result<Fetched, FetchError> {
        tokio::time::timeout(DEADLINE, self.fetch_inner(address))
            .await
            .map_err(|_| {
                FetchError::Network(format!("no answer within {} s", DEADLINE.as_secs()))
            })?
    }

    async fn fetch_inner(&self, address: &str) -> Result<Fetched, FetchError> {
        let mut url =
            Url::parse(address.trim()).map_err(|e| FetchError::Invalid(format!("{e}")))?;
        for _ in 0..=MAX_REDIRECTS {
            let (host, addr) = self.vet(&url).await?;
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .resolve(&host, addr)
                .connect_timeout(Duration::from_secs(5))
                .user_agent(concat!(
                    "bluebutton-policy-check/",
                    env!("CARGO_PKG_VERSION")
                ))
                .build()
                .map_err(|e| FetchError::Network(e.to_string()))?;
            let mut response = client
                .get(url.clone())
                .header(
                    reqwest::header::ACCEPT,
                    "application/pdf, text/html;q=0.9, text/plain;q=0.8",
                )
                .send()
                .await
                .map_err(|e| FetchError::Network(without_url(e)))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or(FetchError::BadRedirect)?;
                url = url.join(location).map_err(|_| FetchError::BadRedirect)?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let extension = extension_of(&content_type)
                .ok_or_else(|| FetchError::ContentType(shown_type(&content_type)))?;
            if response
                .content_length()
                .is_some_and(|n| n > MAX_BYTES as u64)
            {
                return Err(FetchError::TooLarge);
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| FetchError::Network(without_url(e)))?
            {
                if bytes.len() + chunk.len() > MAX_BYTES {
                    return Err(FetchError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            return Ok(Fetched {
                file_name: file_name_of(&url, extension),
                bytes,
                final_url: url.to_string(),
            });
        }
        Err(FetchError::Redirects)
    }

    /// Checks the scheme, credentials and every address of the host; the address to use.
    async fn vet(&self, url: &Url) -> Result<(String, SocketAddr), FetchError> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            _ => return Err(FetchError::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Credentials);
        }
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::Invalid("no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| FetchError::Resolve(host.clone()))?
            .collect();
        let first = *addrs
            .first()
            .ok_or_else(|| FetchError::Resolve(host.clone()))?;
        if !self.allow_private
            && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip()))
        {
            return Err(FetchError::NotPublic { host, ip: bad.ip() });
        }
        Ok((host, first))
    }
}

/// reqwest's message without the address (which may carry a query the developer typed).
fn without_url(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        e.without_url().to_string()
    }
}

/// The extension the extractor knows for a `Content-Type`, or `None` when refused.
fn extension_of(content_type: &str) -> Option<&'static str> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/pdf" => Some("pdf"),
        "text/html" | "application/xhtml+xml" => Some("html"),
        "text/plain" => Some("txt"),
        _ => None,
    }
}

fn shown_type(content_type: &str) -> String {
    let t = content_type.split(';').next().unwrap_or("").trim();
    if t.is_empty() {
        "of no stated type".into()
    } else {
        t.chars().take(80).collect()
    }
}

/// The last path segment when it has the right extension, else `policy.EXT`.
fn file_name_of(url: &Url, extension: &str) -> String {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    let decoded: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(100)
        .collect();
    let known = decoded.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (ext.eq_ignore_ascii_case(extension)
                || (extension == "html" && ext.eq_ignore_ascii_case("htm")))
    });
    if known {
        decoded
    } else {
        format!("policy.{extension}")
    }
}

/// Whether an address is on the public internet (the module docs list what is not).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => is_public_v6(a),
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [o0, o1, o2, _] = a.octets();
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_broadcast()
        || a.is_documentation()
        || a.is_multicast()
        || o0 == 0 // "this network"
        || (o0 == 100 && (o1 & 0xc0) == 64) // 100.64.0.0/10 carrier-grade NAT
        || (o0 == 192 && o1 == 0 && o2 == 0) // 192.0.0.0/24 protocol assignments
        || (o0 == 198 && (o1 & 0xfe) == 18) // 198.18.0.0/15 benchmarking
        || o0 >= 240) // reserved
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = a.segments();
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 (embeds an IPv4 address)
        || s[0] == 0x2002 // 6to4 (embeds an IPv4 address)
        || (s[0] == 0x2001 && s[1] == 0) // Teredo (embeds an IPv4 address)
        || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible ::a.b.c.d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn public_addresses_pass_and_every_private_kind_is_refused() {
        for good in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:2800:220:1:248:1893:25c8:1946",
            "1.1.1.1",
        ] {
            assert!(is_public(ip(good)), "{good}");
        }
        for bad in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "2001:db8::1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "2001:0:4136:e378::1",
            "::127.0.0.1",
            "ff02::1",
        ] {
            assert!(!is_public(ip(bad)), "{bad}");
        }
        // The edges of the ranges.
        assert!(is_public(ip("100.63.255.255")));
        assert!(is_public(ip("100.128.0.0")));
        assert!(is_public(ip("172.32.0.0")));
        assert!(is_public(ip("198.20.0.0")));
    }

    #[test]
    fn only_pdf_html_and_text_are_accepted() {
        assert_eq!(extension_of("application/pdf"), Some("pdf"));
        assert_eq!(extension_of("text/html; charset=utf-8"), Some("html"));
        assert_eq!(extension_of("TEXT/PLAIN"), Some("txt"));
        assert_eq!(extension_of("image/png"), None);
        assert_eq!(extension_of(""), None);
        assert_eq!(shown_type(""), "of no stated type");
        assert_eq!(shown_type("image/png; q=1"), "image/png");
    }

    #[test]
    fn the_file_name_tells_the_type() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            file_name_of(&u("https://a.example/legal/privacy.pdf"), "pdf"),
            "privacy.pdf"
        );
        assert_eq!(
            file_name_of(&u("https://a.example/privacy.htm"), "html"),
            "privacy.htm"
        );
        assert_eq!(
            file_name_of(&u("https://a.example/privacy"), "html"),
            "policy.html"
        );
        assert_eq!(
            file_name_of(&u("https://a.example/p.pdf"), "html"),
            "policy.html"
        );
        assert_eq!(file_name_of(&u("https://a.example/"), "txt"), "policy.txt");
        assert_eq!(
            file_name_of(&u("https://a.example/%2e%2e%2fx.pdf"), "pdf"),
            "2e2e2fx.pdf"
        );
    }

    #[tokio::test]
    async fn the_safe_fetcher_refuses_before_connecting() {
        let f = PolicyFetcher::new();
        assert_eq!(
            f.fetch("http://example.org/p").await.unwrap_err(),
            FetchError::Scheme
        );
        assert_eq!(
            f.fetch("ftp://example.org/p").await.unwrap_err(),
            FetchError::Scheme
        );
        assert_eq!(
            f.fetch("file:///etc/passwd").await.unwrap_err(),
            FetchError::Scheme
        );
        assert_eq!(
            f.fetch("https://user:pw@example.org/p").await.unwrap_err(),
            FetchError::Credentials
        );
        assert!(matches!(
            f.fetch("not a url").await.unwrap_err(),
            FetchError::Invalid(_)
        ));
        for local in [
            "https://127.0.0.1/p",
            "https://localhost/p",
            "https://[::1]:8443/p",
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.1/p",
            "https://0x7f000001/p",
            "https://2130706433/p",
        ] {
            let e = f.fetch(local).await.unwrap_err();
            assert!(matches!(e, FetchError::NotPublic { .. }), "{local}: {e:?}");
        }
    }
}
