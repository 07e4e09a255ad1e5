//! The interface's words live in `locales/<language>.json`, one file per language. These checks
//! keep the files in step and the code free of untranslated words.

use regex::Regex;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn locales_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")
}

/// Every language file: `(code, contents)`, English first.
fn languages() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(locales_dir())
        .expect("locales/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let code = p.file_stem().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&p).unwrap();
            let json = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", p.display()));
            (code, json)
        })
        .collect();
    out.sort_by_key(|(code, _)| (code != "en", code.clone()));
    out
}

/// `key.path -> text` for every string of a file.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => panic!("{prefix}: expected text, found {other}"),
    }
}

/// The `{{ name }}` placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<String> {
    let re = Regex::new(r"\{\{\s*(\w+)\s*\}\}").unwrap();
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

#[test]
fn every_language_has_every_key_with_the_same_placeholders() {
    let langs = languages();
    assert!(
        langs.len() >= 2,
        "English and Spanish at least, found {}",
        langs.len()
    );
    assert_eq!(langs[0].0, "en");
    let mut flat = Vec::new();
    for (code, json) in &langs {
        let mut m = BTreeMap::new();
        flatten("", json, &mut m);
        flat.push((code, m));
    }
    let (_, english) = &flat[0];
    assert!(english.len() > 100, "the English file holds the interface");
    for (code, other) in &flat[1..] {
        let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{code}.json lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{code}.json has keys English lacks: {extra:?}"
        );
        for (key, text) in english {
            assert_eq!(
                placeholders(text),
                placeholders(&other[key]),
                "{code}.json `{key}` must use the same placeholders as English"
            );
            assert!(
                !other[key].trim().is_empty(),
                "{code}.json `{key}` is empty"
            );
        }
    }
}

/// Words a person reads written in a view: a text node (`>"Save"<`).
fn text_node() -> Regex {
    Regex::new(r#">\s*"([^"]*[A-Za-z][^"]*)"\s*<"#).unwrap()
}

/// Or a literal given to an attribute people read (`placeholder="…"`, `aria-label="…"`).
fn attribute() -> Regex {
    Regex::new(r#"(?:placeholder|aria-label|title|alt|label|text)="([^"]*[A-Za-z][^"]*)""#).unwrap()
}

#[test]
fn no_interface_text_is_left_in_the_code() {
    let (text_node, attribute) = (text_node(), attribute());
    let allowed = ["Baton"];
    let mut found = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for c in text_node
                    .captures_iter(line)
                    .chain(attribute.captures_iter(line))
                {
                    if !allowed.contains(&&c[1]) {
                        found.push(format!("{}:{}: {}", path.display(), n + 1, &c[1]));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "untranslated interface text:\n{}",
        found.join("\n")
    );
}

/// An error built from a sentence instead of data: `AppError::Conflict("…")`,
/// `AppError::field("to", "…")`, `FieldError::new("name", format!("…"))`.
fn sentence_error() -> Regex {
    Regex::new(
        r#"(?:AppError::(?:NotFound|Conflict)\(\s*(?:format!\(\s*)?"|(?:AppError::field|FieldError::new)\(\s*[^,()]+,\s*(?:format!\(\s*)?")"#,
    )
    .unwrap()
}

/// `path`'s Rust files, recursively.
fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(path).unwrap().filter_map(Result::ok) {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_error_is_a_sentence_in_the_code() {
    // Errors people read are data (`domain::problem::Problem`), worded from the language files by
    // `text::errors`. Calls span lines, so each file is searched whole.
    let re = sentence_error();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("../server/src"), &mut files);
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for m in re.find_iter(&text) {
            let line = text[..m.start()].lines().count().max(1);
            found.push(format!("{}:{line}: {}", path.display(), m.as_str()));
        }
    }
    assert!(
        found.is_empty(),
        "errors written as sentences (make them a `Problem`):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_problem_has_its_words() {
    // `text::errors` names each key it uses; the build fails on a missing one. Here: the group
    // exists in every language and no text is the English one left untranslated.
    let langs = languages();
    let english = &langs[0].1["errors"];
    assert!(english.is_object(), "en.json has an `errors` group");
    let mut en = BTreeMap::new();
    flatten("errors", english, &mut en);
    assert!(en.len() > 80, "{} error texts", en.len());
    for (code, json) in &langs[1..] {
        let mut other = BTreeMap::new();
        flatten("errors", &json["errors"], &mut other);
        let copied: Vec<_> = en
            .iter()
            .filter(|(k, v)| other.get(*k) == Some(v) && v.split_whitespace().count() > 2)
            .map(|(k, _)| k)
            .collect();
        assert!(
            copied.is_empty(),
            "{code}.json leaves English in {copied:?}"
        );
    }
}

#[test]
fn the_check_sees_an_untranslated_word() {
    // The patterns above must match what they look for, or the check passes vacuously.
    assert!(text_node().is_match(r#"<button>"Save"</button>"#));
    assert!(!text_node().is_match(r#"<button>{t!(i18n, common.save)}</button>"#));
    assert!(attribute().is_match(r#"<input placeholder="Search"/>"#));
    assert!(!attribute().is_match(r#"<input placeholder=move || t_string!(i18n, x.search)/>"#));
    for sentence in [
        r#"AppError::Conflict("Taken".into())"#,
        r#"AppError::NotFound(format!("No {x}"))"#,
        "AppError::field(\n    \"to\",\n    \"Pick one.\",\n)",
        r#"FieldError::new("name", format!("Too long: {n}"))"#,
        r#"FieldError::new(field, "Write 1 to 1000 characters.")"#,
    ] {
        assert!(sentence_error().is_match(sentence), "{sentence}");
    }
    for data in [
        "AppError::Conflict(Problem::TakenBy { name })",
        r#"AppError::field("to", Problem::TransferPick)"#,
        r#"FieldError::new("new_password", e.message)"#,
    ] {
        assert!(!sentence_error().is_match(data), "{data}");
    }
}
