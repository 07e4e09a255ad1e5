//! Push notifications against local stand-ins for the push services, on 127.0.0.1: a Web Push
//! receiver that checks VAPID and decrypts the aes128gcm body like a browser would (RFC 8291),
//! an FCM token and send endpoint that verify the RS256 assertion and the message, and an h2c
//! APNs that verifies the ES256 provider token. Requests are recorded; the tests assert on them.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::Aes128Gcm;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, Version};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use serde_json::{json, Value};
use server::push::{DeviceTarget, PushAlert, PushConfig, PushOutcome, Pusher, VapidKeys};
use sha2::Sha256;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

// ---------------------------------------------------------------------------------------------
// A recording receiver: answers per path from a script, else from the path's default.

#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Req {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Clone)]
pub(crate) struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

pub(crate) fn answer(status: u16, headers: &[(&'static str, &str)], body: &str) -> Answer {
    Answer {
        status,
        headers: headers.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        body: body.to_string(),
    }
}

#[derive(Clone, Default)]
pub(crate) struct Receiver {
    pub(crate) reqs: Arc<Mutex<Vec<Req>>>,
    script: Arc<Mutex<HashMap<String, VecDeque<Answer>>>>,
    defaults: Arc<Mutex<HashMap<String, Answer>>>,
    pub(crate) base: String,
}

async fn record(
    State(rx): State<Receiver>,
    method: Method,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    rx.reqs.lock().unwrap().push(Req {
        method,
        path: path.clone(),
        version,
        headers,
        body,
    });
    let scripted = rx
        .script
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    let a = scripted
        .or_else(|| rx.defaults.lock().unwrap().get(&path).cloned())
        .unwrap_or_else(|| answer(404, &[], "no such path in this test"));
    let mut res = (StatusCode::from_u16(a.status).unwrap(), a.body).into_response();
    for (k, v) in a.headers {
        res.headers_mut().insert(k, v.parse().unwrap());
    }
    res
}

impl Receiver {
    /// HTTP/1.1, like the push services' and Google's endpoints.
    pub(crate) async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rx = Receiver {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Receiver::default()
        };
        let app = axum::Router::new().fallback(record).with_state(rx.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        rx
    }

    /// HTTP/2 only, without TLS (h2c with prior knowledge), like APNs minus the TLS.
    /// (`axum::serve` speaks HTTP/1 only in this build, so hyper's HTTP/2 server is used.)
    pub(crate) async fn start_h2c() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rx = Receiver {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Receiver::default()
        };
        let app = axum::Router::new().fallback(record).with_state(rx.clone());
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let svc = hyper_util::service::TowerToHyperService::new(app.clone());
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http2::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
                });
            }
        });
        rx
    }

    pub(crate) fn default_answer(&self, path: &str, a: Answer) {
        self.defaults.lock().unwrap().insert(path.to_string(), a);
    }

    pub(crate) fn script(&self, path: &str, answers: Vec<Answer>) {
        self.script
            .lock()
            .unwrap()
            .entry(path.to_string())
            .or_default()
            .extend(answers);
    }

    pub(crate) fn requests(&self, path: &str) -> Vec<Req> {
        self.reqs
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers: base64url, JWT checks, files, configuration.

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn b64d(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .unwrap_or_else(|e| panic!("not base64url ({e}): {s:?}"))
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Splits a JWT into its decoded header and claims, and the signing input and signature.
fn jwt_parts(jwt: &str) -> (Value, Value, String, Vec<u8>) {
    let (input, sig) = jwt.rsplit_once('.').expect("a JWT");
    let (h, c) = input.split_once('.').expect("a JWT");
    let header = serde_json::from_slice(&b64d(h)).unwrap();
    let claims = serde_json::from_slice(&b64d(c)).unwrap();
    (header, claims, input.to_string(), b64d(sig))
}

/// Whether an ES256 JWT's signature verifies against a SEC1 public key.
pub(crate) fn es256_ok(jwt: &str, public_sec1: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier;
    let (_, _, input, sig) = jwt_parts(jwt);
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_sec1).expect("a P-256 key");
    let sig = p256::ecdsa::Signature::from_slice(&sig).expect("a 64-byte r||s signature");
    key.verify(input.as_bytes(), &sig).is_ok()
}

/// Whether an RS256 JWT's signature verifies.
fn rs256_ok(jwt: &str, public: &rsa::RsaPublicKey) -> bool {
    use rsa::signature::Verifier;
    let (_, _, input, sig) = jwt_parts(jwt);
    let key = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public.clone());
    let sig = rsa::pkcs1v15::Signature::try_from(sig.as_slice()).unwrap();
    key.verify(input.as_bytes(), &sig).is_ok()
}

/// The same JWT with one bit of its signature flipped.
fn tampered(jwt: &str) -> String {
    let (input, sig) = jwt.rsplit_once('.').unwrap();
    let mut sig = b64d(sig);
    sig[10] ^= 1;
    format!("{input}.{}", b64(&sig))
}

/// Checks an ES256 JWT (and that a tampered copy fails); returns (header, claims).
pub(crate) fn verify_es256(jwt: &str, public_sec1: &[u8]) -> (Value, Value) {
    assert!(es256_ok(jwt, public_sec1), "the ES256 signature verifies");
    assert!(!es256_ok(&tampered(jwt), public_sec1));
    let (header, claims, _, _) = jwt_parts(jwt);
    assert_eq!(header["alg"], "ES256");
    (header, claims)
}

/// Checks an RS256 JWT (and that a tampered copy fails); returns (header, claims).
pub(crate) fn verify_rs256(jwt: &str, public: &rsa::RsaPublicKey) -> (Value, Value) {
    assert!(rs256_ok(jwt, public), "the RS256 signature verifies");
    assert!(!rs256_ok(&tampered(jwt), public));
    let (header, claims, _, _) = jwt_parts(jwt);
    assert_eq!(header["alg"], "RS256");
    (header, claims)
}

pub(crate) struct TempFile(std::path::PathBuf);

impl TempFile {
    pub(crate) fn new(name: &str, text: &str) -> Self {
        let n: u64 = rand::random();
        let p = std::env::temp_dir().join(format!("baton-push-test-{n:016x}-{name}"));
        std::fs::write(&p, text).unwrap();
        Self(p)
    }

    pub(crate) fn path(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Push settings from `pairs`; the local receivers are plain http on loopback, so that is
/// allowed unless `pairs` says otherwise.
fn config(pairs: &[(&str, String)]) -> PushConfig {
    let mut m: HashMap<String, String> =
        HashMap::from([("BATON_PUSH_ALLOW_INSECURE".into(), "1".into())]);
    m.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())));
    PushConfig::from_lookup(|k| m.get(k).cloned()).expect("a valid push configuration")
}

fn alert() -> PushAlert {
    PushAlert::new(
        42,
        "Ann Lee",
        &"Where is my order? It was due yesterday. ".repeat(10),
        95,
        2,
    )
}

// ---------------------------------------------------------------------------------------------
// Web Push

/// A browser's side of a subscription: its P-256 key pair and auth secret.
pub(crate) struct Browser {
    secret: p256::SecretKey,
    pub(crate) auth: [u8; 16],
}

impl Browser {
    pub(crate) fn new() -> Self {
        Self {
            secret: p256::SecretKey::random(&mut rand::thread_rng()),
            auth: rand::random(),
        }
    }

    pub(crate) fn public(&self) -> Vec<u8> {
        self.secret
            .public_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }

    /// What `PushSubscription.toJSON()` gives, as a PWA would POST it.
    pub(crate) fn subscription(&self, endpoint: &str) -> DeviceTarget {
        DeviceTarget::web_push_from_json(&json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": { "p256dh": b64(&self.public()), "auth": b64(&self.auth) }
        }))
        .unwrap()
    }

    /// RFC 8291 by hand: ECDH with the sender's key from the header, HKDF with the auth secret,
    /// HKDF with the salt for the key and nonce, AES-128-GCM, then the padding after 0x02.
    pub(crate) fn decrypt(&self, body: &[u8], auth: &[u8]) -> Option<Vec<u8>> {
        let salt = &body[..16];
        let rs = u32::from_be_bytes(body[16..20].try_into().unwrap()) as usize;
        let idlen = body[20] as usize;
        let as_public = &body[21..21 + idlen];
        let ciphertext = &body[21 + idlen..];
        assert!(ciphertext.len() <= rs, "one record");
        let sender = p256::PublicKey::from_sec1_bytes(as_public).expect("keyid is a P-256 point");
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender.as_affine());
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(&self.public());
        info.extend_from_slice(as_public);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let mut cek = [0u8; 16];
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
            .unwrap();
        let mut nonce = [0u8; 12];
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
            .unwrap();
        let mut plain = Aes128Gcm::new_from_slice(&cek)
            .unwrap()
            .decrypt((&nonce).into(), ciphertext)
            .ok()?;
        while plain.last() == Some(&0) {
            plain.pop();
        }
        assert_eq!(plain.pop(), Some(2), "the last record ends with 0x02");
        Some(plain)
    }
}

#[tokio::test]
async fn webpush_delivers_an_alert_only_the_browser_can_read() {
    let rx = Receiver::start().await;
    rx.default_answer("/push/sub-1", answer(201, &[], ""));
    let browser = Browser::new();
    let target = browser.subscription(&format!("{}/push/sub-1", rx.base));
    let vapid = VapidKeys::generate();
    let cfg = config(&[("BATON_VAPID_SUBJECT", "mailto:ops@example.com".into())]);
    let pusher = Pusher::new(&cfg, vapid.clone()).unwrap();
    assert_eq!(pusher.vapid_public_key(), vapid.public_key_base64());

    let alert = alert();
    assert_eq!(pusher.send(&target, &alert).await, PushOutcome::Delivered);

    let reqs = rx.requests("/push/sub-1");
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, Method::POST);
    // VAPID: `vapid t=<jwt>, k=<public key>`, signed by the key browsers subscribed with.
    let auth = r.header("authorization");
    let rest = auth
        .strip_prefix("vapid t=")
        .expect("a vapid authorization");
    let (jwt, k) = rest.split_once(", k=").expect("t= and k=");
    assert_eq!(k, pusher.vapid_public_key());
    let (_, claims) = verify_es256(jwt, &b64d(k));
    // The crate's audience is the endpoint's origin without the port.
    assert_eq!(claims["aud"], "http://127.0.0.1");
    assert_eq!(claims["sub"], "mailto:ops@example.com");
    let exp = claims["exp"].as_u64().unwrap();
    assert!(exp > now() && exp <= now() + 24 * 3600, "exp {exp}");
    // Signed by the configured key, not merely by whatever key the header names.
    assert!(es256_ok(jwt, &b64d(&vapid.public_key_base64())));

    assert_eq!(r.header("ttl"), "300");
    assert_eq!(r.header("content-encoding"), "aes128gcm");
    assert_eq!(r.header("urgency"), "high");
    assert_eq!(r.header("topic"), "conv-42");

    let plain = browser
        .decrypt(&r.body, &browser.auth)
        .expect("the body decrypts with the subscription's keys");
    let payload: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(
        payload,
        json!({
            "conversation_id": 42, "contact_name": "Ann Lee", "preview": alert.preview,
            "wait_secs": 95, "step": 2
        })
    );
    assert_eq!(alert.preview.chars().count(), 120);
    // Another auth secret cannot read it.
    assert!(browser.decrypt(&r.body, &[7u8; 16]).is_none());
}

#[tokio::test]
async fn webpush_maps_gone_rate_limits_and_server_errors() {
    let rx = Receiver::start().await;
    let path = "/push/sub-2";
    rx.script(
        path,
        vec![
            answer(
                410,
                &[],
                r#"{"code":410,"errno":106,"error":"Gone","message":"expired"}"#,
            ),
            answer(404, &[], ""),
            answer(429, &[("retry-after", "7")], "slow down"),
            answer(500, &[], "oops"),
            answer(400, &[], "bad"),
            answer(202, &[], ""),
        ],
    );
    let target = Browser::new().subscription(&format!("{}{path}", rx.base));
    let pusher = Pusher::new(&config(&[]), VapidKeys::generate()).unwrap();
    let mut outcomes = Vec::new();
    for _ in 0..6 {
        outcomes.push(pusher.send(&target, &alert()).await);
    }
    assert!(matches!(outcomes[0], PushOutcome::Gone(_)), "{outcomes:?}");
    assert!(matches!(outcomes[1], PushOutcome::Gone(_)), "{outcomes:?}");
    assert!(
        matches!(&outcomes[2], PushOutcome::Retry { after: Some(d), .. } if *d == Duration::from_secs(7)),
        "{outcomes:?}"
    );
    assert!(
        matches!(&outcomes[3], PushOutcome::Retry { after: None, reason } if reason.contains("500")),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[4], PushOutcome::Permanent(_)),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[5], PushOutcome::Delivered);
    assert_eq!(rx.requests(path).len(), 6);

    // Nobody listening: retry later.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let gone = Browser::new().subscription(&format!("http://{closed}/push/x"));
    assert!(matches!(
        pusher.send(&gone, &alert()).await,
        PushOutcome::Retry { after: None, .. }
    ));
}

#[tokio::test]
async fn webpush_never_reaches_inside_the_network() {
    let rx = Receiver::start().await;
    rx.default_answer("/push/x", answer(201, &[], ""));
    let port = rx.base.rsplit(':').next().unwrap().to_string();
    let strict = Pusher::new(
        &config(&[("BATON_PUSH_ALLOW_INSECURE", "0".into())]),
        VapidKeys::generate(),
    )
    .unwrap();
    // Stored before the rule, or by a database edit: refused again at send time.
    for endpoint in [
        format!("http://127.0.0.1:{port}/push/x"),
        format!("https://127.0.0.1:{port}/push/x"),
        format!("https://[::ffff:127.0.0.1]:{port}/push/x"),
        "https://169.254.169.254/latest/meta-data".to_string(),
    ] {
        let out = strict
            .send(&Browser::new().subscription(&endpoint), &alert())
            .await;
        assert!(
            matches!(&out, PushOutcome::Permanent(r) if r.starts_with("not sent")),
            "{endpoint}: {out:?}"
        );
    }
    // A name is resolved at connect time, and one that resolves to loopback is refused.
    let by_name = Browser::new().subscription(&format!("https://localhost:{port}/push/x"));
    let out = strict.send(&by_name, &alert()).await;
    assert!(
        matches!(&out, PushOutcome::Retry { reason, .. } if reason.contains("not public")),
        "{out:?}"
    );
    assert!(
        rx.requests("/push/x").is_empty(),
        "nothing reached the receiver"
    );
}

#[tokio::test]
async fn webpush_follows_no_redirect_and_keeps_no_body() {
    let rx = Receiver::start().await;
    rx.default_answer(
        "/push/moved",
        answer(307, &[("location", "/push/inside")], ""),
    );
    rx.default_answer("/push/inside", answer(201, &[], ""));
    rx.default_answer(
        "/push/refuses",
        answer(400, &[], "SECRET-BODY internal details"),
    );
    let pusher = Pusher::new(&config(&[]), VapidKeys::generate()).unwrap();
    let moved = Browser::new().subscription(&format!("{}/push/moved", rx.base));
    let out = pusher.send(&moved, &alert()).await;
    assert!(
        matches!(&out, PushOutcome::Permanent(r) if r.contains("307")),
        "{out:?}"
    );
    assert_eq!(rx.requests("/push/moved").len(), 1);
    assert!(
        rx.requests("/push/inside").is_empty(),
        "the redirect was followed"
    );
    let refuses = Browser::new().subscription(&format!("{}/push/refuses", rx.base));
    let out = pusher.send(&refuses, &alert()).await;
    assert_eq!(
        out,
        PushOutcome::Permanent("the push service refused the alert (400 Bad Request)".into())
    );
}

// ---------------------------------------------------------------------------------------------
// FCM

/// One RSA key for the FCM tests (2048-bit generation takes a moment).
pub(crate) fn rsa_key() -> &'static rsa::RsaPrivateKey {
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap())
}

pub(crate) const SEND: &str = "/v1/projects/baton-test/messages:send";

/// A Google stand-in (token endpoint and FCM send) and a service-account file pointing at it.
pub(crate) async fn google_stand_in() -> (Receiver, TempFile) {
    use rsa::pkcs8::EncodePrivateKey;
    let rx = Receiver::start().await;
    rx.default_answer(
        "/token",
        answer(
            200,
            &[("content-type", "application/json")],
            r#"{"access_token":"ya29.test-token","expires_in":3599,"token_type":"Bearer"}"#,
        ),
    );
    rx.default_answer(
        SEND,
        answer(200, &[], r#"{"name":"projects/baton-test/messages/1"}"#),
    );
    let pem = rsa_key()
        .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string();
    let sa = TempFile::new(
        "service-account.json",
        &json!({
            "type": "service_account",
            "project_id": "baton-test",
            "private_key_id": "test-key-1",
            "private_key": pem,
            "client_email": "push@baton-test.iam.gserviceaccount.com",
            "token_uri": format!("{}/token", rx.base),
        })
        .to_string(),
    );
    (rx, sa)
}

/// The Google stand-in and a pusher configured against it.
async fn fcm_setup() -> (Receiver, Pusher, TempFile) {
    let (rx, sa) = google_stand_in().await;
    let cfg = config(&[
        ("BATON_FCM_SERVICE_ACCOUNT", sa.path()),
        ("BATON_FCM_API_BASE", rx.base.clone()),
    ]);
    let pusher = Pusher::new(&cfg, VapidKeys::generate()).unwrap();
    assert!(pusher.fcm_enabled() && !pusher.apns_enabled());
    (rx, pusher, sa)
}

fn form(body: &[u8]) -> HashMap<String, String> {
    let url =
        reqwest::Url::parse(&format!("http://x/?{}", std::str::from_utf8(body).unwrap())).unwrap();
    url.query_pairs().into_owned().collect()
}

#[tokio::test]
async fn fcm_gets_one_access_token_and_sends_data_messages() {
    let (rx, pusher, _sa) = fcm_setup().await;
    let target = DeviceTarget::Fcm {
        token: "fcm-device-token-1".into(),
    };
    assert_eq!(pusher.send(&target, &alert()).await, PushOutcome::Delivered);
    let second = PushAlert::new(43, "Bob", "hello", 30, 1);
    assert_eq!(pusher.send(&target, &second).await, PushOutcome::Delivered);

    // One token request, an RS256 assertion signed by the service account's key.
    let tokens = rx.requests("/token");
    assert_eq!(tokens.len(), 1, "the access token is reused");
    let t = &tokens[0];
    assert_eq!(
        t.header("content-type"),
        "application/x-www-form-urlencoded"
    );
    let f = form(&t.body);
    assert_eq!(
        f["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let (header, claims) = verify_rs256(&f["assertion"], &rsa_key().to_public_key());
    assert_eq!(header["kid"], "test-key-1");
    assert_eq!(claims["iss"], "push@baton-test.iam.gserviceaccount.com");
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/firebase.messaging"
    );
    assert_eq!(claims["aud"], format!("{}/token", rx.base));
    let iat = claims["iat"].as_u64().unwrap();
    assert!(iat.abs_diff(now()) < 60, "iat {iat}");
    assert_eq!(claims["exp"].as_u64().unwrap(), iat + 3600);

    let sends = rx.requests(SEND);
    assert_eq!(sends.len(), 2);
    for s in &sends {
        assert_eq!(s.header("authorization"), "Bearer ya29.test-token");
    }
    let m = sends[0].json();
    let msg = &m["message"];
    assert_eq!(msg["token"], "fcm-device-token-1");
    assert!(msg.get("notification").is_none(), "data-only");
    let data = msg["data"].as_object().unwrap();
    assert!(data.values().all(Value::is_string), "{data:?}");
    assert_eq!(data["conversation_id"], "42");
    assert_eq!(data["contact_name"], "Ann Lee");
    assert_eq!(data["wait_secs"], "95");
    assert_eq!(data["step"], "2");
    assert_eq!(data["preview"], alert().preview.as_str());
    assert_eq!(msg["android"]["priority"], "HIGH");
    assert_eq!(msg["android"]["ttl"], "300s");
    let apns = &msg["apns"];
    assert_eq!(apns["headers"]["apns-priority"], "10");
    assert_eq!(apns["headers"]["apns-push-type"], "alert");
    assert_eq!(
        apns["payload"]["aps"]["alert"]["title"],
        "Customer waiting: Ann Lee"
    );
    assert_eq!(sends[1].json()["message"]["data"]["conversation_id"], "43");
}

#[tokio::test]
async fn fcm_maps_unregistered_bad_requests_and_overload() {
    let (rx, pusher, _sa) = fcm_setup().await;
    let err = |status: u16, code: &str| {
        json!({"error": {"code": status, "message": "m", "status": "X", "details": [
            {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]}})
        .to_string()
    };
    rx.script(
        SEND,
        vec![
            answer(404, &[], &err(404, "UNREGISTERED")),
            answer(400, &[], &err(400, "INVALID_ARGUMENT")),
            answer(503, &[("retry-after", "12")], &err(503, "UNAVAILABLE")),
            answer(401, &[], &err(401, "UNAUTHENTICATED")),
        ],
    );
    let target = DeviceTarget::Fcm {
        token: "stale".into(),
    };
    let a = alert();
    assert!(
        matches!(pusher.send(&target, &a).await, PushOutcome::Gone(r) if r.contains("UNREGISTERED"))
    );
    assert!(
        matches!(pusher.send(&target, &a).await, PushOutcome::Permanent(r) if r.contains("INVALID_ARGUMENT"))
    );
    assert!(matches!(
        pusher.send(&target, &a).await,
        PushOutcome::Retry { after: Some(d), .. } if d == Duration::from_secs(12)
    ));
    assert!(matches!(
        pusher.send(&target, &a).await,
        PushOutcome::Retry { .. }
    ));
    assert_eq!(rx.requests("/token").len(), 1);
    // A 401 drops the cached access token: the next send fetches a new one.
    assert_eq!(pusher.send(&target, &a).await, PushOutcome::Delivered);
    assert_eq!(rx.requests("/token").len(), 2);

    // A token endpoint that refuses the key: final; one that is overloaded: later.
    rx.script(
        "/token",
        vec![answer(400, &[], r#"{"error":"invalid_grant"}"#)],
    );
    rx.script(SEND, vec![answer(401, &[], &err(401, "UNAUTHENTICATED"))]);
    assert!(matches!(
        pusher.send(&target, &a).await,
        PushOutcome::Retry { .. }
    ));
    assert!(
        matches!(pusher.send(&target, &a).await, PushOutcome::Permanent(r) if r.contains("invalid_grant"))
    );
    // Not configured: APNs targets are refused without a request.
    assert!(matches!(
        pusher
            .send(&DeviceTarget::Apns { token: "ab".into() }, &a)
            .await,
        PushOutcome::Permanent(_)
    ));
}

// ---------------------------------------------------------------------------------------------
// APNs

pub(crate) const DEVICE: &str = "5d0c3c4a1bd1e2f3a4b5c6d7e8f90123456789abcdef0123456789abcdef0123";

/// An h2c APNs stand-in and a fresh .p8 key file; returns the key's public half too.
pub(crate) async fn apple_stand_in() -> (Receiver, Vec<u8>, TempFile) {
    use p256::pkcs8::EncodePrivateKey;
    let rx = Receiver::start_h2c().await;
    rx.default_answer(
        &format!("/3/device/{DEVICE}"),
        answer(
            200,
            &[("apns-id", "EC1BF194-B3B2-424A-89A9-5A918A6E6B5D")],
            "",
        ),
    );
    let secret = p256::SecretKey::random(&mut rand::thread_rng());
    let public = secret
        .public_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    let p8 = TempFile::new(
        "AuthKey_ABC123DEFG.p8",
        &secret.to_pkcs8_pem(p256::pkcs8::LineEnding::LF).unwrap(),
    );
    (rx, public, p8)
}

/// The APNs stand-in and a pusher configured against it.
async fn apns_setup() -> (Receiver, Pusher, Vec<u8>, TempFile) {
    let (rx, public, p8) = apple_stand_in().await;
    let cfg = config(&[
        ("BATON_APNS_KEY", p8.path()),
        ("BATON_APNS_KEY_ID", "ABC123DEFG".into()),
        ("BATON_APNS_TEAM_ID", "TEAM123456".into()),
        ("BATON_APNS_TOPIC", "com.example.baton".into()),
        ("BATON_APNS_API_BASE", rx.base.clone()),
    ]);
    let pusher = Pusher::new(&cfg, VapidKeys::generate()).unwrap();
    assert!(pusher.apns_enabled());
    (rx, pusher, public, p8)
}

#[tokio::test]
async fn apns_sends_over_http2_with_a_provider_token() {
    let (rx, pusher, public, _p8) = apns_setup().await;
    let target = DeviceTarget::Apns {
        token: DEVICE.into(),
    };
    assert_eq!(pusher.send(&target, &alert()).await, PushOutcome::Delivered);
    assert_eq!(
        pusher
            .send(&target, &PushAlert::new(43, "Bob", "hi", 1, 1))
            .await,
        PushOutcome::Delivered
    );

    let reqs = rx.requests(&format!("/3/device/{DEVICE}"));
    assert_eq!(reqs.len(), 2);
    let r = &reqs[0];
    assert_eq!(r.version, Version::HTTP_2);
    assert_eq!(r.method, Method::POST);
    let jwt = r
        .header("authorization")
        .strip_prefix("bearer ")
        .expect("a bearer provider token");
    let (header, claims) = verify_es256(jwt, &public);
    assert_eq!(header["kid"], "ABC123DEFG");
    assert_eq!(claims["iss"], "TEAM123456");
    assert!(claims["iat"].as_u64().unwrap().abs_diff(now()) < 60);
    assert_eq!(
        reqs[1].header("authorization"),
        r.header("authorization"),
        "the provider token is reused"
    );
    assert_eq!(r.header("apns-topic"), "com.example.baton");
    assert_eq!(r.header("apns-push-type"), "alert");
    assert_eq!(r.header("apns-priority"), "10");
    assert_eq!(r.header("apns-collapse-id"), "conv-42");
    let expiration: u64 = r.header("apns-expiration").parse().unwrap();
    assert!(expiration.abs_diff(now() + 300) < 30, "{expiration}");
    assert_eq!(
        r.json(),
        json!({
            "aps": {"alert": {"title": "Customer waiting: Ann Lee", "body": alert().preview},
                    "sound": "default"},
            "conversation_id": 42
        })
    );
    assert_eq!(reqs[1].json()["conversation_id"], 43);
}

#[tokio::test]
async fn apns_maps_unregistered_bad_tokens_and_overload() {
    let (rx, pusher, _, _p8) = apns_setup().await;
    let path = format!("/3/device/{DEVICE}");
    rx.script(
        &path,
        vec![
            answer(
                410,
                &[],
                r#"{"reason":"Unregistered","timestamp":1700000000000}"#,
            ),
            answer(400, &[], r#"{"reason":"BadDeviceToken"}"#),
            answer(429, &[], r#"{"reason":"TooManyRequests"}"#),
            answer(
                503,
                &[("retry-after", "3")],
                r#"{"reason":"ServiceUnavailable"}"#,
            ),
        ],
    );
    let target = DeviceTarget::Apns {
        token: DEVICE.into(),
    };
    let a = alert();
    assert_eq!(
        pusher.send(&target, &a).await,
        PushOutcome::Gone("APNs answered 410 Unregistered".into())
    );
    assert_eq!(
        pusher.send(&target, &a).await,
        PushOutcome::Permanent("APNs answered 400 BadDeviceToken".into())
    );
    assert!(matches!(
        pusher.send(&target, &a).await,
        PushOutcome::Retry { after: None, .. }
    ));
    assert!(matches!(
        pusher.send(&target, &a).await,
        PushOutcome::Retry { after: Some(d), .. } if d == Duration::from_secs(3)
    ));
    assert_eq!(rx.requests(&path).len(), 4);
    // Not a device token: refused without asking Apple.
    let bad = DeviceTarget::Apns {
        token: "../../etc".into(),
    };
    assert!(matches!(
        pusher.send(&bad, &a).await,
        PushOutcome::Permanent(_)
    ));
    assert_eq!(rx.reqs.lock().unwrap().len(), 4);
}
