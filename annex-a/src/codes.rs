//! DfE codes (CIN census, SSDA903) as Annex A writes them: the lettered
//! labels of the Annex A template (`a) WBRI`, `C2: FCO`, …).
//!
//! A value that is not a known code is written as it is only when it looks
//! like a code (one to six capital letters and digits), so that a fact
//! holding free text never reaches the workbook.

/// Looks `code` up in `table`; an unknown code-like value is kept as it is.
fn label(table: &[(&str, &'static str)], code: &str) -> Option<String> {
    let code = code.trim();
    if let Some((_, label)) = table.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)) {
        return Some((*label).to_owned());
    }
    looks_like_code(code).then(|| code.to_owned())
}

/// One to six capital letters and digits: a code, never a name or a note.
pub(crate) fn looks_like_code(text: &str) -> bool {
    (1..=6).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `sex` (`M`, `F`, `U`, as the importers write it).
pub(crate) fn gender(code: &str) -> Option<String> {
    let label = match code.trim() {
        "M" | "m" | "1" => "a) Male",
        "F" | "f" | "2" => "b) Female",
        "U" | "u" | "0" | "9" => "c) Not stated/recorded",
        _ => return None,
    };
    Some(label.to_owned())
}

/// `ethnicity` (the DfE's 4-letter codes).
pub(crate) fn ethnicity(code: &str) -> Option<String> {
    label(ETHNICITY, code)
}

const ETHNICITY: &[(&str, &str)] = &[
    ("WBRI", "a) WBRI"),
    ("WIRI", "b) WIRI"),
    ("WIRT", "c) WIRT"),
    ("WOTH", "d) WOTH"),
    ("WROM", "e) WROM"),
    ("MWBC", "f) MWBC"),
    ("MWBA", "g) MWBA"),
    ("MWAS", "h) MWAS"),
    ("MOTH", "i) MOTH"),
    ("AIND", "j) AIND"),
    ("APKN", "k) APKN"),
    ("ABAN", "l) ABAN"),
    ("AOTH", "m) AOTH"),
    ("BCRB", "n) BCRB"),
    ("BAFR", "o) BAFR"),
    ("BOTH", "p) BOTH"),
    ("CHNE", "q) CHNE"),
    ("OOTH", "r) OOTH"),
    ("REFU", "s) REFU"),
    ("NOBT", "s) NOBT"),
];

/// `referral_source` (CIN census `ReferralSource`).
pub(crate) fn referral_source(code: &str) -> Option<String> {
    label(REFERRAL_SOURCE, code)
}

const REFERRAL_SOURCE: &[(&str, &str)] = &[
    ("1A", "a) 1A: Individual"),
    ("1B", "b) 1B: Individual"),
    ("1C", "c) 1C: Individual"),
    ("1D", "d) 1D: Individual"),
    ("2A", "e) 2A: Schools"),
    ("2B", "f) 2B: Education services"),
    ("3A", "g) 3A: Health services"),
    ("3B", "h) 3B: Health services"),
    ("3C", "i) 3C: Health services"),
    ("3D", "j) 3D: Health services"),
    ("3E", "k) 3E: Health services"),
    ("3F", "l) 3F: Health services"),
    ("4", "m) 4: Housing"),
    ("5A", "n) 5A: LA services"),
    ("5B", "o) 5B: LA services"),
    ("5C", "p) 5C: LA services"),
    ("5D", "p1) 5D: LA services"),
    ("6", "q) 6: Police"),
    ("7", "r) 7: Other legal agency"),
    ("8", "s) 8: Other"),
    ("9", "t) 9: Anonymous"),
    ("10", "u) 10: Unknown"),
];

/// `primary_need` (CIN census) and `category_of_need` (SSDA903).
pub(crate) fn need(code: &str) -> Option<String> {
    label(NEED, code)
}

const NEED: &[(&str, &str)] = &[
    ("N0", "N0 - Not stated"),
    ("N1", "N1 - Abuse or neglect"),
    ("N2", "N2 - Child's disability"),
    ("N3", "N3 - Parental disability or illness"),
    ("N4", "N4 - Family in acute stress"),
    ("N5", "N5 - Family dysfunction"),
    ("N6", "N6 - Socially unacceptable behaviour"),
    ("N7", "N7 - Low income"),
    ("N8", "N8 - Absent parenting"),
    ("N9", "N9 - Cases other than children in need"),
];

/// `reason_for_closure` (CIN census `ReasonForClosure`): only the nine
/// codes, since the column says why a case closed.
pub(crate) fn closure_reason(code: &str) -> Option<String> {
    let code = code.trim();
    CLOSURE
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, label)| (*label).to_owned())
}

/// The closure reason that a `case_closure` outcome stands for, as the CIN
/// import maps them (`RC8` → `nfa`, `RC9` → `early_help`).
pub(crate) fn closure_outcome(outcome: &str) -> Option<&'static str> {
    match outcome {
        "nfa" => Some("RC8"),
        "early_help" => Some("RC9"),
        _ => None,
    }
}

const CLOSURE: &[(&str, &str)] = &[
    ("RC1", "RC1 - Adopted"),
    ("RC2", "RC2 - Died"),
    ("RC3", "RC3 - Child arrangements order"),
    ("RC4", "RC4 - Special guardianship order"),
    (
        "RC5",
        "RC5 - Transferred to services of another local authority",
    ),
    ("RC6", "RC6 - Transferred to adult social care services"),
    (
        "RC7",
        "RC7 - Services ceased for any other reason, including child no longer in need",
    ),
    (
        "RC8",
        "RC8 - Case closed after assessment, no further action",
    ),
    (
        "RC9",
        "RC9 - Case closed after assessment, referred to early help",
    ),
];

/// `category_of_abuse` (CIN census `InitialCategoryOfAbuse`,
/// `LatestCategoryOfAbuse`).
pub(crate) fn abuse(code: &str) -> Option<String> {
    label(ABUSE, code)
}

const ABUSE: &[(&str, &str)] = &[
    ("NEG", "a) Neglect"),
    ("PHY", "b) Physical abuse"),
    ("SAB", "c) Sexual abuse"),
    ("EMO", "d) Emotional abuse"),
    ("MUL", "e) Multiple/not recommended"),
];

/// `legal_status` (SSDA903 `LS`).
pub(crate) fn legal_status(code: &str) -> Option<String> {
    label(LEGAL_STATUS, code)
}

const LEGAL_STATUS: &[(&str, &str)] = &[
    ("C1", "C1: ICO"),
    ("C2", "C2: FCO"),
    ("D1", "D1: Freeing order"),
    ("E1", "E1: Placement order"),
    ("V2", "V2: Single period under S20"),
    ("V3", "V3: Short term breaks, episodes recorded"),
    ("V4", "V4: Short term breaks, agreements recorded"),
    ("L1", "L1: Police protection LA accommodation"),
    ("L2", "L2: EPO"),
    ("L3", "L3: Child assessment order LA accommodation"),
    ("J1", "J1: Remanded to LA or youth detention"),
    ("J2", "J2: LA accommodation under PACE"),
    ("J3", "J3: Youth rehabilitation order"),
];

/// `placement_type` (SSDA903 `PLACE`).
pub(crate) fn placement_type(code: &str) -> Option<String> {
    label(PLACEMENT_TYPE, code)
}

const PLACEMENT_TYPE: &[(&str, &str)] = &[
    ("U1", "a) U1: Foster placement - relatives - long term"),
    ("U2", "b) U2: Foster placement - relative - FFA"),
    ("U3", "c) U3: Foster placement - relative - not FFA"),
    ("U4", "d) U4: Foster placement - long term"),
    ("U5", "e) U5: Foster placement - FFA"),
    ("U6", "f) U6: Foster placement - not FFA"),
    (
        "A3",
        "g) A3: Placed for adoption - consent - current foster",
    ),
    ("A4", "h) A4: Placed for adoption - consent - not foster"),
    ("A5", "i) A5: Placed for adoption - order - foster"),
    ("A6", "j) A6: Placed for adoption - order - not foster"),
    ("P1", "k) P1: Placed with parents"),
    ("P2", "l) P2: Independent living"),
    ("P3", "m) P3: Residential employment"),
    ("H5", "n) H5: Residential accommodation"),
    ("K1", "o) K1: Secure Children's Homes"),
    ("K2", "p) K2: Children's Homes"),
    ("R1", "q) R1: Residential Care Home"),
    ("R2", "r) R2: NHS/Health Trust"),
    ("R3", "s) R3: Family Centre or Mother and Baby Unit"),
    ("R5", "t) R5: Young Offender Institution"),
    ("S1", "u) S1: Residential school"),
    ("Z1", "v) Z1: Other placements"),
    ("T0", "w) T0: Temporary placement"),
    ("T1", "x) T1: Temporary placement - hospital"),
    ("T2", "y) T2: Temporary placement - holiday"),
    ("T3", "z) T3: Temporary placement - carer holiday"),
    ("T4", "zz) T4: Temporary placement - seven days or less"),
];

/// `placement_provider` (SSDA903 `PLACE_PROVIDER`).
pub(crate) fn placement_provider(code: &str) -> Option<String> {
    label(PLACEMENT_PROVIDER, code)
}

const PLACEMENT_PROVIDER: &[(&str, &str)] = &[
    ("PR0", "a) PR0: Parents/Parental responsibility"),
    ("PR1", "b) PR1: Own provision"),
    ("PR2", "c) PR2: Other LA provision"),
    ("PR3", "d) PR3: Other public provision"),
    ("PR4", "e) PR4: Private provision"),
    ("PR5", "f) PR5: Voluntary/third sector"),
];

/// `reason_ceased` (SSDA903 `REC`).
pub(crate) fn reason_ceased(code: &str) -> Option<String> {
    label(REASON_CEASED, code)
}

const REASON_CEASED: &[(&str, &str)] = &[
    ("E11", "a) E11: Adopted - application unopposed"),
    ("E12", "b) E12: Adopted - consent dispensed"),
    ("E2", "c) E2: Died"),
    ("E3", "d) E3: Care taken by another LA"),
    (
        "E4A",
        "e) E4A: Returned home to live with parents or relatives - part of planning",
    ),
    (
        "E4B",
        "f) E4B: Returned home to live with parents or relatives - not part of planning",
    ),
    (
        "E13",
        "g) E13: Parents, relatives or other with no parental responsibility",
    ),
    ("E41", "h) E41: Residence order granted"),
    (
        "E45",
        "i) E45: Special Guardianship Orders - former carer relative/friend",
    ),
    (
        "E46",
        "j) E46: Special Guardianship Orders - former carer other",
    ),
    (
        "E47",
        "k) E47: Special Guardianship Orders - relative/friend",
    ),
    ("E48", "l) E48: Special Guardianship Orders - other"),
    ("E5", "m) E5: Moved into independent living - supported"),
    ("E6", "n) E6: Moved into independent living - no support"),
    (
        "E7",
        "o) E7: Transferred to residential care funded by adult social services",
    ),
    ("E9", "p) E9: Sentenced to custody"),
    ("E14", "q) E14: Accommodation on remand ended"),
    (
        "E15",
        "r) E15: Age assessment determined child was 18 or over",
    ),
    ("E16", "s) E16: Child moved abroad"),
    ("E8", "t) E8: Care ceased for any other reason"),
    ("E17", "v) E17: Aged 18+ and remained with current carers"),
];

/// `a) Yes` or `b) No`, as the template codes a yes-or-no column.
pub(crate) fn yes_no(yes: bool) -> String {
    if yes { "a) Yes" } else { "b) No" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_get_their_label_and_others_stay_codes_or_go() {
        assert_eq!(ethnicity("WBRI").as_deref(), Some("a) WBRI"));
        assert_eq!(legal_status("c2").as_deref(), Some("C2: FCO"));
        assert_eq!(placement_type("Q9").as_deref(), Some("Q9"));
        // Free text is never written.
        assert_eq!(placement_type("with Mrs Smith"), None);
        assert_eq!(need("abuse"), None);
        assert_eq!(gender("X"), None);
        assert_eq!(gender("F").as_deref(), Some("b) Female"));
    }
}
