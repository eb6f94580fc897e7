"""Screening one patient: evidence per sample -> decision per patient -> report.

The entry point the runner (Snakemake batch jobs, ``mdm2screen screen``, ``mdm2screen nightly``)
calls. Each layer lives in its own module: ``evidence.py`` reads and interprets every file of a
sample (never raising for a bad per-sample file: it becomes a reason and "not assessable"
evidence), ``decision.py`` applies each arm's criteria and chooses the deciding sample,
``report/model.py`` builds the typed report.
"""

from __future__ import annotations

from typing import Any

from .config import Settings
from .criteria import Arms
from .decision import Decider, arm_genes
from .evidence import EvidenceAssembler
from .ihc import IHCTable
from .report.model import ReportContext, build_report
from .sheet import SampleRow


class Screener:
    """Screens patients with one configuration; holds what is shared across patients."""

    def __init__(self, settings: Settings, arms: Arms, ihc: IHCTable) -> None:
        self.settings = settings
        self.arms = arms
        self.ihc = ihc
        self.evidence = EvidenceAssembler(settings, ihc, arm_genes=arm_genes(arms))
        self.decider = Decider(arms, settings["policy"], self.evidence.rules)
        self.config_sha256 = settings.sha256(arms.text)
        self.context = ReportContext(settings, arms, ihc, self.config_sha256, self.evidence.genes)

    def screen_patient(self, patient_id: str, rows: list[SampleRow]) -> dict[str, Any]:
        samples = [self.evidence.assemble(row, patient_id) for row in rows]
        decision = self.decider.decide_patient(patient_id, samples)
        return build_report(decision, self.context).to_dict()
