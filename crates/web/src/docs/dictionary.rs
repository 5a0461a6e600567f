//! The data dictionary behind `/docs/data-dictionary`: the CCW variables (name, label,
//! description, coded values and their meanings, FHIR mapping, system URL) from
//! `data/data-dictionary.tsv`, which `cargo xtask docs` generates from the CCW codebooks
//! and listings (`xtask/src/docs.rs` describes the rows). Parsed once, on first use;
//! searched in memory: every word of the query must occur, case-insensitively, in the
//! variable's name, short name, label, description, FHIR mapping or a code's meaning.

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The generated dictionary.
const TSV: &str = include_str!("../../data/data-dictionary.tsv");

/// Separates a description's paragraphs in the TSV (U+2029).
const PARAGRAPH: char = '\u{2029}';

/// One CCW variable.
#[derive(Debug, Default)]
pub(crate) struct Variable {
    pub id: &'static str,
    pub label: &'static str,
    pub long_name: &'static str,
    pub short_name: &'static str,
    pub kind: &'static str,
    pub length: &'static str,
    pub source: &'static str,
    pub codebook: &'static str,
    pub description: Vec<&'static str>,
    pub codes: Vec<(&'static str, &'static str)>,
    pub mappings: Vec<Mapping>,
    pub system_url: Option<&'static str>,
    /// Everything searched, lower-cased.
    haystack: String,
}

/// Where a variable appears in the FHIR resources (BB_V2_extension_listing.csv).
#[derive(Debug)]
pub(crate) struct Mapping {
    pub resource: &'static str,
    pub types: &'static str,
    pub name: &'static str,
    pub path: &'static str,
    pub extension: &'static str,
}

/// All variables, by id.
pub(crate) struct Dictionary {
    variables: Vec<Variable>,
}

/// One page of search results.
pub(crate) struct Found<'a> {
    /// How many variables match in all.
    pub total: usize,
    /// The page asked for (from 1), clamped to the last.
    pub page: usize,
    /// Pages in all (at least 1).
    pub pages: usize,
    /// This page's variables.
    pub variables: Vec<&'a Variable>,
}

/// Results per page.
pub(crate) const PAGE_SIZE: usize = 50;

/// The dictionary.
pub(crate) fn dictionary() -> &'static Dictionary {
    static DICTIONARY: LazyLock<Dictionary> = LazyLock::new(|| Dictionary::parse(TSV));
    &DICTIONARY
}

impl Dictionary {
    fn parse(tsv: &'static str) -> Self {
        let mut by_id: BTreeMap<&'static str, Variable> = BTreeMap::new();
        for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let f: Vec<&'static str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or_default();
            match get(0) {
                "V" => {
                    by_id.insert(
                        get(1),
                        Variable {
                            id: get(1),
                            label: get(2),
                            long_name: get(3),
                            short_name: get(4),
                            kind: get(5),
                            length: get(6),
                            source: get(7),
                            codebook: get(8),
                            description: get(9)
                                .split(PARAGRAPH)
                                .filter(|p| !p.is_empty())
                                .collect(),
                            ..Variable::default()
                        },
                    );
                }
                "C" => {
                    if let Some(v) = by_id.get_mut(get(1)) {
                        v.codes.push((get(2), get(3)));
                    }
                }
                "F" => {
                    if let Some(v) = by_id.get_mut(get(1)) {
                        v.mappings.push(Mapping {
                            resource: get(2),
                            types: get(3),
                            name: get(4),
                            path: get(5),
                            extension: get(6),
                        });
                    }
                }
                "U" => {
                    if let Some(v) = by_id.get_mut(get(1)) {
                        v.system_url = Some(get(2));
                    }
                }
                _ => {}
            }
        }
        let mut variables: Vec<Variable> = by_id.into_values().collect();
        for v in &mut variables {
            let mut text = format!("{} {} {} {}", v.id, v.long_name, v.short_name, v.label);
            for p in &v.description {
                text.push(' ');
                text.push_str(p);
            }
            for (code, meaning) in &v.codes {
                text.push(' ');
                text.push_str(code);
                text.push(' ');
                text.push_str(meaning);
            }
            for m in &v.mappings {
                text.push(' ');
                text.push_str(m.name);
                text.push(' ');
                text.push_str(m.resource);
            }
            v.haystack = text.to_lowercase();
        }
        Self { variables }
    }

    /// Every variable, sorted by id.
    pub fn len(&self) -> usize {
        self.variables.len()
    }

    /// The variable named `id` (any case): its id first, else a long or short name.
    pub fn get(&self, id: &str) -> Option<&Variable> {
        self.variables
            .iter()
            .find(|v| v.id.eq_ignore_ascii_case(id))
            .or_else(|| {
                self.variables.iter().find(|v| {
                    v.long_name.eq_ignore_ascii_case(id) || v.short_name.eq_ignore_ascii_case(id)
                })
            })
    }

    /// Variables matching every word of `query` (all of them for an empty query), best
    /// first: the name itself, then names containing the query, then labels, then the
    /// rest; by name within each. Page `page` (from 1) of [`PAGE_SIZE`].
    pub fn search(&self, query: &str, page: usize) -> Found<'_> {
        let query = query.trim().to_lowercase();
        let words: Vec<&str> = query.split_whitespace().collect();
        let mut hits: Vec<(u8, &Variable)> = self
            .variables
            .iter()
            .filter(|v| words.iter().all(|w| v.haystack.contains(w)))
            .map(|v| {
                let id = v.id.to_lowercase();
                let rank = if query.is_empty() || id == query {
                    0
                } else if id.contains(&query)
                    || v.long_name.to_lowercase().contains(&query)
                    || v.short_name.to_lowercase() == query
                {
                    1
                } else if v.label.to_lowercase().contains(&query) {
                    2
                } else {
                    3
                };
                (rank, v)
            })
            .collect();
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(b.1.id)));
        let total = hits.len();
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = page.clamp(1, pages);
        let variables = hits
            .into_iter()
            .skip((page - 1) * PAGE_SIZE)
            .take(PAGE_SIZE)
            .map(|(_, v)| v)
            .collect();
        Found {
            total,
            page,
            pages,
            variables,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn the_generated_dictionary_parses_with_codes_and_mappings() {
        let d = dictionary();
        assert!(d.len() > 500, "{} variables", d.len());
        let bene = d.get("bene_id").unwrap();
        assert_eq!(bene.id, "BENE_ID");
        assert!(!bene.description.is_empty());
        let race = d.get("BENE_RACE_CD").unwrap();
        assert!(race.codes.iter().any(|(c, m)| *c == "1" && *m == "White"));
        // The listings' column names reach their variable through its long name.
        let year = d.get("BENE_ENROLLMT_REF_YR").unwrap();
        assert!(year.mappings.iter().any(|m| m.resource == "Coverage"));
    }

    #[test]
    fn search_is_case_insensitive_ranks_names_first_and_pages() {
        let d = dictionary();
        let found = d.search("bene_id", 1);
        assert_eq!(found.variables[0].id, "BENE_ID");
        // A code's meaning finds its variable.
        let found = d.search("WHITE", 1);
        assert!(found.variables.iter().any(|v| v.id == "BENE_RACE_CD"));
        // Every word must match.
        assert_eq!(d.search("bene_id zzzz-no-such-word", 1).total, 0);
        let all = d.search("", 1);
        assert_eq!(all.total, d.len());
        assert_eq!(all.variables.len(), PAGE_SIZE);
        let last = d.search("", 10_000);
        assert_eq!(last.page, last.pages);
        assert!(!last.variables.is_empty());
    }
}
