//! What went wrong, in plain English: rhai's compile errors as
//! [`Diagnostic`]s pointing into the `.rhai` file, and its run-time errors
//! as one-line messages with the script's line and column. No message
//! carries a value from the case: a thrown value, an index or an operand
//! could be a child's details.

use crate::api::HostError;
use crate::sandbox::{Limits, TimeUp};
use crate::source::{from_rhai, offset_of, word_at};
use duly_dsl::{Diagnostic, FileId, Span};
use rhai::{EvalAltResult, LexError, ParseError, ParseErrorType, Position};

/// A compile error as a diagnostic at its place in `text`.
pub(crate) fn parse_error(error: &ParseError, file: FileId, text: &str) -> Diagnostic {
    let (message, note, help): (String, &str, String) = match &*error.0 {
        ParseErrorType::BadInput(LexError::ImproperSymbol(symbol, _))
            if symbol == "print" || symbol == "debug" =>
        (
            format!("`{symbol}` is switched off in plugins"),
            "not allowed",
            "what a script prints could put a child's details into logs; to say something on the case, use `note(\"…\")`".into(),
        ),
        ParseErrorType::BadInput(LexError::ImproperSymbol(symbol, _)) if symbol == "eval" => (
            "`eval` is switched off in plugins".into(),
            "not allowed",
            "a script cannot run text as code; write the rule out".into(),
        ),
        ParseErrorType::Reserved(word) if word == "import" || word == "export" => (
            format!("`{word}` is switched off in plugins"),
            "not allowed",
            "a plugin is one file and reads nothing else: put everything it needs in it".into(),
        ),
        ParseErrorType::Reserved(word) => (
            format!("`{word}` is a word the script language keeps for itself"),
            "reserved",
            "choose another name".into(),
        ),
        ParseErrorType::UnexpectedEOF => (
            "the script ends too soon".into(),
            "ends here",
            "look for a `{`, `(` or `[` that is never closed".into(),
        ),
        ParseErrorType::MissingToken(token, what) => (
            format!("expected `{token}` {}", from_rhai(what)),
            "expected here",
            format!("add `{token}`"),
        ),
        ParseErrorType::VariableUndefined(name) => (
            format!("unknown name `{}`", from_rhai(name)),
            "not declared",
            "declare it with `let` before using it; a hook sees only its own parameters, what it declares and Duly's functions".into(),
        ),
        ParseErrorType::FnDuplicatedDefinition(name, params) => (
            format!("function `{name}` with {params} parameters is defined twice"),
            "defined again here",
            "keep one of them".into(),
        ),
        ParseErrorType::ExprTooDeep => (
            "the expression is nested too deeply".into(),
            "too deep",
            "split it into smaller steps with `let`".into(),
        ),
        ParseErrorType::TooManyFunctions => (
            "the script defines too many functions".into(),
            "one too many",
            "a rule needs only a few functions; split the plugin".into(),
        ),
        other => (
            lower_first(&from_rhai(&other.to_string())),
            "here",
            "see the plugin guide in the duly-plugins documentation".into(),
        ),
    };
    let (start, end) = match (error.1.line(), error.1.position()) {
        (Some(line), column) => word_at(text, offset_of(text, line, column.unwrap_or(1))),
        _ => (text.len(), text.len()),
    };
    Diagnostic::error("plugin-syntax", message)
        .at(file, Span::new(start, end), note)
        .help(help)
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A run-time error as one line: what happened, where, and what to do.
pub(crate) fn runtime_error(error: &EvalAltResult, limits: &Limits) -> String {
    // Calls of the script's own functions wrap the error that stopped them.
    let mut functions = Vec::new();
    let mut error = error;
    while let EvalAltResult::ErrorInFunctionCall(name, _, inner, _) = error {
        functions.push(name.clone());
        error = inner;
    }
    let what = describe(error, limits);
    let mut text = from_rhai(&what);
    if let Some(place) = place(error.position()) {
        text.push_str(&place);
    }
    if let Some(innermost) = functions.last().filter(|f| !f.starts_with("on_")) {
        text.push_str(&format!(" (in function `{innermost}`)"));
    }
    text
}

fn place(position: Position) -> Option<String> {
    let line = position.line()?;
    Some(match position.position() {
        Some(column) => format!(" at line {line}, column {column}"),
        None => format!(" at line {line}"),
    })
}

fn describe(error: &EvalAltResult, limits: &Limits) -> String {
    use EvalAltResult as E;
    match error {
        E::ErrorTooManyOperations(_) => format!(
            "stopped after {} operations: look for a loop that never ends",
            limits.max_operations
        ),
        E::ErrorTerminated(token, _) if token.is::<TimeUp>() => format!(
            "stopped after {} ms: look for a loop that never ends, or work that grows too large",
            limits.wall_time.as_millis()
        ),
        E::ErrorTerminated(..) => "stopped".into(),
        E::ErrorStackOverflow(_) => format!(
            "stopped: functions called each other more than {} deep; look for a function that calls itself without end",
            limits.max_call_levels
        ),
        E::ErrorDataTooLarge(what, _) => {
            let (thing, limit, unit) = if what.contains("string") {
                ("a text", limits.max_string_size, "bytes")
            } else if what.contains("array") {
                ("a list", limits.max_array_size, "items")
            } else {
                ("a map", limits.max_map_size, "entries")
            };
            format!("stopped: {thing} grew past {limit} {unit}")
        }
        E::ErrorTooManyVariables(_) => format!(
            "stopped: more than {} variables at once",
            limits.max_variables
        ),
        E::ErrorRuntime(value, _) => match value.clone().try_cast::<HostError>() {
            Some(HostError(message)) => message,
            // What a script throws may carry a child's details: not shown.
            None => "the script stopped with `throw` (what it threw is not shown: it may hold a child's details)".into(),
        },
        E::ErrorFunctionNotFound(signature, _) => match signature.strip_prefix("get$") {
            Some(rest) => {
                let (property, on) = rest.split_once(' ').unwrap_or((rest, ""));
                let on = on.trim_matches(|c| c == '(' || c == ')' || c == ' ');
                format!("unknown property `{property}` of a {}", type_name(on))
            }
            None => format!(
                "no function `{}`: check its name and what it is given",
                signature.trim()
            ),
        },
        // The key may be a value from the case: not shown.
        E::ErrorPropertyNotFound(..) | E::ErrorIndexNotFound(..) => "no such entry in a map".into(),
        E::ErrorDotExpr(message, _) => {
            // `unknown property 'nope' - a getter is not registered for type 'string'`
            let quoted: Vec<&str> = message.split('\'').skip(1).step_by(2).collect();
            match quoted.as_slice() {
                [property, on] if message.contains("getter") => {
                    format!("unknown property `{property}` of a {}", type_name(on))
                }
                _ => lower_first(message),
            }
        }
        E::ErrorVariableNotFound(name, _) => format!("unknown variable `{name}`"),
        E::ErrorArrayBounds(len, _, _) => format!("an index outside a list of {len}"),
        E::ErrorStringBounds(len, _, _) => format!("an index outside a text of {len} characters"),
        E::ErrorMismatchDataType(expected, actual, _) => {
            format!("expected {}, got {}", type_name(expected), type_name(actual))
        }
        E::ErrorMismatchOutputType(expected, actual, _) => {
            format!("expected {}, got {}", type_name(expected), type_name(actual))
        }
        E::ErrorArithmetic(..) => {
            "arithmetic that cannot be done (a division by zero, or a number too large)".into()
        }
        E::ErrorIndexingType(on, _) => format!("a {} cannot be indexed", type_name(on)),
        E::ErrorFor(_) => "`for` needs a list or a range".into(),
        E::ErrorAssignmentToConstant(name, _) => format!("`{name}` is a constant"),
        E::ErrorSystem(message, _) => lower_first(message),
        E::ErrorVariableExists(name, _) | E::ErrorForbiddenVariable(name, _) => {
            format!("`{name}` cannot be declared here")
        }
        E::ErrorNonPureMethodCallOnConstant(name, _) => {
            format!("`{name}` would change a constant")
        }
        // Anything else is not expected from a plugin; its details are not
        // shown, in case they hold a value.
        _ => "the script could not go on".into(),
    }
}

/// A rhai type name as people read it.
fn type_name(name: &str) -> &str {
    match name {
        "i64" | "i32" | "int" => "whole number",
        "f64" | "f32" | "float" => "number",
        "string" | "ImmutableString" | "&str" | "char" => "text",
        "bool" => "true or false",
        "()" => "nothing (unknown)",
        "array" | "Array" => "list",
        "map" | "Map" => "map",
        "Case" => "case",
        "Event" => "event",
        "Deadline" => "deadline",
        "History" => "history",
        "Facts" => "facts",
        "Date" => "date",
        other => other,
    }
}
