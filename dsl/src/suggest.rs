//! "Did you mean …?" suggestions.

/// The candidate closest to `word`, if one is close enough to be a likely
/// typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if word.is_empty() {
        return None;
    }
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = strsim::damerau_levenshtein(word, candidate);
        let longest = word.chars().count().max(candidate.chars().count());
        let close = (distance * 3 <= longest + 3 && distance < longest)
            || strsim::jaro_winkler(word, candidate) >= 0.9;
        if !close {
            continue;
        }
        let score = strsim::normalized_damerau_levenshtein(word, candidate);
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(
            did_you_mean("icpcc", ["icpc", "rcpc", "referral"]),
            Some("icpc")
        );
        assert_eq!(
            did_you_mean("stratgy_discussion", ["strategy_discussion", "s47_enquiry"]),
            Some("strategy_discussion")
        );
        assert_eq!(did_you_mean("banana", ["icpc", "referral"]), None);
    }
}
