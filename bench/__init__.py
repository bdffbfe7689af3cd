"""Benchmarks and soaks; run each as a module from the checkout: ``python -m bench.soak``."""
