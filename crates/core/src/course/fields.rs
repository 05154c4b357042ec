//! Reading fields out of spanned TOML tables while collecting every error.
//!
//! serde's derive stops at the first problem in a file; a teacher fixing a course wants
//! all of them at once, each pinned to a line. So the parser walks `toml::de::DeTable`
//! (which keeps byte spans for every key and value) through [`Table`], which records
//! which keys were asked for, turns type mismatches and missing fields into
//! [`CourseError`]s, and finally reports every key nobody asked for as unknown, with a
//! "did you mean" suggestion.

use super::CourseError;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The errors of a whole import, in the order found (sorted before they are returned).
#[derive(Debug, Default)]
pub(crate) struct Errors(pub Vec<CourseError>);

impl Errors {
    pub fn at(&mut self, file: &str, line: Option<usize>, message: impl Into<String>) {
        self.0.push(CourseError {
            file: file.to_string(),
            line,
            message: message.into(),
        });
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// A value with the 1-based line it was written on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct L<T> {
    pub v: T,
    pub line: usize,
}

/// One TOML document and where it sits in its file (front matter starts below `+++`).
pub(crate) struct Doc<'s> {
    pub file: &'s str,
    src: &'s str,
    line_offset: usize,
}

impl<'s> Doc<'s> {
    pub fn new(file: &'s str, src: &'s str, line_offset: usize) -> Self {
        Doc {
            file,
            src,
            line_offset,
        }
    }

    /// 1-based line in the real file of byte offset `pos` of the document.
    pub fn line(&self, pos: usize) -> usize {
        let end = pos.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
            + self.line_offset
    }

    /// Parses the document; on syntax errors records them all and returns `None`.
    pub fn parse(&self, errors: &mut Errors) -> Option<DeTable<'s>> {
        let (table, errs) = DeTable::parse_recoverable(self.src);
        if errs.is_empty() {
            return Some(table.into_inner());
        }
        for e in errs {
            let line = e.span().map(|s| self.line(s.start));
            errors.at(
                self.file,
                line,
                format!(
                    "TOML syntax error: {}; check the quotes, brackets and `key = value` form on this line",
                    e.message().trim_end_matches('\n')
                ),
            );
        }
        None
    }
}

/// Human name of a TOML value's type, for "expected X, found Y" messages.
fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

pub(crate) fn as_f64(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|i| i as f64),
        DeValue::Float(f) => f.as_str().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

pub(crate) fn as_i64(v: &DeValue<'_>) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// A TOML table being read field by field.
pub(crate) struct Table<'a, 'i> {
    pub doc: &'a Doc<'a>,
    table: &'a DeTable<'i>,
    /// How messages name this table, e.g. "item `ef-001`" or "course.toml".
    pub what: String,
    /// Line of the table's header (or of the file's start), for "missing field" errors.
    pub line: Option<usize>,
    asked: Vec<&'static str>,
    /// Set once every key has been taken by [`Table::entries`]: nothing is unknown.
    open: bool,
}

impl<'a, 'i> Table<'a, 'i> {
    pub fn new(
        doc: &'a Doc<'a>,
        table: &'a DeTable<'i>,
        what: impl Into<String>,
        line: Option<usize>,
    ) -> Self {
        Table {
            doc,
            table,
            what: what.into(),
            line,
            asked: Vec::new(),
            open: false,
        }
    }

    /// Every key with its line and value, in key order; no key will count as unknown.
    pub fn entries(&mut self) -> Vec<(String, usize, &'a Spanned<DeValue<'i>>)> {
        self.open = true;
        let doc = self.doc;
        self.table
            .iter()
            .map(|(k, v)| (k.get_ref().to_string(), doc.line(k.span().start), v))
            .collect()
    }

    pub fn err(&self, errors: &mut Errors, line: Option<usize>, message: impl Into<String>) {
        errors.at(self.doc.file, line.or(self.line), message);
    }

    fn entry(&mut self, key: &'static str) -> Option<(usize, &'a Spanned<DeValue<'i>>)> {
        if !self.asked.contains(&key) {
            self.asked.push(key);
        }
        let doc = self.doc;
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(k, v)| (doc.line(k.span().start), v))
    }

    /// Whether `key` is present (and marks it as known).
    pub fn has(&mut self, key: &'static str) -> bool {
        self.entry(key).is_some()
    }

    /// The line of `key` if present, else the table's line.
    pub fn line_of(&mut self, key: &'static str) -> Option<usize> {
        self.entry(key).map(|(l, _)| l).or(self.line)
    }

    fn missing(&self, errors: &mut Errors, key: &str, hint: &str) {
        self.err(
            errors,
            None,
            format!("missing field `{key}` in {}; add {hint}", self.what),
        );
    }

    fn mistyped(&self, errors: &mut Errors, line: usize, key: &str, want: &str, v: &DeValue<'_>) {
        self.err(
            errors,
            Some(line),
            format!(
                "field `{key}` in {} must be {want}, found {}",
                self.what,
                type_name(v)
            ),
        );
    }

    pub fn opt_str(&mut self, errors: &mut Errors, key: &'static str) -> Option<L<String>> {
        let (line, v) = self.entry(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(L {
                v: s.to_string(),
                line,
            }),
            other => {
                self.mistyped(errors, line, key, "a string in quotes", other);
                None
            }
        }
    }

    pub fn req_str(&mut self, errors: &mut Errors, key: &'static str) -> Option<L<String>> {
        if !self.has(key) {
            self.missing(errors, key, &format!("`{key} = \"…\"`"));
            return None;
        }
        self.opt_str(errors, key)
    }

    /// A list of strings; absent means empty. A single string is a type error (it is
    /// almost always a forgotten pair of brackets, and the message says so).
    pub fn str_list(&mut self, errors: &mut Errors, key: &'static str) -> L<Vec<String>> {
        let table_line = self.line.unwrap_or(1);
        let Some((line, v)) = self.entry(key) else {
            return L {
                v: Vec::new(),
                line: table_line,
            };
        };
        let mut out = Vec::new();
        match v.get_ref() {
            DeValue::Array(a) => {
                for e in a.iter() {
                    match e.get_ref() {
                        DeValue::String(s) => out.push(s.to_string()),
                        other => self.mistyped(
                            errors,
                            self.doc.line(e.span().start),
                            key,
                            "a list of strings",
                            other,
                        ),
                    }
                }
            }
            DeValue::String(s) => self.err(
                errors,
                Some(line),
                format!(
                    "field `{key}` in {} must be a list: write `{key} = [\"{s}\"]`",
                    self.what
                ),
            ),
            other => self.mistyped(errors, line, key, "a list of strings", other),
        }
        L { v: out, line }
    }

    pub fn opt_bool(&mut self, errors: &mut Errors, key: &'static str) -> Option<L<bool>> {
        let (line, v) = self.entry(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(L { v: *b, line }),
            other => {
                self.mistyped(errors, line, key, "`true` or `false`", other);
                None
            }
        }
    }

    pub fn opt_f64(&mut self, errors: &mut Errors, key: &'static str) -> Option<L<f64>> {
        let (line, v) = self.entry(key)?;
        match as_f64(v.get_ref()) {
            Some(f) => Some(L { v: f, line }),
            None => {
                self.mistyped(errors, line, key, "a number", v.get_ref());
                None
            }
        }
    }

    pub fn opt_int(&mut self, errors: &mut Errors, key: &'static str) -> Option<L<i64>> {
        let (line, v) = self.entry(key)?;
        match as_i64(v.get_ref()) {
            Some(i) => Some(L { v: i, line }),
            None => {
                self.mistyped(errors, line, key, "a whole number", v.get_ref());
                None
            }
        }
    }

    pub fn req_int(&mut self, errors: &mut Errors, key: &'static str) -> Option<L<i64>> {
        if !self.has(key) {
            self.missing(errors, key, &format!("`{key} = <whole number>`"));
            return None;
        }
        self.opt_int(errors, key)
    }

    /// The raw value of `key`, for fields that accept several shapes.
    pub fn raw(&mut self, key: &'static str) -> Option<(usize, &'a Spanned<DeValue<'i>>)> {
        self.entry(key)
    }

    /// A sub-table (`[x.key]` or `key = { … }`).
    pub fn opt_table(
        &mut self,
        errors: &mut Errors,
        key: &'static str,
        what: impl Into<String>,
    ) -> Option<Table<'a, 'i>> {
        let (line, v) = self.entry(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(Table::new(self.doc, t, what, Some(line))),
            other => {
                self.mistyped(errors, line, key, "a table", other);
                None
            }
        }
    }

    /// An array of tables (`[[x.key]]` or `key = [{ … }, …]`); absent means empty.
    pub fn tables(
        &mut self,
        errors: &mut Errors,
        key: &'static str,
        what: &str,
    ) -> (Option<usize>, Vec<Table<'a, 'i>>) {
        let Some((line, v)) = self.entry(key) else {
            return (None, Vec::new());
        };
        let mut out = Vec::new();
        match v.get_ref() {
            DeValue::Array(a) => {
                for (n, e) in a.iter().enumerate() {
                    match e.get_ref() {
                        DeValue::Table(t) => {
                            // The element's span is its `[[header]]` (or its `{`).
                            let at = Some(self.doc.line(e.span().start));
                            out.push(Table::new(self.doc, t, format!("{what} {}", n + 1), at));
                        }
                        other => self.mistyped(
                            errors,
                            self.doc.line(e.span().start),
                            key,
                            "a list of tables",
                            other,
                        ),
                    }
                }
            }
            other => self.mistyped(errors, line, key, "a list of tables", other),
        }
        (Some(line), out)
    }

    /// Reports every key that was never asked for, suggesting the closest known one.
    pub fn finish(self, errors: &mut Errors) {
        if self.open {
            return;
        }
        for (k, _) in self.table.iter() {
            let key: &str = k.get_ref().as_ref();
            if self.asked.contains(&key) {
                continue;
            }
            let line = self.doc.line(k.span().start);
            let suggestion = self
                .asked
                .iter()
                .map(|a| (edit_distance(a, key), *a))
                .filter(|(d, a)| *d <= 2 || (a.len() > 4 && *d <= 3))
                .min()
                .map(|(_, a)| format!("did you mean `{a}`? "))
                .unwrap_or_default();
            let mut known = self.asked.clone();
            known.sort_unstable();
            errors.at(
                self.doc.file,
                Some(line),
                format!(
                    "unknown field `{key}` in {}; {suggestion}known fields: {}",
                    self.what,
                    known.join(", ")
                ),
            );
        }
    }
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Whether `id` is a valid course id: lowercase letters, digits and hyphens, starting
/// with a letter.
pub(crate) fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_valid_id("ef-001"));
        assert!(is_valid_id("a"));
        assert!(!is_valid_id("1abc"));
        assert!(!is_valid_id("Abc"));
        assert!(!is_valid_id("a_b"));
        assert!(!is_valid_id(""));
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("prompt", "promt"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
