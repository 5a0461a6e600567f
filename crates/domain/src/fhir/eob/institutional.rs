//! Elements shared by the institutional claim types (inpatient, outpatient, SNF, hospice,
//! HHA): the contained provider Organization, facility, admission and discharge
//! supportingInfo, revenue-center items, Part A benefit balances.
