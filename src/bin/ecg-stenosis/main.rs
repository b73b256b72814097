//! `ecg-stenosis`: the native command-line tool, thin over the library. One module per command
//! holds its flags, its help and its `run`; `ecg-stenosis help COMMAND` or `COMMAND --help`
//! prints them.
//!
//! Exit status: 0 when everything given was read and done; 1 when something failed while
//! running (one line per problem on stderr, naming the file, the place and the fault; the
//! other files are still reported where the command reports per file); 2 for a usage error
//! (the command's short usage follows).

// The tool reads and writes files: it exists natively only. A wasm32 build of the package
// (the page) gets an empty program so `cargo build --target wasm32-unknown-unknown` works.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli;
