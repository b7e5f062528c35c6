//! Problems of one scenario text, located by byte span and reported as `path:line:column`
//! with the value as written; the single parse of the text into its mirror (syntax, keys
//! against the schema, then types), with TOML's messages put in the words of this format.
//!
//! Only words and positions: what a value must be is [`super::values`]' and
//! [`super::references`]'.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::mirror::{Node, ScenarioToml, TOP};
use crate::input::InputError;
use crate::input::parse::{YEAR, YEARS};
use crate::input::suggest::nearest;
use crate::model::SchoolYear;

/// Problems found in one scenario text, located by byte span.
pub(super) struct Problems<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
    pub(super) errs: Vec<InputError>,
}

impl Problems<'_> {
    /// 1-based line and character column of a byte offset.
    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = 1 + before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = 1 + before[line_start..].chars().count();
        (line, column)
    }

    /// The value as written; a string without its quotes.
    pub(super) fn source(&self, span: &Range<usize>) -> &str {
        let s = self.text.get(span.clone()).unwrap_or("");
        ['"', '\'']
            .iter()
            .find_map(|q| s.strip_prefix(*q).and_then(|s| s.strip_suffix(*q)))
            .unwrap_or(s)
    }

    /// A bad value of `key` at `span`; the value is quoted as written.
    pub(super) fn value(&mut self, key: &str, span: Range<usize>, expected: impl Into<String>) {
        self.value_hint(key, span, expected, None);
    }

    pub(super) fn value_hint(
        &mut self,
        key: &str,
        span: Range<usize>,
        expected: impl Into<String>,
        hint: Option<String>,
    ) {
        let (line, column) = self.position(span.start);
        let mut e = InputError::value(self.path, line, column, key, self.source(&span), expected);
        e.hint = hint;
        self.errs.push(e);
    }

    pub(super) fn message(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> &mut InputError {
        let (line, column) = self.position(span.start);
        self.errs
            .push(InputError::message(self.path, line, column, message));
        let last = self.errs.len() - 1;
        &mut self.errs[last]
    }

    /// Checks every key of `table` against `schema`; `section` names the table in messages.
    pub(super) fn walk(
        &mut self,
        table: &DeTable<'_>,
        schema: &'static [(&'static str, Node)],
        section: &str,
    ) {
        for (key, value) in table {
            let name: &str = key.get_ref();
            let Some((_, node)) = schema.iter().find(|(k, _)| *k == name) else {
                let hint = nearest(name, schema.iter().map(|(k, _)| *k))
                    .map(|k| format!("did you mean `{k}`?"));
                let e = self.message(key.span(), format!("unknown key `{name}` in {section}"));
                e.hint = Some(hint.unwrap_or_else(|| {
                    format!(
                        "valid keys: {}",
                        schema
                            .iter()
                            .map(|(k, _)| *k)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }));
                continue;
            };
            let path = if section == "[top level]" {
                name.to_owned()
            } else {
                format!("{}.{name}", section.trim_matches(['[', ']']))
            };
            match (node, value.get_ref()) {
                (Node::Table(sub), DeValue::Table(t)) => self.walk(t, sub, &format!("[{path}]")),
                (Node::Tables(sub), DeValue::Array(items)) => {
                    for item in items.iter() {
                        if let DeValue::Table(t) = item.get_ref() {
                            self.walk(t, sub, &format!("[[{path}]]"));
                        }
                    }
                }
                // Values and wrong shapes are the deserialiser's business.
                _ => {}
            }
        }
    }

    /// The text parsed once into the serde mirror, keeping every value's span: the syntax,
    /// then every key against the schema (all unknown keys reported at once), then the values'
    /// types, read from the same parsed document. `None` after recording the problems.
    pub(super) fn mirror(&mut self) -> Option<ScenarioToml> {
        let doc = match DeTable::parse(self.text) {
            Ok(doc) => doc,
            Err(err) => {
                self.toml(&err);
                return None;
            }
        };
        self.walk(doc.get_ref(), TOP, "[top level]");
        if !self.errs.is_empty() {
            self.errs.sort_by_key(|e| (e.line, e.column));
            return None;
        }
        match ScenarioToml::deserialize(toml::de::Deserializer::from(doc)) {
            Ok(raw) => Some(raw),
            Err(err) => {
                self.toml(&err);
                None
            }
        }
    }

    /// A TOML syntax or type error, in the words of this format.
    pub(super) fn toml(&mut self, err: &toml::de::Error) {
        let span = err.span().unwrap_or(0..0);
        let message = toml_words(err.message().trim_end());
        let before = self.text.get(..span.start).unwrap_or(self.text);
        // An unclosed string runs to the end of its line (a multi-line one to the end of the
        // file): point at its opening quote.
        if message.starts_with("unclosed string") {
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let open = self.text[line_start..]
                .find(['"', '\''])
                .map_or(span.start, |i| line_start + i);
            self.message(open..open, message);
            return;
        }
        if message.starts_with("unclosed multi-line string") {
            let open = before
                .rfind("\"\"\"")
                .into_iter()
                .chain(before.rfind("\'\'\'"))
                .max()
                .unwrap_or(span.start);
            self.message(open..open, message);
            return;
        }
        self.message(span, message);
    }

    /// An integer in `min..=max`.
    pub(super) fn int(
        &mut self,
        key: &str,
        v: &Spanned<i64>,
        min: i64,
        max: i64,
        what: &str,
    ) -> Option<i64> {
        let x = *v.get_ref();
        if (min..=max).contains(&x) {
            Some(x)
        } else {
            self.value(key, v.span(), what);
            None
        }
    }

    /// A number in `min..=max`.
    pub(super) fn num(
        &mut self,
        key: &str,
        v: &Spanned<f64>,
        min: f64,
        max: f64,
        what: &str,
    ) -> Option<f64> {
        let x = *v.get_ref();
        if x.is_finite() && x >= min && x <= max {
            Some(x)
        } else {
            self.value(key, v.span(), what);
            None
        }
    }

    pub(super) fn year(&mut self, key: &str, v: &Spanned<i64>) -> Option<SchoolYear> {
        let (min, max) = (i64::from(*YEARS.start()), i64::from(*YEARS.end()));
        self.int(key, v, min, max, YEAR)
            .and_then(|y| u16::try_from(y).ok())
            .map(SchoolYear)
    }

    /// One of `names`, suggesting the nearest on a mistake.
    pub(super) fn choice<T>(
        &mut self,
        key: &str,
        v: &Spanned<String>,
        names: &[&'static str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let parsed = parse(v.get_ref());
        if parsed.is_none() {
            let hint = nearest(v.get_ref(), names.iter().copied())
                .map(|n| format!("did you mean \"{n}\"?"));
            self.value_hint(key, v.span(), format!("one of {}", names.join(", ")), hint);
        }
        parsed
    }
}

/// A message of the TOML parser in plain words: Rust type names become what a person writes
/// (`expected i64` → `expected a whole number`).
pub(super) fn toml_words(message: &str) -> String {
    if message.starts_with("invalid basic string") || message.starts_with("invalid literal string")
    {
        return "unclosed string: expected a closing quote before the end of the line".to_owned();
    }
    if message.starts_with("invalid multi-line") {
        return "unclosed multi-line string: expected its closing `\"\"\"` or `\'\'\'`".to_owned();
    }
    let mut out = message.to_owned();
    for (rust, words) in [
        ("expected i64", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected a sequence", "expected an array [ … ]"),
        ("expected a map", "expected a table"),
    ] {
        out = out.replace(rust, words);
    }
    // `expected struct TitleToml` and the like.
    if let Some(i) = out.find("expected struct ") {
        let end = out[i..].find(['\n', ',']).map_or(out.len(), |e| i + e);
        out.replace_range(i..end, "expected a table");
    }
    out = out.replace("invalid type: ", "wrong type: found ");
    out = out.replace(", expected ", ": expected ");
    out
}
