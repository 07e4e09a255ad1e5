//! Escalation fan-out: N operator sockets on `/ws`, K escalating WhatsApp webhooks, and a local
//! Web Push receiver. Measures, per escalation, the time from posting the webhook to (a) its
//! `conversation_updated` (owner `waiting`) at every socket and (b) the Web Push request reaching
//! the receiver (matched by the `Topic` header, `conv-<id>`).
//!
//! ```text
//! baton-bench fanout BASE_URL[,BASE_URL...] COOKIE SECRET CLIENTS ESCALATIONS PUSH_PORT
//! ```
//! With several base URLs (instances of one cluster), sockets are spread over them in turn and
//! the webhooks posted to each in turn.
//! Prints one JSON line with p50/p99/max for both, and how many deliveries were seen.

use futures::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Arrivals = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

fn percentiles(mut v: Vec<f64>) -> serde_json::Value {
    if v.is_empty() {
        return serde_json::json!({"n": 0});
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    serde_json::json!({"n": v.len(), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0)})
}

/// A Web Push endpoint that only records when each topic arrived.
async fn push_receiver(port: u16, arrivals: Arrivals) {
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
        let arrivals = arrivals.clone();
        async move {
            let topic = headers
                .get("topic")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            arrivals
                .lock()
                .unwrap()
                .entry(topic)
                .or_default()
                .push(Instant::now());
            axum::http::StatusCode::CREATED
        }
    });
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind push receiver");
    axum::serve(l, app).await.expect("push receiver");
}

pub async fn run(
    base: String,
    cookie: String,
    secret: String,
    clients: usize,
    escalations: usize,
    push_port: u16,
) {
    let http = reqwest::Client::new();
    let bases: Vec<String> = base.split(',').map(str::to_string).collect();
    let base = bases[0].clone();
    // One Web Push device for this operator, pointing at the local receiver. The keys are
    // RFC 8291's example user agent keys: a valid subscription nobody needs to decrypt here.
    let origin = base.clone();
    let r = http
        .post(format!("{base}/api/devices/subscribe_webpush"))
        .header("cookie", &cookie)
        .header("origin", &origin)
        .form(&[
            ("endpoint", format!("http://127.0.0.1:{push_port}/push/bench")),
            ("p256dh", "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4".into()),
            ("auth", "BTBZMqHH6r4Tts7J_aSIgg".into()),
        ])
        .send()
        .await
        .expect("subscribe");
    assert!(r.status().is_success(), "subscribe: {}", r.status());
    let pushes: Arrivals = Arc::default();
    tokio::spawn(push_receiver(push_port, pushes.clone()));

    // name of the escalated contact -> arrival times at the sockets; name -> conversation id.
    let seen: Arrivals = Arc::default();
    let ids: Arc<Mutex<HashMap<String, i64>>> = Arc::default();
    let mut ready = Vec::new();
    for i in 0..clients {
        let ws_url = bases[i % bases.len()].replacen("http", "ws", 1) + "/ws";
        let mut req = ws_url.as_str().into_client_request().expect("ws url");
        req.headers_mut()
            .insert("cookie", cookie.parse().expect("cookie"));
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("connect");
        let (_tx, mut rx) = ws.split();
        let (seen, ids) = (seen.clone(), ids.clone());
        let (up_tx, up_rx) = tokio::sync::oneshot::channel::<()>();
        ready.push(up_rx);
        tokio::spawn(async move {
            let _keep = _tx;
            let mut up = Some(up_tx);
            while let Some(Ok(msg)) = rx.next().await {
                let Ok(text) = msg.to_text() else { continue };
                if let Some(up) = up.take() {
                    let _ = up.send(());
                }
                if !text.contains("\"conversation_updated\"") || !text.contains("\"waiting\"") {
                    continue;
                }
                let at = Instant::now();
                let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
                let name = v["conversation"]["contact_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if !name.starts_with("Bench ") {
                    continue;
                }
                if let Some(id) = v["conversation"]["id"].as_i64() {
                    ids.lock().unwrap().insert(name.clone(), id);
                }
                seen.lock().unwrap().entry(name).or_default().push(at);
            }
        });
    }
    for r in ready {
        let _ = r.await;
    }
    eprintln!("{clients} sockets connected; server pid memory is read by the script now");
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut sent = Vec::new();
    for k in 0..escalations {
        let phone = 579_000_000_000u64 + k as u64;
        let name = format!("Bench {k}");
        let body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"WABA","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550000000","phone_number_id":"123456"}},"contacts":[{{"profile":{{"name":"{name}"}},"wa_id":"{phone}"}}],"messages":[{{"from":"{phone}","id":"wamid.fanout.{phone}","timestamp":"1700000000","type":"text","text":{{"body":"quiero hablar con un operador"}}}}]}}}}]}}]}}"#
        );
        let t0 = Instant::now();
        let r = http
            .post(format!("{}/webhooks/whatsapp", bases[k % bases.len()]))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", crate::sign(&secret, body.as_bytes()))
            .body(body)
            .send()
            .await
            .expect("webhook");
        assert!(r.status().is_success(), "webhook: {}", r.status());
        sent.push((name, t0));
        // One escalation at a time, as a burst of customers would not all arrive in the same ms.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    let seen = seen.lock().unwrap();
    let ids = ids.lock().unwrap();
    let pushes = pushes.lock().unwrap();
    let (mut every, mut last, mut push) = (Vec::new(), Vec::new(), Vec::new());
    let mut complete = 0;
    for (name, t0) in &sent {
        let times = seen.get(name).cloned().unwrap_or_default();
        if times.len() >= clients {
            complete += 1;
        }
        every.extend(
            times
                .iter()
                .map(|t| t.duration_since(*t0).as_secs_f64() * 1000.0),
        );
        if let Some(max) = times.iter().max() {
            last.push(max.duration_since(*t0).as_secs_f64() * 1000.0);
        }
        if let Some(at) = ids
            .get(name)
            .and_then(|id| pushes.get(&format!("conv-{id}")))
            .and_then(|v| v.iter().min())
        {
            push.push(at.duration_since(*t0).as_secs_f64() * 1000.0);
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "clients": clients,
            "instances": bases.len(),
            "escalations": sent.len(),
            "escalations_seen_by_every_client": complete,
            "event_at_each_client": percentiles(every),
            "event_at_last_client": percentiles(last),
            "web_push_arrival": percentiles(push),
        })
    );
}
