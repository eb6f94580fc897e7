"""Gene-level copy number: coverage, breakpoints, bins, purity conversion, thresholds and calls.

Real files from tests/data/cn/ (see its README.md). Expected values are read off the files
(values quoted in /work/shared/testdata/INVENTORY.md) and recomputed here with the documented
formulas, never copied from the code under test.
"""

from __future__ import annotations

import json
import math

import pytest
from conftest import CN_DATA, CNVKIT, HMF, LACHESIS, SPEC

from mdm2screen.cn import chromosome_profile, gene_copy_number, read_copy_number
from mdm2screen.cn.genelevel import ratio_to_copy_number
from mdm2screen.cn.read import cache_clear
from mdm2screen.model import AmplificationRule, CopyNumberProfile, GeneRow, Segment
from mdm2screen.reference import GeneLocus, gene_locus

DATA = CN_DATA

# The project's default rule (workflow/schemas/config.schema.yaml): absolute CN >= 8, 6 to < 8 equivocal.
DEFAULT = AmplificationRule(mode="absolute", amplified_at=8, gain_at=6, summary="weighted")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


def gcn(profile, gene, rule=DEFAULT, build="GRCh37", purity=None, ploidy=None, source=None):
    return gene_copy_number(profile, gene_locus(gene, build), rule, purity=purity, ploidy=ploidy,
                            purity_source=source)


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def profile_of(segments, fmt="seg", **kw) -> CopyNumberProfile:
    return CopyNumberProfile(path="synthetic", format=fmt, sample="S", segments=segments, **kw)


def seg(chrom, start, end, value, kind="copy_number", cn=None, line=None) -> Segment:
    return Segment(chrom, start, end, value, kind, copy_number=cn, line=line)


# --------------------------------------------------------------------------- CNVkit


def test_tr95t_mdm2_and_cdk4_amplified() -> None:
    p = read_copy_number(CNVKIT / "tr95t.cns", build="GRCh37")
    mdm2, cdk4, tp53 = gcn(p, "MDM2"), gcn(p, "CDK4"), gcn(p, "TP53")
    assert mdm2.call == "amplified" and mdm2.amplified is True
    assert mdm2.raw_value == pytest.approx(2.817, abs=1e-3) and mdm2.raw_kind == "log2"
    assert mdm2.copy_number == pytest.approx(2 * 2**2.81701, rel=1e-4)  # pure tumour assumed
    assert "purity_unknown" in codes(mdm2) and "shown for a pure tumour" in mdm2.method
    # Purity unknown: the range runs from the pure tumour (14.1) up, so the whole range is amplified.
    assert mdm2.threshold["copy_number_range"][0] == pytest.approx(2 * 2**2.81701, rel=1e-4)
    assert cdk4.call == "amplified" and cdk4.raw_value == pytest.approx(3.533, abs=1e-3)
    assert tp53.call == "not_amplified" and tp53.amplified is False
    assert mdm2.covered_fraction == 1.0 and len(mdm2.segments) == 1 and mdm2.segments[0]["line"] is not None


def test_cnvkit_purity_rescaling_formula() -> None:
    # cnvkit.py call --purity: CN = (2 * 2**log2 - 2 * (1 - p)) / p.
    p = read_copy_number(CNVKIT / "tr95t.cns", build="GRCh37")
    r = gcn(p, "MDM2", purity=0.4, source="sample sheet")
    ratio = 2**2.81701
    assert r.copy_number == pytest.approx((2 * ratio - 2 * 0.6) / 0.4, rel=1e-4)
    assert r.purity == 0.4 and r.purity_source == "sample sheet"
    assert "purity_unknown" not in codes(r) and "purity 0.40" in r.method
    assert ratio_to_copy_number(2**-5, 0.3) == 0.0  # clamped at 0


def test_call_cns_uses_cn_column_and_is_not_amplified() -> None:
    p = read_copy_number(CNVKIT / "p2-9_2.call.cns", build="GRCh37")
    for gene in ("MDM2", "CDK4"):
        r = gcn(p, gene, purity=0.3)
        # the 'cn' column is already a copy number: no purity rescaling, no purity_unknown
        assert r.call == "not_amplified" and r.copy_number == 2 and "purity_unknown" not in codes(r)
        assert r.raw_value == pytest.approx(-0.0139775) and "as stated by the file" in r.method


def test_cl_seq_not_amplified() -> None:
    p = read_copy_number(CNVKIT / "cl_seq.cns", build="GRCh37")
    r = gcn(p, "MDM2")
    assert r.call == "not_amplified" and r.raw_value == pytest.approx(0.138389)


def test_amplicon_breakpoint_inside_mdm2_weighted_vs_max() -> None:
    # Two segments overlap MDM2 (log2 +0.290 and -0.583) with a 540 bp probe gap between them.
    p = read_copy_number(CNVKIT / "amplicon.cns", build="GRCh37")
    log2_rule = dict(mode="log2", amplified_at=0.2, gain_at=0.1)
    weighted = gcn(p, "MDM2", AmplificationRule(**log2_rule, summary="weighted"))
    highest = gcn(p, "MDM2", AmplificationRule(**log2_rule, summary="max"))
    assert len(weighted.segments) == 2 and weighted.covered_fraction == 1.0
    # Interpolated bases of the probe gap fill coverage but carry no weight: the mean is over measured bases.
    ov = [s["overlap_bp"] - s.get("interpolated_bp", 0) for s in weighted.segments]
    assert sum(s.get("interpolated_bp", 0) for s in weighted.segments) > 0
    raws = [s["raw_value"] for s in weighted.segments]
    assert raws == [pytest.approx(0.289713), pytest.approx(-0.583289)]
    expected = (raws[0] * ov[0] + raws[1] * ov[1]) / sum(ov)
    assert weighted.threshold["value_compared"] == pytest.approx(expected, abs=1e-4)
    assert weighted.call == "not_amplified" and "weighted by measured bases" in weighted.method
    assert highest.call == "amplified" and highest.raw_value == pytest.approx(0.289713)
    assert "maximum over 2" in highest.method
    for r in (weighted, highest):
        reason = next(x for x in r.reasons if x.code == "breakpoint_in_gene")
        assert "0.289713" in reason.message and "-0.583289" in reason.message
        assert "probe_gap_interpolated" in codes(r)
    # With the default absolute rule both segments are neutral: no breakpoint reason, one summary.
    plain = gcn(p, "MDM2")
    assert plain.call == "not_amplified" and "breakpoint_in_gene" not in codes(plain)


def test_amplicon_cnr_bins_median() -> None:
    p = read_copy_number(CNVKIT / "amplicon.cnr", build="GRCh37")
    locus = gene_locus("MDM2", "GRCh37")
    bins = sorted((s for s in p.segments if s.chrom == "12" and s.end >= locus.start and s.start <= locus.end),
                  key=lambda s: s.start)
    values = sorted(b.value for b in bins)
    median = (values[5] + values[6]) / 2 if len(values) == 12 else None
    r = gcn(p, "MDM2")
    assert len(bins) == 12 and len(r.segments) == 12 and "median of 12 bin(s)" in r.method
    assert r.raw_value == pytest.approx(median)
    assert r.covered_fraction == pytest.approx((min(bins[-1].end, locus.end) - bins[0].start + 1) / locus.length)
    # At purity 1 the median is neutral, but a plausible low purity lifts it into the gain band (not to 8).
    assert gcn(p, "MDM2", purity=1.0).call == "not_amplified"
    lo, hi = r.threshold["copy_number_range"]
    assert r.call == "equivocal" and 6 <= hi < 8 and lo < 6
    cdk4 = gcn(p, "CDK4")  # no amplicon in CDK4: not measured
    assert cdk4.call == "not_assessable" and cdk4.amplified is None and codes(cdk4) == ["gene_not_covered"]


def test_bins_fewer_than_three_not_assessable() -> None:
    locus = gene_locus("MDM2", "GRCh37")
    bins = [seg("12", locus.start + i * 100, locus.start + i * 100 + 99, 4.0, "log2") for i in range(2)]
    r = gcn(profile_of(bins, fmt="cnvkit_cnr", is_bin_level=True), "MDM2")
    assert r.call == "not_assessable" and r.amplified is None and codes(r) == ["too_few_bins"]


# --------------------------------------------------------------------------- SEG


@pytest.mark.parametrize("sample,raw", [("TR_06_T", 3.5292), ("TR_95_T", 2.4702)])
def test_cw_tr_log2_mdm2_amplified(sample: str, raw: float) -> None:
    p = read_copy_number(CNVKIT / "cw-tr-log2.seg", sample=sample, build="GRCh37")
    r = gcn(p, "MDM2")
    assert r.call == "amplified" and r.raw_value == pytest.approx(raw)
    assert r.copy_number == pytest.approx(2 * 2**raw)


def test_tr06_probe_gap_is_split_at_the_midpoint() -> None:
    # TR_06_T probes every 150 kb: one segment ends at 69,075,000 (log2 -0.23), the next starts at
    # 69,225,000 (3.53), inside MDM2. The gap's midpoint (69,150,000) is upstream of MDM2.
    p = read_copy_number(CNVKIT / "cw-tr-log2.seg", sample="TR_06_T", build="GRCh37")
    r = gcn(p, "MDM2")
    assert len(r.segments) == 1 and r.covered_fraction == 1.0
    assert r.segments[0]["interpolated_bp"] == 69225000 - 69201956
    assert "probe_gap_interpolated" in codes(r)


def test_tr37_cdk4_value() -> None:
    p = read_copy_number(CNVKIT / "cw-tr-log2.seg", sample="TR_37_T", build="GRCh37")
    cdk4, mdm2 = gcn(p, "CDK4"), gcn(p, "MDM2")
    assert cdk4.raw_value == pytest.approx(1.579) and cdk4.copy_number == pytest.approx(2 * 2**1.579)
    # 5.98 for a pure tumour, but 8 or more at a lower plausible purity: the range straddles 8.
    assert cdk4.call == "uncertain" and "purity needed" in cdk4.reasons[-1].message
    assert gcn(p, "CDK4", purity=1.0).call == "not_amplified"  # 5.98 < gain_at 6
    assert mdm2.call == "not_amplified" and mdm2.raw_value == pytest.approx(-0.0399)


@pytest.mark.parametrize("sample,raw", [("TR_06_T", 1.0148), ("TR_37_T", 0.9841)])
def test_acgh_log10_mdm2_amplified_and_base_matters(sample: str, raw: float) -> None:
    as_log10 = read_copy_number(CNVKIT / "acgh-log10.seg", fmt="seg_log10", sample=sample, build="GRCh37")
    as_log2 = read_copy_number(CNVKIT / "acgh-log10.seg", sample=sample, build="GRCh37")
    r10, r2 = gcn(as_log10, "MDM2"), gcn(as_log2, "MDM2")
    assert r10.call == "amplified" and r10.raw_kind == "log10" and r10.raw_value == pytest.approx(raw)
    assert r10.copy_number == pytest.approx(2 * 10**raw)
    assert r2.copy_number == pytest.approx(2 * 2**raw) and r2.call == "uncertain"  # ~4 copies if pure, 8+ if not
    assert gcn(as_log2, "MDM2", purity=1.0).call == "not_amplified"
    assert r10.copy_number / r2.copy_number > 4  # ~9.6x vs ~2x the reference


def test_warning_seg_has_no_chr12_or_chr17() -> None:
    p = read_copy_number(CNVKIT / "warning.seg", build="GRCh37")
    for gene in ("MDM2", "CDK4", "TP53"):
        r = gcn(p, gene)
        assert r.call == "not_assessable" and r.amplified is None and r.copy_number is None
        assert codes(r) == ["gene_not_covered"] and r.covered_fraction == 0.0


def test_firehose_tumour_aliquot_mdm2_amplified() -> None:
    p = read_copy_number(DATA / "RTCGA_gbmlgg" / "GBMLGG.snp6.minus_germline_cnv.hg19.subset.seg",
                         sample="TCGA-06-0140-01A-01D-0214-01", build="GRCh37")
    assert gcn(p, "MDM2").call == "amplified"
    normal = read_copy_number(DATA / "RTCGA_gbmlgg" / "GBMLGG.snp6.minus_germline_cnv.hg19.subset.seg",
                              sample="TCGA-06-0140-10A-01D-0214-01", build="GRCh37")
    assert gcn(normal, "MDM2").call == "not_amplified"


# --------------------------------------------------------------------------- PURPLE


def test_nb_s_599_t_purple_mdm2_45_copies() -> None:
    p = read_copy_number(LACHESIS / "NB-S-599-T.purple.cnv.somatic.tsv", build="GRCh38")
    r = gcn(p, "MDM2", build="GRCh38")
    assert r.call == "amplified" and len(r.segments) == 12
    cns = [s["copy_number"] for s in r.segments]
    assert min(cns) == pytest.approx(38.6908) and max(cns) == pytest.approx(53.784)
    ov = [s["overlap_bp"] for s in r.segments]
    assert sum(ov) == gene_locus("MDM2", "GRCh38").length
    assert r.copy_number == pytest.approx(sum(c * o for c, o in zip(cns, ov, strict=True)) / sum(ov))
    assert 44 < r.copy_number < 46 and "breakpoint_in_gene" not in codes(r)  # all 12 above threshold
    assert "purity_unknown" not in codes(r)
    highest = gcn(p, "MDM2", AmplificationRule(mode="absolute", amplified_at=8, gain_at=6, summary="max"),
                  build="GRCh38")
    assert highest.copy_number == pytest.approx(53.784)
    cdk4 = gcn(p, "CDK4", build="GRCh38")
    assert cdk4.call == "amplified" and cdk4.copy_number > 40


def test_hmftools_cn_3_at_ploidy_3_1_not_amplified() -> None:
    p = read_copy_number(HMF / "tumor_sample.purple.cnv.somatic.tsv", build="GRCh37")
    absolute = gcn(p, "MDM2", ploidy=3.1)
    assert absolute.call == "not_amplified" and absolute.copy_number == pytest.approx(3.0198)
    relative = gcn(p, "MDM2", AmplificationRule(mode="relative_ploidy", amplified_at=3, gain_at=2), ploidy=3.1)
    assert relative.call == "not_amplified"
    assert relative.threshold["value_compared"] == pytest.approx(3.0198 / 3.1)
    assert relative.threshold["ploidy_used"] == 3.1 and "ploidy_unknown" not in codes(relative)
    unknown = gcn(p, "MDM2", AmplificationRule(mode="relative_ploidy", amplified_at=3, gain_at=1.4))
    assert unknown.threshold["ploidy_used"] == 2.0 and "ploidy_unknown" in codes(unknown)
    assert unknown.call == "equivocal"  # 3.02 / 2 = 1.51 >= 1.4


def test_hmftools_gene_table_excerpt() -> None:
    p = read_copy_number(HMF / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv", build="GRCh37")
    r = gcn(p, "MDM2")
    assert r.call == "not_amplified" and r.copy_number == pytest.approx(3.0157)
    assert r.segments[0]["max_copy_number"] == pytest.approx(3.0157) and "minCopyNumber" in r.method
    assert gcn(p, "TP53").copy_number == pytest.approx(2.9887)


def test_gpgr_gene_table_without_mdm2_is_not_assessable() -> None:
    p = read_copy_number(DATA / "umccr_gpgr" / "purple.cnv.gene.tsv", build="GRCh38")
    r = gcn(p, "MDM2", build="GRCh38")
    assert r.call == "not_assessable" and r.amplified is None and codes(r) == ["gene_not_reported"]


def test_gene_table_partial_amplification_is_equivocal() -> None:
    row = GeneRow("MDM2", "12", 69201956, 69239214, min_copy_number=3.0, max_copy_number=22.0, line=2)
    r = gcn(profile_of([], fmt="purple_gene", gene_rows={"MDM2": row}), "MDM2")
    assert r.call == "equivocal" and r.amplified is None and "partial_amplification" in codes(r)


# --------------------------------------------------------------------------- other callers


@pytest.mark.parametrize("name,build", [("T001-BRCA.grch37.cna.tsv", "GRCh37"), ("T001-BRCA.grch38.cna.tsv", "GRCh38")])
def test_pcgr_cna_not_amplified(name: str, build: str) -> None:
    p = read_copy_number(DATA / "sigven_pcgr" / name, build=build)
    for gene in ("MDM2", "CDK4"):
        r = gcn(p, gene, build=build)
        assert r.call == "not_amplified" and r.copy_number == 2


def test_ascat_s98_values_not_amplified() -> None:
    # S98 is hg18 (see test_cn_readers); its chr12 segment spans MDM2 in any build: nMajor 1 + nMinor 1.
    from mdm2screen.cn import ascat

    text = (LACHESIS / "S98.segments.txt").read_text().splitlines()
    parsed = ascat.parse("S98.segments.txt", text, "ascat")
    r = gcn(profile_of(parsed.samples["S98"], fmt="ascat"), "MDM2")
    assert r.call == "not_amplified" and r.copy_number == 2


def test_aceseq_nbe26_not_amplified() -> None:
    p = read_copy_number(LACHESIS / "NBE26_comb_pro_extra3.25_0.88.txt", build="GRCh37")
    r = gcn(p, "MDM2")
    assert r.call == "not_amplified" and r.copy_number == 3 and r.raw_value == pytest.approx(2.9962893)
    rel = gcn(p, "MDM2", AmplificationRule(mode="relative_ploidy", amplified_at=3, gain_at=2), ploidy=3.25)
    assert rel.threshold["value_compared"] == pytest.approx(3 / 3.25) and rel.call == "not_amplified"


def test_facets_hcc2218() -> None:
    p = read_copy_number(DATA / "umccr_vcf_stuff" / "HCC2218_facets_cncf.tsv", build="GRCh37")
    assert gcn(p, "MDM2").copy_number == 2 and gcn(p, "TP53").copy_number == 1
    erbb2 = GeneLocus("ERBB2", "GRCh37", "17", 37844167, 37886679, "+")
    r = gene_copy_number(p, erbb2, DEFAULT, purity=None, ploidy=None, purity_source=None)
    assert r.call == "amplified"


def test_sequenza_amplified_mdm2_and_partial_tp53_deletion() -> None:
    p = read_copy_number(SPEC / "sequenza_sample_segments.txt", build="GRCh37")
    assert gcn(p, "MDM2").call == "amplified" and gcn(p, "MDM2").copy_number == 12
    tp53 = gcn(p, "TP53", DEFAULT)
    assert tp53.call == "deleted" and tp53.amplified is False
    assert "partial_deletion" in codes(tp53) and "breakpoint_in_gene" in codes(tp53)
    assert any(s["copy_number"] == 0 for s in tp53.segments)


def test_dragen_cn_used_as_is_and_tso_fold_change() -> None:
    p = read_copy_number(SPEC / "dragen_tumor.cnv.vcf", build="GRCh38")
    r = gcn(p, "MDM2", build="GRCh38", purity=p.purity, source="copy-number file")
    assert r.call == "amplified" and r.copy_number == 14 and r.raw_value == 4.72 and r.raw_kind == "fold_change"
    # TST170 help page: purity 30 %, fold change 2.2 -> 10 copies: n = [(200 x FC) - 2 x (100 - X)] / X.
    tst = read_copy_number(SPEC / "tst_sample_CopyNumberVariants.vcf", build="GRCh37")
    met = GeneLocus("MET", "GRCh37", "7", 116312444, 116438440, "+")
    m = gene_copy_number(tst, met, DEFAULT, purity=0.3, ploidy=None, purity_source="sample sheet")
    assert m.copy_number == pytest.approx(10.0) and m.call == "amplified"
    assert gcn(tst, "MDM2").call == "amplified" and gcn(tst, "TP53").call == "not_assessable"


def test_event_only_vcf_gaps_are_not_bridged() -> None:
    # DRAGEN without REF calls: a DUP ending 1 kb before MDM2 says nothing about MDM2.
    locus = gene_locus("MDM2", "GRCh37")
    segs = [seg("12", locus.start - 50000, locus.start - 1000, 5.0, "fold_change"),
            seg("12", locus.end + 1000, locus.end + 50000, 1.0, "fold_change")]
    event_only = gcn(profile_of(segs, fmt="dragen_vcf"), "MDM2")
    assert event_only.call == "not_assessable" and codes(event_only) == ["gene_not_covered"]
    probe_based = gcn(profile_of(segs, fmt="seg"), "MDM2")
    # Probe gap: covered, but no probe inside the gene; the value lies between the flanks' (1 and 5-fold).
    assert probe_based.covered_fraction == 1.0 and probe_based.observed_fraction == 0.0
    assert "gene_only_interpolated" in codes(probe_based) and probe_based.call == "uncertain"
    # Either flank's value, never their mean: 2 copies (fold change 1) up to 42 (fold change 5 at purity 0.2).
    assert probe_based.threshold["copy_number_range"] == pytest.approx([2.0, 2 * (1 + 4 / 0.2)])


# --------------------------------------------------------------------------- rules


def test_partial_coverage_is_not_assessable() -> None:
    locus = gene_locus("MDM2", "GRCh37")
    part = locus.start + int(locus.length * 0.3)
    r = gcn(profile_of([seg("12", 1, part, 50.0)], fmt="dragen_vcf"), "MDM2")
    assert r.call == "not_assessable" and r.amplified is None and codes(r) == ["gene_partially_covered"]
    assert r.covered_fraction == pytest.approx(0.3, abs=1e-3) and "30%" in r.reasons[0].message
    # the same file passes with a permissive rule
    loose = AmplificationRule(mode="absolute", amplified_at=8, gain_at=6, min_covered_fraction=0.25)
    assert gcn(profile_of([seg("12", 1, part, 50.0)], fmt="dragen_vcf"), "MDM2", loose).call == "amplified"


def test_segments_elsewhere_on_the_chromosome_are_not_evidence() -> None:
    r = gcn(profile_of([seg("12", 1, 1_000_000, 2.0), seg("12", 100_000_000, 120_000_000, 2.0)]), "MDM2")
    assert r.call == "not_assessable" and codes(r) == ["gene_not_covered"]


@pytest.mark.parametrize("cn,call,amplified,reason", [
    (9.0, "amplified", True, None),
    (8.0, "amplified", True, None),
    (7.0, "equivocal", None, "gain_not_amplification"),
    (3.0, "not_amplified", False, None),
    (0.3, "deleted", False, "homozygous_deletion"),
])
def test_absolute_thresholds(cn: float, call: str, amplified, reason) -> None:
    locus = gene_locus("MDM2", "GRCh37")
    r = gcn(profile_of([seg("12", locus.start - 10, locus.end + 10, cn)]), "MDM2")
    assert (r.call, r.amplified) == (call, amplified)
    assert r.threshold == {"mode": "absolute", "amplified_at": 8, "gain_at": 6, "deletion_at": 0.5,
                           "value_compared": cn, "value_range": [cn, cn], "copy_number_range": [cn, cn]}
    if reason:
        assert reason in codes(r)
    if reason == "gain_not_amplification":
        assert "a reviewer can request FISH or IHC" in r.reasons[-1].message


def test_log2_and_fold_change_modes() -> None:
    locus = gene_locus("MDM2", "GRCh37")
    absolute = profile_of([seg("12", locus.start, locus.end, 12.0)])
    r = gcn(absolute, "MDM2", AmplificationRule(mode="log2", amplified_at=2.0, gain_at=1.0))
    assert r.threshold["value_compared"] == pytest.approx(math.log2(12 / 2)) and r.call == "amplified"
    r = gcn(absolute, "MDM2", AmplificationRule(mode="fold_change", amplified_at=6.5, gain_at=2.0))
    assert r.threshold["value_compared"] == pytest.approx(6.0) and r.call == "equivocal"
    log10 = profile_of([seg("12", locus.start, locus.end, 0.5, "log10")])
    r = gcn(log10, "MDM2", AmplificationRule(mode="log2", amplified_at=1.0, gain_at=0.5))
    assert r.threshold["value_compared"] == pytest.approx(0.5 * math.log2(10))


def test_low_purity() -> None:
    locus = gene_locus("MDM2", "GRCh37")
    neutral = profile_of([seg("12", locus.start, locus.end, 0.05, "log2")])
    r = gcn(neutral, "MDM2", purity=0.1)
    assert r.call == "not_assessable" and r.amplified is None and "low_purity" in codes(r)
    assert "could not exclude an amplification" in r.reasons[-1].message
    high = profile_of([seg("12", locus.start, locus.end, 1.5, "log2")])
    r = gcn(high, "MDM2", purity=0.1)
    assert r.call == "amplified" and r.amplified is True and "low_purity" not in codes(r)


def test_homozygous_and_partial_deletion_of_tp53() -> None:
    locus = gene_locus("TP53", "GRCh37")
    whole = gcn(profile_of([seg("17", 1, 20_000_000, 0.0)]), "TP53")
    assert whole.call == "deleted" and whole.amplified is False and "homozygous_deletion" in codes(whole)
    mid = locus.start + locus.length // 2
    partial = gcn(profile_of([seg("17", 1, mid, 2.0), seg("17", mid + 1, 20_000_000, 0.1)]), "TP53")
    assert partial.call == "deleted" and "partial_deletion" in codes(partial)
    assert partial.copy_number > 0.5  # the weighted mean alone would not have shown it


def test_nan_segment_never_counts() -> None:
    locus = gene_locus("MDM2", "GRCh37")
    r = gcn(profile_of([seg("12", locus.start, locus.end, math.nan, "log2")]), "MDM2")
    assert r.call == "not_assessable" and r.amplified is None


def test_bad_purity_argument() -> None:
    p = profile_of([seg("12", 1, 100, 2.0)])
    with pytest.raises(ValueError):
        gcn(p, "MDM2", purity=0.0)
    with pytest.raises(ValueError):
        gcn(p, "MDM2", ploidy=-1.0)


def test_result_serialises_to_json() -> None:
    p = read_copy_number(CNVKIT / "amplicon.cns", build="GRCh37")
    d = gcn(p, "MDM2", AmplificationRule(mode="log2", amplified_at=0.2, gain_at=0.1)).to_dict()
    again = json.loads(json.dumps(d))
    assert again["gene"] == "MDM2" and again["reasons"][0]["code"] and again["segments"][0]["overlap_bp"] > 0


# --------------------------------------------------------------------------- plot data


def test_chromosome_profile_window_and_clipping() -> None:
    p = read_copy_number(CNVKIT / "tr95t.cns", build="GRCh37")
    pts = chromosome_profile(p, "chr12", purity=None, ploidy=None, start=58_000_000, end=70_000_000)
    assert pts and all(58_000_000 <= d["start"] <= d["end"] <= 70_000_000 for d in pts)
    assert set(pts[0]) == {"start", "end", "copy_number", "raw_value"}
    at_mdm2 = [d for d in pts if d["start"] <= 69_201_956 <= d["end"]]
    assert at_mdm2[0]["raw_value"] == pytest.approx(2.81701, abs=1e-4)
    assert at_mdm2[0]["copy_number"] == pytest.approx(2 * 2**2.81701, rel=1e-4)
    with_purity = chromosome_profile(p, "12", purity=0.5, ploidy=2.0, start=58_000_000, end=70_000_000)
    assert with_purity[0]["copy_number"] == pytest.approx(ratio_to_copy_number(2 ** pts[0]["raw_value"], 0.5))


def test_chromosome_profile_downsamples_bins() -> None:
    bins = [seg("12", 1 + i * 1000, (i + 1) * 1000, float(i % 7), "log2") for i in range(2300)]
    pts = chromosome_profile(profile_of(bins, fmt="cnvkit_cnr", is_bin_level=True), "12", purity=None, ploidy=None)
    assert len(pts) <= 500 and pts[0]["start"] == 1 and pts[-1]["end"] == 2_300_000
    assert all(a["end"] < b["start"] for a, b in zip(pts, pts[1:], strict=False))


def test_chromosome_profile_gene_table() -> None:
    p = read_copy_number(HMF / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv", build="GRCh37")
    pts = chromosome_profile(p, "12", purity=None, ploidy=None)
    assert [round(d["copy_number"], 4) for d in pts] == [3.0157, 3.0157] and pts[0]["start"] == 58141510
