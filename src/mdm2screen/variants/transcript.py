"""The TP53 transcript model (NM_000546.6 / ENST00000269305, minus strand): consequence and HGVS.

Everything here is computed from the files shipped in ``resources/reference/``:
``tp53_exons.tsv`` (exons and CDS per build, 1-based inclusive), ``tp53_cds.fa`` (c.1-c.1182 incl.
the TGA stop), ``tp53_protein.fa`` (P04637, 393 aa) and the genomic sequence of the locus
(RefSeqGene NG_017013.2, ``reference.tp53_genomic``). The model is checked on load: the CDS
spans must add up to 1182 bp, translate exactly to the protein, and equal the genome there.

Conventions (:data:`HGVS_CONVENTION`, ``resources/reference/tp53_transcript_README.md``):

* Variants are handled internally as a *minimal* plus-strand change: ``start..end`` is the
  replaced reference interval (1-based inclusive) and ``alt`` the inserted plus-strand bases;
  an insertion between genomic ``p`` and ``p + 1`` has ``start = p + 1, end = p``.
* Every input, VCF (anchor base) or MAF (``-`` alleles), is normalised the same way on the
  genome: trimmed, then insertions and deletions are shifted to their lowest genomic position
  (VCF left-alignment). TP53 lies on the minus strand, so that is also the HGVS 3' rule on the
  transcript, applied along the genome and therefore across exon/intron borders, as Ensembl VEP
  does with ``--shift_hgvs 1``. The answer never depends on how the file wrote the variant.
* Frameshifts and stop losses are translated on into the 3' UTR to find the new stop.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from ..genome import canonical_build, normalize_contig
from ..paths import reference_path
from ..reference import GenomicSequence, gene_locus, tp53_genomic

TRANSCRIPT = "NM_000546.6"
ENSEMBL_TRANSCRIPT = "ENST00000269305"
GENE = "TP53"
CHROM = "17"

# How the HGVS descriptions are written; reports show this next to every computed c./p. text.
HGVS_CONVENTION = (
    "HGVS nomenclature v21.1 (hgvs-nomenclature.org) on NM_000546.6 / ENST00000269305: c. numbering "
    "from the A of ATG, intronic positions from the nearest exon (middle base of an odd intron: +); "
    "3' rule applied on the genome in the transcript's direction, also across exon/intron borders "
    "(as Ensembl VEP --shift_hgvs 1); an insertion repeating the bases 5' of it is a dup; del/dup "
    "written without bases; p. three-letter with Ter, fsTer/extTer counted into the 3' UTR "
    "(fsTer?/extTer? only when the new frame runs off the transcript)"
)

# Project consequence classes, most severe first (the order of Ensembl VEP's consequence ranking).
CONSEQUENCE_CLASSES: tuple[str, ...] = (
    "structural_deletion",  # an SV removing coding bases (vcf.structural_consequence), above all point changes
    "structural_rearrangement",  # an SV or breakend with a breakpoint inside the gene
    "splice_acceptor",
    "splice_donor",
    "nonsense",
    "frameshift",
    "stop_lost",
    "start_lost",
    "inframe_insertion",
    "inframe_deletion",
    "missense",
    "splice_region",
    "synonymous",
    "utr5",
    "utr3",
    "intronic",
    "upstream",
    "downstream",
    "other",
)
SEVERITY = {name: rank for rank, name in enumerate(CONSEQUENCE_CLASSES)}

# Readable names for the `why` texts.
CONSEQUENCE_LABELS = {
    "structural_deletion": "structural deletion of coding bases",
    "structural_rearrangement": "structural rearrangement inside the gene",
    "splice_acceptor": "splice acceptor",
    "splice_donor": "splice donor",
    "nonsense": "nonsense",
    "frameshift": "frameshift",
    "stop_lost": "stop lost",
    "start_lost": "start lost",
    "inframe_insertion": "in-frame insertion",
    "inframe_deletion": "in-frame deletion",
    "missense": "missense",
    "splice_region": "splice region",
    "synonymous": "synonymous",
    "utr5": "5' UTR",
    "utr3": "3' UTR",
    "intronic": "intronic",
    "upstream": "upstream",
    "downstream": "downstream",
    "other": "other/unclassified",
}

_CODON_TABLE = {
    a + b + c: aa
    for (a, b, c), aa in zip(
        ((x, y, z) for x in "TCAG" for y in "TCAG" for z in "TCAG"),
        "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
        strict=True,
    )
}
THREE_LETTER = {
    "A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu", "G": "Gly",
    "H": "His", "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe", "P": "Pro", "S": "Ser",
    "T": "Thr", "W": "Trp", "Y": "Tyr", "V": "Val", "*": "Ter", "X": "Xaa",
}  # fmt: skip
_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")
DNA = frozenset("ACGT")


def revcomp(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


def complement(seq: str) -> str:
    return seq.translate(_COMPLEMENT)


def translate(cds: str, stop: bool = True) -> str:
    """Translate codon by codon; stops after the first stop codon when ``stop`` (which is kept as '*')."""
    out = []
    for i in range(0, len(cds) - 2, 3):
        aa = _CODON_TABLE.get(cds[i : i + 3], "X")
        out.append(aa)
        if stop and aa == "*":
            break
    return "".join(out)


def aa3(seq: str) -> str:
    return "".join(THREE_LETTER.get(a, "Xaa") for a in seq)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Exon:
    number: int
    start: int  # genomic, 1-based inclusive
    end: int
    cds_start: int | None  # genomic extent of the coding part, None for non-coding exons
    cds_end: int | None
    n_first: int  # transcript (n.) position of the exon's 5' base (= genomic end, minus strand)


@dataclass(frozen=True)
class TxPos:
    """A genomic position placed on the transcript."""

    region: str  # cds | utr5 | utr3 | intron | upstream | downstream
    text: str  # HGVS c. position without the "c.", e.g. "840", "-29", "*5", "672+1"
    c: int | None = None  # c. number for coding positions
    offset: int = 0  # intronic offset: +d (donor side) / -d (acceptor side)
    exonic_splice_region: bool = False  # within the first/last bases of an exon next to an intron


@dataclass(frozen=True)
class TP53Model:
    build: str
    chrom: str
    exons: tuple[Exon, ...]  # transcript order (5' -> 3'): exon 1 has the highest coordinates
    cds: str  # coding strand, c.1..c.1182 including the stop
    protein: str  # 393 aa, without the stop
    c1_genomic: int  # genomic position of c.1 (the A of ATG)
    stop_genomic: int  # genomic position of c.1182 (last base of the stop codon)
    plus_bases: dict[int, str]  # genomic position -> plus-strand base, coding positions only
    c_to_genomic: tuple[int, ...]  # index c-1 -> genomic position
    genome: GenomicSequence  # plus strand of the whole locus (gene, 5 kb upstream, 8.6 kb downstream)
    utr3: str  # transcript sequence after the stop codon (c.*1 to the end of the last exon)

    def base(self, g: int) -> str | None:
        """Plus-strand reference base at genomic ``g``; None outside the shipped locus."""
        return self.genome.base(g)

    @property
    def tx_start(self) -> int:
        return self.exons[-1].start

    @property
    def tx_end(self) -> int:
        return self.exons[0].end

    @property
    def c1_n(self) -> int:
        return self._n_of(self.c1_genomic)

    @property
    def stop_n(self) -> int:
        return self._n_of(self.stop_genomic)

    @property
    def tx_len(self) -> int:
        last = self.exons[-1]
        return last.n_first + (last.end - last.start)

    def _n_of(self, g: int) -> int:
        for exon in self.exons:
            if exon.start <= g <= exon.end:
                return exon.n_first + (exon.end - g)
        raise ValueError(f"{g} is not exonic")

    def _exonic_text(self, n: int) -> tuple[str, str, int | None]:
        """(region, text, c) of transcript position ``n``."""
        c1, stop = self.c1_n, self.stop_n
        if n < c1:
            return "utr5", str(n - c1), None
        if n > stop:
            return "utr3", f"*{n - stop}", None
        c = n - c1 + 1
        return "cds", str(c), c

    def position(self, g: int) -> TxPos:
        """Place genomic ``g`` on the transcript (HGVS c. numbering)."""
        if g > self.tx_end:  # 5' of the transcript on a minus-strand gene
            d = g - self.tx_end
            return TxPos("upstream", str((1 - self.c1_n) - d))
        if g < self.tx_start:
            d = self.tx_start - g
            return TxPos("downstream", f"*{self.tx_len - self.stop_n + d}")
        for i, exon in enumerate(self.exons):
            if exon.start <= g <= exon.end:
                n = exon.n_first + (exon.end - g)
                region, text, c = self._exonic_text(n)
                # Exonic splice region: first/last 3 bases of an exon next to an intron (VEP's definition).
                near = False
                if i > 0 and exon.end - g < 3:  # 5' end of the exon, after an acceptor
                    near = True
                if i < len(self.exons) - 1 and g - exon.start < 3:  # 3' end, before a donor
                    near = True
                return TxPos(region, text, c, 0, near)
        # Intronic: between exon i (5', lower coordinates end at exon.start) and exon i+1.
        for i in range(len(self.exons) - 1):
            up, down = self.exons[i], self.exons[i + 1]
            if down.end < g < up.start:
                d5 = up.start - g  # distance from the donor side
                d3 = g - down.end  # distance from the acceptor side
                if d5 <= d3:  # HGVS: the middle base of an odd-length intron takes "+"
                    _, text, _ = self._exonic_text(up.n_first + (up.end - up.start))
                    return TxPos("intron", f"{text}+{d5}", None, d5)
                _, text, _ = self._exonic_text(down.n_first)
                return TxPos("intron", f"{text}-{d3}", None, -d3)
        raise AssertionError("unreachable: position not placed")  # pragma: no cover


def _resource_rows(build: str) -> list[dict[str, str]]:
    with open(reference_path("tp53_exons.tsv"), newline="") as handle:
        return [row for row in csv.DictReader(handle, delimiter="\t") if row["build"].lower() == build.lower()]


def _read_fasta(name: str) -> str:
    with open(reference_path(name)) as handle:
        return "".join(line.strip() for line in handle if not line.startswith(">")).upper()


def tp53_model(build: str) -> TP53Model:
    """The checked TP53 model for ``build`` (GRCh37/GRCh38 or an alias), loaded once per process and build."""
    canon = canonical_build(build)
    if canon is None:
        raise ValueError(f"unknown genome build {build!r}")
    return _load_model(canon)


@cache
def _load_model(canon: str) -> TP53Model:
    rows = _resource_rows(canon)
    if not rows:
        raise RuntimeError(f"tp53_exons.tsv has no rows for {canon}")
    # Position numbering below (n. from exon.end, 3' shift toward lower coordinates) assumes the minus strand.
    if gene_locus(GENE, canon).strand != "-":
        raise RuntimeError("genes.tsv: TP53 must be on the minus strand for the transcript model")
    cds = _read_fasta("tp53_cds.fa")
    protein = _read_fasta("tp53_protein.fa")
    exons = []
    n = 1
    for row in sorted(rows, key=lambda r: int(r["exon_number"])):
        start, end = int(row["exon_start"]), int(row["exon_end"])
        cs = int(row["cds_genomic_start"]) if row["cds_genomic_start"].strip() else None
        ce = int(row["cds_genomic_end"]) if row["cds_genomic_end"].strip() else None
        exons.append(Exon(int(row["exon_number"]), start, end, cs, ce, n))
        n += end - start + 1
    coding = [e for e in exons if e.cds_start is not None]
    c_to_g: list[int] = []
    for exon in coding:
        assert exon.cds_start is not None and exon.cds_end is not None
        c_to_g.extend(range(exon.cds_end, exon.cds_start - 1, -1))
    # The shipped resources must agree with each other; a mismatch is a packaging error, not bad input.
    if len(c_to_g) != len(cds) or translate(cds) != protein + "*":
        raise RuntimeError("TP53 resources disagree: CDS length or translation does not match the exon table/protein")
    genome = tp53_genomic(canon)
    transcript = ""
    for exon in exons:
        piece = genome.fetch(exon.start, exon.end)
        if piece is None:
            raise RuntimeError(f"TP53 exon {exon.number} ({canon}) lies outside the shipped genomic sequence")
        transcript += revcomp(piece)
    first = next(e for e in exons if e.start <= c_to_g[0] <= e.end)
    c1_n = first.n_first + (first.end - c_to_g[0])
    if transcript[c1_n - 1 : c1_n - 1 + len(cds)] != cds:
        raise RuntimeError(
            f"TP53 resources disagree: the genomic sequence ({genome.accession}) differs from the CDS in {canon}"
        )
    plus = {g: complement(cds[i]) for i, g in enumerate(c_to_g)}
    return TP53Model(
        build=canon,
        chrom=normalize_contig(rows[0]["chrom"]),
        exons=tuple(exons),
        cds=cds,
        protein=protein,
        c1_genomic=c_to_g[0],
        stop_genomic=c_to_g[-1],
        plus_bases=plus,
        c_to_genomic=tuple(c_to_g),
        genome=genome,
        utr3=transcript[c1_n - 1 + len(cds) :],
    )


# --------------------------------------------------------------------------- normalisation


@dataclass(frozen=True)
class Change:
    """A minimal plus-strand change, shifted by the HGVS 3' rule, plus its VCF-style key."""

    start: int
    end: int  # end == start - 1 for an insertion between end and start
    ref: str  # plus-strand reference bases of start..end ("" for insertions)
    alt: str  # plus-strand inserted bases ("" for deletions)
    key_pos: int  # VCF-style (anchored when the anchor base is known), else MAF-style
    key_ref: str
    key_alt: str
    ref_mismatch: str | None = None  # the written REF disagrees with the reference genome (text says where)

    @property
    def is_snv(self) -> bool:
        return len(self.ref) == 1 and len(self.alt) == 1

    @property
    def is_insertion(self) -> bool:
        return not self.ref and bool(self.alt)

    @property
    def is_deletion(self) -> bool:
        return bool(self.ref) and not self.alt


def _clean(allele: str) -> str:
    a = (allele or "").strip().upper()
    return "" if a in ("-", ".") else a


def _mismatch(model: TP53Model, pos: int, written: str) -> str | None:
    """Text naming the first base of the written REF (at ``pos``) that differs from the reference."""
    for offset, base in enumerate(written):
        known = model.base(pos + offset)
        if known is not None and base != "N" and known != base:
            return (
                f"REF base {base} at {model.chrom}:{pos + offset} differs from the TP53 reference "
                f"({known}) in {model.build}"
            )
    return None


def normalize(pos: int, ref: str, alt: str, model: TP53Model) -> Change:
    """Trim, 3'-shift and key a change written VCF- or MAF-style; the same change always gives one result.

    ``-`` marks an empty allele (MAF); for a MAF insertion pass ``pos`` = the base before it.
    Raises ValueError for alleles that are not plain A/C/G/T/N or for a no-change record.

    Insertions and deletions are moved to their lowest genomic position while the sequence allows
    (VCF left-alignment, as vt/bcftools norm). On this minus-strand gene that is the most 3'
    position on the transcript, the HGVS 3' rule, applied along the genome and so across
    exon/intron borders. A change whose REF disagrees with the reference is only trimmed: shifting
    it along a sequence it does not match would invent a placement.
    """
    r, a = _clean(ref), _clean(alt)
    for allele in (r, a):
        if set(allele) - set("ACGTN"):
            raise ValueError(f"allele {allele!r} is not a plain DNA sequence")
    if r == a:
        raise ValueError("REF and ALT are identical")
    written_mismatch = _mismatch(model, pos, r)
    start = pos if r else pos + 1  # MAF insertion: "-" REF, pos is the base before
    # Trim a common suffix, then a common prefix (VCF normalisation order).
    while r and a and r[-1] == a[-1]:
        r, a = r[:-1], a[:-1]
    while r and a and r[0] == a[0]:
        r, a = r[1:], a[1:]
        start += 1
    end = start + len(r) - 1
    genome = model.genome
    matches = genome.fetch(start, end) == r and "N" not in r + a
    if bool(r) != bool(a) and matches:
        if a:  # insertion between start-1 and start: rotate while the base before repeats the last inserted base
            while genome.base(start - 1) == a[-1]:
                a = a[-1] + a[:-1]
                start -= 1
            end = start - 1
        else:  # deletion of start..end: move while the base before equals the last deleted base
            while genome.base(start - 1) is not None and genome.base(start - 1) == genome.base(end):
                start -= 1
                end -= 1
            r = genome.fetch(start, end) or r
    # Key: anchored VCF style when the base before is known, else MAF style with "-". A deletion of bases
    # the reference does not have keeps the MAF style: an anchored key would be re-trimmed onto other bases.
    anchor = genome.base(start - 1) if matches else None
    if r and a:
        key = (start, r, a)
    elif anchor is not None:
        key = (start - 1, anchor + r, anchor + a)
    elif a:  # MAF-style insertion: position of the base before, ref "-"
        key = (start - 1, "-", a)
    else:
        key = (start, r, "-")
    return Change(start, end, r, a, *key, ref_mismatch=written_mismatch)


# --------------------------------------------------------------------------- consequence + HGVS


@dataclass(frozen=True)
class Annotation:
    consequence: str
    hgvs_c: str | None
    hgvs_p: str | None
    ref_mismatch: str | None = None  # text when the REF disagrees with the transcript's CDS


def _splice_class(pos: TxPos, site: int, region: int) -> str | None:
    if pos.region == "intron":
        d = abs(pos.offset)
        if d <= site:
            return "splice_donor" if pos.offset > 0 else "splice_acceptor"
        if d <= region:
            return "splice_region"
        return "intronic"
    if pos.exonic_splice_region:
        return "splice_region"
    return None


_REGION_CLASS = {
    "utr5": "utr5",
    "utr3": "utr3",
    "intron": "intronic",
    "upstream": "upstream",
    "downstream": "downstream",
}


def _most_severe(classes: set[str]) -> str:
    return min(classes, key=lambda c: SEVERITY.get(c, len(SEVERITY))) if classes else "other"


def _protein_effect(model: TP53Model, c_lo: int, c_hi: int, alt_coding: str) -> tuple[str, str]:
    """Consequence and HGVS p. of replacing c_lo..c_hi (c_hi = c_lo - 1: insertion) by ``alt_coding``."""
    cds = model.cds
    ref_prot = model.protein + "*"
    alt_cds = cds[: c_lo - 1] + alt_coding + cds[c_hi:]
    # The mRNA goes on past the stop: a frame that loses the stop reads into the 3' UTR.
    alt_mrna = alt_cds + model.utr3
    # Start codon: anything that leaves no ATG at c.1 is start_lost; the protein is unknown.
    if c_lo <= 3 and alt_cds[:3] != "ATG":
        return "start_lost", "p.Met1?"
    if (len(alt_coding) - (c_hi - c_lo + 1)) % 3:
        return _frameshift(ref_prot, translate(alt_mrna))
    # In-frame: compare full translations, trimming the common prefix first and then the common
    # suffix, which yields the HGVS 3'-most description of changes in repeats.
    alt_full = translate(alt_cds, stop=False)
    a = 0
    while a < len(ref_prot) and a < len(alt_full) and ref_prot[a] == alt_full[a]:
        a += 1
    b = 0
    while b < len(ref_prot) - a and b < len(alt_full) - a and ref_prot[-1 - b] == alt_full[-1 - b]:
        b += 1
    ref_mid, alt_mid = ref_prot[a : len(ref_prot) - b], alt_full[a : len(alt_full) - b]
    if not ref_mid and not alt_mid:
        codon = min(max((c_lo + 2) // 3, 1), len(ref_prot))  # the stop codon too: TGA>TAA is p.Ter394=
        return "synonymous", f"p.{aa3(ref_prot[codon - 1])}{codon}="
    if "*" in alt_mid:  # a premature stop inside the replacement: truncation
        k = alt_mid.index("*")
        if k == 0:
            return "nonsense", f"p.{aa3(ref_prot[a])}{a + 1}Ter"
        last = a + max(len(ref_mid), 1)
        span = f"{aa3(ref_prot[a])}{a + 1}" + (f"_{aa3(ref_prot[last - 1])}{last}" if last > a + 1 else "")
        return "nonsense", f"p.{span}delins{aa3(alt_mid[: k + 1])}"
    if "*" in ref_mid:  # the stop codon is gone: translation runs on into the 3' UTR
        if a == len(ref_prot) - 1:  # the change starts at the stop codon: a C-terminal extension
            tail = translate(alt_mrna[3 * a :])
            if not tail:
                return "stop_lost", "p.?"
            if tail[0] == "*":  # another stop takes its place at once
                return "synonymous", f"p.Ter{a + 1}="
            # HGVS: the new stop is numbered within the added sequence (the changed stop itself is not counted).
            ext = f"Ter{tail.index('*')}" if "*" in tail else "Ter?"
            return "stop_lost", f"p.Ter{a + 1}{aa3(tail[0])}ext{ext}"
        return "stop_lost", "p.?"
    if not ref_mid:  # insertion between residues a and a+1 (1-based)
        n = len(alt_mid)
        if a >= n and ref_prot[a - n : a] == alt_mid:
            if n == 1:
                return "inframe_insertion", f"p.{aa3(ref_prot[a - 1])}{a}dup"
            return "inframe_insertion", f"p.{aa3(ref_prot[a - n])}{a - n + 1}_{aa3(ref_prot[a - 1])}{a}dup"
        return "inframe_insertion", f"p.{aa3(ref_prot[a - 1])}{a}_{aa3(ref_prot[a])}{a + 1}ins{aa3(alt_mid)}"
    first_txt = f"{aa3(ref_prot[a])}{a + 1}"
    last_txt = f"{aa3(ref_prot[a + len(ref_mid) - 1])}{a + len(ref_mid)}"
    span = first_txt if len(ref_mid) == 1 else f"{first_txt}_{last_txt}"
    if not alt_mid:
        return "inframe_deletion", f"p.{span}del"
    if len(ref_mid) == 1 and len(alt_mid) == 1:
        return "missense", f"p.{first_txt}{aa3(alt_mid)}"
    if len(alt_mid) > len(ref_mid):
        kind = "inframe_insertion"
    elif len(alt_mid) < len(ref_mid):
        kind = "inframe_deletion"
    else:
        kind = "missense"  # a multi-residue substitution (MNV): protein-altering, reported as missense
    return kind, f"p.{span}delins{aa3(alt_mid)}"


def _frameshift(ref_prot: str, alt_prot: str) -> tuple[str, str]:
    """HGVS p. of a frameshift: first changed residue, new residue, fsTer + length of the new frame.

    ``alt_prot`` is the translation of the changed mRNA including its 3' UTR; a frame without a stop
    before the transcript ends gets ``Ter?``.
    """
    first = next((i for i in range(min(len(ref_prot), len(alt_prot))) if ref_prot[i] != alt_prot[i]), len(alt_prot))
    if first >= len(ref_prot):  # pragma: no cover - both end in the same stop: not a frameshift
        return "frameshift", "p.?"
    ref_aa, pos = aa3(ref_prot[first]), first + 1
    tail = alt_prot[first:]
    if ref_prot[first] == "*":  # the shift starts in the stop codon
        ext = f"Ter{tail.index('*')}" if "*" in tail else "Ter?"
        return "frameshift", f"p.Ter{pos}{aa3(tail[0]) if tail else 'Xaa'}ext{ext}"
    if not tail:  # the new frame runs past the end of the known sequence at once
        return "frameshift", f"p.{ref_aa}{pos}fs"
    if tail[0] == "*":  # HGVS: a frameshift whose first new codon is a stop is a nonsense change
        return "nonsense", f"p.{ref_aa}{pos}Ter"
    fs = f"fsTer{tail.index('*') + 1}" if "*" in tail else "fsTer?"
    return "frameshift", f"p.{ref_aa}{pos}{aa3(tail[0])}{fs}"


def _hgvs_c(model: TP53Model, ch: Change) -> str:
    pos = lambda g: model.position(g).text  # noqa: E731 - tiny local helper
    if ch.is_insertion:
        p = ch.start - 1  # inserted between genomic p and p+1; transcript order is p+1 then p
        ins = revcomp(ch.alt)
        n = len(ch.alt)
        # After the 3' shift a copy of a repeated insertion lies just 5' of it on the transcript,
        # i.e. at the higher genomic positions: then it is a duplication (intronic bases included).
        if model.genome.fetch(p + 1, p + n) == ch.alt:
            hi, lo = pos(p + n), pos(p + 1)
            return f"c.{hi}dup" if n == 1 else f"c.{hi}_{lo}dup"
        return f"c.{pos(p + 1)}_{pos(p)}ins{ins}"
    span = pos(ch.end) if ch.start == ch.end else f"{pos(ch.end)}_{pos(ch.start)}"
    if ch.is_deletion:
        return f"c.{span}del"
    if ch.is_snv:
        return f"c.{span}{complement(ch.ref)}>{complement(ch.alt)}"
    return f"c.{span}delins{revcomp(ch.alt)}"


def _probe_positions(model: TP53Model, start: int, end: int, window: int) -> list[int]:
    """Positions of start..end where the region or splice class can change, plus both ends.

    Classes are constant between exon/intron, UTR/CDS and transcript borders once more than
    ``window`` bases away from them, so a deletion of any length is judged from a bounded set of
    positions instead of every base it removes.
    """
    if end - start <= 4 * window + 8:
        return list(range(start, end + 1))
    edges = {model.c1_genomic, model.stop_genomic, model.tx_start, model.tx_end}
    for exon in model.exons:
        edges.update((exon.start, exon.end))
    probes = {start, end}
    for edge in edges:
        for g in range(edge - window - 2, edge + window + 3):
            if start <= g <= end:
                probes.add(g)
    return sorted(probes)


def _coding_span(model: TP53Model, start: int, end: int) -> tuple[int, int, int] | None:
    """(lowest c., highest c., number of coding bases) within genomic start..end, or None."""
    lo = hi = None
    count = 0
    for exon in model.exons:
        if exon.cds_start is None or exon.cds_end is None:
            continue
        a, b = max(start, exon.cds_start), min(end, exon.cds_end)
        if a > b:
            continue
        count += b - a + 1
        for g in (a, b):
            c = model.position(g).c
            assert c is not None
            lo = c if lo is None else min(lo, c)
            hi = c if hi is None else max(hi, c)
    return (lo, hi, count) if lo is not None and hi is not None else None


def annotate_change(
    model: TP53Model, ch: Change, splice_site_bases: int = 2, splice_region_bases: int = 8
) -> Annotation:
    """Consequence class and HGVS c./p. of a normalised change on the TP53 transcript."""
    if "N" in ch.ref or "N" in ch.alt:
        return Annotation("other", None, None)
    mismatch = ch.ref_mismatch or _mismatch(model, ch.start, ch.ref)
    # Positions touched: the replaced bases, or the two bases flanking an insertion.
    if ch.is_insertion:
        touched = [ch.end, ch.start]
    else:
        touched = _probe_positions(model, ch.start, ch.end, max(splice_site_bases, splice_region_bases, 3))
    places = [model.position(g) for g in touched]
    classes: set[str] = set()
    for place in places:
        if place.region in _REGION_CLASS:
            classes.add(_REGION_CLASS[place.region])
        splice = _splice_class(place, splice_site_bases, splice_region_bases)
        if splice is not None:
            if ch.is_insertion and splice in ("splice_donor", "splice_acceptor"):
                # An insertion only breaks the dinucleotide when both flanks are inside it.
                if not all(p.region == "intron" and 0 < abs(p.offset) <= splice_site_bases for p in places):
                    splice = "splice_region"
            classes.add(splice)
    hgvs_p: str | None = None
    coding = [p for p in places if p.region == "cds"] if ch.is_insertion else []
    span = None if ch.is_insertion else _coding_span(model, ch.start, ch.end)
    if ch.is_insertion and coding:
        # Inserted after the 5'-most coding flank (c order runs opposite to genomic order).
        if len(coding) == 2 or places[1].region == "cds":
            after = min(p.c for p in coding if p.c is not None) if len(coding) == 2 else places[1].c
        else:  # the coding flank is the 3' one (exon start after an intron/UTR): insert before it
            after = (places[0].c or 1) - 1
        assert after is not None
        if 1 <= after < len(model.cds):
            kind, hgvs_p = _protein_effect(model, after + 1, after, revcomp(ch.alt))
            classes.add(kind)
    elif span is not None:
        c_lo, c_hi, count = span
        if count == ch.end - ch.start + 1:  # every replaced base is coding (one exon, or none skipped)
            kind, hgvs_p = _protein_effect(model, c_lo, c_hi, revcomp(ch.alt))
            classes.add(kind)
        else:  # the change straddles coding and non-coding sequence: protein effect not predictable
            if c_lo <= 3:
                classes.add("start_lost")
            elif c_hi >= len(model.cds) - 2:
                classes.add("stop_lost")
            elif (count - len(ch.alt)) % 3:
                classes.add("frameshift")
            else:
                classes.add("inframe_deletion")
            hgvs_p = "p.?"
    consequence = _most_severe(classes)
    touches_cds = bool(coding) or span is not None
    if consequence in ("splice_donor", "splice_acceptor"):
        hgvs_p = "p.?"
    elif consequence in ("utr5", "utr3", "intronic", "upstream", "downstream", "splice_region") and not touches_cds:
        hgvs_p = None
    return Annotation(consequence, _hgvs_c(model, ch), hgvs_p, mismatch)


def annotate_tp53(
    chrom: str,
    pos: int,
    ref: str,
    alt: str,
    build: str,
    splice_site_bases: int = 2,
    splice_region_bases: int = 8,
) -> tuple[str, str | None, str | None]:
    """(consequence class, HGVS c. on NM_000546.6, HGVS p. 3-letter) of one allele, from the shipped model.

    Accepts VCF-style alleles or MAF-style ones with ``-`` for an empty allele. A position on
    another chromosome, a symbolic or non-DNA allele gives ``("other", None, None)``.
    """
    model = tp53_model(build)
    if normalize_contig(chrom) != model.chrom:
        return "other", None, None
    try:
        change = normalize(pos, ref, alt, model)
    except ValueError:
        return "other", None, None
    ann = annotate_change(model, change, splice_site_bases, splice_region_bases)
    return ann.consequence, ann.hgvs_c, ann.hgvs_p


# --------------------------------------------------------------------------- annotation vocabularies

# Sequence Ontology terms used by Ensembl VEP and SnpEff, mapped onto the project classes.
# Terms not listed map to "other", which the readers treat as unusable (the model decides).
SO_TERMS: dict[str, str] = {
    "splice_acceptor_variant": "splice_acceptor",
    "splice_donor_variant": "splice_donor",
    "stop_gained": "nonsense",
    "frameshift_variant": "frameshift",
    "stop_lost": "stop_lost",
    "start_lost": "start_lost",
    "initiator_codon_variant": "start_lost",
    "inframe_insertion": "inframe_insertion",
    "conservative_inframe_insertion": "inframe_insertion",
    "disruptive_inframe_insertion": "inframe_insertion",
    "inframe_deletion": "inframe_deletion",
    "conservative_inframe_deletion": "inframe_deletion",
    "disruptive_inframe_deletion": "inframe_deletion",
    "missense_variant": "missense",
    "splice_region_variant": "splice_region",
    "splice_donor_5th_base_variant": "splice_region",
    "splice_donor_region_variant": "splice_region",
    "splice_polypyrimidine_tract_variant": "splice_region",
    "synonymous_variant": "synonymous",
    "stop_retained_variant": "synonymous",
    "start_retained_variant": "synonymous",
    "5_prime_UTR_variant": "utr5",
    "5_prime_UTR_premature_start_codon_gain_variant": "utr5",
    "3_prime_UTR_variant": "utr3",
    "intron_variant": "intronic",
    "upstream_gene_variant": "upstream",
    "downstream_gene_variant": "downstream",
}

# MAF Variant_Classification values (GDC MAF specification and the older TCGA/Oncotator ones).
MAF_CLASSES: dict[str, str] = {
    "missense_mutation": "missense",
    "nonsense_mutation": "nonsense",
    "frame_shift_del": "frameshift",
    "frame_shift_ins": "frameshift",
    "frame_shift": "frameshift",
    "in_frame_del": "inframe_deletion",
    "in_frame_ins": "inframe_insertion",
    "nonstop_mutation": "stop_lost",
    "stop_codon_del": "stop_lost",
    "stop_codon_ins": "stop_lost",
    "translation_start_site": "start_lost",
    "start_codon_snp": "start_lost",
    "start_codon_del": "start_lost",
    "start_codon_ins": "start_lost",
    "silent": "synonymous",
    "splice_region": "splice_region",
    "3'utr": "utr3",
    "5'utr": "utr5",
    "de_novo_start_inframe": "utr5",
    "de_novo_start_outofframe": "utr5",
    "intron": "intronic",
    "5'flank": "upstream",
    "3'flank": "downstream",
    # "Splice_Site" is resolved against the model (donor or acceptor side), see maf.py.
}


def map_so_terms(text: str) -> str:
    """Most severe project class among '&'/','-joined SO terms; 'other' when none is known."""
    classes = {SO_TERMS.get(term.strip(), "other") for term in text.replace(",", "&").split("&") if term.strip()}
    known = classes - {"other"}
    return _most_severe(known) if known else "other"


def splice_side(model: TP53Model, start: int, end: int) -> str:
    """splice_donor or splice_acceptor: the side of the nearest exon/intron junction to start..end."""
    best: tuple[int, str] | None = None
    for i, exon in enumerate(model.exons):
        # exon.start (3' end of the exon on the minus strand) borders a donor; exon.end an acceptor.
        if i < len(model.exons) - 1:
            d = min(abs(exon.start - start), abs(exon.start - end))
            if best is None or d < best[0]:
                best = (d, "splice_donor")
        if i > 0:
            d = min(abs(exon.end - start), abs(exon.end - end))
            if best is None or d < best[0]:
                best = (d, "splice_acceptor")
    return best[1] if best else "splice_donor"
