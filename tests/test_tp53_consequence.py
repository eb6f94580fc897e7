"""Consequence classes and HGVS computed from the shipped TP53 model (NM_000546.6, minus strand).

Expected values are independent of the code: VEP's own annotation of phyloflow A25 (c.840A>T
p.Arg280Ser), Oncotator's cDNA_Change/Protein_Change in the TCGA GBMLGG MAF, well-known hotspot
coordinates (R175H chr17:7578406 C>T, R213* c.637C>T, R248Q 7577538 C>T on GRCh37), and HGVS
rules (varnomen.hgvs.org: 3' rule, 'del'/'dup' without bases, 'fsTer' counted from the first
changed residue, '+' for the middle base of an intron).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from mdm2screen.variants import CONSEQUENCE_CLASSES, annotate_tp53
from mdm2screen.variants.transcript import normalize, tp53_model

DATA = Path(__file__).parent / "data" / "variants"
# GRCh38 = GRCh37 + 96,682 across the whole TP53 locus (tp53_exons.tsv: 7590856 -> 7687538).
OFFSET_38 = 96_682

# (GRCh37 position, REF, ALT, class, HGVS c., HGVS p.)
CASES = [
    (7577098, "T", "A", "missense", "c.840A>T", "p.Arg280Ser"),  # VEP CSQ in phyloflow A25
    (7578406, "C", "T", "missense", "c.524G>A", "p.Arg175His"),  # R175H hotspot (MAF: c.524G>A p.R175H)
    (7577538, "C", "T", "missense", "c.743G>A", "p.Arg248Gln"),
    (7577094, "G", "A", "missense", "c.844C>T", "p.Arg282Trp"),
    (7577124, "C", "T", "missense", "c.814G>A", "p.Val272Met"),  # PCGR T001-BRCA
    (7578212, "G", "A", "nonsense", "c.637C>T", "p.Arg213Ter"),  # R213*
    (7579470, "CG", "C", "frameshift", "c.216del", "p.Val73TrpfsTer50"),  # PCGR T001-COAD, C run c.211-216
    (7576910, "G", "-", "frameshift", "c.936del", "p.Ser313AlafsTer32"),  # MAF c.936delC (MAF style allele)
    (7577557, "AGGAACTGTT", "A", "inframe_deletion", "c.715_723del", "p.Asn239_Ser241del"),  # MAF p.NSS239del
    # CGG (Arg248) duplicated; Arg249 follows, so the protein-level 3' rule gives p.Arg249dup.
    (7577536, "T", "TCCG", "inframe_insertion", "c.742_744dup", "p.Arg249dup"),
    (7577076, "-", "C", "frameshift", "c.861dup", "p.Asn288GlufsTer18"),  # MAF Frame_Shift_Ins
    (7579911, "A", "G", "start_lost", "c.2T>C", "p.Met1?"),
    (7572927, "T", "G", "stop_lost", "c.1182A>C", "p.Ter394CysextTer9"),  # read on into the 3' UTR: CAT TCT ... TGA
    (7579311, "C", "T", "splice_donor", "c.375+1G>A", "p.?"),
    (7579310, "A", "C", "splice_donor", "c.375+2T>G", "p.?"),
    (7578555, "C", "T", "splice_acceptor", "c.376-1G>A", "p.?"),
    (7578556, "T", "C", "splice_acceptor", "c.376-2A>G", "p.?"),
    (7579307, "C", "T", "splice_region", "c.375+5G>A", None),  # intronic +5
    (7578559, "A", "G", "splice_region", "c.376-5T>C", None),  # intronic -5
    (7579700, "C", "T", "splice_region", "c.96G>A", "p.Leu32="),  # synonymous at the last exonic base
    (7579471, "G", "A", "synonymous", "c.216C>T", "p.Pro72="),
    (7579913, "G", "T", "utr5", "c.-1C>A", None),
    (7572926, "G", "T", "utr3", "c.*1C>A", None),
    (7579250, "A", "G", "intronic", "c.375+62T>C", None),
    (7590860, "A", "C", "upstream", "c.-194T>G", None),
    (7571715, "G", "A", "downstream", "c.*1212C>T", None),
]


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
@pytest.mark.parametrize(("pos", "ref", "alt", "klass", "hgvs_c", "hgvs_p"), CASES)
def test_consequence_and_hgvs_in_both_builds(build, pos, ref, alt, klass, hgvs_c, hgvs_p):
    position = pos if build == "GRCh37" else pos + OFFSET_38
    assert annotate_tp53("17", position, ref, alt, build) == (klass, hgvs_c, hgvs_p)


def test_every_class_is_exercised():
    covered = {case[3] for case in CASES}
    # Structural classes come from SV records (tests/test_variants_evidence_loss.py), never from a sequence change.
    assert covered == set(CONSEQUENCE_CLASSES) - {"other", "structural_deletion", "structural_rearrangement"}


def test_chr_prefix_and_build_aliases():
    assert annotate_tp53("chr17", 7577098, "T", "A", "hg19") == annotate_tp53("17", 7577098, "T", "A", "GRCh37")
    assert annotate_tp53("chr17", 7673780, "T", "A", "hg38")[1] == "c.840A>T"


def test_other_chromosome_and_symbolic_alleles_are_other():
    assert annotate_tp53("12", 69_210_000, "A", "G", "GRCh37") == ("other", None, None)
    assert annotate_tp53("17", 7577098, "T", "<DEL>", "GRCh37") == ("other", None, None)
    assert annotate_tp53("17", 7577098, "T", "T", "GRCh37") == ("other", None, None)


def test_splice_window_settings_change_the_class():
    # With a 1-base splice site, +2 becomes splice region; with a 4-base region, +5 becomes intronic.
    assert annotate_tp53("17", 7579310, "A", "C", "GRCh37", splice_site_bases=1)[0] == "splice_region"
    assert annotate_tp53("17", 7579307, "C", "T", "GRCh37", splice_region_bases=4)[0] == "intronic"


def test_deletion_touching_the_donor_is_a_splice_change():
    # Delete the last exonic base of exon 4 (c.375 G) and the GT of c.375+1..+2 (plus strand: C, C, A).
    klass, hgvs_c, hgvs_p = annotate_tp53("17", 7579309, "GACC", "G", "GRCh37")
    assert klass == "splice_donor"
    assert hgvs_c == "c.375_375+2del"
    assert hgvs_p == "p.?"


def test_insertion_between_intron_bases_1_and_2_breaks_the_donor():
    # Plus strand 7579309-7579312 is G A C C (c.375+3, +2, +1, c.375): a C inserted between the G and T of the donor.
    assert annotate_tp53("17", 7579310, "A", "AG", "GRCh37")[:2] == ("splice_donor", "c.375+1_375+2insC")
    # Between +2 and +3 the GT is intact (an inserted T repeats +2: c.375+2dup): splice region only.
    assert annotate_tp53("17", 7579309, "G", "GA", "GRCh37")[:2] == ("splice_region", "c.375+2dup")


def test_nonsense_by_mnv_and_inframe_stop_insertion():
    # c.637_638 CG -> TA in codon 213 (CGA): TAA stop.
    assert annotate_tp53("17", 7578211, "CG", "TA", "GRCh37") == ("nonsense", "c.637_638delinsTA", "p.Arg213Ter")


class TestNormalisation:
    """The same change written differently gets one key and one HGVS (HGVS 3' rule = genomic left shift)."""

    def test_homopolymer_deletion_written_at_any_position(self):
        model = tp53_model("GRCh37")
        written = [
            (7579470, "CG", "C"),  # PCGR's representation
            (7579475, "GG", "G"),  # the last C of the run (c.211) deleted instead
            (7579473, "GGG", "GG"),  # padded representation
            (7579471, "G", "-"),  # MAF style
        ]
        keys = {(c.key_pos, c.key_ref, c.key_alt) for c in (normalize(*w, model) for w in written)}
        assert keys == {(7579470, "CG", "C")}
        for pos, ref, alt in ((7579475, "GG", "G"), (7579471, "G", "-")):
            assert annotate_tp53("17", pos, ref, alt, "GRCh37")[1:] == ("c.216del", "p.Val73TrpfsTer50")

    def test_insertion_in_a_repeat_is_a_duplication_at_one_key(self):
        model = tp53_model("GRCh37")
        a = normalize(7577536, "T", "TCCG", model)
        b = normalize(7577539, "G", "GCCG", model)
        assert (a.key_pos, a.key_ref, a.key_alt) == (b.key_pos, b.key_ref, b.key_alt) == (7577536, "T", "TCCG")
        assert annotate_tp53("17", 7577539, "G", "GCCG", "GRCh37")[1] == "c.742_744dup"

    def test_common_suffix_and_prefix_are_trimmed(self):
        model = tp53_model("GRCh37")
        change = normalize(7577097, "CTC", "CAC", model)
        assert (change.key_pos, change.key_ref, change.key_alt) == (7577098, "T", "A")

    def test_maf_insertion_key_matches_vcf_inside_cds(self):
        model = tp53_model("GRCh37")
        maf = normalize(7577076, "-", "C", model)
        anchor = model.plus_bases[maf.key_pos]
        vcf = normalize(maf.key_pos, anchor, anchor + "C", model)
        assert (maf.key_pos, maf.key_ref, maf.key_alt) == (vcf.key_pos, vcf.key_ref, vcf.key_alt)

    def test_intronic_maf_deletion_is_shifted_and_keyed_like_the_vcf(self):
        # The genome is known in introns too: an A deleted from the run c.375+62..+64 (plus 7579248-7579250)
        # gets the VCF key anchored on 7579247 G and the HGVS 3'-most position, whichever A the file names.
        model = tp53_model("GRCh37")
        for written in ((7579250, "A", "-"), (7579248, "A", "-"), (7579249, "AA", "A"), (7579247, "GA", "G")):
            change = normalize(*written, model)
            assert (change.key_pos, change.key_ref, change.key_alt) == (7579247, "GA", "G")
            assert annotate_tp53("17", *written, "GRCh37") == ("intronic", "c.375+64del", None)


def _maf_tp53_rows():
    with gzip.open(DATA / "RTCGA_gbmlgg" / "GBMLGG.mutations.subset.maf.gz", "rt") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["Hugo_Symbol"] == "TP53" and row["cDNA_Change"].startswith("c."):
                yield row


ONE_TO_THREE = {
    "A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu", "G": "Gly", "H": "His",
    "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe", "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp",
    "Y": "Tyr", "V": "Val", "*": "Ter",
}  # fmt: skip


def test_model_agrees_with_oncotator_for_every_tcga_tp53_snv():
    """Oncotator (TCGA Firehose MAF) annotated these rows independently; our model must agree."""
    checked = 0
    for row in _maf_tp53_rows():
        if row["Variant_Type"] != "SNP":
            continue
        alt = row["Tumor_Seq_Allele2"]
        klass, hgvs_c, hgvs_p = annotate_tp53(
            row["Chromosome"], int(row["Start_position"]), row["Reference_Allele"], alt, "37"
        )
        assert hgvs_c == row["cDNA_Change"], row
        one = row["Protein_Change"]  # e.g. p.R282W
        expected_p = f"p.{ONE_TO_THREE[one[2]]}{one[3:-1]}{ONE_TO_THREE[one[-1]]}"
        assert hgvs_p == expected_p
        assert klass == "missense"
        checked += 1
    assert checked >= 15


def test_model_agrees_with_oncotator_on_indel_classes():
    expected = {"Frame_Shift_Del": "frameshift", "Frame_Shift_Ins": "frameshift", "In_Frame_Del": "inframe_deletion"}
    seen = 0
    for row in _maf_tp53_rows():
        if row["Variant_Type"] in ("DEL", "INS"):
            klass, hgvs_c, _ = annotate_tp53(
                "17", int(row["Start_position"]), row["Reference_Allele"], row["Tumor_Seq_Allele2"], "GRCh37"
            )
            assert klass == expected[row["Variant_Classification"]]
            # Oncotator writes the deleted bases (c.936delC); current HGVS omits them.
            assert row["cDNA_Change"].startswith(hgvs_c)
            seen += 1
    assert seen == 2
