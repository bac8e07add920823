"""Speed and memory benchmarks of the filters package (see README.md)."""
