"""`python -m benchmarks [--quick] [--db sqlite|postgresql://...] [--json out.json]`."""

from .runner import main

main()
