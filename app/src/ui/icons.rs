//! Inline SVG icons (no icon font to download; they inherit the text colour).

use leptos::prelude::*;

fn svg(path: &'static str) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none"
            stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d=path/>
        </svg>
    }
}

pub fn chats() -> impl IntoView {
    svg("M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z")
}
pub fn pulse() -> impl IntoView {
    svg("M22 12h-4l-3 9L9 3l-3 9H2")
}
pub fn chart() -> impl IntoView {
    svg("M3 3v18h18M8 17v-4M13 17V8M18 17v-7")
}
pub fn branch() -> impl IntoView {
    svg("M6 3v12M18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM18 9a9 9 0 0 1-9 9")
}
pub fn people() -> impl IntoView {
    svg("M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM23 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75")
}
pub fn gear() -> impl IntoView {
    svg("M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.65 1.65 0 0 0 .33 1.82l.06.06a2 2 0 1 1-2.83 2.83l-.06-.06a1.65 1.65 0 0 0-1.82-.33 1.65 1.65 0 0 0-1 1.51V21a2 2 0 1 1-4 0v-.09A1.65 1.65 0 0 0 9 19.4a1.65 1.65 0 0 0-1.82.33l-.06.06a2 2 0 1 1-2.83-2.83l.06-.06a1.65 1.65 0 0 0 .33-1.82 1.65 1.65 0 0 0-1.51-1H3a2 2 0 1 1 0-4h.09A1.65 1.65 0 0 0 4.6 9a1.65 1.65 0 0 0-.33-1.82l-.06-.06a2 2 0 1 1 2.83-2.83l.06.06a1.65 1.65 0 0 0 1.82.33H9a1.65 1.65 0 0 0 1-1.51V3a2 2 0 1 1 4 0v.09a1.65 1.65 0 0 0 1 1.51 1.65 1.65 0 0 0 1.82-.33l.06-.06a2 2 0 1 1 2.83 2.83l-.06.06a1.65 1.65 0 0 0-.33 1.82V9a1.65 1.65 0 0 0 1.51 1H21a2 2 0 1 1 0 4h-.09a1.65 1.65 0 0 0-1.51 1z")
}
/// A list with a check (the audit log).
pub fn ledger() -> impl IntoView {
    svg("M9 6h11M9 12h11M9 18h11M4 6h.01M4 12h.01M4 18h.01")
}
pub fn lock() -> impl IntoView {
    view! {
        <svg class="icon lock" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" fill="none"
            stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <rect x="3" y="11" width="18" height="11" rx="2"/>
            <path d="M7 11V7a5 5 0 0 1 10 0v4"/>
        </svg>
    }
}

/// The mark of a customer's channel.
pub fn channel(c: crate::dto::Channel) -> impl IntoView {
    use crate::dto::Channel;
    match c {
        // A phone handset in a bubble (WhatsApp), a paper plane (Telegram), a globe (web chat).
        Channel::Whatsapp => svg("M3 21l1.65-4.95A9 9 0 1 1 8 19.5L3 21zM9 8.5c0 3.5 3 6.5 6.5 6.5l1-1.5-2-1-1 1a4 4 0 0 1-3-3l1-1-1-2z"),
        Channel::Telegram => svg("M22 2L11 13M22 2l-7 20-4-9-9-4 20-7z"),
        Channel::Web => svg("M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM2 12h20M12 2a15.3 15.3 0 0 1 4 10 15.3 15.3 0 0 1-4 10 15.3 15.3 0 0 1-4-10 15.3 15.3 0 0 1 4-10z"),
    }
}
