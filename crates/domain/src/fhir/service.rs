//! The FHIR read and search interactions of Blue Button 2.0 v2 over the claims store, for
//! one caller's patient: the handler passes the [`PatientContext`] of the bearer token and
//! every query is bound to that beneficiary — another patient's resource is "not found",
//! never "forbidden", so ids cannot be probed.
//!
//! Searches page by offset over the beneficiary's claim keys, read in BFD's order with one
//! range read (no blob), then read one page of claims with a second range read and render
//! only those: the cost of a page does not grow with the enrollee's claim count beyond the
//! key scan. Bundles follow BFD (`TransformerUtilsV2.createBundle`, `OffsetLinkBuilder`):
//! `total` is the full match count, links `first`, `next`, `previous`, `last`, then `self`.

use super::RenderContext;
use super::coverage::Part;
use super::search::{self, DateFilter, SearchError};
use crate::accounts::operation_id;
use crate::claims::rows::{beneficiary_of, claim_of, claim_type_number, history_of};
use crate::clock::new_id;
use crate::oauth::scopes::{Access, Resource};
use crate::oauth::service::{Bearer, BearerError, OAuth};
use crate::{Deps, DomainError};
use bb_claims::RecordType;
use bb_fhir::json::{Arr, object};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Whose data a request may see and what it may do: the beneficiary, scopes and app of
/// the caller's token.
#[derive(Clone, Debug)]
pub struct PatientContext {
    bene_id: i64,
    bearer: Bearer,
}

impl PatientContext {
    /// A context for tests that have no authorization server to ask (every scope).
    #[cfg(any(test, feature = "test-support"))]
    pub fn for_tests(bene_id: i64) -> Self {
        Self::from_bearer(Bearer {
            bene_id,
            access: Access::all(),
            application_id: None,
            issued_at: 0,
        })
    }

    /// The context of a checked bearer token.
    pub fn from_bearer(bearer: Bearer) -> Self {
        Self {
            bene_id: bearer.bene_id,
            bearer,
        }
    }

    /// What the token allows.
    pub fn access(&self) -> Access {
        self.bearer.access
    }

    /// The checked token.
    pub fn bearer(&self) -> &Bearer {
        &self.bearer
    }

    /// The beneficiary.
    pub fn bene_id(&self) -> i64 {
        self.bene_id
    }
}

/// Why a FHIR interaction failed.
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    /// No such resource for this patient (BB2: 404 `{"detail": "Not found."}`).
    #[error("Not found.")]
    NotFound,
    /// The token's scopes do not cover this resource type (BB2: 403, e.g. withheld
    /// demographics).
    #[error("You do not have permission to perform this action.")]
    Forbidden,
    /// A parameter or id with a bad value (BB2: 400 `{"detail": …}`).
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<SearchError> for FhirError {
    fn from(e: SearchError) -> Self {
        Self::Invalid(e.0)
    }
}

/// Why a bearer token opens nothing (the web layer answers 401).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No such token, or it expired or was revoked.
    #[error("Authentication credentials were not provided.")]
    Invalid,
    /// The store failed.
    #[error(transparent)]
    Domain(#[from] DomainError),
}

/// Where links of a search point: the client-visible base of the FHIR API and the URL of
/// the request itself.
#[derive(Clone, Debug)]
pub struct Links {
    /// E.g. `https://sandbox.example.org/v2/fhir/` (ends with `/`).
    pub base: String,
    /// The request URL as the client sent it (the `self` link).
    pub self_url: String,
}

/// Request headers BFD honours that change rendering.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// `IncludeTaxNumbers: true`.
    pub include_tax_numbers: bool,
}

/// FHIR interactions.
#[derive(Clone)]
pub struct Fhir {
    deps: Arc<Deps>,
    oauth: OAuth,
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

impl Fhir {
    pub(crate) fn new(deps: Arc<Deps>, oauth: OAuth) -> Self {
        Self { deps, oauth }
    }

    /// The patient context of a bearer token: one SHA-256 and one indexed lookup
    /// ([`OAuth::bearer`]). The token must exist, be unexpired and unrevoked, and its
    /// application active.
    pub async fn authenticate(&self, bearer: &str) -> Result<PatientContext, AuthError> {
        match self.oauth.bearer(bearer).await {
            Ok(bearer) => Ok(PatientContext::from_bearer(bearer)),
            Err(BearerError::Invalid) => Err(AuthError::Invalid),
            Err(BearerError::Domain(e)) => Err(AuthError::Domain(e)),
        }
    }

    /// Refuses what the token's scopes do not allow; records an allowed access.
    fn allow(
        &self,
        who: &PatientContext,
        resource: Resource,
        search: bool,
    ) -> Result<(), FhirError> {
        let access = who.bearer.access;
        let allowed = if search {
            access.can_search(resource)
        } else {
            access.can_read(resource)
        };
        if !allowed {
            return Err(FhirError::Forbidden);
        }
        self.oauth.record_read(&who.bearer, resource.name());
        Ok(())
    }

    /// Stores an access token for `bene_id` valid for an hour and returns it: for tests of
    /// the FHIR API until the authorization server issues real ones (issue 5).
    #[cfg(any(test, feature = "test-support"))]
    pub async fn issue_token_for_tests(&self, bene_id: i64) -> Result<String, DomainError> {
        use sha2::{Digest, Sha256};
        let token = crate::clock::random_alphanumeric(self.deps.entropy.as_ref(), 40);
        let row = bb_store::AccessTokenRow {
            token_sha256: Sha256::digest(token.as_bytes()).to_vec(),
            application_id: None,
            bene_id,
            scopes: "patient/Patient.read patient/Coverage.read patient/ExplanationOfBenefit.read"
                .into(),
            expires_at: ms(self.deps.clock.now()) + 3_600_000,
            revoked_at: None,
            created_at: ms(self.deps.clock.now()),
        };
        self.deps
            .store
            .insert_access_token(&row)
            .await
            .map_err(|e| DomainError::from_store(e, || operation_id(&self.deps), &[]))?;
        Ok(token)
    }

    fn store_error(&self, e: bb_store::StoreError) -> FhirError {
        FhirError::Domain(DomainError::from_store(e, || operation_id(&self.deps), &[]))
    }

    fn damaged(&self, e: &bb_claims::DecodeError) -> FhirError {
        FhirError::Domain(DomainError::internal(operation_id(&self.deps), e))
    }

    /// `GET ExplanationOfBenefit/{id}`: ids are `<type>-<claim id>` (`carrier-123`,
    /// `pde--45`).
    pub async fn read_eob(
        &self,
        who: PatientContext,
        id: &str,
        options: RenderOptions,
    ) -> Result<Vec<u8>, FhirError> {
        self.allow(&who, Resource::ExplanationOfBenefit, false)?;
        let (record, claim_id) = parse_eob_id(id).ok_or(FhirError::NotFound)?;
        let row = self
            .deps
            .store
            .claim(claim_type_number(record), claim_id)
            .await
            .map_err(|e| self.store_error(e))?
            .filter(|row| row.bene_id == who.bene_id)
            .ok_or(FhirError::NotFound)?;
        let claim = claim_of(&row).map_err(|e| self.damaged(&e))?;
        let mut ctx = RenderContext::new(row.last_updated);
        ctx.include_tax_numbers = options.include_tax_numbers;
        let mut out = Vec::with_capacity(16 * 1024);
        super::eob::render(&claim, &ctx, &mut out);
        Ok(out)
    }

    /// `GET ExplanationOfBenefit?…`: the caller's claims, filtered and paged.
    pub async fn search_eob(
        &self,
        who: PatientContext,
        params: &[(String, String)],
        links: &Links,
        options: RenderOptions,
    ) -> Result<Vec<u8>, FhirError> {
        self.allow(&who, Resource::ExplanationOfBenefit, true)?;
        let query = search::eob(params)?;
        let filter = bb_store::ClaimFilter {
            types: query
                .types
                .as_ref()
                .map(|t| t.iter().map(|r| claim_type_number(*r)).collect())
                .unwrap_or_default(),
            service: query.service_date.iter().flat_map(bounds).collect(),
            last_updated: query.last_updated.iter().flat_map(bounds).collect(),
        };
        let count = i64::from(query.paging.count);
        let offset = i64::try_from(query.paging.start_index).unwrap_or(i64::MAX);
        let page = self
            .deps
            .store
            .claims_page_of(who.bene_id, &filter, count, offset)
            .await
            .map_err(|e| self.store_error(e))?;
        let total = u64::try_from(page.total).unwrap_or(0);
        page_of(total, query.paging)?;
        let mut ctx = RenderContext::new(self.deps.clock.now());
        ctx.include_tax_numbers = options.include_tax_numbers;
        let mut resources: Vec<(Vec<u8>, i64)> = Vec::with_capacity(page.rows.len());
        for row in &page.rows {
            let claim = claim_of(row).map_err(|e| self.damaged(&e))?;
            ctx.last_updated = row.last_updated;
            let mut out = Vec::with_capacity(16 * 1024);
            super::eob::render(&claim, &ctx, &mut out);
            resources.push((out, ms(row.last_updated)));
        }
        let paging = LinkPaging {
            total,
            count: query.paging.count,
            start: query.paging.start_index,
        };
        Ok(self.bundle(
            "ExplanationOfBenefit",
            &[("patient", who.bene_id.to_string())],
            params,
            paging,
            links,
            &resources,
        ))
    }

    async fn patient_records(&self, bene_id: i64) -> Result<Option<(Vec<u8>, i64)>, FhirError> {
        let years = self
            .deps
            .store
            .beneficiary_years(bene_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let Some(current_row) = years.last() else {
            return Ok(None);
        };
        let current = beneficiary_of(current_row).map_err(|e| self.damaged(&e))?;
        let history_rows = self
            .deps
            .store
            .beneficiary_history(bene_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let history = history_rows
            .iter()
            .map(history_of)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.damaged(&e))?;
        let ctx = RenderContext::new(current_row.last_updated);
        let mut out = Vec::with_capacity(8 * 1024);
        super::patient::render(&current, &history, &ctx, &mut out);
        Ok(Some((out, ms(current_row.last_updated))))
    }

    /// `GET Patient/{id}`: only the caller's own.
    pub async fn read_patient(&self, who: PatientContext, id: &str) -> Result<Vec<u8>, FhirError> {
        self.allow(&who, Resource::Patient, false)?;
        if id.parse::<i64>().ok() != Some(who.bene_id) {
            return Err(FhirError::NotFound);
        }
        self.patient_records(who.bene_id)
            .await?
            .map(|(r, _)| r)
            .ok_or(FhirError::NotFound)
    }

    /// `GET Patient?…`: a bundle of the caller's Patient (BB2 forces `_id`); an `_id` or
    /// `identifier` naming someone else gives an empty bundle.
    pub async fn search_patient(
        &self,
        who: PatientContext,
        params: &[(String, String)],
        links: &Links,
    ) -> Result<Vec<u8>, FhirError> {
        self.allow(&who, Resource::Patient, true)?;
        let query = search::common(params)?;
        let other_id = params
            .iter()
            .rev()
            .find(|(k, _)| k == "_id")
            .is_some_and(|(_, v)| v.parse::<i64>().ok() != Some(who.bene_id));
        let mut resources = Vec::new();
        if !other_id
            && let Some((r, updated)) = self.patient_records(who.bene_id).await?
            && query
                .last_updated
                .iter()
                .all(|f| f.matches_instant(updated))
        {
            resources.push((r, updated));
        }
        self.paged_bundle(
            "Patient",
            &[("_id", who.bene_id.to_string())],
            params,
            query.paging,
            links,
            resources,
        )
    }

    async fn coverages(&self, bene_id: i64) -> Result<Vec<(Part, Vec<u8>, i64)>, FhirError> {
        let years = self
            .deps
            .store
            .beneficiary_years(bene_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let Some(row) = years.last() else {
            return Ok(Vec::new());
        };
        let all = years
            .iter()
            .map(beneficiary_of)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.damaged(&e))?;
        let Some(bene) = all.last() else {
            return Ok(Vec::new());
        };
        let ctx = RenderContext::new(row.last_updated);
        Ok(Part::ALL
            .iter()
            .map(|part| {
                let mut out = Vec::with_capacity(4 * 1024);
                super::coverage::render(*part, bene, &all, &ctx, &mut out);
                (*part, out, ms(row.last_updated))
            })
            .collect())
    }

    /// `GET Coverage/{id}`: `part-a-<bene>` … `part-d-<bene>` of the caller.
    pub async fn read_coverage(&self, who: PatientContext, id: &str) -> Result<Vec<u8>, FhirError> {
        self.allow(&who, Resource::Coverage, false)?;
        let (part, bene) = Part::parse_id(id).ok_or(FhirError::NotFound)?;
        if bene != who.bene_id {
            return Err(FhirError::NotFound);
        }
        self.coverages(bene)
            .await?
            .into_iter()
            .find(|(p, _, _)| *p == part)
            .map(|(_, r, _)| r)
            .ok_or(FhirError::NotFound)
    }

    /// `GET Coverage?…`: the caller's four parts.
    pub async fn search_coverage(
        &self,
        who: PatientContext,
        params: &[(String, String)],
        links: &Links,
    ) -> Result<Vec<u8>, FhirError> {
        self.allow(&who, Resource::Coverage, true)?;
        let query = search::common(params)?;
        let resources: Vec<(Vec<u8>, i64)> = self
            .coverages(who.bene_id)
            .await?
            .into_iter()
            .filter(|(_, _, updated)| {
                query
                    .last_updated
                    .iter()
                    .all(|f| f.matches_instant(*updated))
            })
            .map(|(_, r, u)| (r, u))
            .collect();
        self.paged_bundle(
            "Coverage",
            &[("beneficiary", format!("Patient/{}", who.bene_id))],
            params,
            query.paging,
            links,
            resources,
        )
    }

    /// A bundle of one page of an in-memory result (Patient and Coverage searches have at
    /// most four matches, so they page without the store).
    fn paged_bundle(
        &self,
        resource_type: &str,
        forced: &[(&str, String)],
        params: &[(String, String)],
        paging: search::Paging,
        links: &Links,
        mut resources: Vec<(Vec<u8>, i64)>,
    ) -> Result<Vec<u8>, FhirError> {
        let total = resources.len() as u64;
        let page = page_of(total, paging)?;
        let resources: Vec<_> = resources.drain(page).collect();
        let paging = LinkPaging {
            total,
            count: paging.count,
            start: paging.start_index,
        };
        Ok(self.bundle(resource_type, forced, params, paging, links, &resources))
    }

    /// Writes a searchset Bundle. `forced` are the parameters the patient context imposes
    /// (they replace any the client sent); the other client parameters, less paging and
    /// `_format`, are repeated in the paging links, followed by `startIndex` and `_count`.
    fn bundle(
        &self,
        resource_type: &str,
        forced: &[(&str, String)],
        params: &[(String, String)],
        paging: LinkPaging,
        links: &Links,
        resources: &[(Vec<u8>, i64)],
    ) -> Vec<u8> {
        let id = new_id(self.deps.clock.as_ref(), self.deps.entropy.as_ref()).to_string();
        let now = self.deps.clock.now();
        let newest = resources.iter().map(|(_, u)| *u).max().unwrap_or(ms(now));
        let updated = DateTime::from_timestamp_millis(newest).unwrap_or(now);
        let query = link_query(forced, params);
        let size: usize = resources.iter().map(|(r, _)| r.len() + 16).sum();
        let mut out = Vec::with_capacity(size + 1024);
        object(&mut out, |o| {
            o.str("resourceType", "Bundle").str("id", &id);
            o.obj("meta", |m| {
                m.str("lastUpdated", &super::common::instant(updated));
            });
            o.str("type", "searchset");
            o.int("total", i64::try_from(paging.total).unwrap_or(i64::MAX));
            o.arr("link", |a| {
                paging_links(a, &links.base, resource_type, &query, paging);
                a.obj(|l| {
                    l.str("relation", "self").str("url", &links.self_url);
                });
            });
            o.arr("entry", |a| {
                for (resource, _) in resources {
                    a.obj(|e| {
                        e.raw("resource", resource);
                    });
                }
            });
        });
        out
    }
}

/// The query a search's paging links repeat: `forced` (the parameters the patient context
/// imposes), then the client's parameters less paging, `_format` and the forced ones, a
/// pair given twice kept once at its last place (the last value of a single-valued
/// parameter such as `type` is the one that applies, so it must stay last).
pub fn link_query(forced: &[(&str, String)], params: &[(String, String)]) -> Vec<(String, String)> {
    let mut query: Vec<(String, String)> = forced
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    for (k, v) in params {
        let skip = matches!(k.as_str(), "startIndex" | "_count" | "count" | "_format")
            || forced.iter().any(|(f, _)| f == k);
        if !skip {
            query.retain(|(q, qv)| !(q == k && qv == v));
            query.push((k.clone(), v.clone()));
        }
    }
    query
}

/// The numbers the paging links need.
#[derive(Clone, Copy, Debug)]
struct LinkPaging {
    total: u64,
    count: u32,
    start: u64,
}

fn link_url(
    base: &str,
    resource_type: &str,
    query: &[(String, String)],
    start: u64,
    count: u32,
) -> String {
    let mut url = format!("{base}{resource_type}?");
    for (k, v) in query {
        url.push_str(&encode(k));
        url.push('=');
        url.push_str(&encode(v));
        url.push('&');
    }
    url.push_str(&format!("startIndex={start}&_count={count}"));
    url
}

/// BFD's `OffsetLinkBuilder`: `first`, `next` (when more follow), `previous` (when not at
/// the start), `last`.
fn paging_links(
    a: &mut Arr<'_>,
    base: &str,
    resource_type: &str,
    query: &[(String, String)],
    p: LinkPaging,
) {
    let paging = search::Paging {
        count: p.count,
        start_index: p.start,
    };
    for (relation, url) in paging_link_urls(base, resource_type, query, p.total, paging) {
        a.obj(|l| {
            l.str("relation", relation).str("url", &url);
        });
    }
}

/// The paging links of a page of `total` entries, in BFD's order: `first`, `next` (when
/// more follow), `previous` (when not at the start), `last`; each URL repeats `query`
/// (see [`link_query`]) and ends with `startIndex` and `_count`.
pub fn paging_link_urls(
    base: &str,
    resource_type: &str,
    query: &[(String, String)],
    total: u64,
    paging: search::Paging,
) -> Vec<(&'static str, String)> {
    let step = u64::from(paging.count.max(1));
    let start = paging.start_index;
    let url = |start: u64| link_url(base, resource_type, query, start, paging.count);
    let mut links = vec![("first", url(0))];
    // `startIndex` may be anything up to u64::MAX when the result is empty.
    let next = start.saturating_add(step);
    if next < total {
        links.push(("next", url(next)));
    }
    if start > 0 {
        links.push(("previous", url(start.saturating_sub(step))));
    }
    let last = if total == 0 {
        0
    } else {
        (total - 1) / step * step
    };
    links.push(("last", url(last)));
    links
}

/// Percent-encodes a query component (RFC 3986 unreserved characters kept).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The slice of `total` entries a page covers; BFD's 400 when `startIndex` is past the end
/// of a non-empty result (an empty one is an empty page whatever `startIndex` says).
pub fn page_of(total: u64, paging: search::Paging) -> Result<std::ops::Range<usize>, FhirError> {
    if total > 0 && paging.start_index >= total {
        return Err(FhirError::Invalid(format!(
            "Value for startIndex ({}) must be less than than result size ({total})",
            paging.start_index
        )));
    }
    let start = usize::try_from(paging.start_index.min(total)).unwrap_or(usize::MAX);
    let end = usize::try_from(
        paging
            .start_index
            .saturating_add(u64::from(paging.count))
            .min(total),
    )
    .unwrap_or(usize::MAX);
    Ok(start..end.max(start))
}

/// A date filter as bounds on a period `[from, to)` (FHIR's rules for a period against a
/// value with its precision `[start, end)`).
fn bounds(f: &DateFilter) -> Vec<bb_store::Bound> {
    use bb_store::Bound;
    use search::Prefix;
    match f.prefix {
        Prefix::Eq => vec![
            Bound::StartsAtOrAfter(f.start),
            Bound::EndsAtOrBefore(f.end),
        ],
        Prefix::Lt => vec![Bound::StartsBefore(f.start)],
        Prefix::Le => vec![Bound::StartsBefore(f.end)],
        Prefix::Gt => vec![Bound::EndsAfter(f.end)],
        Prefix::Ge => vec![Bound::EndsAfter(f.start)],
    }
}

/// Parses an EOB id: `<type>-<claim id>`, BFD's `(\p{Alpha}+)-(-?\p{Digit}+)`.
pub fn parse_eob_id(id: &str) -> Option<(RecordType, i64)> {
    let (kind, number) = id.split_once('-')?;
    let record = match kind.to_ascii_lowercase().as_str() {
        "carrier" => RecordType::Carrier,
        "dme" => RecordType::Dme,
        "hha" => RecordType::Hha,
        "hospice" => RecordType::Hospice,
        "inpatient" => RecordType::Inpatient,
        "outpatient" => RecordType::Outpatient,
        "pde" => RecordType::Pde,
        "snf" => RecordType::Snf,
        _ => return None,
    };
    let digits = number.strip_prefix('-').unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((record, number.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eob_ids() {
        assert_eq!(
            parse_eob_id("carrier-9991831999"),
            Some((RecordType::Carrier, 9_991_831_999))
        );
        assert_eq!(
            parse_eob_id("pde--10000000001"),
            Some((RecordType::Pde, -10_000_000_001))
        );
        for bad in [
            "carrier",
            "carrier-",
            "carrier-12a",
            "x-1",
            "-1",
            "carrier--",
        ] {
            assert_eq!(parse_eob_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn pages_and_links_follow_bfd() {
        let p = |count, start_index| search::Paging { count, start_index };
        assert_eq!(page_of(8, p(10, 0)).ok(), Some(0..8));
        assert_eq!(page_of(25, p(10, 20)).ok(), Some(20..25));
        assert_eq!(page_of(0, p(10, 0)).ok(), Some(0..0));
        assert!(
            matches!(page_of(8, p(10, 8)), Err(FhirError::Invalid(m)) if m == "Value for startIndex (8) must be less than than result size (8)")
        );
        let mut out = Vec::new();
        object(&mut out, |o| {
            o.arr("link", |a| {
                paging_links(
                    a,
                    "https://h/v2/fhir/",
                    "ExplanationOfBenefit",
                    &[("patient".into(), "-5".into())],
                    LinkPaging {
                        total: 25,
                        count: 10,
                        start: 10,
                    },
                );
            });
        });
        let text = String::from_utf8(out).unwrap_or_default();
        let rels: Vec<&str> = text
            .match_indices("\"relation\":\"")
            .map(|(i, _)| &text[i + 12..i + 16])
            .collect();
        assert_eq!(rels, vec!["firs", "next", "prev", "last"]);
        assert!(
            text.contains(
                "https://h/v2/fhir/ExplanationOfBenefit?patient=-5&startIndex=20&_count=10"
            )
        );
        assert!(text.contains("startIndex=0&_count=10\"},{\"relation\":\"next\""));
        assert!(text.contains("\"relation\":\"last\",\"url\":\"https://h/v2/fhir/ExplanationOfBenefit?patient=-5&startIndex=20&_count=10\""));
        assert_eq!(encode("a b|c/d"), "a%20b%7Cc%2Fd");
    }

    /// The query of a paging link, parsed as the server parses a search.
    fn search_of(url: &str) -> search::EobSearch {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        search::eob(&pairs).unwrap()
    }

    #[test]
    fn a_huge_start_index_on_an_empty_result_pages_without_overflow() {
        // fuzz/regressions/fhir_search/start-index-overflow-on-empty-result: startIndex
        // near u64::MAX with no match overflowed `start + count` (a panic, so a 500, in a
        // build with overflow checks).
        let p = search::Paging {
            count: 10,
            start_index: u64::MAX,
        };
        assert_eq!(page_of(0, p).ok(), Some(0..0));
        let links = paging_link_urls("https://h/v2/fhir/", "Coverage", &[], 0, p);
        let relations: Vec<&str> = links.iter().map(|(r, _)| *r).collect();
        assert_eq!(relations, ["first", "previous", "last"]);
        assert!(
            links[1]
                .1
                .ends_with(&format!("startIndex={}&_count=10", u64::MAX - 10))
        );
        assert!(page_of(5, p).is_err());
    }

    #[test]
    fn paging_links_keep_the_search_when_a_parameter_is_repeated() {
        // fuzz/regressions/fhir_search/repeated-type-changes-paging-links: with
        // `type=carrier&type=pde&type=carrier` the search is for carrier claims (the last
        // value applies), but the links kept the first `carrier` and dropped the repeat, so
        // every link searched Part D events instead.
        let params: Vec<(String, String)> = [
            ("type", "carrier"),
            ("_lastUpdated", "gt2020-01-01"),
            ("type", "pde"),
            ("type", "carrier"),
            ("_lastUpdated", "gt2020-01-01"),
            ("_count", "10"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let asked = search::eob(&params).unwrap();
        assert_eq!(asked.types, Some(vec![RecordType::Carrier]));
        let query = link_query(&[("patient", "-5".to_owned())], &params);
        assert_eq!(
            query,
            [
                ("patient", "-5"),
                ("type", "pde"),
                ("type", "carrier"),
                ("_lastUpdated", "gt2020-01-01")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let links = paging_link_urls(
            "https://h/v2/fhir/",
            "ExplanationOfBenefit",
            &query,
            25,
            asked.paging,
        );
        assert_eq!(links.len(), 3);
        for (relation, url) in links {
            let again = search_of(&url);
            assert_eq!(again.types, asked.types, "{relation}: {url}");
            assert_eq!(
                again.last_updated,
                asked.last_updated[..1],
                "{relation}: {url}"
            );
        }
    }

    #[test]
    fn date_filters_become_period_bounds() {
        use bb_store::Bound;
        let f = |v: &str| {
            let parsed =
                search::eob(&[("service-date".to_owned(), v.to_owned())]).map(|s| s.service_date);
            parsed
                .ok()
                .and_then(|d| d.first().copied())
                .map(|d| bounds(&d))
                .unwrap_or_default()
        };
        // 2020-01-01 is day 18262.
        let (start, end) = (18_262 * 86_400_000, 18_263 * 86_400_000);
        assert_eq!(f("ge2020-01-01"), vec![Bound::EndsAfter(start)]);
        assert_eq!(f("gt2020-01-01"), vec![Bound::EndsAfter(end)]);
        assert_eq!(f("lt2020-01-01"), vec![Bound::StartsBefore(start)]);
        assert_eq!(f("le2020-01-01"), vec![Bound::StartsBefore(end)]);
        assert_eq!(
            f("2020-01-01"),
            vec![Bound::StartsAtOrAfter(start), Bound::EndsAtOrBefore(end)]
        );
    }
}
