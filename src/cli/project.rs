//! `placeplan project`: flags → projection request.

use std::process::ExitCode;

use super::ProjectArgs;

pub fn run(_args: ProjectArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`placeplan project` is not implemented yet")
}
