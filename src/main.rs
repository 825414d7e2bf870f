//! The `stsim` binary: parse arguments, run, exit with the documented code.

fn main() -> std::process::ExitCode {
    stsim::cli::main()
}
