"""TP53 HGVS at the edges of the transcript model (issue 24): 3' UTR, exon/intron junctions, input format.

The model now carries the genomic sequence of the locus (RefSeqGene NG_017013.2, shipped in
resources/reference/), so it can (1) translate frameshifts and stop losses into the 3' UTR,
(2) apply the HGVS 3' rule on the genome across exon/intron borders and detect duplications of
intronic bases, and (3) normalise VCF and MAF records the same way.

Where the expected values come from (cited again at each case):

* MSK-IMPACT: cBioPortal's MSK-IMPACT mutation table (VEP annotation on ENST00000269305.4), row for
  sample P-0002794-T02-IM5, GRCh37 17:7572963 T>- (MAF), ``c.1146del`` ``p.Lys382AsnfsTer40``
  (codons aaA/aa); quoted verbatim in a public R tutorial the code index holds (repository not named
  by the index) and in issue 24 itself.
* ClinVar, via ga4gh-beacon/beacon-v2-networks ``queries/TP53-variant-examples.md`` (GRCh38):
  c.672+1G>T 17:7674858 (VCV000630765), c.919+1G>A 17:7673700 (VCV000633606), c.764T>G p.Ile255Ser
  17:7674199 (VCV000376622), c.1101-2A>G 17:7669692 (VCV000141332), c.1165G>T p.Gly389Trp
  17:7669626 (VCV000156517).
* PCGR T001-COAD (sigven/pcgr examples, tests/data/variants/sigven_pcgr): 17:7579470 CG>C,
  c.216del p.Val73TrpfsTer50, as tests/test_tp53_consequence.py.
* Derived by hand from the reference sequence and the HGVS rules (hgvs-nomenclature.org v21.1:
  3' rule, "dup" for an insertion repeating the sequence 5' of it, extension numbering), with the
  bases written out in the comments, so they can be rechecked without running this code.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import random
from pathlib import Path

import pytest

from mdm2screen.config import load_settings
from mdm2screen.paths import reference_path
from mdm2screen.reference import TP53_GENOMIC_FASTA, TP53_GENOMIC_SHA256, _fasta_records, tp53_genomic
from mdm2screen.variants import TP53Settings, annotate_tp53, read_tp53_variants
from mdm2screen.variants.transcript import (
    HGVS_CONVENTION,
    _frameshift,
    annotate_change,
    normalize,
    revcomp,
    tp53_model,
)

OFFSET_38 = 96_682  # GRCh38 = GRCh37 + 96,682 across the TP53 locus (tp53_genomic.tsv, tp53_exons.tsv)
BUILDS = ("GRCh37", "GRCh38")
SETTINGS = dataclasses.replace(
    TP53Settings.from_config(load_settings({"samples": "x"})["tp53"]), require_coverage=False
)


def at(build: str, pos37: int) -> int:
    return pos37 if build == "GRCh37" else pos37 + OFFSET_38


# --------------------------------------------------------------------------- the shipped genomic sequence


class TestGenomicReference:
    def test_file_is_the_documented_ncbi_record(self):
        raw = gzip.decompress(reference_path(TP53_GENOMIC_FASTA).read_bytes())
        assert hashlib.sha256(raw).hexdigest() == TP53_GENOMIC_SHA256
        assert raw.startswith(b">NG_017013.2 Homo sapiens tumor protein p53 (TP53), RefSeqGene (LRG_321)")
        assert len(_fasta_records(TP53_GENOMIC_FASTA, TP53_GENOMIC_SHA256)["NG_017013.2"]) == 32_772
        readme = reference_path("README.md").read_text()
        assert TP53_GENOMIC_SHA256 in readme and "NG_017013.2" in readme

    @pytest.mark.parametrize("build", BUILDS)
    def test_every_exon_lies_inside_and_every_coding_base_matches_the_cds(self, build):
        model = tp53_model(build)
        genome = tp53_genomic(build)
        assert genome.start <= model.tx_start and model.tx_end <= genome.end
        for exon in model.exons:
            assert genome.fetch(exon.start, exon.end) is not None, exon
            if exon.cds_start is None or exon.cds_end is None:
                continue
            c_first = model.position(exon.cds_end).c
            c_last = model.position(exon.cds_start).c
            assert c_first is not None and c_last is not None
            # Coding strand = reverse complement of the plus strand (minus-strand gene).
            assert revcomp(genome.fetch(exon.cds_start, exon.cds_end) or "") == model.cds[c_first - 1 : c_last], exon
        # NM_000546.5 ends 1207 bases after the stop (NG_017013.2 exon 11: 22861-24149, CDS end 22942).
        assert len(model.utr3) == 24149 - 22942 == 1207

    def test_independent_sequences_agree_in_introns_and_flanks(self):
        # UCSC hg19 in-silico PCR product chr17:7576979+7577195 (217 bp, exon 8 with both flanking
        # introns), as returned by hgPcr and quoted in a public JBrowse screenshot script; lower case
        # is UCSC's marking of the insert between the primers.
        hg19 = (
            "CCCTTgGTCTCCTCCACCGCTTcttgtcctgcttgcttacctcgcttagtgctccctgggggcagctcgtggtgaggctcccctttcttgcg"
            "gagattctcttcctctgtgcgccggtctctcccaggacaggcacaaacacgcacctcaaagctgttccgtcccagtagattaccactactcag"
            "gataggaaaaGAGAAGCAAGAGGCAGTAAGGA"
        )
        assert tp53_genomic("GRCh37").fetch(7576979, 7577195) == hg19.upper()
        # genomematt/AmBiVErT ambivert/tests/test_insilicoPCR_to_amplicons.py: GRCh38 amplicon
        # chr17:7674820-7675000 on the minus strand (intron 5, exon 6, intron 6).
        hg38_minus = (
            "GCCTCTGATTCCTCACTGATtgctcttaggtctggcccctcctcagcatcttatccgagtggaaggaaatttgcgtgtggagtatttggat"
            "gacagaaacacttttcgacatagtgtggtggtgccctatgagccgcctgaggtctggtttgcaactggggTCTCTGGGAGGAGGGGTTAA"
        )
        assert revcomp(tp53_genomic("GRCh38").fetch(7674820, 7675000) or "") == hg38_minus.upper()
        # ncsa/phyloflow A25.strelka2.vcf (GRCh37): REF C at 17:7592168, 1.3 kb upstream of exon 1.
        assert tp53_genomic("GRCh37").base(7592168) == "C"

    def test_outside_the_locus_nothing_is_known(self):
        genome = tp53_genomic("GRCh37")
        assert genome.base(genome.start - 1) is None and genome.base(genome.end + 1) is None
        assert genome.fetch(genome.end - 1, genome.end + 1) is None

    def test_loaded_once_per_process(self):
        assert tp53_model("GRCh37") is tp53_model("hg19")
        tp53_genomic("GRCh38")
        before = tp53_genomic.cache_info().misses
        for _ in range(3):
            annotate_tp53("17", 7673806, "C", "T", "GRCh38")
            tp53_genomic("GRCh38")
        assert tp53_genomic.cache_info().misses == before


def test_convention_is_stated():
    assert "HGVS nomenclature v21.1" in HGVS_CONVENTION
    assert "3' rule" in HGVS_CONVENTION and "exon/intron" in HGVS_CONVENTION and "VEP --shift_hgvs 1" in HGVS_CONVENTION


# --------------------------------------------------------------------------- 3' UTR


class TestThreePrimeUtr:
    @pytest.mark.parametrize("build", BUILDS)
    @pytest.mark.parametrize(
        "written",
        [
            (7572963, "T", "-"),  # MSK-IMPACT's MAF row
            (7572968, "T", "-"),  # the same deletion named at the other end of the T run 7572963-7572968
            (7572962, "GT", "G"),  # VCF, left-aligned
            (7572966, "TTT", "TT"),  # VCF, padded inside the run
        ],
    )
    def test_frameshift_reads_past_the_stop_into_the_utr(self, build, written):
        # MSK-IMPACT (VEP): ENST00000269305.4:c.1146del p.Lys382AsnfsTer40. The new frame passes c.1182
        # and stops in the 3' UTR; before the UTR was carried this was written fsTer?.
        pos, ref, alt = written
        assert annotate_tp53("17", at(build, pos), ref, alt, build) == (
            "frameshift",
            "c.1146del",
            "p.Lys382AsnfsTer40",
        )

    @pytest.mark.parametrize("build", BUILDS)
    def test_stop_loss_extension_is_counted_in_the_utr(self, build):
        # c.1182A>C: TGA -> TGC (Cys); the UTR reads CAT TCT CCA CTT CTT GTT CCC CAC TGA (c.*1-*27):
        # His Ser Pro Leu Leu Val Pro His Ter, so the new stop is position 9 of the added sequence.
        assert tp53_model(build).utr3.startswith("CATTCTCCACTTCTTGTTCCCCACTGA")
        assert annotate_tp53("17", at(build, 7572927), "T", "G", build) == (
            "stop_lost",
            "c.1182A>C",
            "p.Ter394CysextTer9",
        )

    @pytest.mark.parametrize("build", BUILDS)
    def test_stop_codon_deleted_or_retained(self, build):
        # c.1180_1182del removes TGA; translation goes on with CAT TCT CCA CTT CTT GTT CCC CAC TGA:
        # His takes the stop's place and the new stop is the 8th codon after it.
        assert annotate_tp53("17", at(build, 7572927), "TCA", "-", build) == (
            "stop_lost",
            "c.1180_1182del",
            "p.Ter394HisextTer8",
        )
        # c.1181G>A: TGA -> TAA still stops (before: misnumbered p.Asp393=).
        assert annotate_tp53("17", at(build, 7572928), "C", "T", build) == ("synonymous", "c.1181G>A", "p.Ter394=")

    def test_only_a_frame_that_runs_off_the_transcript_is_ter_unknown(self):
        # Toy proteins: a new frame with no stop before the end of the known sequence.
        assert _frameshift("MKL*", "MRGGG") == ("frameshift", "p.Lys2ArgfsTer?")
        assert _frameshift("MKL*", "MRG*") == ("frameshift", "p.Lys2ArgfsTer3")


# --------------------------------------------------------------------------- exon/intron junctions


class TestJunctions:
    # GRCh37 plus strand 7579588-7579594: G G A C T G T. Exon 4 begins at 7579590 (c.97 = T, the A's
    # complement); 7579591 C and 7579592 T are c.97-1 G and c.97-2 A, the acceptor AG.
    @pytest.mark.parametrize("build", BUILDS)
    @pytest.mark.parametrize(
        "written",
        [
            (7579590, "A", "ACT"),  # VCF: CT after the exon's first base (transcript: AG before c.97)
            (7579591, "C", "CTC"),  # VCF: the same haplotype written one base further
            (7579592, "T", "TCT"),  # VCF: and two bases further
            (7579590, "-", "CT"),  # MAF: insertion after Start_Position
            (7579592, "-", "CT"),
        ],
    )
    def test_inserted_ag_repeating_the_acceptor_is_an_intronic_dup(self, build, written):
        pos, ref, alt = written
        klass, hgvs_c, _ = annotate_tp53("17", at(build, pos), ref, alt, build)
        assert hgvs_c == "c.97-2_97-1dup"  # not c.97-1_97insAG: the 3' rule runs across the border
        assert klass == "frameshift"  # inserted at the exon start, the bases are read as exonic (README)

    @pytest.mark.parametrize("build", BUILDS)
    @pytest.mark.parametrize(
        "written",
        [
            (7579312, "C", "-"),  # MAF naming the exonic G (c.375); genome-blind tools wrote c.375del
            (7579311, "C", "-"),  # MAF naming the intronic G (c.375+1)
            (7579310, "AC", "A"),  # VCF, left-aligned
            (7579311, "CC", "C"),  # VCF naming the exonic G
        ],
    )
    def test_deleted_g_at_the_donor_is_shifted_into_the_intron(self, build, written):
        # Plus strand 7579310-7579313: A C C G = transcript c.375+2 T, c.375+1 G, c.375 G, c.374 C.
        # Deleting either G gives ...C G T..., and the 3'-most G of the pair is c.375+1.
        pos, ref, alt = written
        assert annotate_tp53("17", at(build, pos), ref, alt, build) == ("splice_donor", "c.375+1del", "p.?")

    @pytest.mark.parametrize("build", BUILDS)
    def test_deletion_over_several_exons_is_numbered_from_the_nearest_exons_after_shifting(self, build):
        # Written as 7577000-7578300 (GRCh37); the base before (7576999 T) equals the last deleted base
        # (7578300 T) and the next pair (7576998 C / 7578299 A) differs: one step, to 7576999-7578299.
        # 7578299 is 10 bases 3' of exon 6 (ends 7578289, c.560) -> c.560-10; 7576999 is 20 bases
        # 3' of exon 8's last base (7577019, c.919) -> c.919+20. Exons 6-8 are gone: splice acceptor first.
        genome = tp53_genomic(build)
        start, end = at(build, 7577000), at(build, 7578300)
        deleted = genome.fetch(start, end) or ""
        anchor = genome.fetch(start - 1, start - 1) or ""
        expected = ("splice_acceptor", "c.560-10_919+20del", "p.?")
        assert annotate_tp53("17", start - 1, anchor + deleted, anchor, build) == expected
        assert annotate_tp53("17", start, deleted, "-", build) == expected
        # Already 3'-most: 7576950-7578400 (7576949 T / 7578400 G differ): c.530 (exon 5) to c.920-24.
        start, end = at(build, 7576950), at(build, 7578400)
        assert annotate_tp53("17", start, genome.fetch(start, end) or "", "-", build) == (
            "splice_acceptor",
            "c.530_920-24del",
            "p.?",
        )

    @pytest.mark.parametrize("build", BUILDS)
    def test_clinvar_splice_site_and_missense_numbering(self, build):
        # ClinVar (ga4gh-beacon/beacon-v2-networks queries/TP53-variant-examples.md), GRCh38 positions.
        cases = [
            (7674858, "C", "A", "splice_donor", "c.672+1G>T", "p.?"),
            (7673700, "C", "T", "splice_donor", "c.919+1G>A", "p.?"),
            (7669692, "T", "C", "splice_acceptor", "c.1101-2A>G", "p.?"),
            (7674199, "A", "C", "missense", "c.764T>G", "p.Ile255Ser"),
            (7669626, "C", "A", "missense", "c.1165G>T", "p.Gly389Trp"),
        ]
        for pos38, ref, alt, klass, hgvs_c, hgvs_p in cases:
            pos = pos38 if build == "GRCh38" else pos38 - OFFSET_38
            assert tp53_genomic(build).base(pos) == ref
            assert annotate_tp53("17", pos, ref, alt, build) == (klass, hgvs_c, hgvs_p)


def test_a_ref_that_disagrees_with_the_genome_is_reported_and_not_shifted():
    model = tp53_model("GRCh37")
    # 7579310 is A on GRCh37; a file claiming C there is in another build or corrupt.
    change = normalize(7579309, "GC", "G", model)
    assert change.ref_mismatch is not None and "17:7579310" in change.ref_mismatch
    assert (change.start, change.end) == (7579310, 7579310)
    assert (change.key_pos, change.key_ref, change.key_alt) == (7579310, "C", "-")
    assert annotate_change(model, change).ref_mismatch == change.ref_mismatch
    # An intronic SNV's REF is checked too (before, only coding bases were known).
    assert normalize(7579250, "G", "C", model).ref_mismatch is not None


# --------------------------------------------------------------------------- one normalisation for every input


def _equivalent_placements(build: str, pos: int, length: int, insert: str | None) -> list[tuple[int, str, str]]:
    """Every VCF- and MAF-style writing of one indel whose haplotype equals the one at ``pos``.

    ``insert`` None: delete ``length`` bases from ``pos``; else insert ``insert`` after ``pos``.
    Built from the sequence alone (no model code), by comparing haplotypes in a 60-base window.
    """
    genome = tp53_genomic(build)
    lo, hi = pos - 30, pos + 30
    window = genome.fetch(lo, hi) or ""

    def haplotype(p: int) -> str:
        i = p - lo
        return window[:i] + window[i + length :] if insert is None else window[: i + 1] + ins_at(p) + window[i + 1 :]

    def ins_at(p: int) -> str:
        # The same inserted sequence, rotated so that it is equivalent when written after p.
        assert insert is not None
        shift = (p - pos) % len(insert)
        return insert[shift:] + insert[:shift]

    target = haplotype(pos)
    written = []
    for p in range(pos - 20, pos + 21):
        if haplotype(p) != target:
            continue
        anchor = window[p - lo - 1] if insert is None else window[p - lo]
        if insert is None:
            seg = window[p - lo : p - lo + length]
            written += [(p - 1, anchor + seg, anchor), (p, seg, "-")]
        else:
            written += [(p, anchor, anchor + ins_at(p)), (p, "-", ins_at(p))]
    return written


@pytest.mark.parametrize("build", BUILDS)
def test_every_writing_of_an_indel_gives_one_key_and_one_hgvs(build):
    """Around every exon border and at random places in the gene, all equivalent VCF and MAF writings of
    1-4 base deletions and duplicating insertions normalise to one key and one annotation."""
    model = tp53_model(build)
    rng = random.Random(f"hgvs-edges-{build}")
    spots = []
    for exon in model.exons:
        spots += [exon.start - 2, exon.start, exon.start + 1, exon.end - 1, exon.end, exon.end + 2]
    spots += [rng.randint(model.tx_start - 500, model.tx_end + 500) for _ in range(60)]
    checked = 0
    for spot in spots:
        for length in (1, 2, 3, 4):
            for insert in (None, (model.genome.fetch(spot + 1, spot + length) or "")):
                writings = _equivalent_placements(build, spot, length, insert)
                assert writings  # the original placement itself
                results = set()
                for pos, ref, alt in writings:
                    change = normalize(pos, ref, alt, model)
                    annotation = annotate_change(model, change)
                    assert change.ref_mismatch is None
                    results.add(
                        (
                            change.key_pos,
                            change.key_ref,
                            change.key_alt,
                            annotation.consequence,
                            annotation.hgvs_c,
                            annotation.hgvs_p,
                        )
                    )
                assert len(results) == 1, (spot, length, insert, writings, results)
                checked += len(writings)
    assert checked > 1000


# Variants of the cross-format test: (name, VCF writing, MAF writing (placed differently where the
# sequence allows), class, HGVS c., HGVS p.), GRCh37 positions. A writing is (pos, REF, ALT), or for the
# long deletion (first deleted base, last deleted base) with the bases read from the reference.
Writing = tuple[int, str, str] | tuple[int, int]
VARIANTS: list[tuple[str, Writing, Writing, str, str, str]] = [
    # R248Q hotspot, as in tests/test_tp53_consequence.py.
    ("snv", (7577538, "C", "T"), (7577538, "C", "T"), "missense", "c.743G>A", "p.Arg248Gln"),
    # ClinVar VCV000630765 (GRCh38 7674858 C>A).
    ("donor_snv", (7578176, "C", "A"), (7578176, "C", "A"), "splice_donor", "c.672+1G>T", "p.?"),
    # PCGR T001-COAD: one G of the G run 7579471-7579476 (c.211-216 C run); the MAF names the last one.
    ("repeat_del", (7579470, "CG", "C"), (7579476, "G", "-"), "frameshift", "c.216del", "p.Val73TrpfsTer50"),
    # MSK-IMPACT: c.1146del p.Lys382AsnfsTer40; the MAF names the other end of the T run.
    ("cterm_fs", (7572962, "GT", "G"), (7572968, "T", "-"), "frameshift", "c.1146del", "p.Lys382AsnfsTer40"),
    # Duplicated acceptor AG (see TestJunctions); VCF written two bases 5' on the plus strand. The p. reads
    # the inserted bases as exonic (tp53_transcript_README.md: an insertion at an exon start is exonic).
    ("junction_dup", (7579592, "T", "TCT"), (7579590, "-", "CT"), "frameshift", "c.97-2_97-1dup",
     "p.Leu35ProfsTer10"),
    # Exonic G named by the MAF, intronic one by the VCF: both are c.375+1del.
    ("donor_del", (7579310, "AC", "A"), (7579312, "C", "-"), "splice_donor", "c.375+1del", "p.?"),
    # Exons 6-8 deleted; VCF as a caller might write it (7577000-7578300), MAF 3'-most (7576999-7578299).
    ("multi_exon_del", (7577000, 7578300), (7576999, 7578299), "splice_acceptor", "c.560-10_919+20del", "p.?"),
]  # fmt: skip


def _vcf_record(build: str, writing: Writing) -> tuple[int, str, str]:
    genome = tp53_genomic(build)
    if len(writing) == 2:  # a deletion first..last: anchored on the base before, as VCF requires
        first, last = at(build, writing[0]), at(build, writing[1])
        anchor = genome.fetch(first - 1, first - 1) or ""
        return first - 1, anchor + (genome.fetch(first, last) or ""), anchor
    pos, ref, alt = writing
    return at(build, pos), ref, alt


def _maf_record(build: str, writing: Writing) -> tuple[int, str, str]:
    if len(writing) == 2:  # MAF deletions name the deleted bases only
        first, last = at(build, writing[0]), at(build, writing[1])
        return first, tp53_genomic(build).fetch(first, last) or "", "-"
    pos, ref, alt = writing
    return at(build, pos), ref, alt


def _write_vcf(path: Path, build: str) -> None:
    length = {"GRCh37": 81195210, "GRCh38": 83257441}[build]
    lines = [
        "##fileformat=VCFv4.2",
        f"##contig=<ID=17,length={length}>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR",
    ]
    for pos, ref, alt in sorted(_vcf_record(build, v[1]) for v in VARIANTS):
        lines.append(f"17\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT:AD:DP\t0/1:60,40:100")
    path.write_text("\n".join(lines) + "\n")


def _write_maf(path: Path, build: str) -> None:
    lines = [
        "#version gdc-1.0.0",
        "Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tReference_Allele\tTumor_Seq_Allele1\t"
        "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tt_ref_count\tt_alt_count\tNCBI_Build",
    ]
    for pos, ref, alt in (_maf_record(build, v[2]) for v in VARIANTS):
        end = pos + 1 if ref == "-" else pos + len(ref) - 1
        lines.append(f"TP53\t17\t{pos}\t{end}\t{ref}\t{ref}\t{alt}\tPT1\t60\t40\t{build}")
    path.write_text("\n".join(lines) + "\n")


def test_same_variants_as_vcf_and_maf_in_both_builds_give_identical_hgvs(tmp_path):
    """Issue 24: the answer never depends on the input format (nor on the build)."""
    expected = {(klass, c, p) for _, _, _, klass, c, p in VARIANTS}
    seen = {}
    for build in BUILDS:
        vcf, maf = tmp_path / f"{build}.vcf", tmp_path / f"{build}.maf"
        _write_vcf(vcf, build)
        _write_maf(maf, build)
        for path, sample in ((vcf, None), (maf, "PT1")):
            source = read_tp53_variants(path, build=build, tumor_sample=sample, sample_id=None, settings=SETTINGS)
            assert not any(n.startswith("reference mismatch") for n in source.notes), source.notes
            calls = {(c.consequence, c.hgvs_c, c.hgvs_p) for c in source.variants}
            assert calls == expected, path.name
            assert all(c.annotation_source == "computed" for c in source.variants)
            keys = {(c.pos - (OFFSET_38 if build == "GRCh38" else 0), c.ref, c.alt) for c in source.variants}
            seen[(build, path.suffix)] = (calls, keys)
    assert len({frozenset(v[1]) for v in seen.values()}) == 1  # one normalised key per variant everywhere
