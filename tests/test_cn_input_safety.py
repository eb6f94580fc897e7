"""Copy-number inputs that must not hurt the batch: decompression bombs, multi-sample files chosen
by the sheet's sample_id, content that must not leak into messages, odd line separators and
paths that cannot be read (src/mdm2screen/cn/read.py, cn/_common.py, fileio.py).
"""

from __future__ import annotations

import errno
import gzip
import os
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import CN_DATA, CNVKIT, HMF, LACHESIS, PCGR, RTCGA_SEG, SPEC, VCFSTUFF

from mdm2screen.cn import _common, read_copy_number
from mdm2screen.cn.read import FORMATS, cache_clear
from mdm2screen.errors import InputError
from mdm2screen.fileio import iter_text_lines, read_text_lines, sha256_file

CORPUS_SEG = Path(__file__).parent / "corpus" / "base" / "etal_cnvkit" / "cw-tr-log2.TR_95_T_TR_06_T.seg"
CNS_HEADER = "chromosome\tstart\tend\tgene\tlog2\tcn\tdepth\tprobes\tweight\n"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


def cns_rows(n: int, chrom: str = "chr12") -> str:
    return "".join(f"{chrom}\t{1000 * i}\t{1000 * i + 999}\tG\t0.1\t2\t10\t5\t1\n" for i in range(1, n + 1))


def read_error(path: Path, **kw) -> InputError:
    kw.setdefault("build", "GRCh37")
    with pytest.raises(InputError) as err:
        read_copy_number(path, **kw)
    return err.value


# --------------------------------------------------------------------------- 1. bounded memory


def test_gzip_bomb_is_refused_within_a_bounded_amount_of_memory(tmp_path: Path, monkeypatch) -> None:
    limit = 2 * 1024 * 1024
    monkeypatch.setattr(_common, "MAX_TEXT_BYTES", limit)
    bomb = tmp_path / "bomb.cns.gz"
    row = "chr12\t1000\t1999\tG\t0.1\t2\t10\t5\t1\n"
    with gzip.open(bomb, "wt", compresslevel=9) as out:  # ~40 MB of rows in ~100 KB
        out.write(CNS_HEADER)
        for _ in range(40):
            out.write(row * (1024 * 1024 // len(row)))
    assert bomb.stat().st_size < 500_000
    tracemalloc.start()
    try:
        err = read_error(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.code == "cn_too_large"
    assert "bomb.cns.gz" in str(err) and f"{limit:,}" in str(err)
    # The limit, one chunk read past it, and the old and new buffer while it grows: never the 40 MB.
    assert peak < 4 * limit


def test_too_many_lines_are_refused_before_they_are_indexed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(_common, "MAX_LINES", 10_000)
    path = tmp_path / "blank.cns.gz"
    path.write_bytes(gzip.compress((CNS_HEADER + cns_rows(3) + "\n" * 200_000).encode()))
    tracemalloc.start()
    try:
        err = read_error(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.code == "cn_too_large" and "10,000 lines" in str(err)
    assert peak < 2_000_000  # the ~200 KB text; no per-line offsets (1.6 MB) were built


def test_rows_kept_are_bounded_and_rows_set_aside_do_not_count(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(_common, "MAX_ROWS_KEPT", 1_000)
    path = tmp_path / "many.cns"
    path.write_text(CNS_HEADER + cns_rows(5_000, "chr1") + cns_rows(50, "chr12"))
    # The light path checks the chr1 rows and drops them: 50 rows kept, within the limit.
    p = read_copy_number(path, build="GRCh37", keep_chromosomes={"12", "17"})
    assert len(p.segments) == 50
    tracemalloc.start()
    try:
        err = read_error(path)  # a full read would keep all 5,050
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.code == "cn_too_large" and "many.cns" in str(err) and "1,000" in str(err)
    assert peak < 4_000_000  # 1,000 rows and the 250 KB text, not 5,050 rows


@pytest.mark.parametrize("name", ["bed_headerless.bed", "dragen_tumor.cnv.vcf"])
def test_row_limit_holds_in_formats_with_their_own_loops(tmp_path: Path, monkeypatch, name: str) -> None:
    monkeypatch.setattr(_common, "MAX_ROWS_KEPT", 2)
    err = read_error(SPEC / name, build="GRCh38" if "dragen" in name else "GRCh37")
    assert err.code == "cn_too_large"


def test_the_cache_does_not_hold_several_files_at_the_row_limit(tmp_path: Path, monkeypatch) -> None:
    from mdm2screen.cn import read as read_module

    monkeypatch.setattr(_common, "MAX_ROWS_KEPT", 100)
    for i in range(4):
        path = tmp_path / f"f{i}.cns"
        path.write_text(CNS_HEADER + cns_rows(60))
        read_copy_number(path, build="GRCh37")
    assert read_module._cache_weight() <= 100 + 60  # the newest file plus what fits beside it


# --------------------------------------------------------------------------- 2. multi-sample files


def test_multi_sample_seg_falls_back_to_the_sheets_sample_id() -> None:
    by_name = read_copy_number(CNVKIT / "cw-tr-log2.seg", sample="TR_06_T", build="GRCh37")
    cache_clear()
    by_id = read_copy_number(CNVKIT / "cw-tr-log2.seg", build="GRCh37", fallback_sample="TR_06_T")
    assert by_id.sample == "TR_06_T" and by_id.segments == by_name.segments
    assert any("sample_id" in n for n in by_id.notes)
    # cn_sample wins over sample_id.
    p = read_copy_number(CNVKIT / "cw-tr-log2.seg", sample="TR_95_T", build="GRCh37", fallback_sample="TR_06_T")
    assert p.sample == "TR_95_T"


def test_fallback_sample_is_exact_never_a_prefix() -> None:
    err = read_error(CORPUS_SEG, fallback_sample="TR_95")
    assert err.code == "cn_sample_not_found"
    message = str(err)
    assert "2 samples" in message and "'TR_95'" in message and "TR_95_T" in message and "cn_sample" in message
    err = read_error(RTCGA_SEG, fallback_sample="TCGA-06-0140-01")  # the 15-character sample barcode
    assert err.code == "cn_sample_not_found" and "TCGA-06-0140-01A-01D-0214-01" in str(err)
    p = read_copy_number(RTCGA_SEG, build="GRCh37", fallback_sample="TCGA-06-0140-01A-01D-0214-01")
    assert p.sample == "TCGA-06-0140-01A-01D-0214-01"


def test_a_single_sample_file_is_used_whatever_the_sample_id() -> None:
    p = read_copy_number(CNVKIT / "warning.seg", build="GRCh37", fallback_sample="P7-T1")
    assert p.sample == "MySample"


# --------------------------------------------------------------------------- 3. what messages quote

SECRET = "DB_PASSWORD=hunter2-very-secret"


@pytest.mark.parametrize("fmt", [None, *FORMATS])
def test_an_unrecognised_file_is_never_quoted(tmp_path: Path, fmt: str | None) -> None:
    path = tmp_path / "settings.env"
    path.write_text(f"{SECRET}\nAPI_TOKEN=abc\tdef\tghi\n# deployment settings\n")
    err = read_error(path, fmt=fmt)
    assert "hunter2" not in str(err) and "API_TOKEN" not in str(err)
    assert "settings.env" in str(err)


def test_a_recognised_file_is_quoted_at_most_80_characters(tmp_path: Path) -> None:
    path = tmp_path / "long.seg"
    names = [f"SAMPLE_{'X' * 60}_{i}" for i in range(5)]
    path.write_text(
        "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n" + "".join(f"{n}\t12\t1\t1000\t5\t0.1\n" for n in names)
    )
    err = read_error(path)
    assert err.code == "cn_sample_not_found" and names[0] in str(err) and names[2] not in str(err)
    err = read_error(path, sample="SAMPLE_X")
    assert names[0] in str(err) and names[1] not in str(err)


# --------------------------------------------------------------------------- 4. line numbers

ODD_SEPARATORS = "\u2028\u2029\x85\x0b\x0c\x1c\r"


def test_lines_split_at_newline_only(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(f"a{ODD_SEPARATORS}b\r\nc\n\nd".encode())
    expected = [f"a{ODD_SEPARATORS}b", "c", "", "d"]
    assert read_text_lines(path) == expected
    assert list(iter_text_lines(path)) == expected
    gz = tmp_path / "odd.txt.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert read_text_lines(gz) == expected


def test_error_line_numbers_count_newlines_only(tmp_path: Path) -> None:
    # Line 2 holds a U+2028 and a form feed inside the gene field; the NaN is on line 4 of the file.
    path = tmp_path / "sep.cns"
    path.write_text(
        CNS_HEADER
        + "chr12\t1000\t1999\tG\u2028H\x0cI\t0.1\t2\t10\t5\t1\n"
        + "chr12\t2000\t2999\tG\t0.1\t2\t10\t5\t1\n"
        + "chr12\t3000\t3999\tG\tNaN\t2\t10\t5\t1\n"
    )
    err = read_error(path)
    assert err.code == "cn_value_invalid" and err.line == 4


# --------------------------------------------------------------------------- 5. unreadable paths

# One real file per format (tests/data/cn), read with the format declared.
FORMAT_FILES = {
    "cnvkit": CNVKIT / "tr95t.cns",
    "cnvkit_cnr": CNVKIT / "amplicon.cnr",
    "gatk_seg": SPEC / "gatk_tumor.cr.seg",
    "seg": CNVKIT / "cw-tr-log2.seg",
    "seg_log10": CNVKIT / "acgh-log10.seg",
    "purple_somatic": HMF / "tumor_sample.purple.cnv.somatic.tsv",
    "purple_gene": HMF / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv",
    "facets": VCFSTUFF / "HCC2218_facets_cncf.tsv",
    "ascat": PCGR / "T001-BRCA.grch37.cna.tsv",
    "sequenza": SPEC / "sequenza_sample_segments.txt",
    "aceseq": LACHESIS / "NBE26_comb_pro_extra3.25_0.88.txt",
    "dragen_vcf": SPEC / "dragen_tumor.cnv.vcf",
    "bed": SPEC / "bed_headerless.bed",
}
assert set(FORMAT_FILES) == set(FORMATS) and all(p.is_file() for p in FORMAT_FILES.values()), CN_DATA


def _fifo_with_a_writer(path: Path, content: bytes, done: threading.Event) -> threading.Thread:
    """A FIFO whose writer waits (without blocking) for a reader: code that wrongly opens the FIFO
    gets ``content`` and returns instead of hanging the test."""
    os.mkfifo(path)

    def writer() -> None:
        while not done.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    return
                time.sleep(0.005)
                continue
            try:
                os.set_blocking(fd, True)
                os.write(fd, content)
            finally:
                os.close(fd)
            return

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    return thread


def _make_unreadable(problem: str, source: Path, tmp_path: Path, monkeypatch, done: threading.Event) -> Path:
    target = tmp_path / source.name
    if problem == "folder":
        target.mkdir()
    elif problem == "fifo":
        _fifo_with_a_writer(target, source.read_bytes(), done)
    else:
        target.write_bytes(source.read_bytes())
        real_open = os.open

        def fake_open(path, flags, *args, **kw):
            if os.fspath(path) == str(target):
                if problem == "permission":
                    raise PermissionError(errno.EACCES, "Permission denied", str(path))
                os.unlink(target)  # "vanished": removed between the checks and the open
            return real_open(path, flags, *args, **kw)

        monkeypatch.setattr(os, "open", fake_open)
        monkeypatch.setattr(Path, "read_bytes", lambda self: Path.open(self, "rb").read())
    return target


EXPECTED = {  # problem -> (code from read_copy_number, code from sha256_file, words in the message)
    "folder": ("cn_missing", "input_missing", "is a folder"),
    "fifo": ("input_not_a_file", "input_not_a_file", "named pipe"),
    "permission": ("input_unreadable", "input_unreadable", "permission denied"),
    "vanished": ("cn_missing", "input_missing", "does not exist"),
}


@pytest.mark.parametrize("problem", list(EXPECTED))
@pytest.mark.parametrize("fmt", list(FORMAT_FILES))
def test_unreadable_paths_are_input_errors_for_every_format(
    tmp_path: Path, monkeypatch, fmt: str, problem: str
) -> None:
    done = threading.Event()
    try:
        target = _make_unreadable(problem, FORMAT_FILES[fmt], tmp_path, monkeypatch, done)
        with pytest.raises(InputError) as err:
            read_copy_number(target, fmt=fmt, build="GRCh37", keep_chromosomes={"12", "17"})
        cn_code, hash_code, words = EXPECTED[problem]
        assert err.value.code == cn_code and words in str(err.value) and str(target) in str(err.value)
        if problem == "vanished":
            target.write_bytes(FORMAT_FILES[fmt].read_bytes())
        with pytest.raises(InputError) as err:
            sha256_file(target)
        assert err.value.code == hash_code and str(target) in str(err.value)
        assert isinstance(err.value, OSError)  # callers written for open()'s errors still catch it
    finally:
        done.set()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its mode")
def test_a_file_without_read_permission(tmp_path: Path) -> None:
    path = tmp_path / "locked.cns"
    path.write_bytes((CNVKIT / "tr95t.cns").read_bytes())
    path.chmod(0)
    assert read_error(path).code == "input_unreadable"
    with pytest.raises(InputError) as err:
        sha256_file(path)
    assert err.value.code == "input_unreadable"


def test_sha256_of_valid_files_is_unchanged(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert sha256_file(empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    import hashlib

    data = (CNVKIT / "tr95t.cns").read_bytes()
    assert sha256_file(CNVKIT / "tr95t.cns") == hashlib.sha256(data).hexdigest()


def test_a_file_past_the_limit_is_read_once_per_process_not_once_per_sample(tmp_path: Path, monkeypatch) -> None:
    """A cohort segment file too large to screen fails every sample that names it: the second sample gets
    the same error from the failure cache, without the file being read up to the limit again."""
    from mdm2screen.cn import read as cn_read

    monkeypatch.setattr(_common, "MAX_ROWS_KEPT", 1_000)
    path = tmp_path / "cohort.cns"
    path.write_text(CNS_HEADER + cns_rows(2_000, "chr12"))
    cn_read.cache_clear()
    first = read_error(path)
    misses = cn_read.cache_info()["misses"]
    second = read_error(path)
    assert cn_read.cache_info()["misses"] == misses  # not parsed again
    assert second is not first and (str(second), second.code) == (str(first), "cn_too_large")
    path.write_text(CNS_HEADER + cns_rows(20, "chr12"))  # the file changes: read again, and now usable
    assert read_copy_number(path, build="GRCh37", keep_chromosomes={"12", "17"}).segments
