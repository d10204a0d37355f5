"""The resident-registry change file (住基異動): its format and strict parser, the inbound port of
the registry intake (eligibility/intake.py). The simulator of the registry lives in linkage/registry/.
Documented in docs/subsystems/registry-feed.md."""
