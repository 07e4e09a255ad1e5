//! The signed-in person's own page: who they are, changing their password, and the devices that
//! get "Customer waiting" alerts, each with its delivery health, a test button and removal.

use super::{ago, load_error};
use crate::api::auth::ChangePassword;
use crate::api::devices::{list_devices, vapid_key, RemoveDevice, SubscribeWebpush, TestDevice};
use crate::domain::users::NewPassword;
use crate::dto::DeviceDto;
use crate::error::AppError;
use crate::ui::layout::{CurrentUser, WithUser};
use leptos::prelude::*;

#[component]
pub fn AccountPage() -> impl IntoView {
    let subscribe = ServerAction::<SubscribeWebpush>::new();
    let remove = ServerAction::<RemoveDevice>::new();
    let test = ServerAction::<TestDevice>::new();
    let devices = Resource::new(
        move || (subscribe.version().get(), remove.version().get()),
        |_| list_devices(),
    );
    let browser_error = RwSignal::new(None::<String>);
    let enable = move |_| {
        browser_error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let key = match vapid_key().await {
                Ok(k) => k,
                Err(e) => return browser_error.set(Some(e.to_string())),
            };
            match browser::subscribe(&key).await {
                Ok((endpoint, p256dh, auth)) => {
                    subscribe.dispatch(SubscribeWebpush {
                        endpoint,
                        p256dh,
                        auth,
                        label: Some(browser::label()),
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
            .map(|e| e.to_string())
            .or_else(|| browser_error.get())
    };
    let tested =
        move || matches!(test.value().get(), Some(Ok(()))).then_some("Test notification sent.");
    let account = move || {
        let me = expect_context::<CurrentUser>().0;
        view! {
            <dl class="kv">
                <dt>"Name"</dt><dd>{me.display_name}</dd>
                <dt>"Email"</dt><dd>{me.email}</dd>
                <dt>"Role"</dt><dd>{me.role.as_str()}</dd>
                <dt>"Capacity"</dt><dd>{format!("{} conversations at a time", me.max_conversations)}</dd>
            </dl>
        }
    };
    view! {
        <section class="page account" aria-labelledby="acc-title">
            <h1 id="acc-title" class="page-title">"Your account"</h1>
            <div class="card"><WithUser>{account}</WithUser></div>
            <ChangePasswordForm/>
            <section class="card" aria-labelledby="dev-title">
                <h2 id="dev-title">"Alerts on your devices"</h2>
                <p class="muted small">"When a customer waits, Baton alerts your devices, again every few minutes until someone accepts."</p>
                <button type="button" class="btn primary" on:click=enable>"Enable alerts on this device"</button>
                {move || action_error().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                {move || tested().map(|t| view! { <p class="notice ok" role="status">{t}</p> })}
                <Transition fallback=|| view! { <p class="muted">"Loading devices…"</p> }>
                    {move || Suspend::new(async move {
                        match devices.await {
                            Ok(list) if list.is_empty() => view! { <p class="muted">"No device gets alerts yet."</p> }.into_any(),
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
        </section>
    }
}

/// Current password, new one twice. Other devices are signed out; this one stays signed in.
#[component]
fn ChangePasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let err = move |field: &'static str| super::field_error(change.value(), field);
    let outcome = move || {
        match change.value().get() {
        Some(Err(AppError::Invalid(_))) | None => None,
        Some(Err(e)) => Some(view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any()),
        Some(Ok(())) => Some(view! { <p class="notice ok" role="status">"Password changed. Your other devices are signed out."</p> }.into_any()),
    }
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
            <h2 id="pw-title">"Change password"</h2>
            <ActionForm action=change node_ref=form attr:class="form grid" attr:novalidate=true>
                <label class="field">
                    <span>"Current password"</span>
                    <input type="password" name="current_password" autocomplete="current-password" required/>
                    {err("current_password")}
                </label>
                <label class="field">
                    <span>{format!("New password (at least {min} characters)")}</span>
                    <input type="password" name="new_password" autocomplete="new-password" minlength=min.clone() required/>
                    {err("new_password")}
                </label>
                <label class="field">
                    <span>"New password again"</span>
                    <input type="password" name="confirm_password" autocomplete="new-password" required/>
                    {err("confirm_password")}
                </label>
                {outcome}
                <button type="submit" class="btn primary">"Change password"</button>
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
    let clock = expect_context::<crate::ui::live::Clock>();
    let id = d.id;
    let created = d.created_at;
    let health = match (d.last_success_at, d.last_error_at) {
        (_, Some(err_at)) if d.last_success_at.is_none_or(|ok| err_at > ok) => {
            let msg = d.last_error.clone().unwrap_or_default();
            view! { <span class="small device-health failing">{move || format!("Failing since {}: {msg}", ago(err_at, clock.now(created)))}</span> }.into_any()
        }
        (Some(ok), _) => view! { <span class="small device-health ok">{move || format!("Last alert delivered {}", ago(ok, clock.now(created)))}</span> }.into_any(),
        _ => view! { <span class="small muted">"No alert sent yet"</span> }.into_any(),
    };
    view! {
        <li class="person device" data-kind=d.kind.as_str()>
            <span class="person-main">
                <span class="name">{d.label.clone()}</span>
                <span class="muted small">{format!("{} · {}", d.kind.default_label(), d.address)}</span>
                {health}
            </span>
            <span class="person-actions">
                <button type="button" class="btn small" on:click=move |_| { test.dispatch(TestDevice { id }); }>"Send test notification"</button>
                <button type="button" class="btn small danger" on:click=move |_| { remove.dispatch(RemoveDevice { id }); }>"Remove"</button>
            </span>
        </li>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
export async function baton_push_subscribe(key) {
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
    throw new Error('This browser cannot receive alerts. On an iPhone, add Baton to the home screen first.');
  }
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    throw new Error('Notifications are blocked for Baton. Allow them in the browser settings and try again.');
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

    /// Subscribes this browser to Web Push: (endpoint, p256dh, auth), or a message for the person.
    pub async fn subscribe(key: &str) -> Result<(String, String, String), String> {
        let v = baton_push_subscribe(key.to_string()).await.map_err(|e| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "Alerts could not be enabled on this device.".into())
        })?;
        let parts: Vec<String> = js_sys::Array::from(&v)
            .iter()
            .filter_map(|x| x.as_string())
            .collect();
        match parts.as_slice() {
            [endpoint, p256dh, auth] => Ok((endpoint.clone(), p256dh.clone(), auth.clone())),
            _ => Err("The browser returned an incomplete subscription.".into()),
        }
    }

    /// A name for this device in the list ("Android phone", "iPhone", "Desktop browser").
    pub fn label() -> String {
        let ua = web_sys::window()
            .and_then(|w| w.navigator().user_agent().ok())
            .unwrap_or_default();
        if ua.contains("iPhone") || ua.contains("iPad") {
            "iPhone".into()
        } else if ua.contains("Android") {
            "Android phone".into()
        } else {
            "Desktop browser".into()
        }
    }
}
