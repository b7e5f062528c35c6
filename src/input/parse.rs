//! Value parsers every reader shares: years, school years, grades, whole numbers, counts,
//! booleans and months, each written once. They take one trimmed cell or value and return
//! `None` when it is not what was expected; saying so, with the file and line, is the caller's.
//!
//! They know nothing of files, columns or what a value means in a table.

use crate::model::YearMonth;

pub const WHOLE: &str = "a whole number ≥ 0";
pub const YEAR: &str = "a year such as 2019";
/// The years a data set or scenario may name.
pub const YEARS: std::ops::RangeInclusive<u16> = 1900..=2200;

/// ASCII digits only, at least one.
fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Exactly four ASCII digits.
fn four_digits(s: &str) -> Option<u16> {
    (s.len() == 4 && digits(s))
        .then(|| s.parse::<u16>().ok())
        .flatten()
}

/// A whole number ≥ 0 (no sign).
pub fn parse_whole(s: &str) -> Option<u32> {
    if s.starts_with('+') {
        return None;
    }
    s.parse().ok()
}

/// A finite number.
pub fn parse_number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A count ≥ 0: a plain number, or with thousands separated by commas (`1,030`).
pub fn parse_count(raw: &str) -> Option<f64> {
    let plain: std::borrow::Cow<str> = if raw.contains(',') {
        let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
        let groups: Vec<&str> = int.split(',').collect();
        let grouped = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if !grouped {
            return None;
        }
        let mut s = groups.concat();
        if raw.contains('.') {
            s.push('.');
            s.push_str(frac);
        }
        s.into()
    } else {
        raw.into()
    };
    plain
        .parse::<f64>()
        .ok()
        .filter(|p| p.is_finite() && *p >= 0.0)
}

/// `true`/`false`; Excel's `TRUE`/`FALSE` too.
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A data set's year: four digits, in [`YEARS`].
pub fn parse_year(s: &str) -> Option<u16> {
    four_digits(s).filter(|y| YEARS.contains(y))
}

/// A history's year: `2019`, or a school year `2019-20`, `2019-2020`, `2019/20` named by the
/// year it starts (2019).
pub fn parse_school_year(raw: &str) -> Option<u16> {
    let (first, second) = match raw.split_once(['-', '/']) {
        Some((a, b)) => (a, Some(b)),
        None => (raw, None),
    };
    let year = four_digits(first)?;
    match second {
        None => Some(year),
        Some(b) if b.bytes().all(|c| c.is_ascii_digit()) => {
            let next = year.checked_add(1)?;
            let ok = match b.len() {
                2 => b.parse::<u16>().ok()? == next % 100,
                4 => b.parse::<u16>().ok()? == next,
                _ => false,
            };
            ok.then_some(year)
        }
        Some(_) => None,
    }
}

/// A grade number (digits only): a data set's grade, 0–20.
pub fn parse_grade(s: &str) -> Option<u8> {
    grade_number(s).filter(|g| *g <= 20)
}

/// Digits only, as a grade number.
fn grade_number(s: &str) -> Option<u8> {
    digits(s).then(|| s.parse::<u8>().ok()).flatten()
}

/// A history's grade as a rank: `PK`/`TK` (the year before kindergarten) 0, `K`/`KG` or `0` 1,
/// grade `n` → `n + 1` (grade numbers as [`parse_grade`] reads them, up to 252). Ranks keep
/// grades in order; the history writes them back as the file spelled them.
pub fn parse_grade_rank(raw: &str) -> Option<u8> {
    let upper = raw.to_ascii_uppercase();
    match upper.as_str() {
        "PK" | "TK" | "PREK" | "PRE-K" => Some(0),
        "K" | "KG" => Some(1),
        _ => grade_number(raw)
            .filter(|&g| g < u8::MAX - 1)
            .map(|g| g + 1),
    }
}

/// `YYYY-MM` with a month 01–12.
pub fn parse_year_month(s: &str) -> Option<YearMonth> {
    let (y, m) = s.split_once('-')?;
    let year = parse_year(y)?;
    if m.len() != 2 || !digits(m) {
        return None;
    }
    let month: u8 = m.parse().ok()?;
    (1..=12)
        .contains(&month)
        .then_some(YearMonth { year, month })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_parsers() {
        assert_eq!(
            parse_year_month("2020-08"),
            Some(YearMonth {
                year: 2020,
                month: 8
            })
        );
        assert_eq!(parse_year_month("2020-13"), None);
        assert_eq!(parse_year_month("2020-8"), None);
        assert_eq!(parse_year("19"), None);
        assert_eq!(parse_year("1899"), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("-0.03"), Some(-0.03));
        assert_eq!(parse_whole("+3"), None);
        assert_eq!(parse_grade("K"), None);
        assert_eq!(parse_grade("+3"), None);
        assert_eq!(parse_grade("21"), None);
    }

    #[test]
    fn school_years_counts_and_grade_ranks() {
        assert_eq!(parse_school_year("2018-19"), Some(2018));
        assert_eq!(parse_school_year("2018/2019"), Some(2018));
        assert_eq!(parse_school_year("1999-00"), Some(1999));
        assert_eq!(parse_school_year("2018-20"), None);
        assert_eq!(parse_school_year("18"), None);
        assert_eq!(parse_count("1,030"), Some(1030.0));
        assert_eq!(parse_count("12,345,678.5"), Some(12_345_678.5));
        assert_eq!(parse_count("1,03"), None);
        assert_eq!(parse_count("1,,030"), None);
        for (raw, rank) in [
            ("PK", 0),
            ("tk", 0),
            ("K", 1),
            ("KG", 1),
            ("0", 1),
            ("12", 13),
        ] {
            assert_eq!(parse_grade_rank(raw), Some(rank), "{raw}");
        }
        assert_eq!(parse_grade_rank("254"), None);
        assert_eq!(parse_grade_rank("+3"), None);
    }
}
