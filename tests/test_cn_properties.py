"""Property tests: garbage in never escapes as anything but InputError, never hangs, and never
turns into an amplification the file does not contain.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from conftest import CNVKIT
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mdm2screen.cn import FORMATS, detect_format, gene_copy_number, read_copy_number
from mdm2screen.cn.genelevel import segment_copy_number, segment_log2
from mdm2screen.cn.read import cache_clear
from mdm2screen.errors import InputError
from mdm2screen.model import AmplificationRule
from mdm2screen.reference import gene_locus

DATA = Path(__file__).parent / "data" / "cn"
SEEDS = [
    CNVKIT / "amplicon.cns",
    CNVKIT / "warning.seg",
    DATA / "hartwigmedical_hmftools" / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv",
    DATA / "sigven_pcgr" / "T001-BRCA.grch37.cna.tsv",
    DATA / "umccr_vcf_stuff" / "HCC2218_facets_cncf.tsv",
    DATA / "spec" / "gatk_tumor.called.seg",
    DATA / "spec" / "dragen_tumor.cnv.vcf",
    DATA / "spec" / "sequenza_sample_segments.txt",
    DATA / "spec" / "bed_hash_header.bed",
]
SEED_BYTES = [p.read_bytes() for p in SEEDS]
SEED_BUILDS = ["GRCh38" if "dragen" in p.name else "GRCh37" for p in SEEDS]
RULES = [
    AmplificationRule(mode="absolute", amplified_at=8, gain_at=6, summary="weighted"),
    AmplificationRule(mode="log2", amplified_at=1.0, gain_at=0.5, summary="max"),
    AmplificationRule(mode="relative_ploidy", amplified_at=3, gain_at=2, summary="weighted"),
    AmplificationRule(mode="fold_change", amplified_at=4, gain_at=3, summary="max"),
]
GENES = [gene_locus(g, b) for g, b in itertools.product(("MDM2", "CDK4", "TP53"), ("GRCh37", "GRCh38"))]
PROPS = settings(
    max_examples=120, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
_counter = itertools.count()


def _write(tmp: Path, data: bytes) -> Path:
    # A fresh name each time: the parse cache must not hide a mutated file.
    path = tmp / f"case{next(_counter)}.dat"
    path.write_bytes(data)
    return path


def _read_or_input_error(path: Path, fmt: str | None, build: str):
    try:
        return read_copy_number(path, fmt=fmt, build=build)
    except InputError:
        return None


def _check_no_unjustified_amplification(profile, build: str) -> None:
    """If a gene comes out amplified, a segment overlapping it holds a value at the threshold."""
    for locus in (g for g in GENES if g.build == build):
        for rule in RULES:
            result = gene_copy_number(profile, locus, rule, purity=None, ploidy=None, purity_source=None)
            assert result.call in ("amplified", "equivocal", "not_amplified", "deleted", "uncertain", "not_assessable")
            event(f"call: {result.call}")
            if result.amplified is not True:
                continue
            assert result.covered_fraction >= rule.min_covered_fraction
            if profile.gene_rows is not None:
                assert result.copy_number is not None and math.isfinite(result.copy_number)
                continue
            overlapping = [
                s
                for s in profile.segments
                if s.chrom == locus.chrom
                and math.isfinite(s.value)
                and s.end >= locus.start - 1_000_000
                and s.start <= locus.end + 1_000_000
            ]
            best = max(_compared(s, rule) for s in overlapping)
            assert best >= rule.amplified_at


def _compared(seg, rule: AmplificationRule) -> float:
    cn = segment_copy_number(seg, None)
    return {"absolute": cn, "relative_ploidy": cn / 2.0, "fold_change": cn / 2.0, "log2": segment_log2(seg, cn)}[
        rule.mode
    ]


@PROPS
@given(data=st.binary(max_size=3000), fmt=st.sampled_from([None, *FORMATS]))
def test_arbitrary_bytes_raise_only_input_error(tmp_path: Path, data: bytes, fmt: str | None) -> None:
    cache_clear()
    path = _write(tmp_path, data)
    try:
        detect_format(path)
    except InputError:
        pass
    profile = _read_or_input_error(path, fmt, "GRCh37")
    if profile is not None:
        _check_no_unjustified_amplification(profile, "GRCh37")


MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "delete", "insert", "truncate", "dup_line"]),
        st.floats(min_value=0, max_value=1, allow_nan=False),
        st.sampled_from(
            [
                b"NaN",
                b"\t",
                b"\n",
                b"-",
                b"9e9",
                b'"',
                b"#",
                b"chr",
                b"\x00",
                b"NA",
                b"inf",
                b"999999999999",
                b"\r\n",
                b",",
                b"@SQ\tSN:1\tLN:5\n",
                b"\xff\xfe",
                b"1e+05",
                b".",
            ]
        ),
    ),
    min_size=1,
    max_size=3,
)


def _mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for op, where, token in ops:
        if not buf:
            break
        pos = int(where * (len(buf) - 1))
        if op == "flip":
            buf[pos] = (buf[pos] + 1 + len(token)) % 256
        elif op == "delete":
            del buf[pos : pos + len(token) * 3]
        elif op == "insert":
            buf[pos:pos] = token
        elif op == "truncate":
            del buf[pos:]
        else:
            start = buf.rfind(b"\n", 0, pos) + 1
            end = buf.find(b"\n", pos)
            end = len(buf) if end < 0 else end + 1
            buf[end:end] = buf[start:end]
    return bytes(buf)


@PROPS
@given(seed=st.sampled_from(range(len(SEEDS))), ops=MUTATIONS, explicit=st.booleans())
def test_mutated_real_files_raise_only_input_error(tmp_path: Path, seed: int, ops, explicit: bool) -> None:
    cache_clear()
    build = SEED_BUILDS[seed]
    path = _write(tmp_path, _mutate(SEED_BYTES[seed], ops))
    fmt = None
    if explicit:
        try:
            fmt = detect_format(SEEDS[seed])
        except InputError:  # pragma: no cover - every seed is detectable
            fmt = None
    profile = _read_or_input_error(path, fmt, build)
    event("read" if profile is not None else "InputError")
    if profile is not None:
        _check_no_unjustified_amplification(profile, build)


LOW_LOG2 = st.floats(min_value=-20, max_value=0.99, allow_nan=False)  # below 2**1 x 2 = CN 4 < 8
COORD = st.integers(min_value=1, max_value=133_000_000)


@PROPS
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["12", "chr12", "17", "X", "junk"]), COORD, COORD, LOW_LOG2), min_size=1, max_size=60
    ),
    purity=st.one_of(st.none(), st.floats(min_value=0.5, max_value=1.0)),
)
def test_garbage_low_values_never_amplified(tmp_path: Path, rows, purity) -> None:
    """A SEG file whose every log2 is below 1 (at most 4 copies, or 7 at purity >= 0.5) is never amplified."""
    cache_clear()
    lines = ["ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean"]
    lines += [f"S\t{c}\t{min(a, b)}\t{max(a, b)}\t5\t{v!r}" for c, a, b, v in rows]
    path = _write(tmp_path, ("\n".join(lines) + "\n").encode())
    profile = _read_or_input_error(path, None, "GRCh37")
    if profile is None:
        return
    for locus in (g for g in GENES if g.build == "GRCh37"):
        result = gene_copy_number(profile, locus, RULES[0], purity=purity, ploidy=None, purity_source=None)
        assert result.amplified is not True and result.call != "amplified"
