"""The resident registry's simulator (linkage side): realistic daily change files in the format of
eligibility/intake/ (format.py, parser.py). See docs/subsystems/registry-feed.md."""
