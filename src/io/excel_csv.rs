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

/// A CSV writer streaming rows into `out` (a table of millions of cells), the BOM written
/// first. Writes the bytes `csv::Writer` writes in its default dialect with `\n` after each row
/// (the quoting is `csv_core`'s own decision: a field with a comma, a quote or a line feed is
/// quoted, its quotes doubled; a row of one empty field is `""`), but builds each row in one
/// buffer, where `csv::Writer` steps through a state machine for every field.
#[derive(Debug)]
pub struct Stream<W: std::io::Write> {
    out: std::io::BufWriter<W>,
    core: csv_core::Writer,
    row: Vec<u8>,
    fields: usize,
}

impl<W: std::io::Write> Stream<W> {
    /// A writer into `out`, the BOM written.
    pub fn new(out: W) -> std::io::Result<Self> {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        std::io::Write::write_all(&mut out, BOM)?;
        Ok(Stream {
            out,
            core: csv_core::WriterBuilder::new()
                .terminator(csv_core::Terminator::Any(b'\n'))
                .build(),
            row: Vec::new(),
            fields: 0,
        })
    }

    /// Appends a field to the row being written.
    pub fn field(&mut self, field: &[u8]) {
        if self.fields > 0 {
            self.row.push(b',');
        }
        self.fields += 1;
        if self.core.should_quote(field) {
            self.row.push(b'"');
            for part in field.split_inclusive(|&b| b == b'"') {
                self.row.extend_from_slice(part);
                if part.last() == Some(&b'"') {
                    self.row.push(b'"');
                }
            }
            self.row.push(b'"');
        } else {
            self.row.extend_from_slice(field);
        }
    }

    /// Ends the row: writes it and its line feed.
    pub fn end_row(&mut self) -> std::io::Result<()> {
        if self.row.is_empty() {
            // One empty field: quoted, or the row would read as no field at all.
            self.row.extend_from_slice(b"\"\"");
        }
        self.row.push(b'\n');
        std::io::Write::write_all(&mut self.out, &self.row)?;
        self.row.clear();
        self.fields = 0;
        Ok(())
    }

    /// Writes out what is buffered.
    pub fn finish(mut self) -> std::io::Result<()> {
        std::io::Write::flush(&mut self.out)
    }
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

    /// The rows of `rows` through [`Stream`] and through `csv::Writer` in the same dialect.
    fn both(rows: &[Vec<String>]) -> (Vec<u8>, Vec<u8>) {
        let mut streamed = Vec::new();
        let mut s = Stream::new(&mut streamed).unwrap();
        for row in rows {
            for f in row {
                s.field(f.as_bytes());
            }
            s.end_row().unwrap();
        }
        s.finish().unwrap();
        let mut w = writer(csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')));
        for row in rows {
            w.write_record(row).unwrap();
        }
        (streamed, w.into_inner().unwrap())
    }

    #[test]
    fn streams_the_bytes_of_the_csv_writer() {
        let cell = |s: &str| s.to_owned();
        let rows = vec![
            vec![cell("id"), cell("name"), cell("pupils")],
            vec![cell("a,b"), cell("say \"hi\""), cell("12")],
            vec![cell("two\nlines"), cell("cr\ronly"), cell("")],
            vec![cell("\""), cell("\"\""), cell("衡阳")],
            vec![cell(""), cell(""), cell("")],
        ];
        let (streamed, expected) = both(&rows);
        assert_eq!(streamed, expected);
        // A table of one column: an empty cell is quoted, or its row would read as no field.
        let one = vec![vec![cell("id")], vec![cell("")], vec![cell("7")]];
        let (streamed, expected) = both(&one);
        assert_eq!(streamed, expected);
        assert!(streamed.ends_with(b"id\n\"\"\n7\n"));
    }

    proptest::proptest! {
        #[test]
        fn streams_the_bytes_of_the_csv_writer_for_any_text(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a,\"\n\r 0-9衡-]{0,6}", 1..4),
                0..6,
            )
        ) {
            // Every row as wide as the first, as `csv::Writer` requires.
            let width = rows.first().map_or(0, Vec::len);
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|mut r| { r.resize(width, String::new()); r })
                .collect();
            let (streamed, expected) = both(&rows);
            proptest::prop_assert_eq!(streamed, expected);
        }
    }
}
