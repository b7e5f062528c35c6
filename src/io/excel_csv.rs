//! The one CSV writer for tables people open in Excel: UTF-8 with a byte-order mark, since Excel
//! reads a CSV without one in the local code page (names are often Chinese); placeplan's
//! readers accept the mark ([`crate::input::text`]).
//!
//! Encodes into memory only: writing the bytes, atomically, is the caller's.

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer into memory, in `dialect`, whose bytes start with the BOM.
pub fn writer(dialect: &csv::WriterBuilder) -> csv::Writer<Vec<u8>> {
    dialect.from_writer(BOM.to_vec())
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
