//! Start-up: open the database (running migrations), build the state, seed or bootstrap accounts,
//! and assemble the router.

use crate::channels::send::{ChannelClients, HttpExternalBot};
use crate::cluster::{Broker, Names};
use crate::config::Config;
use crate::push::{Pusher, VapidKeys};
use crate::routes::{
    analytics, assets, contain, faults, guard, headers, health, media, privacy, webhooks, widget,
    ws,
};
use crate::state::ServerState;
use crate::workers::notifications::PushSender;
use app::bus::cluster::{Cluster, Solo};
use app::bus::{LocalBus, SharedBus};
use app::services::ingest::IngestWriter;
use app::services::state::ServiceSettings;
use app::services::{demo, notifications, operators, AppState};
use app::storage::Store;
use app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower_http::compression::CompressionLayer;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database at DATABASE_URL ({0}). Check that it is reachable and that Baton may write there.")]
    Database(#[source] sqlx::Error),
    #[error("cannot create the first accounts: {0}")]
    Accounts(String),
    #[error("invalid configuration: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("push notifications: {0}")]
    Push(String),
    #[error("cannot listen on {addr}: {source}. Set LEPTOS_SITE_ADDR to a free address.")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Everything a running Baton needs, ready to serve.
pub struct Built {
    pub router: Router,
    pub state: AppState,
    /// The background workers; aborted when Baton stops (tests simulate a crash with this).
    pub workers: Vec<tokio::task::JoinHandle<()>>,
}

pub async fn build(config: &Config) -> Result<Built, StartError> {
    let store = Store::connect(&config.database_url, config.db_max_connections)
        .await
        .map_err(StartError::Database)?
        .owned_by(&config.instance_id);
    // What this instance was sending when it last stopped goes out again now, not after a lease.
    let released = store
        .release_own_claims(app::services::now_ms())
        .await
        .map_err(StartError::Database)?;
    if released > 0 {
        tracing::info!(released, instance = %config.instance_id, "took back this instance's unfinished sends");
    }
    let settings = ServiceSettings {
        secure_cookies: config.secure_cookies(),
        public_origin: config.public_url.clone(),
        push_allow_insecure: config.push.allow_insecure,
        trusted_proxies: config.trusted_proxies.clone(),
        lease_ms: config.lease.as_millis() as i64,
        ..ServiceSettings::default()
    };
    let (bus, cluster, inbox): (SharedBus, Arc<dyn Cluster>, _) = match &config.broker_url {
        Some(uri) => {
            let epoch = app::services::settings::cluster_epoch(&store)
                .await
                .map_err(|e| StartError::Accounts(e.to_string()))?;
            let names = Names::for_database(&config.database_url);
            let (broker, inbox) = Broker::start(&config.instance_id, uri, names, epoch);
            if !broker.wait_connected(Duration::from_secs(5)).await {
                tracing::warn!(
                    "the broker (BATON_BROKER_URL) is unreachable; serving anyway and retrying"
                );
            }
            (broker.clone(), broker, Some(inbox))
        }
        None => (
            Arc::new(LocalBus::new(1024)),
            Arc::new(Solo {
                instance_id: config.instance_id.clone(),
            }),
            None,
        ),
    };
    tracing::info!(instance = %config.instance_id, broker = config.broker_url.is_some(), "starting");
    let mut state = AppState::new(store.clone(), bus, settings);
    state.cluster = cluster;
    state.widget_hub = Arc::new(app::services::widget::WidgetHub::new(config.widget.clone()));
    // One writer for inbound messages (see `IngestWriter`); it ends with the last state.
    let (writer, task) = IngestWriter::new(store);
    tokio::spawn(task);
    state.ingest_writer = Some(writer);
    let channels = Arc::new(config.channels.clone());
    let media_store: Arc<dyn app::services::media::MediaStore> =
        Arc::new(app::services::media::DirStore::new(&config.media.dir));
    let mut media = app::services::media::MediaKit::new(media_store.clone(), config.media.limits);
    media.retry_base_ms = config.media.retry_base_ms;
    media.fetcher = Some(Arc::new(crate::channels::media::HttpMediaFetcher::new(
        channels.clone(),
    )));
    if let Some(url) = &config.media.transcribe_url {
        media.transcriber = Some(Arc::new(crate::channels::media::HttpTranscriber::new(
            url.clone(),
            config.media.transcribe_model.clone(),
            config.media.transcribe_key.clone(),
        )));
        tracing::info!("voice notes are transcribed");
    } else {
        tracing::info!("voice notes are not transcribed (BATON_TRANSCRIBE_URL is not set); they go to an operator");
    }
    state.media = Arc::new(media);
    if let Some(url) = &channels.bot_webhook_url {
        state.external_bot = Some(Arc::new(HttpExternalBot::new(url.clone())));
    }
    for (name, on) in [
        ("WhatsApp", channels.whatsapp.is_some()),
        ("Telegram", channels.telegram.is_some()),
    ] {
        if on {
            tracing::info!("{name} channel enabled");
        } else {
            tracing::info!("{name} channel disabled (its secrets are not set)");
        }
    }

    // One set of channel clients sends replies (the delivery worker) and tells customers' apps
    // that an operator read their messages or is typing.
    let sender = Arc::new(
        ChannelClients::new(
            channels.clone(),
            state.widget_hub.clone(),
            state.cluster.clone(),
        )
        .with_media(media_store),
    );
    state.channel_signals = Some(sender.clone());
    push(config, &mut state).await?;

    if config.demo
        && demo::seed(&state)
            .await
            .map_err(|e| StartError::Accounts(e.to_string()))?
    {
        tracing::info!("demo data created");
    }
    if let Some((email, password)) = &config.admin {
        if operators::bootstrap_admin(&state, email, password)
            .await
            .map_err(|e| StartError::Accounts(e.to_string()))?
        {
            tracing::info!(%email, "first admin account created");
        }
    }

    // The bundle's folder is named after its content (`assets.txt`, written by `build_site`).
    let bundle = assets::bundle_dir(&config.site_root);
    let leptos = LeptosOptions::builder()
        .output_name("baton")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir(bundle.as_str())
        .site_addr(config.site_addr)
        .env(Env::PROD)
        .build();
    let server_state = ServerState {
        leptos: leptos.clone(),
        app: state.clone(),
        channels: channels.clone(),
        service_worker: assets::service_worker_script(&config.site_root, &bundle).into(),
    };
    // Workers start with the router, so work stored before a restart is picked up at once.
    let mut workers = vec![
        crate::workers::spawn_bot(state.clone()),
        crate::workers::spawn_delivery(state.clone(), sender),
        crate::workers::spawn_session_sweeper(state.clone()),
        crate::workers::spawn_media(state.clone()),
        crate::workers::spawn_retention(state.clone()),
        crate::workers::notifications::spawn_queue_clock(state.clone()),
        crate::workers::notifications::spawn_sender(state.clone()),
    ];
    if let Some(inbox) = inbox {
        workers.push(inbox.spawn(state.clone()));
    }
    let routes = route_list();
    let ctx_state = state.clone();
    let webhook_routes = Router::new()
        .route(
            "/webhooks/whatsapp",
            get(webhooks::whatsapp::verify).post(webhooks::whatsapp::receive),
        )
        .route("/webhooks/telegram", post(webhooks::telegram::receive))
        .layer(DefaultBodyLimit::max(webhooks::MAX_BODY));
    // Uploads: the file's limit plus room for the form around it.
    let limits = config.media.limits;
    let upload_routes = Router::new()
        .route("/api/media/upload", post(media::upload))
        .layer(DefaultBodyLimit::max(
            limits.max_upload as usize + 64 * 1024,
        ))
        .merge(
            Router::new()
                .route("/widget/upload", post(media::widget_upload))
                .layer(DefaultBodyLimit::max(
                    limits.max_visitor_upload as usize + 64 * 1024,
                )),
        );
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/ws", get(ws::upgrade))
        .route("/widget/ws", get(widget::socket))
        .route("/demo", get(widget::demo))
        .route("/sw.js", get(assets::service_worker))
        .nest("/pkg", assets::pkg(&config.site_root, &bundle))
        .route("/media/{id}", get(media::file))
        .route("/analytics/export/{file}", get(analytics::export))
        .route("/widget/media/{token}", get(media::widget_file))
        .route("/audit/export.csv", get(privacy::audit_csv))
        .route("/contacts/{id}/export.json", get(privacy::contact_json))
        .merge(webhook_routes)
        .merge(upload_routes)
        .merge(if config.test_faults {
            tracing::warn!(
                "BATON_TEST_FAULTS=1: the misbehaving /__test/* routes are mounted (tests only)"
            );
            faults::routes()
        } else {
            Router::new()
        })
        .leptos_routes_with_context(
            &server_state,
            routes,
            move || provide_context(ctx_state.clone()),
            {
                let leptos = leptos.clone();
                move || shell(leptos.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<ServerState, _>(shell))
        .layer(axum::middleware::from_fn(guard::api_error_status))
        .layer(axum::middleware::from_fn_with_state(
            server_state.clone(),
            guard::reject_cross_site,
        ))
        .layer(axum::middleware::from_fn_with_state(
            server_state.clone(),
            headers::security_headers,
        ))
        .layer(CompressionLayer::new())
        // Outermost: a panic anywhere below is answered 500, and nothing runs past the deadline.
        .layer(axum::middleware::from_fn_with_state(
            config.request_deadline,
            contain::contain,
        ))
        .with_state(server_state);
    Ok(Built {
        router,
        state,
        workers,
    })
}

/// Leptos' route list, generated once per process.
///
/// Generating it renders the app once with resource loading switched off, and leptos_server's
/// switch (`SuppressResourceLoad`) is one flag for the whole process: any resource that another
/// render polls for the first time in that window waits forever (leptos issue #4773), so that
/// page's server render never finishes. One Baton per process generates it before it serves
/// anything and never noticed; the integration tests start many Batons in one process, each
/// generating the list while the others render pages, which was the "parallel render stall" that
/// made them run one at a time. Now the first build generates it and every later one reuses it.
pub fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES
        .get_or_init(|| {
            // Before `leptos_axum` would install plain tokio for what Leptos spawns.
            if !app::ui::spawner::install(app::ui::spawner::tokio_spawner()) {
                tracing::warn!("Leptos's tasks run on another executor; see ui::spawner");
            }
            generate_route_list(App)
        })
        .clone()
}

/// Sets up push: the VAPID key from `BATON_VAPID_PRIVATE_KEY`, else the one stored in the
/// database (generated and stored on first start, so subscriptions survive restarts), and the
/// FCM and APNs clients when configured.
async fn push(config: &Config, state: &mut AppState) -> Result<(), StartError> {
    let vapid = match &config.push.vapid_private_key {
        Some(k) => k.clone(),
        None => {
            let (stored, generated) =
                notifications::stored_vapid_key(state, || VapidKeys::generate().to_base64())
                    .await
                    .map_err(|e| {
                        StartError::Push(format!("cannot read or store the VAPID key: {e}"))
                    })?;
            if generated {
                tracing::info!("generated a VAPID key for Web Push and stored it in the database");
            }
            VapidKeys::from_base64(&stored).map_err(|e| {
                StartError::Push(format!(
                    "the VAPID key stored in the database is unusable ({e}); set BATON_VAPID_PRIVATE_KEY"
                ))
            })?
        }
    };
    let pusher = Pusher::new(&config.push, vapid)?;
    state.push_info = Arc::new(notifications::PushInfo {
        vapid_public_key: Some(pusher.vapid_public_key()),
        fcm: pusher.fcm_enabled(),
        apns: pusher.apns_enabled(),
    });
    for (name, on) in [
        ("FCM", pusher.fcm_enabled()),
        ("APNs", pusher.apns_enabled()),
    ] {
        if on {
            tracing::info!("{name} push enabled");
        }
    }
    state.pusher = Some(Arc::new(PushSender(Arc::new(pusher))));
    Ok(())
}

/// Builds Baton and serves it until Ctrl-C / SIGTERM.
pub async fn run(config: Config) -> Result<(), StartError> {
    let built = build(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.site_addr,
            source,
        })?;
    tracing::info!(addr = %config.site_addr, "Baton is listening");
    serve(listener, built.router).await;
    for w in &built.workers {
        w.abort();
    }
    built.state.store.close().await;
    Ok(())
}

pub async fn serve(listener: tokio::net::TcpListener, router: Router) {
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    if let Err(e) = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        tracing::error!(error = %e, "server stopped with an error");
    }
}

async fn shutdown_signal() {
    // If signals cannot be watched, never shut down on their account.
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
