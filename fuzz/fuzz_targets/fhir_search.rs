//! FHIR search parameters (`bb_domain::fhir::search`) from an arbitrary query string, as the
//! `/v2/fhir/` search handlers receive it (axum's `Query<Vec<(String, String)>>` is
//! `form_urlencoded::parse`).
//!
//! The input is 8 bytes of result size (the number of matches a store would report) then
//! the query. Properties: parsing never panics; a page size is within 0..=50; a date
//! filter's interval is not empty; the page slice lies within the result and holds at most
//! `_count` entries; and every paging link (`first`, `next`, `previous`, `last`), parsed
//! back the way the server parses a query, is the same search at its own `startIndex` (the same
//! claim types, the same date filters as sets, the same page size).

#![no_main]

use bb_domain::fhir::search::{self, DateFilter, MAX_COUNT, Paging};
use bb_domain::fhir::service::{link_query, page_of, paging_link_urls};
use libfuzzer_sys::fuzz_target;

const BASE: &str = "https://h/v2/fhir/";

fn pairs(query: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query).into_owned().collect()
}

fn check_filters(filters: &[DateFilter]) {
    for f in filters {
        assert!(f.start < f.end, "empty date interval {f:?}");
    }
}

fn same_filters(a: &[DateFilter], b: &[DateFilter]) -> bool {
    a.iter().all(|f| b.contains(f)) && b.iter().all(|f| a.contains(f))
}

fuzz_target!(|data: &[u8]| {
    let Some((size, query)) = data.split_first_chunk::<8>() else {
        return;
    };
    // Mostly small results (a beneficiary has at most thousands of claims), sometimes huge.
    let total = u64::from_le_bytes(*size);
    let total = if total & 1 == 0 {
        (total >> 1) % 1000
    } else {
        total >> 1
    };
    let params = pairs(query);

    if let Ok(common) = search::common(&params) {
        assert!(common.paging.count <= MAX_COUNT);
        check_filters(&common.last_updated);
    }
    let Ok(eob) = search::eob(&params) else {
        return;
    };
    assert!(eob.paging.count <= MAX_COUNT);
    check_filters(&eob.service_date);
    check_filters(&eob.last_updated);

    let Ok(range) = page_of(total, eob.paging) else {
        assert!(total > 0 && eob.paging.start_index >= total);
        return;
    };
    assert!(range.start <= range.end);
    assert!(u64::try_from(range.end).is_ok_and(|end| end <= total));
    assert!(range.len() <= eob.paging.count as usize);

    let forced = [("patient", "-10000000000001".to_owned())];
    let query = link_query(&forced, &params);
    let links = paging_link_urls(BASE, "ExplanationOfBenefit", &query, total, eob.paging);
    for (relation, url) in links {
        let Some(q) = url
            .strip_prefix(BASE)
            .and_then(|rest| rest.strip_prefix("ExplanationOfBenefit?"))
        else {
            panic!("{relation} link {url} is not under {BASE}");
        };
        let again = search::eob(&pairs(q.as_bytes()));
        let Ok(again) = again else {
            panic!("{relation} link {url} does not parse: {again:?}");
        };
        assert_eq!(
            again.types, eob.types,
            "{relation} link {url} changes the types"
        );
        // Filters all apply, so a repeated one may be dropped: compare them as sets.
        assert!(
            same_filters(&again.service_date, &eob.service_date),
            "{relation} link {url}"
        );
        assert!(
            same_filters(&again.last_updated, &eob.last_updated),
            "{relation} link {url}"
        );
        assert_eq!(
            again.paging.count, eob.paging.count,
            "{relation} link {url}"
        );
        if relation == "next" {
            assert!(again.paging.start_index > eob.paging.start_index);
            assert!(again.paging.start_index < total);
        }
        if relation == "last" && total > 0 {
            let last_page = page_of(
                total,
                Paging {
                    count: eob.paging.count.max(1),
                    start_index: again.paging.start_index,
                },
            );
            assert!(last_page.is_ok_and(|r| r.end as u64 == total), "{url}");
        }
    }
});
