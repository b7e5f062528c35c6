//! `placeplan run` and `placeplan generate`: flags → run request.

use std::process::ExitCode;

use super::{GenerateArgs, RunArgs};

pub fn run(_args: RunArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`placeplan run` is not implemented yet")
}

pub fn generate(_args: GenerateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`placeplan generate` is not implemented yet")
}
