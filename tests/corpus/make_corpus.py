"""Build the bad-input corpus (``tests/corpus/cn/`` and ``tests/corpus/variants/``) from ``base/``.

Every corpus file is a deterministic mutation of a real file under ``base/`` (see README.md there
for sources and licences), or of a file built to a published specification (``base/spec/``).
``cases.yaml`` says, for each case, which file goes in which sample-sheet column and what the
screening must make of it; ``tests/test_corpus.py`` checks both that this script reproduces the
committed files byte for byte and that each case screens as expected.

Run ``python tests/corpus/make_corpus.py`` after changing a recipe, then review ``git diff``.
"""

from __future__ import annotations

import gzip
import io
import random
import sys
from collections.abc import Callable
from pathlib import Path

import pysam

HERE = Path(__file__).resolve().parent
BASE = HERE / "base"

CNS = BASE / "etal_cnvkit" / "tr95t.cns"
SEG = BASE / "etal_cnvkit" / "cw-tr-log2.TR_95_T_TR_06_T.seg"
PURPLE37 = BASE / "hartwigmedical_hmftools" / "tumor_sample.purple.cnv.somatic.tsv"
PURPLE38 = BASE / "VerenaK90_LACHESIS" / "NB-S-599-T.purple.cnv.somatic.tsv"
STRELKA = BASE / "VerenaK90_LACHESIS" / "strelka2.somatic.snvs.excerpt.vcf"
MUTECT_VEP = BASE / "ncsa_phyloflow" / "VEP_raw.A25.mutect2.filtered.snp.excerpt.vcf"
PCGR = BASE / "sigven_pcgr" / "T001-BRCA.grch37.vcf.gz"
MAF = BASE / "RTCGA_gbmlgg" / "GBMLGG.mutations.excerpt.maf.gz"
GDC_MAF = BASE / "spec" / "gdc_counts.maf"

MDM2_LINE_CNS = 68  # tr95t.cns: chr12 69004447-69669616 "MDM2" log2 2.817
MDM2_LINE_PURPLE37 = 138  # hmftools: 12:36356694-72666891 copyNumber 3.0198 (covers MDM2)
TP53_LINE_A25 = 153  # phyloflow A25 excerpt: 17:7577098 T>A, FORMAT AF 0.331, AD 7,3, DP 10


# --------------------------------------------------------------------------- helpers


def text(path: Path) -> str:
    """A base file's text (gunzipped when needed), LF line endings."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def lines(path: Path) -> list[str]:
    """A base file's lines without line ends."""
    return text(path).splitlines()


def join(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def gzip_plain(data: bytes) -> bytes:
    """Plain (non-BGZF) gzip with a fixed timestamp, so the output is reproducible."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        handle.write(data)
    return buffer.getvalue()


def bgzip(data: bytes, tmp: Path) -> bytes:
    """BGZF-compress with htslib (pysam), as bgzip does; the 28-byte EOF block is included."""
    src, dst = tmp / "in.txt", tmp / "out.gz"
    src.write_bytes(data)
    pysam.tabix_compress(str(src), str(dst), force=True)
    return dst.read_bytes()


def set_field(rows: list[str], line: int, column: int, value: str) -> list[str]:
    """Replace 0-based ``column`` of 1-based ``line``."""
    out = list(rows)
    fields = out[line - 1].split("\t")
    fields[column] = value
    out[line - 1] = "\t".join(fields)
    return out


def set_sample_value(rows: list[str], line: int, sample_col: int, key: str, value: str) -> list[str]:
    """Replace FORMAT ``key`` of one sample column of a VCF record."""
    out = list(rows)
    fields = out[line - 1].split("\t")
    keys = fields[8].split(":")
    values = fields[sample_col].split(":")
    values[keys.index(key)] = value
    fields[sample_col] = ":".join(values)
    out[line - 1] = "\t".join(fields)
    return out


def header_and_records(rows: list[str]) -> tuple[list[str], list[str]]:
    head = [r for r in rows if r.startswith("#")]
    return head, [r for r in rows if not r.startswith("#")]


def junk(seed: int, size: int) -> bytes:
    """Random bytes that include NULs, like a mis-copied binary file."""
    rng = random.Random(seed)
    data = bytearray(rng.getrandbits(8) for _ in range(size))
    data[10] = 0
    return bytes(data)


# --------------------------------------------------------------------------- recipes


def recipes(tmp: Path) -> dict[str, Callable[[], bytes]]:
    """File name (relative to tests/corpus/) -> function returning its bytes."""
    cns = lines(CNS)
    cns_header, cns_rows = cns[0], cns[1:]
    strelka = lines(STRELKA)
    s_head, s_rec = header_and_records(strelka)
    a25 = lines(MUTECT_VEP)
    pcgr = lines(PCGR)
    maf = lines(MAF)
    gdc = lines(GDC_MAF)
    purple37 = lines(PURPLE37)
    seg = lines(SEG)

    tp53_pcgr = next(i for i, r in enumerate(pcgr, start=1) if r.startswith("17\t7577124\t"))  # TP53 p.V272M

    def pcgr_info(key: str, value: str) -> bytes:
        fields = pcgr[tp53_pcgr - 1].split("\t")
        info = [kv if not kv.startswith(f"{key}=") else f"{key}={value}" for kv in fields[7].split(";")]
        return bgzip(join(set_field(pcgr, tp53_pcgr, 7, ";".join(info))), tmp)

    def pcgr_format(key: str, value: str) -> bytes:
        return bgzip(join(set_sample_value(pcgr, tp53_pcgr, 9, key, value)), tmp)

    shuffled = list(cns_rows)
    random.Random(7).shuffle(shuffled)
    s_shuffled = list(s_rec)
    random.Random(11).shuffle(s_shuffled)
    cns_bytes = CNS.read_bytes()
    strelka_bytes = STRELKA.read_bytes()

    return {
        # ---------------------------------------------------------------- copy-number file
        "cn/empty.cns": lambda: b"",
        "cn/blank_lines.cns": lambda: b"\n\n  \n\t\n",
        "cn/header_only.cns": lambda: join([cns_header]),
        "cn/truncated.cns.gz": lambda: bgzip(cns_bytes, tmp)[: len(bgzip(cns_bytes, tmp)) // 2],
        "cn/truncated_plain.cns.gz": lambda: gzip_plain(cns_bytes)[:-40],
        "cn/cut_mid_line.cns": lambda: cns_bytes[: cns_bytes.index(b"\n", 4000) + 12],
        "cn/plain_gzip.cns.gz": lambda: gzip_plain(cns_bytes),
        "cn/bgzip.cns.gz": lambda: bgzip(cns_bytes, tmp),
        "cn/unsorted.cns": lambda: join([cns_header, *shuffled]),
        "cn/crlf.cns": lambda: cns_bytes.replace(b"\n", b"\r\n"),
        "cn/bom.cns": lambda: b"\xef\xbb\xbf" + cns_bytes,
        "cn/no_chr_prefix.cns": lambda: join([cns_header, *(r.removeprefix("chr") for r in cns_rows)]),
        "cn/commented.cns": lambda: join(
            [
                "# CNVkit 0.9.x segment table, exported by the lab LIMS",
                cns_header,
                *cns_rows[:30],
                "# --- QC: chr12 amplicon reviewed ---",
                *cns_rows[30:],
            ]
        ),
        "cn/quoted.csv": lambda: join([",".join(f'"{v}"' for v in r.split("\t")) for r in [cns_header, *cns_rows]]),
        "cn/latin1_comment.cns": lambda: "# Probenahme: Universitätsklinikum\n".encode("latin-1") + cns_bytes,
        "cn/utf16.cns": lambda: cns_bytes.decode().encode("utf-16"),
        "cn/binary_junk.cns": lambda: junk(1, 4096),
        "cn/gzipped_junk.cns.gz": lambda: gzip_plain(junk(2, 4096)),
        "cn/small_variant_vcf_as_cn.vcf": lambda: strelka_bytes,
        "cn/maf_as_cn.maf": lambda: join(maf),
        "cn/log2_text.cns": lambda: join(set_field(cns, MDM2_LINE_CNS, 4, "high")),
        "cn/log2_nan.cns": lambda: join(set_field(cns, MDM2_LINE_CNS, 4, "NaN")),
        "cn/log2_inf.cns": lambda: join(set_field(cns, MDM2_LINE_CNS, 4, "inf")),
        "cn/log2_overflow.cns": lambda: join(set_field(cns, MDM2_LINE_CNS, 4, "1e999")),
        "cn/log2_na.cns": lambda: join(set_field(cns, MDM2_LINE_CNS, 4, "NA")),
        "cn/start_not_integer.cns": lambda: join(set_field(cns, MDM2_LINE_CNS, 1, "69004447.5")),
        "cn/end_before_start.cns": lambda: join(set_field(cns, MDM2_LINE_CNS, 2, "1000")),
        "cn/negative_start.cns": lambda: join(set_field(cns, MDM2_LINE_CNS, 1, "-5")),
        "cn/probes_negative.cns": lambda: join(set_field(cns, MDM2_LINE_CNS, 5, "-17")),
        "cn/field_missing.cns": lambda: join(
            cns[: MDM2_LINE_CNS - 1] + ["\t".join(cns[MDM2_LINE_CNS - 1].split("\t")[:5])] + cns[MDM2_LINE_CNS:]
        ),
        "cn/log2_column_missing.cns": lambda: join(
            ["\t".join(f for i, f in enumerate(r.split("\t")) if i != 4) for r in cns]
        ),
        "cn/beyond_chrom_end.cns": lambda: join(set_field(cns, 73 - 0, 2, "233841395")),
        "cn/purple_negative_cn.tsv": lambda: join(set_field(purple37, MDM2_LINE_PURPLE37, 3, "-4.2")),
        "cn/purple_minus_inf.tsv": lambda: join(set_field(purple37, MDM2_LINE_PURPLE37, 3, "-Infinity")),
        "cn/seg_two_samples.seg": lambda: join(seg),
        # ---------------------------------------------------------------- VCF / MAF
        "variants/empty.vcf": lambda: b"",
        "variants/header_only.vcf": lambda: join(s_head),
        "variants/truncated.vcf.gz": lambda: bgzip(strelka_bytes, tmp)[:-28],
        "variants/truncated_mid_block.vcf.gz": lambda: bgzip(strelka_bytes, tmp)[:2600],
        "variants/truncated_plain.vcf.gz": lambda: gzip_plain(strelka_bytes)[:-100],
        "variants/cut_mid_line.vcf": lambda: strelka_bytes[: len(strelka_bytes) - 130],
        "variants/plain_gzip.vcf.gz": lambda: gzip_plain(strelka_bytes),
        "variants/bgzip.vcf.gz": lambda: bgzip(strelka_bytes, tmp),
        "variants/unsorted.vcf": lambda: join([*s_head, *s_shuffled]),
        "variants/crlf.vcf": lambda: strelka_bytes.replace(b"\n", b"\r\n"),
        "variants/bom.vcf": lambda: b"\xef\xbb\xbf" + strelka_bytes,
        "variants/cns_as_vcf.cns": lambda: cns_bytes,
        "variants/binary_junk.vcf": lambda: junk(3, 4096),
        "variants/gzipped_junk.vcf.gz": lambda: gzip_plain(junk(4, 4096)),
        "variants/af_above_one.vcf": lambda: join(set_sample_value(a25, TP53_LINE_A25, 9, "AF", "1.331")),
        "variants/af_nan.vcf": lambda: join(set_sample_value(a25, TP53_LINE_A25, 9, "AF", "nan")),
        "variants/af_text.vcf": lambda: join(set_sample_value(a25, TP53_LINE_A25, 9, "AF", "high")),
        "variants/dp_negative.vcf": lambda: join(set_sample_value(a25, TP53_LINE_A25, 9, "DP", "-10")),
        "variants/ad_negative.vcf": lambda: join(set_sample_value(a25, TP53_LINE_A25, 9, "AD", "7,-3")),
        "variants/tvaf_above_one.vcf.gz": lambda: pcgr_info("TVAF", "1.351"),
        "variants/adt_negative.vcf.gz": lambda: pcgr_format("ADT", "61,-33"),
        "variants/pos_not_number.vcf": lambda: join(set_field(a25, TP53_LINE_A25, 1, "7577O98")),
        "variants/too_few_columns.vcf": lambda: join(a25[:-1] + ["\t".join(a25[-1].split("\t")[:6])]),
        "variants/beyond_chrom_end.vcf": lambda: join(
            [r for r in s_head if not r.startswith("##contig")] + s_rec + ["17\t91195210\t.\tA\tC\t.\tPASS\t.\t.\t.\t."]
        ),
        "variants/tumour_renamed.vcf": lambda: join(
            [*s_head[:-1], s_head[-1].replace("NORMAL\tTUMOR", "N1\tT1"), *s_rec]
        ),
        "variants/no_chr17.vcf": lambda: join([*s_head, *(r for r in s_rec if not r.startswith("17\t"))]),
        "variants/truncated.maf.gz": lambda: MAF.read_bytes()[:-200],
        "variants/maf_header_broken.maf": lambda: join([maf[0].replace("Reference_Allele", "Ref_Allele"), *maf[1:]]),
        "variants/maf_start_not_number.maf": lambda: join(
            _maf_set(maf, "TCGA-HT-7695-01A-11D-2253-08", "17", "Start_position", "7.5e6")
        ),
        "variants/maf_build_38.maf": lambda: join(
            _maf_set(maf, "TCGA-HT-7695-01A-11D-2253-08", None, "NCBI_Build", "38")
        ),
        "variants/gdc_negative_count.maf": lambda: join(
            _maf_set(gdc, "TCGA-A2-A04W-01A", "TP53", "t_alt_count", "-33")
        ),
        "variants/gdc_alt_above_depth.maf": lambda: join(
            _maf_set(gdc, "TCGA-A2-A04W-01A", "TP53", "t_alt_count", "330")
        ),
        "variants/gdc_counts_crlf.maf": lambda: join(gdc).replace(b"\n", b"\r\n"),
    }


def _maf_set(rows: list[str], barcode: str, where: str | None, column: str, value: str) -> list[str]:
    """Set ``column`` in the rows of ``barcode`` (only chromosome/gene ``where`` when given)."""
    start = next(i for i, r in enumerate(rows) if not r.startswith("#"))
    header = rows[start].split("\t")
    col, bc = header.index(column), header.index("Tumor_Sample_Barcode")
    chrom, gene = header.index("Chromosome"), header.index("Hugo_Symbol")
    out = list(rows)
    for i in range(start + 1, len(rows)):
        f = rows[i].split("\t")
        if len(f) > bc and f[bc] == barcode and (where is None or where in (f[chrom], f[gene])):
            f[col] = value
            out[i] = "\t".join(f)
    return out


def build(target: Path = HERE) -> list[Path]:
    """Write every corpus file under ``target``; return the paths written."""
    import tempfile

    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in recipes(Path(tmp)).items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(make())
            written.append(path)
    return written


if __name__ == "__main__":
    out = build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"wrote {len(out)} corpus files")
