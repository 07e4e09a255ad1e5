//! Plain HTTP and WebSocket routes beside the Leptos pages and server functions.

pub mod analytics;
pub mod assets;
pub mod contain;
pub mod faults;
pub mod guard;
pub mod headers;
pub mod health;
pub mod media;
pub mod privacy;
pub mod webhooks;
pub mod widget;
pub mod ws;
