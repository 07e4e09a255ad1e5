//! The pages a phone working the queue never opens (monitoring, analytics, scenarios, operators,
//! settings, account, audit log) are lazy routes: their code is split out of the main WebAssembly bundle at build
//! time (`scripts/lib.sh`, `build_site`) and fetched the first time one is opened. On the server
//! they render like any other page; a page loaded directly preloads its chunk.
//!
//! Each needs its own `impl` (the `#[lazy_route]` macro names the split point after where it is
//! written, so a `macro_rules!` would give them all one name).

use super::{account, analytics, audit, monitoring, operators, scenarios, settings};
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

pub struct Monitoring;

#[lazy_route]
impl LazyRoute for Monitoring {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <monitoring::MonitoringPage/> }.into_any()
    }
}

pub struct Analytics;

#[lazy_route]
impl LazyRoute for Analytics {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <analytics::AnalyticsPage/> }.into_any()
    }
}

pub struct Scenarios;

#[lazy_route]
impl LazyRoute for Scenarios {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <scenarios::ScenariosPage/> }.into_any()
    }
}

pub struct Operators;

#[lazy_route]
impl LazyRoute for Operators {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <operators::OperatorsPage/> }.into_any()
    }
}

pub struct Settings;

#[lazy_route]
impl LazyRoute for Settings {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <settings::SettingsPage/> }.into_any()
    }
}

pub struct Account;

#[lazy_route]
impl LazyRoute for Account {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <account::AccountPage/> }.into_any()
    }
}

pub struct Audit;

#[lazy_route]
impl LazyRoute for Audit {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <audit::AuditPage/> }.into_any()
    }
}
