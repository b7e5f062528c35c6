//! A shard of a bigger job: the raw per-draw results of draws `first..first + count` of one
//! scenario (`draws.bin`) and what produced them (`shard.json`), written by
//! `placeplan run --draws-from` and read back by `placeplan merge`.
//!
//! `draws.bin` is little-endian: the magic `PPDRAWS1`, then `first`, `count`, `width` and
//! `stride` as u64, then `count × width` f32 metric values and `count × stride` u16 opening
//! years, draw by draw (see [`crate::engine::monte_carlo::Draws`]). Values are stored bit for
//! bit, so a merge summarises exactly what one run would. This module reads and writes; it
//! neither checks that shards fit together (the engine's `Draws::append` does) nor runs anything.

use std::fs;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::engine::monte_carlo::Draws;

/// File name of the raw draws in a scenario's shard folder.
pub const DRAWS_FILE: &str = "draws.bin";
/// File name of the shard's description.
pub const SHARD_FILE: &str = "shard.json";

const MAGIC: &[u8; 8] = b"PPDRAWS1";
const HEADER: usize = 8 + 4 * 8;

/// What produced a shard: enough to run the merge on the same inputs, and to refuse shards
/// that do not belong together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardInfo {
    pub tool_version: String,
    /// The scenario's name (its file's stem) and file, as given to `run`.
    pub scenario: String,
    pub scenario_file: String,
    /// The scenario's place among the run's scenarios (the order of the comparison).
    pub position: usize,
    /// `--data` and `--seed` of the shard's run, if given.
    pub data: Option<String>,
    pub seed_override: Option<u64>,
    /// The seed the draws used.
    pub seed: u64,
    /// Draws `first..first + draws`.
    pub first: u64,
    pub draws: u64,
    /// (path, SHA-256) of the scenario file and of every data file, as in `manifest.json`.
    pub inputs: Vec<(String, String)>,
}

/// Writes `shard.json` and `draws.bin` into `dir`.
pub fn write_shard(dir: &Path, info: &ShardInfo, draws: &Draws) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(SHARD_FILE);
    let mut json = serde_json::to_string_pretty(info)?;
    json.push('\n');
    fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;

    let mut bytes =
        Vec::with_capacity(HEADER + draws.count * draws.width * 4 + draws.opens.len() * 2);
    bytes.extend_from_slice(MAGIC);
    for v in [
        draws.first,
        draws.count as u64,
        draws.width as u64,
        draws.stride as u64,
    ] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    // Rows draw by draw, whatever the layout in memory.
    for v in draws.rows() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    for v in &draws.opens {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let path = dir.join(DRAWS_FILE);
    fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Reads `dir/shard.json`.
pub fn read_info(dir: &Path) -> anyhow::Result<ShardInfo> {
    let path = dir.join(SHARD_FILE);
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not a shard description of this placeplan",
            path.display()
        )
    })
}

/// Reads `dir/draws.bin`, checking that it holds what its header says.
pub fn read_draws(dir: &Path) -> anyhow::Result<Draws> {
    let path = dir.join(DRAWS_FILE);
    let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let bad = |what: &str| anyhow::anyhow!("{}: {what}", path.display());
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(bad(
            "not a file of raw draws (expected it to start with PPDRAWS1)",
        ));
    }
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[8 + 8 * i..16 + 8 * i]);
        u64::from_le_bytes(b)
    };
    let (first, count, width, stride) = (word(0), word(1), word(2), word(3));
    let size = count
        .checked_mul(width)
        .and_then(|n| n.checked_mul(4))
        .zip(count.checked_mul(stride).and_then(|n| n.checked_mul(2)))
        .and_then(|(a, b)| a.checked_add(b))
        .and_then(|n| n.checked_add(HEADER as u64));
    if size != Some(bytes.len() as u64) {
        return Err(bad(&format!(
            "{} bytes, expected {HEADER} + {count} draws × ({width} × 4 + {stride} × 2)",
            bytes.len()
        )));
    }
    let (count, width, stride) = (count as usize, width as usize, stride as usize);
    let body = &bytes[HEADER..];
    let (m, o) = body.split_at(count * width * 4);
    let rows = m
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let opens = o
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    Ok(Draws::from_rows(first, count, width, stride, rows, opens))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ShardInfo {
        ShardInfo {
            tool_version: "0.1.0".into(),
            scenario: "plan".into(),
            scenario_file: "scenarios/plan.toml".into(),
            position: 0,
            data: None,
            seed_override: Some(7),
            seed: 7,
            first: 3,
            draws: 2,
            inputs: vec![("a.csv".into(), "ab".into())],
        }
    }

    #[test]
    fn draws_read_back_bit_for_bit() {
        let tmp = tempfile::tempdir().unwrap();
        let rows = [1.5f32, f32::NAN, 0.1, -0.0, 1e30, 7.0];
        let draws = Draws::from_rows(3, 2, 3, 1, rows, vec![2, 65_535]);
        write_shard(tmp.path(), &info(), &draws).unwrap();
        // The file holds rows draw by draw, whatever the layout in memory.
        let body = fs::read(tmp.path().join(DRAWS_FILE)).unwrap()[HEADER..][..24].to_vec();
        let floats: Vec<u32> = body
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        assert_eq!(floats, rows.map(f32::to_bits));
        let back = read_draws(tmp.path()).unwrap();
        assert_eq!(back.first, 3);
        assert_eq!(back.opens, draws.opens);
        let bits = |d: &Draws| d.rows().map(f32::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&draws));
        assert_eq!(read_info(tmp.path()).unwrap(), info());
    }

    #[test]
    fn a_cut_file_is_refused_with_its_sizes() {
        let tmp = tempfile::tempdir().unwrap();
        let draws = Draws::from_rows(0, 1, 2, 1, [1.0, 2.0], vec![0]);
        write_shard(tmp.path(), &info(), &draws).unwrap();
        let path = tmp.path().join(DRAWS_FILE);
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let e = read_draws(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("49 bytes, expected 40 + 1 draws"), "{e}");
    }
}
