//! The `placeplan` binary: parse the command line, call the library, map errors to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match placeplan::cli::main() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
