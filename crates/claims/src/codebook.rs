//! The valid values of CCW codebook variables and their labels, from `data/ccw-values.tsv`
//! (rendered from the CCW codebooks in `data/reference/ccw/` by `cargo xtask codebooks`; its
//! header describes the rows). The generator draws values from here; the FHIR renderer takes
//! the `display` of a coded CCW variable from here, as BFD does from the same codebooks.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A code with its display text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    /// The code as claims carry it (`"E119"`, `"0450"`, `"470"`).
    pub code: &'static str,
    /// Human-readable meaning.
    pub display: &'static str,
}

/// The rendered codebooks.
const CCW_VALUES: &str = include_str!("../data/ccw-values.tsv");

/// One `<valueGroup>` of a codebook variable: a list of values, and the codebook's note on when
/// they apply (empty when it has none), e.g. "For facility type code 7 (clinics):".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CcwValueGroup {
    description: &'static str,
    values: Vec<Code>,
}

impl CcwValueGroup {
    /// The codebook's note on this group; empty when it has none.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The group's values, in codebook order, repeats included.
    pub fn values(&self) -> &[Code] {
        &self.values
    }
}

/// One variable: the union of its groups' values (first label of each code) and the groups.
#[derive(Debug, Default)]
struct Variable {
    values: Vec<Code>,
    groups: Vec<CcwValueGroup>,
}

/// Every variable with values, and the aliases that name them.
#[derive(Debug, Default)]
pub struct Ccw {
    variables: HashMap<&'static str, Variable>,
    /// Variable ids in file order.
    ids: Vec<&'static str>,
    aliases: HashMap<&'static str, &'static str>,
}

static CCW: LazyLock<Ccw> = LazyLock::new(|| parse_codebook(CCW_VALUES).unwrap_or_default());

/// Parses rendered codebooks (the format of `data/ccw-values.tsv`); `Err` names the first line that is not of the format.
pub fn parse_codebook(text: &'static str) -> Result<Ccw, String> {
    let mut ccw = Ccw::default();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&'static str> = line.split('\t').collect();
        match fields[..] {
            [alias, id] if !alias.is_empty() && !id.is_empty() => {
                ccw.aliases.insert(alias, id);
            }
            [id, group, code, label] if !id.is_empty() => {
                let group: usize = group
                    .parse()
                    .ok()
                    .filter(|g| *g > 0)
                    .ok_or_else(|| format!("line {}: bad group {group:?}", n + 1))?;
                let var = ccw.variables.entry(id).or_insert_with(|| {
                    ccw.ids.push(id);
                    Variable::default()
                });
                if var.groups.len() < group {
                    var.groups.resize_with(group, CcwValueGroup::default);
                }
                let g = &mut var.groups[group - 1];
                if code.is_empty() {
                    g.description = label;
                } else {
                    let value = Code {
                        code,
                        display: label,
                    };
                    g.values.push(value);
                    if !var.values.iter().any(|v| v.code == code) {
                        var.values.push(value);
                    }
                }
            }
            _ => return Err(format!("line {}: not a value or alias row", n + 1)),
        }
    }
    if let Some((alias, id)) = ccw
        .aliases
        .iter()
        .find(|(_, id)| !ccw.variables.contains_key(*id))
    {
        return Err(format!("alias {alias} names {id}, which has no values"));
    }
    Ok(ccw)
}

impl Ccw {
    fn variable(&self, name: &str) -> Option<&Variable> {
        let find = |name: &str| {
            self.variables
                .get(name)
                .or_else(|| self.aliases.get(name).and_then(|id| self.variables.get(id)))
        };
        find(name).or_else(|| find(&name.to_ascii_uppercase()))
    }
}

/// The valid values of a CCW variable as the codebooks list them, each code once (with its
/// first label), in codebook order; empty when the codebooks list no values for it.
///
/// `variable` is the codebook's variable id (`NCH_CLM_TYPE_CD`, `BENE_RACE_CD`, `RACE`), or a
/// long or short name the codebooks give it (`BENE_SEX_IDENT_CD` for `SEX`), in any case.
/// The values are the codebooks', quirks included: besides real codes, some lists hold `Blank`
/// (the empty value), ranges (`35-40` in `LINE_PLACE_OF_SRVC_CD`), "Unassigned" and "Reserved"
/// entries, "Unknown Value (but present in data)" codes, and a few fragments of the codebook's
/// prose parsed as codes (`TOB` in `PRVDR_NUM`, `switch` in `DEMO_ID_NUM`). Filter before
/// drawing, or use the curated tables ([`super::place_of_service`], [`super::revenue_centers`]).
pub fn ccw_values(variable: &str) -> &'static [Code] {
    CCW.variable(variable)
        .map(|v| v.values.as_slice())
        .unwrap_or_default()
}

/// The codebook's value groups of a variable (named as for [`ccw_values`]): most variables
/// have one, some several whose values apply in different cases (e.g. `CLM_SRVC_CLSFCTN_TYPE_CD`
/// by facility type, `CARR_CLM_PMT_DNL_CD` current and pre-2011 codes) and may repeat codes
/// with other meanings. Empty when the variable is unknown.
pub fn ccw_value_groups(variable: &str) -> &'static [CcwValueGroup] {
    CCW.variable(variable)
        .map(|v| v.groups.as_slice())
        .unwrap_or_default()
}

/// The display BFD gives a code of a CCW variable (`variable` as for [`ccw_values`], any
/// case): the code's label when exactly one value of the variable's codebook entry has that
/// code, else `None` — BFD leaves the display out when a code is ambiguous (e.g.
/// `CLM_SRVC_CLSFCTN_TYPE_CD` lists codes per facility type). Built once into a map, so a
/// lookup is two hash probes (the FHIR renderer makes thousands per page).
pub fn unique_display(variable: &str, code: &str) -> Option<&'static str> {
    type Codes = HashMap<&'static str, Option<&'static str>, Fnv>;
    static MAP: LazyLock<HashMap<String, Codes, Fnv>> = LazyLock::new(|| {
        let mut map: HashMap<String, Codes, Fnv> = HashMap::default();
        for (id, variable) in &CCW.variables {
            let mut codes = Codes::default();
            for value in variable.groups.iter().flat_map(|g| g.values.iter()) {
                codes
                    .entry(value.code)
                    .and_modify(|d| *d = None)
                    .or_insert(Some(value.display));
            }
            map.insert(id.to_ascii_lowercase(), codes);
        }
        // Aliases (long and short names) in lower case too: renderers pass the lower-case
        // variable of the URL, so a lookup needs no case conversion.
        for (alias, id) in &CCW.aliases {
            if let Some(codes) = map.get(&id.to_ascii_lowercase()).cloned() {
                map.entry(alias.to_ascii_lowercase()).or_insert(codes);
            }
        }
        map
    });
    match MAP.get(variable) {
        Some(codes) => codes.get(code).copied().flatten(),
        None => MAP
            .get(&variable.to_ascii_lowercase())?
            .get(code)
            .copied()
            .flatten(),
    }
}

/// FNV-1a: a fast hash for the short, trusted keys of the codebook maps (SipHash's DoS
/// resistance buys nothing for static data and costs a third of a lookup).
#[derive(Clone, Copy, Default)]
struct Fnv;

/// The state of an FNV-1a hash.
struct FnvHasher(u64);

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The ids of all variables that have values, in codebook order.
pub fn ccw_variables() -> &'static [&'static str] {
    &CCW.ids
}
