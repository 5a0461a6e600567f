//! Typed FHIR R4 resources as Blue Button 2.0 (BB2/BFD) serves them: [`Patient`],
//! [`Coverage`], [`ExplanationOfBenefit`] and [`Bundle`], with the data types they use.
//!
//! These are the *reading* side, for clients (the SDK, the sample app); the server writes
//! its responses with [`crate::json`] and never builds these values.
//!
//! Every struct carries the fields apps use, and keeps every other member in
//! `extra` (`#[serde(flatten)]`), so a resource read and written again is the same JSON:
//! nothing the server sent is lost. Decimals are [`serde_json::Number`], which keeps the
//! number as written (`42` stays an integer, `42.0` a float). Dates and times are the
//! strings FHIR sends (a `date` may be just a year).

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Number, Value};

/// Members not modelled by a struct, kept as they came.
pub type Extra = Map<String, Value>;

/// `Meta`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    /// When the resource last changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// Profiles the resource claims.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profile: Vec<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Extension`: a URL and one `value[x]` or nested extensions. The common value types
/// are fields; any other `value[x]` stays in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Extension {
    /// What the extension means.
    pub url: String,
    /// Nested extensions (complex extensions such as US Core race).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `valueCoding`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
    /// `valueString`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    /// `valueCode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    /// `valueDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_date: Option<String>,
    /// `valueQuantity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    /// `valueMoney`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_money: Option<Money>,
    /// `valueIdentifier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_identifier: Option<Identifier>,
    /// `valueReference`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_reference: Option<Reference>,
    /// `valuePeriod`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_period: Option<Period>,
    /// `valueBoolean`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    /// Other members (other `value[x]` types).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Coding`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Coding {
    /// Extensions (BB2: identifier currency).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// The code system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The code system's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its display text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `CodeableConcept`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CodeableConcept {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// The codings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// Plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl CodeableConcept {
    /// The first coding of `system`.
    pub fn coding_of(&self, system: &str) -> Option<&Coding> {
        self.coding
            .iter()
            .find(|c| c.system.as_deref() == Some(system))
    }

    /// Something readable: the text, else the first display, else the first code.
    pub fn label(&self) -> Option<&str> {
        self.text
            .as_deref()
            .or_else(|| self.coding.iter().find_map(|c| c.display.as_deref()))
            .or_else(|| self.coding.iter().find_map(|c| c.code.as_deref()))
    }
}

/// `Period`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Period {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Start (date or dateTime).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End (date or dateTime).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Identifier`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Identifier {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `usual | official | temp | secondary | old`.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// What kind of identifier.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<CodeableConcept>,
    /// The namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// When it was valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Reference`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Reference {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// A literal reference, e.g. `Patient/-19990000000001`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The referenced resource's type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// A logical reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Box<Identifier>>,
    /// Display text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Money`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Money {
    /// The amount, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Number>,
    /// ISO 4217 currency (BB2: `USD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Money {
    /// The amount as a float (0 when absent); for display and sums, not for accounting.
    pub fn amount(&self) -> f64 {
        self.value.as_ref().and_then(Number::as_f64).unwrap_or(0.0)
    }
}

/// `Quantity` (also `SimpleQuantity`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Quantity {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// The value, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Number>,
    /// Unit text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Unit system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Unit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `HumanName`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HumanName {
    /// `usual | official | …`.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// The whole name as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names (BB2: first name and middle initial).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
    /// Prefixes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefix: Vec<String>,
    /// Suffixes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suffix: Vec<String>,
    /// When the name was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl HumanName {
    /// Given names then family name, space-separated (`text` when present).
    pub fn display(&self) -> String {
        if let Some(text) = &self.text {
            return text.clone();
        }
        let mut parts: Vec<&str> = self.given.iter().map(String::as_str).collect();
        parts.extend(self.family.as_deref());
        parts.join(" ")
    }
}

/// `Address`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `home | work | …`.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// The whole address as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Street lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub line: Vec<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// County.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// State (BB2: SSA state code or USPS abbreviation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ZIP code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// FHIR `Patient` as BB2 serves it (C4BB Patient).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Patient {
    /// Always `"Patient"`.
    pub resource_type: String,
    /// The FHIR id (BB2: the beneficiary id, negative for synthetic data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Meta.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Extensions (race, sex, dual eligibility, reference year).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Identifiers: MBI (current/historic), bene_id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// `male | female | other | unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Date of birth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// `deceasedBoolean`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deceased_boolean: Option<bool>,
    /// `deceasedDateTime`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deceased_date_time: Option<String>,
    /// Addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Coverage.class`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CoverageClass {
    /// `group | plan | …`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<CodeableConcept>,
    /// The value (BB2: `Medicare`, `Part A`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// FHIR `Coverage` as BB2 serves it: one per Medicare part (A, B, C, D).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Coverage {
    /// Always `"Coverage"`.
    pub resource_type: String,
    /// The FHIR id, e.g. `part-a--19990000000001`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Meta.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Extensions (entitlement reasons, buy-in, dual status per month, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `active | cancelled | …`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The coverage type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<CodeableConcept>,
    /// The subscriber's id (BB2: the MBI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber_id: Option<String>,
    /// The beneficiary (`Patient/…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<Reference>,
    /// Relationship to the subscriber.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relationship: Option<CodeableConcept>,
    /// When the coverage is in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The payer (BB2: CMS).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payor: Vec<Reference>,
    /// Group and plan.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub class: Vec<CoverageClass>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ExplanationOfBenefit.careTeam`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CareTeam {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Number referred to by items.
    pub sequence: u32,
    /// The practitioner or organization (BB2: NPI identifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Reference>,
    /// Whether the provider is billing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible: Option<bool>,
    /// `primary | rendering | referring | …`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<CodeableConcept>,
    /// Specialty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualification: Option<CodeableConcept>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ExplanationOfBenefit.supportingInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SupportingInfo {
    /// Number referred to by items.
    pub sequence: u32,
    /// What it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<CodeableConcept>,
    /// Its code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    /// `timingDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing_date: Option<String>,
    /// `timingPeriod`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing_period: Option<Period>,
    /// Other members (`value[x]`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ExplanationOfBenefit.diagnosis`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Diagnosis {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Number referred to by items.
    pub sequence: u32,
    /// The diagnosis (ICD-9/10 codings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis_codeable_concept: Option<CodeableConcept>,
    /// `principal | admitting | …`.
    #[serde(rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub type_: Vec<CodeableConcept>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ExplanationOfBenefit.procedure`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Procedure {
    /// Procedure number.
    pub sequence: u32,
    /// When it was performed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The procedure (ICD codings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure_codeable_concept: Option<CodeableConcept>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ExplanationOfBenefit.insurance`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EobInsurance {
    /// Whether this coverage is the one adjudicated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focal: Option<bool>,
    /// The coverage (`Coverage/part-a-…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Reference>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Adjudication` (of an item or of the claim).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Adjudication {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// What the amount is (allowed, paid to provider, deductible, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<CodeableConcept>,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<CodeableConcept>,
    /// The amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// A non-monetary value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Number>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ExplanationOfBenefit.item`: one line of the claim.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Item {
    /// Extensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Line number.
    pub sequence: u32,
    /// Care team members of this line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub care_team_sequence: Vec<u32>,
    /// Diagnoses of this line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnosis_sequence: Vec<u32>,
    /// Supporting information of this line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub information_sequence: Vec<u32>,
    /// Revenue center code (institutional claims).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue: Option<CodeableConcept>,
    /// Type of service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<CodeableConcept>,
    /// The service or product (HCPCS, NDC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_or_service: Option<CodeableConcept>,
    /// Modifiers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modifier: Vec<CodeableConcept>,
    /// `servicedDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serviced_date: Option<String>,
    /// `servicedPeriod`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serviced_period: Option<Period>,
    /// `locationCodeableConcept`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_codeable_concept: Option<CodeableConcept>,
    /// `locationAddress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_address: Option<Address>,
    /// Count of services.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// The line's amounts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjudication: Vec<Adjudication>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ExplanationOfBenefit.total`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Total {
    /// What the total is (submitted, paid, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<CodeableConcept>,
    /// The amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ExplanationOfBenefit.payment`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Payment {
    /// `complete | partial`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<CodeableConcept>,
    /// When it was paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// How much was paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// FHIR `ExplanationOfBenefit` as BB2 serves it: one claim (carrier, DME, HHA, hospice,
/// inpatient, outpatient, SNF or Part D event).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExplanationOfBenefit {
    /// Always `"ExplanationOfBenefit"`.
    pub resource_type: String,
    /// The FHIR id, `<claim type>-<claim id>`, e.g. `carrier-9991831999`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Meta (its profile tells the C4BB claim kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Contained resources (BB2: observations, organizations), kept as JSON.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contained: Vec<Value>,
    /// Extensions (the claim's CCW variables).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Claim identifiers (`clm_id`, `clm_grp_id`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// `active | cancelled | …`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Claim type (NCH claim type, `eob-type` such as `CARRIER`, C4BB type).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<CodeableConcept>,
    /// Claim subtype.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<CodeableConcept>,
    /// `claim | preauthorization | predetermination`.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// The patient (`Patient/…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<Reference>,
    /// The service period the claim covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billable_period: Option<Period>,
    /// When the claim was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The insurer (CMS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insurer: Option<Reference>,
    /// The billing provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Reference>,
    /// The facility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<Reference>,
    /// The referral.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<Reference>,
    /// `queued | complete | error | partial`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Disposition text or code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
    /// Providers involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub care_team: Vec<CareTeam>,
    /// Dates, codes and values supporting the claim.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supporting_info: Vec<SupportingInfo>,
    /// Diagnoses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnosis: Vec<Diagnosis>,
    /// Procedures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub procedure: Vec<Procedure>,
    /// Coverages adjudicated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub insurance: Vec<EobInsurance>,
    /// Claim lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<Item>,
    /// Claim-level adjudications.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjudication: Vec<Adjudication>,
    /// Claim totals.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub total: Vec<Total>,
    /// The payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    /// Benefit balances, kept as JSON.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub benefit_balance: Vec<Value>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// BB2's claim types, from the `eob-type` coding of `ExplanationOfBenefit.type`.
pub const EOB_TYPE_SYSTEM: &str = "https://bluebutton.cms.gov/resources/codesystem/eob-type";

impl ExplanationOfBenefit {
    /// The claim type code (`CARRIER`, `DME`, `HHA`, `HOSPICE`, `INPATIENT`, `OUTPATIENT`,
    /// `SNF`, `PDE`), from the `eob-type` coding.
    pub fn claim_type(&self) -> Option<&str> {
        self.type_
            .as_ref()?
            .coding_of(EOB_TYPE_SYSTEM)?
            .code
            .as_deref()
    }

    /// The first date of service: `billablePeriod.start`, else the first item's
    /// `servicedDate` or `servicedPeriod.start` (Part D events have no billable period).
    pub fn service_date(&self) -> Option<&str> {
        self.billable_period
            .as_ref()
            .and_then(|p| p.start.as_deref())
            .or_else(|| {
                self.item.iter().find_map(|i| {
                    i.serviced_date
                        .as_deref()
                        .or_else(|| i.serviced_period.as_ref()?.start.as_deref())
                })
            })
    }

    /// The year of [`Self::service_date`].
    pub fn service_year(&self) -> Option<i32> {
        self.service_date()?.get(..4)?.parse().ok()
    }

    /// `payment.amount` as a float (0 when absent).
    pub fn payment_amount(&self) -> f64 {
        self.payment
            .as_ref()
            .and_then(|p| p.amount.as_ref())
            .map_or(0.0, Money::amount)
    }
}

/// `Bundle.link`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BundleLink {
    /// `self | first | previous | next | last`.
    pub relation: String,
    /// The absolute URL.
    pub url: String,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Bundle.entry`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(serialize = "R: Serialize", deserialize = "R: Deserialize<'de>"))]
pub struct BundleEntry<R = Resource> {
    /// The resource's absolute URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    /// The resource.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub resource: Option<R>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

fn none<R>() -> Option<R> {
    None
}

/// FHIR `Bundle` (BB2: `searchset` with `total` and paging links). `R` is the entries'
/// resource type: [`Resource`] by default, or one of [`Patient`], [`Coverage`],
/// [`ExplanationOfBenefit`], or [`serde_json::Value`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(serialize = "R: Serialize", deserialize = "R: Deserialize<'de>"))]
pub struct Bundle<R = Resource> {
    /// Always `"Bundle"`.
    pub resource_type: String,
    /// The bundle's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Meta.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `searchset` for searches.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// Matches in all pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Paging links (`self`, `first`, `previous`, `next`, `last`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    /// This page's entries.
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry<R>>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<R> Bundle<R> {
    /// The URL of the link with `relation` (`next`, `previous`, …).
    pub fn link(&self, relation: &str) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation == relation)
            .map(|l| l.url.as_str())
    }

    /// The `next` link: the page after this one.
    pub fn next_link(&self) -> Option<&str> {
        self.link("next")
    }

    /// This page's resources.
    pub fn resources(&self) -> impl Iterator<Item = &R> {
        self.entry.iter().filter_map(|e| e.resource.as_ref())
    }

    /// Takes this page's resources.
    pub fn into_resources(self) -> impl Iterator<Item = R> {
        self.entry.into_iter().filter_map(|e| e.resource)
    }
}

/// Any resource a BB2 response carries, chosen by `resourceType`; other types stay JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum Resource {
    /// `Patient`.
    Patient(Box<Patient>),
    /// `Coverage`.
    Coverage(Box<Coverage>),
    /// `ExplanationOfBenefit`.
    ExplanationOfBenefit(Box<ExplanationOfBenefit>),
    /// `Bundle`.
    Bundle(Box<Bundle>),
    /// `OperationOutcome`.
    OperationOutcome(crate::OperationOutcome),
    /// Anything else (e.g. `CapabilityStatement`), as JSON.
    Other(Value),
}

impl Resource {
    /// Reads a resource from JSON, typed by its `resourceType`.
    ///
    /// # Errors
    /// When a known type does not match its model (e.g. a string where an object belongs).
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        let kind = value
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(match kind.as_str() {
            "Patient" => Self::Patient(Box::new(serde_json::from_value(value)?)),
            "Coverage" => Self::Coverage(Box::new(serde_json::from_value(value)?)),
            "ExplanationOfBenefit" => {
                Self::ExplanationOfBenefit(Box::new(serde_json::from_value(value)?))
            }
            "Bundle" => Self::Bundle(Box::new(serde_json::from_value(value)?)),
            "OperationOutcome" => match serde_json::from_value(value.clone()) {
                Ok(outcome) => Self::OperationOutcome(outcome),
                Err(_) => Self::Other(value),
            },
            _ => Self::Other(value),
        })
    }

    /// The `resourceType`.
    pub fn resource_type(&self) -> &str {
        match self {
            Self::Patient(_) => "Patient",
            Self::Coverage(_) => "Coverage",
            Self::ExplanationOfBenefit(_) => "ExplanationOfBenefit",
            Self::Bundle(_) => "Bundle",
            Self::OperationOutcome(_) => "OperationOutcome",
            Self::Other(v) => v
                .get("resourceType")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        }
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Patient(r) => r.serialize(serializer),
            Self::Coverage(r) => r.serialize(serializer),
            Self::ExplanationOfBenefit(r) => r.serialize(serializer),
            Self::Bundle(r) => r.serialize(serializer),
            Self::OperationOutcome(r) => r.serialize(serializer),
            Self::Other(r) => r.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(value).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_members_survive_a_round_trip() {
        let original = json!({
            "resourceType": "Patient",
            "id": "-1",
            "name": [{"use": "usual", "family": "DOE", "given": ["JANE"], "_family": {"id": "x"}}],
            "maritalStatus": {"text": "unknown"},
            "multipleBirthInteger": 2
        });
        let patient: Patient = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(patient.name[0].display(), "JANE DOE");
        assert!(patient.extra.contains_key("maritalStatus"));
        assert_eq!(serde_json::to_value(&patient).unwrap(), original);
    }

    #[test]
    fn numbers_keep_their_form() {
        let original = json!({"value": 42, "currency": "USD"});
        let money: Money = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(serde_json::to_value(&money).unwrap(), original);
        let original = json!({"value": 42.0, "currency": "USD"});
        let money: Money = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(serde_json::to_value(&money).unwrap(), original);
        assert!((money.amount() - 42.0).abs() < f64::EPSILON);
    }

    #[test]
    fn resource_dispatches_on_resource_type() {
        let r: Resource =
            serde_json::from_value(json!({"resourceType": "Coverage", "status": "active"}))
                .unwrap();
        assert!(matches!(r, Resource::Coverage(ref c) if c.status.as_deref() == Some("active")));
        let r: Resource =
            serde_json::from_value(json!({"resourceType": "CapabilityStatement"})).unwrap();
        assert_eq!(r.resource_type(), "CapabilityStatement");
        assert!(matches!(r, Resource::Other(_)));
    }

    #[test]
    fn eob_helpers_read_type_dates_and_payment() {
        let eob: ExplanationOfBenefit = serde_json::from_value(json!({
            "resourceType": "ExplanationOfBenefit",
            "type": {"coding": [{"system": EOB_TYPE_SYSTEM, "code": "PDE"}]},
            "item": [{"sequence": 1, "servicedDate": "2024-03-05"}],
            "payment": {"amount": {"value": 12.5, "currency": "USD"}}
        }))
        .unwrap();
        assert_eq!(eob.claim_type(), Some("PDE"));
        assert_eq!(eob.service_year(), Some(2024));
        assert!((eob.payment_amount() - 12.5).abs() < f64::EPSILON);
    }
}
