//! The description of an area to synthesise, shared by Hengyang's table and the province
//! generator, and read by the drafting step. Holds values only: no synthesis here.

use crate::model::AreaKind;

/// An area spec with owned strings (Hengyang's table or a synthetic province's).
#[derive(Debug, Clone)]
pub(super) struct AreaSpecOwned {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) kind: AreaKind,
    pub(super) population: f64,
    pub(super) town_share: f64,
    pub(super) city_population: f64,
}
