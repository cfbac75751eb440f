//! Turns pest's "expected rules" into words a policy lead reads: never a
//! grammar rule name.

use super::{Context, Rule};
use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::suggest::did_you_mean;

/// The words of the language that start a line, by context.
fn starters(context: Context) -> &'static [&'static str] {
    match context {
        Context::Top => &["import", "calendar", "workflow", "extend workflow"],
        Context::Calendar => &["title", "based on", "closures", "closed"],
        Context::Workflow => &[
            "title",
            "version",
            "moves cases from",
            "source",
            "calendar",
            "starts with",
            "plugins",
            "step",
        ],
        Context::Step => &[
            "title",
            "description",
            "outcomes",
            "several may be open",
            "due",
            "warn",
            "source",
            "repeats",
            "on",
        ],
        Context::Repeats => &[
            "first due",
            "second due",
            "then due",
            "warn",
            "source",
            "until",
        ],
        Context::Close => &["}"],
    }
}

fn context_name(context: Context) -> &'static str {
    match context {
        Context::Top => "at the top of a file",
        Context::Calendar => "in a calendar",
        Context::Workflow => "in a workflow",
        Context::Step => "in a step",
        Context::Repeats => "in `repeats`",
        Context::Close => "after `}`",
    }
}

/// What may start a line in this context, as a help text.
pub(super) fn allowed_in(context: Context) -> String {
    let words: Vec<String> = starters(context).iter().map(|w| format!("`{w}`")).collect();
    format!(
        "a line {} starts with {}",
        context_name(context),
        join_or(&words)
    )
}

/// `text` with its first letter upper-case, to follow a full sentence.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The phrase for what a rule reads, or `None` for rules that never help.
fn phrase(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        workflow_id => "a workflow id",
        step_id => "a step id",
        outcome_id => "an outcome",
        calendar_id => "a calendar id",
        plugin_id => "a plugin name",
        fact => "a fact, such as `age`",
        string => "text in double quotes",
        close_quote => "a closing `\"`",
        date => "a date, such as `2024-12-27`",
        count => "a number, such as `15`",
        unit => "a unit, such as `working days`",
        period => "a timescale, such as `15 working days`",
        anchor | event_anchor => {
            "a step id followed by `started` or `completed`, or `the previous one`"
        }
        previous_anchor => "`the previous one`",
        pick => "`first` or `latest`",
        milestone => "`started` or `completed`",
        condition | conjunction | negation => "a condition, such as `age < 5`",
        within => "`within`",
        comparison => "a comparison, such as `age < 5`",
        compare_op => "a comparison: `is`, `is not`, `<`, `<=`, `>` or `>=`",
        value | number | boolean => "a value: a number, text in quotes, a date, `true` or `false`",
        trigger => "`start`, `complete` or an outcome",
        effect => "`open`, `close` or `end`",
        open_effect => "`open`",
        close_effect | close_everything => "`close`",
        end_effect => "`end`",
        happening => "a step id followed by `started` or `completed`",
        lbrace => "`{`",
        rbrace => "`}`",
        comma => "`,`",
        line_end => "the end of the line",
        import_line => "`import`",
        calendar_head | calendar_line => "`calendar`",
        workflow_head => "`workflow`",
        extend_head => "`extend workflow`",
        step_head => "`step`",
        repeats_head => "`repeats`",
        title_line => "`title`",
        description_line => "`description`",
        version_line => "`version`",
        moves_line => "`moves cases from`",
        source_line => "`source`",
        starts_line => "`starts with`",
        plugins_line => "`plugins`",
        based_on_line => "`based on`",
        closures_line => "`closures`",
        closed_line => "`closed`",
        outcomes_line => "`outcomes`",
        several_line => "`several may be open`",
        due_line => "`due`",
        warn_line => "`warn`",
        first_line => "`first due`",
        second_line => "`second due`",
        then_line => "`then due`",
        until_line => "`until`",
        on_line => "`on`",
        kw_after => "`after`",
        kw_and => "`and`",
        kw_based => "`based on`",
        kw_cases => "`cases`",
        kw_from => "`from`",
        kw_moves => "`moves cases from`",
        kw_be => "`be`",
        kw_before => "`before`",
        kw_calendar => "`calendar`",
        kw_close => "`close`",
        kw_closed => "`closed`",
        kw_closures => "`closures`",
        kw_complete => "`complete`",
        kw_completed => "`completed`",
        kw_description => "`description`",
        kw_due => "`due`",
        kw_end => "`end`",
        kw_everything => "`everything`",
        kw_extend => "`extend`",
        kw_false => "`false`",
        kw_first => "`first`",
        kw_if => "`if`",
        kw_import => "`import`",
        kw_is => "`is`",
        kw_latest => "`latest`",
        kw_local => "`local`",
        kw_may => "`may`",
        kw_not => "`not`",
        kw_of => "`of`",
        kw_on => "`on`",
        kw_one => "`one`",
        kw_open => "`open`",
        kw_or => "`or`",
        kw_outcomes => "`outcomes`",
        kw_plugins => "`plugins`",
        kw_previous => "`previous`",
        kw_repeats => "`repeats`",
        kw_second => "`second`",
        kw_several => "`several`",
        kw_source => "`source`",
        kw_start => "`start`",
        kw_started => "`started`",
        kw_starts => "`starts with`",
        kw_step => "`step`",
        kw_the => "`the`",
        kw_then => "`then`",
        kw_title => "`title`",
        kw_true => "`true`",
        kw_until => "`until`",
        kw_version => "`version`",
        kw_warn => "`warn`",
        kw_with => "`with`",
        kw_within => "`within`",
        kw_workflow => "`workflow`",
        EOI => "the end of the line",
        _ => return None,
    })
}

/// What is at `offset` in `text`, for "found …".
fn found(text: &str, offset: usize) -> String {
    let rest = text.get(offset..).unwrap_or("");
    let rest = rest.trim_start_matches([' ', '\t']);
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
        .take(40)
        .collect();
    if !word.is_empty() {
        return format!("`{word}`");
    }
    match rest.chars().next() {
        None | Some('\n' | '\r') => "the end of the line".to_string(),
        Some('#') => "a comment".to_string(),
        Some('"') => "text in quotes".to_string(),
        Some(c) => format!("`{c}`"),
    }
}

/// The first word of a line, for "unknown line" messages.
fn first_word(text: &str) -> &str {
    let t = text.trim_start();
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    t.get(..end).unwrap_or("")
}

/// Words that start a line anywhere in the language.
const ALL_STARTERS: &[&str] = &[
    "import",
    "calendar",
    "workflow",
    "extend",
    "title",
    "based",
    "closures",
    "closed",
    "version",
    "moves",
    "source",
    "starts",
    "plugins",
    "step",
    "description",
    "outcomes",
    "several",
    "due",
    "warn",
    "repeats",
    "on",
    "first",
    "second",
    "then",
    "until",
];

/// Describes why `text` (one line starting at byte `line_start` of the file)
/// could not be read in `context`.
pub(super) fn describe(
    file: FileId,
    line_start: usize,
    text: &str,
    context: Context,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let pos = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let indent = text.len() - text.trim_start().len();
    let line_span = Span::new(
        line_start + indent,
        line_start + text.trim_end().len().max(indent),
    );
    let positives: Vec<Rule> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };

    // Nothing on the line was understood: the first word is unknown here.
    if pos <= indent {
        let word = first_word(text);
        let shown = if word.is_empty() {
            found(text, indent)
        } else {
            format!("`{word}`")
        };
        let here: Vec<&str> = starters(context)
            .iter()
            .map(|s| s.split(' ').next().unwrap_or(s))
            .collect();
        let mut help = allowed_in(context);
        let message = if !word.is_empty() && ALL_STARTERS.contains(&word) {
            format!("{shown} cannot be used {}", context_name(context))
        } else {
            if let Some(s) = did_you_mean(word, here.iter().copied()) {
                help = format!("did you mean `{s}`? {}", capitalized(&help));
            } else if word.chars().any(|c| c.is_ascii_uppercase()) {
                help = format!(
                    "words of the language are lower-case. {}",
                    capitalized(&help)
                );
            }
            format!("unexpected {shown} {}", context_name(context))
        };
        let end = if word.is_empty() {
            line_span.end
        } else {
            line_start + indent + word.len()
        };
        return Diagnostic::error("syntax", message)
            .at(file, Span::new(line_start + indent, end), "not understood")
            .help(help);
    }

    let mut phrases: Vec<&str> = Vec::new();
    for rule in &positives {
        if let Some(p) = phrase(*rule)
            && !phrases.contains(&p)
        {
            phrases.push(p);
        }
    }
    // "the end of the line" is always possible where a comment could start;
    // say it last.
    phrases.sort_by_key(|p| *p == "the end of the line");
    let expected = if phrases.is_empty() {
        "something else".to_string()
    } else {
        join_or(&phrases.iter().map(|p| p.to_string()).collect::<Vec<_>>())
    };
    let found_text = found(text, pos);
    let skipped = text
        .get(pos..)
        .map_or(0, |r| r.len() - r.trim_start_matches([' ', '\t']).len());
    let at = line_start + pos + skipped;
    let word_len = text.get(pos + skipped..).map_or(0, |r| {
        r.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .unwrap_or(r.len())
            .max(r.chars().next().map_or(0, char::len_utf8))
    });
    let word_len = if found_text == "the end of the line" || found_text == "a comment" {
        0
    } else {
        word_len
    };
    let mut d = Diagnostic::error("syntax", format!("expected {expected}, found {found_text}")).at(
        file,
        Span::new(at, at + word_len),
        format!(
            "expected {}",
            phrases.first().copied().unwrap_or("something else")
        ),
    );
    let help = hint(&positives, text, pos + skipped, context);
    d = d.help(help);
    d
}

/// A plain-English hint for the commonest slips.
fn hint(positives: &[Rule], text: &str, pos: usize, context: Context) -> String {
    let word = first_word(text.get(pos..).unwrap_or(""));
    let reserved = [
        "the",
        "if",
        "and",
        "or",
        "not",
        "is",
        "open",
        "close",
        "end",
        "everything",
        "start",
        "complete",
        "started",
        "completed",
        "with",
        "after",
        "before",
        "of",
        "within",
        "previous",
        "first",
        "latest",
        "true",
        "false",
    ];
    let wants_id = positives.iter().any(|r| {
        matches!(
            r,
            Rule::workflow_id
                | Rule::step_id
                | Rule::outcome_id
                | Rule::calendar_id
                | Rule::plugin_id
                | Rule::fact
        )
    });
    if wants_id && reserved.contains(&word) {
        return format!("`{word}` is a word of the language and cannot be used as an id");
    }
    if wants_id && word.chars().any(|c| c.is_ascii_uppercase() || c == '-') {
        return "ids are lower-case letters, digits and `_`, starting with a letter: `s47_enquiry`"
            .to_string();
    }
    if positives.contains(&Rule::close_quote) {
        return "text in quotes must end on the same line with `\"`".to_string();
    }
    if positives.contains(&Rule::string) {
        return "put text in double quotes: `\"Initial child protection conference\"`".to_string();
    }
    if positives.contains(&Rule::lbrace) {
        return "a block starts with its id and `{` on the same line: `step icpc {`".to_string();
    }
    if positives
        .iter()
        .any(|r| matches!(r, Rule::count | Rule::period))
    {
        return "write a timescale as a count and a unit: `15 working days`, `3 months`, `72 hours`".to_string();
    }
    if positives.iter().any(|r| {
        matches!(
            r,
            Rule::anchor | Rule::event_anchor | Rule::milestone | Rule::step_id
        )
    }) {
        return "a timescale counts from a step's start or completion: `after referral started`, `after icpc completed`".to_string();
    }
    let keywords: Vec<&str> = positives
        .iter()
        .filter_map(|r| phrase(*r))
        .filter_map(|p| p.strip_prefix('`').and_then(|p| p.strip_suffix('`')))
        .filter(|p| p.chars().all(|c| c.is_ascii_lowercase() || c == ' '))
        .collect();
    if let Some(k) = did_you_mean(word, keywords.iter().copied()) {
        return format!("did you mean `{k}`?");
    }
    if positives.contains(&Rule::line_end) || positives.contains(&Rule::EOI) {
        return "one clause a line: put the rest on a line of its own, or start a comment with `#`"
            .to_string();
    }
    allowed_in(context)
}
