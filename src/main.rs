//! The `placeplan` binary: parse the command line, call the library, map errors to an exit code.
//!
//! Input errors are reported (exit 1) by the commands; an error reaching here is a fault of the
//! system (a disk, a permission), reported in words with its causes (exit 2).

use std::process::ExitCode;

fn main() -> ExitCode {
    match placeplan::cli::main() {
        Ok(code) => code,
        Err(err) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::from(2)
        }
    }
}
