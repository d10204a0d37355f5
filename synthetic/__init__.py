"""The synthetic city (合成データ): made-up residents and the facts every domain needs about them, for
development, demos, tests and benchmarks; never in production. The top layer: it may import every
app below it (the domains, linkage's simulators), and no app imports it (only tests/ and bench/).
Each domain contributes its part as a step of ``generate_city`` (steps.py). See
docs/subsystems/synthetic.md."""
