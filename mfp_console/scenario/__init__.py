"""scenario layer of mfp-console: YAML scenario files (loader, validator), the runner and the pytest plugin.

Entry points: :func:`~mfp_console.scenario.loader.load_scenario` (raises every problem of a file at once)
and :func:`~mfp_console.scenario.runner.run_scenario`. The format is documented in ``docs/scenarios.md``.
"""
