//! `baton-wasm-split <app.wasm> <out-dir> <name>`: splits the WebAssembly that cargo built (linked
//! with `--emit-relocs`) at its split points into `<out-dir>/<name>_split.wasm` (the main module,
//! for wasm-bindgen), one `.wasm` per lazily loaded chunk, the loader
//! `__wasm_split.______________________.js` and `__wasm_split_manifest.json` (which chunks each
//! split point needs; Leptos reads it to preload a lazy page's chunks when that page is loaded
//! directly). Prints the chunks' file names, one per line.

use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, out_dir, name] = args.as_slice() else {
        eprintln!("usage: baton-wasm-split <app.wasm> <out-dir> <name>");
        std::process::exit(2);
    };
    if let Err(e) = run(Path::new(input), Path::new(out_dir), name) {
        eprintln!("baton-wasm-split: {e:#}");
        std::process::exit(1);
    }
}

fn run(input: &Path, out_dir: &Path, name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input)?;
    let main_out: PathBuf = out_dir.join(format!("{name}_split.wasm"));
    // The chunks' loader imports `initSync`'s exports from the main module, next to it.
    let main_module = format!("./{name}.js");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&wasm);
        opts.output_dir = out_dir;
        opts.main_out_path = &main_out;
        opts.main_module = &main_module;
        // The name Leptos' hydration scripts expect.
        opts.link_name = "./__wasm_split.______________________.js";
        opts
    })?;
    std::fs::write(
        out_dir.join("__wasm_split_manifest.json"),
        serde_json::to_string_pretty(&split.prefetch_map)?,
    )?;
    for chunk in split.split_modules {
        println!("{}", chunk.display());
    }
    Ok(())
}
