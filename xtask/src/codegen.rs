//! `cargo xtask codegen`: turns BFD's RIF layouts (`data/reference/rif/mappings/*.yaml`)
//! into `crates/claims/src/layouts.rs` and the typed model `crates/claims/src/model.rs`, one static [`Layout`] per RIF file type with every
//! column in file order, its type, nullability, default and level (claim or line), and a
//! module of named column indexes. The output is committed; a test regenerates it and
//! fails when the committed file is stale.

use anyhow::{Context, anyhow, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The RIF file types we read, with their BFD mapping ids.
const FILES: &[(&str, &str, &str, Option<&str>)] = &[
    // (layout constant, RecordType variant, claim mapping, line mapping)
    ("BENEFICIARY", "Beneficiary", "Beneficiary", None),
    (
        "BENEFICIARY_HISTORY",
        "BeneficiaryHistory",
        "BeneficiaryHistory",
        None,
    ),
    (
        "CARRIER",
        "Carrier",
        "CarrierClaim",
        Some("CarrierClaimLine"),
    ),
    ("DME", "Dme", "DMEClaim", Some("DMEClaimLine")),
    ("HHA", "Hha", "HHAClaim", Some("HHAClaimLine")),
    (
        "HOSPICE",
        "Hospice",
        "HospiceClaim",
        Some("HospiceClaimLine"),
    ),
    (
        "INPATIENT",
        "Inpatient",
        "InpatientClaim",
        Some("InpatientClaimLine"),
    ),
    (
        "OUTPATIENT",
        "Outpatient",
        "OutpatientClaim",
        Some("OutpatientClaimLine"),
    ),
    ("SNF", "Snf", "SNFClaim", Some("SNFClaimLine")),
    ("PDE", "Pde", "PartDEvent", None),
];

#[derive(Deserialize)]
struct File {
    mappings: Vec<Mapping>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mapping {
    id: String,
    table: Table,
    #[serde(default)]
    enum_types: Vec<EnumType>,
    #[serde(default)]
    transformations: Vec<Transformation>,
}

#[derive(Deserialize)]
struct Table {
    name: String,
    columns: Vec<ColumnDef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ColumnDef {
    name: String,
    #[serde(default)]
    db_name: Option<String>,
    #[serde(default)]
    sql_type: Option<String>,
    #[serde(default)]
    java_type: Option<String>,
    #[serde(default = "yes")]
    nullable: bool,
    #[serde(default)]
    comment: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct EnumType {
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Transformation {
    from: String,
    to: String,
    #[serde(default)]
    transformer: Option<String>,
    #[serde(default)]
    default_value: Option<String>,
}

/// One generated column.
struct Col {
    rif: String,
    field: String,
    db: String,
    kind: String,
    nullable: bool,
    default: Option<String>,
    level: &'static str,
    comment: String,
}

/// One RIF file type with its columns in file order.
struct Spec {
    constant: &'static str,
    record: &'static str,
    claim_id: &'static str,
    line_id: Option<&'static str>,
    table: String,
    columns: Vec<Col>,
}

fn load(mappings: &Path) -> anyhow::Result<Vec<Spec>> {
    let mut by_id = BTreeMap::new();
    for entry in
        std::fs::read_dir(mappings).with_context(|| format!("read {}", mappings.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path)?;
            let file: File = serde_yaml_ng::from_str(&text)
                .with_context(|| format!("parse {}", path.display()))?;
            for mapping in file.mappings {
                by_id.insert(mapping.id.clone(), mapping);
            }
        }
    }
    let mut specs = Vec::new();
    for &(constant, record, claim_id, line_id) in FILES {
        let claim = by_id
            .get(claim_id)
            .ok_or_else(|| anyhow!("mapping {claim_id} missing"))?;
        let line = match line_id {
            Some(id) => Some(
                by_id
                    .get(id)
                    .ok_or_else(|| anyhow!("mapping {id} missing"))?,
            ),
            None => None,
        };
        let order = &claim
            .enum_types
            .first()
            .ok_or_else(|| anyhow!("{claim_id} has no column enum"))?
            .values;
        let mut columns = Vec::new();
        for rif in order {
            let (mapping, level) = match claim.transformations.iter().find(|t| &t.from == rif) {
                Some(_) => (claim, "Claim"),
                None => match line {
                    Some(line) if line.transformations.iter().any(|t| &t.from == rif) => {
                        (line, "Line")
                    }
                    _ => bail!("{claim_id}: RIF column {rif} has no transformation"),
                },
            };
            let transformation = mapping
                .transformations
                .iter()
                .find(|t| &t.from == rif)
                .ok_or_else(|| anyhow!("{rif}"))?;
            if transformation.transformer.as_deref() == Some("Array") {
                continue;
            }
            let def = mapping
                .table
                .columns
                .iter()
                .find(|c| c.name == transformation.to)
                .ok_or_else(|| {
                    anyhow!("{}: field {} has no column", mapping.id, transformation.to)
                })?;
            let comment = def
                .comment
                .as_deref()
                .map(|c| c.split(" (http").next().unwrap_or(c).trim().to_owned())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| rif.clone());
            columns.push(Col {
                rif: rif.clone(),
                field: transformation.to.clone(),
                db: def.db_name.clone().unwrap_or_default(),
                kind: kind_of(def).with_context(|| format!("{claim_id}.{rif}"))?,
                nullable: def.nullable,
                default: transformation.default_value.clone(),
                level,
                comment,
            });
        }
        specs.push(Spec {
            constant,
            record,
            claim_id,
            line_id,
            table: claim.table.name.clone(),
            columns,
        });
    }
    Ok(specs)
}

/// Renders `layouts.rs` from the mappings folder.
pub fn render(mappings: &Path) -> anyhow::Result<String> {
    let specs = load(mappings)?;
    let mut out = String::new();
    out.push_str(
        "//! RIF record layouts, GENERATED by `cargo xtask codegen` from\n\
         //! `data/reference/rif/mappings/*.yaml` (BFD's layouts). Do not edit by hand: change the\n\
         //! generator (`xtask/src/codegen.rs`) or the mappings and regenerate.\n\n\
         use crate::layout::{Column, Kind, Layout, Level, RecordType};\n\n",
    );
    for spec in &specs {
        let Spec {
            constant,
            record,
            claim_id,
            line_id,
            table,
            columns,
        } = spec;
        let count = columns.len();
        let _ = writeln!(
            out,
            "/// Layout of the {record} RIF file (BFD mapping `{claim_id}`{}; table `{table}`).",
            line_id
                .map(|l| format!(" with lines `{l}`"))
                .unwrap_or_default(),
        );
        let _ = writeln!(
            out,
            "pub static {constant}: Layout = Layout {{\n    record: RecordType::{record},\n    mapping: \"{claim_id}\",\n    table: \"{table}\",\n    columns: &{constant}_COLUMNS,\n}};\n",
        );
        let _ = writeln!(out, "static {constant}_COLUMNS: [Column; {count}] = [");
        for c in columns {
            let default = match &c.default {
                Some(v) => format!("Some({v:?})"),
                None => "None".into(),
            };
            let _ = writeln!(
                out,
                "    Column {{ rif: {:?}, field: {:?}, db: {:?}, kind: {}, nullable: {}, default: {default}, level: Level::{} }},",
                c.rif, c.field, c.db, c.kind, c.nullable, c.level
            );
        }
        out.push_str("];\n\n");
        let module = constant.to_ascii_lowercase();
        let _ = writeln!(
            out,
            "/// Column indexes of [`{constant}`], named by RIF column.\npub mod {module} {{"
        );
        for (index, c) in columns.iter().enumerate() {
            let _ = writeln!(
                out,
                "    /// {}\n    pub const {}: usize = {index};",
                escape_doc(&c.comment),
                c.rif
            );
        }
        out.push_str("}\n\n");
    }
    let _ = writeln!(
        out,
        "/// Every layout, in the order imports apply them (beneficiaries before claims).\npub static ALL: [&Layout; {}] = [{}];",
        specs.len(),
        specs
            .iter()
            .map(|s| format!("&{}", s.constant))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(out)
}

/// Struct names per layout: (record struct, line struct).
fn struct_names(constant: &str) -> (&'static str, Option<&'static str>) {
    match constant {
        "BENEFICIARY" => ("Beneficiary", None),
        "BENEFICIARY_HISTORY" => ("BeneficiaryHistory", None),
        "CARRIER" => ("CarrierClaim", Some("CarrierLine")),
        "DME" => ("DmeClaim", Some("DmeLine")),
        "HHA" => ("HhaClaim", Some("HhaLine")),
        "HOSPICE" => ("HospiceClaim", Some("HospiceLine")),
        "INPATIENT" => ("InpatientClaim", Some("InpatientLine")),
        "OUTPATIENT" => ("OutpatientClaim", Some("OutpatientLine")),
        "SNF" => ("SnfClaim", Some("SnfLine")),
        _ => ("PartDEvent", None),
    }
}

/// The Rust type of a column's value: a code newtype where the CCW variable is a code with
/// rules, else by SQL type.
fn value_type(c: &Col) -> String {
    let db = c.db.as_str();
    let numbered = |prefix: &str| {
        db.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if c.kind.starts_with("Kind::Text") || c.kind == "Kind::Char" {
        if db == "mbi_num" {
            return "Mbi".into();
        }
        if db.contains("npi") {
            return "Npi".into();
        }
        if db == "hcpcs_cd" {
            return "Hcpcs".into();
        }
        if matches!(db, "prncpal_dgns_cd" | "admtg_dgns_cd" | "line_icd_dgns_cd")
            || numbered("icd_dgns_cd")
            || numbered("icd_prcdr_cd")
        {
            return "IcdCode".into();
        }
        if matches!(db, "line_ndc_cd" | "prod_srvc_id") {
            return "Ndc".into();
        }
    }
    match c.kind.as_str() {
        "Kind::Integer" => "i64".into(),
        "Kind::Date" => "NaiveDate".into(),
        "Kind::Char" => "char".into(),
        k if k.starts_with("Kind::Decimal") => "Decimal".into(),
        _ => "String".into(),
    }
}

/// Numbered column groups of a struct (`icd_dgns_cd1` … `icd_dgns_cd25`): accessors that
/// return the fields in order and consts with their CCW names, so renderers and the
/// generator loop over slots instead of spelling out every number.
fn render_slots(out: &mut String, struct_name: &str, cols: &[(usize, &Col)]) {
    let mut groups: BTreeMap<String, Vec<(u32, String, String)>> = BTreeMap::new();
    for (_, c) in cols {
        let field = rust_field(c);
        let digits = field.len() - field.trim_end_matches(|ch: char| ch.is_ascii_digit()).len();
        if digits == 0 || digits == field.len() {
            continue;
        }
        let (prefix, number) = field.split_at(field.len() - digits);
        if number.starts_with('0') {
            continue;
        }
        let Ok(n) = number.parse::<u32>() else {
            continue;
        };
        let ty = value_type(c);
        let ty = if c.nullable && c.default.is_none() {
            format!("Option<{ty}>")
        } else {
            ty
        };
        groups
            .entry(prefix.to_owned())
            .or_default()
            .push((n, field.clone(), ty));
    }
    let mut methods = String::new();
    for (prefix, mut fields) in groups {
        fields.sort();
        let contiguous = fields
            .iter()
            .enumerate()
            .all(|(i, (n, _, _))| *n as usize == i + 1);
        let same_type = fields.iter().all(|(_, _, t)| *t == fields[0].2);
        if fields.len() < 2 || !contiguous || !same_type {
            continue;
        }
        let name = prefix.trim_end_matches('_');
        let count = fields.len();
        let ty = &fields[0].2;
        let _ = writeln!(
            methods,
            "    /// `{}` … `{}`, in order.\n    pub fn {name}_slots(&self) -> [&{ty}; {count}] {{\n        [{}]\n    }}\n",
            fields[0].1,
            fields[count - 1].1,
            fields
                .iter()
                .map(|(_, f, _)| format!("&self.{f}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            methods,
            "    /// The CCW names of [`Self::{name}_slots`].\n    pub const {}_NAMES: [&'static str; {count}] = [{}];\n",
            name.to_ascii_uppercase(),
            fields
                .iter()
                .map(|(_, f, _)| format!("{f:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !methods.is_empty() {
        let _ = writeln!(
            out,
            "impl {struct_name} {{\n{}}}\n",
            methods.trim_end_matches('\n')
        );
    }
}

fn rust_field(c: &Col) -> String {
    let name = if c.db.is_empty() {
        snake(&c.field)
    } else {
        c.db.to_ascii_lowercase()
    };
    match name.as_str() {
        "type" | "ref" | "mod" | "use" | "move" | "match" => format!("r#{name}"),
        _ => name,
    }
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for ch in camel.chars() {
        if ch.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Renders `model.rs`: one struct per record (and per claim line), with RIF, binary and
/// key accessors.
pub fn render_model(mappings: &Path) -> anyhow::Result<String> {
    let specs = load(mappings)?;
    let mut out = String::new();
    out.push_str(
        "//! The canonical model: one struct per RIF record type, one field per column, GENERATED by\n\
         //! `cargo xtask codegen` from `data/reference/rif/mappings/*.yaml`. Do not edit by hand.\n\
         //!\n\
         //! Fields are named by CCW variable (the lower-case RIF column, as in the FHIR extension\n\
         //! URLs `https://bluebutton.cms.gov/resources/variables/<name>`). A field is an `Option`\n\
         //! when the column is nullable and has no default.\n\n\
         #![allow(clippy::too_many_lines)]\n\n\
         use crate::codes::{Hcpcs, IcdCode, Mbi, Ndc, Npi};\n\
         use crate::field::{Decoder, Encoder, DecodeError, FieldError};\n\
         use crate::layout::{Layout, RecordType};\n\
         use crate::layouts;\n\
         use crate::record::{Claim, ClaimKey, NoLine, Record, field, put_field};\n\
         use crate::value::Decimal;\n\
         use chrono::NaiveDate;\n\n",
    );
    let mut claims = Vec::new();
    for spec in &specs {
        let (name, line_name) = struct_names(spec.constant);
        let levels: Vec<(&str, &str)> = match line_name {
            Some(line) => vec![(name, "Claim"), (line, "Line")],
            None => vec![(name, "Claim")],
        };
        for (struct_name, level) in levels {
            let cols: Vec<(usize, &Col)> = spec
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.level == level)
                .collect();
            let optional = cols
                .iter()
                .filter(|(_, c)| c.nullable && c.default.is_none())
                .count();
            let what = if level == "Line" {
                format!("A line of a {} claim", spec.record)
            } else {
                format!("A {} record", spec.record)
            };
            let _ = writeln!(
                out,
                "/// {what}: the {} columns of [`layouts::{}`].",
                level.to_ascii_lowercase(),
                spec.constant
            );
            out.push_str("#[derive(Clone, Debug, PartialEq, Eq)]\n");
            let _ = writeln!(out, "pub struct {struct_name} {{");
            for (_, c) in &cols {
                let ty = value_type(c);
                let ty = if c.nullable && c.default.is_none() {
                    format!("Option<{ty}>")
                } else {
                    ty
                };
                let _ = writeln!(
                    out,
                    "    /// {} (`{}`).\n    pub {}: {ty},",
                    escape_doc(&c.comment),
                    c.rif,
                    rust_field(c)
                );
            }
            let has_lines = level == "Claim" && line_name.is_some();
            if let (true, Some(line)) = (has_lines, line_name) {
                let _ = writeln!(
                    out,
                    "    /// The claim's lines, in file order.\n    pub lines: Vec<{line}>,"
                );
            }
            out.push_str("}\n\n");
            render_slots(&mut out, struct_name, &cols);
            let _ = writeln!(out, "impl Record for {struct_name} {{");
            let _ = writeln!(
                out,
                "    const LAYOUT: &'static Layout = &layouts::{};\n",
                spec.constant
            );
            out.push_str("    fn from_row(row: &[&str]) -> Result<Self, FieldError> {\n        let cols = Self::LAYOUT.columns;\n        Ok(Self {\n");
            for (i, c) in &cols {
                let _ = writeln!(
                    out,
                    "            {}: field(row, cols, {i})?,",
                    rust_field(c)
                );
            }
            if has_lines {
                out.push_str("            lines: Vec::new(),\n");
            }
            out.push_str("        })\n    }\n\n    fn to_row(&self, row: &mut [String]) {\n");
            for (i, c) in &cols {
                let _ = writeln!(out, "        put_field(row, {i}, &self.{});", rust_field(c));
            }
            let _ = writeln!(
                out,
                "    }}\n\n    fn encode(&self, out: &mut Vec<u8>) {{\n        let mut e = Encoder::new(out, {optional});"
            );
            for (_, c) in &cols {
                let _ = writeln!(out, "        e.put(&self.{});", rust_field(c));
            }
            if has_lines {
                out.push_str("        crate::record::encode_lines(&self.lines, out);\n");
            }
            let _ = writeln!(
                out,
                "    }}\n\n    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {{\n        let mut d = Decoder::new(input, {optional})?;"
            );
            out.push_str(if has_lines {
                "        let mut record = Self {\n"
            } else {
                "        Ok(Self {\n"
            });
            for (_, c) in &cols {
                let _ = writeln!(out, "            {}: d.take()?,", rust_field(c));
            }
            if has_lines {
                out.push_str("            lines: Vec::new(),\n        };\n        record.lines = crate::record::decode_lines(input)?;\n        Ok(record)\n    }\n}\n\n");
            } else {
                out.push_str("        })\n    }\n}\n\n");
            }
        }
        if spec.record != "Beneficiary" && spec.record != "BeneficiaryHistory" {
            let line = line_name.unwrap_or("NoLine");
            let (id, from, thru) = if spec.record == "Pde" {
                ("pde_id", "srvc_dt", "srvc_dt")
            } else {
                ("clm_id", "clm_from_dt", "clm_thru_dt")
            };
            let wrap = |f: &str| -> String {
                let c = spec.columns.iter().find(|c| c.db == f);
                match c {
                    Some(c) if c.nullable && c.default.is_none() => format!("self.{f}"),
                    Some(_) => format!("Some(self.{f})"),
                    None => "None".into(),
                }
            };
            let _ = writeln!(out, "impl Claim for {name} {{\n    type Line = {line};\n");
            let _ = writeln!(
                out,
                "    fn key(&self) -> ClaimKey {{\n        ClaimKey {{ record: RecordType::{}, claim_id: self.{id}, bene_id: self.bene_id, from: {}, thru: {} }}\n    }}\n",
                spec.record,
                wrap(from),
                wrap(thru)
            );
            if line_name.is_some() {
                out.push_str("    fn lines(&self) -> &[Self::Line] {\n        &self.lines\n    }\n\n    fn push_line(&mut self, line: Self::Line) {\n        self.lines.push(line);\n    }\n}\n\n");
            } else {
                out.push_str("    fn lines(&self) -> &[Self::Line] {\n        &[]\n    }\n\n    fn push_line(&mut self, _: Self::Line) {}\n}\n\n");
            }
            claims.push((spec.record, name));
        }
    }
    out.push_str("/// A claim of any of the eight types.\n#[derive(Clone, Debug, PartialEq, Eq)]\npub enum AnyClaim {\n");
    for (record, name) in &claims {
        let _ = writeln!(out, "    /// See [`{name}`].\n    {record}(Box<{name}>),");
    }
    out.push_str("}\n\nimpl AnyClaim {\n    /// The claim's key: type, ids and service period.\n    pub fn key(&self) -> ClaimKey {\n        match self {\n");
    for (record, _) in &claims {
        let _ = writeln!(out, "            Self::{record}(c) => c.key(),");
    }
    out.push_str("        }\n    }\n\n    /// Appends the binary form (without the type, which the store keeps beside it).\n    pub fn encode(&self, out: &mut Vec<u8>) {\n        match self {\n");
    for (record, _) in &claims {
        let _ = writeln!(out, "            Self::{record}(c) => c.encode(out),");
    }
    out.push_str("        }\n    }\n\n    /// Reads the binary form of a claim of type `record`.\n    pub fn decode(record: RecordType, mut input: &[u8]) -> Result<Self, DecodeError> {\n        let input = &mut input;\n        Ok(match record {\n");
    for (record, name) in &claims {
        let _ = writeln!(
            out,
            "            RecordType::{record} => Self::{record}(Box::new({name}::decode(input)?)),"
        );
    }
    out.push_str("            RecordType::Beneficiary | RecordType::BeneficiaryHistory => return Err(DecodeError(\"not a claim type\")),\n        })\n    }\n}\n\n");
    for (record, name) in &claims {
        let _ = writeln!(
            out,
            "impl From<{name}> for AnyClaim {{\n    fn from(c: {name}) -> Self {{\n        Self::{record}(Box::new(c))\n    }}\n}}\n"
        );
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

fn escape_doc(text: &str) -> String {
    text.replace(['[', ']'], "")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn kind_of(def: &ColumnDef) -> anyhow::Result<String> {
    let sql = def
        .sql_type
        .clone()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (base, args) = match sql.split_once('(') {
        Some((b, rest)) => (b.trim().to_owned(), rest.trim_end_matches(')').to_owned()),
        None => (sql.trim().to_owned(), String::new()),
    };
    Ok(match base.as_str() {
        "bigint" | "integer" | "smallint" => "Kind::Integer".into(),
        "numeric" => {
            let scale = args.split(',').nth(1).map(str::trim).unwrap_or("0");
            format!("Kind::Decimal {{ scale: {scale} }}")
        }
        "date" => "Kind::Date".into(),
        "char" => {
            let len: u16 = if args.is_empty() { 1 } else { args.parse()? };
            if len == 1 && matches!(def.java_type.as_deref(), None | Some("char" | "Character")) {
                "Kind::Char".into()
            } else {
                format!("Kind::Text {{ max: {len} }}")
            }
        }
        "varchar" => format!("Kind::Text {{ max: {} }}", args.parse::<u16>()?),
        other => bail!("unsupported sqlType {other:?}"),
    })
}
