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
    let start = html.find("/pkg/").expect("the page names the bundle") + "/pkg/".len();
    let hash: String = html[start..].chars().take(12).collect();
    assert!(
        hash.chars().all(|c| c.is_ascii_hexdigit()) && html[start + 12..].starts_with('/'),
        "{hash}"
    );
    for file in ["baton.js", "baton_bg.wasm", "baton.css"] {
        assert!(
            html.contains(&format!("/pkg/{hash}/{file}")),
            "{file} is not on the page"
        );
    }
    // Every file of the build: the main module and its glue, the stylesheet, the split loader
    // and the admin pages' chunks.
    let dir = format!("../target/site/pkg/{hash}");
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|f| [".js", ".wasm", ".css"].iter().any(|x| f.ends_with(x)))
        .collect();
    assert!(
        files.iter().filter(|f| f.ends_with(".wasm")).count() > 1,
        "the admin pages are split out of the main module: {files:?}"
    );
    for file in &files {
        let on_disk = std::fs::metadata(format!("{dir}/{file}")).unwrap().len();
        for (accept, sent) in [
            ("br", Some("br")),
            ("gzip", Some("gzip")),
            ("identity", None),
        ] {
            let r = app
                .client()
                .get(app.url(&format!("/pkg/{hash}/{file}")))
                .header("accept-encoding", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{file} {accept}");
            assert_eq!(header(&r, "content-encoding"), sent, "{file} {accept}");
            assert_eq!(header(&r, "cache-control"), Some(IMMUTABLE), "{file}");
            let len = r.bytes().await.unwrap().len() as u64;
            match sent {
                Some(_) => assert!(len <= on_disk, "{file} {accept}: {len} > {on_disk}"),
                None => assert_eq!(len, on_disk, "{file} as it is"),
            }
        }
    }
    // wasm-bindgen's snippets are in the build's folder too.
    let snippets = std::path::PathBuf::from(format!("{dir}/snippets"));
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
            assert_eq!(header(&r, "cache-control"), Some(IMMUTABLE), "{rel}");
        }
    }
    // A name from another version is not found, and not cached as found.
    let old = app
        .client()
        .get(app.url("/pkg/000000000000/baton.js"))
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
        script.contains(&format!("const BUNDLE = 'pkg/{hash}';")),
        "the worker names this bundle"
    );
    assert!(!script.contains("__BATON_BUNDLE__"));
}
