"""Exports of screening results and trial arms to the systems around a trial (MatchMiner CTML,
cBioPortal clinical attributes). Reports layer: they read reports and arms, never screen."""
