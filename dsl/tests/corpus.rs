//! Every file in `tests/corpus/` is a mistake a policy lead might make. Each
//! snapshot holds the file and what `duly check` says about it, together,
//! so a reviewer reads the source and the message side by side.

use duly_dsl::diagnostic::{Style, render, summary};
use duly_dsl::{CheckOptions, FsLoader, check};
use std::path::PathBuf;

fn rendered(path: &str) -> (String, usize) {
    let checked = check(&FsLoader, &[PathBuf::from(path)], &CheckOptions::default());
    let mut out = String::new();
    for d in &checked.diagnostics {
        out.push_str(&render(
            &checked.sources,
            d,
            Style::Graphical { color: false },
            100,
        ));
        out.push('\n');
    }
    out.push_str(&summary(&checked.diagnostics));
    out.push('\n');
    (out, checked.diagnostics.len())
}

#[test]
fn corpus() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("corpus/*.duly", |path| {
            let relative = path
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap_or(path);
            let relative = relative
                .display()
                .to_string()
                .trim_start_matches('/')
                .to_string();
            let source = std::fs::read_to_string(path).unwrap();
            let (output, count) = rendered(&relative);
            assert!(count > 0, "{relative} should produce a diagnostic");
            insta::assert_snapshot!(format!(
                "----- SOURCE {relative}\n{source}----- DULY CHECK\n{output}"
            ));
        });
    });
}

#[test]
fn every_diagnostic_follows_the_style_guide() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "duly") {
            continue;
        }
        let checked = check(
            &FsLoader,
            std::slice::from_ref(&path),
            &CheckOptions::default(),
        );
        for d in &checked.diagnostics {
            let first = d.message.chars().next().unwrap();
            assert!(
                !first.is_uppercase(),
                "{}: message starts upper-case: {}",
                path.display(),
                d.message
            );
            assert!(
                !d.message.ends_with('.'),
                "{}: message ends with a full stop: {}",
                path.display(),
                d.message
            );
            assert!(
                !d.message.contains('\n'),
                "{}: message is more than one line",
                path.display()
            );
            assert!(
                d.help.is_some(),
                "{}: no help for {}",
                path.display(),
                d.message
            );
            assert!(
                d.primary.is_some() || d.file.is_none(),
                "{}: no span for {}",
                path.display(),
                d.message
            );
            for word in ["Rule::", "kw_", "_line", "Option<", "Vec<", "String"] {
                assert!(
                    !d.message.contains(word) && !d.help.as_deref().unwrap_or("").contains(word),
                    "{}: names grammar or Rust: {}",
                    path.display(),
                    d.message
                );
            }
        }
    }
}
