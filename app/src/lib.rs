//! Baton: the operator console for chatbots. This crate is compiled twice: with `ssr` into the
//! server binary (server functions, services, storage) and with `hydrate` into the browser bundle.
//!
//! Layout (dependencies point down this list, never up):
//! - [`ui`]: Leptos pages and components, the live socket client.
//! - [`api`]: server functions: authorize, parse, call a service.
//! - `services` (ssr): orchestration; the only callers of storage.
//! - `storage` (ssr): all SQL, SQLite and PostgreSQL behind one `Store`.
//! - `bus` (ssr): the event bus trait and the in-process broadcast implementation.
//! - [`domain`]: pure rules (ownership state machine, validation, rate limits), no framework.
//! - [`dto`], [`error`]: wire types and the one error type.
#![recursion_limit = "256"]

// The typed translation keys `build.rs` generates from `locales/` (`crate::i18n::*`: `Locale`,
// `use_i18n`, `t!`, `td_string!`).
include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod api;
pub mod domain;
pub mod dto;
pub mod error;
pub mod text;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod bus;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod storage;

pub use ui::{shell, App};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The service worker caches the app shell and shows the offline page without a network.
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().service_worker().register("/sw.js");
    }
    // Async hydration: a lazy route (an admin page loaded directly) hydrates once its chunk of
    // the split bundle has arrived.
    leptos::mount::hydrate_lazy(App);
}
