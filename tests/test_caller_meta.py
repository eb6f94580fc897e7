"""The copy-number caller's own purity/ploidy/QC beside its copy numbers (cn/caller_meta.py), the tool
versions input files name (variants/headers.py), and both reaching the evidence, the JSON and the HTML.

Real files: PURPLE runs of umccr/gpgr (2.39, and files of two runs side by side) and hmftools
(tests/data/caller_meta/README.md, resources/demo/README.md); VEP- and SnpEff-annotated VCFs of
ncsa/phyloflow and umccr/gpgr. Sequenza, FACETS and ASCAT files are built to the code that writes
them (tests/data/caller_meta/spec/, cited in the README there).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import GPGR, HMF, PCGR, PHYLOFLOW, REPO, RTCGA_MAF, SPEC, TEST_DATA, VCFSTUFF

from mdm2screen.cn.caller_meta import agreed, caller_of, cn_file_software, find_caller_purity, sidecar_paths
from mdm2screen.fileio import sha256_file
from mdm2screen.paths import reference_path, repo_path
from mdm2screen.pipeline import prepare
from mdm2screen.report import render_patient_html
from mdm2screen.report.model import reference_data
from mdm2screen.screen import Screener
from mdm2screen.variants.headers import maf_header_software, variant_file_software, vcf_header_software

DATA = TEST_DATA / "caller_meta"
V239 = DATA / "umccr_gpgr_v2.39"
BUILT = DATA / "spec"
VCF37 = REPO / "tests" / "corpus" / "base" / "VerenaK90_LACHESIS" / "strelka2.somatic.snvs.excerpt.vcf"
VCF38 = GPGR / "somatic-ensemble-PASS.vcf.gz"
SCHEMA = json.loads(repo_path("workflow", "schemas", "patient_report.schema.json").read_text())
MIN = 0.08  # copy_number.min_plausible_purity's default


def folder(tmp_path: Path, name: str, **files: Path) -> Path:
    """A run folder: each file copied under its new name (the caller's naming is what is tested)."""
    run = tmp_path / name
    run.mkdir()
    for new, src in files.items():
        shutil.copyfile(src, run / new.replace("__", "."))
    return run


def find(cn: Path, fmt: str):
    return find_caller_purity(cn, fmt, min_plausible_purity=MIN)


def values(result, kind: str) -> list[float]:
    return [v.value for v in result.stated(kind)]


def codes(result) -> list[str]:
    return [r.code for r in result.problems]


# --------------------------------------------------------------------------- PURPLE


def test_purple_run_folder_purity_ploidy_qc_and_version() -> None:
    """gpgr's PURPLE 2.39 run as shipped: purity.tsv and purple.qc agree; QC PASS; version 2.39."""
    result = find(V239 / "purple.cnv.somatic.tsv", "purple_somatic")
    assert result is not None and result.caller == "PURPLE"
    assert values(result, "purity") == [0.75]
    assert values(result, "ploidy") == [1.8658, 1.8658]  # purity.tsv column and the 2.39 QC file's Ploidy line
    assert result.qc_status == "PASS" and not result.qc_failed and result.problems == []
    chosen, conflict = agreed(result.ploidy)
    assert conflict is None and chosen is not None and chosen.where == "line 2, column 'ploidy'"
    assert [(t.tool, t.version) for t in result.software.tools] == [("PURPLE", "2.39")]
    assert {Path(f).name for f in result.files} == {"purple.purity.tsv", "purple.qc", "purple.version"}
    assert sidecar_paths(V239 / "purple.cnv.somatic.tsv") == [Path(f) for f in result.files]


def test_purple_tumor_prefix_and_gene_table_find_the_same_files(tmp_path: Path) -> None:
    run = folder(
        tmp_path, "hmf",
        tumor_sample__purple__cnv__gene__tsv=HMF / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv",
        tumor_sample__purple__purity__tsv=HMF / "tumor_sample.purple.purity.tsv",
        tumor_sample__purple__qc=DATA / "hartwigmedical_hmftools" / "tumor_sample.purple.qc",
    )  # fmt: skip
    result = find(run / "tumor_sample.purple.cnv.gene.tsv", "purple_gene")
    assert result is not None
    assert values(result, "purity") == [0.99, 0.99] and values(result, "ploidy") == [3.1]
    assert result.qc_status == "PASS"
    # Another tumour's files in the folder are not this one's.
    other = folder(tmp_path, "other", other__purple__cnv__somatic__tsv=HMF / "tumor_sample.purple.cnv.somatic.tsv",
                   tumor_sample__purple__purity__tsv=HMF / "tumor_sample.purple.purity.tsv")  # fmt: skip
    assert find(other / "other.purple.cnv.somatic.tsv", "purple_somatic") is None


def test_purple_files_of_two_runs_disagree_and_none_is_used(tmp_path: Path) -> None:
    """gpgr ships a purity file (0.75, PURPLE 2.39) next to a QC file of another run (0.86, 2.51)."""
    run = folder(
        tmp_path, "gpgr",
        purple__cnv__somatic__tsv=GPGR / "purple.cnv.somatic.tsv",
        purple__purity__tsv=GPGR / "purple.purity.tsv",
        purple__qc=DATA / "umccr_gpgr" / "purple.qc",
        purple__version=DATA / "umccr_gpgr" / "purple.version",
    )  # fmt: skip
    result = find(run / "purple.cnv.somatic.tsv", "purple_somatic")
    assert values(result, "purity") == [0.75, 0.86]
    chosen, conflict = agreed(result.purity)
    assert chosen is None and conflict is not None and conflict.code == "caller_purity_conflict"
    assert "0.7500 (purple.purity.tsv line 2, column 'purity')" in conflict.message
    assert "0.8600 (purple.qc line 5, Purity)" in conflict.message
    assert result.qc_status == "WARN_DELETED_GENES" and not result.qc_failed
    assert codes(result) == ["caller_qc_warning"]
    assert {(t.version, t.source) for t in result.software.tools} == {
        ("2.39", "purple.purity.tsv column 'version'"),
        ("2.51", "purple.version"),
    }


def test_purple_no_tumor_is_a_qc_failure(tmp_path: Path) -> None:
    run = folder(
        tmp_path, "nt",
        tumor_sample__purple__cnv__somatic__tsv=HMF / "tumor_sample.purple.cnv.somatic.tsv",
        tumor_sample__purple__purity__tsv=BUILT / "purple_no_tumor" / "tumor_sample.purple.purity.tsv",
        tumor_sample__purple__qc=BUILT / "purple_no_tumor" / "tumor_sample.purple.qc",
    )  # fmt: skip
    result = find(run / "tumor_sample.purple.cnv.somatic.tsv", "purple_somatic")
    assert result.qc_failed
    assert result.qc_status == "NO_TUMOR; FAIL_NO_TUMOR; NO_TUMOR"
    failed = [r for r in result.problems if r.code == "caller_qc_failed"]
    assert failed and "PURPLE found no tumour" in failed[0].message


# --------------------------------------------------------------------------- Sequenza, FACETS, ASCAT


@pytest.mark.parametrize(("sample", "purity", "ploidy"), [("S1", 0.68, 3.0), ("S2", 0.45, 2.0)])
def test_sequenza_point_estimate_is_the_middle_row(tmp_path: Path, sample: str, purity: float, ploidy: float) -> None:
    files = {f"{sample}_segments__txt": SPEC / "sequenza_sample_segments.txt",
             f"{sample}_confints_CP__txt": BUILT / "sequenza" / f"{sample}_confints_CP.txt"}  # fmt: skip
    if sample == "S1":
        files["S1_sequenza_log__txt"] = BUILT / "sequenza" / "S1_sequenza_log.txt"
    run = folder(tmp_path, "seq", **files)
    result = find(run / f"{sample}_segments.txt", "sequenza")
    assert result.caller == "Sequenza" and result.problems == []
    assert values(result, "purity") == [purity] and values(result, "ploidy") == [ploidy]
    assert result.purity[0].where.startswith("line 3, column 'cellularity'")
    if sample == "S1":
        assert [(t.tool, t.version) for t in result.software.tools] == [("Sequenza", "3.0.0")]


def test_sequenza_rows_out_of_order_are_refused(tmp_path: Path) -> None:
    run = folder(tmp_path, "seq", S9_segments__txt=SPEC / "sequenza_sample_segments.txt")
    (run / "S9_confints_CP.txt").write_text(
        "cellularity\tploidy.estimate\tploidy.mean.cn\n0.68\t3\t3.0\n0.62\t2.9\t3.0\n0.74\t3.1\t3.0\n"
    )
    result = find(run / "S9_segments.txt", "sequenza")
    assert result.purity == [] and result.ploidy == []
    assert codes(result) == ["caller_purity_rejected", "caller_ploidy_rejected"]
    assert "not lower bound <= estimate <= upper bound (0.68, 0.62, 0.74)" in result.problems[0].message


def test_facets_run_files_current_and_legacy(tmp_path: Path) -> None:
    cncf = VCFSTUFF / "HCC2218_facets_cncf.tsv"
    run = folder(tmp_path, "facets", T1__cncf__txt=cncf, T1__out=BUILT / "facets" / "T1.out",
                 T2_hisens__cncf__txt=cncf, T2_hisens__out=BUILT / "facets" / "T2_hisens.out",
                 T3__cncf__txt=cncf, T3__out=BUILT / "facets" / "T3.out")  # fmt: skip
    t1 = find(run / "T1.cncf.txt", "facets")
    assert values(t1, "purity") == [0.4512] and values(t1, "ploidy") == [3.2831]
    assert [(t.tool, t.version, t.source) for t in t1.software.tools] == [("FACETS", "0.5.14", "T1.out")]
    t2 = find(run / "T2_hisens.cncf.txt", "facets")
    assert values(t2, "purity") == [0.6231] and values(t2, "ploidy") == [2.0712]
    assert [t.version for t in t2.software.tools] == ["0.5.6"]  # written twice by doFacets.R, listed once
    t3 = find(run / "T3.cncf.txt", "facets")  # FACETS did not fit: NA is unknown, never a value
    assert t3.purity == [] and t3.ploidy == []
    assert codes(t3) == ["caller_purity_not_estimated", "caller_ploidy_not_estimated"]


def test_facets_two_pass_summary_row_matches_the_pass_and_agrees_with_the_out_file(tmp_path: Path) -> None:
    cncf = VCFSTUFF / "HCC2218_facets_cncf.tsv"
    run = folder(tmp_path, "facets", T4_purity__cncf__txt=cncf, T4_hisens__cncf__txt=cncf, T4__cncf__txt=cncf,
                 T4__txt=BUILT / "facets" / "T4.txt")  # fmt: skip
    assert values(find(run / "T4_purity.cncf.txt", "facets"), "purity") == [0.45]
    assert values(find(run / "T4_hisens.cncf.txt", "facets"), "purity") == [0.38]
    single = find(run / "T4.cncf.txt", "facets")  # two rows, no pass named: which one is unknown
    assert single.purity == [] and codes(single) == ["caller_file_unreadable"]
    # signif(x, 2) in the summary and full precision in the .out file: the same fit.
    (run / "T4_hisens.out").write_text("Purity = 0.3812\nPloidy = 3.0874\n")
    both = find(run / "T4_hisens.cncf.txt", "facets")
    chosen, conflict = agreed(both.purity)
    assert conflict is None and chosen.text == "0.3812"
    assert agreed(both.ploidy)[0].text == "3.0874"
    # Any other <sample>.txt beside the file is not FACETS' and not read.
    (run / "T5.txt").write_text("notes\nnothing to do with FACETS\n")
    shutil.copyfile(cncf, run / "T5.cncf.txt")
    assert find(run / "T5.cncf.txt", "facets") is None


def test_ascat_nf_core_files(tmp_path: Path) -> None:
    seg = PCGR / "T001-BRCA.grch37.cna.tsv"  # ASCAT columns (nMajor/nMinor); named as nf-core's ASCAT names it
    run = folder(tmp_path, "ascat", A1__segments__txt=seg, A1__purityploidy__txt=BUILT / "ascat" / "A1.purityploidy.txt",
                 A1__metrics__txt=BUILT / "ascat" / "A1.metrics.txt",
                 A2__segments__txt=seg, A2__purityploidy__txt=BUILT / "ascat" / "A2.purityploidy.txt")  # fmt: skip
    a1 = find(run / "A1.segments.txt", "ascat")
    assert values(a1, "purity") == [0.5378123, 0.5378] and values(a1, "ploidy") == [3.1234567, 3.1235]
    assert agreed(a1.purity)[0].value == 0.5378123 and agreed(a1.ploidy)[1] is None  # metrics rounds to 4 decimals
    a2 = find(run / "A2.segments.txt", "ascat")
    assert a2.purity == [] and codes(a2) == ["caller_purity_not_estimated"]
    assert "ASCAT found no solution" in a2.problems[0].message


# --------------------------------------------------------------------------- refused and absent


@pytest.mark.parametrize(
    ("purity", "ploidy", "expected"),
    [
        ("inf", "3.1", ["caller_purity_rejected"]),
        ("nan", "3.1", ["caller_purity_not_estimated"]),  # R's NaN/NA: not estimated, never a value
        ("1.4000", "3.1", ["caller_purity_rejected"]),
        ("0.0500", "3.1", ["caller_purity_rejected"]),  # below copy_number.min_plausible_purity
        ("0.5", "0", ["caller_ploidy_rejected"]),
        ("0.5", "15.2", ["caller_ploidy_rejected"]),  # above the sample sheet's MAX_PLOIDY
        ("abc", "-2", ["caller_purity_rejected", "caller_ploidy_rejected"]),
    ],
)
def test_bad_values_are_refused_with_file_line_and_column(tmp_path: Path, purity, ploidy, expected) -> None:
    run = folder(tmp_path, "bad", purple__cnv__somatic__tsv=GPGR / "purple.cnv.somatic.tsv")
    (run / "purple.purity.tsv").write_text(f"purity\tploidy\tstatus\n{purity}\t{ploidy}\tNORMAL\n")
    result = find(run / "purple.cnv.somatic.tsv", "purple_somatic")
    assert codes(result) == expected
    bad = result.problems[0].message
    assert "purple.purity.tsv line 2, column" in bad and (purity in bad or ploidy in bad)
    good_kinds = {"purity", "ploidy"} - {c.split("_")[1] for c in expected}
    for kind in good_kinds:
        assert len(result.stated(kind)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "purity\tploidy\n0.5\t3.1\n0.6\t3.0\n",  # two rows
        "ploidy\tstatus\n3.1\tNORMAL\n",  # no purity column
        "purity\tploidy\n0.5\n",  # short row
    ],
)
def test_malformed_sidecars_are_refused(tmp_path: Path, text: str) -> None:
    run = folder(tmp_path, "bad", purple__cnv__somatic__tsv=GPGR / "purple.cnv.somatic.tsv")
    (run / "purple.purity.tsv").write_text(text)
    result = find(run / "purple.cnv.somatic.tsv", "purple_somatic")
    assert result.purity == [] and result.ploidy == [] and codes(result) == ["caller_file_unreadable"]
    assert str(run / "purple.purity.tsv") in result.problems[0].message


def test_unreadable_sidecar_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    run = folder(tmp_path, "fifo", purple__cnv__somatic__tsv=GPGR / "purple.cnv.somatic.tsv")
    (run / "purple.purity.tsv").mkdir()  # a folder where the file should be
    result = find(run / "purple.cnv.somatic.tsv", "purple_somatic")
    assert codes(result) == ["caller_file_unreadable"] and "folder" in result.problems[0].message


def test_no_sidecar_wrong_format_or_renamed_file_gives_none(tmp_path: Path) -> None:
    assert find(GPGR / "purple.cnv.somatic.tsv", "seg") is None  # PURPLE's name, another format
    run = folder(tmp_path, "renamed", sample__tsv=GPGR / "purple.cnv.somatic.tsv",
                 purple__purity__tsv=GPGR / "purple.purity.tsv")  # fmt: skip
    assert find(run / "sample.tsv", "purple_somatic") is None
    alone = folder(tmp_path, "alone", purple__cnv__somatic__tsv=GPGR / "purple.cnv.somatic.tsv")
    assert find(alone / "purple.cnv.somatic.tsv", "purple_somatic") is None
    assert sidecar_paths(alone / "purple.cnv.somatic.tsv") == []
    assert caller_of(alone / "purple.cnv.somatic.tsv", "purple_somatic") == "PURPLE"
    assert caller_of(alone / "purple.cnv.somatic.tsv", "cnvkit") is None


# --------------------------------------------------------------------------- versions from headers


def test_vep_version_cache_and_assembly_from_a_real_vep_vcf() -> None:
    software = variant_file_software(PHYLOFLOW / "VEP_raw.A25.mutect2.filtered.snp.vcf")
    tools = {t.tool: t for t in software.tools}
    assert tools["VEP"].version == "v106" and tools["VEP"].source == "##VEP"
    assert "cache /opt/vep/vep_data/homo_sapiens/104_GRCh37" in tools["VEP"].detail
    assert "assembly GRCh37.p13" in tools["VEP"].detail
    assert tools["GATK Mutect2"].version == "4.0.12.0" and tools["bcftools"].version == "1.8+htslib-1.8"


def test_snpeff_version_and_database_from_a_real_snpeff_vcf() -> None:
    software = variant_file_software(GPGR / "purple.somatic.vcf.gz")
    tools = {t.tool: t for t in software.tools}
    assert tools["SnpEff"].version == "4.3t (build 2017-11-24 10:18)"
    assert "GRCh38.86" in tools["SnpEff"].detail  # the database, from ##SnpEffCmd
    assert tools["strelka"].version == "2.9.10" and tools["purple"].version == "2.43"
    assert software.file_date == "20191122" and software.reference.endswith("hg38.fa")


def test_vcf_header_per_specification_lines(tmp_path: Path) -> None:
    """Lines as VCF 4.2 section 1.4 and the tools write them: DRAGEN's structured version, VEP's
    command line, a bare ##source with its version after the name (Manta)."""
    vcf = tmp_path / "x.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n"
        '##DRAGENVersion=<ID=dragen,Version="SW: 07.021.624.3.10.4, HW: 07.021.624">\n'
        "##source=GenerateSVCandidates 1.6.0\n"
        '##VEP="v110" time="2023-10-01 10:00:00" cache="/vep/homo_sapiens/110_GRCh38" ensembl=110.584a8f3 assembly="GRCh38.p14"\n'
        "##VEP-command-line='vep --input_file in.vcf --cache --offline --everything'\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    )
    tools = {t.tool: t for t in vcf_header_software(vcf).tools}
    assert tools["DRAGEN"].version == "SW: 07.021.624.3.10.4, HW: 07.021.624"
    assert tools["GenerateSVCandidates"].version == "1.6.0"
    assert tools["VEP"].version == "v110" and "vep --input_file in.vcf" in tools["VEP"].detail


def test_maf_version_line_and_vep_columns(tmp_path: Path) -> None:
    maf = tmp_path / "x.maf"
    maf.write_text(
        "#version 2.4\n"
        "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Sample_Barcode\tAllele\tGene\tFeature\t"
        "Feature_type\tConsequence\tHGVSc\tHGVSp\n"
    )
    tools = [(t.tool, t.version) for t in maf_header_software(maf).tools]
    assert tools == [("MAF format", "2.4"), ("VEP", None)]
    assert [t.tool for t in variant_file_software(RTCGA_MAF).tools] == []  # Oncotator MAF: no version line


def test_gatk_program_lines_and_a_missing_file_become_notes(tmp_path: Path) -> None:
    seg = tmp_path / "t.called.seg"
    seg.write_text("@HD\tVN:1.6\n@PG\tID:GATK ModelSegments\tPN:GATK ModelSegments\tVN:4.2.6.1\tCL:ModelSegments --x\n"
                   "CONTIG\tSTART\tEND\n")  # fmt: skip
    software = cn_file_software(seg, "gatk_seg")
    assert [(t.tool, t.version, t.detail) for t in software.tools] == [
        ("GATK ModelSegments", "4.2.6.1", "ModelSegments --x")
    ]
    gone = variant_file_software(tmp_path / "gone.vcf")
    assert gone.tools == [] and gone.notes and gone.notes[0].startswith("header not read")


# --------------------------------------------------------------------------- through the screen


def screen(tmp_path: Path, cn: Path, vcf: Path, build: str, *, purity: str = "", ploidy: str = "",
           config: dict | None = None) -> dict:  # fmt: skip
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(
        "patient_id\tsample_id\tbuild\tcn_file\tvcf\tpurity\tploidy\tgene_panel\n"
        f"P1\tP1-T1\t{build}\t{cn}\t{vcf}\t{purity}\t{ploidy}\tWGS\n"
    )
    cfg = {"samples": str(sheet), "outdir": str(tmp_path / "out")}
    cfg.update(config or {})
    c = prepare(cfg)
    report = Screener(c.settings, c.arms, c.ihc).screen_patient("P1", c.patients["P1"])
    jsonschema.validate(report, SCHEMA)
    return report


def test_caller_purity_and_ploidy_reach_the_evidence_and_the_report(tmp_path: Path) -> None:
    report = screen(tmp_path, V239 / "purple.cnv.somatic.tsv", VCF38, "GRCh38")
    sample = report["samples"][0]
    assert (sample["purity"], sample["ploidy"]) == (0.75, 1.8658)
    assert sample["purity_source"] == sample["ploidy_source"] == "PURPLE file purple.purity.tsv"
    assert sample["caller_estimate"]["qc_status"] == "PASS" and sample["caller_estimate"]["notes"] == []
    assert report["mdm2"]["purity"] == 0.75 and report["mdm2"]["ploidy"] == 1.8658
    assert report["mdm2"]["purity_source"] == "PURPLE file purple.purity.tsv"
    sidecars = [f for f in sample["files"] if f["role"] == "cn_caller_file"]
    assert {Path(f["path"]).name for f in sidecars} == {"purple.purity.tsv", "purple.qc", "purple.version"}
    assert all(len(f["sha256"]) == 64 for f in sidecars)
    software = {e["role"]: e for e in report["provenance"]["inputs_software"]}
    assert [t["version"] for t in software["cn_caller_file"]["tools"]] == ["2.39"]
    assert {t["tool"] for t in software["vcf"]["tools"]} >= {"SnpEff", "strelka"}
    html = render_patient_html(report)
    assert "PURPLE file purple.purity.tsv" in html and "SnpEff" in html


def test_the_sample_sheet_wins_and_the_report_says_what_the_caller_stated(tmp_path: Path) -> None:
    report = screen(tmp_path, V239 / "purple.cnv.somatic.tsv", VCF38, "GRCh38", purity="0.5", ploidy="1.8658")
    sample = report["samples"][0]
    assert (sample["purity"], sample["purity_source"]) == (0.5, "sample sheet")
    assert (sample["ploidy"], sample["ploidy_source"]) == (1.8658, "sample sheet")
    notes = sample["caller_estimate"]["notes"]
    assert [n["code"] for n in notes] == ["purity_sheet_overrides_caller"]  # the ploidy agrees: no note
    assert "0.7500 (purple.purity.tsv line 2, column 'purity')" in notes[0]["message"]
    assert report["mdm2"]["purity"] == 0.5


def test_conflicting_files_leave_purity_not_stated_and_say_why(tmp_path: Path) -> None:
    run = folder(tmp_path, "gpgr", purple__cnv__somatic__tsv=GPGR / "purple.cnv.somatic.tsv",
                 purple__purity__tsv=GPGR / "purple.purity.tsv", purple__qc=DATA / "umccr_gpgr" / "purple.qc",
                 purple__version=DATA / "umccr_gpgr" / "purple.version")  # fmt: skip
    sample = screen(tmp_path, run / "purple.cnv.somatic.tsv", VCF38, "GRCh38")["samples"][0]
    assert sample["purity"] is None and sample["purity_source"] == "not stated (range over plausible purity)"
    # Stated once, but by files that disagree on purity (two runs): not trusted either.
    assert sample["ploidy"] is None and sample["ploidy_source"].startswith("not stated")
    assert [n["code"] for n in sample["caller_estimate"]["notes"]] == [
        "caller_qc_warning",
        "caller_purity_conflict",
        "caller_ploidy_not_used",
    ]
    assert sample["evaluable"]  # a warning and a disagreement are shown, not errors


def test_purple_no_tumor_makes_the_sample_indeterminate(tmp_path: Path) -> None:
    run = folder(tmp_path, "nt",
                 tumor_sample__purple__cnv__somatic__tsv=HMF / "tumor_sample.purple.cnv.somatic.tsv",
                 tumor_sample__purple__purity__tsv=BUILT / "purple_no_tumor" / "tumor_sample.purple.purity.tsv",
                 tumor_sample__purple__qc=BUILT / "purple_no_tumor" / "tumor_sample.purple.qc")  # fmt: skip
    report = screen(tmp_path, run / "tumor_sample.purple.cnv.somatic.tsv", VCF37, "GRCh37")
    sample = report["samples"][0]
    assert report["status"] == "INDETERMINATE" and not sample["evaluable"]
    assert "caller_qc_failed" in [e["code"] for e in sample["errors"]]
    assert sample["purity"] is None  # its 0.08 is not used
    assert "PURPLE found no tumour" in render_patient_html(report)


def test_caller_ploidy_turns_a_range_into_a_firm_call(tmp_path: Path) -> None:
    """COLO829-like PURPLE run, MDM2 CN 3.02, PURPLE ploidy 3.1, judged relative to ploidy (CN / ploidy
    >= 2 amplified, < 1.5 not): without the ploidy, 1.5-4.5 gives 0.67-2.01 (straddles 2: uncertain);
    with PURPLE's own ploidy, 0.97 (not amplified)."""
    config = {"copy_number": {"unknown_ploidy": [1.5, 4.5],
                              "thresholds": {"default": {"mode": "relative_ploidy", "amplified_at": 2, "gain_at": 1.5}}}}  # fmt: skip
    alone = folder(
        tmp_path, "alone", tumor_sample__purple__cnv__somatic__tsv=HMF / "tumor_sample.purple.cnv.somatic.tsv"
    )
    (tmp_path / "a").mkdir()
    before = screen(tmp_path / "a", alone / "tumor_sample.purple.cnv.somatic.tsv", VCF37, "GRCh37", config=config)
    assert before["mdm2"]["call"] == "uncertain"
    assert before["mdm2"]["estimate"]["ploidy_range"] == [1.5, 4.5]
    assert before["samples"][0]["ploidy_source"] == "not stated (copy_number.unknown_ploidy 1.5-4.5 considered)"
    (tmp_path / "b").mkdir()
    cn = HMF / "tumor_sample.purple.cnv.somatic.tsv"
    assert (cn.parent / "tumor_sample.purple.purity.tsv").exists()  # the demo keeps PURPLE's purity file beside it
    after = screen(tmp_path / "b", cn, VCF37, "GRCh37", config=config)
    assert after["mdm2"]["call"] == "not_amplified"
    assert after["mdm2"]["estimate"]["ploidy_range"] == [3.1, 3.1]
    assert after["samples"][0]["ploidy_source"] == "PURPLE file tumor_sample.purple.purity.tsv"


def test_a_file_stating_purity_and_a_sidecar_that_disagrees(tmp_path: Path) -> None:
    run = tmp_path / "facets"
    run.mkdir()
    (run / "HCC2218.cncf.txt").write_text("# purity = 0.50\n" + (VCFSTUFF / "HCC2218_facets_cncf.tsv").read_text())
    (run / "HCC2218.out").write_text("Purity = 0.6231\nPloidy = 2.07\nFacets version = 0.5.14\n")
    sample = screen(tmp_path, run / "HCC2218.cncf.txt", VCF37, "GRCh37")["samples"][0]
    assert sample["purity"] is None
    conflict = [n for n in sample["caller_estimate"]["notes"] if n["code"] == "caller_purity_conflict"]
    assert conflict and "0.5 (HCC2218.cncf.txt (stated in the file itself))" in conflict[0]["message"]
    assert sample["ploidy"] is None and "caller_ploidy_not_used" in [
        n["code"] for n in sample["caller_estimate"]["notes"]
    ]


def test_hostile_header_text_is_escaped_in_html(tmp_path: Path) -> None:
    vcf = tmp_path / "hostile.vcf"
    body = VCF37.read_text().split("\n")
    body.insert(1, "##source=Mutect2<script>alert(1)</script>")
    body.insert(2, '##SnpEffVersion="<img src=x onerror=alert(2)>"')
    vcf.write_text("\n".join(body))
    report = screen(tmp_path, HMF / "tumor_sample.purple.cnv.somatic.tsv", vcf, "GRCh37")
    tools = [t["tool"] + " " + str(t["version"]) for e in report["provenance"]["inputs_software"] for t in e["tools"]]
    assert "Mutect2<script>alert(1)</script> None" in tools
    html = render_patient_html(report)
    assert "<script>" not in html and "<img src=x" not in html
    assert "Mutect2&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_reference_data_versions_are_read_from_the_shipped_files() -> None:
    data = reference_data()
    assert data["tp53_transcript"] == "NM_000546.6" and data["tp53_transcript_ensembl"] == "ENST00000269305.9"
    assert "GENCODE v24lift37" in data["gene_coordinates"]["GRCh37"]
    assert "GENCODE v24)" in data["gene_coordinates"]["GRCh38"]
    names = {f["name"]: f["sha256"] for f in data["files"]}
    assert {"genes.tsv", "tp53_exons.tsv", "tp53_cds.fa"} <= set(names)
    assert names["genes.tsv"] == sha256_file(reference_path("genes.tsv"))
    assert not any(n.endswith(".md") or "LICENSE" in n for n in names)  # data files only


def test_the_demo_purple_sample_without_sheet_purity_now_shows_purple_s(tmp_path: Path) -> None:
    """The issue's case: a PURPLE sample with purity.tsv beside it and no purity in the sheet."""
    report = screen(tmp_path, HMF / "tumor_sample.purple.cnv.somatic.tsv", VCF37, "GRCh37")
    sample = report["samples"][0]
    assert (sample["purity"], sample["ploidy"]) == (0.99, 3.1)
    html = render_patient_html(report)
    assert "99% / 3.10" in html and "purity: PURPLE file tumor_sample.purple.purity.tsv" in html


def test_a_changed_caller_purity_file_changes_the_batch_and_the_nightly_inputs(tmp_path: Path) -> None:
    """The caller's purity file beside the copy numbers is evidence: editing it must re-decide the sample."""
    from mdm2screen.nightly import patient_input_paths
    from mdm2screen.pipeline import prepare

    folder = tmp_path / "purple"
    folder.mkdir()
    source = DATA / "umccr_gpgr_v2.39" / "purple.cnv.somatic.tsv"
    cn = Path(shutil.copy(source, folder / source.name))
    purity = DATA / "umccr_gpgr_v2.39" / "purple.purity.tsv"
    shutil.copy(purity, folder / purity.name)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(f"patient_id\tsample_id\tbuild\tcn_file\tvcf\nP1\tP1-T\tGRCh38\t{cn}\t{cn}\n")
    cohort = prepare({"samples": str(sheet), "outdir": str(tmp_path / "out")})
    roles = {role: path for _, role, path in patient_input_paths(cohort, "P1")}
    assert roles["caller_estimate"] == str((folder / purity.name).absolute())
    before = cohort.batches()[0].fingerprint
    (folder / purity.name).write_text((folder / purity.name).read_text() + "\n")
    assert prepare({"samples": str(sheet), "outdir": str(tmp_path / "out")}).batches()[0].fingerprint != before


def test_one_row_files_with_several_rows_are_refused_and_say_so(tmp_path: Path) -> None:
    """PURPLE purity.tsv and ASCAT metrics.txt hold one sample's estimate: more rows are refused, counted."""
    purple = folder(tmp_path, "purple", purple__cnv__somatic__tsv=GPGR / "purple.cnv.somatic.tsv")
    (purple / "purple.purity.tsv").write_text("purity\tploidy\n0.5\t3.1\n0.6\t3.0\n")
    result = find(purple / "purple.cnv.somatic.tsv", "purple_somatic")
    assert result.problems[0].message.endswith("purple.purity.tsv has 2 rows, not one; not used")
    seg = PCGR / "T001-BRCA.grch37.cna.tsv"
    ascat = folder(tmp_path, "ascat", A3__segments__txt=seg)
    metrics = (BUILT / "ascat" / "A1.metrics.txt").read_text().splitlines()
    (ascat / "A3.metrics.txt").write_text("\n".join([*metrics, metrics[1]]) + "\n")
    result = find(ascat / "A3.segments.txt", "ascat")
    assert result.purity == [] and codes(result) == ["caller_file_unreadable"]
    assert result.problems[0].message.endswith("A3.metrics.txt has 2 rows (samples), not one; not used")
