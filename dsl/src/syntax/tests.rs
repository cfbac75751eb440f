use super::*;

fn read(text: &str) -> (SourceFile, Vec<Diagnostic>) {
    parse(FileId(0), text)
}

#[test]
fn the_national_library_reads_without_diagnostics() {
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/national")).unwrap()
    {
        let path = entry.unwrap().path();
        // The folder also holds the library's scenarios (`tests/`).
        if path.extension().is_none_or(|e| e != "duly") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (file, diagnostics) = read(&text);
        assert!(
            diagnostics.is_empty(),
            "{}: {diagnostics:#?}",
            path.display()
        );
        assert!(!file.items.is_empty());
        assert!(!file.comments.is_empty());
    }
}

#[test]
fn one_bad_line_is_one_diagnostic_and_the_rest_is_read() {
    let text = "workflow w {\n  title \"W\"\n  step a {\n    dew 5 working days after a started\n    title \"A\"\n  }\n  step b {\n    title \"B\"\n  }\n}\n";
    let (file, diagnostics) = read(text);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert!(
        diagnostics[0].message.contains("`dew`"),
        "{}",
        diagnostics[0].message
    );
    assert_eq!(
        diagnostics[0]
            .help
            .as_deref()
            .map(|h| h.starts_with("did you mean `due`?")),
        Some(true)
    );
    let Item::Workflow(w) = &file.items[0] else {
        panic!()
    };
    assert_eq!(w.steps.len(), 2);
}

#[test]
fn says_what_was_expected_in_words() {
    let text = "workflow w {\n  step a {\n    due 5 working days aftr a started\n  }\n}\n";
    let (_, diagnostics) = read(text);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].message, "expected `after`, found `aftr`");
}

#[test]
fn source_and_warn_attach_to_the_timescale_above() {
    let text = "workflow w {\n  step a {\n    due 5 working days after a started\n      warn 2 working days before\n      source local \"Standard 1\"\n  }\n}\n";
    let (file, diagnostics) = read(text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let Item::Workflow(w) = &file.items[0] else {
        panic!()
    };
    let StepClause::Due(t) = &w.steps[0].clauses[0] else {
        panic!()
    };
    assert_eq!(t.warn.as_ref().map(|p| p.count), Some(2));
    assert_eq!(t.source.as_ref().map(|s| s.local), Some(true));
}

#[test]
fn conditions_bind_and_tighter_than_or() {
    let text = "workflow w {\n  step a {\n    on x if age < 5 or placement_type is \"P1\" and not disabled is true open b\n  }\n}\n";
    let (file, diagnostics) = read(text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let Item::Workflow(w) = &file.items[0] else {
        panic!()
    };
    let StepClause::On(on) = &w.steps[0].clauses[0] else {
        panic!()
    };
    let Some(ConditionAst::Any(any, _)) = &on.condition else {
        panic!("{:?}", on.condition)
    };
    assert_eq!(any.len(), 2);
    assert!(
        matches!(&any[1], ConditionAst::All(all, _) if all.len() == 2 && matches!(all[1], ConditionAst::Not(..)))
    );
}

#[test]
fn a_missing_brace_is_reported_once() {
    let text = "workflow w {\n  step a {\n    title \"A\"\n  step b {\n    title \"B\"\n  }\n}\n";
    let (_, diagnostics) = read(text);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].code, "unclosed-block");
}

#[test]
fn keywords_need_a_word_boundary() {
    let (_, diagnostics) = read("workflowx w {\n}\n");
    assert!(!diagnostics.is_empty());
}

#[test]
fn oversized_input_is_refused() {
    let text = "#".repeat(MAX_SOURCE_BYTES + 1);
    let (_, diagnostics) = read(&text);
    assert_eq!(diagnostics[0].code, "file-too-large");
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_fine() {
    let (file, diagnostics) = read("\u{feff}# rules\r\nworkflow w {\r\n  title \"W\"\r\n}\r\n");
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    assert_eq!(file.items.len(), 1);
}
