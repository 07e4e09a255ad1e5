//! Widget socket frames: `app::domain::widget::parse_frame` accepts exactly the frames the spec
//! allows (a `message` with 1..=4096 characters of trimmed text and a 1..=64 character client_id,
//! U+0000 dropped from the text and refused in the client_id),
//! checked against an independent reading of the same JSON.
#![no_main]

use app::domain::widget::{parse_frame, FrameError, CLIENT_ID_MAX_CHARS, TEXT_MAX_CHARS};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(frame) = std::str::from_utf8(data) else {
        return;
    };
    let result = parse_frame(frame);
    // The oracle: the frame as plain JSON. A missing text or client_id reads as "".
    let json = serde_json::from_str::<Value>(frame).ok();
    let field = |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(Value::as_str);
    let kind = field("type");
    let raw_text = field("text").unwrap_or_default();
    let client_id = field("client_id").unwrap_or_default();
    // U+0000 cannot be stored: dropped from the text, refused in the client_id.
    let text = raw_text.replace('\0', "");
    let text = text.trim();
    let text_ok = kind == Some("message") && (1..=TEXT_MAX_CHARS).contains(&text.chars().count());
    let id_ok =
        (1..=CLIENT_ID_MAX_CHARS).contains(&client_id.chars().count()) && !client_id.contains('\0');
    match &result {
        Ok(f) => {
            assert!(
                json.as_ref().is_some_and(Value::is_object),
                "accepted a non-object"
            );
            assert!(text_ok && id_ok, "accepted outside the spec: {f:?}");
            assert_eq!(f.text, text);
            assert_eq!(f.client_id, client_id);
            baton_fuzz::assert_storable("text", &f.text);
            baton_fuzz::assert_storable("client_id", &f.client_id);
        }
        Err(FrameError::Text { client_id: id }) => {
            assert!(!text_ok, "refused good text: {frame:?}");
            assert_eq!(id, client_id);
        }
        Err(FrameError::ClientId) => assert!(text_ok && !id_ok, "{frame:?}"),
        Err(FrameError::NotJson) => {}
    }
    if let Err(e) = &result {
        assert!(!e.to_string().is_empty());
    }
});
