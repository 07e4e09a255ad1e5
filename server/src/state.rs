//! The axum state: Leptos' options (for pages and static files), Baton's [`AppState`], and the
//! channel credentials the webhooks check.

use app::services::AppState;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

#[derive(Clone)]
pub struct ServerState {
    pub leptos: LeptosOptions,
    pub app: AppState,
    pub channels: std::sync::Arc<crate::config::ChannelsConfig>,
    /// `/sw.js` with the bundle's name in it (see [`crate::routes::assets`]).
    pub service_worker: std::sync::Arc<str>,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(s: &ServerState) -> Self {
        s.leptos.clone()
    }
}
