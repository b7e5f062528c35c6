//! `placeplan validate` and `placeplan init`.

use std::process::ExitCode;

use super::{InitArgs, ValidateArgs};

pub fn run(_args: ValidateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`placeplan validate` is not implemented yet")
}

pub fn init(_args: InitArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`placeplan init` is not implemented yet")
}
