//! Local escalation rules as sandboxed [rhai](https://rhai.rs) scripts.
//!
//! A council adds its own escalation rules on top of the statutory clock: a
//! `.rhai` file, named by the workflows that use it (`plugins re_referral`)
//! or added with `--plugins <dir>`. The engine calls its hooks during
//! replay; the script looks at a read-only view of the case and acts only
//! through four functions. It can never reach files, the network, other
//! processes, the environment or the clock, nor hurt the engine, the data
//! or another case.
//!
//! # Writing a plugin
//!
//! ```rhai
//! // Re-referral within 12 months: management review.
//! const WATCH_EVENTS = ["referral started"];   // only these events call on_event
//!
//! fn on_event(case, event) {
//!     if case.history.referrals_last_12_months >= 2 {
//!         flag("management_review", "re-referral within 12 months of the previous referral");
//!     }
//! }
//! ```
//!
//! ## Hooks (each optional)
//!
//! | hook | called |
//! |---|---|
//! | `fn on_event(case, event)` | after each event of a workflow that names the plugin |
//! | `fn on_approaching(case, deadline)` | when a deadline's warning moment passes |
//! | `fn on_breach(case, deadline)` | when a deadline's due moment passes and it is not done |
//! | `fn on_daily(case)` | at the end of a day, at most once a day, only when it can matter (below) |
//!
//! `today()` is the replay moment's day (the as-of as the replay reaches
//! it), never the wall clock, so a replay gives the same actions.
//!
//! ## Saying what matters (so that hooks cost little)
//!
//! | constant | effect |
//! |---|---|
//! | `const ONLY_WHEN = ["worker_changes_last_12_months >= 3"];` | `on_event`, `on_approaching` and `on_breach` only when each holds (`age`, the `history` fields; `<`, `<=`, `>`, `>=`, `==`, `!=` a whole number; an unknown value never holds) |
//! | `const WATCH_EVENTS = ["referral started", "case_closure completed with nfa", "cp_visit"];` | `on_event` only for these events (`<step>`, `<step> started`, `<step> completed`, `<step> completed with <outcome>`, `<step> cancelled`) |
//! | `const WATCH_FACTS = ["team", "worker changed", "domestic_abuse is true"];` | … and for events that record one of these facts (that change it, or record this value) |
//! | `const WATCH_DEADLINES = ["cp_visit"];` | `on_approaching` and `on_breach` only for these steps' deadlines |
//! | `const DAILY_WHILE_OPEN = ["cp_plan"];` | `on_daily` only while one of these steps is open |
//! | `const DAILY_WHILE_FACTS = ["placed_with_parents is true"];` | `on_daily` only while one of these facts is known (or has this value); with `DAILY_WHILE_OPEN`, both must hold |
//! | `const DAILY_ONLY_WHEN_ASKED = true;` | `on_daily` only on the days a hook asked for with `check_again_on` (a timer) |
//!
//! Without them, `on_event` hears every event, and `on_approaching` and
//! `on_breach` every deadline of the workflows that name the plugin.
//! `on_daily` runs at the end of the day of each event of the case (unless
//! `DAILY_ONLY_WHEN_ASKED`), and then:
//!
//! - on the day the script asked for with `check_again_on(day)`, from any
//!   hook (events before then do not call it);
//! - not until the case's next event, if it called
//!   `check_again_after_next_event()`;
//! - else the next day, if it looked at anything that changes with time
//!   alone (`today()`, `case.age`, `case.history`, `case.deadlines`);
//! - else not until the case's next event (nothing it looked at can change
//!   before then).
//!
//! ## The case (`case`), read-only
//!
//! | | |
//! |---|---|
//! | `case.id` | the child's id |
//! | `case.facts.<name>` or `case.facts["name"]` | a fact; `()` when not known |
//! | `case.age` | whole years today, from the fact `date_of_birth`; `()` when not known |
//! | `case.open_steps` | the ids of the open steps |
//! | `case.is_open("cp_plan")` | whether the step is open |
//! | `case.started("cp_plan")` | when its latest occurrence started (a date), or `()` |
//! | `case.completed("cp_visit")` | when it was last completed, or `()` |
//! | `case.completions("case_closure")` | every completion, oldest first |
//! | `case.deadlines` | every deadline: `.step`, `.workflow`, `.occurrence`, `.due`, `.status` (`open`, `overdue`, `met`, `late`, `cancelled`), `.approaching`, `.local`, `.completed` |
//! | `case.history` | `.referrals_last_12_months`, `.worker_changes_last_12_months`, `.days_since_last_visit` (or `()`), `.missing_episodes_last_30_days` |
//!
//! An unknown value `()` compares false with anything (`case.age < 5` is
//! false when the date of birth is not known), as conditions in the
//! workflow language do.
//!
//! ## The event (`event`) and the deadline (`deadline`)
//!
//! `event.id`, `event.step` (or `()`), `event.action` (`start`, `complete`,
//! `cancel`, `record`), `event.outcome` (or `()`), `event.date`,
//! `event.facts.<name>` (the facts it records), `event.records("name")`,
//! `event.changed("name")` (set to a new value, first set, or removed).
//! A deadline has the fields of `case.deadlines` above.
//!
//! ## Dates, on the case's calendar
//!
//! `today()`, `date("2024-04-01")`; `add_days(d, n)`, `add_weeks(d, n)`,
//! `add_months(d, n)` (31 January + 1 month = the end of February),
//! `add_years(d, n)`; `add_working_days(d, n)`,
//! `working_days_between(a, b)` (working days after `a` up to and including
//! `b`), `is_working_day(d)` — on the calendar of the workflow the hook
//! concerns, bank holidays and closure days included; `days_between(a, b)`,
//! `months_between(a, b)`; `d.year`, `d.month`, `d.day`, `d.weekday`.
//! Dates compare with `==`, `<`, `>=` ….
//!
//! ## Acting
//!
//! | function | what it does |
//! |---|---|
//! | `escalate(to, reason)` | escalates the case to a role (`"team_manager"`) |
//! | `flag(name, reason)` | raises a named flag |
//! | `require(step, n, unit, reason)` | opens a local obligation: an occurrence of `step` due `n` `unit` (`"working days"`, `"calendar days"`, `"weeks"`, `"months"`, `"years"`, `"hours"`) from now, tracked, explained and reported like a statutory deadline but marked local |
//! | `note(text)` | leaves a note on the case history |
//! | `check_again_on(day)` | asks for `on_daily` next on that day (from any hook) |
//! | `check_again_after_next_event()` | asks for `on_daily` only after the case's next event |
//!
//! Every action is recorded in the case history with the plugin's name, a
//! hash of its text, the hook and the replay moment. Reasons and notes are
//! the council's words: write them without a child's details.
//!
//! # The sandbox
//!
//! See [`Limits`] for the limits on each call (operations, wall time, call
//! depth, sizes of texts, lists and maps, variables, functions, actions). A
//! script that breaks one is stopped with an error naming the plugin, the
//! hook and the case, and the run goes on for every other case. `eval`,
//! `import`, `print` and `debug` are refused when the script is compiled,
//! and no function reaches files, the network, processes, the environment
//! or the clock. Error messages never carry a value from the case.

//!
//! # Speed
//!
//! A hook call costs about 0.4 µs with an empty script, and 2.5–3 µs for a
//! realistic one that reads the event, facts, age, history and open steps
//! (300,000–400,000 calls a second on one core): `cargo bench -p
//! duly-plugins --bench hooks` replays a case of 1,000 events with a hook
//! on every event (or day) and without. Most of it is rhai's own work per
//! call and per function it calls; a script that runs less costs less, so
//! the constants above let the engine skip the calls that cannot matter.
//!
//! What the example council's seven rules add to a whole run:
//!
//! ```sh
//! duly gen --children 100000 --seed 7 --from 2023-04-01 --to 2025-03-31 --out events.jsonl
//! duly run --rules rules/local/example-council --events events.jsonl --as-of 2025-03-31 --format json > /dev/null
//! # the same rules without their `plugins` lines, for the baseline
//! ```
//!
//! On 100,000 children (1.18 million events) and two cores the seven rules
//! run their scripts about 160,000 times (the constants skip the rest)
//! and add about a quarter, with their 110,000 actions: 2.47 to 3.06
//! billion instructions on 10,000 children (`valgrind --tool=cachegrind`,
//! +24%); wall time 1.44 s to 1.86 s (+29%) on 100,000, on a machine
//! shared with other work.

mod api;
mod errors;
pub mod load;
mod plugin;
mod sandbox;
mod source;

pub use load::{add_scripts, assign, compile_all};
pub use plugin::{Script, ScriptPlugin, compile, plugins_for};
pub use sandbox::{Limits, Sandbox};

#[cfg(test)]
mod tests;
