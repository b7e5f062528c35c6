//! The seeded generator of synthetic data sets (the Hengyang default and synthetic provinces).
