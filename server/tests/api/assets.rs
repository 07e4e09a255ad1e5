//! The browser bundle on a phone's network: named after its content, sent precompressed, kept
//! for a year; pages and the service worker always checked with the server, the worker carrying
//! the bundle's name so a deploy reaches installed apps.

use crate::common::{self, Db};
use server::routes::assets::IMMUTABLE;

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn the_bundle_is_named_after_its_content_precompressed_and_kept_for_a_year() {
    let app = common::spawn(Db::Sqlite).await.expect("sqlite app");
    let page = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(
        header(&page, "cache-control"),
        Some("no-cache"),
        "pages are never reused unchecked"
    );
    let html = page.text().await.unwrap();
    let start = html.find("/pkg/baton.").expect("the page names the bundle") + "/pkg/".len();
    let name: String = html[start..].chars().take("baton.".len() + 12).collect();
    let hash = &name["baton.".len()..];
    assert!(
        hash.len() == 12 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{name}"
    );
    for file in [
        format!("{name}.js"),
        format!("{name}_bg.wasm"),
        format!("{name}.css"),
    ] {
        assert!(
            html.contains(&format!("/pkg/{file}")),
            "{file} is not on the page"
        );
        let on_disk = std::fs::metadata(format!("../target/site/pkg/{file}"))
            .unwrap()
            .len();
        for (accept, sent) in [
            ("br", Some("br")),
            ("gzip", Some("gzip")),
            ("identity", None),
        ] {
            let r = app
                .client()
                .get(app.url(&format!("/pkg/{file}")))
                .header("accept-encoding", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{file} {accept}");
            assert_eq!(header(&r, "content-encoding"), sent, "{file} {accept}");
            assert_eq!(header(&r, "cache-control"), Some(IMMUTABLE), "{file}");
            let len = r.bytes().await.unwrap().len() as u64;
            match sent {
                Some(_) => assert!(len < on_disk, "{file} {accept}: {len} >= {on_disk}"),
                None => assert_eq!(len, on_disk, "{file} as it is"),
            }
        }
    }
    // wasm-bindgen's snippets keep their names across versions: checked every time.
    let snippets = std::path::Path::new("../target/site/pkg/snippets");
    let mut stack = vec![snippets.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix("../target/site")
                .unwrap()
                .to_string_lossy()
                .to_string();
            let r = app
                .client()
                .get(app.url(&format!("/{rel}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{rel}");
            assert_eq!(header(&r, "cache-control"), Some("no-cache"), "{rel}");
        }
    }
    // A name from another version is not found, and not cached as found.
    let old = app
        .client()
        .get(app.url("/pkg/baton.000000000000.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 404);
    assert_ne!(header(&old, "cache-control"), Some(IMMUTABLE));

    let sw = app.client().get(app.url("/sw.js")).send().await.unwrap();
    assert_eq!(sw.status(), 200);
    assert_eq!(header(&sw, "cache-control"), Some("no-cache"));
    assert!(header(&sw, "content-type")
        .unwrap()
        .starts_with("text/javascript"));
    let script = sw.text().await.unwrap();
    assert!(
        script.contains(&format!("const BUNDLE = '{name}';")),
        "the worker names this bundle"
    );
    assert!(!script.contains("__BATON_BUNDLE__"));
}
