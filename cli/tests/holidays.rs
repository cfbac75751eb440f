//! `duly holidays` lists a built-in calendar's bank holidays for a year.

use assert_cmd::Command;
use insta::assert_snapshot;

fn duly(args: &[&str]) -> (bool, String, String) {
    let output = Command::cargo_bin("duly")
        .expect("the duly binary")
        .args(args)
        .output()
        .expect("duly runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn lists_a_year_of_bank_holidays() {
    let (ok, out, _) = duly(&["holidays", "--calendar", "scotland", "--year", "2023"]);
    assert!(ok);
    assert_snapshot!(out, @r"
    Bank holidays in Scotland, 2023
    Mon 2 Jan 2023   New Year’s Day (substitute day)
    Tue 3 Jan 2023   2nd January (substitute day)
    Fri 7 Apr 2023   Good Friday
    Mon 1 May 2023   Early May bank holiday
    Mon 8 May 2023   Bank holiday for the coronation of King Charles III
    Mon 29 May 2023  Spring bank holiday
    Mon 7 Aug 2023   Summer bank holiday
    Thu 30 Nov 2023  St Andrew’s Day
    Mon 25 Dec 2023  Christmas Day
    Tue 26 Dec 2023  Boxing Day
    ");
}

#[test]
fn an_unknown_calendar_says_which_there_are() {
    let (ok, out, err) = duly(&["holidays", "--calendar", "wales", "--year", "2023"]);
    assert!(!ok);
    assert_eq!(out, "");
    assert_snapshot!(err, @r"
    error: unknown calendar `wales`
      help: the built-in calendars are `england_and_wales`, `scotland`, `northern_ireland`
    ");
}
