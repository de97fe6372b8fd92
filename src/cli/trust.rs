//! `keyadm trust export`: print the store's trust key (the public half of
//! its row-signing key), for verifiers' `--trust-key` (SPEC §5.4).

use clap::{Args, Subcommand};

use super::Context;
use keyadm::Result;

#[derive(Args, Debug)]
pub struct TrustArgs {
    #[command(subcommand)]
    pub command: TrustCommand,
}

#[derive(Subcommand, Debug)]
pub enum TrustCommand {
    /// Print the store's trust key (needs the master key)
    Export,
}

pub fn run(ctx: &mut Context, args: TrustArgs) -> Result<()> {
    match args.command {
        TrustCommand::Export => {
            let mut session = ctx.open_write_existing()?;
            let key = keyadm::ops::verify::trust_export(&mut session)?;
            ctx.printer.line(key.to_text().trim_end());
            Ok(())
        }
    }
}
