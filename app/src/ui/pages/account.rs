//! The signed-in person's own page: who they are, changing their password, and the devices that
//! get "Customer waiting" alerts, each with its delivery health, a test button and removal.

use super::load_error;
use crate::api::auth::ChangePassword;
use crate::api::devices::{list_devices, vapid_key, RemoveDevice, SubscribeWebpush, TestDevice};
use crate::domain::devices::DeviceKind;
use crate::domain::users::NewPassword;
use crate::dto::DeviceDto;
use crate::error::AppError;
use crate::i18n::*;
use crate::text::ago;
use crate::ui::layout::{CurrentUser, WithUser};
use leptos::prelude::*;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let subscribe = ServerAction::<SubscribeWebpush>::new();
    let remove = ServerAction::<RemoveDevice>::new();
    let test = ServerAction::<TestDevice>::new();
    let devices = Resource::new(
        move || (subscribe.version().get(), remove.version().get()),
        |_| list_devices(),
    );
    let canned = super::canned::CannedEditing::new(false);
    let browser_error = RwSignal::new(None::<String>);
    let enable = move |_| {
        browser_error.set(None);
        #[cfg(feature = "hydrate")]
        let locale = i18n.get_locale_untracked();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let key = match vapid_key().await {
                Ok(k) => k,
                Err(e) => return browser_error.set(Some(crate::text::errors::error(locale, &e))),
            };
            match browser::subscribe(&key, locale).await {
                Ok((endpoint, p256dh, auth)) => {
                    subscribe.dispatch(SubscribeWebpush {
                        endpoint,
                        p256dh,
                        auth,
                        label: Some(browser::label(locale)),
                    });
                }
                Err(e) => browser_error.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = vapid_key;
    };
    let action_error = move || {
        subscribe
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
            .or_else(|| test.value().get().and_then(Result::err))
            .map(|e| crate::text::errors::error(i18n.get_locale(), &e))
            .or_else(|| browser_error.get())
    };
    let tested = move || matches!(test.value().get(), Some(Ok(())));
    let account = move || {
        let me = expect_context::<CurrentUser>().0;
        let role = me.role;
        let n = me.max_conversations;
        let capacity = move || {
            if n == 1 {
                t_string!(i18n, account.capacity_value.one, n = n)
            } else {
                t_string!(i18n, account.capacity_value.many, n = n)
            }
        };
        view! {
            <div class="card">
                <dl class="kv">
                    <dt>{t!(i18n, account.name)}</dt><dd>{me.display_name}</dd>
                    <dt>{t!(i18n, account.email)}</dt><dd>{me.email}</dd>
                    <dt>{t!(i18n, account.role)}</dt><dd>{move || crate::text::role_name(i18n.get_locale(), role)}</dd>
                    <dt>{t!(i18n, account.capacity)}</dt><dd>{capacity}</dd>
                </dl>
            </div>
            <super::language::LanguagePicker chosen=me.language/>
        }
    };
    view! {
        <section class="page account" aria-labelledby="acc-title">
            <h1 id="acc-title" class="page-title">{t!(i18n, account.title)}</h1>
            <WithUser>{account}</WithUser>
            <ChangePasswordForm/>
            <section class="card" aria-labelledby="dev-title">
                <h2 id="dev-title">{t!(i18n, account.devices.title)}</h2>
                <p class="muted small">{t!(i18n, account.devices.intro)}</p>
                <button type="button" class="btn primary" on:click=enable>{t!(i18n, account.devices.enable)}</button>
                {move || action_error().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                {move || tested().then(|| view! { <p class="notice ok" role="status">{t!(i18n, account.devices.test_sent)}</p> })}
                <Transition fallback=move || view! { <p class="muted">{t!(i18n, account.devices.loading)}</p> }>
                    {move || Suspend::new(async move {
                        match devices.await {
                            Ok(list) if list.is_empty() => view! { <p class="muted">{t!(i18n, account.devices.empty)}</p> }.into_any(),
                            Ok(list) => view! {
                                <ul class="people devices">
                                    {list.into_iter().map(|d| view! { <Device d remove test/> }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => load_error(&e),
                        }
                    })}
                </Transition>
            </section>
            <SoundChoice/>
            <super::canned::CannedEditor shared=false editing=canned/>
        </section>
    }
}

/// A chime on this device when a conversation starts waiting while Baton is open.
#[component]
fn SoundChoice() -> impl IntoView {
    let i18n = use_i18n();
    let on = RwSignal::new(false);
    // Read after hydration: the server cannot know this browser's choice.
    Effect::new(move |_| on.set(crate::ui::sound::enabled()));
    view! {
        <section class="card" aria-labelledby="sound-title">
            <h2 id="sound-title">{t!(i18n, toolkit.sound_title)}</h2>
            <label class="toggle-row">
                <crate::ui::switch::Switch label=Signal::derive(move || t_string!(i18n, toolkit.sound).to_string())
                    checked=on
                    on_change=move |v| {
                        on.set(v);
                        crate::ui::sound::set_enabled(v);
                        if v {
                            crate::ui::sound::chime();
                        }
                    }/>
                <span aria-hidden="true">{t!(i18n, toolkit.sound)}</span>
            </label>
            <p class="muted small">{t!(i18n, toolkit.sound_help)}</p>
        </section>
    }
}

/// Current password, new one twice. Other devices are signed out; this one stays signed in.
#[component]
fn ChangePasswordForm() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let err = move |field: &'static str| super::field_error(change.value(), field);
    let outcome = move || match change.value().get() {
        Some(Err(AppError::Invalid(_))) | None => None,
        Some(Err(e)) => Some(super::error_notice(e)),
        Some(Ok(())) => Some(
            view! { <p class="notice ok" role="status">{t!(i18n, account.password.changed)}</p> }
                .into_any(),
        ),
    };
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(())), Some(f)) = (change.value().get(), form.get()) {
            f.reset();
        }
    });
    let min = NewPassword::MIN_CHARS.to_string();
    view! {
        <section class="card" aria-labelledby="pw-title">
            <h2 id="pw-title">{t!(i18n, account.password.title)}</h2>
            <ActionForm action=change node_ref=form attr:class="form grid" attr:novalidate=true>
                <label class="field">
                    <span>{t!(i18n, account.password.current)}</span>
                    <input type="password" name="current_password" autocomplete="current-password" required/>
                    {err("current_password")}
                </label>
                <label class="field">
                    <span>{t!(i18n, account.password.new_password, min = NewPassword::MIN_CHARS)}</span>
                    <input type="password" name="new_password" autocomplete="new-password" minlength=min.clone() required/>
                    {err("new_password")}
                </label>
                <label class="field">
                    <span>{t!(i18n, account.password.again)}</span>
                    <input type="password" name="confirm_password" autocomplete="new-password" required/>
                    {err("confirm_password")}
                </label>
                {outcome}
                <button type="submit" class="btn primary">{t!(i18n, account.password.submit)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Device(
    d: DeviceDto,
    remove: ServerAction<RemoveDevice>,
    test: ServerAction<TestDevice>,
) -> impl IntoView {
    let i18n = use_i18n();
    let clock = expect_context::<crate::ui::live::Clock>();
    let id = d.id;
    let created = d.created_at;
    let kind = d.kind;
    let health = match (d.last_success_at, d.last_error_at) {
        (_, Some(err_at)) if d.last_success_at.is_none_or(|ok| err_at > ok) => {
            let msg = d.last_error.clone().unwrap_or_default();
            let since = move || ago(i18n.get_locale(), err_at, clock.now(created));
            view! { <span class="small device-health failing">{t!(i18n, account.devices.failing, since = since, error = msg)}</span> }.into_any()
        }
        (Some(ok), _) => {
            let when = move || ago(i18n.get_locale(), ok, clock.now(created));
            view! { <span class="small device-health ok">{t!(i18n, account.devices.delivered, ago = when)}</span> }.into_any()
        }
        _ => view! { <span class="small muted">{t!(i18n, account.devices.never_sent)}</span> }
            .into_any(),
    };
    view! {
        <li class="person device" data-kind=d.kind.as_str()>
            <span class="person-main">
                <span class="name">{d.label.clone()}</span>
                <span class="muted small">{move || kind_label(i18n.get_locale(), kind)}" · "{d.address.clone()}</span>
                {health}
            </span>
            <span class="person-actions">
                <button type="button" class="btn small" on:click=move |_| { test.dispatch(TestDevice { id }); }>{t!(i18n, account.devices.send_test)}</button>
                <button type="button" class="btn small danger" on:click=move |_| { remove.dispatch(RemoveDevice { id }); }>{t!(i18n, account.devices.remove)}</button>
            </span>
        </li>
    }
}

/// How a device is reached, as the person reads it.
fn kind_label(locale: Locale, kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Webpush => td_string!(locale, account.devices.kinds.webpush),
        DeviceKind::Fcm => td_string!(locale, account.devices.kinds.fcm),
        DeviceKind::Apns => td_string!(locale, account.devices.kinds.apns),
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::i18n::*;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
export async function baton_push_subscribe(key) {
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
    throw new Error('baton:unsupported');
  }
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    throw new Error('baton:blocked');
  }
  const reg = await navigator.serviceWorker.ready;
  const pad = '='.repeat((4 - (key.length % 4)) % 4);
  const raw = atob((key + pad).replace(/-/g, '+').replace(/_/g, '/'));
  const applicationServerKey = Uint8Array.from(raw, (c) => c.charCodeAt(0));
  let sub = await reg.pushManager.getSubscription();
  if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  const json = sub.toJSON();
  return [json.endpoint, json.keys.p256dh, json.keys.auth];
}
"#)]
    extern "C" {
        #[wasm_bindgen(catch)]
        async fn baton_push_subscribe(key: String) -> Result<JsValue, JsValue>;
    }

    /// Subscribes this browser to Web Push: (endpoint, p256dh, auth), or a message for the person
    /// in `locale` (the browser's own error messages are shown as they come).
    pub async fn subscribe(key: &str, locale: Locale) -> Result<(String, String, String), String> {
        let v = baton_push_subscribe(key.to_string()).await.map_err(|e| {
            let message = js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string());
            match message.as_deref() {
                Some("baton:unsupported") => {
                    td_string!(locale, account.devices.errors.unsupported).to_string()
                }
                Some("baton:blocked") => {
                    td_string!(locale, account.devices.errors.blocked).to_string()
                }
                Some(m) if !m.is_empty() => m.to_string(),
                _ => td_string!(locale, account.devices.errors.failed).to_string(),
            }
        })?;
        let parts: Vec<String> = js_sys::Array::from(&v)
            .iter()
            .filter_map(|x| x.as_string())
            .collect();
        match parts.as_slice() {
            [endpoint, p256dh, auth] => Ok((endpoint.clone(), p256dh.clone(), auth.clone())),
            _ => Err(td_string!(locale, account.devices.errors.incomplete).to_string()),
        }
    }

    /// A name for this device in the list ("Android phone", "iPhone", "Desktop browser").
    pub fn label(locale: Locale) -> String {
        let ua = web_sys::window()
            .and_then(|w| w.navigator().user_agent().ok())
            .unwrap_or_default();
        if ua.contains("iPhone") || ua.contains("iPad") {
            "iPhone".into()
        } else if ua.contains("Android") {
            td_string!(locale, account.devices.names.android).into()
        } else {
            td_string!(locale, account.devices.names.desktop).into()
        }
    }
}
