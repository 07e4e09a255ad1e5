//! What a customer who asked for a person is told about the wait: the handoff confirmation may
//! hold `{{position}}` (their place in the queue, 1 for the next one served) and `{{wait}}` (an
//! estimate from how long recent customers waited for an operator), in the customer's language.

/// The placeholders the handoff confirmation may hold.
pub const POSITION: &str = "{{position}}";
pub const WAIT: &str = "{{wait}}";

/// How many recent waits the estimate looks at, and how far back (ms).
pub const RECENT_WAITS: i64 = 50;
pub const RECENT_WINDOW_MS: i64 = 7 * 24 * 3600 * 1000;

/// Whether a confirmation needs the queue read (it holds a placeholder).
pub fn needs_queue(text: &str) -> bool {
    text.contains(POSITION) || text.contains(WAIT)
}

/// The middle of the recent waits (ms), `None` without any. Negative values (clock skew between
/// instances) are left out.
pub fn median(mut waits: Vec<i64>) -> Option<i64> {
    waits.retain(|w| *w >= 0);
    if waits.is_empty() {
        return None;
    }
    waits.sort_unstable();
    let mid = waits.len() / 2;
    Some(match waits.len() % 2 {
        1 => waits[mid],
        _ => (waits[mid - 1] + waits[mid]) / 2,
    })
}

/// An estimated wait as the customer reads it: rounded up to whole minutes (to 5 past 15, to
/// half hours past an hour), "a few minutes" when nothing is known yet.
pub fn wait_phrase(spanish: bool, estimate_ms: Option<i64>) -> String {
    let Some(ms) = estimate_ms else {
        return if spanish {
            "unos minutos"
        } else {
            "a few minutes"
        }
        .to_string();
    };
    let minutes = (ms + 59_999) / 60_000;
    match (minutes, spanish) {
        (0..=1, true) => "menos de un minuto".to_string(),
        (0..=1, false) => "less than a minute".to_string(),
        (2..=15, true) => format!("unos {minutes} minutos"),
        (2..=15, false) => format!("about {minutes} minutes"),
        (16..=60, true) => format!("unos {} minutos", round_up(minutes, 5)),
        (16..=60, false) => format!("about {} minutes", round_up(minutes, 5)),
        (_, spanish) => {
            let halves = round_up(minutes, 30) / 30;
            let hours = match halves % 2 {
                0 => (halves / 2).to_string(),
                _ if spanish => format!("{},5", halves / 2),
                _ => format!("{}.5", halves / 2),
            };
            match spanish {
                true if hours == "1" => "alrededor de 1 hora".to_string(),
                true => format!("alrededor de {hours} horas"),
                false if hours == "1" => "about 1 hour".to_string(),
                false => format!("about {hours} hours"),
            }
        }
    }
}

fn round_up(n: i64, step: i64) -> i64 {
    (n + step - 1) / step * step
}

/// The confirmation with its placeholders filled in.
pub fn fill(text: &str, position: i64, wait: &str) -> String {
    text.replace(POSITION, &position.to_string())
        .replace(WAIT, wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn the_median_is_the_middle_wait() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5 * MIN]), Some(5 * MIN));
        assert_eq!(median(vec![9, 1, 5]), Some(5));
        assert_eq!(median(vec![4, 1, 9, 2]), Some(3));
        assert_eq!(
            median(vec![-1_000, 7]),
            Some(7),
            "skewed clocks are left out"
        );
    }

    #[test]
    fn waits_read_naturally_in_both_languages() {
        assert_eq!(wait_phrase(false, None), "a few minutes");
        assert_eq!(wait_phrase(true, None), "unos minutos");
        assert_eq!(wait_phrase(false, Some(20_000)), "less than a minute");
        assert_eq!(wait_phrase(true, Some(MIN)), "menos de un minuto");
        assert_eq!(wait_phrase(false, Some(4 * MIN + 1)), "about 5 minutes");
        assert_eq!(wait_phrase(true, Some(12 * MIN)), "unos 12 minutos");
        assert_eq!(wait_phrase(false, Some(17 * MIN)), "about 20 minutes");
        assert_eq!(wait_phrase(false, Some(61 * MIN)), "about 1.5 hours");
        assert_eq!(wait_phrase(true, Some(61 * MIN)), "alrededor de 1,5 horas");
        assert_eq!(wait_phrase(false, Some(120 * MIN)), "about 2 hours");
        assert_eq!(wait_phrase(true, Some(119 * MIN)), "alrededor de 2 horas");
    }

    #[test]
    fn placeholders_are_filled_and_other_text_kept() {
        let t = "Eres el número {{position}} en la fila; espera aprox.: {{wait}}. {{name}}";
        assert!(needs_queue(t));
        assert!(!needs_queue("Enseguida te atendemos."));
        assert_eq!(
            fill(t, 3, "unos 5 minutos"),
            "Eres el número 3 en la fila; espera aprox.: unos 5 minutos. {{name}}"
        );
    }
}
