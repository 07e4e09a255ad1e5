//! Private notes: operators writing to each other inside a conversation. A note is never sent to
//! the customer; `@name` in it alerts that operator.

/// The longest note (a reply's own limit).
pub const MAX_NOTE_CHARS: usize = 4096;

/// The people a note mentions, of `people` (id, display name): `@` followed by their whole display
/// name or its first word, ignoring case, and not followed by a letter or digit (so `@Ann` does
/// not mention Anna). Each person once, in the order of `people`.
pub fn mentions(text: &str, people: &[(i64, String)]) -> Vec<i64> {
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    for (id, name) in people {
        let full = name.trim().to_lowercase();
        let first = full
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        let hit = [full.as_str(), first.as_str()]
            .iter()
            .any(|n| !n.is_empty() && mentioned(&lower, n));
        if hit && !found.contains(id) {
            found.push(*id);
        }
    }
    found
}

fn mentioned(text: &str, name: &str) -> bool {
    let needle = format!("@{name}");
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let end = from + at + needle.len();
        let next = text[end..].chars().next();
        if !next.is_some_and(char::is_alphanumeric) {
            return true;
        }
        from = end;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Vec<(i64, String)> {
        vec![
            (1, "Ana García".into()),
            (2, "Anabel".into()),
            (3, "Ben".into()),
            (4, "José Luis".into()),
        ]
    }

    #[test]
    fn a_first_name_or_a_full_name_mentions() {
        assert_eq!(mentions("@ana can you check?", &people()), vec![1]);
        assert_eq!(
            mentions("ask @Ana García, then @BEN.", &people()),
            vec![1, 3]
        );
        assert_eq!(mentions("@josé luis: refund done", &people()), vec![4]);
    }

    #[test]
    fn a_longer_word_is_someone_else() {
        assert_eq!(mentions("@anabel only", &people()), vec![2]);
        assert_eq!(mentions("@Benjamin", &people()), Vec::<i64>::new());
        assert_eq!(
            mentions("mail ben@example.com", &people()),
            Vec::<i64>::new()
        );
        assert_eq!(mentions("no at sign: Ana", &people()), Vec::<i64>::new());
    }

    #[test]
    fn each_person_once() {
        assert_eq!(mentions("@ben @ben @Ben!", &people()), vec![3]);
    }
}
