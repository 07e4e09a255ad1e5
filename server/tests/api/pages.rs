//! Server-rendered pages: what a browser without JavaScript receives.

use app::domain::users::Role;
use reqwest::StatusCode;

both_databases! {
    async fn pages_come_in_the_browsers_language_and_then_the_persons(app) {
        let get = |c: reqwest::Client, path: &'static str, lang: &'static str| {
            let url = app.url(path);
            async move {
                let r = c.get(url).header("accept-language", lang).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                r.text().await.unwrap()
            }
        };
        // Without JavaScript, straight from the server: Accept-Language decides.
        let es = get(app.client(), "/login", "es-MX,es;q=0.9,en;q=0.5").await;
        for needle in ["<span>Correo electrónico", "<span>Contraseña", "Entrar", "lang=\"es\""] {
            assert!(es.contains(needle), "{needle} missing from the Spanish sign-in page");
        }
        let en = get(app.client(), "/login", "en-GB").await;
        assert!(en.contains("<span>Email<") && en.contains("lang=\"en\""));
        let other = get(app.client(), "/login", "de-DE,fr;q=0.8").await;
        assert!(other.contains("<span>Email<"), "a language Baton lacks falls back to English");

        // Ana chooses Spanish on her Account page: the cookie follows, on this device and the
        // next one she signs in on, whatever that browser's language.
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let r = app.call(&ana, "account/language", &[("language", "es")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("i18n_pref_locale=es;") && cookie.contains("Path=/"), "{cookie}");
        let me: serde_json::Value = app.call(&ana, "me", &[]).await.json().await.unwrap();
        assert_eq!(me["language"], "es");
        let phone = app.client();
        let r = app.call(&phone, "sign_in", &[("email", "ana@x.io"), ("password", crate::common::TEST_PASSWORD)]).await;
        let cookies: Vec<_> = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert!(cookies.iter().any(|c| c.starts_with("i18n_pref_locale=es;")), "{cookies:?}");
        let list = get(phone.clone(), "/conversations", "en-US").await;
        assert!(list.contains("Conversaciones") && list.contains("lang=\"es\""), "the list in her language");

        // Back to the browser's language: the cookie goes.
        let r = app.call(&ana, "account/language", &[("language", "")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        let me: serde_json::Value = app.call(&ana, "me", &[]).await.json().await.unwrap();
        assert!(me["language"].is_null());
        // Her phone still holds Spanish from its sign-in: its next page brings the cookie in line
        // (the browser does not write it), and the page after that follows the browser again.
        let r = phone.get(app.url("/conversations")).header("accept-language", "en-US").send().await.unwrap();
        let cookies: Vec<_> = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert!(cookies.iter().any(|c| c.starts_with("i18n_pref_locale=;") && c.contains("Max-Age=0")), "{cookies:?}");
        let list = get(phone.clone(), "/conversations", "en-US").await;
        assert!(list.contains("Conversations") && list.contains("lang=\"en\""), "the list in the browser's language: {}", &list[..list.len().min(3000)]);
        let r = phone.get(app.url("/conversations")).header("accept-language", "en-US").send().await.unwrap();
        assert!(r.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("i18n_pref_locale")), "nothing to change");

        // A language Baton does not speak is refused with a message for the field.
        let r = app.call(&ana, "account/language", &[("language", "xx")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(crate::common::refusal(r).await.contains("Choose one of the languages"));
    }

    async fn the_sign_in_page_renders_from_the_server(app) {
        let r = app.client().get(app.url("/login")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        for needle in ["<span>Email<", "<span>Password<", "Sign in", "action=\"/api/sign_in\"", "manifest.webmanifest"] {
            assert!(html.contains(needle), "{needle} missing");
        }
    }

    async fn anonymous_visitors_are_sent_to_sign_in(app) {
        let r = app.client().get(app.url("/conversations")).header("accept", "text/html").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(r.headers()["location"], "/login");
    }

    async fn an_operator_gets_a_403_page_for_admin_urls_and_locked_navigation(app) {
        let (op, _) = app.signed_in("ana@x.io", Role::Operator).await;
        for path in ["/operators", "/settings", "/analytics", "/audit"] {
            let r = op.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
            assert!(r.text().await.unwrap().contains("Admins only"));
        }
        let r = op.get(app.url("/conversations")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert_eq!(html.matches("aria-disabled=\"true\"").count(), 4, "Analytics, Audit log, Operators and Settings are locked");
        assert!(html.contains("Awaiting operator"));
    }

    async fn an_admin_sees_every_page(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        for (path, text) in [("/conversations", "Awaiting operator"), ("/monitoring", "Operators online"),
                             ("/scenarios", "Scenarios"), ("/operators", "Add an operator"), ("/settings", "Your account")] {
            let r = admin.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            let html = r.text().await.unwrap();
            assert!(html.contains(text), "{path} lacks {text}");
            assert!(!html.contains("aria-disabled=\"true\""), "{path}: nothing is locked for admins");
        }
    }

    async fn a_plain_form_post_with_a_bad_password_comes_back_with_the_message(app) {
        let r = plain_form_sign_in(&app, "wrong password").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        assert!(loc.starts_with("/login?error="), "{loc}");
        let page = app.client().get(app.url(&loc)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("do not match an active account"));
    }

    async fn a_refusal_reads_in_the_readers_language(app) {
        // The refusal travels as data; the page words it in each reader's language.
        let r = plain_form_sign_in(&app, "wrong password").await;
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        assert!(!loc.contains("match"), "no English sentence in the address: {loc}");
        let page = |lang: &'static str| {
            let (url, c) = (app.url(&loc), app.client());
            async move {
                let r = c.get(url).header("accept-language", lang).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                r.text().await.unwrap()
            }
        };
        let es = page("es-MX,es;q=0.9").await;
        assert!(es.contains("Ese correo y esa contraseña no corresponden a ninguna cuenta activa."), "{es}");
        assert!(!es.contains("do not match"), "no English on the Spanish page");
        let en = page("en-US").await;
        assert!(en.contains("That email and password do not match an active account."));
        assert!(!en.contains("no corresponden"));

        // A server call refused in the console: the same data, in the reader's words.
        let (ana, _) = app.signed_in("ben@x.io", Role::Operator).await;
        let r = app.call(&ana, "account/language", &[("language", "xx")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        let e: app::error::AppError = serde_json::from_str(&body).unwrap();
        let words = |l| app::text::errors::field(l, &e, "language").unwrap();
        assert_eq!(words(app::i18n::Locale::es), "Elige uno de los idiomas de la lista.");
        assert_eq!(words(app::i18n::Locale::en), "Choose one of the languages in the list.");

        // Words slipped into the address instead of data are not shown.
        let forged = app.url("/login?error=Your%20account%20was%20hacked");
        let r = app.client().get(forged).header("accept-language", "es").send().await.unwrap();
        assert!(!r.text().await.unwrap().contains("hacked"), "only errors as data are shown");
    }

    async fn a_plain_form_post_that_signs_in_goes_home_with_a_cookie(app) {
        let r = plain_form_sign_in(&app, crate::common::TEST_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(r.headers()["location"], "/");
        assert!(r.headers().get("set-cookie").is_some());
    }
}

/// Posts the sign-in form the way a browser without JavaScript does.
async fn plain_form_sign_in(app: &crate::common::TestApp, password: &str) -> reqwest::Response {
    app.user("ana@x.io", Role::Operator).await;
    app.client()
        .post(app.url("/api/sign_in"))
        .header("accept", "text/html")
        .header("referer", app.url("/login"))
        .form(&[("email", "ana@x.io"), ("password", password)])
        .send()
        .await
        .unwrap()
}
