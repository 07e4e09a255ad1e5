//! A short chime when a conversation starts waiting while the app is open: a choice per device
//! (Account page), kept in this browser's storage, off by default.

#[cfg(feature = "hydrate")]
const KEY: &str = "baton.sound";

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Whether this device plays the chime.
pub fn enabled() -> bool {
    #[cfg(feature = "hydrate")]
    {
        storage()
            .and_then(|s| s.get_item(KEY).ok()?)
            .is_some_and(|v| v == "1")
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

pub fn set_enabled(_on: bool) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = storage() {
        let _ = if _on {
            s.set_item(KEY, "1")
        } else {
            s.remove_item(KEY)
        };
    }
}

/// Two soft tones (about a third of a second), when this device chose sound.
pub fn chime() {
    #[cfg(feature = "hydrate")]
    if enabled() {
        let _ = play();
    }
}

#[cfg(feature = "hydrate")]
fn play() -> Result<(), wasm_bindgen::JsValue> {
    let ctx = web_sys::AudioContext::new()?;
    let start = ctx.current_time();
    for (i, freq) in [880.0_f32, 1320.0].into_iter().enumerate() {
        let at = start + 0.16 * i as f64;
        let osc = ctx.create_oscillator()?;
        let gain = ctx.create_gain()?;
        osc.frequency().set_value(freq);
        gain.gain().set_value_at_time(0.0001, at)?;
        gain.gain()
            .exponential_ramp_to_value_at_time(0.2, at + 0.02)?;
        gain.gain()
            .exponential_ramp_to_value_at_time(0.0001, at + 0.15)?;
        osc.connect_with_audio_node(&gain)?;
        gain.connect_with_audio_node(&ctx.destination())?;
        osc.start_with_when(at)?;
        osc.stop_with_when(at + 0.16)?;
    }
    Ok(())
}
