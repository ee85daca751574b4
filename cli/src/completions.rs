//! `epyr completions SHELL`: the shell completion script, generated from the command
//! definitions by clap_complete.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::report;

/// Arguments of `epyr completions`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  epyr completions bash > ~/.local/share/bash-completion/completions/epyr\n  \
    epyr completions zsh > ~/.zfunc/_epyr\n  epyr completions fish > ~/.config/fish/completions/epyr.fish"
)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    shell: Shell,
}

/// Runs `epyr completions`.
pub fn run(args: &Args) -> u8 {
    let mut command = crate::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "epyr", &mut script);
    report::bytes(&script);
    report::OK
}
