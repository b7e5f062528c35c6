//! End-to-end tests: the `placeplan` binary on small fixture data sets (one test binary).
mod report;
