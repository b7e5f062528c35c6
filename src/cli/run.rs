//! `placeplan run` and `placeplan generate`: flags → run request.

use std::process::ExitCode;

use super::{GenerateArgs, RunArgs};

pub fn run(_args: RunArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`placeplan run` is not implemented yet")
}

pub fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let ds = match args.kind.as_str() {
        "hengyang" => {
            let (ds, knobs) = placeplan_synth_hengyang(args.seed);
            eprintln!("calibrated: {knobs:?}");
            ds
        }
        "province" => crate::synth::province(args.schools, args.seed),
        other => anyhow::bail!("--kind {other:?}: expected `hengyang` or `province`"),
    };
    crate::io::dataset_out::write_dataset(&ds, &args.out)?;
    eprintln!("wrote {} schools, {} projects to {}", ds.schools.len(), ds.projects.len(), args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn placeplan_synth_hengyang(seed: u64) -> (crate::model::DataSet, crate::synth::Knobs) {
    crate::synth::hengyang(seed)
}
