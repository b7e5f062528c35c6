//! Running scenarios end to end: load, simulate, write tables, charts and the report.
