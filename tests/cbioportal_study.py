"""Write a small cBioPortal study folder built from real TCGA glioma data, for tests.

The files follow the cBioPortal "File Formats" page (docs.cbioportal.org/file-formats/) and the
"good" variant passes cBioPortal's own validator: ``scripts/importer/validateData.py -s STUDY -n``
from cBioPortal/cbioportal-core commit c3c8edfa366dea7b150d36af08b06f770e333789 (2026-05-23), run
in a throwaway venv outside the repository, exits 3 (valid, with warnings only: offline mode skips
gene/cancer-type checks, and the Firehose MAF has no read counts). The malformed variants are
broken on purpose and are not expected to pass it.

Data: rows of eight TCGA GBM/LGG tumours from ``tests/data/cbioportal/`` (RTCGA data packages,
Broad Firehose 2016-01-28, GPL-2; see the README there). Barcodes are cut to the 15-character
sample id as cBioPortal's datahub does; columns are renamed to the cBioPortal names
(``Segment_Mean`` -> ``seg.mean``, ``Protein_Change`` -> ``HGVSp_Short`` ...); values are unchanged.

What is constructed rather than real, all to the documented formats:

- clinical tables: only identity, sample type (``-01`` = primary tumour), cancer type from the
  TCGA project (GBM or LGG) and, in the ``purity_percent`` variant, purity/ploidy values that are
  illustrative, not TCGA estimates;
- the gene panel ``TEST_GLIOMA_PANEL``: TCGA sequenced these tumours by exome; two tumours are
  declared on a panel (genes: those mutated in them plus MDM2, CDK4, TP53) to exercise the
  gene panel matrix;
- ``data_CNA.txt``: GISTIC-style discrete values derived from the segments (see
  :func:`discrete_value`), except :data:`DELIBERATELY_DISCORDANT`.
"""

from __future__ import annotations

import gzip
import shutil
from dataclasses import dataclass
from pathlib import Path

from mdm2screen.reference import gene_locus

DATA = Path(__file__).resolve().parent / "data" / "cbioportal"
SEG_SOURCE = DATA / "GBMLGG.snp6.minus_germline_cnv.hg19.selected.seg"
MAF_SOURCE = DATA / "GBMLGG.mutations.selected.maf.gz"

STUDY_ID = "difg_mdm2screen_test"
PANEL_ID = "TEST_GLIOMA_PANEL"
ENTREZ = {"MDM2": 4193, "CDK4": 1019, "TP53": 7157}
CNA_GENES = ("MDM2", "CDK4", "TP53")

VARIANTS = (
    "good",
    "missing_data_file",  # meta_mutations.txt names a MAF that is not there
    "genome_mismatch",  # the seg meta file says hg38, meta_study says hg19
    "maf_sample_not_in_clinical",  # MAF rows of TCGA-06-0129-01, absent from the clinical table
    "bad_ids",  # a sample id with '/', a patient id starting with '-'
    "no_genome",  # meta_study without reference_genome (cBioPortal default hg19)
    "no_panel_matrix",  # no gene panel matrix: the _sequenced case list decides
    "panel_without_tp53",  # the panel's gene list lacks TP53
    "profiled_no_calls",  # TCGA-19-5958-01 sequenced (matrix, case list) but no MAF rows
    "purity_percent",  # TUMOR_PURITY in percent and PLOIDY in the sample table (illustrative values)
    "patient_tumor_type",  # tumour type only in the patient table
    "messy",  # CRLF, BOM, no '#' header lines, lower-case columns, quoted cells, gzipped MAF
    "no_maf_no_seg",  # clinical data only
)


@dataclass(frozen=True)
class Tumour:
    sample_id: str
    project: str  # TCGA project: GBM or LGG
    seg: bool  # segments written
    maf: bool  # MAF rows written
    panel: str  # gene panel matrix `mutations` value: WXS, PANEL_ID or NA


# Roles (log2 = highest segment over the gene; see tests/data/cbioportal/README.md):
TUMOURS = (
    Tumour("TCGA-06-0140-01", "GBM", True, True, "WXS"),  # MDM2 amplified (3.39), TP53 wild type
    Tumour("TCGA-06-0173-01", "GBM", True, True, PANEL_ID),  # MDM2 4.51 + CDK4 3.59, TP53 wild type
    Tumour("TCGA-02-0033-01", "GBM", True, True, "WXS"),  # TP53 p.R248Q, not amplified
    Tumour("TCGA-32-4208-01", "GBM", True, True, PANEL_ID),  # MDM2 1.88 with TP53 p.R175H
    Tumour("TCGA-19-5958-01", "GBM", True, True, "WXS"),  # not amplified, TP53 wild type
    Tumour("TCGA-06-6390-01", "GBM", True, False, "NA"),  # MDM2 1.30; segments only (no mutation data)
    Tumour("TCGA-26-5132-01", "GBM", True, True, "WXS"),  # MDM2 3.43; GISTIC value set discordant
    Tumour("TCGA-HT-7476-01", "LGG", False, True, "WXS"),  # TP53 17:7577121 G>A; MAF only (no segments)
)
CLINICAL_ONLY = "TCGA-41-3393-01"  # in the clinical table, no data at all
EXTRA_MAF_SAMPLE = "TCGA-06-0129-01"  # MAF rows only, for the maf_sample_not_in_clinical variant
# GISTIC calls MDM2 a low-level gain here although the segment is at log2 3.43: models the arm-relative
# high-level threshold GISTIC applies per sample, and gives the concordance report a discordant sample.
DELIBERATELY_DISCORDANT = {("TCGA-26-5132-01", "MDM2"): 1}

CANCER_TYPES = {
    "GBM": ("Glioma", "Glioblastoma Multiforme", "GBM"),
    "LGG": ("Glioma", "", ""),  # histology not carried by the source data: left empty
}

# cBioPortal MAF column <- Firehose/Oncotator column (File Formats, "Mutation Data").
MAF_COLUMNS = (
    ("Hugo_Symbol", "Hugo_Symbol"),
    ("Entrez_Gene_Id", "Entrez_Gene_Id"),
    ("Center", "Center"),
    ("NCBI_Build", "NCBI_Build"),
    ("Chromosome", "Chromosome"),
    ("Start_Position", "Start_position"),
    ("End_Position", "End_position"),
    ("Strand", "Strand"),
    ("Variant_Classification", "Variant_Classification"),
    ("Variant_Type", "Variant_Type"),
    ("Reference_Allele", "Reference_Allele"),
    ("Tumor_Seq_Allele1", "Tumor_Seq_Allele1"),
    ("Tumor_Seq_Allele2", "Tumor_Seq_Allele2"),
    ("dbSNP_RS", "dbSNP_RS"),
    ("dbSNP_Val_Status", "dbSNP_Val_Status"),
    ("Tumor_Sample_Barcode", "Tumor_Sample_Barcode"),
    ("Matched_Norm_Sample_Barcode", "Matched_Norm_Sample_Barcode"),
    ("Match_Norm_Seq_Allele1", "Match_Norm_Seq_Allele1"),
    ("Match_Norm_Seq_Allele2", "Match_Norm_Seq_Allele2"),
    ("Verification_Status", "Verification_Status"),
    ("Validation_Status", "Validation_Status"),
    ("Mutation_Status", "Mutation_Status"),
    ("Sequencing_Phase", "Sequencing_Phase"),
    ("Sequence_Source", "Sequence_Source"),
    ("Sequencer", "Sequencer"),
    ("HGVSc", "cDNA_Change"),
    ("HGVSp_Short", "Protein_Change"),
)


def discrete_value(log2: float) -> int:
    """GISTIC-style discrete value of a segment log2 ratio.

    GISTIC 2.0's default amplification/deletion thresholds are 0.1; its high-level calls use a
    per-sample threshold (relative to arm-level medians) that the segments alone cannot
    reproduce, so log2 >= 1.0 (a doubling) stands in for it here.
    """
    if log2 >= 1.0:
        return 2
    if log2 >= 0.1:
        return 1
    if log2 <= -1.0:
        return -2
    if log2 <= -0.1:
        return -1
    return 0


def _seg_rows() -> list[list[str]]:
    lines = SEG_SOURCE.read_text().splitlines()
    return [line.split("\t") for line in lines[1:] if line.strip()]


def _maf_rows() -> tuple[list[str], list[list[str]]]:
    with gzip.open(MAF_SOURCE, "rt") as handle:
        lines = handle.read().splitlines()
    header = lines[0].split("\t")
    return header, [line.split("\t") for line in lines[1:] if line.strip()]


def gistic_values() -> dict[str, dict[str, int]]:
    """{gene: {sample_id: discrete value}} for every tumour with segments (before overrides)."""
    loci = {gene: gene_locus(gene, "GRCh37") for gene in CNA_GENES}
    best: dict[tuple[str, str], float] = {}
    for sample, chrom, start, end, _probes, mean in _seg_rows():
        sid = sample[:15]
        chrom = "X" if chrom == "23" else chrom
        for gene, locus in loci.items():
            if chrom == locus.chrom and int(start) <= locus.end and int(end) >= locus.start:
                key = (gene, sid)
                best[key] = max(best.get(key, float("-inf")), float(mean))
    out: dict[str, dict[str, int]] = {gene: {} for gene in CNA_GENES}
    for (gene, sid), log2 in best.items():
        out[gene][sid] = discrete_value(log2)
    return out


def _write(path: Path, lines: list[str], *, crlf: bool = False, bom: bool = False) -> None:
    text = ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def _meta(path: Path, fields: dict[str, str]) -> None:
    _write(path, [f"{key}: {value}" for key, value in fields.items()])


def _clinical(header_names: list[str], rows: list[list[str]], *, with_hash_header: bool) -> list[str]:
    """A clinical table with cBioPortal's four '#' lines (File Formats, "Clinical Data")."""
    lines = []
    if with_hash_header:
        pretty = [name.replace("_", " ").title() for name in header_names]
        lines += [
            "#" + "\t".join(pretty),
            "#" + "\t".join(pretty),
            "#" + "\t".join("NUMBER" if name in ("TUMOR_PURITY", "PLOIDY") else "STRING" for name in header_names),
            "#" + "\t".join("1" for _ in header_names),
        ]
    lines.append("\t".join(header_names))
    lines += ["\t".join(row) for row in rows]
    return lines


def write_study(directory: str | Path, *, variant: str = "good") -> Path:
    """Write the study into ``directory/<STUDY_ID>`` and return that folder."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    study = Path(directory) / STUDY_ID
    if study.exists():
        shutil.rmtree(study)
    (study / "case_lists").mkdir(parents=True)
    messy = variant == "messy"

    tumours = list(TUMOURS)
    renamed: dict[str, str] = {}
    patient_override: dict[str, str] = {}
    if variant == "bad_ids":
        renamed["TCGA-19-5958-01"] = "TCGA-19-5958-01/A"
        patient_override["TCGA-26-5132-01"] = "-TCGA-26-5132"
    if variant == "profiled_no_calls":
        tumours = [
            Tumour(t.sample_id, t.project, t.seg, False, t.panel) if t.sample_id == "TCGA-19-5958-01" else t
            for t in tumours
        ]

    def sid(sample: str) -> str:
        return renamed.get(sample, sample)

    def pid(sample: str) -> str:
        return patient_override.get(sample, sample[:12])

    seg_samples = {t.sample_id for t in tumours if t.seg}
    maf_samples = {t.sample_id for t in tumours if t.maf}
    if variant == "maf_sample_not_in_clinical":
        maf_samples.add(EXTRA_MAF_SAMPLE)
    if variant == "no_maf_no_seg":
        seg_samples, maf_samples = set(), set()

    # --- meta_study (File Formats, "Cancer Study")
    study_meta = {
        "type_of_cancer": "difg",
        "cancer_study_identifier": STUDY_ID,
        "name": "Diffuse glioma test study (TCGA GBM/LGG rows, mdm2screen)",
        "description": "Eight TCGA GBM/LGG tumours from the Broad Firehose 2016-01-28 release, for tests.",
        "add_global_case_list": "true",
        "reference_genome": "hg19",
    }
    if variant == "no_genome":
        del study_meta["reference_genome"]
    _meta(study / "meta_study.txt", study_meta)

    # --- clinical sample and patient tables
    clinical_samples = [t.sample_id for t in tumours] + [CLINICAL_ONLY]
    project = {t.sample_id: t.project for t in tumours} | {CLINICAL_ONLY: "GBM"}
    sample_cols = ["PATIENT_ID", "SAMPLE_ID", "SAMPLE_TYPE"]
    type_cols = ["CANCER_TYPE", "CANCER_TYPE_DETAILED", "ONCOTREE_CODE"]
    if variant != "patient_tumor_type":
        sample_cols += type_cols
    if variant == "purity_percent":
        sample_cols += ["TUMOR_PURITY", "PLOIDY"]
    illustrative_purity = {"TCGA-06-0140-01": ("62", "2.1"), "TCGA-06-0173-01": ("85", "NA")}
    sample_rows = []
    for sample in clinical_samples:
        row = [pid(sample), sid(sample), "Primary"]
        if variant != "patient_tumor_type":
            row += list(CANCER_TYPES[project[sample]])
        if variant == "purity_percent":
            row += list(illustrative_purity.get(sample, ("", "")))
        sample_rows.append(row)
    if messy:
        sample_cols = [c.lower() for c in sample_cols]
        sample_rows = [[f'"{cell}"' if cell else cell for cell in row] for row in sample_rows]
    _write(
        study / "data_clinical_sample.txt",
        _clinical(sample_cols, sample_rows, with_hash_header=not messy),
        crlf=messy,
        bom=messy,
    )
    _meta(
        study / "meta_clinical_sample.txt",
        {
            "cancer_study_identifier": STUDY_ID,
            "genetic_alteration_type": "CLINICAL",
            "datatype": "SAMPLE_ATTRIBUTES",
            "data_filename": "data_clinical_sample.txt",
        },
    )

    patients = sorted({pid(s) for s in clinical_samples})
    patient_cols = ["PATIENT_ID", "TCGA_PROJECT"]
    patient_project = {pid(s): f"TCGA-{project[s]}" for s in clinical_samples}
    patient_type = {pid(s): CANCER_TYPES[project[s]] for s in clinical_samples}
    if variant == "patient_tumor_type":
        patient_cols += type_cols
    patient_rows = []
    for patient in patients:
        row = [patient, patient_project[patient]]
        if variant == "patient_tumor_type":
            row += list(patient_type[patient])
        patient_rows.append(row)
    _write(
        study / "data_clinical_patient.txt",
        _clinical(patient_cols, patient_rows, with_hash_header=not messy),
        crlf=messy,
    )
    _meta(
        study / "meta_clinical_patient.txt",
        {
            "cancer_study_identifier": STUDY_ID,
            "genetic_alteration_type": "CLINICAL",
            "datatype": "PATIENT_ATTRIBUTES",
            "data_filename": "data_clinical_patient.txt",
        },
    )

    # --- mutations (File Formats, "Mutation Data"; HGVSp_Short is required)
    if maf_samples:
        header, rows = _maf_rows()
        index = {name: i for i, name in enumerate(header)}
        maf_lines = ["\t".join(name for name, _ in MAF_COLUMNS)]
        for row in rows:
            sample = row[index["Tumor_Sample_Barcode"]][:15]
            if sample not in maf_samples:
                continue
            out = []
            for name, source in MAF_COLUMNS:
                value = row[index[source]]
                if name in ("Tumor_Sample_Barcode", "Matched_Norm_Sample_Barcode"):
                    value = sid(value[:15]) if name == "Tumor_Sample_Barcode" else value[:15]
                elif name == "NCBI_Build" and value == "37":
                    value = "GRCh37"  # cBioPortal wants GRCh37/GRCh38 here
                out.append(value)
            maf_lines.append("\t".join(out))
        maf_name = "data_mutations.txt.gz" if messy else "data_mutations.txt"
        if messy:
            (study / maf_name).write_bytes(gzip.compress(("\r\n".join(maf_lines) + "\r\n").encode(), mtime=0))
        elif variant != "missing_data_file":  # that variant names a MAF it never writes
            _write(study / maf_name, maf_lines)
        _meta(
            study / "meta_mutations.txt",
            {
                "cancer_study_identifier": STUDY_ID,
                "genetic_alteration_type": "MUTATION_EXTENDED",
                "datatype": "MAF",
                "stable_id": "mutations",
                "show_profile_in_analysis_tab": "true",
                "profile_name": "Mutations",
                "profile_description": "Mutation data from whole exome sequencing (TCGA, Firehose 2016-01-28).",
                "data_filename": maf_name,
            },
        )

    # --- segments (File Formats, "Segmented Data")
    if seg_samples:
        seg_lines = ["ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean"]
        for sample, chrom, start, end, probes, mean in _seg_rows():
            if sample[:15] in seg_samples:
                seg_lines.append("\t".join([sid(sample[:15]), chrom, start, end, probes, mean]))
        _write(study / "data_cna_hg19.seg", seg_lines, crlf=messy)
        _meta(
            study / "meta_cna_hg19_seg.txt",
            {
                "cancer_study_identifier": STUDY_ID,
                "genetic_alteration_type": "COPY_NUMBER_ALTERATION",
                "datatype": "SEG",
                "reference_genome_id": "hg38" if variant == "genome_mismatch" else "hg19",
                "description": "Somatic CNA segments (SNP6 minus germline CNV, log2 ratio) from the Broad Firehose.",
                "data_filename": "data_cna_hg19.seg",
            },
        )

        # --- discrete CNA (File Formats, "Discrete Copy Number Data")
        values = gistic_values()
        for (sample, gene), value in DELIBERATELY_DISCORDANT.items():
            values[gene][sample] = value
        cna_samples = [t.sample_id for t in tumours if t.seg]
        cna_lines = ["\t".join(["Hugo_Symbol", "Entrez_Gene_Id"] + [sid(s) for s in cna_samples])]
        for gene in CNA_GENES:
            cells = [str(values[gene][s]) if s in values[gene] else "NA" for s in cna_samples]
            cna_lines.append("\t".join([gene, str(ENTREZ[gene])] + cells))
        _write(study / "data_CNA.txt", cna_lines)
        _meta(
            study / "meta_CNA.txt",
            {
                "cancer_study_identifier": STUDY_ID,
                "genetic_alteration_type": "COPY_NUMBER_ALTERATION",
                "datatype": "DISCRETE",
                "stable_id": "gistic",
                "show_profile_in_analysis_tab": "true",
                "profile_name": "Putative copy-number alterations from GISTIC",
                "profile_description": "Putative copy-number from GISTIC 2.0. Values: -2 = homozygous deletion; "
                "-1 = hemizygous deletion; 0 = neutral / no change; 1 = gain; 2 = high level amplification.",
                "data_filename": "data_CNA.txt",
            },
        )

    # --- gene panel matrix + panel file (File Formats, "Gene Panel Data"; Import-Gene-Panels)
    # Profiled for mutations: every tumour with a panel value, whether or not mutations were called.
    sequenced = [sid(t.sample_id) for t in tumours if t.panel != "NA" and (t.maf or variant == "profiled_no_calls")]
    if variant == "no_panel_matrix":
        sequenced.remove("TCGA-HT-7476-01")  # neither matrix nor case list: TP53 assessability unknown
    if maf_samples and variant != "no_panel_matrix":
        matrix = ["SAMPLE_ID\tmutations"]
        for t in tumours:
            matrix.append(f"{sid(t.sample_id)}\t{t.panel}")
        matrix.append(f"{CLINICAL_ONLY}\tNA")
        _write(study / "data_gene_panel_matrix.txt", matrix)
        _meta(
            study / "meta_gene_panel_matrix.txt",
            {
                "cancer_study_identifier": STUDY_ID,
                "genetic_alteration_type": "GENE_PANEL_MATRIX",
                "datatype": "GENE_PANEL_MATRIX",
                "data_filename": "data_gene_panel_matrix.txt",
            },
        )
        header, rows = _maf_rows()
        index = {name: i for i, name in enumerate(header)}
        on_panel = {t.sample_id for t in tumours if t.panel == PANEL_ID}
        genes = {row[index["Hugo_Symbol"]] for row in rows if row[index["Tumor_Sample_Barcode"]][:15] in on_panel}
        genes |= {"MDM2", "CDK4", "TP53"}
        if variant == "panel_without_tp53":
            genes.discard("TP53")
        _meta(
            study / f"data_gene_panel_{PANEL_ID.lower()}.txt",
            {
                "stable_id": PANEL_ID,
                "description": "Test panel for mdm2screen (genes mutated in its two tumours plus MDM2, CDK4"
                + (", TP53)." if variant != "panel_without_tp53" else ")."),
                "gene_list": "\t".join(sorted(genes)),
            },
        )

    # --- case lists (File Formats, "Case Lists")
    def case_list(name: str, suffix: str, category: str, ids: list[str], title: str) -> None:
        if ids:
            _meta(
                study / "case_lists" / name,
                {
                    "cancer_study_identifier": STUDY_ID,
                    "stable_id": f"{STUDY_ID}_{suffix}",
                    "case_list_name": title,
                    "case_list_description": f"{title} ({len(ids)} samples)",
                    "case_list_category": category,
                    "case_list_ids": "\t".join(ids),
                },
            )

    cna_ids = [sid(t.sample_id) for t in tumours if t.sample_id in seg_samples]
    case_list(
        "cases_sequenced.txt", "sequenced", "all_cases_with_mutation_data", sequenced, "Samples profiled for mutations"
    )
    case_list("cases_cna.txt", "cna", "all_cases_with_cna_data", cna_ids, "Samples profiled for copy number")
    case_list(
        "cases_cnaseq.txt",
        "cnaseq",
        "all_cases_with_mutation_and_cna_data",
        [s for s in sequenced if s in cna_ids],
        "Samples profiled for mutations and copy number",
    )
    return study
