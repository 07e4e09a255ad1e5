//! The Baton server: configuration, start-up, and the HTTP/WebSocket routes that sit beside the
//! Leptos pages and server functions of the `app` crate.
//!
//! Layout: [`config`] (environment -> typed settings), [`startup`] (database, bus, router),
//! [`routes`] (health, live socket, cross-site guard, webhooks, widget), [`channels`] (protocol
//! adapters), [`push`] (notifications to operators' devices), [`telemetry`] (tracing set-up),
//! [`workers`] (background jobs).

#![recursion_limit = "256"]

pub mod channels;
pub mod cluster;
pub mod config;
pub mod push;
pub mod redact;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workers;
