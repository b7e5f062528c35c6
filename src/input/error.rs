//! Problems found in files a person wrote (data set CSVs, scenario TOML), each pointing at
//! `path:line:column`, quoting the value found and saying what was expected.
//!
//! These are plain values: this module reads no file. Loaders collect every problem of an input
//! into [`InputErrors`] instead of stopping at the first one. Suggestions ("did you mean") come
//! from [`super::suggest`].

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: PathBuf,
    /// 1-based physical line; 0 = the file as a whole.
    pub line: usize,
    /// 1-based field position (CSV) or character column (TOML); 0 = the line as a whole.
    pub column: usize,
    /// The column or key the value was found in; empty when the problem is not about one value
    /// (then `value` holds the whole description).
    pub field: String,
    /// The value found, as written.
    pub value: String,
    /// What was expected instead; may be empty when `value` says it all.
    pub expected: String,
    /// A suggestion, e.g. "did you mean `horizon`?".
    pub hint: Option<String>,
}

impl InputError {
    /// A value in a named column or key that is not what was expected.
    pub fn value(
        file: &Path,
        line: usize,
        column: usize,
        field: &str,
        value: &str,
        expected: impl Into<String>,
    ) -> InputError {
        InputError {
            file: file.to_path_buf(),
            line,
            column,
            field: field.to_owned(),
            value: value.to_owned(),
            expected: expected.into(),
            hint: None,
        }
    }

    /// A problem described in words, e.g. "missing column `pupils`".
    pub fn message(
        file: &Path,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> InputError {
        InputError {
            file: file.to_path_buf(),
            line,
            column,
            field: String::new(),
            value: message.into(),
            expected: String::new(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> InputError {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.value)?;
        } else {
            write!(f, ": {} = {:?}", self.field, self.value)?;
        }
        if !self.expected.is_empty() {
            write!(f, ": expected {}", self.expected)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Every problem found in an input, in file and line order; displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputErrors(pub Vec<InputError>);

impl InputErrors {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, InputError> {
        self.0.iter()
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

impl From<InputError> for InputErrors {
    fn from(e: InputError) -> Self {
        InputErrors(vec![e])
    }
}

impl<'a> IntoIterator for &'a InputErrors {
    type Item = &'a InputError;
    type IntoIter = std::slice::Iter<'a, InputError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_path_line_column_value_and_expectation() {
        let e = InputError::value(
            Path::new("data/x/schools.csv"),
            12,
            6,
            "classrooms",
            "abc",
            "a whole number ≥ 0",
        );
        assert_eq!(
            e.to_string(),
            "data/x/schools.csv:12:6: classrooms = \"abc\": expected a whole number ≥ 0"
        );
        let m = InputError::message(
            Path::new("s.toml"),
            3,
            1,
            "unknown key `horizn` in [top level]",
        )
        .with_hint("did you mean `horizon`?");
        assert_eq!(
            m.to_string(),
            "s.toml:3:1: unknown key `horizn` in [top level]; did you mean `horizon`?"
        );
        let whole = InputError::message(Path::new("d/births.csv"), 0, 0, "file not found");
        assert_eq!(whole.to_string(), "d/births.csv: file not found");
    }
}
