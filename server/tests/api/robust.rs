//! No request may panic or hang: a panic is answered 500, a request past its deadline 503, a body
//! that panics after its head closes the connection, a request runs to its end even when its
//! client has gone away, and pages render while other Batons in the process start.

use crate::common::{spawn_with, Db, TestApp};
use app::domain::users::Role;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// A Baton with the misbehaving `/__test/*` routes and a one-second deadline. The faults do not
/// touch the database, so SQLite is enough.
async fn faulty() -> TestApp {
    spawn_with(
        Db::Sqlite,
        &[
            ("BATON_TEST_FAULTS", "1"),
            ("BATON_REQUEST_DEADLINE_SECS", "1"),
        ],
    )
    .await
    .expect("sqlite app")
}

fn client_with_timeout(secs: u64) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(secs))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_panicking_handler_is_answered_500_and_baton_keeps_serving() {
    let app = faulty().await;
    let c = client_with_timeout(10);
    let r = c.get(app.url("/__test/panic")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.text().await.unwrap().contains("Something went wrong"));
    let r = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the server survives the panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_past_its_deadline_is_answered_503_not_held_open() {
    let app = faulty().await;
    let c = client_with_timeout(20);
    let started = Instant::now();
    let r = c.get(app.url("/__test/sleep/15000")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered at the 1 s deadline, took {:?}",
        started.elapsed()
    );
    let r = c.get(app.url("/__test/sleep/10")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "within the deadline it is answered normally"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_body_panicking_after_its_head_closes_the_connection() {
    let app = faulty().await;
    let r = client_with_timeout(10)
        .get(app.url("/__test/panic-in-body"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the head was already sent");
    let started = Instant::now();
    let body = r.bytes().await;
    assert!(body.is_err(), "a truncated body is an error, got {body:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the connection is closed, not held"
    );
}

/// A Leptos render that the client abandons must still run to its end: tearing a page's reactive
/// graph down mid-render is what made the server's `<Suspense>` tasks panic (see
/// `server/src/routes/contain.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_runs_to_its_end_after_the_client_goes_away() {
    let app = faulty().await;
    let key = format!("k{}", rand::random::<u64>());
    let gone = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap()
        .get(app.url(&format!("/__test/sleep/400?key={key}")))
        .send()
        .await;
    assert!(gone.is_err(), "the client gave up before the answer");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let r = client_with_timeout(10)
        .get(app.url(&format!("/__test/finished/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_misbehaving_routes_are_off_unless_asked_for() {
    let app = crate::common::spawn(Db::Sqlite).await.expect("sqlite app");
    let r = app
        .client()
        .get(app.url("/__test/panic"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

both_databases! {
    // Every Baton in the process used to generate Leptos' route list, which switches resource
    // loading off process-wide for a moment; a page render caught in that moment never finished.
    async fn pages_render_while_other_batons_in_the_process_start(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let starts = tokio::task::spawn_blocking({
            let stop = stop.clone();
            move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = server::startup::route_list();
                }
            }
        });
        let mut renders = Vec::new();
        for i in 0..4 {
            let (admin, url) = (admin.clone(), app.url(["/conversations", "/monitoring", "/scenarios", "/settings"][i]));
            renders.push(tokio::spawn(async move {
                let mut statuses = Vec::new();
                for _ in 0..25 {
                    let r = tokio::time::timeout(Duration::from_secs(30), admin.get(&url).send()).await;
                    statuses.push(match r {
                        Ok(Ok(r)) => r.status().as_u16(),
                        Ok(Err(_)) => 0,
                        Err(_) => 1, // hung
                    });
                }
                statuses
            }));
        }
        let mut all = Vec::new();
        for r in renders {
            all.extend(r.await.unwrap());
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        starts.await.unwrap();
        assert!(all.iter().all(|s| *s == 200), "{all:?}");
    }
}
