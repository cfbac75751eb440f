//! `duly holidays`: the bank holidays of a built-in calendar in a year.

use duly_calendar::{Calendar, Division};
use std::process::ExitCode;

/// List the bank holidays of a built-in calendar for a year.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The calendar: `england_and_wales`, `scotland` or `northern_ireland`.
    #[arg(long)]
    pub calendar: String,
    /// The year, from 1 to 9999.
    #[arg(long, value_parser = clap::value_parser!(i16).range(1..=9999))]
    pub year: i16,
}

/// Prints one line a holiday (`Fri 29 Mar 2024  Good Friday`); fails with a
/// message when the calendar is not a built-in one.
pub fn run(args: Args) -> ExitCode {
    let Some(division) = Division::from_id(&args.calendar) else {
        let known: Vec<String> = Division::ALL
            .iter()
            .map(|d| format!("`{}`", d.id()))
            .collect();
        eprintln!("error: unknown calendar `{}`", args.calendar);
        eprintln!("  help: the built-in calendars are {}", known.join(", "));
        return ExitCode::FAILURE;
    };
    let calendar = Calendar::builtin(division);
    let mut text = format!("Bank holidays in {}, {}\n", calendar.title(), args.year);
    for (date, holiday) in calendar.holidays(args.year) {
        let day = date.strftime("%a %-d %b %Y").to_string();
        text.push_str(&format!("{day:<16} {holiday}\n"));
    }
    crate::output::print(&text)
}
