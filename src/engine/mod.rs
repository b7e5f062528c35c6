//! The model of SPEC §4: progression, entry, inflows, supply, rebalancing, classes, Monte Carlo.
//!
//! Pure computation on values: no file, no terminal, no clap, polars or plotters.
//! Lifecycle: describe (a `DataSet` and a `Scenario`) → [`assemble::assemble`] → [`monte_carlo::run`].

pub mod assemble;
pub mod backtest;
pub mod classes;
pub mod forecast;
#[allow(
    unsafe_code,
    reason = "a prefetch hint (the one x86-64 intrinsic it needs) and a huge-pages hint (one system call); each block states its SAFETY"
)]
pub mod hint;
#[allow(
    unsafe_code,
    reason = "runtime CPU-feature dispatch of the summary's gathering, as the kernel's; its block states its SAFETY"
)]
pub mod monte_carlo;
pub mod pipeline;
pub mod priority;
pub mod progression;
pub mod realised;
pub mod results;
pub mod sampling;
#[allow(
    unsafe_code,
    reason = "runtime CPU-feature dispatch of the kernel, and the unaligned vector loads and stores of its AVX2 class formation (`sim::avx2`); every block states its SAFETY"
)]
pub mod sim;
