//! Macros that list the numbered column groups of a claim (diagnosis 1–25, external
//! causes 1–12, procedures 1–25, present-on-admission flags) as arrays of mutable field
//! references, so that one loop can fill them.

/// `ICD_DGNS_CD1..12` with their version codes.
macro_rules! dx12 {
    ($c:ident) => {
        [
            (&mut $c.icd_dgns_cd1, &mut $c.icd_dgns_vrsn_cd1),
            (&mut $c.icd_dgns_cd2, &mut $c.icd_dgns_vrsn_cd2),
            (&mut $c.icd_dgns_cd3, &mut $c.icd_dgns_vrsn_cd3),
            (&mut $c.icd_dgns_cd4, &mut $c.icd_dgns_vrsn_cd4),
            (&mut $c.icd_dgns_cd5, &mut $c.icd_dgns_vrsn_cd5),
            (&mut $c.icd_dgns_cd6, &mut $c.icd_dgns_vrsn_cd6),
            (&mut $c.icd_dgns_cd7, &mut $c.icd_dgns_vrsn_cd7),
            (&mut $c.icd_dgns_cd8, &mut $c.icd_dgns_vrsn_cd8),
            (&mut $c.icd_dgns_cd9, &mut $c.icd_dgns_vrsn_cd9),
            (&mut $c.icd_dgns_cd10, &mut $c.icd_dgns_vrsn_cd10),
            (&mut $c.icd_dgns_cd11, &mut $c.icd_dgns_vrsn_cd11),
            (&mut $c.icd_dgns_cd12, &mut $c.icd_dgns_vrsn_cd12),
        ]
    };
}

/// `ICD_DGNS_CD1..25` with their version codes.
macro_rules! dx25 {
    ($c:ident) => {
        [
            (&mut $c.icd_dgns_cd1, &mut $c.icd_dgns_vrsn_cd1),
            (&mut $c.icd_dgns_cd2, &mut $c.icd_dgns_vrsn_cd2),
            (&mut $c.icd_dgns_cd3, &mut $c.icd_dgns_vrsn_cd3),
            (&mut $c.icd_dgns_cd4, &mut $c.icd_dgns_vrsn_cd4),
            (&mut $c.icd_dgns_cd5, &mut $c.icd_dgns_vrsn_cd5),
            (&mut $c.icd_dgns_cd6, &mut $c.icd_dgns_vrsn_cd6),
            (&mut $c.icd_dgns_cd7, &mut $c.icd_dgns_vrsn_cd7),
            (&mut $c.icd_dgns_cd8, &mut $c.icd_dgns_vrsn_cd8),
            (&mut $c.icd_dgns_cd9, &mut $c.icd_dgns_vrsn_cd9),
            (&mut $c.icd_dgns_cd10, &mut $c.icd_dgns_vrsn_cd10),
            (&mut $c.icd_dgns_cd11, &mut $c.icd_dgns_vrsn_cd11),
            (&mut $c.icd_dgns_cd12, &mut $c.icd_dgns_vrsn_cd12),
            (&mut $c.icd_dgns_cd13, &mut $c.icd_dgns_vrsn_cd13),
            (&mut $c.icd_dgns_cd14, &mut $c.icd_dgns_vrsn_cd14),
            (&mut $c.icd_dgns_cd15, &mut $c.icd_dgns_vrsn_cd15),
            (&mut $c.icd_dgns_cd16, &mut $c.icd_dgns_vrsn_cd16),
            (&mut $c.icd_dgns_cd17, &mut $c.icd_dgns_vrsn_cd17),
            (&mut $c.icd_dgns_cd18, &mut $c.icd_dgns_vrsn_cd18),
            (&mut $c.icd_dgns_cd19, &mut $c.icd_dgns_vrsn_cd19),
            (&mut $c.icd_dgns_cd20, &mut $c.icd_dgns_vrsn_cd20),
            (&mut $c.icd_dgns_cd21, &mut $c.icd_dgns_vrsn_cd21),
            (&mut $c.icd_dgns_cd22, &mut $c.icd_dgns_vrsn_cd22),
            (&mut $c.icd_dgns_cd23, &mut $c.icd_dgns_vrsn_cd23),
            (&mut $c.icd_dgns_cd24, &mut $c.icd_dgns_vrsn_cd24),
            (&mut $c.icd_dgns_cd25, &mut $c.icd_dgns_vrsn_cd25),
        ]
    };
}

/// `CLM_POA_IND_SW1..25`.
macro_rules! poa25 {
    ($c:ident) => {
        [
            &mut $c.clm_poa_ind_sw1,
            &mut $c.clm_poa_ind_sw2,
            &mut $c.clm_poa_ind_sw3,
            &mut $c.clm_poa_ind_sw4,
            &mut $c.clm_poa_ind_sw5,
            &mut $c.clm_poa_ind_sw6,
            &mut $c.clm_poa_ind_sw7,
            &mut $c.clm_poa_ind_sw8,
            &mut $c.clm_poa_ind_sw9,
            &mut $c.clm_poa_ind_sw10,
            &mut $c.clm_poa_ind_sw11,
            &mut $c.clm_poa_ind_sw12,
            &mut $c.clm_poa_ind_sw13,
            &mut $c.clm_poa_ind_sw14,
            &mut $c.clm_poa_ind_sw15,
            &mut $c.clm_poa_ind_sw16,
            &mut $c.clm_poa_ind_sw17,
            &mut $c.clm_poa_ind_sw18,
            &mut $c.clm_poa_ind_sw19,
            &mut $c.clm_poa_ind_sw20,
            &mut $c.clm_poa_ind_sw21,
            &mut $c.clm_poa_ind_sw22,
            &mut $c.clm_poa_ind_sw23,
            &mut $c.clm_poa_ind_sw24,
            &mut $c.clm_poa_ind_sw25,
        ]
    };
}

/// `ICD_DGNS_E_CD1..12` with their version codes.
macro_rules! ext12 {
    ($c:ident) => {
        [
            (&mut $c.icd_dgns_e_cd1, &mut $c.icd_dgns_e_vrsn_cd1),
            (&mut $c.icd_dgns_e_cd2, &mut $c.icd_dgns_e_vrsn_cd2),
            (&mut $c.icd_dgns_e_cd3, &mut $c.icd_dgns_e_vrsn_cd3),
            (&mut $c.icd_dgns_e_cd4, &mut $c.icd_dgns_e_vrsn_cd4),
            (&mut $c.icd_dgns_e_cd5, &mut $c.icd_dgns_e_vrsn_cd5),
            (&mut $c.icd_dgns_e_cd6, &mut $c.icd_dgns_e_vrsn_cd6),
            (&mut $c.icd_dgns_e_cd7, &mut $c.icd_dgns_e_vrsn_cd7),
            (&mut $c.icd_dgns_e_cd8, &mut $c.icd_dgns_e_vrsn_cd8),
            (&mut $c.icd_dgns_e_cd9, &mut $c.icd_dgns_e_vrsn_cd9),
            (&mut $c.icd_dgns_e_cd10, &mut $c.icd_dgns_e_vrsn_cd10),
            (&mut $c.icd_dgns_e_cd11, &mut $c.icd_dgns_e_vrsn_cd11),
            (&mut $c.icd_dgns_e_cd12, &mut $c.icd_dgns_e_vrsn_cd12),
        ]
    };
}

/// `ICD_PRCDR_CD1..25` with their version codes and dates.
macro_rules! px25 {
    ($c:ident) => {
        [
            (
                &mut $c.icd_prcdr_cd1,
                &mut $c.icd_prcdr_vrsn_cd1,
                &mut $c.prcdr_dt1,
            ),
            (
                &mut $c.icd_prcdr_cd2,
                &mut $c.icd_prcdr_vrsn_cd2,
                &mut $c.prcdr_dt2,
            ),
            (
                &mut $c.icd_prcdr_cd3,
                &mut $c.icd_prcdr_vrsn_cd3,
                &mut $c.prcdr_dt3,
            ),
            (
                &mut $c.icd_prcdr_cd4,
                &mut $c.icd_prcdr_vrsn_cd4,
                &mut $c.prcdr_dt4,
            ),
            (
                &mut $c.icd_prcdr_cd5,
                &mut $c.icd_prcdr_vrsn_cd5,
                &mut $c.prcdr_dt5,
            ),
            (
                &mut $c.icd_prcdr_cd6,
                &mut $c.icd_prcdr_vrsn_cd6,
                &mut $c.prcdr_dt6,
            ),
            (
                &mut $c.icd_prcdr_cd7,
                &mut $c.icd_prcdr_vrsn_cd7,
                &mut $c.prcdr_dt7,
            ),
            (
                &mut $c.icd_prcdr_cd8,
                &mut $c.icd_prcdr_vrsn_cd8,
                &mut $c.prcdr_dt8,
            ),
            (
                &mut $c.icd_prcdr_cd9,
                &mut $c.icd_prcdr_vrsn_cd9,
                &mut $c.prcdr_dt9,
            ),
            (
                &mut $c.icd_prcdr_cd10,
                &mut $c.icd_prcdr_vrsn_cd10,
                &mut $c.prcdr_dt10,
            ),
            (
                &mut $c.icd_prcdr_cd11,
                &mut $c.icd_prcdr_vrsn_cd11,
                &mut $c.prcdr_dt11,
            ),
            (
                &mut $c.icd_prcdr_cd12,
                &mut $c.icd_prcdr_vrsn_cd12,
                &mut $c.prcdr_dt12,
            ),
            (
                &mut $c.icd_prcdr_cd13,
                &mut $c.icd_prcdr_vrsn_cd13,
                &mut $c.prcdr_dt13,
            ),
            (
                &mut $c.icd_prcdr_cd14,
                &mut $c.icd_prcdr_vrsn_cd14,
                &mut $c.prcdr_dt14,
            ),
            (
                &mut $c.icd_prcdr_cd15,
                &mut $c.icd_prcdr_vrsn_cd15,
                &mut $c.prcdr_dt15,
            ),
            (
                &mut $c.icd_prcdr_cd16,
                &mut $c.icd_prcdr_vrsn_cd16,
                &mut $c.prcdr_dt16,
            ),
            (
                &mut $c.icd_prcdr_cd17,
                &mut $c.icd_prcdr_vrsn_cd17,
                &mut $c.prcdr_dt17,
            ),
            (
                &mut $c.icd_prcdr_cd18,
                &mut $c.icd_prcdr_vrsn_cd18,
                &mut $c.prcdr_dt18,
            ),
            (
                &mut $c.icd_prcdr_cd19,
                &mut $c.icd_prcdr_vrsn_cd19,
                &mut $c.prcdr_dt19,
            ),
            (
                &mut $c.icd_prcdr_cd20,
                &mut $c.icd_prcdr_vrsn_cd20,
                &mut $c.prcdr_dt20,
            ),
            (
                &mut $c.icd_prcdr_cd21,
                &mut $c.icd_prcdr_vrsn_cd21,
                &mut $c.prcdr_dt21,
            ),
            (
                &mut $c.icd_prcdr_cd22,
                &mut $c.icd_prcdr_vrsn_cd22,
                &mut $c.prcdr_dt22,
            ),
            (
                &mut $c.icd_prcdr_cd23,
                &mut $c.icd_prcdr_vrsn_cd23,
                &mut $c.prcdr_dt23,
            ),
            (
                &mut $c.icd_prcdr_cd24,
                &mut $c.icd_prcdr_vrsn_cd24,
                &mut $c.prcdr_dt24,
            ),
            (
                &mut $c.icd_prcdr_cd25,
                &mut $c.icd_prcdr_vrsn_cd25,
                &mut $c.prcdr_dt25,
            ),
        ]
    };
}

pub(crate) use {dx12, dx25, ext12, poa25, px25};
