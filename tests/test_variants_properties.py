"""Property tests (Hypothesis): whatever bytes arrive, the variant layer raises only InputError, returns
quickly, and never calls TP53 wild type from a file without records on TP53's chromosome.

The seed texts are a small valid VCF (VCF 4.2, Strelka2-style NORMAL/TUMOR tier counts, as in
tests/data/variants/ncsa_phyloflow/A25.strelka2.vcf) and a small GDC-style MAF; Hypothesis then
mutates them byte by byte, cuts them, duplicates lines, compresses them, or replaces them outright.
"""

from __future__ import annotations

import dataclasses
import gzip
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdm2screen.config import load_settings
from mdm2screen.errors import InputError
from mdm2screen.model import CoverageEvidence
from mdm2screen.variants import TP53Settings, annotate_tp53, assess_tp53, read_tp53_variants
from mdm2screen.variants.transcript import CONSEQUENCE_CLASSES, normalize, tp53_model


def tp53_settings(**changes) -> TP53Settings:
    """The configuration's tp53 section (its defaults), with ``changes``."""
    return dataclasses.replace(TP53Settings.from_config(load_settings({"samples": "x"})["tp53"]), **changes)


# Coverage is not what these tests judge: wild type without coverage evidence (tp53_coverage_not_required).
SETTINGS = tp53_settings(require_coverage=False)
UNVERIFIED = CoverageEvidence(verified=False, adequate=None, method=None)
PROPS = settings(max_examples=120, deadline=3000, suppress_health_check=[HealthCheck.too_slow])

VCF = (
    "##fileformat=VCFv4.1\n"
    "##contig=<ID=12,length=133851895>\n"
    "##contig=<ID=17,length=81195210>\n"
    '##FILTER=<ID=LowEVS,Description="low score">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="depth">\n'
    '##FORMAT=<ID=AU,Number=2,Type=Integer,Description="A tiers">\n'
    '##FORMAT=<ID=CU,Number=2,Type=Integer,Description="C tiers">\n'
    '##FORMAT=<ID=GU,Number=2,Type=Integer,Description="G tiers">\n'
    '##FORMAT=<ID=TU,Number=2,Type=Integer,Description="T tiers">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\n"
    "12\t69210000\t.\tA\tG\t.\tPASS\t.\tDP:AU:CU:GU:TU\t30:30,30:0,0:0,0:0,0\t30:20,20:0,0:10,10:0,0\n"
    "17\t7572977\t.\tA\tG\t.\tLowEVS\t.\tDP:AU:CU:GU:TU\t36:32,33:0,0:4,4:0,0\t11:9,9:0,0:2,2:0,0\n"
    "17\t7577098\t.\tT\tA\t.\tPASS\t.\tDP:AU:CU:GU:TU\t16:0,0:0,0:0,0:15,15\t10:3,3:0,0:0,0:7,7\n"
    "17\t7578406\t.\tC\tT,A\t.\tPASS\t.\tDP:AU:CU:GU:TU\t20:0,0:20,20:0,0:0,0\t20:2,2:10,10:0,0:8,8\n"
)
MAF = (
    "#version gdc-1.0.0\n"
    "Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Classification\tReference_Allele\t"
    "Tumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\tt_ref_count\tt_alt_count\tNCBI_Build\n"
    "TP53\t17\t7578406\t7578406\tMissense_Mutation\tC\tC\tT\tPT1\t70\t30\tGRCh37\n"
    "TP53\t17\t7579470\t7579471\tFrame_Shift_Del\tG\tG\t-\tPT1\t.\t.\tGRCh37\n"
    "MDM2\t12\t69210000\t69210000\tSilent\tA\tA\tG\tPT1\t50\t50\tGRCh37\n"
)


def mutate(text: str, edits: list[tuple[int, int, bytes]], cut: int | None, gz: bool) -> bytes:
    data = bytearray(text.encode())
    for position, kind, payload in edits:
        i = position % (len(data) + 1)
        if kind == 0:  # replace a byte
            data[i : i + 1] = payload[:1]
        elif kind == 1:  # delete a stretch
            del data[i : i + len(payload)]
        elif kind == 2:  # insert bytes
            data[i:i] = payload
        else:  # duplicate the line around i
            start = data.rfind(b"\n", 0, i) + 1
            end = data.find(b"\n", i)
            end = len(data) if end < 0 else end + 1
            data[end:end] = data[start:end]
    raw = bytes(data[:cut] if cut is not None else data)
    return gzip.compress(raw) if gz else raw


EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5000),
        st.integers(min_value=0, max_value=3),
        st.binary(min_size=1, max_size=6)
        | st.sampled_from([b"\t", b"\n", b",", b".", b"-", b"%", b"chr", b"1e9", b"NaN", b"\r\n"]),
    ),
    max_size=8,
)


def check(data: bytes, suffix: str, sample: str | None) -> None:
    """Read ``data``: any outcome but a non-InputError exception, or wild type without chr17 records."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        try:
            source = read_tp53_variants(path, build="GRCh37", tumor_sample=sample, sample_id=None, settings=SETTINGS)
        except InputError:
            return
        evidence = assess_tp53(source, UNVERIFIED, cn=None, settings=SETTINGS, build="GRCh37")
        if source.records_on_tp53_chrom == 0:
            assert evidence.status != "wild_type"
        for call in evidence.variants:
            assert call.category and call.why
            assert call.vaf is None or 0.0 <= call.vaf <= 1.0


@PROPS
@given(data=st.binary(max_size=3000), gz=st.booleans())
def test_arbitrary_bytes(data, gz):
    check(gzip.compress(data) if gz else data, ".vcf", None)


@PROPS
@given(edits=EDITS, cut=st.none() | st.integers(min_value=0, max_value=2500), gz=st.booleans())
def test_mutated_vcf(edits, cut, gz):
    check(mutate(VCF, edits, cut, gz), ".vcf.gz" if gz else ".vcf", None)


@PROPS
@given(edits=EDITS, cut=st.none() | st.integers(min_value=0, max_value=800), gz=st.booleans())
def test_mutated_maf(edits, cut, gz):
    check(mutate(MAF, edits, cut, gz), ".maf", "PT1")


def test_unmutated_seeds_are_valid():
    """The seeds themselves read fine, so the mutations above start from real content."""
    with tempfile.TemporaryDirectory() as tmp:
        vcf = Path(tmp) / "seed.vcf"
        vcf.write_text(VCF)
        source = read_tp53_variants(vcf, build="GRCh37", tumor_sample=None, sample_id=None, settings=SETTINGS)
        assert [c.hgvs_p for c in source.variants] == ["p.Ser378Pro", "p.Arg280Ser", "p.Arg175His", "p.Arg175Leu"]
        maf = Path(tmp) / "seed.maf"
        maf.write_text(MAF)
        source = read_tp53_variants(maf, build="GRCh37", tumor_sample="PT1", sample_id=None, settings=SETTINGS)
        assert [c.consequence for c in source.variants] == ["missense", "frameshift"]


@PROPS
@given(
    pos=st.integers(min_value=7_571_700, max_value=7_590_900),
    ref=st.text(alphabet="ACGT", min_size=1, max_size=12),
    alt=st.text(alphabet="ACGT-", min_size=1, max_size=12),
    build=st.sampled_from(["GRCh37", "GRCh38"]),
)
def test_annotate_is_total_and_stable(pos, ref, alt, build):
    """Any allele pair near TP53 gets a known class, and re-annotating its normalised key agrees."""
    if build == "GRCh38":
        pos += 96_682
    klass, hgvs_c, hgvs_p = annotate_tp53("17", pos, ref, alt, build)
    assert klass in CONSEQUENCE_CLASSES
    if klass == "other":
        return
    assert hgvs_c is not None and hgvs_c.startswith("c.")
    assert hgvs_p is None or hgvs_p.startswith("p.")
    change = normalize(pos, ref, alt, tp53_model(build))
    assert annotate_tp53("17", change.key_pos, change.key_ref, change.key_alt, build) == (klass, hgvs_c, hgvs_p)
