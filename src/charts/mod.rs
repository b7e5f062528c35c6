//! Charts (plotters) and the HTML report.
