//! Reads a data set's optional `areas.geojson`: a FeatureCollection whose features carry an
//! `area_id` property and a Polygon or MultiPolygon geometry in longitude, latitude (WGS 84).
//! Only outer rings are kept (holes are not drawn). A malformed file is an error naming the
//! file, the feature and what was expected; a missing file is `None`.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use crate::geo::{AreaShape, Boundaries};

/// File name of the boundaries in a data set folder.
pub const BOUNDARIES: &str = "areas.geojson";

fn ring(v: &Value) -> Option<Vec<(f64, f64)>> {
    v.as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?))
        })
        .collect()
}

/// Outer rings of a Polygon or MultiPolygon geometry.
fn rings(geometry: &Value) -> Option<Vec<Vec<(f64, f64)>>> {
    let coords = geometry.get("coordinates")?;
    match geometry.get("type")?.as_str()? {
        "Polygon" => Some(vec![ring(coords.as_array()?.first()?)?]),
        "MultiPolygon" => coords
            .as_array()?
            .iter()
            .map(|poly| ring(poly.as_array()?.first()?))
            .collect(),
        _ => None,
    }
}

/// Parses the text of an `areas.geojson` (`path` names it in errors).
pub fn parse(path: &Path, text: &str) -> anyhow::Result<Boundaries> {
    let doc: Value = serde_json::from_str(text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .with_context(|| {
            format!(
                "{}: expected a FeatureCollection with `features`",
                path.display()
            )
        })?;
    features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let area_id = f
                .pointer("/properties/area_id")
                .and_then(Value::as_str)
                .with_context(|| {
                    format!("{}: feature {i}: expected a string property `area_id`", path.display())
                })?;
            let rings = f.get("geometry").and_then(rings).with_context(|| {
                format!(
                    "{}: feature {i} (`{area_id}`): expected a Polygon or MultiPolygon of [longitude, latitude] points",
                    path.display()
                )
            })?;
            Ok(AreaShape {
                area_id: area_id.to_string(),
                rings,
            })
        })
        .collect()
}

/// Reads `dir/areas.geojson` if there is one.
pub fn read(dir: &Path) -> anyhow::Result<Option<Boundaries>> {
    let path = dir.join(BOUNDARIES);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    parse(&path, &text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_and_multipolygons_keep_their_outer_rings() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"area_id":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.3,0.2],[0.2,0.3],[0.2,0.2]]]}},
          {"type":"Feature","properties":{"area_id":"B"},"geometry":{"type":"MultiPolygon","coordinates":[[[[2,0],[3,0],[3,1],[2,0]]],[[[4,0],[5,0],[5,1],[4,0]]]]}}]}"#;
        let b = parse(Path::new("areas.geojson"), text).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].area_id, "A");
        assert_eq!(b[0].rings.len(), 1);
        assert_eq!(b[0].rings[0][1], (1.0, 0.0));
        assert_eq!(b[1].rings.len(), 2);
    }

    #[test]
    fn a_feature_without_an_area_id_is_named_in_the_error() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}}]}"#;
        let e = parse(Path::new("d/areas.geojson"), text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("d/areas.geojson: feature 0"), "{e}");
        assert!(e.contains("area_id"), "{e}");
    }
}
