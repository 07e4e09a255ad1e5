//! `baton-bench pages BASE COOKIE REQUESTS CONNECTIONS PATH...`: renders the given pages
//! REQUESTS times in total (round robin over PATH), CONNECTIONS at a time, and prints one JSON
//! line: requests, per-status counts, transport errors (a connection closed or timed out), max
//! and p99 latency, and how many responses took longer than 5 s. Every request has a 60 s
//! client deadline, so a render that never finishes is counted instead of hanging the run.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SLOW: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<u16, u64>,
    transport_errors: u64,
    slow: u64,
}

pub async fn run(
    base: String,
    cookie: String,
    requests: u64,
    connections: usize,
    paths: Vec<String>,
) {
    let deadline = std::env::var("PAGES_ABANDON_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(60), Duration::from_millis);
    let paths = Arc::new(paths);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let (base, cookie, paths, next) =
            (base.clone(), cookie.clone(), paths.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(deadline)
                .build()
                .expect("client");
            let mut t = Tally::default();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= requests {
                    break;
                }
                let url = format!("{base}{}", paths[(n % paths.len() as u64) as usize]);
                let begun = Instant::now();
                let res = client
                    .get(&url)
                    .header("cookie", cookie.as_str())
                    .send()
                    .await;
                // A body cut short (a panic after the headers were sent) is a transport error.
                let status = match res {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        r.bytes().await.ok().map(|_| s)
                    }
                    Err(_) => None,
                };
                let took = begun.elapsed();
                t.latencies_us.push(took.as_micros() as u64);
                t.slow += u64::from(took > SLOW);
                match status {
                    Some(s) => *t.statuses.entry(s).or_default() += 1,
                    None => t.transport_errors += 1,
                }
            }
            t
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        let t = task.await.expect("task");
        all.latencies_us.extend(t.latencies_us);
        for (s, n) in t.statuses {
            *all.statuses.entry(s).or_default() += n;
        }
        all.transport_errors += t.transport_errors;
        all.slow += t.slow;
    }
    all.latencies_us.sort_unstable();
    let n = all.latencies_us.len().max(1);
    let ms = |i: usize| all.latencies_us.get(i).copied().unwrap_or(0) as f64 / 1000.0;
    let statuses: BTreeMap<String, u64> = all
        .statuses
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "requests": all.latencies_us.len(),
            "seconds": started.elapsed().as_secs_f64(),
            "statuses": statuses,
            "transport_errors": all.transport_errors,
            "p50_ms": ms(n / 2),
            "p99_ms": ms(((n as f64 * 0.99) as usize).min(n - 1)),
            "max_ms": ms(n - 1),
            "over_5s": all.slow,
        })
    );
}
