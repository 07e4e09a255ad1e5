//! Load generator for Baton's webhook ingestion, in the shape of the shared ceiling's wrk scripts
//! (`wa_ingest.lua`, `wa_dup.lua`) but signing every body like WhatsApp does.
//!
//! ```text
//! baton-bench ingest URL SECRET SECONDS CONNECTIONS ESC_EVERY   unique ids, 1,000 contacts
//! baton-bench dup    URL SECRET SECONDS CONNECTIONS             one id from every connection
//! baton-bench get    URL COOKIE SECONDS CONNECTIONS             GET a page (the list benchmark)
//! baton-bench pages  BASE COOKIE REQUESTS CONNECTIONS PATH...   render pages, see `pages.rs`
//! baton-bench sink   PORT                                       a stand-in Graph API (200 + id)
//! baton-bench fanout BASE COOKIE SECRET CLIENTS ESCALATIONS PUSH_PORT   see `fanout.rs`
//! baton-bench crash  BATON_BIN DATABASE_URL PHONES [ingest|reply]     see `crash.rs`
//! ```
//! Prints one JSON line: requests, req/s, p50/p99/max latency (ms), non-200 count, 5xx count,
//! and the sum of `stored` reported by Baton (1 for a duplicate storm means exactly once).

mod crash;
mod fanout;
mod pages;

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn body(phone: u64, id: &str, text: &str) -> String {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"WABA","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550000000","phone_number_id":"123456"}},"contacts":[{{"profile":{{"name":"Cliente {}"}},"wa_id":"{phone}"}}],"messages":[{{"from":"{phone}","id":"{id}","timestamp":"1700000000","type":"text","text":{{"body":"{text}"}}}}]}}}}]}}]}}"#,
        phone % 100_000
    )
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    non_200: u64,
    server_errors: u64,
    stored: u64,
}

async fn run(url: String, secret: String, seconds: u64, connections: usize, mode: Mode) {
    let secret = Arc::new(secret);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let prefix: u64 = rand::thread_rng().gen();
    let counter = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (url, secret, counter) = (url.clone(), secret.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            let mut t = Tally::default();
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
                let started = Instant::now();
                let b = match mode {
                    Mode::Get => {
                        let res = client
                            .get(&url)
                            .header("cookie", secret.as_str())
                            .send()
                            .await;
                        match res {
                            Ok(r) => {
                                let status = r.status().as_u16();
                                let _ = r.bytes().await;
                                t.latencies_us.push(started.elapsed().as_micros() as u64);
                                t.non_200 += u64::from(status != 200);
                                t.server_errors += u64::from(status >= 500);
                            }
                            Err(_) => {
                                t.non_200 += 1;
                                t.server_errors += 1;
                            }
                        }
                        continue;
                    }
                    Mode::Ingest { esc_every } => {
                        let phone = 573_000_000_000 + rand::thread_rng().gen_range(0..1000u64);
                        let text = if esc_every > 0 && n % esc_every == 0 {
                            "quiero hablar con un operador por favor".to_string()
                        } else {
                            format!("hola, quisiera saber el precio del plan {n}")
                        };
                        body(phone, &format!("wamid.{prefix:x}.{n}"), &text)
                    }
                    Mode::Dup => body(
                        573_001_112_233,
                        &format!("wamid.dup.{prefix:x}"),
                        "hola, precio?",
                    ),
                };
                let res = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", sign(&secret, b.as_bytes()))
                    .body(b)
                    .send()
                    .await;
                match res {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let text = r.text().await.unwrap_or_default();
                        t.latencies_us.push(started.elapsed().as_micros() as u64);
                        if status != 200 {
                            t.non_200 += 1;
                        }
                        if status >= 500 {
                            t.server_errors += 1;
                        }
                        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                            t.stored += v["stored"].as_u64().unwrap_or(0);
                        }
                    }
                    Err(_) => {
                        t.non_200 += 1;
                        t.server_errors += 1;
                    }
                }
            }
            t
        }));
    }
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await.expect("task");
        all.latencies_us.extend(t.latencies_us);
        all.non_200 += t.non_200;
        all.server_errors += t.server_errors;
        all.stored += t.stored;
    }
    all.latencies_us.sort_unstable();
    let n = all.latencies_us.len().max(1);
    let pct = |p: f64| all.latencies_us[((n as f64 * p) as usize).min(n - 1)] as f64 / 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "requests": all.latencies_us.len(),
            "rps": (all.latencies_us.len() as f64 / seconds as f64).round(),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": pct(1.0),
            "non_200": all.non_200,
            "server_errors": all.server_errors,
            "stored": all.stored,
        })
    );
}

#[derive(Clone, Copy)]
enum Mode {
    Ingest {
        esc_every: u64,
    },
    Dup,
    /// GET `url` with the "secret" argument as the Cookie header.
    Get,
}

/// A stand-in for the Graph API so Baton's outbound sends succeed without a network.
async fn sink(port: u16) {
    let n = Arc::new(AtomicU64::new(0));
    let app =
        axum::Router::new().fallback(move || {
            let n = n.fetch_add(1, Ordering::Relaxed);
            async move {
                axum::Json(serde_json::json!({"messages": [{"id": format!("wamid.sink.{n}")}]}))
            }
        });
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind sink");
    axum::serve(l, app).await.expect("sink");
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let num = |i: usize, d: u64| arg(i).parse().unwrap_or(d);
    match arg(1).as_str() {
        "ingest" => {
            run(
                arg(2),
                arg(3),
                num(4, 10),
                num(5, 32) as usize,
                Mode::Ingest {
                    esc_every: num(6, 10),
                },
            )
            .await
        }
        "dup" => run(arg(2), arg(3), num(4, 10), num(5, 32) as usize, Mode::Dup).await,
        "get" => run(arg(2), arg(3), num(4, 10), num(5, 8) as usize, Mode::Get).await,
        "sink" => sink(num(2, 8099) as u16).await,
        "pages" => {
            pages::run(
                arg(2),
                arg(3),
                num(4, 20_000),
                num(5, 16) as usize,
                args.iter().skip(6).cloned().collect(),
            )
            .await
        }
        "fanout" => {
            fanout::run(
                arg(2),
                arg(3),
                arg(4),
                num(5, 1000) as usize,
                num(6, 50) as usize,
                num(7, 8097) as u16,
            )
            .await
        }
        "crash" => crash::run(arg(2), arg(3), num(4, 1000) as usize, arg(5)).await,
        _ => {
            eprintln!("usage: baton-bench ingest|dup URL SECRET SECONDS CONNECTIONS [ESC_EVERY] | get URL COOKIE SECONDS CONNECTIONS | pages BASE COOKIE REQUESTS CONNECTIONS PATH... | sink PORT");
            std::process::exit(2);
        }
    }
}
