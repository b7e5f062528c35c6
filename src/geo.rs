//! Area boundaries for the choropleth: each area's polygons as (longitude, latitude) rings in
//! degrees. Values only: read by `io` from a data set's optional `areas.geojson`, drawn by
//! `charts`.

/// One area's outline: its id and the outer ring of each of its polygons.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaShape {
    pub area_id: String,
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// The boundaries of a data set's areas (`areas.geojson`).
pub type Boundaries = Vec<AreaShape>;
