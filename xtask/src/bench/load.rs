//! An open-loop, fixed-rate HTTP/1.1 load generator for the "half load" figures.
//!
//! `wrk` (used for the maximum rates) is closed-loop: each connection sends its next request
//! when the previous answer arrives, so a slow answer delays the requests behind it and
//! their waiting never shows in the percentiles ("coordinated omission"). Latency at a given
//! load needs the opposite: requests sent on a fixed schedule whatever the server does, each
//! timed from the moment it *should* have been sent. `wrk2` does that but is not packaged by
//! Debian, so this module does it with one OS thread per connection (blocking sockets,
//! `std::thread::sleep` wakes within tens of microseconds, finer than tokio's 1 ms timer).
//!
//! Connection `i` of `c` sends request `k` at `start + (k·c + i) / rate`; the latency of a
//! request is from that scheduled instant to the last byte of its answer. Answers are read
//! completely (`Content-Length` or chunked); anything but `200` counts as an error. Only
//! 127.0.0.1 is ever targeted.

use anyhow::{Context, bail};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// What one fixed-rate run measured.
#[derive(Debug, Clone)]
pub struct FixedRate {
    /// The rate asked for, requests per second.
    pub target_rps: f64,
    /// Answers received per second of the run.
    pub achieved_rps: f64,
    /// Requests answered `200`.
    pub ok: u64,
    /// Requests answered otherwise, or failed.
    pub errors: u64,
    /// Latency percentiles in milliseconds, from the scheduled send.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// The slowest answer.
    pub max_ms: f64,
}

/// Sends `GET path` to `127.0.0.1:port` at `rate` requests per second for `seconds`, over
/// `connections` kept-alive connections, with the extra request `headers`.
pub fn fixed_rate(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    rate: f64,
    seconds: f64,
    connections: usize,
) -> anyhow::Result<FixedRate> {
    if rate.is_nan() || rate <= 0.0 || connections == 0 || seconds.is_nan() || seconds <= 0.0 {
        bail!("fixed_rate needs a positive rate, duration and connection count");
    }
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let request = request.into_bytes();
    // Everyone starts together, a little after the threads are up.
    let start = Instant::now() + Duration::from_millis(50);
    let end = start + Duration::from_secs_f64(seconds);
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..connections)
            .map(|i| {
                let request = &request;
                scope.spawn(move || connection(port, request, i, connections, rate, start, end))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("load thread panicked")))
            })
            .collect::<Vec<_>>()
    });
    let mut latencies = Vec::new();
    let mut errors = 0;
    for result in results {
        let (lat, err) = result?;
        latencies.extend(lat);
        errors += err;
    }
    latencies.sort_unstable_by(f64::total_cmp);
    let pick = |q: f64| {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(index).copied().unwrap_or(f64::NAN)
    };
    Ok(FixedRate {
        target_rps: rate,
        achieved_rps: latencies.len() as f64 / seconds,
        ok: latencies.len() as u64,
        errors,
        p50_ms: pick(0.5),
        p90_ms: pick(0.9),
        p99_ms: pick(0.99),
        max_ms: pick(1.0),
    })
}

/// One connection's share of the schedule; returns its latencies (ms) and its errors.
fn connection(
    port: u16,
    request: &[u8],
    index: usize,
    connections: usize,
    rate: f64,
    start: Instant,
    end: Instant,
) -> anyhow::Result<(Vec<f64>, u64)> {
    let mut latencies = Vec::new();
    let mut errors = 0u64;
    let mut stream: Option<BufReader<TcpStream>> = None;
    let mut body = Vec::new();
    for k in 0u64.. {
        let offset = (k as f64 * connections as f64 + index as f64) / rate;
        let scheduled = start + Duration::from_secs_f64(offset);
        if scheduled >= end {
            break;
        }
        let now = Instant::now();
        if scheduled > now {
            std::thread::sleep(scheduled - now);
        }
        let reader = match stream.take() {
            Some(reader) => reader,
            None => {
                let socket = TcpStream::connect(("127.0.0.1", port))
                    .with_context(|| format!("connect to 127.0.0.1:{port}"))?;
                socket.set_nodelay(true)?;
                socket.set_read_timeout(Some(Duration::from_secs(30)))?;
                BufReader::with_capacity(256 * 1024, socket)
            }
        };
        match exchange(reader, request, &mut body) {
            Ok((reader, status, keep_alive)) => {
                if status == 200 {
                    latencies.push(scheduled.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
                if keep_alive {
                    stream = Some(reader);
                }
            }
            Err(_) => errors += 1,
        }
    }
    Ok((latencies, errors))
}

/// Writes the request and reads one whole answer: (the connection, status, kept alive).
fn exchange(
    mut reader: BufReader<TcpStream>,
    request: &[u8],
    body: &mut Vec<u8>,
) -> anyhow::Result<(BufReader<TcpStream>, u16, bool)> {
    reader.get_mut().write_all(request)?;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status line")?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut keep_alive = true;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            bail!("connection closed in the headers");
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse().context("bad content-length")?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                keep_alive = !value.eq_ignore_ascii_case("close");
            }
        }
    }
    body.clear();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .context("bad chunk size")?;
            if size == 0 {
                // Trailers end with an empty line.
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            let at = body.len();
            body.resize(at + size, 0);
            reader.read_exact(&mut body[at..])?;
            line.clear();
            reader.read_line(&mut line)?;
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(body)?;
    } else {
        keep_alive = false;
        reader.read_to_end(body)?;
    }
    Ok((reader, status, keep_alive))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A tiny server answering every request with a fixed body, alternating framing.
    fn serve(listener: TcpListener, chunked: bool) {
        std::thread::spawn(move || {
            for socket in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(socket);
                    let mut line = String::new();
                    loop {
                        // Read one request head.
                        let mut seen = false;
                        loop {
                            line.clear();
                            match reader.read_line(&mut line) {
                                Ok(0) | Err(_) => return,
                                Ok(_) if line == "\r\n" => break,
                                Ok(_) => seen = true,
                            }
                        }
                        if !seen {
                            return;
                        }
                        let answer: &[u8] = if chunked {
                            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                        } else {
                            b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"
                        };
                        if reader.get_mut().write_all(answer).is_err() {
                            return;
                        }
                    }
                });
            }
        });
    }

    #[test]
    fn keeps_the_schedule_and_reads_both_framings() {
        for chunked in [false, true] {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            serve(listener, chunked);
            let r = fixed_rate(port, "/", &[("X-Test", "1")], 400.0, 0.5, 4).unwrap();
            assert_eq!(r.errors, 0, "{r:?}");
            // 400/s for 0.5 s is exactly 200 requests on the schedule, however late.
            assert_eq!(r.ok, 200, "{r:?}");
            assert!(r.p50_ms <= r.p99_ms && r.p99_ms <= r.max_ms, "{r:?}");
        }
    }

    #[test]
    fn counts_refused_connections_as_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        assert!(fixed_rate(port, "/", &[], 100.0, 0.1, 1).is_err());
    }
}
