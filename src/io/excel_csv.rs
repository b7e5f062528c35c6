//! The one CSV writer for tables people open in Excel: UTF-8 with a byte-order mark, since Excel
//! reads a CSV without one in the local code page (names are often Chinese); placeplan's
//! readers accept the mark ([`crate::input::text`]).
//!
//! Encodes only: where the bytes go (memory, or a staged file of an atomic commit) is the
//! caller's.

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer into memory, in `dialect`, whose bytes start with the BOM.
pub fn writer(dialect: &csv::WriterBuilder) -> csv::Writer<Vec<u8>> {
    dialect.from_writer(BOM.to_vec())
}

/// A CSV writer streaming into `out` (a table of millions of cells), the BOM written first.
pub fn stream<W: std::io::Write>(
    dialect: &csv::WriterBuilder,
    mut out: W,
) -> std::io::Result<csv::Writer<W>> {
    out.write_all(BOM)?;
    Ok(dialect.from_writer(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_the_bom() {
        let mut w = writer(&csv::WriterBuilder::new());
        w.write_record(["a", "b"]).unwrap();
        assert_eq!(w.into_inner().unwrap(), b"\xEF\xBB\xBFa,b\n");
    }
}
