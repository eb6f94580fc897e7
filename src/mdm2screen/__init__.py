"""mdm2screen: MDM2-amplified / TP53 wild-type eligibility screening."""

__version__ = "0.1.0"
