//! Response headers: the console's Content-Security-Policy with the page's nonce, nosniff,
//! Referrer-Policy, no framing of the console (the widget stays embeddable), HSTS and the
//! `__Host-` cookie over https; demo mode's refusal to run where it could be reached.

use crate::common::{self, TEST_PASSWORD};
use app::domain::users::Role;

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).map(|v| v.to_str().unwrap())
}

both_databases! {
    async fn console_pages_carry_a_nonce_csp_and_the_other_security_headers(app) {
        let r = app.client().get(app.url("/login")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let csp = header(&r, "content-security-policy").expect("CSP on a console page").to_string();
        for directive in ["default-src 'self'", "'wasm-unsafe-eval'", "style-src 'self'", "object-src 'none'",
                          "base-uri 'none'", "frame-ancestors 'none'", "connect-src 'self'"] {
            assert!(csp.contains(directive), "{directive} missing from {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
        assert_eq!(header(&r, "referrer-policy"), Some("same-origin"));
        assert_eq!(header(&r, "x-frame-options"), Some("DENY"));
        assert_eq!(header(&r, "strict-transport-security"), None, "no HSTS over plain http");
        // Every inline script of the page carries this response's nonce.
        let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce").to_string();
        let html = r.text().await.unwrap();
        let scripts = html.matches("<script").count();
        assert!(scripts > 0);
        assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "{html}");
        // A second page view gets a fresh nonce.
        let again = app.client().get(app.url("/login")).send().await.unwrap();
        assert_ne!(header(&again, "content-security-policy"), Some(csp.as_str()));

        // Server functions and static files are not framable either, and never sniffed.
        let r = app.call(&app.client(), "me", &[]).await;
        assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
        assert_eq!(header(&r, "x-frame-options"), Some("DENY"));
    }

    async fn the_widget_stays_embeddable_on_other_sites(app) {
        for path in ["/widget.js", "/demo"] {
            let r = app.client().get(app.url(path)).send().await.unwrap();
            assert_eq!(header(&r, "x-frame-options"), None, "{path}");
            assert!(!header(&r, "content-security-policy").unwrap_or_default().contains("frame-ancestors"), "{path}");
            assert!(header(&r, "cross-origin-resource-policy").is_none(), "{path}");
            assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"), "{path}");
        }
        // Each has its own policy: the demo page runs only this server's script, and the widget
        // script, opened as a page, runs nothing.
        let demo = app.client().get(app.url("/demo")).send().await.unwrap();
        let csp = header(&demo, "content-security-policy").expect("CSP on /demo").to_string();
        for directive in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "base-uri 'none'"] {
            assert!(csp.contains(directive), "{directive} missing from {csp}");
        }
        assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        let js = app.client().get(app.url("/widget.js")).send().await.unwrap();
        assert_eq!(header(&js, "content-security-policy"), Some("default-src 'none'"));
    }
}

#[tokio::test]
async fn https_deployments_get_hsts_and_a_host_only_cookie() {
    let app = common::spawn_https().await;
    let r = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(
        header(&r, "strict-transport-security"),
        Some(server::routes::headers::HSTS)
    );
    app.user("ana@x.io", Role::Operator).await;
    let r = app
        .call(
            &app.client(),
            "sign_in",
            &[("email", "ana@x.io"), ("password", TEST_PASSWORD)],
        )
        .await;
    let cookie = header(&r, "set-cookie").unwrap().to_string();
    assert!(cookie.starts_with("__Host-baton_session="), "{cookie}");
    for attr in ["; Secure", "Path=/", "HttpOnly"] {
        assert!(cookie.contains(attr), "{attr} missing from {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The browser sends it back under that name, and it works.
    let token = cookie.split(';').next().unwrap();
    let me = app
        .client()
        .post(app.url("/api/me"))
        .header("origin", "https://baton.example.com")
        .header("cookie", token)
        .send()
        .await
        .unwrap();
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["email"], "ana@x.io");
}
