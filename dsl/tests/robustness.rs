//! Arbitrary input never panics or hangs: random text, random bytes, and the
//! library's own files with random damage. Every diagnostic must also render.

use duly_dsl::check_text;
use duly_dsl::diagnostic::{Style, render, to_json};
use proptest::prelude::*;

const LIBRARY: &[&str] = &[
    include_str!("../../rules/national/safeguarding.duly"),
    include_str!("../../rules/national/looked_after.duly"),
    include_str!("../../rules/national/missing.duly"),
    include_str!("../../rules/national/private_fostering.duly"),
    include_str!("../../rules/national/care_leavers.duly"),
    include_str!("../../rules/local/example-council/council.duly"),
];

fn check_and_render(text: &str) {
    let checked = check_text("fuzz.duly", text);
    for d in &checked.diagnostics {
        let _ = render(&checked.sources, d, Style::Ascii, 80);
        let _ = render(&checked.sources, d, Style::Narrated, 80);
    }
    let _ = to_json(&checked.sources, &checked.diagnostics);
    if checked.rules.is_some() {
        assert!(!checked.has_errors());
    }
}

/// A damage to a file.
#[derive(Debug, Clone)]
enum Damage {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Truncate(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Damage::Delete { at, len }),
        (
            any::<usize>(),
            prop_oneof![
                "[{}\"#\\n ,<>=a-z0-9_-]{1,12}".prop_map(String::from),
                any::<String>()
            ]
        )
            .prop_map(|(at, text)| Damage::Insert { at, text }),
        any::<usize>().prop_map(Damage::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
        any::<usize>().prop_map(Damage::Truncate),
    ]
}

fn apply(text: &str, damage: &Damage) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len().max(1);
    match damage {
        Damage::Delete { at, len } => {
            let at = at % n;
            chars[..at]
                .iter()
                .chain(chars.iter().skip(at + len))
                .collect()
        }
        Damage::Insert { at, text } => {
            let at = at % n;
            chars[..at.min(chars.len())]
                .iter()
                .copied()
                .chain(text.chars())
                .chain(chars.iter().skip(at).copied())
                .collect()
        }
        Damage::DuplicateLine(i) => {
            let mut lines: Vec<&str> = text.lines().collect();
            if !lines.is_empty() {
                let i = i % lines.len();
                lines.insert(i, lines[i]);
            }
            lines.join("\n")
        }
        Damage::SwapLines(a, b) => {
            let mut lines: Vec<&str> = text.lines().collect();
            if !lines.is_empty() {
                let (a, b) = (a % lines.len(), b % lines.len());
                lines.swap(a, b);
            }
            lines.join("\n")
        }
        Damage::Truncate(at) => chars[..at % n.min(chars.len()).max(1)].iter().collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}") {
        check_and_render(&text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_and_render(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn damaged_library_files_never_panic(file in 0..LIBRARY.len(), damages in proptest::collection::vec(damage(), 1..4)) {
        let mut text = LIBRARY[file].to_string();
        for d in &damages {
            text = apply(&text, d);
        }
        check_and_render(&text);
    }
}

#[test]
fn pathological_inputs_finish() {
    let inputs = [
        "{".repeat(100_000),
        "}\n".repeat(50_000),
        format!(
            "workflow w {{\n  step a {{\n    on x if {}age < 5 open b\n  }}\n}}\n",
            "not ".repeat(50_000)
        ),
        format!(
            "workflow w {{\n  step a {{\n    on x if {} open b\n  }}\n}}\n",
            vec!["age < 5"; 20_000].join(" and ")
        ),
        "\"".repeat(200_000),
        "workflow w {\n".repeat(20_000),
        "step a {\n".repeat(20_000),
        "repeats {\n".repeat(20_000),
        format!(
            "workflow w {{\n  starts with {}\n}}\n",
            vec!["a"; 50_000].join(", ")
        ),
        "# comment\n".repeat(50_000),
        "\r\n\r\n\t \u{feff}\0".repeat(10_000),
    ];
    for input in &inputs {
        check_and_render(input);
    }
}
