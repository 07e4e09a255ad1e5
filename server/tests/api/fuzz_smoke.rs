//! The fuzz targets' smoke run in CI: each target's body (with its invariants, from
//! `fuzz/src/lib.rs`) over its seed corpus, the test fixtures, and thousands of deterministic
//! mutations of them. Coverage-guided fuzzing for minutes per target is `scripts/fuzz.sh`; a cold
//! build of it takes about 20 minutes, so CI runs this instead.

#[path = "../../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod baton_fuzz;

use std::path::Path;

/// A small deterministic generator (xorshift64*): the same mutations on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that make parsers take other paths: JSON punctuation, escapes, NUL, a lone surrogate,
/// multi-byte text, the scenario input's separator.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\\u0000",
    b"\\ud800",
    b"\0",
    b"null",
    b"0",
    b"-1",
    b"1e999",
    b"\"\"",
    b"\xc3\xb1",
    b"\xf0\x9f\x98\x80",
    b"\xff",
    b"\x1e",
    b"re:",
    b"\"text\"",
    b"\"client_id\"",
    b"\"type\":\"message\"",
    b"\n",
    b" ",
];

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            2 if at < out.len() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            3 => out.truncate(at),
            _ => {
                // Repeat a piece (nested or duplicated fields).
                let end = (at + rng.below(64)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
        }
    }
    out
}

/// The seed inputs for `target`: its `fuzz/corpus/<target>/seed-*` files and the test fixtures
/// named for its channel.
fn seeds(target: &str, fixture_prefix: Option<&str>) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files: Vec<_> = std::fs::read_dir(root.join("fuzz/corpus").join(target))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")
        })
        .collect();
    if let Some(prefix) = fixture_prefix {
        files.extend(
            std::fs::read_dir(root.join("server/tests/fixtures"))
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix)),
        );
    }
    files.sort();
    let seeds: Vec<_> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds for {target}");
    seeds
}

/// Runs `target` over every seed and `per_seed` mutations of each; a failed invariant panics
/// with the input that broke it.
fn smoke(name: &str, target: fn(&[u8]), fixture_prefix: Option<&str>, per_seed: usize) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
    let mut runs = 0;
    for seed in seeds(name, fixture_prefix) {
        let mut inputs = vec![seed.clone()];
        inputs.extend((0..per_seed).map(|_| mutate(&seed, &mut rng)));
        for input in inputs {
            let outcome = std::panic::catch_unwind(|| target(&input));
            assert!(
                outcome.is_ok(),
                "{name} failed on {:?}",
                String::from_utf8_lossy(&input)
            );
            runs += 1;
        }
    }
    assert!(runs > per_seed, "{name}: only {runs} inputs");
}

#[test]
fn the_fuzz_targets_hold_on_their_corpus_and_its_mutations() {
    use baton_fuzz::targets::*;
    smoke(
        "whatsapp_payload",
        whatsapp_payload,
        Some("whatsapp"),
        20_000,
    );
    smoke("telegram_update", telegram_update, Some("telegram"), 20_000);
    smoke("widget_frame", widget_frame, None, 20_000);
    // It compiles regexes: fewer.
    smoke("scenario_trigger", scenario_trigger, None, 2_000);
}
