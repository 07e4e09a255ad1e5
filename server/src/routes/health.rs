//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers; the broker's state is reported, not required).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::ServerState;
use app::services::health;

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(s): State<ServerState>) -> (StatusCode, Json<Value>) {
    let r = health::readiness(&s.app).await;
    let code = if r.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(json!(r)))
}
