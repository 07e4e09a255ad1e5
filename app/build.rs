//! Compiles the translation files (`locales/<language>.json`) into the typed `i18n` module: a
//! key missing from a file or an unknown interpolation is a build diagnostic, and every `t!` in
//! the code names a key that exists.
//!
//! Adding a language is adding its file: `locales/fr.json` with the keys of `locales/en.json`
//! (English is the fallback; `app/tests/translations.rs` checks that every file has every key).

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::error::Error;
use std::path::PathBuf;

/// The fallback language.
const DEFAULT: &str = "en";

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");
    // `sqlx::migrate!` embeds the migrations: a new one must rebuild the crate.
    println!("cargo::rerun-if-changed=../migrations");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");
    let mut others: Vec<String> = std::fs::read_dir("locales")?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let p = e.path();
            (p.extension()? == "json").then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .filter(|code| code != DEFAULT)
        .collect();
    others.sort();
    let mut cfg =
        Config::new(DEFAULT)?.parse_options(ParseOptions::default().interpolate_display(true));
    for lang in &others {
        cfg = cfg.add_locale(lang)?;
    }
    let infos = TranslationsInfos::parse(cfg)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(out)?;
    Ok(())
}
