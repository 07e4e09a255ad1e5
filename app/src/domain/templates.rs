//! WhatsApp message templates: the checks Meta applies to a template (name, language code,
//! category, a body whose parameters are `{{1}}`, `{{2}}`… numbered from 1 without gaps), and
//! filling the parameters for one send. Pure: storage and sending live elsewhere.

use super::problem::{count, Problem};
use super::users::FieldError;
use serde::{Deserialize, Serialize};

/// The longest template name Meta accepts.
pub const MAX_NAME: usize = 512;
/// The longest template body Meta accepts.
pub const MAX_BODY: usize = 1024;
/// More parameters than any real template has: a body asking for more is a typo.
const MAX_PARAMS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TemplateCategory {
    Marketing,
    Utility,
    Authentication,
}

impl TemplateCategory {
    pub const ALL: [Self; 3] = [Self::Marketing, Self::Utility, Self::Authentication];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Marketing => "MARKETING",
            Self::Utility => "UTILITY",
            Self::Authentication => "AUTHENTICATION",
        }
    }

    /// Meta's word for it, in any case.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }
}

/// A template operators may send, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatsappTemplate {
    pub id: i64,
    pub name: String,
    /// Meta's language code: `es`, `en_US`.
    pub language: String,
    pub category: TemplateCategory,
    pub body: String,
}

impl WhatsappTemplate {
    /// How many parameters a send fills (`{{1}}`…`{{n}}`).
    pub fn parameters(&self) -> usize {
        parameter_count(&self.body).unwrap_or(0)
    }
}

/// A template as an admin wrote it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateDraft {
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub body: String,
}

impl TemplateDraft {
    /// Checks every field, reporting each field's problem next to it.
    pub fn parse(
        name: &str,
        language: &str,
        category: &str,
        body: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let (name, language, body) = (name.trim(), language.trim(), body.trim());
        if name.is_empty() {
            errors.push(FieldError::new("name", Problem::NameMissing));
        } else if !name_valid(name) {
            errors.push(FieldError::new(
                "name",
                Problem::TemplateNameInvalid {
                    max: count(MAX_NAME),
                },
            ));
        }
        if !language_valid(language) {
            errors.push(FieldError::new(
                "language",
                Problem::TemplateLanguageInvalid,
            ));
        }
        let category = TemplateCategory::parse(category);
        if category.is_none() {
            errors.push(FieldError::new(
                "category",
                Problem::TemplateCategoryUnknown,
            ));
        }
        if body.is_empty() {
            errors.push(FieldError::new("body", Problem::TemplateBodyMissing));
        } else if body.chars().count() > MAX_BODY {
            errors.push(FieldError::new(
                "body",
                Problem::TemplateBodyTooLong {
                    max: count(MAX_BODY),
                },
            ));
        } else if let Err(p) = parameter_count(body) {
            errors.push(FieldError::new("body", p));
        }
        match category {
            Some(category) if errors.is_empty() => Ok(Self {
                name: name.to_string(),
                language: language.to_string(),
                category,
                body: body.to_string(),
            }),
            _ => Err(errors),
        }
    }
}

/// Meta's rule for names: lowercase letters, digits and underscores, at most 512.
fn name_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A language code as Meta writes them: `es`, `en_US`, `pt_BR` (language, then an optional
/// region).
fn language_valid(code: &str) -> bool {
    let (lang, region) = match code.split_once('_') {
        Some((l, r)) => (l, Some(r)),
        None => (code, None),
    };
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()))
}

/// A body cut at its parameters.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    /// `{{n}}`, n from 1.
    Param(usize),
}

fn pieces(body: &str) -> Result<Vec<Piece<'_>>, Problem> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            let text: String = rest[open..].chars().take(12).collect();
            return Err(Problem::TemplateParamMalformed { text });
        };
        let inner = &after[..close];
        let number = (!inner.is_empty()
            && !inner.starts_with('0')
            && inner.bytes().all(|b| b.is_ascii_digit()))
        .then(|| inner.parse::<usize>().ok())
        .flatten()
        .filter(|n| *n <= MAX_PARAMS);
        match number {
            Some(n) => out.push(Piece::Param(n)),
            None => {
                let inner: String = inner.chars().take(12).collect();
                return Err(Problem::TemplateParamMalformed {
                    text: format!("{{{{{inner}}}}}"),
                });
            }
        }
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// `{{n}}` as the body writes it.
pub fn placeholder(n: usize) -> String {
    format!("{{{{{n}}}}}")
}

/// How many parameters a body has: `{{1}}`…`{{n}}`, each number from 1 to n used at least once
/// (in any order). A malformed `{{…}}` or a gap is the problem to show.
pub fn parameter_count(body: &str) -> Result<usize, Problem> {
    let used: std::collections::BTreeSet<usize> = pieces(body)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Param(n) => Some(n),
            Piece::Text(_) => None,
        })
        .collect();
    let max = used.last().copied().unwrap_or(0);
    match (1..=max).find(|n| !used.contains(n)) {
        Some(missing) => Err(Problem::TemplateParamGap {
            param: placeholder(missing),
        }),
        None => Ok(max),
    }
}

/// The body with the parameters given so far filled in; empty ones stay `{{n}}` (the picker's
/// preview). A body that does not parse is shown as written.
pub fn preview(body: &str, params: &[String]) -> String {
    let Ok(pieces) = pieces(body) else {
        return body.to_string();
    };
    pieces
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t.to_string(),
            Piece::Param(n) => match params.get(n - 1).map(|s| s.trim()) {
                Some(v) if !v.is_empty() => v.to_string(),
                _ => placeholder(n),
            },
        })
        .collect()
}

/// The field of the picker's input for parameter `n`.
pub fn param_field(n: usize) -> String {
    format!("param_{n}")
}

/// The text a send of `body` with `params` reads, each parameter checked as Meta checks it: one
/// per `{{n}}`, not empty, on one line, no runs of more than four spaces. Parameters come back
/// trimmed, as they are sent.
pub fn fill(body: &str, params: &[String]) -> Result<(String, Vec<String>), Vec<FieldError>> {
    let expected = parameter_count(body).map_err(|p| vec![FieldError::new("body", p)])?;
    if params.len() > expected {
        return Err(vec![FieldError::new(
            "params",
            Problem::TemplateParamCount {
                expected: count(expected),
                got: count(params.len()),
            },
        )]);
    }
    let mut errors = Vec::new();
    let mut trimmed = Vec::with_capacity(expected);
    for n in 1..=expected {
        let v = params.get(n - 1).map(|s| s.trim()).unwrap_or_default();
        let n64 = count(n);
        if v.is_empty() {
            errors.push(FieldError::new(
                &param_field(n),
                Problem::TemplateParamMissing { n: n64 },
            ));
        } else if v.contains(['\n', '\r', '\t']) || v.contains("     ") {
            errors.push(FieldError::new(
                &param_field(n),
                Problem::TemplateParamOneLine { n: n64 },
            ));
        }
        trimmed.push(v.to_string());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((preview(body, &trimmed), trimmed))
}

/// What the delivery worker sends for a template message: stored with the message (a snapshot, so
/// later edits of the template do not change what was queued).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateCall {
    pub name: String,
    pub language: String,
    pub params: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(r: Result<TemplateDraft, Vec<FieldError>>) -> Vec<(String, Problem)> {
        r.unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_good_template_is_accepted_trimmed() {
        let t = TemplateDraft::parse(
            " order_update_2 ",
            "en_US",
            "utility",
            " Hi {{1}}, order {{2}} ships today. ",
        )
        .unwrap();
        assert_eq!(t.name, "order_update_2");
        assert_eq!(t.language, "en_US");
        assert_eq!(t.category, TemplateCategory::Utility);
        assert_eq!(t.body, "Hi {{1}}, order {{2}} ships today.");
        assert!(TemplateDraft::parse("hello", "es", "MARKETING", "Hola").is_ok());
        assert!(TemplateDraft::parse("code", "pt_BR", "Authentication", "{{1}}").is_ok());
    }

    #[test]
    fn names_follow_metas_rules() {
        for bad in ["Order", "order-update", "order update", "pedido_ñ"] {
            assert_eq!(
                problems(TemplateDraft::parse(bad, "es", "UTILITY", "x")),
                [(
                    "name".to_string(),
                    Problem::TemplateNameInvalid { max: 512 }
                )],
                "{bad}"
            );
        }
        assert!(TemplateDraft::parse(&"a".repeat(512), "es", "UTILITY", "x").is_ok());
        assert!(TemplateDraft::parse(&"a".repeat(513), "es", "UTILITY", "x").is_err());
        assert_eq!(
            problems(TemplateDraft::parse("", "es", "UTILITY", "x"))[0].1,
            Problem::NameMissing
        );
    }

    #[test]
    fn every_bad_field_is_reported_next_to_it() {
        let p = problems(TemplateDraft::parse("ok", "spanish", "PROMO", ""));
        assert_eq!(
            p,
            [
                ("language".to_string(), Problem::TemplateLanguageInvalid),
                ("category".to_string(), Problem::TemplateCategoryUnknown),
                ("body".to_string(), Problem::TemplateBodyMissing),
            ]
        );
        for bad in ["", "e", "EN", "en_us", "en_USA", "en-US", "es_"] {
            assert!(!language_valid(bad), "{bad}");
        }
        for good in ["es", "en_US", "pt_BR", "fil"] {
            assert!(language_valid(good), "{good}");
        }
        let long = "a".repeat(MAX_BODY + 1);
        assert_eq!(
            problems(TemplateDraft::parse("ok", "es", "UTILITY", &long)),
            [(
                "body".to_string(),
                Problem::TemplateBodyTooLong { max: 1024 }
            )]
        );
    }

    #[test]
    fn parameters_are_numbered_from_one_without_gaps() {
        assert_eq!(parameter_count("No parameters"), Ok(0));
        assert_eq!(parameter_count("{{1}}"), Ok(1));
        assert_eq!(parameter_count("{{2}} then {{1}}, {{1}} again"), Ok(2));
        assert_eq!(
            parameter_count("Hi {{1}}, see {{3}}"),
            Err(Problem::TemplateParamGap {
                param: "{{2}}".into()
            })
        );
        assert_eq!(
            parameter_count("Hi {{2}}"),
            Err(Problem::TemplateParamGap {
                param: "{{1}}".into()
            })
        );
        for (body, text) in [
            ("Hi {{name}}", "{{name}}"),
            ("Hi {{0}}", "{{0}}"),
            ("Hi {{01}}", "{{01}}"),
            ("Hi {{ 1 }}", "{{ 1 }}"),
            ("Hi {{}}", "{{}}"),
            ("Hi {{1", "{{1"),
            ("Hi {{101}}", "{{101}}"),
        ] {
            assert_eq!(
                parameter_count(body),
                Err(Problem::TemplateParamMalformed { text: text.into() }),
                "{body}"
            );
        }
        assert_eq!(
            problems(TemplateDraft::parse("ok", "es", "UTILITY", "{{1}} {{3}}")),
            [(
                "body".to_string(),
                Problem::TemplateParamGap {
                    param: "{{2}}".into()
                }
            )]
        );
    }

    #[test]
    fn filling_puts_each_parameter_where_its_number_is() {
        let body = "Hola {{1}}, tu pedido {{2}} llega hoy. Gracias, {{1}}.";
        assert_eq!(
            fill(body, &strings(&[" Ana ", "#4411"])).unwrap(),
            (
                "Hola Ana, tu pedido #4411 llega hoy. Gracias, Ana.".to_string(),
                strings(&["Ana", "#4411"])
            )
        );
        assert_eq!(fill("Sin parámetros", &[]).unwrap().0, "Sin parámetros");
    }

    #[test]
    fn missing_multiline_or_extra_parameters_are_refused() {
        let body = "Hi {{1}}, order {{2}} and {{3}}";
        let errs = fill(body, &strings(&["Ana", "  ", "a\nb"])).unwrap_err();
        assert_eq!(
            errs,
            [
                FieldError::new("param_2", Problem::TemplateParamMissing { n: 2 }),
                FieldError::new("param_3", Problem::TemplateParamOneLine { n: 3 }),
            ]
        );
        let errs = fill(body, &strings(&["Ana"])).unwrap_err();
        assert_eq!(errs.len(), 2, "two parameters left empty");
        assert_eq!(
            fill("Hi {{1}}", &strings(&["a", "b"])).unwrap_err(),
            [FieldError::new(
                "params",
                Problem::TemplateParamCount {
                    expected: 1,
                    got: 2
                }
            )]
        );
        assert!(fill("Hi {{1}}", &strings(&["a      b"])).is_err());
    }

    #[test]
    fn the_preview_keeps_unfilled_parameters_visible() {
        let body = "Hi {{1}}, order {{2}}";
        assert_eq!(preview(body, &strings(&["Ana"])), "Hi Ana, order {{2}}");
        assert_eq!(preview(body, &[]), body);
        assert_eq!(preview("bad {{x}}", &strings(&["a"])), "bad {{x}}");
    }

    #[test]
    fn a_template_call_round_trips_through_json() {
        let call = TemplateCall {
            name: "order_update".into(),
            language: "es".into(),
            params: strings(&["Ana", "#1"]),
        };
        let json = serde_json::to_string(&call).unwrap();
        assert_eq!(
            json,
            r##"{"name":"order_update","language":"es","params":["Ana","#1"]}"##
        );
        assert_eq!(serde_json::from_str::<TemplateCall>(&json).unwrap(), call);
    }
}
