//! The contact panel's rules: what operators may write about a customer (a name of their own, free
//! notes), and the customer's earlier conversations.
//!
//! A contact has one conversation thread per channel identity; closing it and the customer writing
//! again (`reopened`) starts a new conversation in that thread. The earlier ones are the stretches
//! of the thread from its start, or a reopening, to a close.

use super::problem::Problem;

/// The longest name an operator may give a contact.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest notes about one contact.
pub const MAX_NOTES_CHARS: usize = 2000;
/// How many earlier conversations the panel lists (newest first).
pub const MAX_PAST: usize = 20;
/// How many messages one earlier conversation shows when opened.
pub const MAX_PAST_MESSAGES: i64 = 200;

/// A name an operator typed, trimmed: `None` (empty) gives the contact back the name its channel
/// reports.
pub fn check_name(name: &str) -> Result<Option<String>, Problem> {
    let name = name.trim();
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Problem::NameTooLong {
            max: MAX_NAME_CHARS as i64,
        });
    }
    Ok((!name.is_empty()).then(|| name.to_string()))
}

/// Notes about a contact, trimmed (empty is fine: no notes).
pub fn check_notes(notes: &str) -> Result<String, Problem> {
    let notes = notes.trim();
    if notes.chars().count() > MAX_NOTES_CHARS {
        return Err(Problem::ContactNotesTooLong {
            max: MAX_NOTES_CHARS as i64,
        });
    }
    Ok(notes.to_string())
}

/// What the conversation log says happened, as far as the panel cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    Closed,
    Reopened,
    /// An operator took the conversation (accepted, took it over, or was transferred it).
    Handled(String),
}

/// One earlier conversation: from `start` to `end` (unix ms, both included), and who handled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stretch {
    pub start: i64,
    pub end: i64,
    pub handled_by: Vec<String>,
}

/// The finished conversations of a thread that began at `created_at`, newest first, from its
/// log's marks in the order they happened (`(mark, at)`). The one still open is not among them.
pub fn past(created_at: i64, marks: &[(Mark, i64)]) -> Vec<Stretch> {
    let mut done = Vec::new();
    let mut current = Some(Stretch {
        start: created_at,
        end: created_at,
        handled_by: Vec::new(),
    });
    for (mark, at) in marks {
        match (mark, current.as_mut()) {
            (Mark::Closed, Some(_)) => {
                let mut s = current.take().expect("matched Some");
                s.end = *at;
                done.push(s);
            }
            (Mark::Reopened, None) => {
                current = Some(Stretch {
                    start: *at,
                    end: *at,
                    handled_by: Vec::new(),
                })
            }
            (Mark::Handled(name), Some(s)) if !s.handled_by.contains(name) => {
                s.handled_by.push(name.clone())
            }
            // A second close, a reopening of an open thread, or a name seen before: no change.
            _ => {}
        }
    }
    done.reverse();
    done.truncate(MAX_PAST);
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_empty_means_the_channels_name() {
        assert_eq!(check_name("  Ana Pérez "), Ok(Some("Ana Pérez".into())));
        assert_eq!(check_name("   "), Ok(None));
        assert_eq!(
            check_name(&"ñ".repeat(MAX_NAME_CHARS)).map(|n| n.is_some()),
            Ok(true)
        );
        assert_eq!(
            check_name(&"ñ".repeat(MAX_NAME_CHARS + 1)),
            Err(Problem::NameTooLong { max: 100 })
        );
    }

    #[test]
    fn notes_have_a_limit_in_characters() {
        assert_eq!(
            check_notes(" VIP, prefers mornings\n"),
            Ok("VIP, prefers mornings".into())
        );
        assert!(check_notes(&"é".repeat(MAX_NOTES_CHARS)).is_ok());
        assert_eq!(
            check_notes(&"é".repeat(MAX_NOTES_CHARS + 1)),
            Err(Problem::ContactNotesTooLong { max: 2000 })
        );
    }

    fn handled(name: &str) -> Mark {
        Mark::Handled(name.into())
    }

    #[test]
    fn closed_stretches_are_listed_newest_first_with_their_operators() {
        let marks = [
            (handled("Ana"), 20),
            (handled("Ben"), 25),
            (handled("Ana"), 27),
            (Mark::Closed, 30),
            (Mark::Reopened, 100),
            (Mark::Closed, 150),
            (Mark::Reopened, 200),
            (handled("Cleo"), 210),
        ];
        assert_eq!(
            past(10, &marks),
            vec![
                Stretch {
                    start: 100,
                    end: 150,
                    handled_by: vec![]
                },
                Stretch {
                    start: 10,
                    end: 30,
                    handled_by: vec!["Ana".into(), "Ben".into()]
                },
            ]
        );
    }

    #[test]
    fn an_open_thread_has_no_past_and_stray_marks_change_nothing() {
        assert!(past(10, &[(handled("Ana"), 20)]).is_empty());
        let marks = [
            (Mark::Reopened, 15),
            (Mark::Closed, 30),
            (Mark::Closed, 40),
            (handled("Ana"), 45),
        ];
        assert_eq!(
            past(10, &marks),
            vec![Stretch {
                start: 10,
                end: 30,
                handled_by: vec![]
            }]
        );
    }

    #[test]
    fn only_the_latest_are_kept() {
        let marks: Vec<_> = (0..(MAX_PAST as i64 + 5))
            .flat_map(|i| [(Mark::Closed, i * 10 + 5), (Mark::Reopened, i * 10 + 10)])
            .collect();
        let listed = past(0, &marks);
        assert_eq!(listed.len(), MAX_PAST);
        assert_eq!(listed[0].end, (MAX_PAST as i64 + 4) * 10 + 5);
    }
}
