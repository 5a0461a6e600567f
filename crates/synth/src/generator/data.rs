//! Fixed lists the generator draws from besides the code tables: places, names, plan ids,
//! the fitted claim-count distribution and the claim-type mix.
//!
//! The count table and type weights were fitted to the sandbox figures in
//! `fhir-model.md` §3 (2023-03-03 Synthea release: mean 107, median 43, p90 271, p99 908,
//! max 2,919 claims per beneficiary, 7–13 % without claims; carrier mean 9.1 with 80 %
//! nonzero, outpatient 40.3, inpatient 2.1, PDE 51.6 with 74 %, DME/HHA/hospice/SNF nonzero
//! 56/5/11/15 %) by simulating the allocation below.

/// A place of residence (and of the providers an enrollee sees).
pub(crate) struct Place {
    /// SSA state code (`STATE_CODE`, `PRVDR_STATE_CD`).
    pub ssa: &'static str,
    /// USPS abbreviation.
    pub postal: &'static str,
    /// FIPS state and county (`FIPS_STATE_CNTY_*_CD`).
    pub fips: &'static str,
    /// City name.
    pub city: &'static str,
    /// Five-digit ZIP code.
    pub zip: &'static str,
    /// Relative weight (roughly the Medicare population).
    pub weight: u32,
}

macro_rules! places {
    ($(($ssa:literal, $postal:literal, $fips:literal, $city:literal, $zip:literal, $w:literal)),* $(,)?) => {
        &[$(Place { ssa: $ssa, postal: $postal, fips: $fips, city: $city, zip: $zip, weight: $w }),*]
    };
}

/// Where enrollees live.
pub(crate) const PLACES: &[Place] = places![
    ("05", "CA", "06037", "LOS ANGELES", "90012", 12),
    ("05", "CA", "06073", "SAN DIEGO", "92101", 5),
    ("05", "CA", "06085", "SAN JOSE", "95112", 4),
    ("45", "TX", "48201", "HOUSTON", "77002", 6),
    ("45", "TX", "48113", "DALLAS", "75201", 5),
    ("45", "TX", "48029", "SAN ANTONIO", "78205", 3),
    ("10", "FL", "12086", "MIAMI", "33130", 5),
    ("10", "FL", "12057", "TAMPA", "33602", 4),
    ("10", "FL", "12095", "ORLANDO", "32801", 3),
    ("33", "NY", "36061", "NEW YORK", "10001", 7),
    ("33", "NY", "36029", "BUFFALO", "14202", 2),
    ("39", "PA", "42101", "PHILADELPHIA", "19103", 4),
    ("39", "PA", "42003", "PITTSBURGH", "15219", 2),
    ("14", "IL", "17031", "CHICAGO", "60601", 6),
    ("36", "OH", "39035", "CLEVELAND", "44113", 3),
    ("36", "OH", "39049", "COLUMBUS", "43215", 2),
    ("23", "MI", "26163", "DETROIT", "48226", 3),
    ("11", "GA", "13121", "ATLANTA", "30303", 3),
    ("34", "NC", "37119", "CHARLOTTE", "28202", 3),
    ("31", "NJ", "34013", "NEWARK", "07102", 3),
    ("49", "VA", "51760", "RICHMOND", "23219", 2),
    ("50", "WA", "53033", "SEATTLE", "98101", 2),
    ("03", "AZ", "04013", "PHOENIX", "85004", 3),
    ("22", "MA", "25025", "BOSTON", "02108", 3),
    ("22", "MA", "25017", "CAMBRIDGE", "02139", 1),
    ("44", "TN", "47157", "MEMPHIS", "38103", 2),
    ("15", "IN", "18097", "INDIANAPOLIS", "46204", 2),
    ("26", "MO", "29510", "SAINT LOUIS", "63101", 2),
    ("21", "MD", "24510", "BALTIMORE", "21202", 2),
    ("52", "WI", "55079", "MILWAUKEE", "53202", 2),
    ("24", "MN", "27053", "MINNEAPOLIS", "55401", 2),
    ("06", "CO", "08031", "DENVER", "80202", 2),
    ("01", "AL", "01073", "BIRMINGHAM", "35203", 2),
    ("19", "LA", "22071", "NEW ORLEANS", "70112", 1),
    ("18", "KY", "21111", "LOUISVILLE", "40202", 1),
    ("38", "OR", "41051", "PORTLAND", "97204", 1),
    ("37", "OK", "40109", "OKLAHOMA CITY", "73102", 1),
    ("42", "SC", "45019", "CHARLESTON", "29401", 1),
    ("20", "ME", "23005", "PORTLAND", "04101", 1),
    ("51", "WV", "54039", "CHARLESTON", "25301", 1),
    ("32", "NM", "35001", "ALBUQUERQUE", "87102", 1),
    ("16", "IA", "19153", "DES MOINES", "50309", 1),
];

/// Common US given names, female.
pub(crate) const FEMALE_NAMES: &[&str] = &[
    "MARY",
    "PATRICIA",
    "LINDA",
    "BARBARA",
    "ELIZABETH",
    "JENNIFER",
    "MARIA",
    "SUSAN",
    "MARGARET",
    "DOROTHY",
    "LISA",
    "NANCY",
    "KAREN",
    "BETTY",
    "HELEN",
    "SANDRA",
    "DONNA",
    "CAROL",
    "RUTH",
    "SHARON",
    "MICHELLE",
    "LAURA",
    "SARAH",
    "KIMBERLY",
    "DEBORAH",
    "JESSICA",
    "SHIRLEY",
    "CYNTHIA",
    "ANGELA",
    "MELISSA",
    "BRENDA",
    "AMY",
    "ANNA",
    "REBECCA",
    "VIRGINIA",
    "KATHLEEN",
    "PAMELA",
    "MARTHA",
    "DEBRA",
    "AMANDA",
    "STEPHANIE",
    "CAROLYN",
    "CHRISTINE",
    "MARIE",
    "JANET",
    "CATHERINE",
    "FRANCES",
    "ANN",
    "JOYCE",
    "DIANE",
    "ALICE",
    "JULIE",
    "HEATHER",
    "TERESA",
    "DORIS",
    "GLORIA",
    "EVELYN",
    "JEAN",
    "CHERYL",
    "MILDRED",
];

/// Common US given names, male.
pub(crate) const MALE_NAMES: &[&str] = &[
    "JAMES",
    "JOHN",
    "ROBERT",
    "MICHAEL",
    "WILLIAM",
    "DAVID",
    "RICHARD",
    "CHARLES",
    "JOSEPH",
    "THOMAS",
    "CHRISTOPHER",
    "DANIEL",
    "PAUL",
    "MARK",
    "DONALD",
    "GEORGE",
    "KENNETH",
    "STEVEN",
    "EDWARD",
    "BRIAN",
    "RONALD",
    "ANTHONY",
    "KEVIN",
    "JASON",
    "MATTHEW",
    "GARY",
    "TIMOTHY",
    "JOSE",
    "LARRY",
    "JEFFREY",
    "FRANK",
    "SCOTT",
    "ERIC",
    "STEPHEN",
    "ANDREW",
    "RAYMOND",
    "GREGORY",
    "JOSHUA",
    "JERRY",
    "DENNIS",
    "WALTER",
    "PATRICK",
    "PETER",
    "HAROLD",
    "DOUGLAS",
    "HENRY",
    "CARL",
    "ARTHUR",
    "RYAN",
    "ROGER",
    "JOE",
    "JUAN",
    "JACK",
    "ALBERT",
    "JONATHAN",
    "JUSTIN",
    "TERRY",
    "GERALD",
    "KEITH",
    "SAMUEL",
];

/// Common US surnames.
pub(crate) const SURNAMES: &[&str] = &[
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "HERNANDEZ",
    "LOPEZ",
    "GONZALEZ",
    "WILSON",
    "ANDERSON",
    "THOMAS",
    "TAYLOR",
    "MOORE",
    "JACKSON",
    "MARTIN",
    "LEE",
    "PEREZ",
    "THOMPSON",
    "WHITE",
    "HARRIS",
    "SANCHEZ",
    "CLARK",
    "RAMIREZ",
    "LEWIS",
    "ROBINSON",
    "WALKER",
    "YOUNG",
    "ALLEN",
    "KING",
    "WRIGHT",
    "SCOTT",
    "TORRES",
    "NGUYEN",
    "HILL",
    "FLORES",
    "GREEN",
    "ADAMS",
    "NELSON",
    "BAKER",
    "HALL",
    "RIVERA",
    "CAMPBELL",
    "MITCHELL",
    "CARTER",
    "ROBERTS",
    "GOMEZ",
    "PHILLIPS",
    "EVANS",
    "TURNER",
    "DIAZ",
    "PARKER",
    "CRUZ",
    "EDWARDS",
    "COLLINS",
    "REYES",
    "STEWART",
    "MORRIS",
    "MORALES",
    "MURPHY",
    "COOK",
    "ROGERS",
    "GUTIERREZ",
    "ORTIZ",
    "MORGAN",
    "COOPER",
    "PETERSON",
    "BAILEY",
    "REED",
    "KELLY",
    "HOWARD",
    "RAMOS",
    "KIM",
    "COX",
    "WARD",
    "RICHARDSON",
    "WATSON",
    "BROOKS",
    "CHAVEZ",
    "WOOD",
    "JAMES",
    "BENNETT",
    "GRAY",
    "MENDOZA",
    "RUIZ",
    "HUGHES",
    "PRICE",
    "ALVAREZ",
    "CASTILLO",
    "SANDERS",
    "PATEL",
    "MYERS",
    "LONG",
    "ROSS",
    "FOSTER",
    "JIMENEZ",
];

/// Street names for the derived mailing address.
pub(crate) const STREETS: &[&str] = &[
    "MAIN ST",
    "OAK AVE",
    "MAPLE ST",
    "CEDAR LN",
    "PINE ST",
    "ELM ST",
    "WASHINGTON AVE",
    "LAKE DR",
    "HILL RD",
    "PARK AVE",
    "CHURCH ST",
    "HIGH ST",
    "RIVER RD",
    "SPRING ST",
    "CENTER ST",
    "FOREST DR",
    "MEADOW LN",
    "SUNSET BLVD",
    "LINCOLN AVE",
    "JEFFERSON ST",
];

/// Synthetic Part D contract ids (Synthea's `Z` series: no real plan has them).
pub(crate) const PART_D_CONTRACTS: &[&str] = &[
    "Z0001", "Z0002", "Z0003", "Z0004", "Z0005", "Z0006", "Z0007", "Z0008", "Z0009", "Z0010",
];

/// Synthetic Part C (Medicare Advantage) contract ids (`Y` series, as in the Synthea sample).
pub(crate) const PART_C_CONTRACTS: &[&str] =
    &["Y0001", "Y0002", "Y0003", "Y0004", "Y0005", "Y0009"];

/// Plan benefit package ids.
pub(crate) const PBPS: &[&str] = &["001", "002", "003", "004", "801", "802", "803", "804"];

/// ICD-9-CM procedure codes (volume 3, no dot) for inpatient claims before 2015-10-01:
/// total hip and knee replacement, venous catheterization, packed-cell transfusion,
/// diagnostic ultrasound of heart, EGD with biopsy, mechanical ventilation under 96 hours,
/// hemodialysis, PTCA, drug-eluting coronary stent, coronary arteriography with two
/// catheters, routine chest X-ray, other physical therapy, antibiotic injection.
pub(crate) const ICD9_PROCEDURES: &[&str] = &[
    "8151", "8154", "3893", "9904", "8872", "4516", "9671", "3995", "0066", "3607", "8856", "8744",
    "9339", "9921",
];

/// ICD-10-CM external-cause codes (falls and places of occurrence), billable.
pub(crate) const ICD10_EXTERNAL: &[&str] = &[
    "W19XXXA", "W010XXA", "W1830XA", "W108XXA", "X58XXXA", "Y92009", "Y92239", "Y929",
];

/// ICD-9-CM external-cause (E) codes: fall, other specified place, home.
pub(crate) const ICD9_EXTERNAL: &[&str] = &["E8889", "E8859", "E8490", "E8498", "E9289"];

/// Claims per enrollee with at least one claim: inverse CDF as (parts per million, count)
/// knots, a lognormal (median 52, σ 1.27) cut into a lighter tail so that the largest of
/// 40,000 enrollees has about 3,000 claims.
pub(crate) const CLAIM_COUNT_TABLE: &[(u32, u32)] = &[
    (0, 1),
    (5_000, 2),
    (10_000, 3),
    (20_000, 4),
    (40_000, 6),
    (70_000, 8),
    (100_000, 10),
    (150_000, 14),
    (200_000, 18),
    (250_000, 22),
    (300_000, 27),
    (350_000, 32),
    (400_000, 38),
    (450_000, 44),
    (500_000, 52),
    (550_000, 61),
    (600_000, 72),
    (650_000, 85),
    (700_000, 101),
    (750_000, 122),
    (800_000, 151),
    (850_000, 194),
    (880_000, 231),
    (910_000, 285),
    (930_000, 339),
    (950_000, 420),
    (960_000, 480),
    (970_000, 567),
    (980_000, 706),
    (985_000, 818),
    (990_000, 998),
    (995_000, 1_250),
    (999_000, 1_850),
    (999_900, 2_500),
    (1_000_000, 3_100),
];

/// Share of enrollees without any claim, per mille.
pub(crate) const NO_CLAIMS_PER_MILLE: u32 = 100;

/// The eight claim types in the generator's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Carrier,
    Outpatient,
    Inpatient,
    Pde,
    Dme,
    Hha,
    Hospice,
    Snf,
}

/// Every claim type, in [`Kind`] order.
pub(crate) const KINDS: [Kind; 8] = [
    Kind::Carrier,
    Kind::Outpatient,
    Kind::Inpatient,
    Kind::Pde,
    Kind::Dme,
    Kind::Hha,
    Kind::Hospice,
    Kind::Snf,
];

/// Per claim type: the chance (per mille) that an enrollee with claims has claims of the
/// type, and the type's weight (hundredths) when the enrollee's claims are shared out.
pub(crate) const KIND_MIX: [(u32, u32); 8] = [
    (889, 892),  // carrier
    (956, 4171), // outpatient
    (444, 358),  // inpatient
    (822, 7848), // PDE
    (622, 296),  // DME
    (56, 772),   // HHA
    (122, 190),  // hospice
    (167, 352),  // SNF
];
