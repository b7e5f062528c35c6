//! "Did you mean": the valid name nearest to a mistyped one, for every reader and flag that
//! names a choice (columns, keys, stages, drivers, averaging conventions). One rule for all, so
//! that the same slip gets the same suggestion wherever it is made.
//!
//! It only compares names; the caller words the hint.

/// The valid name closest to `found`, if any is close: Jaro–Winkler similarity ≥ 0.8, or an
/// edit distance of at most a third of the name (at least 1), so that short names are not
/// matched to unrelated short names.
pub fn nearest<'a>(found: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let found_lower = found.to_lowercase();
    let max_edits = (found_lower.chars().count() / 3).max(1);
    valid
        .into_iter()
        .map(|v| (strsim::jaro_winkler(&found_lower, &v.to_lowercase()), v))
        .filter(|(score, v)| {
            *score >= 0.8 || strsim::levenshtein(&found_lower, &v.to_lowercase()) <= max_edits
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_suggests_close_names_only() {
        let valid = ["school_id", "area_id", "classrooms"];
        assert_eq!(nearest("clasrooms", valid), Some("classrooms"));
        assert_eq!(nearest("schoolid", valid), Some("school_id"));
        assert_eq!(nearest("zzzz", valid), None);
        assert_eq!(nearest("fr", ["zh", "en"]), None);
    }
}
