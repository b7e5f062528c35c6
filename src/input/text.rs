//! Decoding input text files: UTF-8, UTF-8 with a BOM, and GB18030/GBK as saved by Excel.
//!
//! Reads a file's bytes and nothing else: what the text means is the caller's.

use std::path::Path;

use anyhow::Context;

/// Decodes bytes as UTF-8 (a leading BOM is dropped) or, when they are not valid UTF-8,
/// as GB18030 (a superset of GBK and GB2312). Returns `None` when neither decodes cleanly.
pub fn decode(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_owned());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// Reads a text file in any encoding [`decode`] accepts.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    decode(&bytes).with_context(|| {
        format!(
            "{}: the file is neither UTF-8 nor GB18030/GBK text; save it as CSV UTF-8",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utf8_bom_and_gbk() {
        assert_eq!(decode("衡阳".as_bytes()).unwrap(), "衡阳");
        assert_eq!(decode(b"\xEF\xBB\xBFarea_id").unwrap(), "area_id");
        let (gbk, _, _) = encoding_rs::GB18030.encode("雁峰区,true");
        assert_eq!(decode(&gbk).unwrap(), "雁峰区,true");
    }
}
