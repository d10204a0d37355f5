"""The resident registry's simulator (linkage side): realistic daily change files in the format of
eligibility/intake/ (format.py, parser.py), and the population they describe (population.py, names.py),
which the synthetic city (synthetic/city.py) is generated from. See docs/subsystems/registry-feed.md."""
