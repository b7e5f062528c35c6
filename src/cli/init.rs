//! `placeplan init`: writes a small, commented data set and scenario to fill in, into a new or
//! empty folder, staged so that it appears whole or not at all. The files themselves are in
//! `template`; this module only checks the folder and writes them.

mod template;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::InitArgs;
use crate::io::atomic::StagedDir;

/// Writes the template data set and scenario into `args.dir`.
pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("{} exists and is not a readable folder", dir.display()))?;
        if entries.next().is_some() {
            return Ok(super::refused(format_args!(
                "{} is not empty: init writes a new data set only into a new or empty folder",
                dir.display()
            )));
        }
    }
    let staged = StagedDir::begin(dir)?;
    for (name, body) in template::files() {
        let path = staged.path().join(name);
        std::fs::write(&path, body).with_context(|| format!("cannot write {}", path.display()))?;
    }
    staged.commit()?;
    say!(
        "wrote a data set and scenario.toml to {}; read {} first, then run `placeplan validate {}`\n",
        dir.display(),
        Path::new(&dir).join("README.md").display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
