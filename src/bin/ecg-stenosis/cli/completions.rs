//! `completions`: shell completion scripts, generated from the same definitions as the help.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;
use super::common::Failure;

/// Prints a shell completion script.
///
/// Prints a completion script for bash, zsh, fish, elvish or PowerShell on standard output,
/// e.g. `ecg-stenosis completions bash > ~/.local/share/bash-completion/completions/ecg-stenosis`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    #[arg(value_name = "SHELL")]
    shell: Shell,
}

/// Runs `completions`.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "ecg-stenosis",
        &mut std::io::stdout(),
    );
    Ok(ExitCode::SUCCESS)
}
