//! The commands, parsed by clap: one module each, with its flags, help and `run`.

#[macro_use]
mod out;
mod calibrate;
mod common;
mod completions;
mod convert;
mod evaluate;
mod inspect;
mod predict;
mod preprocess;
mod render;
mod saliency;
mod synth;
mod train_demo;

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser, Subcommand};

pub use common::Failure;

/// Screens resting 12-lead ECGs for severe coronary stenosis per vessel (RCA, LM, LAD, LCX),
/// on this machine only. A research screening aid, not a diagnosis.
#[derive(Debug, Parser)]
#[command(
    name = "ecg-stenosis",
    version,
    arg_required_else_help = true,
    after_help = "Files are recognised by their content. 'ecg-stenosis help COMMAND' explains \
                  one command.\nExit status: 0 done, 1 something given could not be read or \
                  done (one line each on stderr), 2 usage error."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Inspect(inspect::Args),
    Preprocess(preprocess::Args),
    Render(render::Args),
    Convert(convert::Args),
    Predict(predict::Args),
    Saliency(saliency::Args),
    Synth(synth::Args),
    TrainDemo(train_demo::Args),
    Evaluate(evaluate::Args),
    Calibrate(calibrate::Args),
    Completions(completions::Args),
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Inspect(_) => "inspect",
            Command::Preprocess(_) => "preprocess",
            Command::Render(_) => "render",
            Command::Convert(_) => "convert",
            Command::Predict(_) => "predict",
            Command::Saliency(_) => "saliency",
            Command::Synth(_) => "synth",
            Command::TrainDemo(_) => "train-demo",
            Command::Evaluate(_) => "evaluate",
            Command::Calibrate(_) => "calibrate",
            Command::Completions(_) => "completions",
        }
    }

    fn run(self) -> Result<ExitCode, Failure> {
        match self {
            Command::Inspect(args) => inspect::run(args),
            Command::Preprocess(args) => preprocess::run(args),
            Command::Render(args) => render::run(args),
            Command::Convert(args) => convert::run(args),
            Command::Predict(args) => predict::run(args),
            Command::Saliency(args) => saliency::run(args),
            Command::Synth(args) => synth::run(args),
            Command::TrainDemo(args) => train_demo::run(args),
            Command::Evaluate(args) => evaluate::run(args),
            Command::Calibrate(args) => calibrate::run(args),
            Command::Completions(args) => completions::run(args),
        }
    }
}

/// The short usage of `command` (the whole tool's when it is not a command's name).
fn short_usage(command: Option<&str>) -> String {
    let mut cli = Cli::command();
    cli.build();
    match command.and_then(|name| cli.find_subcommand_mut(name)) {
        Some(sub) => sub.render_usage().to_string(),
        None => cli.render_usage().to_string(),
    }
}

/// Prints a usage error with the command's short usage under it; exit status 2.
fn print_usage_error(message: &str, command: Option<&str>) -> ExitCode {
    let mut text = message.trim_end().to_string();
    if !text.contains("Usage:") {
        let usage = short_usage(command);
        match text.find("\n\nFor more information") {
            Some(at) => text.insert_str(at, &format!("\n\n{usage}")),
            None => text.push_str(&format!(
                "\n\n{usage}\n\nFor more information, try '--help'."
            )),
        }
    }
    eprintln!("{text}");
    ExitCode::from(2)
}

/// Parses the arguments, runs the command and turns its outcome into the exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return parse_failure(&error),
    };
    let name = cli.command.name();
    match cli.command.run() {
        Ok(code) => code,
        Err(Failure::Run(message)) => {
            eprintln!("ecg-stenosis: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => print_usage_error(&format!("error: {message}"), Some(name)),
    }
}

/// clap's own outcome when the arguments do not parse: help and version on stdout (exit 0),
/// usage errors on stderr with the command's short usage (exit 2).
fn parse_failure(error: &clap::Error) -> ExitCode {
    if !error.use_stderr() {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    if error.kind() == ErrorKind::InvalidSubcommand
        && let Some(ContextValue::String(name)) = error.get(ContextKind::InvalidSubcommand)
    {
        return print_usage_error(&format!("error: unknown command '{name}'"), None);
    }
    // The command the user named, for its usage.
    let cli = Cli::command();
    let command = std::env::args()
        .skip(1)
        .find(|arg| cli.find_subcommand(arg).is_some());
    print_usage_error(&error.render().to_string(), command.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
